//! The 案号 parser: never panics; what it accepts prints back to itself.
#![no_main]
use libfuzzer_sys::fuzz_target;
use tianping_domain::CaseNumber;
use tianping_domain::case_number::normalize;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    let _ = normalize(s);
    if let Ok(n) = CaseNumber::parse(s) {
        let printed = n.to_string();
        let again = CaseNumber::parse(&printed).expect("a printed 案号 parses");
        assert_eq!(again.to_string(), printed, "printing is stable");
        let _ = n.case_type();
    }
});
