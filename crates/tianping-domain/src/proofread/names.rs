//! J04: the parties' names across the document. A party is declared once in the heading
//! (被告人张三，男，… / 原告某某有限公司，住所地…); every later mention after a role word must
//! write the name the same way. Against the platform's record, the draft's party of a role must
//! carry the name registered for that role.
//!
//! A mention is read only where its end is certain — the name is followed by 犯, a punctuation
//! mark or a particle (的、在、系 …) — so a name is never cut out of the words around it.
//! Published judgments replace names by 某 and ordinals (王某甲, 牛某1): those letters never
//! count as a slip.

use super::{Finding, Kind, finding};
use crate::case::Party;

/// The role words a party is named after, longest first (被告人 before 被告).
const ROLES: &[&str] = &[
    "附带民事诉讼原告人",
    "附带民事诉讼被告人",
    "原审附带民事诉讼原告人",
    "原审被告单位",
    "原审被告人",
    "原审第三人",
    "原审原告",
    "原审被告",
    "再审申请人",
    "申请执行人",
    "被申请执行人",
    "被执行人",
    "被上诉人",
    "被申请人",
    "被告单位",
    "被告人",
    "上诉人",
    "申请人",
    "自诉人",
    "第三人",
    "罪犯",
    "原告",
    "被告",
];

/// What may follow a name: the name's end is certain there.
const AFTER: &[char] = &[
    '犯', '，', ',', '、', '。', '；', '：', '（', '(', '的', '在', '系', '于', '因', '与', '和',
    '及', '对', '是', '为', '将', '被', '向', '已', '等', '均', '辩', '供', '称', '到', '所', '即',
    ' ', '\n',
];

/// Letters that published judgments put in place of a name, and ordinals that tell people of
/// one surname apart: never a slip.
fn anonymous(c: char) -> bool {
    "某甲乙丙丁戊己庚辛壬癸×＊*".contains(c) || c.is_ascii_alphanumeric() || c.is_numeric()
}

fn is_han(c: char) -> bool {
    ('\u{4e00}'..='\u{9fff}').contains(&c) || c == '·'
}

/// A party declared in the heading: the role, the name and where the name is (bytes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Declared {
    pub role: &'static str,
    pub name: String,
    pub at: usize,
}

/// The role word at byte `i` of `text`, if one starts there (the longest).
fn role_at(text: &str, i: usize) -> Option<&'static str> {
    ROLES.iter().copied().find(|r| text[i..].starts_with(r))
}

/// Where role words start, each once (被告 inside 被告人 is not another).
fn role_positions(text: &str) -> Vec<(usize, &'static str)> {
    let mut out = vec![];
    let mut skip_to = 0;
    for (i, _) in text.char_indices() {
        if i < skip_to {
            continue;
        }
        if let Some(r) = role_at(text, i) {
            out.push((i, r));
            skip_to = i + r.len();
        }
    }
    out
}

/// The parties the heading declares: a role word at the start of a paragraph or after a
/// sentence, an optional （原审被告人）, the name, and 男/女 (a person) or 住所地 / 住所 /
/// 统一社会信用代码 / 法定代表人 (an organisation) after the comma.
pub(super) fn declared(text: &str) -> Vec<Declared> {
    let mut out: Vec<Declared> = vec![];
    for (i, role) in role_positions(text) {
        let before = text[..i].chars().next_back();
        if !before.is_none_or(|c| c.is_whitespace() || "。；：）)".contains(c)) {
            continue;
        }
        let mut at = i + role.len();
        // 上诉人（原审被告人）张三
        if text[at..].starts_with('（')
            && let Some(close) = text[at..].find('）')
            && text[at..at + close].chars().count() <= 14
        {
            at += close + '）'.len_utf8();
        }
        let rest = &text[at..];
        let Some(end) = rest.find(['，', ',', '（', '(']) else {
            continue;
        };
        let name = &rest[..end];
        let n = name.chars().count();
        if !(2..=40).contains(&n) || !name.chars().all(|c| is_han(c) || anonymous(c)) {
            continue;
        }
        // Past an alias in brackets (曾用名…, 绰号…) to the comma.
        let mut tail = &rest[end..];
        if tail.starts_with(['（', '(']) {
            match tail.find(['）', ')']) {
                Some(k) if k < 60 => tail = &tail[k..],
                _ => continue,
            }
            tail = tail.trim_start_matches(['）', ')']);
        }
        let tail = tail.trim_start_matches(['，', ',']);
        let person = n <= 6 && (tail.starts_with('男') || tail.starts_with('女'));
        let organisation = [
            "住所",
            "统一社会信用代码",
            "组织机构代码",
            "法定代表人",
            "地址",
        ]
        .iter()
        .any(|w| tail.starts_with(w));
        if (person || organisation) && !out.iter().any(|d| d.name == name) {
            out.push(Declared {
                role,
                name: name.to_string(),
                at,
            });
        }
    }
    out
}

