//! Risk points (执法司法风险点): a catalogue by line of work — category → risk point → the posts
//! concerned → level A/B/C → the control measure → the signal that detects it, where the events
//! carry one (`rules/risk-points.toml`, house data). This module reads the catalogue and says which
//! signals a case's state shows; the store counts the hits per court, post and person for the
//! quarterly review. Pure: no IO.

use crate::AgencyKind;
use crate::clock::{Clock, local_date};
use crate::event::CaseState;
use crate::nodes::{Mark, NodeTime};
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

/// The shipped catalogue.
pub const RISK_POINTS_TOML: &str = include_str!("../../../rules/risk-points.toml");

pub use crate::clock::VOID_EXTENSION;

/// A risk level: A holds case-handling power, B general affairs, C other.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Level {
    A,
    B,
    C,
}

impl Level {
    pub fn zh(self) -> &'static str {
        match self {
            Level::A => "A级（行使办案权力）",
            Level::B => "B级（一般事务）",
            Level::C => "C级（其他）",
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Level::A => "A",
            Level::B => "B",
            Level::C => "C",
        }
    }
}

/// What the events show of a risk point.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Signal {
    /// An extension of the limit approved after the limit expired.
    ExtensionAfterExpiry,
    /// The 承办人 changed after a hearing was held.
    ReassignedAfterHearing,
    /// 终结本次执行 with no 财产查控 recorded before it.
    ZhongbenWithoutSearch,
    /// A 送达 node reached late or still overdue.
    LateService,
    /// A statutory limit overdue, or the case closed after it.
    LimitOverdue,
}

