//! 典型案例 (issue 24): a court or a procuratorate proposes one of its region's closed cases as
//! typical — a kind from `rules/typical.toml`, a title, a summary of the facts and the handling,
//! its significance (典型意义) and, if wanted, the judgment's text — with the parties named as
//! published judgments name them; the heads of both the court and the procuratorate approve it for
//! a joint release; a released case appears on a public page and in the similar-case library a
//! tier above ordinary judgments.
//!
//! Naming follows 《最高人民法院关于人民法院在互联网公布裁判文书的规定》(法释〔2016〕19号):
//! a natural person keeps the surname and the given name becomes 某 (art. 8), two parties who
//! would read alike are told apart by 甲、乙 …; a minor is not named at all; identity numbers,
//! telephone numbers and bank accounts are removed (art. 10); organisations keep their names
//! (art. 11). The people the case file names are known; a witness named only in the text is not —
//! the approvers read the text before it is released. No IO.

use crate::case::{Confidentiality, Party, PartyKind};
use crate::org::AgencyKind;
use serde::Deserialize;
use std::sync::OnceLock;

pub const RULES_TOML: &str = include_str!("../../../rules/typical.toml");

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Limits {
    pub title_min: usize,
    pub title_max: usize,
    pub summary_min: usize,
    pub summary_max: usize,
    pub significance_min: usize,
    pub significance_max: usize,
    pub text_max: usize,
    pub reason_max: usize,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Category {
    pub key: String,
    pub zh: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rules {
    pub limits: Limits,
    pub categories: Vec<Category>,
}

impl Rules {
    pub fn parse(text: &str) -> Result<Rules, String> {
        let r: Rules = toml::from_str(text).map_err(|e| e.to_string())?;
        if r.categories.is_empty() {
            return Err("no [[categories]]".into());
        }
        for (i, c) in r.categories.iter().enumerate() {
            if c.key.trim().is_empty() || c.zh.trim().is_empty() {
                return Err(format!("category #{}: key and zh must not be empty", i + 1));
            }
            if r.categories[..i].iter().any(|o| o.key == c.key) {
                return Err(format!("category {}: defined twice", c.key));
            }
        }
        let l = &r.limits;
        if l.title_min > l.title_max
            || l.summary_min > l.summary_max
            || l.significance_min > l.significance_max
        {
            return Err("[limits]: a minimum above its maximum".into());
        }
        Ok(r)
    }
    pub fn category(&self, key: &str) -> Option<&Category> {
        self.categories.iter().find(|c| c.key == key)
    }
}

/// The rules as shipped.
pub fn rules() -> &'static Rules {
    static RULES: OnceLock<Rules> = OnceLock::new();
    #[allow(clippy::expect_used)]
    RULES.get_or_init(|| Rules::parse(RULES_TOML).expect("rules/typical.toml is valid"))
}

/// The two sides of a joint release.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Court,
    Procuratorate,
}

impl Side {
    pub fn of(kind: AgencyKind) -> Option<Side> {
        match kind {
            AgencyKind::Court => Some(Side::Court),
            AgencyKind::Procuratorate => Some(Side::Procuratorate),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Side::Court => "court",
            Side::Procuratorate => "procuratorate",
        }
    }
    pub fn parse(s: &str) -> Option<Side> {
        match s {
            "court" => Some(Side::Court),
            "procuratorate" => Some(Side::Procuratorate),
            _ => None,
        }
    }
    pub fn zh(self) -> &'static str {
        match self {
            Side::Court => "法院",
            Side::Procuratorate => "检察院",
        }
    }
}

/// Where a proposal stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Waiting for one or both sides.
    Proposed,
    /// Returned by one side with its reason: not released.
    Returned,
    /// Approved by both: on the public page and in the similar-case library.
    Published,
}

impl Stage {
    pub fn of(court_approved: bool, procuratorate_approved: bool, returned: bool) -> Stage {
        if returned {
            Stage::Returned
        } else if court_approved && procuratorate_approved {
            Stage::Published
        } else {
            Stage::Proposed
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Proposed => "proposed",
            Stage::Returned => "returned",
            Stage::Published => "published",
        }
    }
    pub fn zh(self) -> &'static str {
        match self {
            Stage::Proposed => "待审核",
            Stage::Returned => "已退回",
            Stage::Published => "已联合发布",
        }
    }
}

/// Why an approval or a return is refused: a stable code and its Chinese reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub code: &'static str,
    pub zh: String,
}

fn refusal(code: &'static str, zh: impl Into<String>) -> Refusal {
    Refusal {
        code,
        zh: zh.into(),
    }
}

