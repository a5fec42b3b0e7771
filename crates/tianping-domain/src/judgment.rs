//! Reading a Chinese criminal judgment (裁判文书, RULES.md §12): its sections, the charges it
//! convicts of, the statutes it cites (《…》第X条第Y款第Z项, Chinese numerals, 之一) and the
//! sentences it imposes. Pure text processing, for similar-case retrieval (issue #5): the
//! structured fields a retrieval report shows and a deviation warning compares.

use serde::{Deserialize, Serialize};

/// The three parts of a judgment that retrieval treats differently.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sections<'a> {
    /// What the court found (经审理查明 …), or everything before the reasoning.
    pub fact: &'a str,
    /// The court's analysis (本院认为 …).
    pub reasoning: &'a str,
    /// The operative part (判决如下 / 裁定如下 …).
    pub judgment: &'a str,
}

fn find_any(text: &str, markers: &[&str], from: usize) -> Option<(usize, usize)> {
    markers
        .iter()
        .filter_map(|m| text[from..].find(m).map(|i| (from + i, m.len())))
        .min()
}

/// Splits a judgment by the markers of the standard structure (RULES.md §12): the reasoning
/// starts at 本院认为, the operative part after 判决如下 / 裁定如下, the facts at 经审理查明 (or the
/// start). A marker that is missing leaves its section empty.
pub fn sections(text: &str) -> Sections<'_> {
    let fact_start =
        find_any(text, &["经审理查明", "本院查明", "经审理认定"], 0).map_or(0, |(i, _)| i);
    let reasoning = find_any(text, &["本院认为"], fact_start);
    let operative = find_any(
        text,
        &["判决如下", "裁定如下", "决定如下"],
        reasoning.map_or(fact_start, |(i, _)| i),
    );
    let fact_end = reasoning
        .map(|(i, _)| i)
        .or(operative.map(|(i, _)| i))
        .unwrap_or(text.len());
    let reasoning_text = match reasoning {
        Some((i, _)) => &text[i..operative.map_or(text.len(), |(j, _)| j)],
        None => "",
    };
    // The operative part ends where the appended statutes begin (附相关法律条文 …).
    let judgment_text = match operative {
        Some((i, n)) => {
            let rest = &text[i + n..];
            let end = find_any(
                rest,
                &[
                    "附相关法律",
                    "附：相关法律",
                    "附本判决适用",
                    "附：本判决适用",
                    "附录",
                ],
                0,
            )
            .map_or(rest.len(), |(j, _)| j);
            rest[..end].trim_start_matches(['：', ':', ' '])
        }
        None => "",
    };
    Sections {
        fact: &text[fact_start..fact_end],
        reasoning: reasoning_text,
        judgment: judgment_text,
    }
}

pub(crate) fn cn_digit(c: char) -> Option<u64> {
    Some(match c {
        '零' | '〇' | '0' | '０' => 0,
        '一' | '壹' | '1' | '１' => 1,
        '二' | '两' | '贰' | '2' | '２' => 2,
        '三' | '叁' | '3' | '３' => 3,
        '四' | '肆' | '4' | '４' => 4,
        '五' | '伍' | '5' | '５' => 5,
        '六' | '陆' | '6' | '６' => 6,
        '七' | '柒' | '7' | '７' => 7,
        '八' | '捌' | '8' | '８' => 8,
        '九' | '玖' | '9' | '９' => 9,
        _ => return None,
    })
}

fn cn_unit(c: char) -> Option<u64> {
    Some(match c {
        '十' | '拾' => 10,
        '百' | '佰' => 100,
        // 仠 is a frequent misprint of 仟 in published judgments.
        '千' | '仟' | '仠' => 1_000,
        '万' => 10_000,
        '亿' => 100_000_000,
        _ => return None,
    })
}

/// Whether `c` can be part of a number as judgments write them.
pub fn is_number_char(c: char) -> bool {
    cn_digit(c).is_some() || cn_unit(c).is_some() || matches!(c, '.' | ',' | '，' | '．')
}

