//! J02: the 案号 is the same everywhere — the heading, the appendix that repeats it (…号案件所适用
//! 的法条), and the platform's record of the case; the 原审案号 an appeal names is the one the
//! record continues.

use super::{Finding, Kind, finding, heading_number};
use crate::case_number::CaseNumber;

/// Every bracketed 案号 in the text — （2018）赣0111刑初485号 — with its byte offset.
pub(super) fn numbers_in(text: &str) -> Vec<(usize, &str)> {
    let mut out = vec![];
    for (i, c) in text.char_indices() {
        if !matches!(c, '（' | '(' | '〔') {
            continue;
        }
        let after = &text[i + c.len_utf8()..];
        let digits = after.chars().take_while(char::is_ascii_digit).count();
        if digits != 4 || !after[4..].starts_with(['）', ')', '〕']) {
            continue;
        }
        let Some(end) = after.char_indices().take(40).find(|(_, c)| {
            matches!(
                c,
                '号' | '，' | '。' | '、' | '；' | '：' | '（' | '(' | ' ' | '\n'
            )
        }) else {
            continue;
        };
        if after[end.0..].starts_with('号') {
            let to = i + c.len_utf8() + end.0 + '号'.len_utf8();
            out.push((i, &text[i..to]));
        }
    }
    out
}

fn same(a: &str, b: &str) -> bool {
    match (CaseNumber::parse(a), CaseNumber::parse(b)) {
        (Ok(x), Ok(y)) => x == y,
        _ => a.trim() == b.trim(),
    }
}

/// The heading's number against where the document repeats it (…号案件所适用的法条).
pub(super) fn mismatched(text: &str) -> Vec<Finding> {
    let Some((at, n)) = heading_number(text) else {
        return vec![];
    };
    let mut out = vec![];
    for (k, m) in numbers_in(text) {
        if k <= at || same(m, n) {
            continue;
        }
        let after = &text[k + m.len()..];
        if after.starts_with("案件所适用") || after.starts_with("案所适用") {
            out.push(finding(
                text,
                Kind::CaseNumberMismatch,
                (k, k + m.len()),
                format!("附页所列案号“{m}”与首部案号“{n}”不一致"),
                Some(n.to_string()),
            ));
        }
    }
    out
}

/// The heading's number against the number the case is filed under, and the judgment an
/// appeal, a retrial or an execution continues against the recorded 原审案号.
pub(super) fn against_record(
    text: &str,
    recorded: Option<&str>,
    origin: Option<&str>,
) -> Vec<Finding> {
    let mut out = vec![];
    let heading = heading_number(text);
    if let Some((at, n)) = heading
        && let Some(r) = recorded.filter(|r| CaseNumber::parse(r).is_ok())
        && CaseNumber::parse(n).is_ok()
        && !same(n, r)
    {
        out.push(finding(
            text,
            Kind::CaseNumberMismatch,
            (at, at + n.len()),
            format!("首部案号“{n}”与本案登记的案号“{r}”不一致"),
            Some(r.to_string()),
        ));
    }
    // A number of the same court and type as the recorded 原审案号 but another is a slip —
    // unless the recorded one is also named: then the other is another case.
    if let Some(o) = origin
        && let Ok(origin) = CaseNumber::parse(o)
    {
        let named = numbers_in(text);
        if !named.iter().any(|(_, m)| same(m, o)) {
            for (k, m) in named {
                let Ok(c) = CaseNumber::parse(m) else {
                    continue;
                };
                if heading.is_some_and(|(h, _)| h == k) {
                    continue;
                }
                if c.court_code == origin.court_code
                    && c.type_code == origin.type_code
                    && c.year.abs_diff(origin.year) <= 1
                {
                    out.push(finding(
                        text,
                        Kind::CaseNumberMismatch,
                        (k, k + m.len()),
                        format!("原审案号“{m}”与本案登记的原审案号“{o}”不一致"),
                        Some(o.to_string()),
                    ));
                }
            }
        }
    }
    out
}
