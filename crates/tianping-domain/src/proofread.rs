//! Proofreading a judgment before it leaves the court (issue 27, RULES.md §12.3): the checks a
//! reader can work out by hand from the text alone — the 案号 and its type against the document
//! (J01), the sections a judgment must have (J11), the order of the coercive measures and of the
//! procedure against the signature (J05), figures against their 大写 (J06), the appeal notice
//! (J08), the term's start and end against the sentence (J09) and the check digit of an identity
//! number. Each finding says where it is (character offsets), why in Chinese and, where one
//! exists, the fix. Pure text processing, no IO.
//!
//! The articles cited are checked against a versioned table (`statutes.rs`, J07): articles no
//! version had, articles cited before the version that created them, 刑法 articles rewritten
//! between the act and the judgment, and each charge against the articles that define it. The
//! term of 数罪并罚 is checked against 刑法第六十九条 (`combined.rs`).
//!
//! The parties' names are checked across the document and the 案号 against where it is repeated
//! (`names.rs`, J04; `numbers.rs`, J02) and, for a draft on a case, both against the platform's
//! record of the case ([`proofread_case`]).

mod citations;
mod combined;
mod names;
mod numbers;
pub mod review;
pub mod statutes;
pub mod typos;

use crate::case_number::CaseNumber;
use crate::judgment::{case_number_in, cn_digit, cn_number, decided_on, duration_at};
use chrono::{Datelike, Months, NaiveDate};
use serde::Serialize;

/// What kind of defect a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    CaseNumberFormat,
    CaseNumberMismatch,
    NameInconsistent,
    SectionMissing,
    DateOrder,
    AmountMismatch,
    AppealNotice,
    CustodyCredit,
    IdNumberChecksum,
    CitationNonexistent,
    CitationNotInForce,
    CitationChanged,
    CitationRenumbered,
    ChargeArticleMismatch,
    SentenceArithmetic,
    Typo,
}

impl Kind {
    pub const ALL: [Kind; 16] = [
        Kind::CaseNumberFormat,
        Kind::CaseNumberMismatch,
        Kind::NameInconsistent,
        Kind::SectionMissing,
        Kind::DateOrder,
        Kind::AmountMismatch,
        Kind::AppealNotice,
        Kind::CustodyCredit,
        Kind::IdNumberChecksum,
        Kind::CitationNonexistent,
        Kind::CitationNotInForce,
        Kind::CitationChanged,
        Kind::CitationRenumbered,
        Kind::ChargeArticleMismatch,
        Kind::SentenceArithmetic,
        Kind::Typo,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::CaseNumberFormat => "case_number_format",
            Kind::CaseNumberMismatch => "case_number_mismatch",
            Kind::NameInconsistent => "name_inconsistent",
            Kind::SectionMissing => "section_missing",
            Kind::DateOrder => "date_order",
            Kind::AmountMismatch => "amount_mismatch",
            Kind::AppealNotice => "appeal_notice",
            Kind::CustodyCredit => "custody_credit",
            Kind::IdNumberChecksum => "id_number_checksum",
            Kind::CitationNonexistent => "citation_nonexistent",
            Kind::CitationNotInForce => "citation_not_in_force",
            Kind::CitationChanged => "citation_changed",
            Kind::CitationRenumbered => "citation_renumbered",
            Kind::ChargeArticleMismatch => "charge_article_mismatch",
            Kind::SentenceArithmetic => "sentence_arithmetic",
            Kind::Typo => "typo",
        }
    }
    /// The rule of RULES.md §12.3 the check implements.
    pub fn rule(self) -> &'static str {
        match self {
            Kind::CaseNumberFormat => "J01",
            Kind::CaseNumberMismatch => "J02",
            Kind::NameInconsistent => "J04",
            Kind::SectionMissing => "J11",
            Kind::DateOrder => "J05",
            Kind::AmountMismatch => "J06",
            Kind::AppealNotice => "J08",
            Kind::CustodyCredit | Kind::SentenceArithmetic => "J09",
            Kind::CitationNonexistent
            | Kind::CitationNotInForce
            | Kind::CitationChanged
            | Kind::CitationRenumbered
            | Kind::ChargeArticleMismatch => "J07",
            // Not in the catalogue of §12.3: spelling, by the ECSpell confusion sets.
            Kind::Typo => "CSC",
            // Not in the catalogue of §12.3: the national standard of the number.
            Kind::IdNumberChecksum => "GB11643",
        }
    }
    pub fn zh(self) -> &'static str {
        match self {
            Kind::CaseNumberFormat => "案号",
            Kind::CaseNumberMismatch => "案号不一致",
            Kind::NameInconsistent => "当事人名称不一致",
            Kind::SectionMissing => "文书结构",
            Kind::DateOrder => "日期顺序",
            Kind::AmountMismatch => "金额大小写",
            Kind::AppealNotice => "上诉告知",
            Kind::CustodyCredit => "刑期折抵",
            Kind::IdNumberChecksum => "身份证号码",
            Kind::CitationNonexistent => "引用条文不存在",
            Kind::CitationNotInForce => "引用条文尚未施行",
            Kind::CitationChanged => "引用条文已修改",
            Kind::CitationRenumbered => "引用条文已重新编号",
            Kind::ChargeArticleMismatch => "罪名与条文不符",
            Kind::SentenceArithmetic => "数罪并罚刑期",
            Kind::Typo => "错别字",
        }
    }

    /// Information rather than a defect: the judge decides whether it applies.
    pub fn advisory(self) -> bool {
        matches!(self, Kind::CitationChanged)
    }
}