/// A number as judgments write it: 一百六十三, 十四, 五十七万九千, 二〇一六, 3,000, 456万, 1.5万.
/// `None` for an empty or malformed string.
pub fn cn_number(s: &str) -> Option<u64> {
    let s: String = s.chars().filter(|c| !matches!(c, ',' | '，')).collect();
    if s.is_empty() {
        return None;
    }
    // Arabic digits, optionally a decimal part and a trailing 万 / 亿.
    let arabic_end = s
        .char_indices()
        .find(|(_, c)| !(c.is_ascii_digit() || *c == '.' || *c == '．'))
        .map_or(s.len(), |(i, _)| i);
    if arabic_end > 0 {
        let head = s[..arabic_end].replace('．', ".");
        let rest = &s[arabic_end..];
        let unit = match rest {
            "" => 1.0,
            "万" => 10_000.0,
            "亿" => 100_000_000.0,
            "千" => 1_000.0,
            _ => return None,
        };
        let v: f64 = head.parse().ok()?;
        return Some((v * unit).round() as u64);
    }
    // Chinese digits only (二〇一六): read digit by digit.
    if s.chars().all(|c| cn_digit(c).is_some()) {
        return s
            .chars()
            .try_fold(0u64, |acc, c| Some(acc * 10 + cn_digit(c)?));
    }
    let (mut total, mut section, mut num) = (0u64, 0u64, 0u64);
    for c in s.chars() {
        if let Some(d) = cn_digit(c) {
            num = d;
        } else if let Some(u) = cn_unit(c) {
            match u {
                10 | 100 | 1_000 => {
                    section += if num == 0 { 1 } else { num } * u;
                    num = 0;
                }
                10_000 => {
                    total += (section + num) * 10_000;
                    section = 0;
                    num = 0;
                }
                _ => {
                    total = (total + section + num) * u;
                    section = 0;
                    num = 0;
                }
            }
        } else {
            return None;
        }
    }
    Some(total + section + num)
}

/// One statute cited: 《中华人民共和国刑法》第一百三十三条之一第一款第（二）项.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ArticleRef {
    /// The law's title without 《》, e.g. 中华人民共和国刑法.
    pub law: String,
    pub article: u32,
    /// 之一, 之二 …
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suffix: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paragraph: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item: Option<u32>,
}

impl ArticleRef {
    /// 刑法第二百六十四条 style label (the law's short name, Arabic numerals).
    pub fn label(&self) -> String {
        let law = self.law.trim_start_matches("中华人民共和国");
        let mut s = format!("《{law}》第{}条", self.article);
        if let Some(x) = self.suffix {
            s.push_str(&format!("之{}", cn_small(x)));
        }
        if let Some(p) = self.paragraph {
            s.push_str(&format!("第{p}款"));
        }
        if let Some(i) = self.item {
            s.push_str(&format!("第{i}项"));
        }
        s
    }
}

fn cn_small(n: u32) -> &'static str {
    ["零", "一", "二", "三", "四", "五", "六", "七", "八", "九"]
        .get(n as usize)
        .copied()
        .unwrap_or("?")
}

/// Reads a run of number characters at the start of `s`; returns the value and the bytes read.
fn number_at(s: &str) -> Option<(u64, usize)> {
    let end = s
        .char_indices()
        .find(|(_, c)| !(cn_digit(*c).is_some() || cn_unit(*c).is_some()))
        .map_or(s.len(), |(i, _)| i);
    if end == 0 {
        return None;
    }
    Some((cn_number(&s[..end])?, end))
}

/// Reads `第N<unit>` at the start of `s` (`unit` 条, 款 or 项; 项 may be written （N）).
fn ordinal_at(s: &str, unit: char) -> Option<(u32, usize)> {
    let rest = s.strip_prefix('第')?;
    let (open, rest) = match rest.strip_prefix(['（', '(']) {
        Some(r) => (rest.len() - r.len(), r),
        None => (0, rest),
    };
    let (n, used) = number_at(rest)?;
    let mut rest = &rest[used..];
    let mut close = 0;
    if open > 0 {
        let r = rest.strip_prefix(['）', ')'])?;
        close = rest.len() - r.len();
        rest = r;
    }
    let r = rest.strip_prefix(unit)?;
    let total = s.len() - r.len();
    let _ = close;
    Some((u32::try_from(n).ok()?, total))
}

