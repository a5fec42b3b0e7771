//! The process-node events of the demo's court cases — 送达 of the complaint (or indictment) and
//! of the judgment, 归档, 执行通知, 财产处置 — added after the cases are generated, each right
//! after the last event of its case that precedes it, from a random stream of their own (so the
//! rest of the demo is the same with or without them). Most are on time; some are late, so the
//! 审管办's list and each court's medians have something to show.

use super::Rng;
use chrono::{DateTime, Duration, FixedOffset, Utc};
use std::collections::HashMap;
use tianping_domain::EventRecord;
use tianping_domain::event::{Disposal, Disposition, EventBody, ServedDocument};

/// A time on the day `days` after `t`, within office hours.
fn later(rng: &mut Rng, t: DateTime<FixedOffset>, days: i64) -> DateTime<FixedOffset> {
    t + Duration::days(days) + Duration::minutes(rng.range(20, 240))
}

/// Days: mostly within `on_time`, a `late` share beyond it.
fn days(rng: &mut Rng, on_time: i64, late: f64) -> i64 {
    if rng.chance(late) {
        rng.range(on_time + 1, on_time * 3)
    } else {
        rng.range(0, on_time)
    }
}

pub(super) fn add(out: &mut Vec<EventRecord>, seed: u64, now: DateTime<Utc>) {
    let mut rng = Rng::new(seed ^ 0x004E_0DE5);
    let mut by_case: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, r) in out.iter().enumerate() {
        by_case.entry(r.case_number.as_str()).or_default().push(i);
    }
    let mut numbers: Vec<&str> = by_case.keys().copied().collect();
    numbers.sort_unstable();
    // (insert after this index, the new record)
    let mut inserts: Vec<(usize, EventRecord)> = vec![];
    let limit = now - Duration::hours(2);
    for number in numbers {
        let idx = &by_case[number];
        let Ok(parsed) = tianping_domain::CaseNumber::parse(number) else {
            continue;
        };
        let code = parsed.type_code.as_str();
        if !matches!(code, "民初" | "民终" | "刑初" | "行初" | "执") {
            continue;
        }
        let first =
            |f: &dyn Fn(&EventBody) -> bool| idx.iter().find(|&&i| f(&out[i].body)).copied();
        let Some(filed) = first(&|b| matches!(b, EventBody::Filed(_))) else {
            continue;
        };
        let closed = first(&|b| {
            matches!(
                b,
                EventBody::Closed { .. } | EventBody::ExecutionTerminated { .. }
            )
        });
        let close_at = closed.map(|i| out[i].occurred_at);
        let appealed = first(&|b| matches!(b, EventBody::Appealed { .. })).is_some();
        let restored = first(&|b| matches!(b, EventBody::ExecutionRestored { .. })).is_some();
        let add = |at: DateTime<FixedOffset>,
                   body: EventBody,
                   inserts: &mut Vec<(usize, EventRecord)>| {
            if at.with_timezone(&Utc) > limit {
                return;
            }
            // After the last event of the case at or before it.
            let Some(&after) = idx.iter().rev().find(|&&i| out[i].occurred_at <= at) else {
                return;
            };
            inserts.push((
                after,
                EventRecord {
                    source: "demo".into(),
                    source_event_id: format!("dn{}", inserts.len() + 1),
                    case_number: number.to_string(),
                    occurred_at: at,
                    corrects: None,
                    body,
                },
            ));
        };
        let filed_at = out[filed].occurred_at;
        let before_close = |t: DateTime<FixedOffset>| close_at.is_none_or(|c| t < c);
        match code {
            "执" => {
                let assigned = first(&|b| matches!(b, EventBody::Assigned { .. }));
                if let Some(a) = assigned {
                    let d = days(&mut rng, 3, 0.15);
                    let t = later(&mut rng, out[a].occurred_at, d);
                    if before_close(t) {
                        add(t, EventBody::ExecutionNoticeSent, &mut inserts);
                    }
                }
                // Property found and the case completed: disposed of before the close.
                let found = idx.iter().any(|&i| {
                    matches!(out[i].body, EventBody::PropertySearched { found: true, .. })
                });
                let completed = closed.is_some_and(|i| {
                    matches!(
                        out[i].body,
                        EventBody::Closed {
                            disposition: Disposition::ExecutionCompleted,
                            ..
                        }
                    )
                });
                if found && completed && rng.chance(0.6) {
                    let last_search = idx
                        .iter()
                        .rev()
                        .find(|&&i| matches!(out[i].body, EventBody::PropertySearched { .. }));
                    if let (Some(&s), Some(c)) = (last_search, close_at) {
                        let gap = (c - out[s].occurred_at).num_days();
                        if gap > 2 {
                            let d = rng.range(1, gap - 1);
                            let t = later(&mut rng, out[s].occurred_at, d);
                            let method = if rng.chance(0.8) {
                                Disposal::Auction
                            } else {
                                Disposal::Sale
                            };
                            let amount = Some(rng.range(50, 3000) * 1000);
                            if before_close(t) {
                                add(
                                    t,
                                    EventBody::PropertyDisposed {
                                        method,
                                        amount_yuan: amount,
                                    },
                                    &mut inserts,
                                );
                            }
                        }
                    }
                }
            }
            _ => {
                let document = match code {
                    "刑初" => Some(ServedDocument::IndictmentCopy),
                    "民初" | "行初" => Some(ServedDocument::ComplaintCopy),
                    _ => None,
                };
                if let Some(document) = document {
                    let d = 1 + days(&mut rng, 4, 0.12);
                    let t = later(&mut rng, filed_at, d);
                    if before_close(t) {
                        add(t, EventBody::Served { document }, &mut inserts);
                    }
                }
                if let Some(i) = closed
                    && matches!(
                        out[i].body,
                        EventBody::Closed {
                            disposition: Disposition::Judgment
                                | Disposition::Mediation
                                | Disposition::Dismissal
                                | Disposition::Upheld
                                | Disposition::Amended
                                | Disposition::RemandedForRetrial,
                            ..
                        }
                    )
                {
                    let within = if code == "刑初" { 5 } else { 10 };
                    let d = days(&mut rng, within - 1, 0.12);
                    let t = later(&mut rng, out[i].occurred_at, d);
                    add(
                        t,
                        EventBody::Served {
                            document: ServedDocument::Judgment,
                        },
                        &mut inserts,
                    );
                }
            }
        }
        // The file archived after closing (after the appeal comes back; a restored execution is
        // open again and waits).
        if let Some(c) = close_at
            && !restored
        {
            let d = if appealed {
                rng.range(120, 220)
            } else {
                20 + days(&mut rng, 60, 0.1)
            };
            let t = later(&mut rng, c, d);
            add(t, EventBody::Archived, &mut inserts);
        }
    }
    // Risk points the demo shows: now and then a judge is changed after the hearing (courts
    // outside 上城 and 西湖, whose judges are demo logins), and a few 终本 cases have no property
    // search recorded before them (the checklist says investigated; the record does not).
    let mut drop: Vec<usize> = vec![];
    // The judges each court's cases name, by the court's code in the case number (浙0105 …).
    let mut judges: HashMap<String, Vec<String>> = HashMap::new();
    for r in out.iter() {
        if let EventBody::Assigned { judge, .. } = &r.body {
            let list = judges.entry(court_of(&r.case_number)).or_default();
            if !list.contains(judge) && list.len() < 8 {
                list.push(judge.clone());
            }
        }
    }
    let mut numbers: Vec<&str> = by_case.keys().copied().collect();
    numbers.sort_unstable();
    for number in numbers {
        let idx = &by_case[number];
        if number.contains("浙0102") || number.contains("浙0106") {
            continue;
        }
        let held = idx
            .iter()
            .find(|&&i| matches!(out[i].body, EventBody::HearingHeld))
            .copied();
        if let Some(h) = held
            && rng.chance(0.02)
        {
            let d = rng.range(1, 10);
            let at = later(&mut rng, out[h].occurred_at, d);
            let next = idx.iter().find(|&&i| i > h).map(|&i| out[i].occurred_at);
            if next.is_none_or(|n| at < n) && at.with_timezone(&Utc) < limit {
                let judge = idx.iter().find_map(|&i| match &out[i].body {
                    EventBody::Assigned { judge, .. } => Some(judge.clone()),
                    _ => None,
                });
                let court = court_of(number);
                let other = judge.as_ref().and_then(|j| {
                    judges
                        .get(&court)
                        .and_then(|all| all.iter().find(|x| *x != j))
                        .cloned()
                });
                if let Some(j) = other {
                    inserts.push((
                        h,
                        EventRecord {
                            source: "demo".into(),
                            source_event_id: format!("dn{}", inserts.len() + 1),
                            case_number: number.to_string(),
                            occurred_at: at,
                            corrects: None,
                            body: EventBody::Assigned {
                                judge: j,
                                panel: vec![],
                                division: None,
                                clerk: None,
                            },
                        },
                    ));
                }
            }
        }
        let terminated = idx
            .iter()
            .any(|&i| matches!(out[i].body, EventBody::ExecutionTerminated { .. }));
        if terminated && rng.chance(0.04) {
            drop.extend(
                idx.iter()
                    .filter(|&&i| matches!(out[i].body, EventBody::PropertySearched { .. }))
                    .copied(),
            );
        }
    }
    if inserts.is_empty() {
        return;
    }
    // Merge: each new record after its anchor (several after one anchor in time order).
    inserts.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.occurred_at.cmp(&b.1.occurred_at)));
    let old = std::mem::take(out);
    let mut next = inserts.into_iter().peekable();
    for (i, r) in old.into_iter().enumerate() {
        if !drop.contains(&i) {
            out.push(r);
        }
        while next.peek().is_some_and(|(after, _)| *after == i) {
            if let Some((_, rec)) = next.next() {
                out.push(rec);
            }
        }
    }
}

/// The court part of a case number: 浙0105 of （2026）浙0105民初1号.
fn court_of(number: &str) -> String {
    let rest = number.split('）').nth(1).unwrap_or("");
    let mut chars = rest.chars();
    let mut out: String = chars.next().into_iter().collect();
    out.extend(chars.take_while(char::is_ascii_digit));
    out
}
