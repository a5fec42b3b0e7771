//! J07: the articles a judgment cites against the versioned table (`statutes.rs`), and each
//! charge against the articles that define it.

use super::statutes::{Article, Statutes};
use super::{DocKind, Finding, Kind, date_at, finding};
use crate::document::date_zh;
use crate::judgment::{charges, citations, sections};
use chrono::NaiveDate;
use std::collections::HashSet;

/// The earliest date the facts name (经审理查明 …): when the acts began. `None` when the text
/// has no findings of fact to read it from.
pub(super) fn offence_date(text: &str) -> Option<NaiveDate> {
    if !["经审理查明", "本院查明", "经审理认定"]
        .iter()
        .any(|w| text.contains(w))
    {
        return None;
    }
    let fact = sections(text).fact;
    let mut earliest: Option<NaiveDate> = None;
    let mut ctx = None;
    let mut skip_to = 0;
    for (k, c) in fact.char_indices() {
        if k < skip_to {
            continue;
        }
        // A year written in full (95年 is too short to trust).
        let full_year = fact[k..]
            .chars()
            .take(5)
            .filter(char::is_ascii_digit)
            .count()
            == 4
            || fact[k..].starts_with("同");
        if !full_year && !c.is_ascii_digit() {
            continue;
        }
        if let Some((d, n)) = date_at(&fact[k..], ctx) {
            ctx = Some(d);
            skip_to = k + n;
            // A birth date (1977年11月22日出生), a former sentence (于2000年5月10日被…法院判处),
            // a release or a policy's date is not an act; nor a date before the 1997 code.
            let after = &fact[k + n..];
            let near: String = after.chars().take(30).collect();
            if !full_year
                || d < NaiveDate::from_ymd_opt(1997, 10, 1).unwrap_or(NaiveDate::MIN)
                || ["出生", "生，", "生）", "生)", "生,"]
                    .iter()
                    .any(|w| after.starts_with(w))
                || [
                    "判处",
                    "判决",
                    "刑满",
                    "释放",
                    "假释",
                    "劳动教养",
                    "施行",
                    "颁布",
                    "印发",
                    "行政拘留",
                ]
                .iter()
                .any(|w| near.contains(w))
            {
                continue;
            }
            earliest = Some(earliest.map_or(d, |e| e.min(d)));
        }
    }
    earliest
}

/// Each cited article checked once, at the first place it is cited.
pub(super) fn check(
    text: &str,
    statutes: &Statutes,
    signed: Option<NaiveDate>,
    offence: Option<NaiveDate>,
) -> Vec<Finding> {
    let mut out = vec![];
    let mut seen = HashSet::new();
    for (a, range) in citations(text) {
        let Some(law) = statutes.law(&a.law) else {
            continue;
        };
        if older_version(text, range.start, law) {
            continue;
        }
        let art = Article {
            number: a.article,
            suffix: a.suffix,
        };
        if !seen.insert((law.title.as_str(), art)) {
            continue;
        }
        let label = format!("《{}》{}", law.short, art.zh());
        let at = (range.start, range.end);
        let Some(origin) = law.origin(art) else {
            let most = law.versions.iter().map(|v| v.articles).max().unwrap_or(0);
            out.push(finding(
                text,
                Kind::CitationNonexistent,
                at,
                match art.suffix {
                    None => format!(
                        "{label}不存在：《{}》历次版本最多只有第{}条",
                        law.short,
                        crate::citation::numeral(most)
                    ),
                    Some(_) => format!("{label}不存在：历次修正案均未增设该条"),
                },
                None,
            ));
            continue;
        };
        if let Some(s) = signed
            && s < origin.since
        {
            out.push(finding(
                text,
                Kind::CitationNotInForce,
                at,
                format!(
                    "{label}由{}设立，自{}起施行，判决日期（{}）时尚未施行",
                    origin.by,
                    date_zh(origin.since),
                    date_zh(s)
                ),
                None,
            ));
            continue;
        }
        // A law the civil code repealed, cited for facts that all happened after the repeal
        // (before it, the old law still decides: 民法典时间效力规定第一条).
        if let (Some(rep), Some(s), Some(o)) = (&law.repealed, signed, offence)
            && s >= rep.on
            && o >= rep.on
        {
            out.push(finding(
                text,
                Kind::CitationNotInForce,
                at,
                format!(
                    "《{}》已由{}废止，自{}起不再施行；本案事实发生于{}，在其废止之后，应适用现行法律的相应条文",
                    law.short,
                    rep.by,
                    date_zh(rep.on),
                    date_zh(o)
                ),
                None,
            ));
            continue;
        }
        // The articles that define offences (第一百零二条 on): where 从旧兼从轻 decides the charge
        // and the penalty range.
        if law.substantive
            && art.number >= 102
            && let (Some(s), Some(o)) = (signed, offence)
        {
            // 刑法第一百三十三条之一 was rewritten by 修正案（九）; the base article counts for a
            // paragraph or item too.
            for m in law.changes_between(art, o, s) {
                out.push(finding(
                    text,
                    Kind::CitationChanged,
                    at,
                    format!(
                        "{label}经《{}》修改，自{}起施行；行为发生于{}，在修改之前。依《中华人民共和国刑法》第十二条从旧兼从轻，请核对适用的条文版本（仅作提示）",
                        m.name,
                        date_zh(m.in_force),
                        date_zh(o)
                    ),
                    None,
                ));
            }
        }
    }
    out
}

