//! The event decoder and validator: a JSON array of records is decoded and folded into a case as
//! ingest would (sizes, filing date, open, apply); nothing panics, whatever the input.
#![no_main]
use chrono::{TimeZone, Utc};
use libfuzzer_sys::fuzz_target;
use tianping_domain::event::{check_filing_date, check_sizes};
use tianping_domain::{CaseKind, CaseState, EventBody, EventRecord, Procedure};

fuzz_target!(|data: &[u8]| {
    let Ok(records) = serde_json::from_slice::<Vec<EventRecord>>(data) else {
        let _ = serde_json::from_slice::<EventRecord>(data);
        return;
    };
    let now = Utc
        .with_ymd_and_hms(2026, 6, 1, 0, 0, 0)
        .single()
        .expect("date");
    let mut state: Option<CaseState> = None;
    for r in records.iter().take(64) {
        if check_sizes(&r.body).is_err() {
            continue;
        }
        let at = r.occurred_at.with_timezone(&Utc);
        match (&mut state, &r.body) {
            (None, EventBody::Filed(f)) => {
                if check_filing_date(at, Some(2026)).is_ok() {
                    state =
                        CaseState::open(f, CaseKind::Criminal, Procedure::FirstInstance, None, at, now)
                            .ok();
                }
            }
            (Some(s), body) => {
                let _ = s.apply(body, at, now);
            }
            _ => {}
        }
        let _ = r.body.detail_zh();
        let _ = r.body.free_text();
    }
});