/// Whether `approver` may approve (or return) a proposal on `side`: it must still wait for that
/// side, and the proposer never approves their own proposal.
pub fn check_approval(
    stage: Stage,
    side_done: bool,
    side: Side,
    proposer: i64,
    approver: i64,
) -> Result<(), Refusal> {
    if stage != Stage::Proposed {
        return Err(refusal(
            "not_pending",
            format!("该典型案例{}，不能再审核", stage.zh()),
        ));
    }
    if side_done {
        return Err(refusal(
            "already_decided",
            format!("{}一方已审核同意", side.zh()),
        ));
    }
    if proposer == approver {
        return Err(refusal("own_proposal", "推荐人不能审核自己推荐的典型案例"));
    }
    Ok(())
}

// --- naming as published judgments do -----------------------------------------------------------

/// 复姓 that keep both characters.
const COMPOUND_SURNAMES: [&str; 28] = [
    "欧阳", "司马", "诸葛", "上官", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙", "宇文", "司徒",
    "夏侯", "轩辕", "令狐", "钟离", "端木", "独孤", "南宫", "西门", "呼延", "澹台", "公冶", "太史",
    "申屠", "闻人", "万俟", "司空",
];

const ORDINALS: [char; 10] = ['甲', '乙', '丙', '丁', '戊', '己', '庚', '辛', '壬', '癸'];

/// What a removed number reads as.
pub const REMOVED: &str = "××";

fn surname(name: &str) -> &str {
    if name.chars().count() >= 3
        && let Some(c) = COMPOUND_SURNAMES.iter().find(|c| name.starts_with(*c))
    {
        return c;
    }
    name.char_indices().nth(1).map_or(name, |(i, _)| &name[..i])
}

/// The names a text is rid of and what each becomes, from the case's parties.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Anonymiser {
    /// (as written, as published), the longest first.
    names: Vec<(String, String)>,
    /// The parties' identity numbers.
    numbers: Vec<String>,
}

impl Anonymiser {
    pub fn new(parties: &[Party]) -> Anonymiser {
        // Each natural person's base form (张某; a minor: 某某), in the order of the file.
        let mut people: Vec<(String, String)> = vec![];
        for p in parties {
            let name = p.name.trim();
            if p.kind != PartyKind::Natural
                || name.chars().count() < 2
                || people.iter().any(|(n, _)| n == name)
            {
                continue;
            }
            let base = if p.minor {
                "某某".to_string()
            } else {
                format!("{}某", surname(name))
            };
            people.push((name.to_string(), base));
        }
        // Two people who would read alike are told apart: 张某甲, 张某乙.
        let mut names = vec![];
        for (name, base) in &people {
            let same: Vec<&String> = people
                .iter()
                .filter(|(_, b)| b == base)
                .map(|(n, _)| n)
                .collect();
            let shown = if same.len() > 1 {
                let k = same.iter().position(|n| *n == name).unwrap_or(0);
                match ORDINALS.get(k) {
                    Some(o) => format!("{base}{o}"),
                    None => format!("{base}{}", k + 1),
                }
            } else {
                base.clone()
            };
            names.push((name.clone(), shown));
        }
        names.sort_by_key(|n| std::cmp::Reverse(n.0.chars().count()));
        let numbers = parties
            .iter()
            .filter_map(|p| p.id_number.clone())
            .filter(|n| !n.trim().is_empty())
            .collect();
        Anonymiser { names, numbers }
    }

    /// The names replaced and what they read as.
    pub fn names(&self) -> &[(String, String)] {
        &self.names
    }

    /// `text` with the parties' names replaced, their identity numbers and any identity number,
    /// mobile number or bank account removed. One pass: a replacement is never replaced again.
    pub fn apply(&self, text: &str) -> String {
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        'scan: while let Some(c) = rest.chars().next() {
            for (name, shown) in &self.names {
                if rest.starts_with(name.as_str()) {
                    out.push_str(shown);
                    rest = &rest[name.len()..];
                    continue 'scan;
                }
            }
            for n in &self.numbers {
                if rest.starts_with(n.as_str()) {
                    out.push_str(REMOVED);
                    rest = &rest[n.len()..];
                    continue 'scan;
                }
            }
            if c.is_ascii_digit() {
                let run = digit_run(rest);
                let digits = run.trim_end_matches(['X', 'x']).len();
                let removed = match (run.len(), digits) {
                    // 公民身份号码: 17 digits and a check character.
                    (18, 17 | 18) => true,
                    // A mobile number.
                    (11, 11) => run.starts_with('1'),
                    // A bank account.
                    (16..=19, d) => d == run.len(),
                    _ => false,
                };
                if removed {
                    out.push_str(REMOVED);
                } else {
                    out.push_str(run);
                }
                rest = &rest[run.len()..];
                continue;
            }
            out.push(c);
            rest = &rest[c.len_utf8()..];
        }
        out
    }

    /// The parties' full names still in `text` (empty once anonymised).
    pub fn residue(&self, text: &str) -> Vec<String> {
        self.names
            .iter()
            .filter(|(n, _)| text.contains(n.as_str()))
            .map(|(n, _)| n.clone())
            .collect()
    }
}

