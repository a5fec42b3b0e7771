//! The rule loaders (limits, 四类案件 flags, metrics, similar-case rules): refusals, never panics.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((which, rest)) = data.split_first() else {
        return;
    };
    let Ok(s) = std::str::from_utf8(rest) else {
        return;
    };
    match which % 4 {
        0 => {
            let _ = tianping_domain::rules::RuleSet::parse(s);
        }
        1 => {
            let _ = tianping_domain::flag::FlagRules::parse(s);
        }
        2 => {
            let _ = tianping_domain::metrics::MetricSet::parse(s);
        }
        _ => {
            let _ = tianping_domain::similar::SimilarRules::parse(s);
        }
    }
});