/// Whether the title the citation at `at` belongs to names an earlier law than the table knows:
/// 依照1979年《中华人民共和国刑法》第一百五十条 (a judgment on acts before the 1997 code).
fn older_version(text: &str, at: usize, law: &super::statutes::Law) -> bool {
    let Some(open) = text[..at].rfind('《') else {
        return false;
    };
    let before: String = text[..open]
        .chars()
        .rev()
        .take(6)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    let Some(y) = before.strip_suffix('年') else {
        return false;
    };
    let digits: String = y
        .chars()
        .rev()
        .take_while(char::is_ascii_digit)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    let year: i32 = match digits.len() {
        4 => digits.parse().unwrap_or(0),
        2 => 1900 + digits.parse::<i32>().unwrap_or(0),
        _ => return false,
    };
    law.versions
        .first()
        .is_some_and(|v| year < chrono::Datelike::year(&v.in_force))
}

/// Each charge of the operative part whose defining articles the judgment does not cite, where
/// it cites articles of the specific part (第一百零二条 on) for something else.
pub(super) fn charge_articles(text: &str, kind: DocKind, statutes: &Statutes) -> Vec<Finding> {
    if !matches!(kind, DocKind::CriminalJudgment) {
        return vec![];
    }
    let Some(law) = statutes.law("中华人民共和国刑法") else {
        return vec![];
    };
    let all = citations(text);
    // Articles of the 1979 code are numbered otherwise.
    if all.iter().any(|(a, r)| {
        statutes.law(&a.law).is_some_and(|l| l.title == law.title)
            && older_version(text, r.start, law)
    }) {
        return vec![];
    }
    let cited: HashSet<Article> = all
        .into_iter()
        .filter(|(a, _)| statutes.law(&a.law).is_some_and(|l| l.title == law.title))
        .map(|(a, _)| Article {
            number: a.article,
            suffix: a.suffix,
        })
        .collect();
    if !cited.iter().any(|a| a.number >= 102) {
        return vec![];
    }
    let operative = sections(text).judgment;
    if operative.is_empty() {
        return vec![];
    }
    // The operative part is a slice of `text`: its byte offset.
    let op_at = operative.as_ptr() as usize - text.as_ptr() as usize;
    let mut out = vec![];
    for name in charges(operative) {
        let Some(c) = statutes.charge(&name) else {
            continue;
        };
        if c.articles.iter().any(|a| cited.contains(a)) {
            continue;
        }
        // 原犯诈骗罪, 撤销…以交通肇事罪判处…的判决, 与其之前犯盗窃罪被判处的…: a former sentence,
        // judged under its own citations. The charge counts where a clause convicts of it now.
        let Some(i) = operative
            .match_indices(name.as_str())
            .map(|(i, _)| i)
            .find(|&i| {
                let from = operative[..i]
                    .rfind(['；', '。'])
                    .map_or(0, |j| j + '。'.len_utf8());
                let to = operative[i..]
                    .find(['；', '。'])
                    .map_or(operative.len(), |j| i + j);
                let clause = &operative[from..to];
                let just_before: String = operative[..i].chars().rev().take(3).collect();
                ![
                    "撤销",
                    "原判",
                    "原犯",
                    "之前",
                    "前罪",
                    "曾",
                    "维持",
                    "此前",
                    "加上",
                    "被判处",
                    "所判",
                ]
                .iter()
                .any(|w| clause.contains(w))
                    && !just_before.starts_with('以')
                    && !just_before.starts_with("犯因")
            })
        else {
            continue;
        };
        // 第二百三十四第一款: the article is cited with 条 left out — a slip with a fix.
        if let Some((j, bare)) = c.articles.iter().find_map(|a| {
            let bare = a.zh().trim_end_matches('条').to_string();
            if a.suffix.is_some() {
                return None;
            }
            text.match_indices(&bare)
                .find(|(j, _)| text[j + bare.len()..].starts_with(['第', '、', '，', '之']))
                .map(|(j, _)| (j, bare))
        }) {
            out.push(finding(
                text,
                Kind::ChargeArticleMismatch,
                (j, j + bare.len()),
                format!("判决认定{name}，所引条文“{bare}”漏写“条”字"),
                Some(format!("{bare}条")),
            ));
            continue;
        }
        // 依照《刑法》二百七十七条 (第 left out) still cites it.
        if c.articles.iter().any(|a| {
            let zh = a.zh();
            let bare = zh.trim_start_matches('第');
            text.match_indices(bare)
                .any(|(j, _)| !text[..j].ends_with('第'))
                || text.contains(&format!("第{}条", a.number))
        }) {
            continue;
        }
        let want: Vec<String> = c.articles.iter().map(|a| a.zh()).collect();
        out.push(finding(
            text,
            Kind::ChargeArticleMismatch,
            (op_at + i, op_at + i + name.len()),
            format!(
                "判决认定{name}，但所引《刑法》条文中没有规定该罪的{}",
                want.join("或")
            ),
            None,
        ));
    }
    out
}

