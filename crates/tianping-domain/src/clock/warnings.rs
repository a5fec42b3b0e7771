//! Warnings: when a clock warns (its category and level by the days left), and when it will next.

use super::Clock;
use super::ClockStatus;
use super::local_date;
use super::local_midnight;
use crate::rules::ClockKey;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// When to warn: a policy, not law (configurable).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WarnPolicy {
    /// Days before the nominal due date at which a "nearing" warning fires.
    pub days_before: Vec<u32>,
    /// Custody clocks: days before expiry that count as "custody expiring".
    pub custody_days: u32,
    /// Hour clocks: hours before expiry.
    pub custody_hours: u32,
}

impl Default for WarnPolicy {
    fn default() -> Self {
        WarnPolicy {
            days_before: vec![30, 15, 10, 5, 3, 1],
            custody_days: 3,
            custody_hours: 4,
        }
    }
}

/// What the warnings board calls a clock's situation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    Overdue,
    DueToday,
    CustodyExpiring,
    ExtensionWindow,
    Nearing,
    LongPending,
    NoRule,
}

impl Category {
    pub const ALL: [Category; 7] = [
        Category::Overdue,
        Category::DueToday,
        Category::CustodyExpiring,
        Category::ExtensionWindow,
        Category::Nearing,
        Category::LongPending,
        Category::NoRule,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Overdue => "overdue",
            Category::DueToday => "due_today",
            Category::CustodyExpiring => "custody_expiring",
            Category::ExtensionWindow => "extension_window",
            Category::Nearing => "nearing",
            Category::LongPending => "long_pending",
            Category::NoRule => "no_rule",
        }
    }
    pub fn parse(s: &str) -> Option<Category> {
        Category::ALL.into_iter().find(|c| c.as_str() == s)
    }
    pub fn zh(self) -> &'static str {
        match self {
            Category::Overdue => "已超期",
            Category::DueToday => "今日届满",
            Category::CustodyExpiring => "羁押期限将届满",
            Category::ExtensionWindow => "延长申请窗口将关闭",
            Category::Nearing => "临近届满",
            Category::LongPending => "长期未结",
            Category::NoRule => "无适用规则",
        }
    }
    /// Sent at once rather than in the digest.
    pub fn urgent(self) -> bool {
        matches!(
            self,
            Category::Overdue | Category::DueToday | Category::CustodyExpiring
        )
    }
}

/// A warning a clock raises at an instant: its category and the threshold that produced it (the
/// idempotency key of the warning, e.g. `nearing:15`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Alert {
    pub category: Category,
    pub threshold: String,
}

/// The warnings a clock raises at `now`, most severe first.
pub fn assess(c: &Clock, now: DateTime<Utc>, p: &WarnPolicy) -> Vec<Alert> {
    let mut out = vec![];
    let today = local_date(now);
    if c.status == ClockStatus::NoRule {
        out.push(Alert {
            category: Category::NoRule,
            threshold: "no_rule".into(),
        });
        return out;
    }
    if c.key == ClockKey::LongPending {
        if c.status == ClockStatus::Running
            && let Some(m) = c.tier_months
        {
            out.push(Alert {
                category: Category::LongPending,
                threshold: format!("long_pending:{m}"),
            });
        }
        return out;
    }
    if !matches!(
        c.status,
        ClockStatus::Running | ClockStatus::Overdue | ClockStatus::Paused
    ) {
        return out;
    }
    let (Some(deadline), Some(nominal)) = (c.deadline, c.nominal_due) else {
        return out;
    };
    if now >= deadline {
        out.push(Alert {
            category: Category::Overdue,
            threshold: "overdue".into(),
        });
        return out;
    }
    if c.key.is_hourly() {
        if deadline - now <= Duration::hours(p.custody_hours as i64) {
            out.push(Alert {
                category: if c.custody {
                    Category::CustodyExpiring
                } else {
                    Category::Nearing
                },
                threshold: format!("custody:{}h", p.custody_hours),
            });
        }
        return out;
    }
    let left = (nominal - today).num_days();
    if c.due == Some(today) || left == 0 {
        out.push(Alert {
            category: Category::DueToday,
            threshold: "due_today".into(),
        });
    }
    if c.custody && left <= p.custody_days as i64 {
        out.push(Alert {
            category: Category::CustodyExpiring,
            threshold: format!("custody:{}d", p.custody_days),
        });
    }
    if let Some(apply_by) = c.apply_by
        && today <= apply_by
        && (apply_by - today).num_days() <= 5
    {
        out.push(Alert {
            category: Category::ExtensionWindow,
            threshold: format!("extension_window:{apply_by}"),
        });
    }
    if left > 0
        && let Some(n) = p.days_before.iter().filter(|n| left <= **n as i64).min()
    {
        out.push(Alert {
            category: Category::Nearing,
            threshold: format!("nearing:{n}"),
        });
    }
    out
}

