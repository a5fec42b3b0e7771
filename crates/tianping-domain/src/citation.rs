//! Citations as a reader reads them. The rule files cite their sources the way the legal
//! reference does (`CPL2023 art.152; 审限规定2000 arts.5, 9`), with working notes in English and
//! reliability markers; a judge, a letter's recipient or a 人大 supervisor reads
//! 《中华人民共和国民事诉讼法》第一百五十二条；《最高人民法院关于严格执行案件审理期限制度的若干规定》第五条、第九条.
//! [`zh`] renders the one into the other: short names become full titles, `art.`/`para`/`item`
//! become 条/款/项 in Chinese numerals, and notes written for developers (English in brackets,
//! `[V]`/`[S]`/`[U]` markers, references to the project's documents) are left out. The rule
//! files keep the short form, which is what the legal reference and its reviewers check.

/// Short names of the legal reference (RULES.md §0.2 and the sources it cites) and the titles a
/// reader knows them by. Longer names first where one is a prefix of another.
const SOURCES: &[(&str, &str)] = &[
    ("CPL2023", "《中华人民共和国民事诉讼法》"),
    ("CPL", "《中华人民共和国民事诉讼法》"),
    ("CrimPL2018", "《中华人民共和国刑事诉讼法》"),
    ("CrimPL", "《中华人民共和国刑事诉讼法》"),
    ("ALL2017", "《中华人民共和国行政诉讼法》"),
    ("ALL", "《中华人民共和国行政诉讼法》"),
    (
        "民诉解释2022",
        "《最高人民法院关于适用〈中华人民共和国民事诉讼法〉的解释》",
    ),
    (
        "刑诉解释2021",
        "《最高人民法院关于适用〈中华人民共和国刑事诉讼法〉的解释》",
    ),
    (
        "行诉解释2018",
        "《最高人民法院关于适用〈中华人民共和国行政诉讼法〉的解释》",
    ),
    (
        "延长审限规定2018/2019",
        "《最高人民法院关于严格规范民商事案件延长审限和延期开庭问题的规定》",
    ),
    (
        "延长审限规定",
        "《最高人民法院关于严格规范民商事案件延长审限和延期开庭问题的规定》",
    ),
    (
        "审限规定2000",
        "《最高人民法院关于严格执行案件审理期限制度的若干规定》",
    ),
    (
        "执行期限规定2006",
        "《最高人民法院关于人民法院办理执行案件若干期限的规定》",
    ),
    (
        "执行程序解释2020",
        "《最高人民法院关于适用〈中华人民共和国民事诉讼法〉执行程序若干问题的解释》",
    ),
    (
        "执行异议复议规定2020",
        "《最高人民法院关于人民法院办理执行异议和复议案件若干问题的规定》",
    ),
    (
        "终本规定2016",
        "《最高人民法院关于严格规范终结本次执行程序的规定（试行）》",
    ),
    (
        "民事调解规定2020",
        "《最高人民法院关于人民法院民事调解工作若干问题的规定》",
    ),
    (
        "特邀调解规定2016",
        "《最高人民法院关于人民法院特邀调解的规定》",
    ),
    (
        "赔偿委员会程序规定2011",
        "《最高人民法院关于人民法院赔偿委员会审理国家赔偿案件程序的规定》",
    ),
    ("规则2019", "《人民检察院刑事诉讼规则》"),
    ("公安刑事程序规定2020", "《公安机关办理刑事案件程序规定》"),
    ("公安行政程序规定2019", "《公安机关办理行政案件程序规定》"),
    (
        "SPP 两法衔接规定2001",
        "《人民检察院办理行政执法机关移送涉嫌犯罪案件的规定》",
    ),
    ("监察法2024", "《中华人民共和国监察法》"),
    ("国家赔偿法2012", "《中华人民共和国国家赔偿法》"),
    (
        "治安管理处罚法2012",
        "《中华人民共和国治安管理处罚法》（2012年修正）",
    ),
    ("人民警察法", "《中华人民共和国人民警察法》"),
];

/// A number in Chinese numerals as statutes number articles: 9 → 九, 10 → 十, 152 → 一百五十二,
/// 105 → 一百零五, 1200 → 一千二百.
pub fn numeral(n: u32) -> String {
    const D: [&str; 10] = ["零", "一", "二", "三", "四", "五", "六", "七", "八", "九"];
    if n < 10 {
        return D[n as usize].to_string();
    }
    if n >= 10_000 {
        // No statute numbers an article this high; a typo in a rule file stays readable.
        return n.to_string();
    }
    if n < 20 {
        return format!("十{}", if n == 10 { "" } else { D[(n % 10) as usize] });
    }
    let mut out = String::new();
    let units = [(1000, "千"), (100, "百"), (10, "十")];
    let mut rest = n;
    let mut zero = false;
    for (u, name) in units {
        let d = rest / u;
        rest %= u;
        if d > 0 {
            if zero {
                out.push('零');
                zero = false;
            }
            out.push_str(D[d as usize]);
            out.push_str(name);
        } else if !out.is_empty() {
            zero = true;
        }
    }
    if rest > 0 {
        if zero {
            out.push('零');
        }
        out.push_str(D[rest as usize]);
    }
    out
}