/// One defect: where it is (offsets in characters, end exclusive), the text there, why, and the
/// replacement for that text where one follows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub kind: Kind,
    pub rule: &'static str,
    pub start: usize,
    pub end: usize,
    pub text: String,
    pub message: String,
    pub suggestion: Option<String>,
}

/// The kind of document, from its title.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocKind {
    CriminalJudgment,
    CriminalRuling,
    CivilJudgment,
    CivilRuling,
    AdministrativeJudgment,
    AdministrativeRuling,
    ExecutionRuling,
    Other,
}

impl DocKind {
    /// From the title near the start (刑事判决书, 民事裁定书 …).
    pub fn of(text: &str) -> DocKind {
        let head: String = text.chars().take(120).collect();
        for (title, kind) in [
            ("刑事附带民事判决书", DocKind::CriminalJudgment),
            ("刑事判决书", DocKind::CriminalJudgment),
            ("刑事裁定书", DocKind::CriminalRuling),
            ("民事判决书", DocKind::CivilJudgment),
            ("民事裁定书", DocKind::CivilRuling),
            ("行政判决书", DocKind::AdministrativeJudgment),
            ("行政裁定书", DocKind::AdministrativeRuling),
            ("执行裁定书", DocKind::ExecutionRuling),
        ] {
            if head.contains(title) {
                return kind;
            }
        }
        DocKind::Other
    }

    /// The first character(s) of the case-type code a document of this kind carries.
    fn type_prefix(self) -> Option<&'static str> {
        match self {
            DocKind::CriminalJudgment | DocKind::CriminalRuling => Some("刑"),
            DocKind::CivilJudgment | DocKind::CivilRuling => Some("民"),
            DocKind::AdministrativeJudgment | DocKind::AdministrativeRuling => Some("行"),
            DocKind::ExecutionRuling => Some("执"),
            DocKind::Other => None,
        }
    }

    fn zh(self) -> &'static str {
        match self {
            DocKind::CriminalJudgment => "刑事判决书",
            DocKind::CriminalRuling => "刑事裁定书",
            DocKind::CivilJudgment => "民事判决书",
            DocKind::CivilRuling => "民事裁定书",
            DocKind::AdministrativeJudgment => "行政判决书",
            DocKind::AdministrativeRuling => "行政裁定书",
            DocKind::ExecutionRuling => "执行裁定书",
            DocKind::Other => "裁判文书",
        }
    }
}

/// Character offsets of a byte range of `text`.
fn span(text: &str, from: usize, to: usize) -> (usize, usize) {
    let start = text[..from].chars().count();
    (start, start + text[from..to].chars().count())
}

fn finding(
    text: &str,
    kind: Kind,
    (from, to): (usize, usize),
    message: String,
    suggestion: Option<String>,
) -> Finding {
    let (start, end) = span(text, from, to);
    Finding {
        kind,
        rule: kind.rule(),
        start,
        end,
        text: text[from..to].to_string(),
        message,
        suggestion,
    }
}

