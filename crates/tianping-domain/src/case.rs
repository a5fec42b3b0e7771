//! Cases: parties, confidentiality, and the redaction every projection applies.

use serde::{Deserialize, Serialize};

/// Confidentiality level of a case. Anything but `Public` is redacted for users without clearance
/// for that level, in every projection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Confidentiality {
    #[default]
    Public,
    Minors,
    StateSecret,
    TradeSecret,
    Privacy,
}

impl Confidentiality {
    pub const ALL: [Confidentiality; 5] = [
        Confidentiality::Public,
        Confidentiality::Minors,
        Confidentiality::StateSecret,
        Confidentiality::TradeSecret,
        Confidentiality::Privacy,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Confidentiality::Public => "public",
            Confidentiality::Minors => "minors",
            Confidentiality::StateSecret => "state_secret",
            Confidentiality::TradeSecret => "trade_secret",
            Confidentiality::Privacy => "privacy",
        }
    }
    pub fn parse(s: &str) -> Option<Confidentiality> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }
    pub fn zh(self) -> &'static str {
        match self {
            Confidentiality::Public => "公开",
            Confidentiality::Minors => "涉未成年人",
            Confidentiality::StateSecret => "涉国家秘密",
            Confidentiality::TradeSecret => "涉商业秘密",
            Confidentiality::Privacy => "涉个人隐私",
        }
    }
}

/// A set of confidentiality levels a user is cleared for (stored as a comma-separated list).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Clearance(pub Vec<Confidentiality>);

impl Clearance {
    pub fn parse_list(s: &str) -> Result<Clearance, String> {
        let mut v = vec![];
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            v.push(
                Confidentiality::parse(part)
                    .ok_or_else(|| format!("unknown confidentiality level {part:?}"))?,
            );
        }
        Ok(Clearance(v))
    }
    pub fn to_list(&self) -> String {
        self.0
            .iter()
            .map(|c| c.as_str())
            .collect::<Vec<_>>()
            .join(",")
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    /// The levels in Chinese, e.g. "涉未成年人、涉国家秘密".
    pub fn zh(&self) -> String {
        self.0.iter().map(|c| c.zh()).collect::<Vec<_>>().join("、")
    }
    /// Every level: what need-to-know grants for one case.
    pub fn all() -> Clearance {
        Clearance(vec![
            Confidentiality::Minors,
            Confidentiality::StateSecret,
            Confidentiality::TradeSecret,
            Confidentiality::Privacy,
        ])
    }
    pub fn allows(&self, level: Confidentiality) -> bool {
        level == Confidentiality::Public || self.0.contains(&level)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum PartyKind {
    #[default]
    Natural,
    Legal,
}

/// A party to a case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Party {
    pub name: String,
    /// 原告, 被告, 上诉人, 被告人, 申请执行人, 被执行人, 犯罪嫌疑人 …
    pub role: String,
    #[serde(default)]
    pub kind: PartyKind,
    #[serde(default)]
    pub minor: bool,
    /// 公民身份号码 of a natural person (validated at filing): what identifies one person across
    /// the police's, the procuratorate's and the courts' files. Never shown whole.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_number: Option<String>,
}

impl Party {
    /// The form a reader with full visibility sees: the identity number masked to its region and
    /// last four characters (330102********123X).
    pub fn shown(&self) -> Party {
        Party {
            id_number: self.id_number.as_deref().map(crate::identity::mask_id),
            ..self.clone()
        }
    }

    /// The redacted form: natural persons become "surname + 某", legal persons keep their kind only.
    pub fn redacted(&self) -> Party {
        let name = match self.kind {
            PartyKind::Natural => match self.name.chars().next() {
                Some(c) => format!("{c}某"),
                None => "某".into(),
            },
            PartyKind::Legal => "某单位".into(),
        };
        Party {
            name,
            id_number: None,
            ..self.clone()
        }
    }
}

/// Lifecycle status of a case, derived from its events.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum CaseStatus {
    #[default]
    Open,
    Suspended,
    Closed,
}

impl CaseStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            CaseStatus::Open => "open",
            CaseStatus::Suspended => "suspended",
            CaseStatus::Closed => "closed",
        }
    }
    pub fn parse(s: &str) -> Option<CaseStatus> {
        [CaseStatus::Open, CaseStatus::Suspended, CaseStatus::Closed]
            .into_iter()
            .find(|c| c.as_str() == s)
    }
    pub fn zh(self) -> &'static str {
        match self {
            CaseStatus::Open => "在办",
            CaseStatus::Suspended => "中止",
            CaseStatus::Closed => "已结",
        }
    }
}

/// The text shown in place of redacted fields.
pub const REDACTED: &str = "〔已脱敏〕";

/// What a viewer may see of a case's descriptive fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Visibility {
    Full,
    /// Parties' names masked; cause and judge kept (minors, privacy, trade secrets).
    MaskParties,
    /// Everything but the case number, dates, status and court withheld (state secrets).
    Withhold,
}

pub fn visibility(level: Confidentiality, clearance: &Clearance) -> Visibility {
    if clearance.allows(level) {
        Visibility::Full
    } else if level == Confidentiality::StateSecret {
        Visibility::Withhold
    } else {
        Visibility::MaskParties
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redaction() {
        let p = Party {
            name: "张小明".into(),
            role: "被告人".into(),
            kind: PartyKind::Natural,
            minor: true,
            id_number: None,
        };
        assert_eq!(p.redacted().name, "张某");
        let c = Clearance::parse_list("minors").expect("valid");
        assert_eq!(visibility(Confidentiality::Minors, &c), Visibility::Full);
        assert_eq!(
            visibility(Confidentiality::Minors, &Clearance::default()),
            Visibility::MaskParties
        );
        assert_eq!(
            visibility(Confidentiality::StateSecret, &c),
            Visibility::Withhold
        );
        assert_eq!(
            visibility(Confidentiality::Public, &Clearance::default()),
            Visibility::Full
        );
        assert!(Clearance::parse_list("minors,bogus").is_err());
    }
}
