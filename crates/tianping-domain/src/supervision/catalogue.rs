//! The catalogue of procuratorial supervision items (检察监督事项目录, `rules/supervision-catalogue.toml`):
//! what a prosecutor may raise on a case of the police or a court, the instrument it is raised by
//! (口头纠正, 纠正违法通知书, 检察建议, 通知立案 …) and the time the addressee has to answer. An item
//! opened from the catalogue runs through the ordinary closed loop with the addressee as the
//! responsible unit; this module decides whether such an item may be opened and who may be made
//! responsible for it.

use super::{Refusal, refuse};
use crate::org::AgencyKind;
use crate::rules::{ClockKey, Marker, RuleError, field};
use serde::Deserialize;

/// The shipped catalogue.
pub const CATALOGUE_TOML: &str = include_str!("../../../../rules/supervision-catalogue.toml");

/// How a situation is raised with the addressee (监督方式).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instrument {
    pub code: String,
    pub zh: String,
    /// Calendar days the addressee has to answer.
    pub reply_days: i64,
    pub citation: String,
    pub marker: Marker,
}

/// One situation of the catalogue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub code: String,
    pub category: String,
    pub zh: String,
    pub addressee: AgencyKind,
    /// Index into [`Catalogue::instruments`].
    instrument: usize,
    /// Overrides the instrument's time to answer.
    reply_days: Option<i64>,
    pub clocks: Vec<ClockKey>,
    pub citation: String,
    pub marker: Marker,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Catalogue {
    pub version: String,
    pub instruments: Vec<Instrument>,
    pub entries: Vec<Entry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    version: String,
    instrument: Vec<RawInstrument>,
    item: Vec<RawEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawInstrument {
    code: String,
    zh: String,
    reply_days: i64,
    citation: String,
    marker: Marker,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEntry {
    code: String,
    category: String,
    zh: String,
    addressee: String,
    instrument: String,
    #[serde(default)]
    clocks: Vec<String>,
    #[serde(default)]
    reply_days: Option<i64>,
    citation: String,
    marker: Marker,
}

/// Organs a procuratorate raises supervision items with: the police (立案监督, 侦查活动监督) and
/// the courts (审判活动监督).
fn addressable(k: AgencyKind) -> bool {
    matches!(k, AgencyKind::Police | AgencyKind::Court)
}

impl Catalogue {
    pub fn builtin() -> Result<Catalogue, RuleError> {
        Catalogue::parse(CATALOGUE_TOML)
    }

    pub fn parse(text: &str) -> Result<Catalogue, RuleError> {
        let raw: Raw = toml::from_str(text).map_err(|e| RuleError::Syntax(e.to_string()))?;
        let mut instruments: Vec<Instrument> = vec![];
        for i in raw.instrument {
            if i.code.trim().is_empty() {
                return Err(field("(instrument)", "code", "must not be empty"));
            }
            if instruments.iter().any(|x| x.code == i.code) {
                return Err(field(&i.code, "code", "appears twice"));
            }
            if !(1..=366).contains(&i.reply_days) {
                return Err(field(&i.code, "reply_days", "must be 1 to 366 days"));
            }
            if i.zh.trim().is_empty() || i.citation.trim().is_empty() {
                return Err(field(&i.code, "zh", "name and citation must not be empty"));
            }
            instruments.push(Instrument {
                code: i.code,
                zh: i.zh,
                reply_days: i.reply_days,
                citation: i.citation,
                marker: i.marker,
            });
        }
        let mut entries: Vec<Entry> = vec![];
        for e in raw.item {
            let code = e.code.trim().to_string();
            if code.is_empty() {
                return Err(field("(item)", "code", "must not be empty"));
            }
            if entries.iter().any(|x| x.code == code) {
                return Err(field(&code, "code", "appears twice"));
            }
            if e.category.trim().is_empty() || e.zh.trim().is_empty() {
                return Err(field(&code, "zh", "category and name must not be empty"));
            }
            if e.citation.trim().is_empty() {
                return Err(field(&code, "citation", "must not be empty"));
            }
            let addressee = AgencyKind::parse(&e.addressee)
                .filter(|k| addressable(*k))
                .ok_or_else(|| {
                    field(
                        &code,
                        "addressee",
                        format!("`{}` is not police or court", e.addressee),
                    )
                })?;
            let instrument = instruments
                .iter()
                .position(|i| i.code == e.instrument)
                .ok_or_else(|| {
                    field(
                        &code,
                        "instrument",
                        format!("`{}` is not a listed instrument", e.instrument),
                    )
                })?;
            let mut clocks = vec![];
            for c in &e.clocks {
                clocks.push(
                    ClockKey::parse(c)
                        .ok_or_else(|| field(&code, "clocks", format!("`{c}` is not a clock")))?,
                );
            }
            if let Some(d) = e.reply_days
                && !(1..=366).contains(&d)
            {
                return Err(field(&code, "reply_days", "must be 1 to 366 days"));
            }
            entries.push(Entry {
                code,
                category: e.category,
                zh: e.zh,
                addressee,
                instrument,
                reply_days: e.reply_days,
                clocks,
                citation: e.citation,
                marker: e.marker,
            });
        }
        if entries.is_empty() {
            return Err(field("(catalogue)", "item", "the catalogue lists no item"));
        }
        Ok(Catalogue {
            version: raw.version,
            instruments,
            entries,
        })
    }

    pub fn get(&self, code: &str) -> Option<&Entry> {
        self.entries.iter().find(|e| e.code == code)
    }

    pub fn instrument(&self, e: &Entry) -> &Instrument {
        &self.instruments[e.instrument]
    }

    /// Calendar days the addressee has to answer an item of this entry.
    pub fn reply_days(&self, e: &Entry) -> i64 {
        e.reply_days.unwrap_or(self.instrument(e).reply_days)
    }

    /// The entry for the overdue warning of `clock` on a file of `agency`, if one is listed.
    pub fn for_clock(&self, clock: ClockKey, agency: AgencyKind) -> Option<&Entry> {
        self.entries
            .iter()
            .find(|e| e.addressee == agency && e.clocks.contains(&clock))
    }

    /// The categories in catalogue order, each with its entries (for a grouped choice).
    pub fn by_category(&self) -> Vec<(&str, Vec<&Entry>)> {
        let mut out: Vec<(&str, Vec<&Entry>)> = vec![];
        for e in &self.entries {
            match out.iter_mut().find(|(c, _)| *c == e.category) {
                Some((_, v)) => v.push(e),
                None => out.push((e.category.as_str(), vec![e])),
            }
        }
        out
    }

    /// Whether an organisation of kind `opener` may open an item of `e`, on a case held by an
    /// organ of kind `case_agency` (if the item is about a case).
    pub fn check_opening(
        &self,
        e: &Entry,
        opener: AgencyKind,
        case_agency: Option<AgencyKind>,
    ) -> Result<(), Refusal> {
        if opener != AgencyKind::Procuratorate {
            return Err(refuse(
                "not_procuratorate",
                "检察监督事项只能由人民检察院提出",
            ));
        }
        if let Some(k) = case_agency
            && k != e.addressee
        {
            return Err(refuse(
                "wrong_addressee",
                format!(
                    "“{}”针对{}，所选案件不是{}的案件",
                    e.zh,
                    e.addressee.zh(),
                    e.addressee.zh()
                ),
            ));
        }
        Ok(())
    }
}

/// Whether a unit (kind `target`, region `target_path`) may be made responsible for an item by an
/// organisation (kind `opener`, region `opener_path`): a unit of the opener's own kind at or below
/// it; any unit in the region of a 人大常委会 or 政法委; and, for a procuratorial item, a unit of the
/// catalogue entry's addressee in the procuratorate's region (the police it supervises, the courts
/// of its level and below).
pub fn may_make_responsible(
    opener: AgencyKind,
    opener_path: &str,
    target: AgencyKind,
    target_path: &str,
    addressee: Option<AgencyKind>,
) -> bool {
    let within = target_path.starts_with(opener_path);
    if !within {
        return false;
    }
    target == opener
        || opener.supervises_all_kinds()
        || (opener == AgencyKind::Procuratorate && addressee == Some(target))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cat() -> Catalogue {
        Catalogue::builtin().expect("shipped catalogue parses")
    }

    #[test]
    fn shipped_catalogue_covers_the_lines_of_work_and_the_police_clocks() {
        let c = cat();
        let cats: Vec<&str> = c.by_category().iter().map(|(k, _)| *k).collect();
        for want in [
            "立案监督",
            "侦查活动监督",
            "强制措施监督",
            "涉案财物监督",
            "审判活动监督",
        ] {
            assert!(cats.contains(&want), "{want} missing from {cats:?}");
        }
        // Every overdue police warning a prosecutor may act on names its situation.
        for k in [
            ClockKey::FilingReview,
            ClockKey::IncidentRecord,
            ClockKey::ExplanationDue,
            ClockKey::FilingAfterNotice,
            ClockKey::DeliveryToDetention,
            ClockKey::FirstInterrogation,
            ClockKey::FamilyNotice,
            ClockKey::Summons,
            ClockKey::ArrestRequest,
            ClockKey::InvestigationCustody,
            ClockKey::Bail,
        ] {
            let e = c
                .for_clock(k, AgencyKind::Police)
                .unwrap_or_else(|| panic!("no entry for {k:?}"));
            assert_eq!(e.addressee, AgencyKind::Police);
        }
        assert_eq!(
            c.for_clock(ClockKey::Trial, AgencyKind::Court)
                .map(|e| e.code.as_str()),
            Some("trial.overdue")
        );
        assert!(c.for_clock(ClockKey::Trial, AgencyKind::Police).is_none());
    }

    #[test]
    fn reply_days_come_from_the_instrument_unless_the_entry_overrides() {
        let c = cat();
        let e = c.get("filing.not_filed").expect("listed");
        assert_eq!(c.instrument(e).zh, "要求说明不立案理由");
        assert_eq!(c.reply_days(e), 7, "规则2019 art.560: 7 days");
        let e = c.get("filing.order_to_file").expect("listed");
        assert_eq!(c.reply_days(e), 15, "规则2019 art.563: 15 days");
        let text = CATALOGUE_TOML.replace(
            "instrument = \"notice_to_file\"\nclocks = [\"explanation_due\"]",
            "instrument = \"notice_to_file\"\nclocks = [\"explanation_due\"]\nreply_days = 20",
        );
        let c = Catalogue::parse(&text).expect("parses");
        let e = c.get("filing.order_to_file").expect("listed");
        assert_eq!(c.reply_days(e), 20);
    }

    #[test]
    fn bad_catalogues_name_the_entry_and_field() {
        let one = |body: &str| {
            format!(
                "version = \"t\"\n[[instrument]]\ncode = \"n\"\nzh = \"纠正违法通知书\"\nreply_days = 15\ncitation = \"规则2019 art.552\"\nmarker = \"U\"\n{body}"
            )
        };
        let item = |addressee: &str, instrument: &str, clocks: &str| {
            one(&format!(
                "[[item]]\ncode = \"x\"\ncategory = \"立案监督\"\nzh = \"某情形\"\naddressee = \"{addressee}\"\ninstrument = \"{instrument}\"\nclocks = [{clocks}]\ncitation = \"规则2019 art.567\"\nmarker = \"S\"\n"
            ))
        };
        assert!(Catalogue::parse(&item("police", "n", "\"filing_review\"")).is_ok());
        for (text, want) in [
            (item("army", "n", ""), "addressee"),
            (item("peoples_congress", "n", ""), "addressee"),
            (item("police", "missing", ""), "instrument"),
            (item("police", "n", "\"no_such_clock\""), "clocks"),
            (one(""), "item"),
        ] {
            let err = Catalogue::parse(&text).expect_err("refused").to_string();
            assert!(err.contains(want), "{err} should name {want}");
        }
        let twice = format!(
            "{}{}",
            item("police", "n", ""),
            item("police", "n", "")
                .split("[[item]]")
                .nth(1)
                .map(|s| format!("[[item]]{s}"))
                .unwrap_or_default()
        );
        assert!(
            Catalogue::parse(&twice)
                .expect_err("duplicate")
                .to_string()
                .contains("appears twice")
        );
        assert!(matches!(
            Catalogue::parse("version = 1"),
            Err(RuleError::Syntax(_))
        ));
    }

    #[test]
    fn only_a_procuratorate_opens_and_only_on_the_addressee_s_case() {
        let c = cat();
        let e = c.get("custody.not_delivered").expect("listed");
        assert!(
            c.check_opening(e, AgencyKind::Procuratorate, Some(AgencyKind::Police))
                .is_ok()
        );
        assert!(c.check_opening(e, AgencyKind::Procuratorate, None).is_ok());
        let r = c
            .check_opening(e, AgencyKind::Procuratorate, Some(AgencyKind::Court))
            .expect_err("a court case is not the police's");
        assert_eq!(r.code, "wrong_addressee");
        assert!(r.zh.contains("公安机关"), "{}", r.zh);
        for k in [
            AgencyKind::Police,
            AgencyKind::Court,
            AgencyKind::PeoplesCongress,
        ] {
            assert_eq!(
                c.check_opening(e, k, Some(AgencyKind::Police))
                    .expect_err("only a procuratorate")
                    .code,
                "not_procuratorate"
            );
        }
    }

    #[test]
    fn who_may_be_made_responsible() {
        use AgencyKind::*;
        // A procuratorate: its own kind below it, and the addressee in its region only.
        assert!(may_make_responsible(
            Procuratorate,
            "/33/3301/",
            Procuratorate,
            "/33/3301/330102/",
            None
        ));
        assert!(!may_make_responsible(
            Procuratorate,
            "/33/3301/",
            Police,
            "/33/3301/330102/",
            None
        ));
        assert!(may_make_responsible(
            Procuratorate,
            "/33/3301/",
            Police,
            "/33/3301/330102/",
            Some(Police)
        ));
        assert!(!may_make_responsible(
            Procuratorate,
            "/33/3301/330102/",
            Police,
            "/33/3301/330106/",
            Some(Police)
        ));
        assert!(!may_make_responsible(
            Procuratorate,
            "/33/3301/",
            Court,
            "/33/3301/330102/",
            Some(Police)
        ));
        // The police never make another organ responsible.
        assert!(!may_make_responsible(
            Police,
            "/33/3301/",
            Procuratorate,
            "/33/3301/330102/",
            Some(Procuratorate)
        ));
        // 人大 and 政法委: any unit in their region.
        assert!(may_make_responsible(
            PoliticalLegalCommittee,
            "/33/3301/",
            Police,
            "/33/3301/330102/",
            None
        ));
        assert!(!may_make_responsible(
            PeoplesCongress,
            "/33/3301/",
            Court,
            "/33/3302/",
            None
        ));
    }
}