/// Proofreads a document against the shipped article table: every finding, in the order of the
/// text.
pub fn proofread(text: &str) -> Vec<Finding> {
    proofread_with(text, statutes::Statutes::shipped())
}

/// Where the body ends: the appended statutes (附…) quote other dates and articles.
fn body_end(text: &str) -> usize {
    [
        "附相关法律",
        "附：相关法律",
        "附本判决适用",
        "附：本判决适用",
        "附录",
    ]
    .iter()
    .filter_map(|w| text.find(w))
    .min()
    .unwrap_or(text.len())
}

/// The date the judgment is signed.
fn signed_on(text: &str) -> Option<NaiveDate> {
    decided_on(&text[..body_end(text)]).and_then(|(y, m, d)| NaiveDate::from_ymd_opt(y, m, d))
}

/// What the platform records of the case a draft belongs to: the draft must agree with it.
#[derive(Debug, Clone, Copy, Default)]
pub struct Record<'a> {
    /// The 案号 the case is filed under.
    pub case_number: Option<&'a str>,
    /// The 原审案号 of the judgment the case continues (appeal, retrial, execution).
    pub origin_case_number: Option<&'a str>,
    pub parties: &'a [crate::case::Party],
}

/// Proofreads a draft of a case: [`proofread`], and the 案号 and the parties' names against the
/// platform's record.
pub fn proofread_case(text: &str, record: &Record) -> Vec<Finding> {
    let mut out = proofread(text);
    out.extend(numbers::against_record(
        text,
        record.case_number,
        record.origin_case_number,
    ));
    out.extend(names::against_record(text, record.parties));
    settle(&mut out);
    out
}

/// The parties a document's heading declares, in order: (role, name).
pub fn declared_parties(text: &str) -> Vec<(&'static str, String)> {
    names::declared(text)
        .into_iter()
        .map(|d| (d.role, d.name))
        .collect()
}

/// In the order of the text, one finding per kind and place.
fn settle(out: &mut Vec<Finding>) {
    out.sort_by_key(|f| (f.start, f.kind));
    // Several defendants detained in one sentence: one finding per place.
    out.dedup_by(|a, b| a.kind == b.kind && a.start == b.start && a.end == b.end);
}

/// [`proofread`] with another article table.
pub fn proofread_with(text: &str, table: &statutes::Statutes) -> Vec<Finding> {
    let kind = DocKind::of(text);
    let signed = signed_on(text);
    let body = &text[..body_end(text)];
    let mut out = vec![];
    out.extend(citations::check(
        body,
        table,
        signed,
        citations::offence_date(text),
    ));
    out.extend(citations::charge_articles(body, kind, table));
    out.extend(citations::renumbered(body, table, signed));
    out.extend(numbers::mismatched(text));
    out.extend(names::inconsistent(body));
    out.extend(combined::check(text, signed));
    out.extend(typo_findings(text));
    out.extend(case_number(text, kind));
    out.extend(sections_missing(text, kind));
    out.extend(date_order(text));
    out.extend(amounts(text));
    out.extend(appeal_notice(text, kind));
    out.extend(custody_credit(text));
    out.extend(id_numbers(text));
    settle(&mut out);
    out
}

// --- typos --------------------------------------------------------------------------------------

/// Typos by the shipped model, sentence by sentence, with the judgments' margins.
fn typo_findings(text: &str) -> Vec<Finding> {
    let model = typos::Model::judgments();
    let mut out = vec![];
    let mut at = 0; // characters before the sentence
    for sentence in text.split_inclusive(['。', '\n', '；']) {
        for (i, written, meant) in model.corrections(sentence, typos::Margins::JUDGMENTS) {
            out.push(Finding {
                kind: Kind::Typo,
                rule: Kind::Typo.rule(),
                start: at + i,
                end: at + i + 1,
                text: written.to_string(),
                message: format!("“{written}”疑为“{meant}”之误"),
                suggestion: Some(meant.to_string()),
            });
        }
        at += sentence.chars().count();
    }
    out
}

// --- J01: the 案号 -----------------------------------------------------------------------------