/// A run of ASCII digits with an identity number's trailing X.
fn digit_run(s: &str) -> &str {
    let digits = s.bytes().take_while(u8::is_ascii_digit).count();
    let x = usize::from(digits == 17 && matches!(s.as_bytes().get(17), Some(b'X' | b'x')));
    &s[..digits + x]
}

// --- a proposal ---------------------------------------------------------------------------------

/// A proposal as it is entered.
#[derive(Debug, Clone)]
pub struct ProposalInput<'a> {
    pub category: &'a str,
    pub title: &'a str,
    pub summary: &'a str,
    pub significance: &'a str,
    pub text: &'a str,
    /// The case's charges (a criminal case): what the similar-case library matches on.
    pub charges: &'a [String],
    pub case_closed: bool,
    pub confidentiality: Confidentiality,
}

/// A proposal that passed the checks, anonymised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proposal {
    pub category: String,
    pub title: String,
    pub summary: String,
    pub significance: String,
    pub text: String,
    pub charges: Vec<String>,
}

/// One reason a proposal is refused, with its form field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: &'static str,
    pub message: String,
}

fn length(
    errors: &mut Vec<FieldError>,
    field: &'static str,
    zh: &str,
    v: &str,
    min: usize,
    max: usize,
) {
    let n = v.chars().count();
    if n < min {
        errors.push(FieldError {
            field,
            message: if n == 0 {
                format!("请填写{zh}")
            } else {
                format!("{zh}至少 {min} 字（现 {n} 字）")
            },
        });
    } else if n > max {
        errors.push(FieldError {
            field,
            message: format!("{zh}不能超过 {max} 字（现 {n} 字）"),
        });
    }
}

/// Checks a proposal and names its parties as published judgments do. Only closed cases are
/// proposed, and never a case holding state or trade secrets; every problem is named with its
/// field.
pub fn check_proposal(
    rules: &Rules,
    input: &ProposalInput<'_>,
    anon: &Anonymiser,
) -> Result<Proposal, Vec<FieldError>> {
    let mut errors = vec![];
    if !input.case_closed {
        errors.push(FieldError {
            field: "case_number",
            message: "案件尚未结案：只能推荐已结案件作为典型案例".into(),
        });
    }
    if matches!(
        input.confidentiality,
        Confidentiality::StateSecret | Confidentiality::TradeSecret
    ) {
        errors.push(FieldError {
            field: "case_number",
            message: format!(
                "该案{}，不能作为典型案例公开发布",
                input.confidentiality.zh()
            ),
        });
    }
    if rules.category(input.category).is_none() {
        errors.push(FieldError {
            field: "category",
            message: if input.category.trim().is_empty() {
                "请选择典型案例类别".into()
            } else {
                format!("类别“{}”不在典型案例类别中", input.category)
            },
        });
    }
    let l = &rules.limits;
    let (title, summary, significance, text) = (
        input.title.trim(),
        input.summary.trim(),
        input.significance.trim(),
        input.text.trim(),
    );
    length(
        &mut errors,
        "title",
        "标题",
        title,
        l.title_min,
        l.title_max,
    );
    length(
        &mut errors,
        "summary",
        "基本案情",
        summary,
        l.summary_min,
        l.summary_max,
    );
    length(
        &mut errors,
        "significance",
        "典型意义",
        significance,
        l.significance_min,
        l.significance_max,
    );
    length(&mut errors, "text", "裁判文书", text, 0, l.text_max);
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(Proposal {
        category: input.category.to_string(),
        title: anon.apply(title),
        summary: anon.apply(summary),
        significance: anon.apply(significance),
        text: anon.apply(text),
        charges: input.charges.to_vec(),
    })
}

