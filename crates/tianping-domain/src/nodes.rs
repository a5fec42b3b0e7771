//! Process-node standards (流程节点标准): the steps a case passes through on its way — 立案, 分案,
//! 送达, 排期, 开庭, 宣判, 送达, 归档; for execution 执行通知, 财产查控, 处置 — each with the
//! standard time it should take from an earlier step and the source of that standard. The flows
//! and their nodes are data (`rules/nodes.toml`, [U] values as configuration); this module reads
//! when each node was reached from the case's folded state and says which are late. Pure: no IO,
//! the calendar is passed in.
//!
//! A node is *late* when it was reached after its due day, or is still waited for after it. Late
//! nodes are watched silently: they are listed to the 审管办, and reach the judge only where the
//! node says so (`tell_judge`).

use crate::calendar::Calendar;
use crate::clock::local_date;
use crate::event::CaseState;
pub use crate::event::Mark;
use crate::{CaseStatus, event::Disposition};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Deserialize;
use std::collections::HashMap;

/// The shipped flows.
pub const NODES_TOML: &str = include_str!("../../../rules/nodes.toml");

/// How a standard time is counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    /// Calendar days, the day of the earlier step not counted.
    #[default]
    Day,
    /// Working days on the holiday calendar.
    WorkingDay,
}

/// One node of a flow.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Node {
    pub mark: Mark,
    /// The node's name as the 审管办 says it (e.g. 送达起诉状副本).
    pub name: String,
    /// The earlier step the standard time runs from; none for the flow's first node.
    #[serde(default)]
    pub after: Option<Mark>,
    /// The standard time; none: the node is timed (for the medians) but never late.
    #[serde(default)]
    pub days: Option<u32>,
    #[serde(default)]
    pub unit: Unit,
    /// Where the standard comes from, as the reader cites it (statute by name and article, or
    /// the local standard).
    #[serde(default)]
    pub source: String,
    /// Verification marker of the value: V, S or U (never shown to users).
    #[serde(default)]
    pub status: String,
    /// Whether the judge is told of the node when it is late (the 审管办 always is).
    #[serde(default)]
    pub tell_judge: bool,
}

impl Node {
    /// The standard in words, e.g. "立案后 5 日内" or "分案后 3 个工作日内".
    pub fn standard_zh(&self, flow: &Flow) -> String {
        let (Some(after), Some(days)) = (self.after, self.days) else {
            return "不设时限，只统计用时".into();
        };
        let from = flow.name_of(after);
        match self.unit {
            Unit::Day => format!("{from}后 {days} 日内"),
            Unit::WorkingDay => format!("{from}后 {days} 个工作日内"),
        }
    }
}

/// A flow: the nodes of one kind of case, in order.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Flow {
    pub code: String,
    pub name: String,
    /// The case-type codes (类型代字) the flow applies to.
    pub types: Vec<String>,
    pub nodes: Vec<Node>,
}

impl Flow {
    /// The name of the flow's node for `mark` (the mark's own words when the flow lacks it).
    pub fn name_of(&self, mark: Mark) -> &str {
        self.nodes
            .iter()
            .find(|n| n.mark == mark)
            .map(|n| n.name.as_str())
            .unwrap_or(match mark {
                Mark::Filed => "立案",
                Mark::Closed => "结案",
                _ => "上一节点",
            })
    }

    pub fn node(&self, mark: Mark) -> Option<&Node> {
        self.nodes.iter().find(|n| n.mark == mark)
    }

    /// The node's place in the flow (after every node for a mark the flow lacks).
    pub fn position(&self, mark: Mark) -> usize {
        self.nodes
            .iter()
            .position(|n| n.mark == mark)
            .unwrap_or(self.nodes.len())
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    version: u32,
    #[serde(default)]
    source: String,
    flow: Vec<Flow>,
}

/// The flows in force, with the case types they apply to.
#[derive(Debug, Clone)]
pub struct Flows {
    pub version: u32,
    /// A digest of the file's text: the stored nodes are re-computed when it changes.
    pub fingerprint: String,
    pub source: String,
    pub flows: Vec<Flow>,
    by_type: HashMap<String, usize>,
}

/// Why a flows file was refused, naming the flow and node.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct FlowsError(pub String);

impl Flows {
    pub fn shipped() -> Flows {
        #[allow(clippy::expect_used)]
        Flows::parse(NODES_TOML).expect("the shipped rules/nodes.toml parses")
    }

    pub fn parse(text: &str) -> Result<Flows, FlowsError> {
        let f: File = toml::from_str(text).map_err(|e| FlowsError(e.to_string()))?;
        let mut by_type = HashMap::new();
        for (i, flow) in f.flow.iter().enumerate() {
            let at = |n: &Node| format!("流程“{}”的节点“{}”", flow.name, n.name);
            if flow.nodes.is_empty() {
                return Err(FlowsError(format!("流程“{}”没有节点", flow.name)));
            }
            for (j, n) in flow.nodes.iter().enumerate() {
                if flow.nodes[..j].iter().any(|m| m.mark == n.mark) {
                    return Err(FlowsError(format!("{}重复", at(n))));
                }
                if let Some(a) = n.after
                    && a != Mark::Filed
                    && !flow.nodes[..j].iter().any(|m| m.mark == a)
                {
                    return Err(FlowsError(format!(
                        "{}的起算节点“{}”不在它之前",
                        at(n),
                        a.as_str()
                    )));
                }
                if n.days == Some(0) {
                    return Err(FlowsError(format!("{}的时限为 0 日", at(n))));
                }
                if n.days.is_some() && n.after.is_none() {
                    return Err(FlowsError(format!("{}设了时限却没有起算节点", at(n))));
                }
                if n.days.is_some() && n.source.trim().is_empty() {
                    return Err(FlowsError(format!("{}设了时限却没有依据", at(n))));
                }
            }
            for t in &flow.types {
                if by_type.insert(t.clone(), i).is_some() {
                    return Err(FlowsError(format!("类型代字“{t}”出现在两个流程中")));
                }
            }
        }
        Ok(Flows {
            version: f.version,
            fingerprint: crate::fnv64_hex(text),
            source: f.source,
            flows: f.flow,
            by_type,
        })
    }