/// Renders a citation of the rule files for a reader. Text it does not recognise is kept as
/// written (it is Chinese in every shipped rule file; a test checks the rendering of each).
pub fn zh(raw: &str) -> String {
    let text = drop_notes(raw);
    let parts: Vec<String> = text
        .split([';', '；'])
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(part)
        .filter(|p| !p.is_empty())
        .collect();
    parts.join("；")
}

/// Leaves out what was written for developers: bracketed English notes, `[V]`-style markers,
/// and references to the project's own documents.
fn drop_notes(raw: &str) -> String {
    let mut out = String::new();
    let chars: Vec<char> = raw.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '(' || c == '[' {
            let close = if c == '(' { ')' } else { ']' };
            let mut depth = 0;
            let mut j = i;
            while j < chars.len() {
                if chars[j] == c {
                    depth += 1;
                } else if chars[j] == close {
                    depth -= 1;
                    if depth == 0 {
                        break;
                    }
                }
                j += 1;
            }
            let inner: String = chars[i + 1..j.min(chars.len())].iter().collect();
            let item_of_article = c == '('
                && !inner.is_empty()
                && inner.chars().all(|x| x.is_ascii_digit())
                && i > 0
                && (chars[i - 1].is_ascii_digit() || chars[i - 1] == ')');
            if item_of_article {
                out.push('(');
                out.push_str(&inner);
                out.push(')');
            } else if inner.chars().any(|x| x.is_ascii_alphabetic()) || c == '[' {
                // A developer's note or a marker: left out, with the space before it.
                while out.ends_with(' ') {
                    out.pop();
                }
            } else {
                while out.ends_with(' ') {
                    out.pop();
                }
                out.push('（');
                out.push_str(&inner);
                out.push('）');
            }
            i = j + 1;
            continue;
        }
        out.push(c);
        i += 1;
    }
    // References to the project's documents ("RULES.md §5.1 ", "DESIGN.md 能力5").
    for doc in ["RULES.md", "DESIGN.md"] {
        while let Some(k) = out.find(doc) {
            let mut end = k + doc.len();
            let rest = &out[end..];
            let skip: usize = rest
                .char_indices()
                .find(|&(_, ch)| {
                    !(ch == ' ' || ch == '§' || ch == '.' || ch == '、' || ch.is_ascii_digit())
                })
                .map_or(rest.len(), |(n, _)| n);
            end += skip;
            let mut start = k;
            // "（RULES.md §5.2）" → nothing; "，DESIGN.md 能力5" → nothing.
            // A section's label ("§4 L1：").
            let rest = &out[end..];
            let label = rest.strip_prefix('L').map_or(0, |r| {
                let d = r.chars().take_while(char::is_ascii_digit).count();
                if d > 0 { 1 + d } else { 0 }
            });
            end += label;
            if label > 0 && out[end..].starts_with('：') {
                end += '：'.len_utf8();
            }
            if out[end..].starts_with("能力") {
                end += "能力".len();
                end += out[end..]
                    .char_indices()
                    .find(|&(_, ch)| !ch.is_ascii_digit())
                    .map_or(out.len() - end, |(n, _)| n);
            }
            if out[..start].ends_with('，') {
                start -= '，'.len_utf8();
            }
            out.replace_range(start..end, "");
        }
    }
    out.replace("（）", "")
        .replace("SPC ", "最高人民法院")
        .replace("SPP 16项", "最高人民检察院16项")
}

/// One part of a citation (between semicolons): its source's title and article references.
fn part(p: &str) -> String {
    let mut s = p.to_string();
    for (short, title) in SOURCES {
        if let Some(k) = find_word(&s, short) {
            s.replace_range(k..k + short.len(), title);
            break;
        }
    }
    articles(&s)
        .trim()
        .replace("条, 第", "条、第")
        .replace("条,第", "条、第")
}

/// Finds a short name not inside a longer word (so `ALL` does not match inside another name).
fn find_word(s: &str, short: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(k) = s[from..].find(short) {
        let at = from + k;
        let before = s[..at].chars().next_back();
        let after = s[at + short.len()..].chars().next();
        let ascii_short = short.is_ascii();
        let clean_before = !ascii_short || before.is_none_or(|c| !c.is_ascii_alphanumeric());
        let clean_after = !ascii_short || after.is_none_or(|c| !c.is_ascii_alphabetic());
        if clean_before && clean_after {
            return Some(at);
        }
        from = at + short.len();
    }
    None
}