/// Every statute the text cites, in order of first mention, each once. An article without a
/// title belongs to the last 《law》 named before it (第六十七条第三款、第五十二条 …); an article
/// before any title, or after 本 / 该 (本法第…), is not read.
pub fn cited_articles(text: &str) -> Vec<ArticleRef> {
    let mut out: Vec<ArticleRef> = vec![];
    for (a, _) in citations(text) {
        if !out.contains(&a) {
            out.push(a);
        }
    }
    out
}

/// Every citation as [`cited_articles`] reads them, each time it is written, with the byte range
/// of its 第…条… (the title it belongs to may be earlier).
pub fn citations(text: &str) -> Vec<(ArticleRef, std::ops::Range<usize>)> {
    let mut out = vec![];
    let mut law: Option<String> = None;
    // The article just read: 第三百四十七条第一款、第四款 cites its fourth paragraph too.
    let mut last: Option<ArticleRef> = None;
    let mut i = 0;
    while i < text.len() {
        let rest = &text[i..];
        if let Some(r) = rest.strip_prefix('《')
            && let Some(end) = r.find('》')
        {
            let title = &r[..end];
            // A law, regulation or interpretation; not a document title with nested 《》.
            law = (!title.contains('《') && title.chars().count() <= 60).then(|| title.to_string());
            i += '《'.len_utf8() + end + '》'.len_utf8();
            // 最高人民法院关于适用《中华人民共和国刑事诉讼法》的解释第…条: the articles are the
            // interpretation's, not the law's.
            if ["的", "若干", "实施", "〉"]
                .iter()
                .any(|w| text[i..].starts_with(w))
            {
                law = None;
            }
            continue;
        }
        // 本法第…条 inside a quoted statute refers to itself, not to a citation.
        let self_reference = ["本法", "该法", "本条", "本解释"]
            .iter()
            .any(|p| text[..i].ends_with(p));
        if rest.starts_with('第')
            && !self_reference
            && let Some(l) = &law
            && let Some((article, used)) = ordinal_at(rest, '条')
        {
            let mut j = i + used;
            let mut suffix = None;
            if let Some(r) = text[j..].strip_prefix('之')
                && let Some(c) = r.chars().next()
                && let Some(d) = cn_digit(c)
            {
                suffix = Some(d as u32);
                j += '之'.len_utf8() + c.len_utf8();
            }
            let mut paragraph = None;
            if let Some((p, used)) = ordinal_at(&text[j..], '款') {
                paragraph = Some(p);
                j += used;
            }
            let mut item = None;
            if let Some((p, used)) = ordinal_at(&text[j..], '项') {
                item = Some(p);
                j += used;
            }
            let a = ArticleRef {
                law: l.clone(),
                article,
                suffix,
                paragraph,
                item,
            };
            out.push((a.clone(), i..j));
            last = Some(a);
            i = j;
            continue;
        }
        if rest.starts_with('第')
            && let Some(prev) = &last
            && let Some((p, used)) = ordinal_at(rest, '款')
        {
            let mut j = i + used;
            let mut item = None;
            if let Some((n, used)) = ordinal_at(&text[j..], '项') {
                item = Some(n);
                j += used;
            }
            let a = ArticleRef {
                paragraph: Some(p),
                item,
                ..prev.clone()
            };
            out.push((a, i..j));
            i = j;
            continue;
        }
        if !rest.starts_with(['、', '，', '和', '及', ' ']) {
            last = None;
        }
        // A sentence end closes the law's scope only at a full stop.
        if rest.starts_with('。') {
            law = None;
        }
        i += rest.chars().next().map_or(1, char::len_utf8);
    }
    out
}

fn is_han(c: char) -> bool {
    ('\u{4e00}'..='\u{9fff}').contains(&c)
}

/// Whether a name read after 犯 can be a 罪名. The statutes a judgment appends speak of crimes
/// without naming them — 犯前款罪, 犯本节规定之罪, 应当判处有期徒刑以上刑罚之罪, 所犯的全部罪行 — and
/// no 罪名 of the 罪名规定 starts with these words, contains 之罪 or ends in 犯罪 (共同犯罪).
fn names_a_charge(name: &str) -> bool {
    name.chars().count() >= 3
        && !name.starts_with(['前', '本', '第', '的', '则', '或', '数', '其', '该', '此'])
        && !name.contains("之罪")
        && !name.ends_with("犯罪")
}

