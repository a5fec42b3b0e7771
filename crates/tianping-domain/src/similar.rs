//! 类案检索 rules: when a retrieval report is mandatory on a case (triggers, as data) and when a
//! decided term lies outside the range of the closest similar judgments (deviation warning).

use crate::judgment::{Penalty, Sentence};
use crate::rules::{Marker, RuleError};
use serde::Deserialize;

/// The retrieval rules shipped with Tianping.
pub const SIMILAR_TOML: &str = include_str!("../../../rules/similar.toml");

/// A situation in which a retrieval report is mandatory.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Trigger {
    pub code: String,
    pub zh: String,
    /// 四类案件 situation codes whose active flag fires the trigger; `*`: any.
    pub situations: Vec<String>,
    pub citation: String,
    pub marker: Marker,
}

impl Trigger {
    /// The citation as a reader reads it ([`crate::citation::zh`]).
    pub fn citation_zh(&self) -> String {
        crate::citation::zh(&self.citation)
    }
}

/// When a decided term is compared with similar judgments.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeviationRule {
    /// How many of the closest judgments with a comparable term make the range.
    pub compare: usize,
    /// No warning with fewer comparable judgments than this.
    pub min_peers: usize,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SimilarRules {
    pub version: String,
    #[serde(rename = "trigger", default)]
    pub triggers: Vec<Trigger>,
    pub deviation: DeviationRule,
    pub conflict: ConflictRule,
}

/// When the closest similar rulings of the court and its superior diverge (类案冲突).
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConflictRule {
    pub compare: usize,
    pub min_score_share: f64,
    pub ratio: f64,
    pub min_gap_months: u32,
    pub marker: Marker,
}

/// What a similar ruling imposed for a charge, as the conflict check compares it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Imposed {
    /// No custodial term served: 免予刑事处罚, a fine or 管制 alone, or a term suspended (缓刑).
    NotServed,
    /// A custodial term served (有期徒刑 or 拘役), months.
    Served(u32),
}

impl Imposed {
    /// What a judgment imposed for `charge` (as [`term_for`] reads the sentence), if read.
    pub fn of(sentences: &[Sentence], charges: &[String], charge: &str) -> Option<Imposed> {
        let single: Vec<&Sentence> = sentences.iter().filter(|s| !s.combined).collect();
        let s = single
            .iter()
            .find(|s| s.charge.as_deref() == Some(charge))
            .or_else(|| {
                (charges.len() == 1 && charges[0] == charge && single.len() == 1)
                    .then(|| &single[0])
            })?;
        Some(match s.penalty {
            Penalty::FixedTerm { months } | Penalty::Detention { months }
                if s.probation_months.is_none() =>
            {
                Imposed::Served(months)
            }
            Penalty::FixedTerm { .. } | Penalty::Detention { .. } | Penalty::None => {
                Imposed::NotServed
            }
            _ => return None,
        })
    }
}

/// Similar rulings of the court or its superior that diverge: the most lenient and the most
/// severe, each with its id and what it imposed, closest first.
#[derive(Debug, Clone, PartialEq)]
pub struct Conflict {
    pub charge: String,
    pub lenient: (i64, Imposed),
    pub severe: (i64, Imposed),
    /// Every ruling compared (id, imposed), closest first.
    pub compared: Vec<(i64, Imposed)>,
}

impl ConflictRule {
    /// `peers`: the court's and its superior's judgments for `charge`, closest first, as (id,
    /// score, imposed).
    pub fn check(&self, charge: &str, peers: &[(i64, f64, Imposed)]) -> Option<Conflict> {
        let best = peers.first()?.1;
        let compared: Vec<(i64, Imposed)> = peers
            .iter()
            .filter(|p| p.1 >= best * self.min_score_share)
            .take(self.compare)
            .map(|p| (p.0, p.2))
            .collect();
        if compared.len() < 2 {
            return None;
        }
        let severity = |i: &Imposed| match i {
            Imposed::NotServed => 0,
            Imposed::Served(m) => *m + 1,
        };
        let lenient = *compared.iter().min_by_key(|p| severity(&p.1))?;
        let severe = *compared.iter().max_by_key(|p| severity(&p.1))?;
        let diverge = match (lenient.1, severe.1) {
            (Imposed::NotServed, Imposed::Served(_)) => true,
            (Imposed::Served(a), Imposed::Served(b)) => {
                f64::from(b) >= f64::from(a) * self.ratio
                    && b.saturating_sub(a) >= self.min_gap_months
            }
            _ => false,
        };
        diverge.then(|| Conflict {
            charge: charge.to_string(),
            lenient,
            severe,
            compared,
        })
    }
}

