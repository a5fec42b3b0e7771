//! Clocks counted in days and months: the start, the excluded periods and suspensions that
//! stop the count, extensions, restarts, and the due date with its reasons.

use super::Clock;
use super::ClockStatus;
use super::Engine;
use super::Span;
use super::add_days;
use super::approval::BodyCheck;
use super::approval::approver_fits;
use super::approval::body_fits;
use super::finish;
use super::fmt_day;
use super::in_custody;
use super::local_date;
use super::local_midnight;
use super::reckoning;
use super::unit_zh;
use super::why;
use crate::event::CaseState;
use crate::period::{Period, Unit, end_date};
use crate::rules::{ApproverBody, ClockKey, Rollover, Rule};
use crate::timeline::ExtensionGrant;
use crate::timeline::PeriodUnit;
use chrono::{DateTime, Duration, NaiveDate, Utc};

impl Engine<'_> {
    pub(super) fn day_clock(
        &self,
        key: ClockKey,
        rule: &Rule,
        s: &CaseState,
        span: Span,
        now: DateTime<Utc>,
    ) -> Clock {
        let mut c = self.head(key, rule, span.start);
        let reck = reckoning(s.kind);
        let custody_now = in_custody(s);
        c.custody = key.is_custody() || (rule.custody_release_on_expiry && custody_now);
        let start_date = local_date(span.start);
        let until = span.stop.unwrap_or(now);
        c.gross_days = (local_date(until) - local_date(s.filed_at))
            .num_days()
            .max(0);
        if rule.no_limit {
            c.status = ClockStatus::NoLimit;
            if self.explain {
                c.why.push(why(
                    "期限",
                    "法律未规定期限，不计算届满日期",
                    Some(&rule.citation_zh),
                ));
            }
            c.net_days = c.gross_days;
            return c;
        }
        let Some(base) = rule.base else {
            c.status = ClockStatus::NoRule;
            c.findings.push("规则缺少法定期限".into());
            return c;
        };
        let mut start_text = String::new();
        if self.explain {
            start_text = format!("{} {}，自次日起算", span.start_label, fmt_day(start_date));
        }
        if let Some(ev) = &rule.start_event
            && self.explain
            && key == ClockKey::Trial
            && !matches!(ev.as_str(), "filing" | "acceptance")
            && span.start_label.starts_with("立案")
        {
            start_text.push_str(&format!(
                "（本规则自“{ev}”起算；事件中未单独记录该日期，以立案受理日期计）"
            ));
        }
        if self.explain {
            c.why.push(why(
                "起算",
                start_text,
                Some("民事诉讼法第八十五条、刑事诉讼法第一百零五条；审限规定第八条"),
            ));
        }
        let mut end = end_date(start_date, base, reck);
        if self.explain {
            c.why.push(why(
                "法定期限",
                format!("{} → {}", base.zh(), fmt_day(end)),
                Some(reck.zh()),
            ));
        }

        // Extensions decided within the clock's span, in order, matched to the rule's chain.
        let mut grants: Vec<&ExtensionGrant> = s
            .timeline
            .extensions
            .iter()
            .filter(|g| g.decided_at >= span.start && span.stop.is_none_or(|st| g.decided_at <= st))
            .collect();
        grants.sort_by_key(|g| g.decided_at);
        let mut step_idx = 0usize;
        let mut used = 0u32;
        // Excluded days so far shift the expiry the extension is judged against.
        let pauses = self.excluded(rule, s, span.start, until, &mut c);
        for (n, g) in grants.into_iter().enumerate() {
            while step_idx < rule.extensions.len()
                && rule.extensions[step_idx]
                    .max_times
                    .is_some_and(|m| used >= m)
            {
                step_idx += 1;
                used = 0;
            }
            let label = format!("第{}次延长", n + 1);
            let Some(step) = rule.extensions.get(step_idx) else {
                c.findings
                    .push(format!("{label}超出规则允许的延长次数或层级，未计入"));
                if self.explain {
                    c.why.push(why(
                        &label,
                        format!(
                            "{} 批准延长 {}{}：超出本规则的延长次数或层级，未计入",
                            g.approver.name,
                            g.amount,
                            unit_zh(g.unit)
                        ),
                        None,
                    ));
                }
                continue;
            };
            if !approver_fits(step.by, g.approver.role) {
                c.findings.push(format!(
                    "{label}批准人“{}（{}）”不符：应由{}批准，未计入",
                    g.approver.name,
                    g.approver.role.zh(),
                    step.by.zh()
                ));
                if self.explain {
                    c.why.push(why(
                        &label,
                        format!(
                            "{}（{}）于 {} 批准：批准人身份不符（应由{}批准），未计入",
                            g.approver.name,
                            g.approver.role.zh(),
                            fmt_day(local_date(g.decided_at)),
                            step.by.zh()
                        ),
                        Some(rule.citation_zh.as_str()),
                    ));
                }
                continue;
            }
            let body = body_fits(step.by, g.approver.org.as_ref(), s.venue.as_ref());
            if let BodyCheck::Mismatch(org) = &body {
                c.findings.push(format!(
                    "{label}批准机关“{org}”不符：应由{}批准，未计入",
                    step.by.zh()
                ));
                if self.explain {
                    c.why.push(why(
                        &label,
                        format!(
                            "{}（{}，{org}）于 {} 批准：批准机关不符（应由{}批准），未计入",
                            g.approver.name,
                            g.approver.role.zh(),
                            fmt_day(local_date(g.decided_at)),
                            step.by.zh()
                        ),
                        Some(rule.citation_zh.as_str()),
                    ));
                }
                continue;
            }
            let current_expiry = add_days(end, pauses);
            let decided = local_date(g.decided_at);
            if decided > current_expiry {
                c.findings.push(format!(
                    "{label}于期限届满（{}）后才批准，延长无效",
                    fmt_day(current_expiry)
                ));
                if self.explain {
                    c.why.push(why(
                        &label,
                        format!(
                            "{} 批准，晚于届满日 {}：延长无效，未计入",
                            fmt_day(decided),
                            fmt_day(current_expiry)
                        ),
                        Some("审限规定2000 第十四条第二款（院长批准须在审限届满前）"),
                    ));
                }
                continue;
            }
            if let (Some(days), Some(req)) = (step.apply_before_days, g.requested_at) {
                let latest = current_expiry - Duration::days(days as i64);
                if local_date(req) > latest {
                    c.findings.push(format!(
                        "{label}申请晚于届满前{days}日（应不晚于 {}）",
                        fmt_day(latest)
                    ));
                }
            }
            if let Some(days) = step.decide_before_days {
                let latest = current_expiry - Duration::days(days as i64);
                if decided > latest {
                    c.findings.push(format!(
                        "{label}批准晚于届满前{days}日（应不晚于 {}）",
                        fmt_day(latest)
                    ));
                }
            }
            let recorded = Period::new(
                g.amount,
                match g.unit {
                    PeriodUnit::Day => Unit::Day,
                    PeriodUnit::Month => Unit::Month,
                },
            );
            let mut granted = recorded;
            let mut new_end = end_date(end, recorded, reck);
            if let Some(cap) = step.amount {
                let cap_end = end_date(end, cap, reck);
                if cap_end < new_end {
                    new_end = cap_end;
                    granted = cap;
                    c.findings.push(format!(
                        "{label}批准 {}，超出本级可延长的 {}，按 {} 计",
                        recorded.zh(),
                        cap.zh(),
                        cap.zh()
                    ));
                }
            }
            let level_note = match &body {
                BodyCheck::Fits(name) => format!("；批准机关{name}，层级核对相符"),
                BodyCheck::Unchecked(why)
                    if !matches!(
                        step.by,
                        ApproverBody::CourtPresident
                            | ApproverBody::CourtPresidentOrVice
                            | ApproverBody::Statutory
                    ) =>
                {
                    format!("；{why}")
                }
                _ => String::new(),
            };
            if self.explain {
                c.why.push(why(
                    &label,
                    format!(
                        "{}（{}）于 {} 批准延长 {}，自前一届满日起算 → {}（{}{}）",
                        g.approver.name,
                        g.approver.role.zh(),
                        fmt_day(decided),
                        granted.zh(),
                        fmt_day(new_end),
                        step.by.zh(),
                        level_note
                    ),
                    Some(rule.citation_zh.as_str()),
                ));
            }
            end = new_end;
            used += 1;
        }
        if let Some(cap) = rule.hard_cap {
            let cap_end = end_date(start_date, cap, reck);
            if end > cap_end {
                if self.explain {
                    c.why.push(why(
                        "最长期限",
                        format!("本规则最长 {}，以 {} 为限", cap.zh(), fmt_day(cap_end)),
                        Some(&rule.citation_zh),
                    ));
                }
                end = cap_end;
            }
        }
        let nominal = add_days(end, pauses);
        c.excluded_days = pauses;
        if pauses > 0 && self.explain {
            c.why.push(why(
                "扣除合计",
                format!(
                    "不计入期限的期间合计 {pauses} 日（重叠部分不重复扣除）→ {}",
                    fmt_day(nominal)
                ),
                Some("RULES.md §3.6"),
            ));
        }
        // Next extension window: the first step still available.
        let mut probe = step_idx;
        let mut probe_used = used;
        while probe < rule.extensions.len()
            && rule.extensions[probe]
                .max_times
                .is_some_and(|m| probe_used >= m)
        {
            probe += 1;
            probe_used = 0;
        }
        if let Some(step) = rule.extensions.get(probe)
            && step.by != ApproverBody::Statutory
        {
            let apply = step.apply_before_days.unwrap_or(0) as i64;
            c.apply_by = Some(nominal - Duration::days(apply));
            c.decide_by = step
                .decide_before_days
                .map(|d| nominal - Duration::days(d as i64));
            if apply > 0 && self.explain {
                c.why.push(why(
                    "延长申请",
                    format!(
                        "如需延长，应于 {} 前向{}申请{}",
                        fmt_day(nominal - Duration::days(apply)),
                        step.by.zh(),
                        step.decide_before_days
                            .map(|d| format!(
                                "，并于 {} 前作出决定",
                                fmt_day(nominal - Duration::days(d as i64))
                            ))
                            .unwrap_or_default()
                    ),
                    Some(rule.citation_zh.as_str()),
                ));
            }
        }
        // Holiday roll-over (RULES.md §3.2): warnings use the nominal date.
        c.nominal_due = Some(nominal);
        let roll = match rule.rollover {
            Rollover::Yes => true,
            Rollover::NoIfInCustody => !custody_now,
            Rollover::No | Rollover::NotApplicable => false,
        };
        let due = if roll {
            let r = self.calendar.roll_forward(nominal);
            if !r.provisional_years.is_empty() {
                c.provisional = true;
            }
            let cal_note = if !self.explain {
                String::new()
            } else if r.provisional_years.is_empty() {
                format!("依 {} 年国务院节假日安排", nominal.format("%Y"))
            } else {
                format!(
                    "{} 年节假日安排尚未发布，暂按周末计算（临时）",
                    r.provisional_years
                        .iter()
                        .map(|y| y.to_string())
                        .collect::<Vec<_>>()
                        .join("、")
                )
            };
            if r.skipped.is_empty() {
                if self.explain {
                    c.why.push(why(
                        "节假日",
                        format!("{} 为工作日，无需顺延（{cal_note}）", fmt_day(nominal)),
                        Some("民事诉讼法第八十五条第三款；刑事诉讼法第一百零五条第四款"),
                    ));
                }
            } else if self.explain {
                let names: Vec<String> = r
                    .skipped
                    .iter()
                    .map(|d| {
                        self.calendar
                            .describe(*d)
                            .map(|n| format!("{}（{n}）", d.format("%m-%d")))
                            .unwrap_or_else(|| format!("{}（周末）", d.format("%m-%d")))
                    })
                    .collect();
                if self.explain {
                    c.why.push(why(
                        "节假日顺延",
                        format!(
                            "{} 为休息日，顺延至节假日后第一个工作日 {}；跳过 {}（{cal_note}）",
                            fmt_day(nominal),
                            fmt_day(r.to),
                            names.join("、")
                        ),
                        Some("民事诉讼法第八十五条第三款；刑事诉讼法第一百零五条第四款"),
                    ));
                }
            }
            r.to
        } else {
            let reason = match rule.rollover {
                Rollover::NoIfInCustody | Rollover::No if custody_now || key.is_custody() => {
                    "犯罪嫌疑人、被告人在押，期间届满日为节假日的不顺延"
                }
                Rollover::No => "本期限不适用节假日顺延",
                _ => "本期限不适用节假日顺延",
            };
            if self.explain {
                c.why.push(why(
                    "节假日",
                    format!("{reason}，届满日 {}", fmt_day(nominal)),
                    Some("刑事诉讼法第一百零五条第四款"),
                ));
            }
            if !self
                .calendar
                .covers(nominal.format("%Y").to_string().parse().unwrap_or(0))
            {
                // No roll-over, so no rest day is consulted: the date is not provisional.
            }
            nominal
        };
        c.due = Some(due);
        c.deadline = Some(local_midnight(due + Duration::days(1)));
        c.net_days = (c.gross_days - pauses).max(0);
        if let Some(a) = span.awaiting
            && span.stop.is_none()
        {
            c.status = ClockStatus::Awaiting;
            if self.explain {
                c.why.push(why("状态", a, None));
            }
            c.apply_by = None;
            c.decide_by = None;
            return c;
        }
        finish(&mut c, span.stop, &span.stop_label, now, self.explain);
        if c.status == ClockStatus::Running
            && s.timeline
                .pauses
                .iter()
                .any(|p| p.end.is_none() && rule.excluded.contains(&p.kind))
        {
            c.status = ClockStatus::Paused;
            if self.explain {
                c.why.push(why(
                    "状态",
                    "不计入期限的期间尚未结束：届满日随之后移（按当前日期计算）",
                    None,
                ));
            }
        }
        c
    }

    /// The excluded days within `[start, until]` that the rule allows, merged; adds why-lines.
    fn excluded(
        &self,
        rule: &Rule,
        s: &CaseState,
        start: DateTime<Utc>,
        until: DateTime<Utc>,
        c: &mut Clock,
    ) -> i64 {
        let mut ranges: Vec<(NaiveDate, NaiveDate)> = vec![];
        for p in &s.timeline.pauses {
            let end = p.end.unwrap_or(until).min(until);
            if end < start {
                continue;
            }
            let from = p.start.max(start);
            let (a, b) = (local_date(from), local_date(end));
            let label = p.kind.zh();
            let open = if p.end.is_none() {
                "（尚未结束，计至今日）"
            } else {
                ""
            };
            if !rule.excluded.contains(&p.kind) {
                if self.explain {
                    c.why.push(why(
                        "不予扣除",
                        format!(
                            "{label} {}–{}：本规则不扣除此类期间，照常计算",
                            fmt_day(a),
                            fmt_day(b)
                        ),
                        Some(&rule.citation_zh),
                    ));
                }
                continue;
            }
            let mut days = (b - a).num_days().max(0);
            let mut capped = String::new();
            if let Some(cap) = self.rules.excluded_cap(p.kind) {
                let cap_end = end_date(a, cap, reckoning(s.kind));
                let max = (cap_end - a).num_days();
                if days > max {
                    days = max;
                    capped = format!("，以 {} 为限", cap.zh());
                }
            }
            let approver = p
                .approver
                .as_ref()
                .map(|a| format!("，{}（{}）批准", a.name, a.role.zh()))
                .unwrap_or_default();
            if self.explain {
                c.why.push(why(
                    "扣除",
                    format!(
                        "{label} {}–{}{open}：{days} 日{capped}{approver}",
                        fmt_day(a),
                        fmt_day(b)
                    ),
                    self.rules.excluded_citation(p.kind),
                ));
            }
            ranges.push((a, a + Duration::days(days)));
        }
        ranges.sort();
        let mut total = 0i64;
        let mut cur: Option<(NaiveDate, NaiveDate)> = None;
        for (a, b) in ranges {
            match cur {
                Some((ca, cb)) if a <= cb => cur = Some((ca, cb.max(b))),
                Some((ca, cb)) => {
                    total += (cb - ca).num_days();
                    cur = Some((a, b));
                }
                None => cur = Some((a, b)),
            }
        }
        if let Some((ca, cb)) = cur {
            total += (cb - ca).num_days();
        }
        total
    }
}