/// The charges a text convicts of: every 犯…罪 (including 犯A罪、B罪), in order, each once.
/// Read on the operative part (`Sections::judgment`) it gives the judgment's charges.
pub fn charges(text: &str) -> Vec<String> {
    let mut out: Vec<String> = vec![];
    let mut push = |c: &str| {
        let c = c.trim_start_matches(['了', '有']);
        if names_a_charge(c) && !out.iter().any(|x| x == c) {
            out.push(c.to_string());
        }
    };
    for (i, _) in text.match_indices('犯') {
        let rest = &text[i + '犯'.len_utf8()..];
        // 犯罪 (a crime) is not a charge; 犯有…罪 is. The 犯 of 侵犯 is part of the charge's
        // name (犯侵犯公民个人信息罪), not the start of another (公民个人信息罪).
        if rest.starts_with('罪') || text[..i].ends_with('侵') {
            continue;
        }
        let mut chars = rest.char_indices().peekable();
        let mut start = 0;
        while let Some((j, c)) = chars.next() {
            if c == '罪' {
                push(&rest[start..j + c.len_utf8()]);
                // 犯A罪、B罪: another charge follows after 、 or 和.
                match chars.peek() {
                    Some((k, '、' | '和')) => {
                        let k = *k;
                        chars.next();
                        start = k + '、'.len_utf8();
                        continue;
                    }
                    _ => break,
                }
            }
            if !is_han(c) || j - start > 60 {
                break;
            }
        }
    }
    out
}

/// The principal penalty of a sentence (刑法 §33–§35).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Penalty {
    /// 有期徒刑, in months.
    FixedTerm {
        months: u32,
    },
    /// 拘役, in months.
    Detention {
        months: u32,
    },
    /// 管制, in months.
    Control {
        months: u32,
    },
    Life,
    /// 死刑; `reprieve`: 缓期二年执行.
    Death {
        reprieve: bool,
    },
    /// 免予刑事处罚.
    Exempt,
    /// Only a fine (单处罚金) or no principal penalty named.
    None,
}

/// A term in months as people write it: 8个月, 3年, 2年6个月.
pub fn months_zh(m: u32) -> String {
    match (m / 12, m % 12) {
        (0, r) => format!("{r}个月"),
        (y, 0) => format!("{y}年"),
        (y, r) => format!("{y}年{r}个月"),
    }
}

impl Penalty {
    /// As a judgment writes it, with Arabic numerals: 有期徒刑3年6个月, 死刑，缓期二年执行.
    pub fn zh(self) -> String {
        match self {
            Penalty::FixedTerm { months } => format!("有期徒刑{}", months_zh(months)),
            Penalty::Detention { months } => format!("拘役{}", months_zh(months)),
            Penalty::Control { months } => format!("管制{}", months_zh(months)),
            Penalty::Life => "无期徒刑".into(),
            Penalty::Death { reprieve: true } => "死刑，缓期二年执行".into(),
            Penalty::Death { reprieve: false } => "死刑".into(),
            Penalty::Exempt => "免予刑事处罚".into(),
            Penalty::None => "—".into(),
        }
    }

    /// The term in months, for comparing outcomes (`None` for life, death, exemption).
    pub fn months(self) -> Option<u32> {
        match self {
            Penalty::FixedTerm { months }
            | Penalty::Detention { months }
            | Penalty::Control { months } => Some(months),
            _ => None,
        }
    }
}

/// One sentence in the operative part: a defendant, a charge and what was imposed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sentence {
    pub defendant: Option<String>,
    pub charge: Option<String>,
    pub penalty: Penalty,
    /// 缓刑 (probation), in months.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probation_months: Option<u32>,
    /// 罚金, in yuan.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fine_yuan: Option<u64>,
    /// The total after 数罪并罚 (决定执行 …) rather than the sentence for one charge.
    pub combined: bool,
}