fn field(rule: &str, field: &'static str, problem: &str) -> RuleError {
    RuleError::Field {
        rule: rule.to_string(),
        field,
        problem: problem.to_string(),
    }
}

impl SimilarRules {
    pub fn shipped() -> SimilarRules {
        #[allow(clippy::expect_used)]
        SimilarRules::parse(SIMILAR_TOML).expect("rules/similar.toml is checked by its test")
    }

    /// Parses and checks a rules file; a refusal names the trigger and the field.
    pub fn parse(text: &str) -> Result<SimilarRules, RuleError> {
        let r: SimilarRules = toml::from_str(text).map_err(|e| RuleError::Syntax(e.to_string()))?;
        if r.version.trim().is_empty() {
            return Err(field("(file)", "version", "must not be empty"));
        }
        for (i, t) in r.triggers.iter().enumerate() {
            let name = if t.code.trim().is_empty() {
                format!("trigger #{}", i + 1)
            } else {
                t.code.clone()
            };
            if t.code.trim().is_empty() {
                return Err(field(&name, "code", "must not be empty"));
            }
            if r.triggers[..i].iter().any(|o| o.code == t.code) {
                return Err(field(&name, "code", "defined twice"));
            }
            if t.situations.is_empty() {
                return Err(field(&name, "situations", "must name a situation or \"*\""));
            }
            if t.citation.trim().is_empty() {
                return Err(field(&name, "citation", "must not be empty"));
            }
        }
        if r.deviation.compare == 0 || r.deviation.min_peers == 0 {
            return Err(field(
                "deviation",
                "compare",
                "compare and min_peers must be ≥ 1",
            ));
        }
        if r.deviation.min_peers > r.deviation.compare {
            return Err(field("deviation", "min_peers", "must not exceed compare"));
        }
        let c = &r.conflict;
        if c.compare < 2 {
            return Err(field("conflict", "compare", "must be ≥ 2"));
        }
        if !(c.min_score_share > 0.0 && c.min_score_share <= 1.0) {
            return Err(field("conflict", "min_score_share", "must lie in (0, 1]"));
        }
        if c.ratio.is_nan() || c.ratio < 1.0 {
            return Err(field("conflict", "ratio", "must be ≥ 1"));
        }
        Ok(r)
    }

    /// The triggers fired by a case's active 四类案件 situations.
    pub fn due<'a>(&'a self, situations: &[&str]) -> Vec<&'a Trigger> {
        self.triggers
            .iter()
            .filter(|t| {
                t.situations.iter().any(|s| {
                    (s == "*" && !situations.is_empty()) || situations.contains(&s.as_str())
                })
            })
            .collect()
    }
}

/// The custodial term (有期徒刑 or 拘役, months) a judgment imposed for `charge`: the sentence
/// naming that charge, else the only sentence of a judgment convicting of that charge alone.
pub fn term_for(sentences: &[Sentence], charges: &[String], charge: &str) -> Option<u32> {
    let months = |s: &Sentence| match s.penalty {
        Penalty::FixedTerm { months } | Penalty::Detention { months } => Some(months),
        _ => None,
    };
    if let Some(s) = sentences
        .iter()
        .find(|s| !s.combined && s.charge.as_deref() == Some(charge))
    {
        return months(s);
    }
    let single: Vec<&Sentence> = sentences.iter().filter(|s| !s.combined).collect();
    if charges.len() == 1 && charges[0] == charge && single.len() == 1 {
        return months(single[0]);
    }
    None
}

