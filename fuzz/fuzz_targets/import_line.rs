//! One line of an import file, as the importer reads it: bytes to text (BOM, line endings,
//! invalid UTF-8 refused with its position), then a JSON event record.
#![no_main]
use libfuzzer_sys::fuzz_target;
use tianping_domain::EventRecord;
use tianping_domain::text::line_text;

fuzz_target!(|data: &[u8]| {
    let first = data.first().is_some_and(|b| b & 1 == 1);
    match line_text(data, first) {
        Ok(line) => {
            let _ = serde_json::from_str::<EventRecord>(line);
        }
        Err(at) => assert!(at >= 1 && at <= data.len(), "the position is inside the line"),
    }
});