/// A return's reason: required, bounded.
pub fn check_reason(rules: &Rules, reason: &str) -> Result<String, Refusal> {
    let r = reason.trim();
    if r.is_empty() {
        return Err(refusal("note_required", "退回须写明理由"));
    }
    let n = r.chars().count();
    if n > rules.limits.reason_max {
        return Err(refusal(
            "field_too_long",
            format!(
                "退回理由不能超过 {} 字（现 {n} 字）",
                rules.limits.reason_max
            ),
        ));
    }
    Ok(r.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn party(name: &str, kind: PartyKind, minor: bool, id: Option<&str>) -> Party {
        Party {
            name: name.into(),
            role: "被执行人".into(),
            kind,
            minor,
            id_number: id.map(str::to_string),
        }
    }

    #[test]
    fn shipped_rules_parse() {
        let r = rules();
        assert!(r.category("refusal_to_execute").is_some());
        assert!(r.limits.title_min <= r.limits.title_max);
        assert!(Rules::parse("[limits]\ntitle_min=1\ntitle_max=2\nsummary_min=1\nsummary_max=2\nsignificance_min=1\nsignificance_max=2\ntext_max=1\nreason_max=1\ncategories=[]").is_err());
    }

    #[test]
    fn names_follow_the_publication_rules() {
        let a = Anonymiser::new(&[
            party(
                "张三",
                PartyKind::Natural,
                false,
                Some("330102199001011234"),
            ),
            party("张四海", PartyKind::Natural, false, None),
            party("欧阳明月", PartyKind::Natural, false, None),
            party("李小红", PartyKind::Natural, true, None),
            party("杭州某某建材有限公司", PartyKind::Legal, false, None),
        ]);
        let t = a.apply(
            "申请执行人张三与被执行人张四海、欧阳明月、李小红及杭州某某建材有限公司，张三身份证号330102199001011234，张四海电话13912345678，账户6222021234567890123，标的额120000元。",
        );
        assert_eq!(
            t,
            "申请执行人张某甲与被执行人张某乙、欧阳某、某某及杭州某某建材有限公司，张某甲身份证号××，张某乙电话××，账户××，标的额120000元。"
        );
        assert!(a.residue(&t).is_empty());
        assert_eq!(a.residue("张四海到庭"), vec!["张四海".to_string()]);
    }

    #[test]
    fn a_replacement_is_not_replaced_again_and_longer_names_win() {
        let a = Anonymiser::new(&[
            party("王五", PartyKind::Natural, false, None),
            party("王五一", PartyKind::Natural, false, None),
        ]);
        assert_eq!(a.apply("王五一与王五"), "王某乙与王某甲");
    }

    #[test]
    fn numbers_that_identify_no_one_stay() {
        let a = Anonymiser::new(&[]);
        assert_eq!(
            a.apply("案号（2026）浙0102执123号，金额12345678901元，编号23456789012"),
            "案号（2026）浙0102执123号，金额××元，编号23456789012"
        );
        assert_eq!(a.apply("11010519491231002X号"), "××号");
    }

    fn input<'a>(title: &'a str, summary: &'a str) -> ProposalInput<'a> {
        ProposalInput {
            category: "refusal_to_execute",
            title,
            summary,
            significance: "本案依法惩治拒执犯罪，彰显了司法权威，具有警示教育意义。",
            text: "",
            charges: &[],
            case_closed: true,
            confidentiality: Confidentiality::Public,
        }
    }

    #[test]
    fn a_proposal_is_checked_and_anonymised() {
        let a = Anonymiser::new(&[party("赵六", PartyKind::Natural, false, None)]);
        let p = check_proposal(
            rules(),
            &input(
                "赵六拒不执行判决案",
                "被执行人赵六有能力履行而拒不履行生效判决确定的给付义务，转移财产，经移送公安机关立案侦查后被判处刑罚。",
            ),
            &a,
        )
        .unwrap();
        assert_eq!(p.title, "赵某拒不执行判决案");
        assert!(!p.summary.contains("赵六"));

        let mut i = input("短", "");
        i.case_closed = false;
        i.confidentiality = Confidentiality::StateSecret;
        i.category = "nope";
        let errs = check_proposal(rules(), &i, &a).unwrap_err();
        let fields: Vec<_> = errs.iter().map(|e| e.field).collect();
        assert_eq!(
            fields,
            vec!["case_number", "case_number", "category", "title", "summary"]
        );
        assert!(errs[0].message.contains("尚未结案"));
    }

    #[test]
    fn approvals_need_both_sides_and_another_person() {
        assert_eq!(Stage::of(true, false, false), Stage::Proposed);
        assert_eq!(Stage::of(true, true, false), Stage::Published);
        assert_eq!(Stage::of(true, false, true), Stage::Returned);
        assert!(check_approval(Stage::Proposed, false, Side::Court, 1, 2).is_ok());
        assert_eq!(
            check_approval(Stage::Proposed, false, Side::Court, 2, 2)
                .unwrap_err()
                .code,
            "own_proposal"
        );
        assert_eq!(
            check_approval(Stage::Proposed, true, Side::Court, 1, 2)
                .unwrap_err()
                .code,
            "already_decided"
        );
        assert_eq!(
            check_approval(Stage::Returned, false, Side::Court, 1, 2)
                .unwrap_err()
                .code,
            "not_pending"
        );
        use crate::access::{approves_typical_cases, proposes_typical_cases};
        use crate::org::Role;
        assert!(approves_typical_cases(
            Role::President,
            AgencyKind::Procuratorate
        ));
        assert!(!approves_typical_cases(Role::Judge, AgencyKind::Court));
        assert!(!proposes_typical_cases(Role::Judge, AgencyKind::Police));
        assert_eq!(
            check_reason(rules(), " ").unwrap_err().code,
            "note_required"
        );
    }
}
