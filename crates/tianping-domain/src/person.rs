//! One person across agencies: who they are (公民身份号码, checked), their path through the
//! police's, the procuratorate's and the courts' files, each spell of custody with what held them,
//! custody that no organ's file covers (a gap at a handover), the days in custody, and the 刑期折抵
//! that gives a sentence's last day (Criminal Law arts. 41, 44, 47; CrimPL 2018 art. 76).
//!
//! Pure: the caller gives each file's effective events in order ([`Track`]); [`path`] reads them.

use crate::case_type::{CaseKind, Procedure};
use crate::clock::local_date;
use crate::event::{Disposition, EventBody, Penalty};
use crate::period::{Reckoning, add_months};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

pub use crate::identity::{check_id, mask_id};

// ---- the path ---------------------------------------------------------------------------------

/// One file that names the person, with its effective events in order (corrections applied,
/// the filing left out).
#[derive(Debug, Clone)]
pub struct Track {
    pub case_number: String,
    pub org_name: String,
    pub kind: CaseKind,
    pub procedure: Procedure,
    pub type_code: Option<String>,
    pub filed_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
    pub disposition: Option<Disposition>,
    /// The person was held when this organ took the case (a court's or a procuratorate's filing).
    pub held_at_filing: bool,
    pub events: Vec<(DateTime<Utc>, EventBody)>,
}

/// What held the person (or restricted them) during a spell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Hold {
    /// 传唤、拘传: not custody, not credited.
    Summons,
    /// 刑事拘留.
    Detention,
    /// 逮捕.
    Arrest,
    /// Held when the organ took the case (在押移送).
    Held,
    /// 指定居所监视居住: two days count as one day of 有期徒刑 or 拘役, one of 管制 (CrimPL art. 76).
    DesignatedResidence,
    /// 留置 by a 监察 commission: credited like custody (监察法 2024 art. 50).
    Retention,
    /// 先行拘留 by the procuratorate of a case transferred from 留置 (CrimPL 2018 art. 170 ¶2).
    PreDetention,
}

impl Hold {
    pub fn zh(self) -> &'static str {
        match self {
            Hold::Summons => "传唤、拘传",
            Hold::Detention => "刑事拘留",
            Hold::Arrest => "逮捕羁押",
            Hold::Held => "在押（接收时）",
            Hold::DesignatedResidence => "指定居所监视居住",
            Hold::Retention => "留置（监察机关）",
            Hold::PreDetention => "先行拘留",
        }
    }
    /// 羁押: counted day for day against a sentence.
    pub fn custodial(self) -> bool {
        matches!(
            self,
            Hold::Detention | Hold::Arrest | Hold::Held | Hold::Retention | Hold::PreDetention
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Spell {
    pub case_number: String,
    pub org_name: String,
    pub hold: Hold,
    #[serde(with = "crate::utc_seconds_serde")]
    pub from: DateTime<Utc>,
    #[serde(with = "crate::utc_seconds_serde::option")]
    pub to: Option<DateTime<Utc>>,
    /// What ended it, in words (释放, 取保候审, 逮捕, 移送审查起诉 …).
    pub ended_by: Option<String>,
    /// It ended because the file went to the next organ with the person held.
    #[serde(default)]
    pub handed_over: bool,
}

/// One organ's part of the path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stage {
    pub case_number: String,
    pub org_name: String,
    /// 侦查, 审查起诉, 退回补充侦查, 一审, 二审 …
    pub name: String,
    #[serde(with = "crate::utc_seconds_serde")]
    pub from: DateTime<Utc>,
    #[serde(with = "crate::utc_seconds_serde::option")]
    pub to: Option<DateTime<Utc>>,
    pub outcome: Option<String>,
}

/// Custody between two files that neither covers: the person was held with no organ's limit
/// running (an unlawful gap at a handover).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Gap {
    #[serde(with = "crate::utc_seconds_serde")]
    pub from: DateTime<Utc>,
    #[serde(with = "crate::utc_seconds_serde")]
    pub to: DateTime<Utc>,
    pub after: String,
    pub before: String,
    pub hours: i64,
}