/// Reads `X年Y个月` (either part optional, 零 between them allowed) at the start of `s`.
pub(crate) fn duration_at(s: &str) -> Option<(u32, usize)> {
    let mut months = 0u64;
    let mut used = 0;
    let mut any = false;
    if let Some((n, u)) = number_at(s)
        && s[u..].starts_with('年')
    {
        months += n * 12;
        used = u + '年'.len_utf8();
        any = true;
    }
    // 二年零六个月, 三年又二个月.
    let rest = s[used..].strip_prefix(['零', '又']).unwrap_or(&s[used..]);
    let skipped = s.len() - used - rest.len();
    if let Some((n, u)) = number_at(rest)
        && rest[u..].starts_with("个月")
    {
        months += n;
        used += skipped + u + "个月".len();
        any = true;
    }
    any.then(|| (u32::try_from(months).unwrap_or(u32::MAX), used))
}

fn penalty_in(clause: &str) -> Penalty {
    let after = |word: &str| clause.find(word).map(|i| &clause[i + word.len()..]);
    if let Some(r) = after("死刑") {
        return Penalty::Death {
            reprieve: r.starts_with("，缓期") || r.starts_with("缓期"),
        };
    }
    if clause.contains("无期徒刑") {
        return Penalty::Life;
    }
    for (word, make) in [
        (
            "有期徒刑",
            (|m| Penalty::FixedTerm { months: m }) as fn(u32) -> Penalty,
        ),
        ("拘役", |m| Penalty::Detention { months: m }),
        ("管制", |m| Penalty::Control { months: m }),
    ] {
        if let Some(r) = after(word)
            && let Some((m, _)) = duration_at(r)
        {
            return make(m);
        }
    }
    if clause.contains("免予刑事处罚") {
        return Penalty::Exempt;
    }
    Penalty::None
}

fn fine_in(clause: &str) -> Option<u64> {
    let i = clause.find("罚金")?;
    let r = &clause[i + "罚金".len()..];
    let r = r.trim_start_matches("人民币");
    let end = r
        .char_indices()
        .find(|(_, c)| !is_number_char(*c))
        .map_or(r.len(), |(i, _)| i);
    if !r[end..].starts_with('元') {
        return None;
    }
    cn_number(r[..end].trim_end_matches(['，', ',']))
}

fn probation_in(clause: &str) -> Option<u32> {
    let i = clause.find("缓刑")?;
    duration_at(&clause[i + "缓刑".len()..]).map(|(m, _)| m)
}

/// The person a clause sentences: the name after 被告人 / 上诉人 / 原审被告人, up to 犯 or a comma.
fn defendant_in(clause: &str) -> Option<String> {
    for role in ["原审被告人", "被告人", "上诉人", "被告单位"] {
        if let Some(i) = clause.find(role) {
            let r = &clause[i + role.len()..];
            let end = r
                .char_indices()
                .find(|(_, c)| matches!(c, '犯' | '，' | ',' | '、' | '（' | '(' | '：'))
                .map_or(r.len(), |(i, _)| i);
            let name = r[..end].trim();
            if !name.is_empty() && name.chars().count() <= 12 {
                return Some(name.to_string());
            }
        }
    }
    None
}

/// The sentences of an operative part, clause by clause: each clause naming a principal penalty,
/// a fine or 免予刑事处罚 gives one sentence, with the defendant and charge it names (or the
/// last ones named before it: 决定执行 …).
pub fn sentences(judgment: &str) -> Vec<Sentence> {
    sentence_clauses(judgment)
        .into_iter()
        .map(|(s, _)| s)
        .collect()
}