/// The 案号 in the heading: the first （YYYY）…号 in its first 300 characters (a note in brackets
/// before it — （速裁程序案件适用） — is not one).
fn heading_number(text: &str) -> Option<(usize, &str)> {
    let head_end = text.char_indices().nth(300).map_or(text.len(), |(i, _)| i);
    let head = &text[..head_end];
    for (i, c) in head.char_indices() {
        if !matches!(c, '（' | '(') {
            continue;
        }
        let after = &head[i + c.len_utf8()..];
        let digits = after.chars().take_while(char::is_ascii_digit).count();
        if digits == 4 && after[4..].starts_with(['）', ')']) {
            let end = after.find('号')?;
            let n = &head[i..i + c.len_utf8() + end + '号'.len_utf8()];
            return (n.chars().count() <= 40).then_some((i, n));
        }
    }
    // An old-style 案号 without brackets is read as the similar-case reader reads it.
    let n = case_number_in(text)?;
    let at = text.find(&n)?;
    Some((at, &text[at..at + n.len()]))
}

fn case_number(text: &str, kind: DocKind) -> Vec<Finding> {
    let Some((at, n)) = heading_number(text) else {
        return vec![];
    };
    let n = n.to_string();
    // Numbers before the 2016 scheme (…刑二初字第00122号) followed each court's own practice:
    // only the current form is checked.
    let year: Option<u32> = n
        .chars()
        .filter(char::is_ascii_digit)
        .take(4)
        .collect::<String>()
        .parse()
        .ok();
    // Cases heard together (…刑初209、395号) list several numbers.
    if n.contains("字第") || n.contains('、') || year.is_some_and(|y| y < 2016) {
        return vec![];
    }
    let range = (at, at + n.len());
    match CaseNumber::parse(&n) {
        Err(e) => vec![finding(
            text,
            Kind::CaseNumberFormat,
            range,
            format!("案号“{n}”格式有误：{}", e.reason),
            None,
        )],
        Ok(c) => match kind.type_prefix() {
            Some(p) if !c.legacy && !c.type_code.starts_with(p) => vec![finding(
                text,
                Kind::CaseNumberFormat,
                range,
                format!(
                    "案号的类型代字“{}”与文书种类“{}”不符（应以“{p}”开头）",
                    c.type_code,
                    kind.zh()
                ),
                None,
            )],
            _ => vec![],
        },
    }
}

// --- J11: the sections -------------------------------------------------------------------------

fn sections_missing(text: &str, kind: DocKind) -> Vec<Finding> {
    // Each section: its name and the words any of which marks it.
    let required: &[(&str, &[&str])] = match kind {
        // A 速裁 or 简易 judgment may state the facts without 经审理查明; the court's reasoning
        // and the operative part every judgment has.
        DocKind::CriminalJudgment | DocKind::CivilJudgment | DocKind::AdministrativeJudgment => &[
            (
                "本院认为",
                &[
                    "本院认为",
                    "本院经审查认为",
                    "本院经审理认为",
                    "本院审查认为",
                ],
            ),
            ("判决主文", &["判决如下"]),
        ],
        _ => &[],
    };
    let head_end = text.char_indices().nth(60).map_or(text.len(), |(i, _)| i);
    required
        .iter()
        .filter(|(_, words)| !words.iter().any(|w| text.contains(w)))
        .map(|(name, words)| {
            finding(
                text,
                Kind::SectionMissing,
                (0, head_end.min(text.find('\n').unwrap_or(head_end))),
                format!("{}缺少“{name}”部分（应有“{}”等文字）", kind.zh(), words[0]),
                None,
            )
        })
        .collect()
}

// --- dates ---------------------------------------------------------------------------------------