/// A decided term outside the range of the closest similar judgments' terms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deviation {
    pub charge: String,
    pub decided_months: u32,
    pub low: u32,
    pub high: u32,
    /// The judgments compared (id, months), closest first.
    pub peers: Vec<(i64, u32)>,
    pub above: bool,
}

impl DeviationRule {
    /// `peers`: judgments' terms for `charge`, closest first (those without one already left out).
    pub fn check(
        &self,
        charge: &str,
        decided_months: u32,
        peers: &[(i64, u32)],
    ) -> Option<Deviation> {
        let peers: Vec<(i64, u32)> = peers.iter().take(self.compare).copied().collect();
        if peers.len() < self.min_peers {
            return None;
        }
        let low = peers.iter().map(|p| p.1).min()?;
        let high = peers.iter().map(|p| p.1).max()?;
        (decided_months < low || decided_months > high).then(|| Deviation {
            charge: charge.to_string(),
            decided_months,
            low,
            high,
            peers,
            above: decided_months > high,
        })
    }
}

/// Where a similar case stands in the order the SPC's 类案检索 guidance searches and reports them
/// (《最高人民法院关于统一法律适用加强类案检索的指导意见（试行）》第四条): 指导性案例 first —
/// they must be referred to (第九条) —, then typical cases and the Supreme Court's judgments, the
/// province's high court, the court's own and its superior's, and last other courts'.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SourceTier {
    Guiding,
    Typical,
    ProvinceHigh,
    OwnOrSuperior,
    Other,
}

impl SourceTier {
    pub const ALL: [SourceTier; 5] = [
        SourceTier::Guiding,
        SourceTier::Typical,
        SourceTier::ProvinceHigh,
        SourceTier::OwnOrSuperior,
        SourceTier::Other,
    ];
    pub fn code(self) -> &'static str {
        match self {
            SourceTier::Guiding => "guiding",
            SourceTier::Typical => "typical",
            SourceTier::ProvinceHigh => "province_high",
            SourceTier::OwnOrSuperior => "own_or_superior",
            SourceTier::Other => "other",
        }
    }
    pub fn from_code(s: &str) -> Option<SourceTier> {
        SourceTier::ALL.into_iter().find(|t| t.code() == s)
    }
    pub fn zh(self) -> &'static str {
        match self {
            SourceTier::Guiding => "指导性案例（应当参照）",
            SourceTier::Typical => "典型案例及最高人民法院裁判的案件",
            SourceTier::ProvinceHigh => "本省高级人民法院裁判的案件",
            SourceTier::OwnOrSuperior => "本院及上一级人民法院裁判的案件",
            SourceTier::Other => "其他法院裁判的案件（供参考）",
        }
    }
}

/// The courts a case's retrieval is placed against: its own, its superior and its province's
/// high court (names as the organisation tree holds them).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Courts {
    pub own: String,
    pub superior: Option<String>,
    pub province_high: Option<String>,
}

/// A court's name without its province (浙江省杭州市中级人民法院 → 杭州市中级人民法院): published
/// judgments name it in full, the organisation tree often without.
fn without_province(name: &str) -> &str {
    for mark in ["自治区", "省"] {
        if let Some(i) = name.find(mark) {
            let rest = &name[i + mark.len()..];
            if i <= 4 * 3 + 3 && rest.contains("法院") && !rest.starts_with("高级") {
                return rest;
            }
        }
    }
    name
}

/// The province a court's name starts with (浙江省…, 广西壮族自治区…, 北京市…), if it does.
fn province_of(name: &str) -> Option<&str> {
    for mark in ["自治区", "省"] {
        if let Some(i) = name.find(mark)
            && i <= 7 * 3
        {
            return Some(&name[..i + mark.len()]);
        }
    }
    ["北京市", "天津市", "上海市", "重庆市"]
        .into_iter()
        .find(|m| name.starts_with(m))
}

fn same_court(a: &str, b: &str) -> bool {
    !a.is_empty() && without_province(a) == without_province(b)
}

