//! 四类案件 flags (RULES.md §5): the categories and situations of 法发〔2021〕30号 and the rules
//! that flag a case automatically, as data (`rules/flag-rules.toml`).
//!
//! A rule is a conjunction of conditions over the case's folded state (cause and charges, claim
//! amount, number of parties, complaints about the judge, confidentiality, kind) and, optionally,
//! the organisations it applies to (a court's own extension of the national baseline). Evaluation
//! is a pure function of the state: ingest calls it for every case a chunk touched, and a flag once
//! raised stays until someone clears it by hand with a reason (the record of why it was raised is
//! part of the case file, RULES.md §5.4).

use crate::case::Confidentiality;
use crate::case_type::CaseKind;
use crate::event::CaseState;
use crate::rules::{Marker, RuleError, field};
use serde::Deserialize;
use std::collections::HashSet;

/// The flag rules shipped with Tianping.
pub const FLAG_RULES_TOML: &str = include_str!("../../../rules/flag-rules.toml");

/// One of the four categories (法发〔2021〕30号 art. 2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Category {
    pub number: u8,
    pub zh: String,
    pub citation: String,
    pub marker: Marker,
}

/// An enumerated situation of a category (arts. 3–6), or a court's own extension.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Situation {
    pub code: String,
    pub category: u8,
    pub zh: String,
    pub citation: String,
    pub marker: Marker,
}

/// A detection rule: every condition that is set must hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlagRule {
    pub id: String,
    pub situation: String,
    pub cause_keywords: Vec<String>,
    pub min_claim_amount_yuan: Option<i64>,
    pub min_parties: Option<u32>,
    pub min_complaints: Option<u32>,
    pub confidentiality: Vec<Confidentiality>,
    pub kinds: Vec<CaseKind>,
    /// Organisation ids whose subtrees the rule applies to; empty: everywhere.
    pub orgs: Vec<String>,
    pub citation: String,
    pub marker: Marker,
}

/// The parsed rule file.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FlagRules {
    pub version: String,
    pub categories: Vec<Category>,
    pub situations: Vec<Situation>,
    pub rules: Vec<FlagRule>,
}