/// A date written in the text at byte `i`: 2018年3月19日, 二〇一八年三月十九日, or 同年3月29日 /
/// 3月29日 relative to `year`. Returns the date and its byte length.
fn date_at(s: &str, ctx: Option<NaiveDate>) -> Option<(NaiveDate, usize)> {
    let year = ctx.map(|c| c.year());
    // 同月26日: the day of the month written last.
    if let Some(r) = s.strip_prefix("同月") {
        let c = ctx?;
        let d_end = r.find('日')?;
        if d_end == 0 || r[..d_end].chars().count() > 3 {
            return None;
        }
        let d = cn_number(&r[..d_end])? as u32;
        let date = NaiveDate::from_ymd_opt(c.year(), c.month(), d)?;
        return Some((date, s.len() - r.len() + d_end + '日'.len_utf8()));
    }
    let mut used = 0;
    let y = if let Some(r) = s.strip_prefix("同年") {
        used += s.len() - r.len();
        year?
    } else {
        let digits: usize = s
            .char_indices()
            .take_while(|(_, c)| cn_digit(*c).is_some())
            .map(|(_, c)| c.len_utf8())
            .sum();
        if digits > 0 && s[digits..].starts_with('年') {
            let y = cn_number(&s[..digits])? as i32;
            used += digits + '年'.len_utf8();
            y
        } else {
            year?
        }
    };
    let r = &s[used..];
    let m_end = r.find('月')?;
    if m_end == 0 || r[..m_end].chars().count() > 3 {
        return None;
    }
    let m = cn_number(&r[..m_end])? as u32;
    let r2 = &r[m_end + '月'.len_utf8()..];
    let d_end = r2.find('日')?;
    if d_end == 0 || r2[..d_end].chars().count() > 3 {
        return None;
    }
    let d = cn_number(&r2[..d_end])? as u32;
    let date = NaiveDate::from_ymd_opt(y, m, d)?;
    Some((
        date,
        used + m_end + '月'.len_utf8() + d_end + '日'.len_utf8(),
    ))
}

/// The last date written between bytes `from` and `to`: the date, its start and end.
fn last_date_in(
    text: &str,
    from: usize,
    to: usize,
    ctx: Option<NaiveDate>,
) -> Option<(NaiveDate, usize, usize)> {
    let mut found = None;
    // 同年 and 同月 are of the date written last before them.
    let mut ctx = ctx;
    for (k, _) in text[from..to].char_indices() {
        let at = from + k;
        if let Some((d, n)) = date_at(&text[at..to], ctx) {
            // A date inside one already found (…2018年3月19日: 8年3月19日) is not another.
            if found.is_none_or(|(_, _, e): (NaiveDate, usize, usize)| at >= e) {
                found = Some((d, at, at + n));
                ctx = Some(d);
            }
        }
    }
    found
}

/// J05: detention no later than arrest, for each defendant paragraph; the public prosecution and
/// every coercive measure no later than the signature.
fn date_order(text: &str) -> Vec<Finding> {
    let mut out = vec![];
    let signed = signed_on(text);
    // Each 被刑事拘留 with the 被逮捕 that follows it in the same sentence.
    for (i, w) in text.match_indices("被刑事拘留") {
        let clause_start = text[..i]
            .rfind(['。', '；'])
            .map_or(0, |j| j + '。'.len_utf8());
        let Some((held, held_at, held_end)) = last_date_in(text, clause_start, i, None) else {
            continue;
        };
        let rest_end = text[i..].find('。').map_or(text.len(), |j| i + j);
        if let Some(j) = text[i + w.len()..rest_end].find("被逮捕") {
            let arrest = i + w.len() + j;
            if let Some((arrested, at, end)) = last_date_in(text, i + w.len(), arrest, Some(held))
                && arrested < held
            {
                out.push(finding(
                    text,
                    Kind::DateOrder,
                    (at, end),
                    format!(
                        "逮捕日期（{}）早于刑事拘留日期（{}），请核对",
                        crate::document::date_zh(arrested),
                        crate::document::date_zh(held)
                    ),
                    None,
                ));
            }
        }
        if let Some(s) = signed
            && held > s
        {
            out.push(finding(
                text,
                Kind::DateOrder,
                (held_at, held_end),
                format!(
                    "刑事拘留日期（{}）晚于判决日期（{}），请核对",
                    crate::document::date_zh(held),
                    crate::document::date_zh(s)
                ),
                None,
            ));
        }
    }
    // …于2018年8月27日向本院提起公诉: not after the signature.
    if let Some(s) = signed {
        for (i, _) in text.match_indices("向本院提起公诉") {
            let clause_start = text[..i].rfind(['。', '，']).map_or(0, |j| j + 3);
            let Some(yu) = text[clause_start..i].rfind('于') else {
                continue;
            };
            let at = clause_start + yu + '于'.len_utf8();
            if let Some((d, n)) = date_at(&text[at..], None)
                && d > s
            {
                out.push(finding(
                    text,
                    Kind::DateOrder,
                    (at, at + n),
                    format!(
                        "提起公诉日期（{}）晚于判决日期（{}），请核对",
                        crate::document::date_zh(d),
                        crate::document::date_zh(s)
                    ),
                    None,
                ));
            }
        }
    }
    out
}

