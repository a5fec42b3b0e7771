//! Case types (类型代字) as data: `rules/case-types.toml`, embedded at compile time and parsed once.
//! Kind, procedure and stage of a court case follow from its type code.

use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::OnceLock;

/// What a case is about. Court kinds follow from the 类型代字; `prosecution` and `police` are the
/// procuratorate's and the police's own case files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseKind {
    Criminal,
    Civil,
    Administrative,
    StateCompensation,
    JudicialAid,
    Execution,
    Bankruptcy,
    Preservation,
    JudicialSanction,
    JudicialAssistance,
    Prosecution,
    Police,
}

impl CaseKind {
    /// Police and procuratorate files (not court proceedings).
    pub fn is_agency(self) -> bool {
        matches!(self, CaseKind::Prosecution | CaseKind::Police)
    }

    /// The kind of agency that holds cases of this kind.
    pub fn holder(self) -> crate::org::AgencyKind {
        match self {
            CaseKind::Police => crate::org::AgencyKind::Police,
            CaseKind::Prosecution => crate::org::AgencyKind::Procuratorate,
            _ => crate::org::AgencyKind::Court,
        }
    }

    pub const ALL: [CaseKind; 12] = [
        CaseKind::Criminal,
        CaseKind::Civil,
        CaseKind::Administrative,
        CaseKind::StateCompensation,
        CaseKind::JudicialAid,
        CaseKind::Execution,
        CaseKind::Bankruptcy,
        CaseKind::Preservation,
        CaseKind::JudicialSanction,
        CaseKind::JudicialAssistance,
        CaseKind::Prosecution,
        CaseKind::Police,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            CaseKind::Criminal => "criminal",
            CaseKind::Civil => "civil",
            CaseKind::Administrative => "administrative",
            CaseKind::StateCompensation => "state_compensation",
            CaseKind::JudicialAid => "judicial_aid",
            CaseKind::Execution => "execution",
            CaseKind::Bankruptcy => "bankruptcy",
            CaseKind::Preservation => "preservation",
            CaseKind::JudicialSanction => "judicial_sanction",
            CaseKind::JudicialAssistance => "judicial_assistance",
            CaseKind::Prosecution => "prosecution",
            CaseKind::Police => "police",
        }
    }
    pub fn parse(s: &str) -> Option<CaseKind> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
    pub fn zh(self) -> &'static str {
        match self {
            CaseKind::Criminal => "刑事",
            CaseKind::Civil => "民事",
            CaseKind::Administrative => "行政",
            CaseKind::StateCompensation => "国家赔偿",
            CaseKind::JudicialAid => "司法救助",
            CaseKind::Execution => "执行",
            CaseKind::Bankruptcy => "强制清算与破产",
            CaseKind::Preservation => "非诉保全",
            CaseKind::JudicialSanction => "司法制裁",
            CaseKind::JudicialAssistance => "司法协助",
            CaseKind::Prosecution => "检察",
            CaseKind::Police => "公安",
        }
    }
    /// Whether custody events (summons, detention, arrest …) can occur in this kind of case.
    pub fn has_custody(self) -> bool {
        matches!(
            self,
            CaseKind::Criminal | CaseKind::Prosecution | CaseKind::Police
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Procedure {
    FirstInstance,
    SecondInstance,
    RetrialReview,
    Retrial,
    Review,
    Special,
    Jurisdiction,
    Supervision,
    Execution,
    Investigation,
    ProsecutionReview,
    /// 警情: from 接警 to 受案/立案 (a police record that becomes the investigation file when a
    /// case is filed).
    Incident,
    Other,
}

impl Procedure {
    pub const ALL: [Procedure; 13] = [
        Procedure::FirstInstance,
        Procedure::SecondInstance,
        Procedure::RetrialReview,
        Procedure::Retrial,
        Procedure::Review,
        Procedure::Special,
        Procedure::Jurisdiction,
        Procedure::Supervision,
        Procedure::Execution,
        Procedure::Investigation,
        Procedure::ProsecutionReview,
        Procedure::Incident,
        Procedure::Other,
    ];
    pub fn parse(s: &str) -> Option<Procedure> {
        Self::ALL.into_iter().find(|p| p.as_str() == s)
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Procedure::FirstInstance => "first_instance",
            Procedure::SecondInstance => "second_instance",
            Procedure::RetrialReview => "retrial_review",
            Procedure::Retrial => "retrial",
            Procedure::Review => "review",
            Procedure::Special => "special",
            Procedure::Jurisdiction => "jurisdiction",
            Procedure::Supervision => "supervision",
            Procedure::Execution => "execution",
            Procedure::Investigation => "investigation",
            Procedure::ProsecutionReview => "prosecution_review",
            Procedure::Incident => "incident",
            Procedure::Other => "other",
        }
    }
    pub fn zh(self) -> &'static str {
        match self {
            Procedure::FirstInstance => "一审",
            Procedure::SecondInstance => "二审",
            Procedure::RetrialReview => "再审审查",
            Procedure::Retrial => "再审",
            Procedure::Review => "复核/复议",
            Procedure::Special => "特别程序",
            Procedure::Jurisdiction => "管辖",
            Procedure::Supervision => "监督",
            Procedure::Execution => "执行",
            Procedure::Investigation => "侦查",
            Procedure::ProsecutionReview => "审查起诉",
            Procedure::Incident => "警情受案立案",
            Procedure::Other => "其他",
        }
    }
    pub fn stage(self) -> Stage {
        match self {
            Procedure::FirstInstance
            | Procedure::SecondInstance
            | Procedure::Retrial
            | Procedure::Special
            | Procedure::Jurisdiction => Stage::Trial,
            Procedure::RetrialReview | Procedure::Review | Procedure::Supervision => Stage::Review,
            Procedure::Execution => Stage::Execution,
            Procedure::Investigation | Procedure::Incident => Stage::Investigation,
            Procedure::ProsecutionReview => Stage::ProsecutionReview,
            Procedure::Other => Stage::Other,
        }
    }
}