/// 刑期折抵 and the sentence's last day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Credit {
    pub penalty: Penalty,
    pub months: u32,
    /// The day of the final judgment (taken as the day execution starts when the person is not
    /// held then).
    pub judged_on: NaiveDate,
    pub first_day: Option<NaiveDate>,
    /// Days of 羁押 before the judgment.
    pub custody_days: i64,
    /// Days of 指定居所监视居住 before the judgment.
    pub residence_days: i64,
    /// Days taken off the sentence.
    pub credited_days: i64,
    /// The last day of the sentence.
    pub end: NaiveDate,
    /// How it was worked out, in words.
    pub lines: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Path {
    pub stages: Vec<Stage>,
    pub spells: Vec<Spell>,
    pub gaps: Vec<Gap>,
    /// Calendar days on which the person was held (羁押), up to today or release.
    pub custody_days: i64,
    pub held_now: bool,
    pub credit: Option<Credit>,
    /// Irregularities found on the way, in words.
    pub findings: Vec<String>,
    /// What is owed the person now, in words (羁押必要性审查 after 逮捕).
    #[serde(default)]
    pub tasks: Vec<String>,
}

fn stage_name(t: &Track) -> String {
    match t.kind {
        CaseKind::Police => "侦查".into(),
        CaseKind::Prosecution => "审查起诉".into(),
        _ => match t.type_code.as_deref() {
            Some("刑初") => "一审".into(),
            Some("刑终") => "二审".into(),
            Some("刑再") => "再审".into(),
            Some(code) => format!("{}（{code}）", t.procedure.zh()),
            None => t.procedure.zh().into(),
        },
    }
}

fn fmt_day(d: NaiveDate) -> String {
    d.format("%Y年%m月%d日").to_string()
}

/// The person's path through the files that name them, at `now`.
pub fn path(tracks: &[Track], now: DateTime<Utc>) -> Path {
    let mut tracks: Vec<&Track> = tracks.iter().collect();
    tracks.sort_by_key(|t| {
        t.events
            .first()
            .map_or(t.filed_at, |(at, _)| (*at).min(t.filed_at))
    });
    let mut out = Path::default();
    for t in &tracks {
        out.stages.push(Stage {
            case_number: t.case_number.clone(),
            org_name: t.org_name.clone(),
            name: stage_name(t),
            from: t.filed_at,
            to: t.closed_at,
            outcome: t.disposition.map(|d| d.zh().to_string()),
        });
        spells_of(t, &mut out);
    }
    out.spells.sort_by_key(|s| s.from);
    gaps(&tracks, &mut out);
    let held = held_days(&out, now);
    out.custody_days = held.len() as i64;
    out.held_now = out
        .spells
        .iter()
        .any(|s| s.hold.custodial() && s.to.is_none());
    out.credit = credit(&tracks, &out, now);
    out.tasks = tasks(&tracks, &out);
    out
}

/// 羁押必要性审查: after 逮捕, while held, the procuratorate reviews whether custody is still
/// needed (CrimPL 2018 art. 95) — owed until a review is recorded after the last 逮捕.
fn tasks(tracks: &[&Track], p: &Path) -> Vec<String> {
    let arrested = p
        .spells
        .iter()
        .filter(|s| s.hold == Hold::Arrest)
        .map(|s| s.from)
        .max();
    let Some(arrested) = arrested else {
        return vec![];
    };
    if !p.held_now {
        return vec![];
    }
    let reviewed = tracks
        .iter()
        .flat_map(|t| &t.events)
        .any(|(at, e)| *at >= arrested && matches!(e, EventBody::CustodyReviewed { .. }));
    if reviewed {
        return vec![];
    }
    vec![format!(
        "逮捕（{}）后在押，尚无羁押必要性审查记录：检察院应当对羁押的必要性进行审查（刑事诉讼法第九十五条）",
        fmt_day(local_date(arrested))
    )]
}