/// Rewrites `art.152`, `arts.5, 9`, `arts.165-169`, `art.9(7)`, `para 2`, `paras 1-2`,
/// `item 10`, `ch.17` into 第…条 / 款 / 项 / 章.
fn articles(s: &str) -> String {
    let mut out = String::new();
    let b = s;
    let mut i = 0;
    while i < b.len() {
        let rest = &b[i..];
        let (unit, skip) = if rest.starts_with("arts.") {
            ("条", 5)
        } else if rest.starts_with("art.") {
            ("条", 4)
        } else if rest.starts_with("paras ") {
            ("款", 6)
        } else if rest.starts_with("para ") {
            ("款", 5)
        } else if rest.starts_with("item ") {
            ("项", 5)
        } else if rest.starts_with("ch.") {
            ("章", 3)
        } else {
            let c = rest.chars().next().unwrap_or(' ');
            out.push(c);
            i += c.len_utf8();
            continue;
        };
        // A space between a title and its article is not written in Chinese.
        while out.ends_with(' ') {
            out.pop();
        }
        let (text, used) = numbers(&rest[skip..], unit);
        if used == 0 {
            // Not a reference after all: keep the word.
            out.push_str(&rest[..skip]);
            i += skip;
            continue;
        }
        out.push_str(&text);
        i += skip + used;
    }
    out
}

