//! The police's and the procuratorate's clocks beyond custody: a 警情's record and 立案审查 and
//! the 立案监督 periods, 取保候审 and 监视居住 per organ, and the 执法办案管理中心's findings on a
//! summons (the interval between summonses, each 讯问 and its 同步录音录像).

use super::{Clock, ClockStatus, Engine, Span, flag, fmt_time, hours, local_date, why};
use crate::case::CaseStatus;
use crate::event::CaseState;
use crate::rules::{ClockKey, Rule};
use crate::timeline::Measure;
use chrono::{DateTime, Duration, Utc};

impl Engine<'_> {
    /// A 警情's record and 立案审查, and the 立案监督 the procuratorate opens on them: each late
    /// one says what it is (有警不录, 有案不立, 不说明理由, 通知立案后不立案).
    pub(super) fn incident_clocks(&self, s: &CaseState, now: DateTime<Utc>, out: &mut Vec<Clock>) {
        let t = &s.timeline;
        let choose = |key| {
            self.rules
                .choose(key, s.kind, None, &|f| flag(s, f), local_date(s.filed_at))
        };
        if t.incident
            && let Some(rule) = choose(ClockKey::IncidentRecord)
        {
            let span = Span {
                start: s.filed_at,
                start_label: "接警".into(),
                stop: t.incident_recorded_at,
                stop_label: "处警结果或受案、不予受案登记".into(),
                awaiting: None,
            };
            let mut c = self.hour_clock(ClockKey::IncidentRecord, rule, s, span, now);
            c.custody = false;
            if matches!(c.status, ClockStatus::Overdue | ClockStatus::Late) {
                c.findings.push("有警不录：接警后未按时登记处警结果".into());
            }
            out.push(c);
        }
        if let (Some(at), Some(rule)) = (t.accepted_at, choose(ClockKey::FilingReview)) {
            let span = Span {
                start: at,
                start_label: "刑事案件受案".into(),
                stop: t.filing_decided_at.filter(|d| *d >= at),
                stop_label: "立案或不予立案决定".into(),
                awaiting: None,
            };
            let mut c = self.day_clock(ClockKey::FilingReview, rule, s, span, now);
            if c.status == ClockStatus::Overdue {
                c.findings
                    .push("有案不立：受案后超过立案审查期限未作出立案决定".into());
            }
            if t.refusal_without_reason {
                c.findings.push("不予立案未记录理由".into());
            }
            out.push(c);
        }
        if let (Some(at), Some(rule)) =
            (t.explanation_requested_at, choose(ClockKey::ExplanationDue))
        {
            let stop = [
                t.explanation_given_at,
                t.filing_decided_at.filter(|_| t.filed == Some(true)),
            ]
            .into_iter()
            .flatten()
            .filter(|x| *x >= at)
            .min();
            let span = Span {
                start: at,
                start_label: "收到要求说明不立案理由通知".into(),
                stop,
                stop_label: "说明理由或立案".into(),
                awaiting: None,
            };
            out.push(self.day_clock(ClockKey::ExplanationDue, rule, s, span, now));
        }
        if let (Some(at), Some(rule)) = (t.filing_ordered_at, choose(ClockKey::FilingAfterNotice)) {
            let span = Span {
                start: at,
                start_label: "收到通知立案书".into(),
                stop: t
                    .filing_decided_at
                    .filter(|d| *d >= at && t.filed == Some(true)),
                stop_label: "立案".into(),
                awaiting: None,
            };
            out.push(self.day_clock(ClockKey::FilingAfterNotice, rule, s, span, now));
        }
    }

    /// 取保候审 (12 months) and 监视居住 (6 months): the last spell of each, counted from the
    /// decision of the organ holding this case — each organ decides anew and its period starts
    /// again (CrimPL 2018 art. 79; 规则 2019 art. 103).
    pub(super) fn measure_clocks(&self, s: &CaseState, now: DateTime<Utc>, out: &mut Vec<Clock>) {
        let closed = s.closed_at.filter(|_| s.status == CaseStatus::Closed);
        for (measure, key, label) in [
            (Measure::Bail, ClockKey::Bail, "取保候审决定"),
            (
                Measure::ResidentialSurveillance,
                ClockKey::ResidentialSurveillance,
                "监视居住决定",
            ),
        ] {
            let Some(spell) = s.timeline.measures.iter().rfind(|m| m.measure == measure) else {
                continue;
            };
            let Some(rule) =
                self.rules
                    .choose(key, s.kind, None, &|f| flag(s, f), local_date(spell.start))
            else {
                continue;
            };
            let stop = spell.end.or(closed.filter(|c| *c >= spell.start));
            let span = Span {
                start: spell.start,
                start_label: label.into(),
                stop,
                stop_label: "解除、变更强制措施或结案".into(),
                awaiting: None,
            };
            out.push(self.day_clock(key, rule, s, span, now));
        }
    }

    /// A summons within the least interval after the previous one is a finding (规则 2019 arts.
    /// 83, 185: 两次传唤、拘传间隔一般不少于十二小时; no consecutive summons as disguised detention).
    pub(super) fn summons_findings(
        &self,
        rule: &Rule,
        s: &CaseState,
        start: DateTime<Utc>,
        _stop: Option<DateTime<Utc>>,
        c: &mut Clock,
    ) {
        let Some(min) = rule.min_interval else {
            return;
        };
        let prev_end = s
            .timeline
            .summonses
            .iter()
            .filter(|r| r.start < start)
            .filter_map(|r| r.end)
            .filter(|e| *e <= start)
            .max();
        if let Some(prev) = prev_end {
            let gap = start - prev;
            if gap < Duration::hours(hours(min) as i64) {
                let h = gap.num_minutes() as f64 / 60.0;
                c.findings.push(format!(
                    "两次传唤、拘传间隔仅 {h:.1} 小时，少于 {} 小时",
                    hours(min)
                ));
                if self.explain {
                    c.why.push(why(
                        "传唤间隔",
                        format!(
                            "上一次传唤、拘传于 {} 结束，间隔 {h:.1} 小时，少于 {} 小时：不得以连续传唤、拘传变相拘禁",
                            fmt_time(prev),
                            hours(min)
                        ),
                        Some(rule.citation_zh.as_str()),
                    ));
                }
            }
        }
    }

    /// The 讯问/询问 sessions within a span, each with its length and whether it was recorded on
    /// audio and video; an unrecorded 讯问 is a finding (CrimPL 2018 art. 123).
    pub(super) fn session_lines(
        &self,
        s: &CaseState,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        c: &mut Clock,
    ) {
        for (i, x) in s
            .timeline
            .sessions
            .iter()
            .filter(|x| x.start >= from && x.start <= to)
            .enumerate()
        {
            let len = x
                .end
                .map(|e| format!("至 {}，{} 分钟", fmt_time(e), (e - x.start).num_minutes()))
                .unwrap_or_else(|| "尚未结束".into());
            if self.explain {
                c.why.push(why(
                    &format!("第{}次{}", i + 1, x.questioning.zh()),
                    format!(
                        "{} 开始，{len}；{}",
                        fmt_time(x.start),
                        if x.recorded {
                            "同步录音录像"
                        } else {
                            "未同步录音录像"
                        }
                    ),
                    None,
                ));
            }
            if !x.recorded && x.questioning == crate::timeline::Questioning::Interrogation {
                c.findings.push(format!(
                    "第{}次讯问未同步录音录像（可能判处无期徒刑、死刑或者其他重大犯罪的，应当全程录音录像：刑事诉讼法第一百二十三条）",
                    i + 1
                ));
            }
        }
    }
}