    /// The flow a case of this type code follows.
    pub fn flow_for(&self, type_code: Option<&str>) -> Option<&Flow> {
        self.by_type.get(type_code?).map(|&i| &self.flows[i])
    }

    pub fn by_code(&self, code: &str) -> Option<&Flow> {
        self.flows.iter().find(|f| f.code == code)
    }

    /// Where a flow's node sorts among all: by flow, then by its place in the flow.
    pub fn order(&self, flow: &str, mark: Mark) -> (usize, usize) {
        match self.flows.iter().position(|f| f.code == flow) {
            Some(i) => (i, self.flows[i].position(mark)),
            None => (self.flows.len(), 0),
        }
    }

    /// The node count over all flows.
    pub fn node_count(&self) -> usize {
        self.flows.iter().map(|f| f.nodes.len()).sum()
    }
}

/// Where a node stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    /// Reached within its standard (or it has none).
    OnTime,
    /// Reached after its due day.
    Late,
    /// Waited for, not yet due.
    Waiting,
    /// Waited for past its due day.
    Overdue,
}

impl Standing {
    /// The standing in words; a node without a standard is 已完成 or 进行中, never 按时.
    pub fn zh_for(self, timed: bool) -> &'static str {
        match (self, timed) {
            (Standing::OnTime, false) => "已完成",
            _ => self.zh(),
        }
    }

    pub fn zh(self) -> &'static str {
        match self {
            Standing::OnTime => "按时",
            Standing::Late => "超时完成",
            Standing::Waiting => "进行中",
            Standing::Overdue => "已超时",
        }
    }

    pub fn late(self) -> bool {
        matches!(self, Standing::Late | Standing::Overdue)
    }
}

/// One node of one case: from when it runs, when it is due, when it was reached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeTime {
    pub mark: Mark,
    /// When the earlier step was reached (the node's clock starts).
    pub started: DateTime<Utc>,
    /// The last day the node is on time (Beijing), if it has a standard.
    pub due: Option<NaiveDate>,
    pub done: Option<DateTime<Utc>>,
    pub tell_judge: bool,
}

impl NodeTime {
    /// Where the node stands on `today` (Beijing).
    pub fn standing(&self, today: NaiveDate) -> Standing {
        match (self.done, self.due) {
            (Some(d), Some(due)) if local_date(d) > due => Standing::Late,
            (Some(_), _) => Standing::OnTime,
            (None, Some(due)) if today > due => Standing::Overdue,
            (None, _) => Standing::Waiting,
        }
    }

    /// Whole days from the earlier step to this one (Beijing dates), once reached.
    pub fn days_taken(&self) -> Option<i64> {
        self.done
            .map(|d| (local_date(d) - local_date(self.started)).num_days().max(0))
    }

    /// Days past the due day on `today` (0 when on time).
    pub fn days_over(&self, today: NaiveDate) -> i64 {
        let Some(due) = self.due else { return 0 };
        let end = self.done.map(local_date).unwrap_or(today);
        (end - due).num_days().max(0)
    }
}

/// The nodes of `state` whose earlier step it has reached, in flow order. A step before 结案 that
/// a closed case never reached (a hearing in a withdrawn case) no longer applies and is left out.
pub fn times(flow: &Flow, state: &CaseState, calendar: &Calendar) -> Vec<NodeTime> {
    let closed_index = flow.nodes.iter().position(|n| n.mark == Mark::Closed);
    let closed = state.status == CaseStatus::Closed;
    let mut out = Vec::with_capacity(flow.nodes.len());
    for (i, n) in flow.nodes.iter().enumerate() {
        let Some(after) = n.after else { continue };
        let Some(started) = after.reached(state) else {
            continue;
        };
        let done = n.mark.reached(state);
        if done.is_none() && closed && closed_index.is_none_or(|c| i < c) {
            continue;
        }
        // The steps after 结案 wait only while the case stays closed (not after 恢复执行 or a
        // reopening, until it closes again).
        if done.is_none() && !closed && closed_index.is_some_and(|c| i > c) {
            continue;
        }
        // A judgment is served only where the case ended in one (not after a withdrawal).
        if done.is_none()
            && n.mark == Mark::JudgmentServed
            && matches!(
                state.disposition,
                Some(Disposition::Withdrawal | Disposition::Transfer)
            )
        {
            continue;
        }
        let due = n.days.map(|d| {
            let from = local_date(started);
            match n.unit {
                Unit::Day => from + chrono::Duration::days(i64::from(d)),
                Unit::WorkingDay => calendar.add_working_days(from, d),
            }
        });
        out.push(NodeTime {
            mark: n.mark,
            started,
            due,
            done,
            tell_judge: n.tell_judge,
        });
    }
    out
}

/// The median of some whole-day durations (the lower middle of an even count).
pub fn median(values: &mut [i64]) -> Option<i64> {
    if values.is_empty() {
        return None;
    }
    values.sort_unstable();
    Some(values[(values.len() - 1) / 2])
}

#[cfg(test)]
mod tests;
