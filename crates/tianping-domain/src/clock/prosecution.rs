//! The procuratorate's clocks after 提起公诉: the 抗诉 period of the judgment it receives, and the
//! 30 days to decide 不起诉 after 撤回起诉. Both are 同步备案审查 matters: a judgment below the
//! 量刑建议 (重罪轻判) and every 撤回起诉 are reported to the higher procuratorate at once, which
//! reads these clocks on its board while the period still runs.

use super::{Clock, ClockStatus, Engine, Span, flag, fmt_day, local_date, why};
use crate::case::CaseStatus;
use crate::event::CaseState;
use crate::period::{Reckoning, end_date};
use crate::rules::{ClockKey, Flag};
use chrono::{DateTime, NaiveDate, Utc};

/// The words of the finding that sends a case to the higher procuratorate.
const SYNC_REVIEW: &str = "应同步报送上一级人民检察院备案审查";

impl Engine<'_> {
    pub(super) fn after_indictment_clocks(
        &self,
        s: &CaseState,
        now: DateTime<Utc>,
        out: &mut Vec<Clock>,
    ) {
        let t = &s.timeline;
        if let Some(j) = &t.judgment_received {
            let ruling = j.ruling;
            let rule = self.rules.choose(
                ClockKey::ProtestPeriod,
                s.kind,
                None,
                &|f| match f {
                    Flag::RulingAppeal => ruling,
                    f => flag(s, f),
                },
                local_date(j.at),
            );
            if let Some(rule) = rule {
                let span = Span {
                    start: j.at,
                    start_label: if ruling {
                        "收到第一审裁定书"
                    } else {
                        "收到第一审判决书"
                    }
                    .into(),
                    stop: t.protest_decided_at,
                    stop_label: "作出抗诉或者不抗诉的决定".into(),
                    awaiting: None,
                };
                let mut c = self.day_clock(ClockKey::ProtestPeriod, rule, s, span, now);
                if j.lighter_than_recommended() {
                    let (m, r) = (
                        j.sentence_months.unwrap_or_default(),
                        j.recommended_months.unwrap_or_default(),
                    );
                    let text = format!(
                        "判处{m}个月，低于量刑建议的{r}个月（重罪轻判），{SYNC_REVIEW}，并在抗诉期限内审查是否抗诉"
                    );
                    if self.explain {
                        c.why.push(why("同步备案审查", text.clone(), None));
                    }
                    c.findings.push(format!("重罪轻判：{text}"));
                }
                out.push(c);
            }
        }
        if let Some(at) = t.withdrawn_at
            && let Some(rule) = self.rules.choose(
                ClockKey::WithdrawalDecision,
                s.kind,
                None,
                &|f| flag(s, f),
                local_date(at),
            )
        {
            let decided = (s.status == CaseStatus::Closed)
                .then_some(s.closed_at)
                .flatten()
                .filter(|c| *c >= at);
            let span = Span {
                start: at,
                start_label: "撤回起诉".into(),
                stop: decided,
                stop_label: "作出不起诉决定（或者依新的事实、证据重新起诉）".into(),
                awaiting: None,
            };
            let mut c = self.day_clock(ClockKey::WithdrawalDecision, rule, s, span, now);
            if self.explain {
                c.why
                    .push(why("同步备案审查", format!("撤回起诉{SYNC_REVIEW}"), None));
            }
            if c.status == ClockStatus::Overdue {
                c.findings
                    .push("撤回起诉后超过三十日未作出不起诉决定".into());
            }
            out.push(c);
        }
    }

    /// The 留置 a case was transferred from, against the limits of 监察法 2024 art. 48 (the rule
    /// `sup.retention`: three months, extended once by three, then by two with the National
    /// Supervisory Commission's approval): said in the why lines, and found when it ran past the
    /// longest limit — the procuratorate checks the approvals before relying on what it produced.
    pub(super) fn check_retention(
        &self,
        since: NaiveDate,
        transferred: DateTime<Utc>,
        c: &mut Clock,
    ) {
        let Some(rule) = self.rules.rule("sup.retention") else {
            return;
        };
        let Some(base) = rule.base else { return };
        let ended = local_date(transferred);
        let days = (ended - since).num_days();
        let base_end = end_date(since, base, Reckoning::Criminal);
        let mut longest = base_end;
        for step in &rule.extensions {
            if let Some(p) = step.amount {
                for _ in 0..step.max_times.unwrap_or(1) {
                    longest = end_date(longest, p, Reckoning::Criminal);
                }
            }
        }
        let text = if ended > longest {
            let t = format!(
                "留置自{}起共{days}日，超过监察法规定的最长期限（至{}）；另有重要罪行重新计算的除外，请核对",
                fmt_day(since),
                fmt_day(longest)
            );
            c.findings.push(format!("留置超期：{t}"));
            t
        } else if ended > base_end {
            format!(
                "留置自{}起共{days}日，超过三个月（至{}）：应有批准延长的决定，请核对",
                fmt_day(since),
                fmt_day(base_end)
            )
        } else {
            format!("留置自{}起共{days}日，未超过三个月", fmt_day(since))
        };
        if self.explain {
            c.why.push(why("留置", text, Some(&rule.citation_zh)));
        }
    }
}
