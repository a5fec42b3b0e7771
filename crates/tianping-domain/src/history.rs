//! A case's history: its recorded events folded into its state, with corrections applied.
//!
//! A correction (an event whose `corrects` names an earlier event of the same case and source)
//! takes the place of the event it corrects; a retraction removes it. Chains of corrections follow
//! to the latest. The fold re-validates every effective event, so a correction that would make the
//! history inconsistent is refused.

use crate::event::{CaseState, EventBody, EventRejection, Filing};
use chrono::{DateTime, Utc};
use std::collections::HashMap;

/// An event as stored: enough to replay it.
#[derive(Debug, Clone, PartialEq)]
pub struct Recorded {
    pub source: String,
    pub source_event_id: String,
    pub occurred_at: DateTime<Utc>,
    pub corrects: Option<String>,
    pub body: EventBody,
}

/// Which events are superseded, and by what: for the timeline.
pub fn superseded_by(events: &[Recorded]) -> Vec<Option<usize>> {
    let mut idx: HashMap<(&str, &str), usize> = HashMap::new();
    let mut by = vec![None; events.len()];
    for (i, e) in events.iter().enumerate() {
        if let Some(t) = &e.corrects
            && let Some(&ti) = idx.get(&(e.source.as_str(), t.as_str()))
        {
            by[ti] = Some(i);
        }
        idx.insert((e.source.as_str(), e.source_event_id.as_str()), i);
    }
    by
}

/// Checks that `correction` may correct `target`: same kind, or a retraction of anything but the
/// filing.
pub fn check_correction(target: &EventBody, correction: &EventBody) -> Result<(), EventRejection> {
    match correction {
        EventBody::Retraction { reason } => {
            if reason.trim().is_empty() {
                return Err(EventRejection::new("field_empty", "reason", "不能为空"));
            }
            if matches!(target, EventBody::Filed(_)) {
                return Err(EventRejection::new(
                    "retraction_of_filing",
                    "corrects",
                    "不能撤回立案记录；请以更正记录修改立案信息",
                ));
            }
            Ok(())
        }
        _ if correction.kind() == target.kind() => Ok(()),
        _ => Err(EventRejection::new(
            "correction_kind_mismatch",
            "kind",
            format!(
                "更正记录的类型“{}”须与被更正事件“{}”相同",
                correction.zh(),
                target.zh()
            ),
        )),
    }
}

/// Folds a case's events (in recorded order) into its state. `open` opens the case from the
/// effective filing. On refusal returns the index of the offending event.
pub fn fold(
    events: &[Recorded],
    open: impl Fn(&Filing, DateTime<Utc>) -> Result<CaseState, EventRejection>,
    now: DateTime<Utc>,
) -> Result<CaseState, (usize, EventRejection)> {
    let by = superseded_by(events);
    let mut is_correction = vec![false; events.len()];
    for c in by.iter().flatten() {
        is_correction[*c] = true;
    }
    let mut state: Option<CaseState> = None;
    for (i, corr) in is_correction.iter().enumerate() {
        if *corr {
            continue;
        }
        let mut cur = i;
        while let Some(n) = by[cur] {
            cur = n;
        }
        let e = &events[cur];
        if matches!(e.body, EventBody::Retraction { .. }) {
            continue;
        }
        match (&mut state, &e.body) {
            (None, EventBody::Filed(f)) => {
                state = Some(open(f, e.occurred_at).map_err(|r| (cur, r))?)
            }
            (None, _) => {
                return Err((
                    cur,
                    EventRejection::new(
                        "case_not_filed",
                        "case_number",
                        "案件尚未立案，首个事件须为立案",
                    ),
                ));
            }
            (Some(s), body) => s.apply(body, e.occurred_at, now).map_err(|r| (cur, r))?,
        }
    }
    state.ok_or((
        0,
        EventRejection::new("case_not_filed", "case_number", "案件没有有效的立案记录"),
    ))
}
