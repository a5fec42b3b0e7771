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
        // Days used: a trial limit from 立案 (审限 counts the case's whole time before the court);
        // every other clock from its own start (a 抗诉 period does not count the review before it).
        let counted_from = if key == ClockKey::Trial {
            s.filed_at
        } else {
            span.start
        };
        c.gross_days = (local_date(until) - local_date(counted_from))
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
            && !matches!(
                ev.as_str(),
                "filing"
                    | "acceptance"
                    | "second_instance_filing"
                    | "retrial_filing"
                    | "case_accepted"
            )
            && span.start_label.starts_with("立案")
        {
            start_text.push_str(&format!(
                "（本期限自{}起算；案件未单独记录该日期，以立案受理日期计）",
                super::start_event_zh(ev)
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
        let mut used = vec![0u32; rule.extensions.len()];
        let exhausted =
            |i: usize, used: &[u32]| rule.extensions[i].max_times.is_some_and(|m| used[i] >= m);
        // Excluded days so far shift the expiry the extension is judged against.
        let pauses = self.excluded(rule, s, span.start, until, &mut c);
        let holder = Some(s.kind.holder());
        for (n, g) in grants.into_iter().enumerate() {
            let label = format!("第{}次延长", n + 1);
            let recorded = Period::new(
                g.amount,
                match g.unit {
                    PeriodUnit::Day => Unit::Day,
                    PeriodUnit::Month => Unit::Month,
                },
            );
            // Which step of the chain this approval is: the one its ground names; else the first
            // not used up — or, when the approval is larger than that step allows, a later step
            // with a ground of its own that holds it (e.g. 拘留 extended to 30 days in one
            // approval for 流窜作案 is not the ordinary +4 days, CrimPL 2018 art. 91 ¶2).
            let mut inferred = None;
            let pick = match g.ground {
                Some(gr) => match rule.extensions.iter().position(|st| st.ground == Some(gr)) {
                    Some(i) if exhausted(i, &used) => {
                        c.findings.push(format!(
                            "{label}以“{}”延长，该事由的延长次数已用尽，未计入",
                            gr.zh()
                        ));
                        if self.explain {
                            c.why.push(why(
                                &label,
                                format!("以“{}”延长：该事由的延长次数已用尽，未计入", gr.zh()),
                                Some(rule.citation_zh.as_str()),
                            ));
                        }
                        continue;
                    }
                    Some(i) => Some(i),
                    None => {
                        c.findings.push(format!(
                            "{label}所称事由“{}”不是本期限的延长事由，未计入",
                            gr.zh()
                        ));
                        if self.explain {
                            c.why.push(why(
                                &label,
                                format!(
                                    "{}（{}）以“{}”批准延长：本期限没有该延长事由，未计入",
                                    g.approver.name,
                                    g.approver.title(holder),
                                    gr.zh()
                                ),
                                Some(rule.citation_zh.as_str()),
                            ));
                        }
                        continue;
                    }
                },
                None => {
                    let first = (0..rule.extensions.len()).find(|&i| !exhausted(i, &used));
                    first.map(|i| {
                        let step = &rule.extensions[i];
                        let allows = |st: &crate::rules::ExtensionStep| {
                            let by_amount = st.amount.map(|a| end_date(end, a, reck));
                            let by_to = st.to.map(|t| end_date(start_date, t, reck));
                            match (by_amount, by_to) {
                                (Some(a), Some(t)) => Some(a.min(t)),
                                (a, t) => a.or(t),
                            }
                        };
                        let wanted = end_date(end, recorded, reck);
                        match allows(step) {
                            Some(limit) if wanted > limit => (i + 1..rule.extensions.len())
                                .find(|&j| {
                                    let st = &rule.extensions[j];
                                    st.ground.is_some()
                                        && !exhausted(j, &used)
                                        && approver_fits(st.by, g.approver.role)
                                        && allows(st).is_none_or(|l| l > limit)
                                })
                                .inspect(|&j| inferred = Some((i, j)))
                                .unwrap_or(i),
                            _ => i,
                        }
                    })
                }
            };
            let Some(step_idx) = pick else {
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
            let step = &rule.extensions[step_idx];
            if !approver_fits(step.by, g.approver.role) {
                c.findings.push(format!(
                    "{label}批准人“{}（{}）”不符：应由{}批准，未计入",
                    g.approver.name,
                    g.approver.title(holder),
                    step.by.zh()
                ));
                if self.explain {
                    c.why.push(why(
                        &label,
                        format!(
                            "{}（{}）于 {} 批准：批准人身份不符（应由{}批准），未计入",
                            g.approver.name,
                            g.approver.title(holder),
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
                            g.approver.title(holder),
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
                    "{label}于期限届满（{}）后才批准，{}",
                    fmt_day(current_expiry),
                    super::VOID_EXTENSION
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
            let mut to_note = String::new();
            if let Some(to) = step.to {
                // 延长至: the extended limit is counted from the clock's start.
                let to_end = end_date(start_date, to, reck);
                if to_end < new_end {
                    new_end = to_end;
                    to_note = format!("，延长后期限自起算日计为 {}", to.zh());
                }
            }
            if let Some((from, _)) = inferred
                && self.explain
            {
                let ordinary = &rule.extensions[from];
                c.why.push(why(
                    &label,
                    format!(
                        "批准延长的期限超过{}可延长的期限，按“{}”的延长认定",
                        ordinary.ground.map_or("一般情形", |g| g.zh()),
                        step.ground.map_or("其他情形", |g| g.zh())
                    ),
                    Some(rule.citation_zh.as_str()),
                ));
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
                        "{}（{}）于 {} 批准延长 {}{}，自前一届满日起算 → {}（{}{}{}）",
                        g.approver.name,
                        g.approver.title(holder),
                        fmt_day(decided),
                        granted.zh(),
                        step.ground
                            .map(|g| format!("（事由：{}）", g.zh()))
                            .unwrap_or_default(),
                        fmt_day(new_end),
                        step.by.zh(),
                        to_note,
                        level_note
                    ),
                    Some(rule.citation_zh.as_str()),
                ));
            }
            end = new_end;
            used[step_idx] += 1;
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
                None,
            ));
        }
        // Next extension window: the first step still available.
        let probe = (0..rule.extensions.len()).find(|&i| !exhausted(i, &used));
        if let Some(step) = probe.and_then(|i| rule.extensions.get(i))
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
                .map(|a| format!("，{}（{}）批准", a.name, a.title(Some(s.kind.holder()))))
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