/// The days held: the custodial spells and the gaps between them (held, though no file covers
/// them — they count against the sentence like any other day in custody).
fn held_days(p: &Path, now: DateTime<Utc>) -> BTreeSet<NaiveDate> {
    let mut held = days_of(&p.spells, now, |h| h.custodial());
    for g in &p.gaps {
        let mut d = local_date(g.from);
        while d <= local_date(g.to) {
            held.insert(d);
            d += Duration::days(1);
        }
    }
    held
}

fn close_open(open: &mut Option<Spell>, at: DateTime<Utc>, by: &str, out: &mut Path) -> bool {
    match open.take() {
        Some(mut s) => {
            s.to = Some(at);
            s.ended_by = Some(by.to_string());
            out.spells.push(s);
            true
        }
        None => false,
    }
}

fn spells_of(t: &Track, out: &mut Path) {
    let spell = |hold: Hold, from: DateTime<Utc>| Spell {
        case_number: t.case_number.clone(),
        org_name: t.org_name.clone(),
        hold,
        from,
        to: None,
        ended_by: None,
        handed_over: false,
    };
    let mut open = t.held_at_filing.then(|| spell(Hold::Held, t.filed_at));
    let mut rounds: Option<DateTime<Utc>> = None;
    for (at, e) in &t.events {
        let at = *at;
        match e {
            EventBody::Summoned { .. } if open.as_ref().is_none_or(|s| !s.hold.custodial()) => {
                close_open(&mut open, at, "再次传唤", out);
                open = Some(spell(Hold::Summons, at));
            }
            EventBody::Detained => {
                close_open(&mut open, at, "刑事拘留", out);
                open = Some(spell(Hold::Detention, at));
            }
            EventBody::SupervisionCommissionTransfer {
                retained: true,
                retained_since,
            } => {
                if let Some(since) = retained_since {
                    let from = crate::clock::local_midnight(*since);
                    close_open(&mut open, from, "留置", out);
                    let mut r = spell(Hold::Retention, from);
                    r.to = Some(at);
                    r.ended_by = Some("移送起诉，留置自动解除".into());
                    r.handed_over = true;
                    out.spells.push(r);
                }
                close_open(&mut open, at, "先行拘留", out);
                open = Some(spell(Hold::PreDetention, at));
            }
            EventBody::ArrestApproved { .. } => {
                close_open(&mut open, at, "逮捕", out);
                open = Some(spell(Hold::Arrest, at));
            }
            EventBody::Released { reason } => {
                close_open(&mut open, at, &format!("释放（{reason}）"), out);
            }
            EventBody::BailGranted { .. } => {
                close_open(&mut open, at, "变更为取保候审", out);
            }
            EventBody::ResidentialSurveillance {
                designated_residence,
                ..
            } => {
                close_open(&mut open, at, "变更为监视居住", out);
                if *designated_residence {
                    open = Some(spell(Hold::DesignatedResidence, at));
                }
            }
            EventBody::ReturnedForSupplementaryInvestigation { .. } => rounds = Some(at),
            EventBody::ResubmittedAfterSupplementaryInvestigation => {
                if let Some(from) = rounds.take() {
                    out.stages.push(Stage {
                        case_number: t.case_number.clone(),
                        org_name: t.org_name.clone(),
                        name: "退回补充侦查".into(),
                        from,
                        to: Some(at),
                        outcome: Some("重新移送".into()),
                    });
                }
            }
            EventBody::Closed { disposition, .. } => {
                let handover =
                    matches!(disposition, Disposition::Transfer | Disposition::Indictment);
                end_at_close(&mut open, at, disposition.zh(), handover, out);
            }
            EventBody::Indicted => end_at_close(&mut open, at, "提起公诉", true, out),
            EventBody::NotProsecuted { .. } => {
                end_at_close(&mut open, at, "不起诉", false, out);
            }
            _ => {}
        }
    }
    if let Some(from) = rounds {
        out.stages.push(Stage {
            case_number: t.case_number.clone(),
            org_name: t.org_name.clone(),
            name: "退回补充侦查".into(),
            from,
            to: None,
            outcome: None,
        });
    }
    if let Some(s) = open {
        out.spells.push(s);
    }
}