/// A rule that matched: which situation, by which rule, and why in words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlagHit {
    pub situation: String,
    pub rule: String,
    pub reason: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    version: String,
    #[serde(default)]
    category: Vec<RawCategory>,
    #[serde(default)]
    situation: Vec<RawSituation>,
    #[serde(default)]
    rule: Vec<RawRule>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCategory {
    number: u8,
    zh: String,
    citation: String,
    marker: Marker,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSituation {
    code: String,
    category: u8,
    zh: String,
    citation: String,
    marker: Marker,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    id: String,
    situation: String,
    #[serde(default)]
    cause_keywords: Vec<String>,
    min_claim_amount_yuan: Option<i64>,
    min_parties: Option<u32>,
    min_complaints: Option<u32>,
    #[serde(default)]
    confidentiality: Vec<String>,
    #[serde(default)]
    kinds: Vec<String>,
    #[serde(default)]
    orgs: Vec<String>,
    citation: String,
    marker: Marker,
}

impl FlagRules {
    /// The shipped rules. They are checked by a test, so this cannot fail in a release.
    pub fn builtin() -> Result<FlagRules, RuleError> {
        FlagRules::parse(FLAG_RULES_TOML)
    }

    /// What the rules decide, as a short hash: two rule sets with the same fingerprint raise the
    /// same flags on the same case (the situations' and categories' wording is left out).
    pub fn fingerprint(&self) -> String {
        crate::fnv64_hex(&format!("{:?}", self.rules))
    }

    /// No rules at all (flagging off; situations stay known for manual flags).
    pub fn without_rules(mut self) -> FlagRules {
        self.rules.clear();
        self
    }

    /// Parses and checks a rule file; every refusal names the rule (or situation) and the field.
    pub fn parse(text: &str) -> Result<FlagRules, RuleError> {
        let raw: RawFile = toml::from_str(text).map_err(|e| RuleError::Syntax(e.to_string()))?;
        if raw.version.trim().is_empty() {
            return Err(field("(file)", "version", "must not be empty"));
        }
        let mut categories = vec![];
        for c in raw.category {
            let name = format!("category {}", c.number);
            if !(1..=4).contains(&c.number) {
                return Err(field(&name, "number", "must be 1, 2, 3 or 4"));
            }
            if categories.iter().any(|k: &Category| k.number == c.number) {
                return Err(field(&name, "number", "defined twice"));
            }
            if c.citation.trim().is_empty() {
                return Err(field(&name, "citation", "must not be empty"));
            }
            categories.push(Category {
                number: c.number,
                zh: c.zh,
                citation: c.citation,
                marker: c.marker,
            });
        }
        let mut situations: Vec<Situation> = vec![];
        for s in raw.situation {
            if s.code.trim().is_empty() {
                return Err(field("(situation)", "code", "must not be empty"));
            }
            if situations.iter().any(|k| k.code == s.code) {
                return Err(field(&s.code, "code", "defined twice"));
            }
            if !categories.iter().any(|c| c.number == s.category) {
                return Err(field(
                    &s.code,
                    "category",
                    format!("category {} is not defined", s.category),
                ));
            }
            if s.citation.trim().is_empty() {
                return Err(field(&s.code, "citation", "must not be empty"));
            }
            situations.push(Situation {
                code: s.code,
                category: s.category,
                zh: s.zh,
                citation: s.citation,
                marker: s.marker,
            });
        }
        let mut rules: Vec<FlagRule> = vec![];
        let mut ids = HashSet::new();
        for r in raw.rule {
            if r.id.trim().is_empty() {
                return Err(field("(rule)", "id", "must not be empty"));
            }
            if !ids.insert(r.id.clone()) {
                return Err(field(&r.id, "id", "defined twice"));
            }
            if !situations.iter().any(|s| s.code == r.situation) {
                return Err(field(
                    &r.id,
                    "situation",
                    format!("situation `{}` is not defined", r.situation),
                ));
            }
            if r.citation.trim().is_empty() {
                return Err(field(&r.id, "citation", "must not be empty"));
            }
            if r.cause_keywords.iter().any(|k| k.trim().is_empty()) {
                return Err(field(&r.id, "cause_keywords", "contains an empty keyword"));
            }
            let mut confidentiality = vec![];
            for c in &r.confidentiality {
                confidentiality.push(Confidentiality::parse(c).ok_or_else(|| {
                    field(&r.id, "confidentiality", format!("unknown level `{c}`"))
                })?);
            }
            let mut kinds = vec![];
            for k in &r.kinds {
                kinds
                    .push(CaseKind::parse(k).ok_or_else(|| {
                        field(&r.id, "kinds", format!("unknown case kind `{k}`"))
                    })?);
            }
            let conditions = !r.cause_keywords.is_empty()
                || r.min_claim_amount_yuan.is_some()
                || r.min_parties.is_some()
                || r.min_complaints.is_some()
                || !confidentiality.is_empty();
            if !conditions {
                return Err(field(
                    &r.id,
                    "(conditions)",
                    "a rule needs at least one condition on the case (cause_keywords, min_claim_amount_yuan, min_parties, min_complaints or confidentiality)",
                ));
            }
            rules.push(FlagRule {
                id: r.id,
                situation: r.situation,
                cause_keywords: r.cause_keywords,
                min_claim_amount_yuan: r.min_claim_amount_yuan,
                min_parties: r.min_parties,
                min_complaints: r.min_complaints,
                confidentiality,
                kinds,
                orgs: r.orgs,
                citation: r.citation,
                marker: r.marker,
            });
        }
        Ok(FlagRules {
            version: raw.version,
            categories,
            situations,
            rules,
        })
    }

    pub fn situation(&self, code: &str) -> Option<&Situation> {
        self.situations.iter().find(|s| s.code == code)
    }

    pub fn category(&self, number: u8) -> Option<&Category> {
        self.categories.iter().find(|c| c.number == number)
    }

    /// The situations a case meets, one hit per situation (the first matching rule in file
    /// order). `in_org(id)` says whether the case belongs to organisation `id` or its subtree.
    pub fn evaluate(&self, state: &CaseState, in_org: &dyn Fn(&str) -> bool) -> Vec<FlagHit> {
        let mut hits: Vec<FlagHit> = vec![];
        for r in &self.rules {
            if hits.iter().any(|h| h.situation == r.situation) {
                continue;
            }
            if let Some(reason) = r.check(state, in_org) {
                hits.push(FlagHit {
                    situation: r.situation.clone(),
                    rule: r.id.clone(),
                    reason,
                });
            }
        }
        hits
    }
}

impl FlagRule {
    /// The reason in words when every condition holds.
    fn check(&self, s: &CaseState, in_org: &dyn Fn(&str) -> bool) -> Option<String> {
        if !self.kinds.is_empty() && !self.kinds.contains(&s.kind) {
            return None;
        }
        if !self.orgs.is_empty() && !self.orgs.iter().any(|o| in_org(o)) {
            return None;
        }
        let mut why = vec![];
        if !self.cause_keywords.is_empty() {
            let hit = self.cause_keywords.iter().find(|k| {
                s.cause.contains(k.as_str()) || s.charges.iter().any(|c| c.contains(k.as_str()))
            })?;
            why.push(format!("案由或罪名含“{hit}”"));
        }
        if let Some(min) = self.min_claim_amount_yuan {
            let amount = s.claim_amount_yuan.filter(|a| *a >= min)?;
            why.push(format!(
                "标的额 {} 元，达到 {} 元",
                thousands(amount),
                thousands(min)
            ));
        }
        if let Some(min) = self.min_parties {
            let n = s.parties.len() as u32;
            if n < min {
                return None;
            }
            why.push(format!("当事人 {n} 人，达到 {min} 人"));
        }
        if let Some(min) = self.min_complaints {
            if s.complaints < min {
                return None;
            }
            why.push(format!(
                "收到反映法官违法审判行为的投诉 {} 件",
                s.complaints
            ));
        }
        if !self.confidentiality.is_empty() {
            if !self.confidentiality.contains(&s.confidentiality) {
                return None;
            }
            why.push(format!("案件密级：{}", s.confidentiality.zh()));
        }
        // The rule's id is kept with the flag (`rule`); the reason is what a person reads.
        Some(why.join("；"))
    }
}

/// 1234567 → "1,234,567".
fn thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 { format!("-{out}") } else { out }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::case::{Party, PartyKind};
    use crate::case_type::Procedure;
    use crate::event::Filing;
    use chrono::{TimeZone, Utc};

    fn case(kind: CaseKind, cause: &str) -> CaseState {
        let at = Utc
            .with_ymd_and_hms(2026, 3, 2, 1, 0, 0)
            .single()
            .expect("date");
        let f = Filing {
            cause: cause.into(),
            ..Filing::default()
        };
        CaseState::open(&f, kind, Procedure::FirstInstance, None, at, at).expect("opens")
    }

    fn rules() -> FlagRules {
        FlagRules::builtin().expect("shipped flag rules parse")
    }

    fn situations(s: &CaseState) -> Vec<String> {
        rules()
            .evaluate(s, &|_| false)
            .into_iter()
            .map(|h| h.situation)
            .collect()
    }

    #[test]
    fn shipped_rules_parse_and_every_situation_of_rules_md_5_1_is_there() {
        let r = rules();
        for code in [
            "1.public_interest",
            "1.fact_or_law_dispute",
            "1.first_case",
            "1.guiding",
            "1.sensitive",
            "2.many_parties",
            "2.public_attention",
            "2.demonstration",
            "2.industry_impact",
            "3.similar_conflict",
            "4.judge_misconduct",
        ] {
            assert!(r.situation(code).is_some(), "{code}");
        }
        for n in 1..=4 {
            assert!(r.category(n).is_some());
        }
        assert!(r.rules.iter().all(|x| !x.citation.is_empty()));
    }

    #[test]
    fn the_fingerprint_follows_the_rules_not_their_wording() {
        let shipped = rules();
        let mut reworded = rules();
        reworded.version = "另一版".into();
        reworded.situations[0].zh = "另一种说法".into();
        assert_eq!(shipped.fingerprint(), reworded.fingerprint());
        let mut lowered = rules();
        let r = lowered
            .rules
            .iter_mut()
            .find(|r| r.min_claim_amount_yuan.is_some())
            .expect("a claim threshold rule is shipped");
        r.min_claim_amount_yuan = r.min_claim_amount_yuan.map(|y| y / 2);
        assert_ne!(shipped.fingerprint(), lowered.fingerprint());
        assert_ne!(shipped.fingerprint(), rules().without_rules().fingerprint());
    }

    #[test]
    fn an_ordinary_case_is_not_flagged() {
        assert!(situations(&case(CaseKind::Civil, "民间借贷纠纷")).is_empty());
    }

    #[test]
    fn sensitive_causes_flag_1_sensitive() {
        let s = case(
            CaseKind::Criminal,
            "为境外窃取、刺探、收买、非法提供国家秘密、情报罪",
        );
        assert!(situations(&s).is_empty(), "no keyword in this cause");
        let s = case(CaseKind::Criminal, "间谍罪");
        let hits = rules().evaluate(&s, &|_| false);
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].situation, "1.sensitive");
        assert_eq!(hits[0].rule, "sensitive-causes");
        assert!(hits[0].reason.contains("间谍"), "{}", hits[0].reason);
    }

    #[test]
    fn state_secret_cases_flag_1_sensitive() {
        let mut s = case(CaseKind::Criminal, "故意杀人罪");
        s.confidentiality = Confidentiality::StateSecret;
        let hits = rules().evaluate(&s, &|_| false);
        assert_eq!(hits[0].rule, "state-secret");
    }

    #[test]
    fn public_interest_litigation_flags_1_public_interest() {
        let s = case(CaseKind::Civil, "环境民事公益诉讼");
        assert_eq!(situations(&s), ["1.public_interest"]);
    }

    #[test]
    fn a_claim_at_the_threshold_flags_1_major_and_one_below_does_not() {
        let mut s = case(CaseKind::Civil, "建设工程施工合同纠纷");
        s.claim_amount_yuan = Some(99_999_999);
        assert!(situations(&s).is_empty());
        s.claim_amount_yuan = Some(100_000_000);
        let hits = rules().evaluate(&s, &|_| false);
        assert_eq!(hits[0].situation, "1.major");
        assert!(hits[0].reason.contains("100,000,000"), "{}", hits[0].reason);
    }

    #[test]
    fn ten_parties_flag_2_many_parties() {
        let mut s = case(CaseKind::Civil, "劳动争议");
        let p = |i: usize| Party {
            name: format!("当事人{i}"),
            role: "原告".into(),
            kind: PartyKind::Natural,
            minor: false,
            id_number: None,
        };
        s.parties = (0..9).map(p).collect();
        assert!(situations(&s).is_empty());
        s.parties.push(p(9));
        assert_eq!(situations(&s), ["2.many_parties"]);
    }

    #[test]
    fn mass_victim_crimes_flag_2_many_parties_once() {
        let mut s = case(CaseKind::Criminal, "非法吸收公众存款罪");
        s.charges = vec!["集资诈骗罪".into()];
        let hits = rules().evaluate(&s, &|_| false);
        assert_eq!(hits.len(), 1, "one hit per situation");
        assert_eq!(hits[0].rule, "mass-victim-crimes");
    }

    #[test]
    fn a_complaint_about_the_judge_flags_4() {
        let mut s = case(CaseKind::Civil, "买卖合同纠纷");
        s.complaints = 1;
        assert_eq!(situations(&s), ["4.judge_misconduct"]);
    }

    #[test]
    fn gang_crime_extension_applies_to_criminal_cases_only() {
        let s = case(CaseKind::Criminal, "组织、领导、参加黑社会性质组织罪");
        assert_eq!(situations(&s), ["local.gang_crime"]);
        let s = case(CaseKind::Civil, "恶势力侵权纠纷");
        assert!(situations(&s).is_empty());
    }

    #[test]
    fn a_court_extension_applies_only_inside_its_organisations() {
        let text = FLAG_RULES_TOML.to_string()
            + "\n[[rule]]\nid = \"local-land\"\nsituation = \"2.industry_impact\"\ncause_keywords = [\"土地承包\"]\norgs = [\"C1\"]\ncitation = \"本院细则\"\nmarker = \"U\"\n";
        let r = FlagRules::parse(&text).expect("parses");
        let s = case(CaseKind::Civil, "土地承包经营权纠纷");
        assert!(r.evaluate(&s, &|o| o == "C2").is_empty());
        assert_eq!(r.evaluate(&s, &|o| o == "C1")[0].rule, "local-land");
    }

    #[test]
    fn bad_rule_files_name_the_rule_and_field() {
        let base = "version = \"v\"\n[[category]]\nnumber = 1\nzh = \"x\"\ncitation = \"c\"\nmarker = \"S\"\n[[situation]]\ncode = \"1.a\"\ncategory = 1\nzh = \"a\"\ncitation = \"c\"\nmarker = \"S\"\n";
        let cases = [
            (
                "[[rule]]\nid = \"r\"\nsituation = \"9.x\"\nmin_parties = 3\ncitation = \"c\"\nmarker = \"U\"\n",
                "rule `r`, field `situation`",
            ),
            (
                "[[rule]]\nid = \"r\"\nsituation = \"1.a\"\ncitation = \"c\"\nmarker = \"U\"\n",
                "rule `r`, field `(conditions)`",
            ),
            (
                "[[rule]]\nid = \"r\"\nsituation = \"1.a\"\nkinds = [\"civl\"]\nmin_parties = 3\ncitation = \"c\"\nmarker = \"U\"\n",
                "rule `r`, field `kinds`: unknown case kind `civl`",
            ),
            (
                "[[rule]]\nid = \"r\"\nsituation = \"1.a\"\nmin_parties = 3\ncitation = \" \"\nmarker = \"U\"\n",
                "rule `r`, field `citation`",
            ),
        ];
        for (extra, want) in cases {
            let e = FlagRules::parse(&format!("{base}{extra}")).expect_err(extra);
            assert!(e.to_string().contains(want), "{e} / {want}");
        }
        let e = FlagRules::parse("version = \"v\"\n[[situation]]\ncode = \"1.a\"\ncategory = 1\nzh = \"a\"\ncitation = \"c\"\nmarker = \"S\"\n").expect_err("no category");
        assert!(
            e.to_string().contains("rule `1.a`, field `category`"),
            "{e}"
        );
        assert!(matches!(
            FlagRules::parse("version = 1"),
            Err(RuleError::Syntax(_))
        ));
    }

    #[test]
    fn thousands_groups_digits() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(-1234567), "-1,234,567");
    }
}