impl Signal {
    pub const ALL: [Signal; 5] = [
        Signal::ExtensionAfterExpiry,
        Signal::ReassignedAfterHearing,
        Signal::ZhongbenWithoutSearch,
        Signal::LateService,
        Signal::LimitOverdue,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Signal::ExtensionAfterExpiry => "extension_after_expiry",
            Signal::ReassignedAfterHearing => "reassigned_after_hearing",
            Signal::ZhongbenWithoutSearch => "zhongben_without_search",
            Signal::LateService => "late_service",
            Signal::LimitOverdue => "limit_overdue",
        }
    }

    pub fn parse(s: &str) -> Option<Signal> {
        Signal::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// How the signal is detected, for the catalogue page.
    pub fn zh(self) -> &'static str {
        match self {
            Signal::ExtensionAfterExpiry => "系统发现：延长审限的批准晚于审限届满日",
            Signal::ReassignedAfterHearing => "系统发现：开庭后承办人变更",
            Signal::ZhongbenWithoutSearch => "系统发现：终结本次执行前无财产查控记录",
            Signal::LateService => "系统发现：送达节点超过流程节点标准",
            Signal::LimitOverdue => "系统发现：审限、办案期限超期",
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Post {
    pub code: String,
    pub name: String,
    pub agency: AgencyKind,
    pub level: Level,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Point {
    pub code: String,
    pub name: String,
    pub posts: Vec<String>,
    pub level: Level,
    pub control: String,
    #[serde(default)]
    pub signal: Option<Signal>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Category {
    pub code: String,
    pub name: String,
    pub points: Vec<Point>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    version: u32,
    #[serde(default)]
    source: String,
    posts: Vec<Post>,
    category: Vec<Category>,
}

/// The catalogue in force.
#[derive(Debug, Clone)]
pub struct Catalogue {
    pub version: u32,
    pub source: String,
    pub posts: Vec<Post>,
    pub categories: Vec<Category>,
}

/// Why a catalogue was refused, naming the category, point or post.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct CatalogueError(pub String);

impl Catalogue {
    pub fn shipped() -> Catalogue {
        #[allow(clippy::expect_used)]
        Catalogue::parse(RISK_POINTS_TOML).expect("the shipped rules/risk-points.toml parses")
    }

    pub fn parse(text: &str) -> Result<Catalogue, CatalogueError> {
        let f: File = toml::from_str(text).map_err(|e| CatalogueError(e.to_string()))?;
        let mut seen: Vec<&str> = vec![];
        for p in &f.posts {
            if seen.contains(&p.code.as_str()) {
                return Err(CatalogueError(format!(
                    "岗位“{}”（{}）重复",
                    p.name, p.code
                )));
            }
            seen.push(&p.code);
        }
        let mut codes: Vec<&str> = vec![];
        let mut signals: Vec<Signal> = vec![];
        for c in &f.category {
            if c.points.is_empty() {
                return Err(CatalogueError(format!("风险类别“{}”没有风险点", c.name)));
            }
            for p in &c.points {
                let at = format!("风险类别“{}”的风险点“{}”", c.name, p.name);
                if codes.contains(&p.code.as_str()) {
                    return Err(CatalogueError(format!("{at}的编号 {} 重复", p.code)));
                }
                codes.push(&p.code);
                if p.posts.is_empty() {
                    return Err(CatalogueError(format!("{at}没有涉及的岗位")));
                }
                if let Some(x) = p.posts.iter().find(|x| !seen.contains(&x.as_str())) {
                    return Err(CatalogueError(format!("{at}的岗位“{x}”不在岗位表中")));
                }
                if p.control.trim().is_empty() {
                    return Err(CatalogueError(format!("{at}没有防控措施")));
                }
                if let Some(s) = p.signal {
                    if signals.contains(&s) {
                        return Err(CatalogueError(format!(
                            "{at}的发现方式 {} 已用于另一风险点",
                            s.as_str()
                        )));
                    }
                    signals.push(s);
                }
            }
        }
        Ok(Catalogue {
            version: f.version,
            source: f.source,
            posts: f.posts,
            categories: f.category,
        })
    }

    /// The point a signal detects, with its category.
    pub fn point_for(&self, signal: Signal) -> Option<(&Category, &Point)> {
        self.categories.iter().find_map(|c| {
            c.points
                .iter()
                .find(|p| p.signal == Some(signal))
                .map(|p| (c, p))
        })
    }

    /// A point by its code.
    pub fn point_for_code(&self, code: &str) -> Option<&Point> {
        self.categories
            .iter()
            .flat_map(|c| c.points.iter())
            .find(|p| p.code == code)
    }

    pub fn post(&self, code: &str) -> Option<&Post> {
        self.posts.iter().find(|p| p.code == code)
    }

    pub fn point_count(&self) -> usize {
        self.categories.iter().map(|c| c.points.len()).sum()
    }
}

/// A signal a case shows, on the day it showed (Beijing).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hit {
    pub signal: Signal,
    pub on: NaiveDate,
}

/// The event-driven signals of a case: an extension approved after expiry (from its clocks'
/// findings), a reassignment after a hearing, a 终本 without a property search. (Late services
/// and overdue limits change with the passage of time; the store reads them from the nodes and
/// clocks it keeps.)
pub fn hits(state: &CaseState, clocks: &[Clock]) -> Vec<Hit> {
    let mut out = vec![];
    if clocks
        .iter()
        .any(|c| c.findings.iter().any(|f| f.contains(VOID_EXTENSION)))
    {
        let on = state
            .timeline
            .extensions
            .iter()
            .map(|g| g.decided_at)
            .max()
            .unwrap_or(state.last_event_at);
        out.push(Hit {
            signal: Signal::ExtensionAfterExpiry,
            on: local_date(on),
        });
    }
    if let Some(at) = state.reassigned_after_hearing {
        out.push(Hit {
            signal: Signal::ReassignedAfterHearing,
            on: local_date(at),
        });
    }
    if let Some(spell) = state.zhongben_spells.first() {
        let searched = Mark::PropertySearched.reached(state);
        if searched.is_none_or(|s| s > spell.from) {
            out.push(Hit {
                signal: Signal::ZhongbenWithoutSearch,
                on: local_date(spell.from),
            });
        }
    }
    out
}

/// Whether a node is a 送达 whose lateness is a [`Signal::LateService`].
pub fn is_service(n: &NodeTime) -> bool {
    matches!(
        n.mark,
        Mark::ComplaintServed | Mark::IndictmentServed | Mark::JudgmentServed
    )
}

/// A quarter of a year (1–4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Quarter {
    pub year: i32,
    pub q: u32,
}

impl Quarter {
    pub fn of(d: NaiveDate) -> Quarter {
        Quarter {
            year: d.year(),
            q: d.month0() / 3 + 1,
        }
    }

    /// Parses `2026Q3` (or `2026-Q3`).
    pub fn parse(s: &str) -> Option<Quarter> {
        let s = s.trim().to_ascii_uppercase().replace('-', "");
        let (y, q) = s.split_once('Q')?;
        let (year, q) = (y.parse().ok()?, q.parse().ok()?);
        ((1..=4).contains(&q) && (2000..=2100).contains(&year)).then_some(Quarter { year, q })
    }

    pub fn first_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, (self.q - 1) * 3 + 1, 1).unwrap_or(NaiveDate::MIN)
    }

    /// The first day of the next quarter.
    pub fn end(self) -> NaiveDate {
        self.next().first_day()
    }

    pub fn next(self) -> Quarter {
        if self.q == 4 {
            Quarter {
                year: self.year + 1,
                q: 1,
            }
        } else {
            Quarter {
                year: self.year,
                q: self.q + 1,
            }
        }
    }

    pub fn prev(self) -> Quarter {
        if self.q == 1 {
            Quarter {
                year: self.year - 1,
                q: 4,
            }
        } else {
            Quarter {
                year: self.year,
                q: self.q - 1,
            }
        }
    }

    pub fn code(self) -> String {
        format!("{}Q{}", self.year, self.q)
    }

    pub fn zh(self) -> String {
        let n = ["一", "二", "三", "四"][(self.q as usize).saturating_sub(1).min(3)];
        format!("{}年第{n}季度", self.year)
    }
}

#[cfg(test)]
mod tests;