/// The tier of a similar case: by its source (`guiding`, `typical`) and its court.
pub fn source_tier(source: &str, court: Option<&str>, courts: &Courts) -> SourceTier {
    match source {
        "guiding" => return SourceTier::Guiding,
        "typical" => return SourceTier::Typical,
        _ => {}
    }
    let Some(court) = court.filter(|c| !c.trim().is_empty()) else {
        return SourceTier::Other;
    };
    if court.starts_with("最高人民法院") {
        return SourceTier::Typical;
    }
    if same_court(court, &courts.own)
        || courts
            .superior
            .as_deref()
            .is_some_and(|s| same_court(court, s))
    {
        return SourceTier::OwnOrSuperior;
    }
    if let Some(high) = &courts.province_high
        && (court == high
            || court.ends_with("高级人民法院")
                && province_of(court).is_some()
                && province_of(court) == province_of(high))
    {
        return SourceTier::ProvinceHigh;
    }
    SourceTier::Other
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_rules_parse_and_fire_on_their_situations() {
        let r = SimilarRules::shipped();
        assert!(r.triggers.iter().all(|t| t.marker == Marker::U));
        assert!(r.due(&[]).is_empty());
        let codes: Vec<&str> = r
            .due(&["1.first_case"])
            .iter()
            .map(|t| t.code.as_str())
            .collect();
        assert_eq!(codes, ["four_kinds", "new_type"]);
        let codes: Vec<&str> = r
            .due(&["2.many_parties"])
            .iter()
            .map(|t| t.code.as_str())
            .collect();
        assert_eq!(codes, ["four_kinds"]);
    }

    #[test]
    fn a_bad_rules_file_names_the_trigger_and_field() {
        let bad = SIMILAR_TOML.replace("situations = [\"1.first_case\"]", "situations = []");
        let e = SimilarRules::parse(&bad).unwrap_err().to_string();
        assert!(e.contains("new_type") && e.contains("situations"), "{e}");
        let bad = SIMILAR_TOML.replace("min_peers = 5", "min_peers = 50");
        let e = SimilarRules::parse(&bad).unwrap_err().to_string();
        assert!(e.contains("min_peers"), "{e}");
    }

    fn s(charge: Option<&str>, penalty: Penalty, combined: bool) -> Sentence {
        Sentence {
            defendant: None,
            charge: charge.map(str::to_string),
            penalty,
            probation_months: None,
            fine_yuan: None,
            combined,
        }
    }

    #[test]
    fn the_term_for_a_charge_and_the_deviation_range() {
        let theft = "盗窃罪".to_string();
        let two = [
            s(Some("盗窃罪"), Penalty::FixedTerm { months: 8 }, false),
            s(Some("诈骗罪"), Penalty::FixedTerm { months: 30 }, false),
            s(None, Penalty::FixedTerm { months: 36 }, true),
        ];
        assert_eq!(
            term_for(&two, &[theft.clone(), "诈骗罪".into()], "盗窃罪"),
            Some(8)
        );
        let one = [s(None, Penalty::Detention { months: 3 }, false)];
        assert_eq!(
            term_for(&one, std::slice::from_ref(&theft), "盗窃罪"),
            Some(3)
        );
        assert_eq!(term_for(&one, &["诈骗罪".into()], "盗窃罪"), None);
        let fine_only = [s(Some("盗窃罪"), Penalty::None, false)];
        assert_eq!(
            term_for(&fine_only, std::slice::from_ref(&theft), "盗窃罪"),
            None
        );

        let rule = DeviationRule {
            compare: 4,
            min_peers: 3,
        };
        let peers = [(1, 6), (2, 8), (3, 10), (4, 12), (5, 60)];
        // The fifth is beyond `compare`: the range is 6–12 months.
        let d = rule.check("盗窃罪", 24, &peers).unwrap();
        assert_eq!((d.low, d.high, d.above, d.peers.len()), (6, 12, true, 4));
        assert!(rule.check("盗窃罪", 12, &peers).is_none());
        assert!(!rule.check("盗窃罪", 3, &peers).unwrap().above);
        assert!(
            rule.check("盗窃罪", 24, &peers[..2]).is_none(),
            "too few peers"
        );
    }

    #[test]
    fn similar_cases_are_placed_in_the_order_of_the_guidance() {
        let courts = Courts {
            own: "杭州市上城区人民法院".into(),
            superior: Some("杭州市中级人民法院".into()),
            province_high: Some("浙江省高级人民法院".into()),
        };
        let tier = |source: &str, court: &str| source_tier(source, Some(court), &courts);
        assert_eq!(tier("guiding", "最高人民法院"), SourceTier::Guiding);
        assert_eq!(tier("typical", "杭州市中级人民法院"), SourceTier::Typical);
        assert_eq!(tier("lecard", "最高人民法院"), SourceTier::Typical);
        assert_eq!(
            tier("lecard", "浙江省高级人民法院"),
            SourceTier::ProvinceHigh
        );
        // Published judgments name the court with its province; the tree does not.
        assert_eq!(
            tier("lecard", "浙江省杭州市中级人民法院"),
            SourceTier::OwnOrSuperior
        );
        assert_eq!(
            tier("lecard", "杭州市上城区人民法院"),
            SourceTier::OwnOrSuperior
        );
        assert_eq!(
            tier("lecard", "浙江省宁波市中级人民法院"),
            SourceTier::Other
        );
        assert_eq!(tier("lecard", "江苏省高级人民法院"), SourceTier::Other);
        assert_eq!(source_tier("lecard", None, &courts), SourceTier::Other);
        assert!(
            SourceTier::Guiding < SourceTier::Typical
                && SourceTier::OwnOrSuperior < SourceTier::Other
        );
        for t in SourceTier::ALL {
            assert_eq!(SourceTier::from_code(t.code()), Some(t));
        }
    }

    #[test]
    fn diverging_rulings_of_the_court_are_a_conflict_and_close_ones_are_not() {
        let rule = SimilarRules::shipped().conflict;
        use Imposed::*;
        // A suspended sentence beside a term served: a conflict between the two.
        let c = rule
            .check(
                "盗窃罪",
                &[
                    (1, 2.0, Served(8)),
                    (2, 1.9, NotServed),
                    (3, 1.8, Served(9)),
                ],
            )
            .expect("conflict");
        assert_eq!(c.lenient, (2, NotServed));
        assert_eq!(c.severe, (3, Served(9)));
        assert_eq!(c.compared.len(), 3);
        // Terms that differ within the rule's bounds: none.
        assert!(
            rule.check("盗窃罪", &[(1, 2.0, Served(8)), (2, 1.9, Served(14))])
                .is_none()
        );
        // Twice as long and more than a year apart: a conflict.
        assert!(
            rule.check("盗窃罪", &[(1, 2.0, Served(12)), (2, 1.9, Served(30))])
                .is_some()
        );
        // A diverging ruling far less similar than the best is not compared.
        assert!(
            rule.check("盗窃罪", &[(1, 2.0, Served(8)), (2, 1.0, NotServed)])
                .is_none()
        );
        // One ruling alone conflicts with nothing.
        assert!(rule.check("盗窃罪", &[(1, 2.0, Served(8))]).is_none());
    }

    #[test]
    fn what_a_ruling_imposed_reads_probation_as_not_served() {
        let s = |penalty, probation| Sentence {
            defendant: None,
            charge: Some("盗窃罪".into()),
            penalty,
            probation_months: probation,
            fine_yuan: None,
            combined: false,
        };
        let charges = ["盗窃罪".to_string()];
        assert_eq!(
            Imposed::of(
                &[s(Penalty::FixedTerm { months: 8 }, None)],
                &charges,
                "盗窃罪"
            ),
            Some(Imposed::Served(8))
        );
        assert_eq!(
            Imposed::of(
                &[s(Penalty::FixedTerm { months: 8 }, Some(12))],
                &charges,
                "盗窃罪"
            ),
            Some(Imposed::NotServed)
        );
        assert_eq!(Imposed::of(&[], &charges, "盗窃罪"), None);
    }
}