// --- J06: figures and 大写 -----------------------------------------------------------------------

/// A sum in capital numerals (壹万贰仟元整, 伍佰元伍角): in 分.
fn capital_fen(s: &str) -> Option<u64> {
    let lower: String = s
        .chars()
        .filter(|c| !matches!(c, '整' | '正' | '人' | '民' | '币'))
        .map(|c| match c {
            '圆' => '元',
            c => c,
        })
        .collect();
    let (yuan, rest) = match lower.find('元') {
        Some(i) => (&lower[..i], &lower[i + '元'.len_utf8()..]),
        None => (lower.as_str(), ""),
    };
    let mut fen = if yuan.is_empty() {
        0
    } else {
        cn_number(yuan)? * 100
    };
    let rest = rest.trim_start_matches('零');
    if let Some(i) = rest.find('角') {
        fen += cn_number(&rest[..i])? * 10;
        let r = &rest[i + '角'.len_utf8()..];
        if let Some(j) = r.find('分') {
            fen += cn_number(&r[..j])?;
        }
    } else if let Some(j) = rest.find('分') {
        fen += cn_number(&rest[..j])?;
    }
    Some(fen)
}

/// An amount in figures ending at `end` (…50000元, 1,234.5元): in 分, with its start.
fn figure_before(text: &str, end: usize) -> Option<(u64, usize)> {
    let s = &text[..end];
    let s = s.strip_suffix('元')?;
    let start = s
        .char_indices()
        .rev()
        .take_while(|(_, c)| c.is_ascii_digit() || matches!(c, '.' | ','))
        .last()
        .map(|(i, _)| i)?;
    let digits: String = s[start..].chars().filter(|c| *c != ',').collect();
    let (int, dec) = digits.split_once('.').unwrap_or((&digits, ""));
    let mut fen = int.parse::<u64>().ok()? * 100;
    let dec: String = dec.chars().chain("00".chars()).take(2).collect();
    fen += dec.parse::<u64>().ok()?;
    Some((fen, start))
}

fn yuan_zh(fen: u64) -> String {
    if fen.is_multiple_of(100) {
        format!("{}元", fen / 100)
    } else {
        format!("{}.{:02}元", fen / 100, fen % 100)
    }
}

/// J06: 50000元（大写：伍万元整） — the figures and the capitals must be the same sum.
fn amounts(text: &str) -> Vec<Finding> {
    let mut out = vec![];
    for (i, w) in text.match_indices("大写") {
        let open = text[..i].rfind(['（', '(']);
        let Some(open) = open.filter(|o| i - o <= 6) else {
            continue;
        };
        let Some((figure, fig_start)) = figure_before(text, open) else {
            continue;
        };
        let body_start = i + w.len();
        let body = text[body_start..].trim_start_matches(['：', ':', '为', ' ']);
        let body_start = text.len() - body.len();
        let body_len: usize = body
            .char_indices()
            .take_while(|(_, c)| "零壹贰叁肆伍陆柒捌玖拾佰仟万亿元圆角分整正人民币".contains(*c))
            .map(|(_, c)| c.len_utf8())
            .sum();
        if body_len == 0 {
            continue;
        }
        let capital = &text[body_start..body_start + body_len];
        let Some(fen) = capital_fen(capital) else {
            continue;
        };
        if fen != figure {
            out.push(finding(
                text,
                Kind::AmountMismatch,
                (fig_start, body_start + body_len),
                format!(
                    "金额小写为{}，大写“{capital}”为{}，两者不一致",
                    yuan_zh(figure),
                    yuan_zh(fen)
                ),
                None,
            ));
        }
    }
    out
}

// --- J08: the appeal notice ---------------------------------------------------------------------

