//! The holiday calendar loader: parse, and import into the shipped calendar; a refused import
//! leaves the calendar as it was.
#![no_main]
use libfuzzer_sys::fuzz_target;
use tianping_domain::calendar::Calendar;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    let _ = Calendar::parse(s);
    let mut cal = Calendar::default();
    let before = cal.clone();
    if cal.import(s).is_err() {
        assert_eq!(cal, before, "a refused import changes nothing");
    }
});