fn end_at_close(
    open: &mut Option<Spell>,
    at: DateTime<Utc>,
    by: &str,
    handover: bool,
    out: &mut Path,
) {
    let Some(s) = open.as_ref() else { return };
    if !s.hold.custodial() {
        close_open(open, at, by, out);
        return;
    }
    if handover {
        close_open(open, at, &format!("{by}（在押移送）"), out);
        if let Some(last) = out.spells.last_mut() {
            last.handed_over = true;
        }
    } else if by != "判决" && by != "维持原判" && by != "改判" {
        // A file closed without a handover or a judgment: the person should be free.
        close_open(open, at, &format!("{by}后释放"), out);
    }
    // A judgment leaves the person held until execution: the spell stays open.
}

/// Custody after a handover that the next file does not take up within a day.
fn gaps(tracks: &[&Track], out: &mut Path) {
    let custodial: Vec<&Spell> = out.spells.iter().filter(|s| s.hold.custodial()).collect();
    let mut gaps = vec![];
    let mut findings = vec![];
    for (i, s) in custodial.iter().enumerate() {
        let (true, Some(t1)) = (s.handed_over, s.to) else {
            continue;
        };
        let next = custodial[i + 1..].iter().find(|n| n.from >= t1);
        match next {
            Some(n) if n.from - t1 > Duration::hours(24) => gaps.push(Gap {
                from: t1,
                to: n.from,
                after: s.case_number.clone(),
                before: n.case_number.clone(),
                hours: (n.from - t1).num_hours(),
            }),
            Some(_) => {}
            None => {
                // The next organ's file (if any) does not record that it received the person held.
                if let Some(nt) = tracks
                    .iter()
                    .find(|t| t.case_number != s.case_number && t.filed_at >= t1)
                {
                    findings.push(format!(
                        "{} 在押移送，但 {}（{}）未记载接收时在押或其后的强制措施",
                        s.case_number, nt.case_number, nt.org_name
                    ));
                }
            }
        }
    }
    for g in &gaps {
        findings.push(format!(
            "{} 移送后至 {} 接收前，在押 {} 小时无办案机关期限覆盖",
            g.after, g.before, g.hours
        ));
    }
    out.gaps = gaps;
    out.findings.extend(findings);
}

/// The calendar days (Beijing time) of the spells whose hold passes `which`, each day counted
/// once, both the first and the last day included.
fn days_of(
    spells: &[Spell],
    now: DateTime<Utc>,
    which: impl Fn(Hold) -> bool,
) -> BTreeSet<NaiveDate> {
    let mut days = BTreeSet::new();
    for s in spells.iter().filter(|s| which(s.hold)) {
        let (a, b) = (local_date(s.from), local_date(s.to.unwrap_or(now)));
        let mut d = a;
        while d <= b {
            days.insert(d);
            d += Duration::days(1);
        }
    }
    days
}