/// A clause of the operative part in the pieces that each sentence one charge: 犯A罪，判处…，犯B罪，
/// 判处… splits before each 犯; 犯B罪，判处有期徒刑一年，决定执行… and 总和刑期…，决定执行…
/// split before 决定执行. Each piece with its byte offset.
fn clause_parts(at: usize, clause: &str) -> Vec<(usize, &str)> {
    let mut cuts = vec![0];
    for (i, _) in clause.match_indices("，犯") {
        let after = &clause[i + "，犯".len()..];
        if !after.starts_with('罪') && clause[..i].contains("判处") {
            cuts.push(i + '，'.len_utf8());
        }
    }
    if let Some(k) = clause.find("决定执行") {
        let from = cuts.iter().copied().filter(|&c| c <= k).max().unwrap_or(0);
        if ["判处", "有期徒刑", "拘役", "管制"]
            .iter()
            .any(|w| clause[from..k].contains(w))
            && !cuts.contains(&k)
        {
            cuts.push(k);
        }
    }
    cuts.sort_unstable();
    cuts.iter()
        .enumerate()
        .map(|(n, &c)| {
            let end = cuts.get(n + 1).copied().unwrap_or(clause.len());
            (at + c, &clause[c..end])
        })
        .collect()
}

/// The sentences of [`sentences`], each with the byte range of its clause in `judgment`.
pub fn sentence_clauses(judgment: &str) -> Vec<(Sentence, std::ops::Range<usize>)> {
    let mut out = vec![];
    let (mut defendant, mut charge): (Option<String>, Option<String>) = (None, None);
    let mut next = 0;
    for clause in judgment.split(['。', '；', ';']) {
        let at = next;
        // Past the clause and the separator that ends it.
        next = at
            + clause.len()
            + judgment[at + clause.len()..]
                .chars()
                .next()
                .map_or(0, char::len_utf8);
        // Drop what the term is counted from (（刑期从…）) and when the fine is due.
        let clause = ["（刑期", "(刑期", "（罚金", "（缓刑考验期"]
            .iter()
            .filter_map(|m| clause.find(m))
            .min()
            .map_or(clause, |i| &clause[..i]);
        // 犯B罪，判处有期徒刑一年，决定执行有期徒刑二年: the last sentence and the total share a
        // clause; each is read on its own.
        for (at, clause) in clause_parts(at, clause) {
            if let Some(d) = defendant_in(clause) {
                defendant = Some(d);
                charge = None;
            }
            if let Some(c) = charges(clause).into_iter().next() {
                charge = Some(c);
            }
            // 犯A罪，判决处有期徒刑一年: a charge with its term counts without the word 判处.
            let sentences_here = ["判处", "决定执行", "免予刑事处罚"]
                .iter()
                .any(|w| clause.contains(w))
                || (clause.contains('犯') && clause.contains('罪'));
            if !sentences_here {
                continue;
            }
            let penalty = penalty_in(clause);
            let fine_yuan = fine_in(clause);
            if penalty == Penalty::None && fine_yuan.is_none() {
                continue;
            }
            let combined = clause.contains("决定执行");
            let range = at..at + clause.len();
            out.push((
                Sentence {
                    defendant: defendant.clone(),
                    // The total after 数罪并罚 is for no single charge.
                    charge: if combined { None } else { charge.clone() },
                    penalty,
                    probation_months: probation_in(clause),
                    fine_yuan,
                    combined,
                },
                range,
            ));
        }
    }
    out
}

/// The court that wrote the judgment: the heading's first words up to 人民法院 (or 法院). Some
/// published texts put the document's title first (`张某盗窃罪一审刑事判决书 某某区人民法院 …`):
/// the title is skipped, as is any other word (a page label) a space separates from the name.
pub fn court_of(text: &str) -> Option<String> {
    let head: String = text.trim_start().chars().take(80).collect();
    let end = head
        .find("人民法院")
        .map(|i| i + "人民法院".len())
        .or_else(|| head.find("法院").map(|i| i + "法院".len()))?;
    let mut court = &head[..end];
    if let Some(title_end) = ["判决书", "裁定书", "调解书", "决定书"]
        .iter()
        .filter_map(|t| court.rfind(t).map(|i| i + t.len()))
        .max()
    {
        court = &court[title_end..];
    }
    // A court's name holds no space; what a space separates from it is not part of it.
    let court = court.split_whitespace().last()?;
    (!court.is_empty()).then(|| court.to_string())
}

/// The level of a court (法院层级), from its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CourtLevel {
    /// 基层人民法院 (and the 专门法院 of the same rank, which the name does not distinguish).
    Basic,
    Intermediate,
    High,
    Supreme,
}