/// Whether `written` is `declared` (same length) with one letter slipped: exactly one place
/// differs, by a letter that sounds or looks like the declared one (洪/江, 方/芳), and the letters
/// they share are a real name's, not 某某. 刘云龙 and 刘云飞 are brothers, not a slip.
fn one_letter_off(written: &[char], declared: &[char]) -> bool {
    if written.len() != declared.len() {
        return false;
    }
    let mut diff = written.iter().zip(declared).filter(|(a, b)| a != b);
    let Some((&a, &b)) = diff.next() else {
        return false;
    };
    diff.next().is_none()
        && is_han(a)
        && is_han(b)
        && !anonymous(a)
        && !anonymous(b)
        && declared.iter().filter(|c| **c != b).any(|c| !anonymous(*c))
        && super::typos::Model::shipped().confusable(a, b)
}

/// Mentions after a role word that write a declared person's name with one letter slipped. Where
/// the text writes the other form more often than the declared one, the heading is the slip:
/// one finding there.
pub(super) fn inconsistent(text: &str) -> Vec<Finding> {
    let parties = declared(text);
    let people: Vec<(&Declared, Vec<char>)> = parties
        .iter()
        .filter(|d| d.name.chars().count() <= 4 && d.name.chars().all(is_han))
        .map(|d| (d, d.name.chars().collect()))
        .collect();
    if people.is_empty() {
        return vec![];
    }
    // (declared party, the form written, where) for each slipped mention.
    let mut slips: Vec<(&Declared, &str, usize)> = vec![];
    for (i, role) in role_positions(text) {
        let at = i + role.len();
        let rest = &text[at..];
        if parties.iter().any(|d| rest.starts_with(d.name.as_str())) {
            continue;
        }
        for (d, name) in &people {
            let Some((end, _)) = rest.char_indices().nth(name.len()) else {
                continue;
            };
            let written: Vec<char> = rest[..end].chars().collect();
            if !rest[end..].starts_with(AFTER) || !one_letter_off(&written, name) {
                continue;
            }
            // Someone else tried apart (另案处理) is not the declared party.
            let near: String = rest[end..].chars().take(12).collect();
            if near.contains("另案") || near.contains("已判") {
                continue;
            }
            slips.push((d, &rest[..end], at));
            break;
        }
    }
    let mut out = vec![];
    let mut heading_done: Vec<(&str, &str)> = vec![];
    for &(d, written, at) in &slips {
        let theirs = text.matches(written).count();
        let ours = text.matches(d.name.as_str()).count();
        if theirs > ours {
            if heading_done.contains(&(d.name.as_str(), written)) {
                continue;
            }
            heading_done.push((d.name.as_str(), written));
            out.push(finding(
                text,
                Kind::NameInconsistent,
                (d.at, d.at + d.name.len()),
                format!(
                    "首部列明的{}“{}”，正文中 {theirs} 处写作“{written}”，疑首部有误",
                    d.role, d.name
                ),
                Some(written.to_string()),
            ));
        } else {
            out.push(finding(
                text,
                Kind::NameInconsistent,
                (at, at + written.len()),
                format!(
                    "“{written}”与首部列明的{}“{}”仅一字之差，疑为笔误",
                    d.role, d.name
                ),
                Some(d.name.clone()),
            ));
        }
    }
    out
}

/// Roles that name the same party at different stages (原审被告人 is the 被告人 below).
fn same_role(a: &str, b: &str) -> bool {
    let base = |r: &str| -> String {
        let r = r.trim_start_matches("原审");
        match r {
            "罪犯" | "被告人" | "上诉人" | "犯罪嫌疑人" => "被告人".into(),
            r => r.to_string(),
        }
    };
    base(a) == base(b)
}

/// The draft against the platform's record of the parties: where a role has exactly one party
/// in the record not named in the draft, and the draft declares exactly one party of that role
/// the record does not know, the draft's name is the slip.
pub(super) fn against_record(text: &str, parties: &[Party]) -> Vec<Finding> {
    let declared = declared(text);
    let mut out = vec![];
    let mut roles: Vec<&str> = parties.iter().map(|p| p.role.as_str()).collect();
    roles.sort_unstable();
    roles.dedup();
    for role in roles {
        let missing: Vec<&Party> = parties
            .iter()
            .filter(|p| p.role == role && !p.name.trim().is_empty() && !text.contains(&p.name))
            .collect();
        let unknown: Vec<&Declared> = declared
            .iter()
            .filter(|d| same_role(d.role, role) && !parties.iter().any(|p| p.name == d.name))
            .collect();
        if let ([p], [d]) = (missing.as_slice(), unknown.as_slice()) {
            out.push(finding(
                text,
                Kind::NameInconsistent,
                (d.at, d.at + d.name.len()),
                format!(
                    "{}“{}”与本案登记的{role}“{}”不一致，请核对（文中各处一并更正）",
                    d.role, d.name, p.name
                ),
                Some(p.name.clone()),
            ));
        }
    }
    out
}
