use super::*;
use chrono::{TimeZone, Utc};

#[test]
fn deterministic_and_valid() {
    let now = Utc
        .with_ymd_and_hms(2026, 11, 22, 2, 0, 0)
        .single()
        .expect("date");
    let p = province(7);
    let a = generate(&p, 300, 7, now);
    let b = generate(&p, 300, 7, now);
    assert_eq!(a, b, "same seed, same province");
    assert!(a.len() > 1500, "about 6+ events a case, got {}", a.len());
    assert!(a.iter().all(|e| e.occurred_at.with_timezone(&Utc) <= now));
    let kinds: std::collections::HashSet<&str> = a.iter().map(|e| e.body.kind()).collect();
    for k in [
        "filed",
        "assigned",
        "hearing_held",
        "closed",
        "property_searched",
        "detained",
        "arrest_approved",
        "indicted",
    ] {
        assert!(kinds.contains(k), "missing {k}");
    }
    assert_eq!(users(&p).len(), 22);
    assert!(
        Role::ALL
            .iter()
            .all(|r| users(&p).iter().any(|u| u.role == *r)),
        "one login per role"
    );
}