fn appeal_notice(text: &str, kind: DocKind) -> Vec<Finding> {
    let (doc, days, law) = match kind {
        DocKind::CriminalJudgment => ("判决", "十日", "《中华人民共和国刑事诉讼法》第二百三十条"),
        DocKind::CriminalRuling => ("裁定", "五日", "《中华人民共和国刑事诉讼法》第二百三十条"),
        DocKind::CivilJudgment => (
            "判决",
            "十五日",
            "《中华人民共和国民事诉讼法》第一百七十一条",
        ),
        DocKind::CivilRuling => ("裁定", "十日", "《中华人民共和国民事诉讼法》第一百七十一条"),
        DocKind::AdministrativeJudgment => {
            ("判决", "十五日", "《中华人民共和国行政诉讼法》第八十五条")
        }
        DocKind::AdministrativeRuling => ("裁定", "十日", "《中华人民共和国行政诉讼法》第八十五条"),
        _ => return vec![],
    };
    let mut out = vec![];
    let marker = format!("如不服本{doc}");
    for (i, _) in text.match_indices(&marker) {
        let end = text[i..].find('。').map_or(text.len(), |j| i + j);
        let clause = &text[i..end];
        // 十日内 / 十五日内 / 三十日内 (a party without a domicile in China: 30 days, civil).
        let Some(nei) = clause.find("日内") else {
            continue;
        };
        let before = &clause[..nei + '日'.len_utf8()];
        let start = before
            .char_indices()
            .rev()
            .skip(1)
            .take_while(|(_, c)| cn_digit(*c).is_some() || matches!(c, '十' | '百'))
            .last()
            .map(|(j, _)| j);
        let Some(start) = start else { continue };
        let stated = &before[start..];
        let value = |d: &str| cn_number(d.trim_end_matches('日'));
        let foreign_ok = kind == DocKind::CivilJudgment && value(stated) == Some(30);
        if value(stated) != value(days) && !foreign_ok {
            out.push(finding(
                text,
                Kind::AppealNotice,
                (i + start, i + start + stated.len()),
                format!(
                    "不服{}的上诉期限为{days}（{law}），此处写为{stated}",
                    kind.zh()
                ),
                Some(days.to_string()),
            ));
        }
    }
    out
}

// --- J09: the term and custody credit -----------------------------------------------------------

/// The term the operative clause before `at` imposes: the last 判处 / 决定执行 before it.
fn term_before(text: &str, at: usize) -> Option<(&'static str, u32)> {
    let from = ["判处", "决定执行", "改判"]
        .iter()
        .filter_map(|w| text[..at].rfind(w).map(|i| i + w.len()))
        .max()?;
    let clause = &text[from..at];
    for word in ["有期徒刑", "拘役", "管制"] {
        if let Some(i) = clause.find(word)
            && let Some((m, _)) = duration_at(&clause[i + word.len()..])
        {
            // 有期徒刑 nested in another clause (犯…罪，判处…；) would have its own parenthetical.
            return Some((word, m));
        }
    }
    None
}

/// J09: （…即自2018年3月19日起至2019年8月18日止） — the end is the start plus the term, less a day.
fn custody_credit(text: &str) -> Vec<Finding> {
    let mut out = vec![];
    for (i, w) in text.match_indices("即自") {
        let s = i + w.len();
        let Some((from, n)) = date_at(&text[s..], None) else {
            continue;
        };
        let r = s + n;
        let Some(r) = text[r..].strip_prefix("起至").map(|x| text.len() - x.len()) else {
            continue;
        };
        let Some((to, m)) = date_at(&text[r..], Some(from)) else {
            continue;
        };
        if !text[r + m..].starts_with('止') {
            continue;
        }
        let Some((word, months)) = term_before(text, i) else {
            continue;
        };
        // Several stays in custody, a term already partly served, 管制 (two days per day held):
        // the stated period is not simply the term from one day. Only the plain case is checked:
        // custody without a break from a 刑事拘留 on the day the term starts.
        let clause_start = text[..i].rfind(['（', '(']).unwrap_or(i);
        let clause_end = text[i..].find(['）', ')']).map_or(text.len(), |j| i + j);
        let note = &text[clause_start..clause_end];
        if word == "管制"
            || ["扣除", "已执行", "行政拘留", "已羁押"]
                .iter()
                .any(|w| note.contains(w))
            || note.matches("折抵刑期").count() > 1
        {
            continue;
        }
        if !held_throughout_from(text, from) {
            continue;
        }
        let Some(want) = from
            .checked_add_months(Months::new(months))
            .and_then(|d| d.pred_opt())
        else {
            continue;
        };
        // A term from the end of a month: courts count the month's end either way.
        let month_end_either_way = from.day() >= 28 && (want - to).num_days().abs() <= 1;
        // Months apart: the period is another sentence's (a former term, 漏罪), not a slip.
        let slip = (want - to).num_days().abs() <= 62;
        if want != to && !month_end_either_way && slip {
            let written = &text[r..r + m];
            let fix = if written.chars().next().is_some_and(|c| c.is_ascii_digit()) {
                format!("{}年{}月{}日", want.year(), want.month(), want.day())
            } else {
                crate::document::date_zh(want)
            };
            out.push(finding(
                text,
                Kind::CustodyCredit,
                (r, r + m),
                format!(
                    "{word}{}自{}起执行，应至{}止，此处写为{written}",
                    crate::judgment::months_zh(months),
                    crate::document::date_zh(from),
                    crate::document::date_zh(want)
                ),
                Some(fix),
            ));
        }
    }
    out
}