/// The final judgment's sentence and the credit for custody before it.
fn credit(tracks: &[&Track], p: &Path, now: DateTime<Utc>) -> Option<Credit> {
    let spells = &p.spells;
    let mut sentence: Option<(Penalty, u32, DateTime<Utc>)> = None;
    for t in tracks.iter().filter(|t| t.kind == CaseKind::Criminal) {
        for (at, e) in &t.events {
            if let EventBody::Closed {
                disposition,
                sentence_months,
                penalty,
                ..
            } = e
            {
                match (disposition, sentence_months) {
                    (_, Some(m)) => {
                        sentence = Some((penalty.unwrap_or(Penalty::FixedTerm), *m, *at))
                    }
                    (Disposition::Upheld, None) => {
                        if let Some(s) = sentence.as_mut() {
                            s.2 = *at;
                        }
                    }
                    _ => {}
                }
            }
        }
    }
    let (penalty, months, judged_at) = sentence?;
    let judged_on = local_date(judged_at);
    let held = held_days(p, now);
    let residence = days_of(spells, now, |h| h == Hold::DesignatedResidence);
    let before: Vec<NaiveDate> = held.iter().copied().filter(|d| *d <= judged_on).collect();
    let residence_days = residence
        .iter()
        .filter(|d| **d <= judged_on && !held.contains(d))
        .count() as i64;
    let custody_days = before.len() as i64;
    let first_day = before.first().copied();
    let held_at_judgment = held.contains(&judged_on);
    let mut lines = vec![];
    lines.push(format!(
        "判处{}{}，终审裁判 {}",
        penalty.zh(),
        months_zh(months),
        fmt_day(judged_on)
    ));
    if custody_days > 0 {
        lines.push(format!(
            "判决执行以前先行羁押 {custody_days} 日（自 {} 起，逐日计算，重叠不重计）",
            fmt_day(first_day.unwrap_or(judged_on))
        ));
    }
    if residence_days > 0 {
        lines.push(format!("指定居所监视居住 {residence_days} 日"));
    }
    let (credited, end) = match penalty {
        Penalty::PublicSurveillance => {
            // 管制: 羁押一日折抵刑期二日; 指定居所监视居住一日折抵一日 (刑法第四十一条; 刑诉法第七十六条).
            let credited = custody_days * 2 + residence_days;
            let end =
                add_months(judged_on, months, Reckoning::Criminal) - Duration::days(1 + credited);
            lines.push(format!(
                "管制刑期自判决执行之日起计算，羁押一日折抵二日、指定居所监视居住一日折抵一日，共折抵 {credited} 日（刑法第四十一条；刑事诉讼法第七十六条）"
            ));
            (credited, end)
        }
        Penalty::FixedTerm | Penalty::CriminalDetention => {
            // 羁押一日折抵一日; 指定居所监视居住二日折抵一日 (刑法第四十四条、第四十七条; 刑诉法第七十六条).
            let residence_credit = residence_days / 2;
            let credited = custody_days + residence_credit;
            let end = match first_day {
                // Counted from the first day held, plus the days out of custody before execution.
                Some(f) => {
                    let out_days = (judged_on - f).num_days() + 1
                        - custody_days
                        - i64::from(!held_at_judgment);
                    add_months(f, months, Reckoning::Criminal)
                        - Duration::days(1 + residence_credit)
                        + Duration::days(out_days.max(0))
                }
                None => {
                    add_months(judged_on, months, Reckoning::Criminal)
                        - Duration::days(1 + residence_credit)
                }
            };
            let law = if penalty == Penalty::FixedTerm {
                "刑法第四十七条"
            } else {
                "刑法第四十四条"
            };
            lines.push(format!(
                "刑期自判决执行之日起计算，先行羁押一日折抵刑期一日{}，共折抵 {credited} 日（{law}{}）",
                if residence_credit > 0 {
                    "、指定居所监视居住二日折抵一日"
                } else {
                    ""
                },
                if residence_credit > 0 {
                    "；刑事诉讼法第七十六条"
                } else {
                    ""
                }
            ));
            (credited, end)
        }
    };
    lines.push(format!("刑期至 {} 止", fmt_day(end)));
    if !held_at_judgment {
        lines.push(
            "裁判时未在押：以裁判日为交付执行日计；实际交付执行日不同的，届满日相应顺延".into(),
        );
    }
    Some(Credit {
        penalty,
        months,
        judged_on,
        first_day,
        custody_days,
        residence_days,
        credited_days: credited,
        end,
        lines,
    })
}

fn months_zh(m: u32) -> String {
    match (m / 12, m % 12) {
        (0, n) => format!("{n}个月"),
        (y, 0) => format!("{y}年"),
        (y, n) => format!("{y}年{n}个月"),
    }
}

#[cfg(test)]
mod tests;