/// Parses `152`, `5, 9`, `165-169`, `152/183`, `9(7)`, `534(2)(3)`, `208 para 3` after a unit
/// word; returns the Chinese and the bytes read.
fn numbers(s: &str, unit: &str) -> (String, usize) {
    let mut out = String::new();
    let mut i = 0;
    let bytes = s.as_bytes();
    let read_num = |i: &mut usize| -> Option<u32> {
        let start = *i;
        while *i < bytes.len() && bytes[*i].is_ascii_digit() {
            *i += 1;
        }
        s[start..*i].parse().ok()
    };
    while let Some(n) = read_num(&mut i) {
        out.push_str(&format!("第{}{unit}", numeral(n)));
        // Items of an article: (7) or (2)(3).
        let mut items = vec![];
        while i < bytes.len() && bytes[i] == b'(' {
            let mut j = i + 1;
            let Some(k) = read_num(&mut j) else {
                break;
            };
            if j < bytes.len() && bytes[j] == b')' {
                items.push(format!("（{}）", numeral(k)));
                i = j + 1;
            } else {
                break;
            }
        }
        if !items.is_empty() {
            out.push_str(&format!("第{}项", items.join("、")));
        }
        // A paragraph of this article: " para 2".
        if s[i..].starts_with(" para ") {
            let mut j = i + 6;
            if let Some(k) = read_num(&mut j) {
                out.push_str(&format!("第{}款", numeral(k)));
                i = j;
            }
        }
        if s[i..].starts_with('-') {
            i += 1;
            out.push('至');
        } else if s[i..].starts_with('/') {
            i += 1;
            out.push('、');
        } else if s[i..].starts_with(", ") && bytes.get(i + 2).is_some_and(u8::is_ascii_digit) {
            i += 2;
            out.push('、');
        } else {
            break;
        }
    }
    (out, i)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numerals_read_as_statutes_write_them() {
        for (n, zh) in [
            (1, "一"),
            (9, "九"),
            (10, "十"),
            (12, "十二"),
            (20, "二十"),
            (105, "一百零五"),
            (110, "一百一十"),
            (152, "一百五十二"),
            (627, "六百二十七"),
            (1003, "一千零三"),
            (9999, "九千九百九十九"),
            (12000, "12000"),
        ] {
            assert_eq!(numeral(n), zh, "{n}");
        }
    }

    #[test]
    fn short_citations_become_titles_and_articles() {
        let cases = [
            (
                "CPL2023 art.152; 审限规定2000 art.2",
                "《中华人民共和国民事诉讼法》第一百五十二条；《最高人民法院关于严格执行案件审理期限制度的若干规定》第二条",
            ),
            (
                "审限规定2000 arts.5, 9; 执行期限规定2006 art.1",
                "《最高人民法院关于严格执行案件审理期限制度的若干规定》第五条、第九条；《最高人民法院关于人民法院办理执行案件若干期限的规定》第一条",
            ),
            (
                "CrimPL2018 art.91 paras 1-2; 公安刑事程序规定2020 art.129",
                "《中华人民共和国刑事诉讼法》第九十一条第一款至第二款；《公安机关办理刑事案件程序规定》第一百二十九条",
            ),
            (
                "刑诉解释2021 art.534(2)(3)",
                "《最高人民法院关于适用〈中华人民共和国刑事诉讼法〉的解释》第五百三十四条第（二）、（三）项",
            ),
            (
                "CrimPL2018 arts.204-205, 208 para 3; 刑诉解释2021 art.274",
                "《中华人民共和国刑事诉讼法》第二百零四条至第二百零五条、第二百零八条第三款；《最高人民法院关于适用〈中华人民共和国刑事诉讼法〉的解释》第二百七十四条",
            ),
            (
                "CPL2023 art.215; 民诉解释2022 art.129 (counts from 受理)",
                "《中华人民共和国民事诉讼法》第二百一十五条；《最高人民法院关于适用〈中华人民共和国民事诉讼法〉的解释》第一百二十九条",
            ),
            (
                "人民警察法 art.9 [S]; 公安行政程序规定2019 art.57 (12/24/48h tiers) [V]",
                "《中华人民共和国人民警察法》第九条；《公安机关办理行政案件程序规定》第五十七条",
            ),
            (
                "民诉解释2022 art.243 (双方当事人和解期间); 民事调解规定2020 art.2 (庭外和解)",
                "《最高人民法院关于适用〈中华人民共和国民事诉讼法〉的解释》第二百四十三条（双方当事人和解期间）；《最高人民法院关于人民法院民事调解工作若干问题的规定》第二条（庭外和解）",
            ),
            (
                "法发〔2021〕30号 第二条第（一）项“重大”；数额标准由法院确定（RULES.md §5.2）",
                "法发〔2021〕30号 第二条第（一）项“重大”；数额标准由法院确定",
            ),
            (
                "闭环督办本地实践（江苏、常州、丽水，DESIGN.md 能力5）；非国家规定，本地配置",
                "闭环督办本地实践（江苏、常州、丽水）；非国家规定，本地配置",
            ),
            (
                "CPL2023 art.164, art.170",
                "《中华人民共和国民事诉讼法》第一百六十四条、第一百七十条",
            ),
            (
                "CrimPL2018 art.208 para 2; art.172 para 2",
                "《中华人民共和国刑事诉讼法》第二百零八条第二款；第一百七十二条第二款",
            ),
        ];
        for (raw, want) in cases {
            assert_eq!(zh(raw), want, "{raw}");
        }
    }

    /// Every citation of the shipped rule files reads as Chinese: no Latin letters, no project
    /// documents, no markers.
    #[test]
    fn every_shipped_citation_reads_as_chinese() {
        let files = [
            ("limits.toml", include_str!("../../../rules/limits.toml")),
            (
                "flag-rules.toml",
                include_str!("../../../rules/flag-rules.toml"),
            ),
            (
                "supervision.toml",
                include_str!("../../../rules/supervision.toml"),
            ),
            ("metrics.toml", include_str!("../../../rules/metrics.toml")),
            (
                "supervision-catalogue.toml",
                include_str!("../../../rules/supervision-catalogue.toml"),
            ),
            ("similar.toml", include_str!("../../../rules/similar.toml")),
            (
                "case-types.toml",
                include_str!("../../../rules/case-types.toml"),
            ),
        ];
        let mut bad = vec![];
        let mut n = 0;
        for (file, text) in files {
            let doc: toml::Value = toml::from_str(text).expect("rule file parses");
            let mut found = vec![];
            collect_citations(&doc, &mut found);
            for raw in found {
                n += 1;
                let shown = zh(&raw);
                if shown.is_empty()
                    || shown
                        .chars()
                        .any(|c| c.is_ascii_alphabetic() || c == '§' || c == ',')
                {
                    bad.push(format!("{file}: {raw:?} → {shown:?}"));
                }
            }
        }
        assert!(n > 150, "only {n} citations found");
        assert!(bad.is_empty(), "{}", bad.join("\n"));
    }

    proptest::proptest! {
        /// Rule files come from operators (`rules_dir`): any text renders without a panic, and
        /// text without the short forms' markers is kept.
        #[test]
        fn any_article_number_renders(n in 0u32..u32::MAX) {
            let _ = zh(&format!("CPL2023 art.{n}(7) para {n}"));
        }

        #[test]
        fn any_text_renders(raw in "[ -~。；;，、（）()\\[\\]《》§a-zA-Z0-9审限规定法发〔〕号第条]{0,60}") {
            let _ = zh(&raw);
        }

        #[test]
        fn plain_chinese_is_kept(raw in "[审限规定法院监督期间]{1,20}") {
            proptest::prop_assert_eq!(zh(&raw), raw);
        }
    }

    fn collect_citations(v: &toml::Value, out: &mut Vec<String>) {
        match v {
            toml::Value::Table(t) => {
                for (k, x) in t {
                    match (k.as_str(), x) {
                        ("citation", toml::Value::String(s)) => out.push(s.clone()),
                        _ => collect_citations(x, out),
                    }
                }
            }
            toml::Value::Array(a) => a.iter().for_each(|x| collect_citations(x, out)),
            _ => {}
        }
    }
}
