//! The judgment reader: sections, cited statutes, charges and sentences of any text.
#![no_main]
use libfuzzer_sys::fuzz_target;
use tianping_domain::judgment;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    let sec = judgment::sections(s);
    let _ = sec;
    let _ = judgment::cited_articles(s);
    let _ = judgment::charges(s);
    let _ = judgment::sentences(s);
    let _ = judgment::CourtLevel::of(s);
});