impl CourtLevel {
    pub const ALL: [CourtLevel; 4] = [
        CourtLevel::Basic,
        CourtLevel::Intermediate,
        CourtLevel::High,
        CourtLevel::Supreme,
    ];

    /// 最高人民法院 / …高级人民法院 / …中级人民法院 / any other …法院.
    pub fn of(court: &str) -> Option<CourtLevel> {
        if court.contains("最高人民法院") {
            Some(CourtLevel::Supreme)
        } else if court.contains("高级人民法院") {
            Some(CourtLevel::High)
        } else if court.contains("中级人民法院") {
            Some(CourtLevel::Intermediate)
        } else if court.ends_with("法院") {
            Some(CourtLevel::Basic)
        } else {
            None
        }
    }

    pub fn zh(self) -> &'static str {
        match self {
            CourtLevel::Basic => "基层法院",
            CourtLevel::Intermediate => "中级法院",
            CourtLevel::High => "高级法院",
            CourtLevel::Supreme => "最高法院",
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            CourtLevel::Basic => "basic",
            CourtLevel::Intermediate => "intermediate",
            CourtLevel::High => "high",
            CourtLevel::Supreme => "supreme",
        }
    }

    pub fn from_code(code: &str) -> Option<CourtLevel> {
        CourtLevel::ALL.into_iter().find(|l| l.code() == code)
    }
}

/// The 案号 in the heading: the first （YYYY）…号 — a bracket holding a year, so that one in the
/// court's or a party's name (（2018）… after 某某（集团）有限公司) is passed over.
pub fn case_number_in(text: &str) -> Option<String> {
    let head: String = text.chars().take(200).collect();
    head.match_indices(['（', '(']).find_map(|(start, _)| {
        let rest = &head[start..];
        let open = rest.chars().next()?.len_utf8();
        let close = rest.find(['）', ')'])?;
        let year = &rest[open..close];
        if year.len() != 4 || !year.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let end = rest.find('号')? + '号'.len_utf8();
        let n = &rest[..end];
        (n.chars().count() <= 40).then(|| n.to_string())
    })
}