/// The next instant after `now` at which [`assess`] can change its answer (or the clock's status),
/// so that the poller touches a clock only when something is due.
pub fn next_fire(c: &Clock, now: DateTime<Utc>, p: &WarnPolicy) -> Option<DateTime<Utc>> {
    let mut cands: Vec<DateTime<Utc>> = vec![];
    if c.key == ClockKey::LongPending {
        return c
            .deadline
            .filter(|t| *t > now && c.status == ClockStatus::Running);
    }
    match c.status {
        ClockStatus::Running | ClockStatus::Overdue => {}
        // An open excluded period moves the due date every day.
        ClockStatus::Paused => return Some(local_midnight(local_date(now) + Duration::days(1))),
        _ => return None,
    }
    let deadline = c.deadline?;
    cands.push(deadline);
    if c.key.is_hourly() {
        cands.push(deadline - Duration::hours(p.custody_hours as i64));
    } else if let Some(nominal) = c.nominal_due {
        let mut days: Vec<i64> = p.days_before.iter().map(|d| *d as i64).collect();
        days.push(0);
        if c.custody {
            days.push(p.custody_days as i64);
        }
        for d in days {
            cands.push(local_midnight(nominal - Duration::days(d)));
        }
        if let Some(due) = c.due {
            cands.push(local_midnight(due));
        }
        if let Some(a) = c.apply_by {
            cands.push(local_midnight(a - Duration::days(5)));
            cands.push(local_midnight(a + Duration::days(1)));
        }
    }
    cands.into_iter().filter(|t| *t > now).min()
}

/// The rung of the escalation ladder a warning starts at when it is first raised `late` after its
/// clock's deadline: the rung it would have climbed to by now had it been raised at the deadline
/// and never signed. A case first seen 900 days overdue does not start by reminding only its
/// judge. `after_hours[i]` is how long after rung `i - 1` rung `i` is told (the ladder, data);
/// the first entry is the first rung's and is not counted.
pub fn starting_rung(after_hours: &[u32], late: Duration) -> usize {
    let late_hours = late.num_hours();
    let mut waited: i64 = 0;
    let mut rung = 0;
    for (i, h) in after_hours.iter().enumerate().skip(1) {
        waited += i64::from(*h);
        if waited > late_hours {
            break;
        }
        rung = i;
    }
    rung
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_backlog_starts_at_the_rung_its_lateness_warrants() {
        // The shipped ladder: judge, then chief after 24 h, president 48 h later, case office
        // 72 h later, the 政法委 120 h later (cumulative 24, 72, 144, 264 hours).
        let ladder = [0, 24, 48, 72, 120];
        let h = Duration::hours;
        assert_eq!(starting_rung(&ladder, h(-5)), 0, "not late yet");
        assert_eq!(starting_rung(&ladder, h(0)), 0);
        assert_eq!(starting_rung(&ladder, h(23)), 0);
        assert_eq!(
            starting_rung(&ladder, h(24)),
            1,
            "a day late: the chief too"
        );
        assert_eq!(starting_rung(&ladder, h(71)), 1);
        assert_eq!(starting_rung(&ladder, h(72)), 2);
        assert_eq!(starting_rung(&ladder, h(144)), 3);
        assert_eq!(starting_rung(&ladder, h(263)), 3);
        assert_eq!(starting_rung(&ladder, h(264)), 4);
        assert_eq!(
            starting_rung(&ladder, Duration::days(905)),
            4,
            "never past the top"
        );
        assert_eq!(starting_rung(&[0], Duration::days(905)), 0, "one rung");
        assert_eq!(starting_rung(&[], Duration::days(905)), 0, "no ladder");
    }
}