/// Where in the chain police → procuratorate → court → execution the case stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    Investigation,
    ProsecutionReview,
    Trial,
    Review,
    Execution,
    Other,
}

impl Stage {
    pub const ALL: [Stage; 6] = [
        Stage::Investigation,
        Stage::ProsecutionReview,
        Stage::Trial,
        Stage::Review,
        Stage::Execution,
        Stage::Other,
    ];
    pub fn parse(s: &str) -> Option<Stage> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Investigation => "investigation",
            Stage::ProsecutionReview => "prosecution_review",
            Stage::Trial => "trial",
            Stage::Review => "review",
            Stage::Execution => "execution",
            Stage::Other => "other",
        }
    }
    pub fn zh(self) -> &'static str {
        match self {
            Stage::Investigation => "侦查",
            Stage::ProsecutionReview => "审查起诉",
            Stage::Trial => "审判",
            Stage::Review => "审查",
            Stage::Execution => "执行",
            Stage::Other => "其他",
        }
    }
}

/// One row of the 类型代字 table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseType {
    pub code: String,
    pub name: String,
    pub class: String,
    pub kind: CaseKind,
    pub procedure: Procedure,
}

#[derive(Deserialize)]
struct TypeTable {
    source: String,
    status: String,
    types: Vec<CaseType>,
}

const TABLE_TOML: &str = include_str!("../../../rules/case-types.toml");

struct Table {
    source: String,
    status: String,
    types: Vec<CaseType>,
    by_code: HashMap<String, usize>,
}

fn table() -> &'static Table {
    static T: OnceLock<Table> = OnceLock::new();
    T.get_or_init(|| {
        // The file is part of the source tree and checked by `table_is_valid` below, so a parse
        // failure is a build defect, not input; fall back to an empty table rather than panic.
        let parsed: TypeTable = toml::from_str(TABLE_TOML).unwrap_or(TypeTable {
            source: "invalid rules/case-types.toml".into(),
            status: "U".into(),
            types: vec![],
        });
        let by_code = parsed
            .types
            .iter()
            .enumerate()
            .map(|(i, t)| (t.code.clone(), i))
            .collect();
        Table {
            source: parsed.source,
            status: parsed.status,
            types: parsed.types,
            by_code,
        }
    })
}

/// Looks up a 类型代字.
pub fn lookup(code: &str) -> Option<&'static CaseType> {
    let t = table();
    t.by_code.get(code).map(|&i| &t.types[i])
}

/// The longest known type code that `text` starts with.
pub fn longest_prefix(text: &str) -> Option<&'static CaseType> {
    let chars: Vec<char> = text.chars().take(4).collect();
    (1..=chars.len())
        .rev()
        .find_map(|n| lookup(&chars[..n].iter().collect::<String>()))
}

/// Every known type, in table order.
pub fn all() -> &'static [CaseType] {
    &table().types
}

/// The citation of the table and its verification marker ([V]/[S]/[U]).
pub fn source() -> (&'static str, &'static str) {
    let t = table();
    (&t.source, &t.status)
}

/// Validates the embedded table: parses, codes unique and ≤ 4 characters. Used by tests and by
/// `tianping rules check`.
pub fn check_table() -> Result<usize, String> {
    let parsed: TypeTable =
        toml::from_str(TABLE_TOML).map_err(|e| format!("rules/case-types.toml: {e}"))?;
    let mut seen = std::collections::HashSet::new();
    for t in &parsed.types {
        if !seen.insert(t.code.clone()) {
            return Err(format!("rules/case-types.toml: duplicate code {}", t.code));
        }
        if t.code.chars().count() > 4 || t.code.is_empty() {
            return Err(format!(
                "rules/case-types.toml: code {:?} must be 1–4 characters",
                t.code
            ));
        }
    }
    Ok(parsed.types.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_valid() {
        let n = check_table().expect("valid table");
        // RULES.md §10.3 lists 129 codes (the 2015 standard plus later additions).
        assert!(n >= 129, "expected the full §10.3 table, got {n}");
        assert_eq!(all().len(), n);
        assert_eq!(source().1, "S");
    }

    #[test]
    fn kinds_follow_codes() {
        let kind = |c: &str| lookup(c).map(|t| t.kind);
        assert_eq!(kind("刑初"), Some(CaseKind::Criminal));
        assert_eq!(kind("行赔初"), Some(CaseKind::StateCompensation));
        assert_eq!(kind("执恢"), Some(CaseKind::Execution));
        assert_eq!(
            lookup("民终").map(|t| t.procedure.stage()),
            Some(Stage::Trial)
        );
        assert_eq!(
            lookup("民申").map(|t| t.procedure.stage()),
            Some(Stage::Review)
        );
        assert_eq!(
            longest_prefix("民辖终7号").map(|t| t.code.as_str()),
            Some("民辖终")
        );
    }
}