/// J07: a provision the renumbering of a later version moved (迟延履行期间的债务利息), cited in the
/// sentence that names it by a number that is not its number on the judgment's date.
pub(super) fn renumbered(
    text: &str,
    statutes: &Statutes,
    signed: Option<NaiveDate>,
) -> Vec<Finding> {
    let Some(day) = signed else {
        return vec![];
    };
    let mut out = vec![];
    for (a, range) in citations(text) {
        let Some(law) = statutes.law(&a.law) else {
            continue;
        };
        if law.renumbered.is_empty() || a.suffix.is_some() || older_version(text, range.start, law)
        {
            continue;
        }
        let from = text[..range.start]
            .rfind(['。', '；', '\n'])
            .map_or(0, |i| {
                i + text[i..].chars().next().map_or(1, char::len_utf8)
            });
        let to = text[range.end..]
            .find(['。', '；', '\n'])
            .map_or(text.len(), |i| range.end + i);
        let sentence = &text[from..to];
        let cited = Article {
            number: a.article,
            suffix: None,
        };
        for r in &law.renumbered {
            if !sentence.contains(r.topic.as_str()) {
                continue;
            }
            let Some(now) = r.on(day) else { continue };
            // Only a number the provision once had: another article cited beside it is not this.
            if cited == now || !r.articles.iter().any(|(_, x)| *x == cited) {
                continue;
            }
            let since = r
                .articles
                .iter()
                .find(|(_, x)| *x == now)
                .map(|(d, _)| *d)
                .unwrap_or(day);
            let written = &text[range.clone()];
            out.push(finding(
                text,
                Kind::CitationRenumbered,
                (range.start, range.end),
                format!(
                    "{}自{}起规定在《{}》{}，判决日期（{}）时{}已非此内容",
                    r.zh,
                    date_zh(since),
                    law.short,
                    now.zh(),
                    date_zh(day),
                    cited.zh()
                ),
                (written == cited.zh()).then(|| now.zh()),
            ));
        }
    }
    out
}
