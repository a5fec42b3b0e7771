//! The steps a case reaches (分案, 送达, 开庭, 结案, 归档 …), read from its events and kept in its
//! state when first reached: what the process-node standards (`crate::nodes`) time.

use super::{CaseState, EventBody, ServedDocument};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A step a case can reach, read from its events.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mark {
    /// 立案 (the case's filing time; never stored as a mark).
    Filed,
    /// 分案: the 承办人 assigned.
    Assigned,
    /// 送达起诉状副本 (or 上诉状副本).
    ComplaintServed,
    /// 送达起诉书副本.
    IndictmentServed,
    /// 排期: the hearing date set.
    HearingScheduled,
    /// 开庭.
    HearingHeld,
    /// 宣判 / 结案: the closing event (for execution also 终结本次执行).
    Closed,
    /// 送达裁判文书.
    JudgmentServed,
    /// 归档.
    Archived,
    /// 发出执行通知.
    ExecutionNotice,
    /// 财产查控.
    PropertySearched,
    /// 财产处置.
    PropertyDisposed,
}

impl Mark {
    /// The mark an event reaches, if any.
    pub fn of(body: &EventBody) -> Option<Mark> {
        Some(match body {
            EventBody::Assigned { .. } => Mark::Assigned,
            EventBody::Served { document } => match document {
                ServedDocument::ComplaintCopy => Mark::ComplaintServed,
                ServedDocument::IndictmentCopy => Mark::IndictmentServed,
                ServedDocument::Judgment => Mark::JudgmentServed,
                ServedDocument::Other => return None,
            },
            EventBody::HearingScheduled { .. } => Mark::HearingScheduled,
            EventBody::HearingHeld => Mark::HearingHeld,
            EventBody::Closed { .. } | EventBody::ExecutionTerminated { .. } => Mark::Closed,
            EventBody::Archived => Mark::Archived,
            EventBody::ExecutionNoticeSent => Mark::ExecutionNotice,
            EventBody::PropertySearched { .. } => Mark::PropertySearched,
            EventBody::PropertyDisposed { .. } => Mark::PropertyDisposed,
            _ => return None,
        })
    }

    /// When `state` first reached the mark.
    pub fn reached(self, state: &CaseState) -> Option<DateTime<Utc>> {
        if self == Mark::Filed {
            return Some(state.filed_at);
        }
        state
            .marks
            .iter()
            .find(|(m, _)| *m == self)
            .map(|(_, t)| *t)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Mark::Filed => "filed",
            Mark::Assigned => "assigned",
            Mark::ComplaintServed => "complaint_served",
            Mark::IndictmentServed => "indictment_served",
            Mark::HearingScheduled => "hearing_scheduled",
            Mark::HearingHeld => "hearing_held",
            Mark::Closed => "closed",
            Mark::JudgmentServed => "judgment_served",
            Mark::Archived => "archived",
            Mark::ExecutionNotice => "execution_notice",
            Mark::PropertySearched => "property_searched",
            Mark::PropertyDisposed => "property_disposed",
        }
    }
}