/// The date the judgment was signed (二〇一七年九月十三日, near its end), as (year, month, day).
pub fn decided_on(text: &str) -> Option<(i32, u32, u32)> {
    // The last such date in the text: the signature block follows the operative part.
    let mut found = None;
    for (i, _) in text.match_indices('年') {
        let before: Vec<(usize, char)> = text[..i].char_indices().rev().take(4).collect();
        // Signatures write the year in Chinese numerals (二〇一七); Arabic dates in the text are
        // facts or terms (至2029年12月7日止), not the signature.
        if before.len() < 4
            || !before
                .iter()
                .all(|(_, c)| cn_digit(*c).is_some() && !c.is_ascii_digit())
        {
            continue;
        }
        let year_start = before[3].0;
        let Some(y) = cn_number(&text[year_start..i]) else {
            continue;
        };
        let rest = &text[i + '年'.len_utf8()..];
        let Some(m_end) = rest.find('月') else {
            continue;
        };
        let Some(d_end) = rest[m_end..].find('日').map(|x| x + m_end) else {
            continue;
        };
        let (Some(m), Some(d)) = (
            cn_number(&rest[..m_end]),
            cn_number(&rest[m_end + '月'.len_utf8()..d_end]),
        ) else {
            continue;
        };
        if (1990..=2100).contains(&y) && (1..=12).contains(&m) && (1..=31).contains(&d) {
            found = Some((y as i32, m as u32, d as u32));
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heading_and_signature() {
        let t = "深圳市罗湖区人民法院 刑事判决书 （2017）粤0303刑初1778号 公诉机关……审判员裴斐 二〇一七年九月十三日 本件与原件核对无异议";
        assert_eq!(court_of(t).as_deref(), Some("深圳市罗湖区人民法院"));
        assert_eq!(
            case_number_in(t).as_deref(),
            Some("（2017）粤0303刑初1778号")
        );
        assert_eq!(decided_on(t), Some((2017, 9, 13)));
        // A bracket before the number that holds no year is passed over.
        let t = "浙江省杭州市西湖区人民法院（原杭州市西湖区人民法院） 民事判决书 (2021)浙0106民初12号 原告某某（杭州）有限公司";
        assert_eq!(case_number_in(t).as_deref(), Some("(2021)浙0106民初12号"));
        assert_eq!(case_number_in("某某（集团）有限公司诉某某"), None);
        // Real headings (LeCaRD) that open with the document's title.
        for (t, court) in [
            (
                "魏俊利危险驾驶罪一审刑事判决书 呼和浩特市新城区人民法院 刑事判决书 （2016）内0102刑初341号",
                "呼和浩特市新城区人民法院",
            ),
            (
                "李席席犯故意杀人罪、故意伤害罪一审刑事判决书 山东省济宁市中级人民法院 刑事判决书",
                "山东省济宁市中级人民法院",
            ),
            (
                "（2016）179李某盗窃罪一审刑事判决书 大连市甘井子区人民法院 刑事判决书",
                "大连市甘井子区人民法院",
            ),
        ] {
            assert_eq!(court_of(t).as_deref(), Some(court), "{t}");
        }
        assert_eq!(
            court_of("文书内容 上海市闵行区人民法院 刑事判决书").as_deref(),
            Some("上海市闵行区人民法院")
        );
        assert_eq!(court_of("刑事判决书 （2016）内0102刑初341号"), None);
        assert_eq!(decided_on("没有日期"), None);
        assert_eq!(decided_on("即自2015年5月7日起至2019年5月6日止。"), None);
    }

    #[test]
    fn numbers_as_judgments_write_them() {
        for (s, v) in [
            ("一百六十三", 163),
            ("十四", 14),
            ("十", 10),
            ("二百六十四", 264),
            ("一百三十三", 133),
            ("五十七万九千", 579_000),
            ("二〇一六", 2016),
            ("3,000", 3000),
            ("456万", 4_560_000),
            ("1.5万", 15_000),
            ("一亿二千万", 120_000_000),
            ("两千", 2000),
            ("一千零五", 1005),
        ] {
            assert_eq!(cn_number(s), Some(v), "{s}");
        }
        assert_eq!(cn_number(""), None);
        assert_eq!(cn_number("三个"), None);
    }

    #[test]
    fn penalties_in_words() {
        assert_eq!(Penalty::FixedTerm { months: 42 }.zh(), "有期徒刑3年6个月");
        assert_eq!(Penalty::Detention { months: 1 }.zh(), "拘役1个月");
        assert_eq!(Penalty::FixedTerm { months: 96 }.zh(), "有期徒刑8年");
        assert_eq!(Penalty::Death { reprieve: true }.zh(), "死刑，缓期二年执行");
    }

    #[test]
    fn charges_are_named_crimes_not_the_statutes_words_for_them() {
        // LeCaRD judgments append the articles they apply; these are the phrases that were read
        // as charges before (前款罪 in 150 of 4,939 judgments, 应当判处…之罪 in 137).
        let appended = "被告人张某犯侵犯公民个人信息罪，判处有期徒刑一年。附：《中华人民共和国刑法》\
            第二百五十三条之一……犯前款罪的，依照前款的规定从重处罚。第六十五条 被判处有期徒刑以上刑罚的\
            犯罪分子，刑罚执行完毕以后，在五年以内再犯应当判处有期徒刑以上刑罚之罪的，是累犯。\
            第七十条……所犯的全部罪行……犯本节规定之罪的……同案犯的共同犯罪。";
        assert_eq!(charges(appended), ["侵犯公民个人信息罪"]);
        assert_eq!(
            charges("被告人李某犯盗窃罪、侵犯著作权罪，数罪并罚"),
            ["盗窃罪", "侵犯著作权罪"]
        );
    }

    #[test]
    fn durations() {
        assert_eq!(duration_at("三年六个月，"), Some((42, "三年六个月".len())));
        assert_eq!(
            duration_at("一年零六个月"),
            Some((18, "一年零六个月".len()))
        );
        assert_eq!(duration_at("八个月"), Some((8, "八个月".len())));
        assert_eq!(duration_at("十四年"), Some((168, "十四年".len())));
        assert_eq!(duration_at("人民币"), None);
    }
}
