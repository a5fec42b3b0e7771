//! J09, 数罪并罚 (刑法第六十九条): the term a defendant serves for several charges lies between the
//! longest single term and their sum, within the caps — 有期徒刑 20 years when the sum is under
//! 35 years and 25 years at or above it (from 2011-05-01, 刑法修正案（八）; 20 years before), 拘役
//! 1 year, 管制 3 years; 有期徒刑 with 拘役 serves only the 有期徒刑 (from 2015-11-01, 刑法修正案
//! （九）).

use super::{Finding, Kind, finding};
use crate::judgment::{Penalty, months_zh, sections, sentence_clauses};
use chrono::NaiveDate;

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or(NaiveDate::MIN)
}

/// The executed term's allowed range for the single terms `terms` (months) of one kind, or `None`
/// when the law leaves it open.
fn range(kind: &str, terms: &[u32], signed: Option<NaiveDate>) -> Option<(u32, u32, String)> {
    let longest = *terms.iter().max()?;
    let sum: u32 = terms.iter().sum();
    let (cap, why) = match kind {
        "有期徒刑" => {
            if signed.is_some_and(|s| s < date(2011, 5, 1)) {
                (240, "总和刑期以下、最高不能超过二十年".to_string())
            } else if sum < 35 * 12 {
                (
                    240,
                    "总和刑期不满三十五年的，最高不能超过二十年".to_string(),
                )
            } else {
                (
                    300,
                    "总和刑期在三十五年以上的，最高不能超过二十五年".to_string(),
                )
            }
        }
        "拘役" => (12, "拘役最高不能超过一年".to_string()),
        "管制" => (36, "管制最高不能超过三年".to_string()),
        _ => return None,
    };
    Some((longest, sum.min(cap), why))
}

/// Each 决定执行 whose term falls outside what 刑法第六十九条 allows for the terms before it.
pub(super) fn check(text: &str, signed: Option<NaiveDate>) -> Vec<Finding> {
    let operative = sections(text).judgment;
    if operative.is_empty() {
        return vec![];
    }
    let op_at = operative.as_ptr() as usize - text.as_ptr() as usize;
    // 前罪 / 余刑 / 撤销缓刑: the total includes a term this judgment does not list.
    if [
        "前罪",
        "余刑",
        "撤销",
        "原判",
        "原犯",
        "漏罪",
        "剩余刑期",
        "未执行",
        "假释",
    ]
    .iter()
    .any(|w| operative.contains(w))
    {
        return vec![];
    }
    let mut out = vec![];
    let mut singles: Vec<Penalty> = vec![];
    let mut who: Option<String> = None;
    for (s, clause) in sentence_clauses(operative) {
        if s.defendant != who {
            singles.clear();
            who = s.defendant.clone();
        }
        if !s.combined {
            // 合并判处… / 总和刑期…: the sum the court states, not another charge's term.
            let c = &operative[clause.clone()];
            let states_sum = (c.contains("合并") || c.contains("总和"))
                && crate::judgment::charges(c).is_empty();
            if !states_sum {
                singles.push(s.penalty);
            }
            continue;
        }
        let terms = std::mem::take(&mut singles);
        if terms.len() < 2 {
            continue;
        }
        let (word, served) = match s.penalty {
            Penalty::FixedTerm { months } => ("有期徒刑", months),
            Penalty::Detention { months } => ("拘役", months),
            Penalty::Control { months } => ("管制", months),
            _ => continue,
        };
        // Life, death or an exemption among the singles: another rule.
        if terms.iter().any(|p| p.months().is_none()) {
            continue;
        }
        let fixed: Vec<u32> = terms
            .iter()
            .filter_map(|p| match p {
                Penalty::FixedTerm { months } => Some(*months),
                _ => None,
            })
            .collect();
        let mixed = !fixed.is_empty() && fixed.len() < terms.len();
        let detention_only_after_2015 = signed.is_none_or(|d| d >= date(2015, 11, 1));
        let same_kind: Vec<u32> = terms
            .iter()
            .filter(|p| std::mem::discriminant(*p) == std::mem::discriminant(&s.penalty))
            .filter_map(|p| p.months())
            .collect();
        // From 决定执行 to the clause's end.
        let from = operative[clause.clone()].find("决定执行").unwrap_or(0);
        let at = (op_at + clause.start + from, op_at + clause.end);
        if mixed && word != "有期徒刑" && detention_only_after_2015 {
            out.push(finding(
                text,
                Kind::SentenceArithmetic,
                at,
                format!(
                    "数罪中有判处有期徒刑和{word}的，执行有期徒刑（《中华人民共和国刑法》第六十九条第二款），此处决定执行{word}{}",
                    months_zh(served)
                ),
                None,
            ));
            continue;
        }
        // Mixed kinds before 2015-11-01, or 管制 with another kind: courts differed.
        if same_kind.len() != terms.len() {
            continue;
        }
        let Some((low, high, why)) = range(word, &same_kind, signed) else {
            continue;
        };
        let listed: Vec<String> = same_kind
            .iter()
            .map(|m| format!("{word}{}", months_zh(*m)))
            .collect();
        if served < low || served > high {
            out.push(finding(
                text,
                Kind::SentenceArithmetic,
                at,
                format!(
                    "数罪（{}）并罚，应在最高刑期{}以上、{}{}以下决定执行刑期（《中华人民共和国刑法》第六十九条：{why}），此处决定执行{word}{}",
                    listed.join("、"),
                    months_zh(low),
                    if high < same_kind.iter().sum() { "" } else { "总和刑期" },
                    months_zh(high),
                    months_zh(served)
                ),
                None,
            ));
        }
    }
    out
}
