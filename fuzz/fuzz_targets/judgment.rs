//! The judgment reader: sections, cited statutes, charges and sentences of any text; and the
//! proofreader, whose every finding's offsets must point at its own text.
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
    let n = s.chars().count();
    for f in tianping_domain::proofread::proofread(s) {
        assert!(f.start <= f.end && f.end <= n, "{f:?}");
        let at: String = s.chars().skip(f.start).take(f.end - f.start).collect();
        assert_eq!(at, f.text);
    }
});