/// Whether the parties' part shows custody without a break from a 刑事拘留 on `from`: a detention
/// on that day, and no 取保候审, 监视居住, release, administrative detention or other sentence.
fn held_throughout_from(text: &str, from: NaiveDate) -> bool {
    let end = ["指控", "经审理", "本院认为"]
        .iter()
        .filter_map(|w| text.find(w))
        .min()
        .unwrap_or(text.len());
    let parties = &text[..end];
    if [
        "取保候审",
        "监视居住",
        "释放",
        "行政拘留",
        "服刑",
        "刑满",
        "假释",
        "监外执行",
        "在逃",
        "通缉",
        "另案",
        "被羁押",
        "临时羁押",
        "拘留审查",
        "留置",
    ]
    .iter()
    .any(|w| parties.contains(w))
    {
        return false;
    }
    parties.match_indices("被刑事拘留").any(|(i, _)| {
        let clause_start = parties[..i]
            .rfind(['。', '；'])
            .map_or(0, |j| j + '。'.len_utf8());
        last_date_in(parties, clause_start, i, None).is_some_and(|(d, _, _)| d == from)
    })
}

// --- identity numbers ---------------------------------------------------------------------------

/// An 18-character 公民身份号码 whose check character (GB 11643) or date of birth is wrong.
fn id_numbers(text: &str) -> Vec<Finding> {
    let mut out = vec![];
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if !bytes[i].is_ascii_digit() || (i > 0 && bytes[i - 1].is_ascii_alphanumeric()) {
            i += 1;
            continue;
        }
        let run = bytes[i..]
            .iter()
            .take_while(|b| b.is_ascii_digit() || **b == b'X' || **b == b'x')
            .count();
        // Only where the text says it is one (a bank account or an order number is not).
        let context_start = text[..i].char_indices().rev().nth(15).map_or(0, |(k, _)| k);
        let named = ["身份证", "身份号码", "身份证件"]
            .iter()
            .any(|w| text[context_start..i].contains(w));
        if run == 18 && named && bytes[i..i + 17].iter().all(u8::is_ascii_digit) {
            let id = &text[i..i + 18];
            if let Some(want) = crate::identity::check_char(&id[..17]) {
                let have = id[17..].to_ascii_uppercase();
                let born = NaiveDate::parse_from_str(&id[6..14], "%Y%m%d").ok();
                if born.is_none() {
                    out.push(finding(
                        text,
                        Kind::IdNumberChecksum,
                        (i, i + 18),
                        format!("身份证号码“{id}”中的出生日期“{}”不存在", &id[6..14]),
                        None,
                    ));
                } else if !have.starts_with(want) {
                    out.push(finding(
                        text,
                        Kind::IdNumberChecksum,
                        (i, i + 18),
                        format!("身份证号码“{id}”的校验码应为 {want}，号码可能有误"),
                        None,
                    ));
                }
            }
        }
        i += run.max(1);
    }
    out
}

#[cfg(test)]
mod tests;
