//! The versioned article table the citation check reads (`rules/statutes.toml`): each law's
//! versions with their 施行 dates and article counts, the 刑法 amendments with the 之X articles
//! they created and the articles they rewrote, and the 罪名 with the articles that define them.

use chrono::NaiveDate;
use serde::Deserialize;
use std::sync::OnceLock;

/// The shipped table.
pub const STATUTES_TOML: &str = include_str!("../../../../rules/statutes.toml");

/// An article number: 264, or 133之一 as (133, Some(1)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Article {
    pub number: u32,
    pub suffix: Option<u32>,
}

impl Article {
    /// `264` or `133之1`.
    pub fn parse(s: &str) -> Option<Article> {
        let (n, x) = match s.split_once('之') {
            Some((n, x)) => (n, Some(x.parse().ok()?)),
            None => (s, None),
        };
        Some(Article {
            number: n.parse().ok()?,
            suffix: x,
        })
    }

    /// 第二百六十四条, 第一百三十三条之一.
    pub fn zh(self) -> String {
        let mut s = format!("第{}条", crate::citation::numeral(self.number));
        if let Some(x) = self.suffix {
            s.push('之');
            s.push_str(&crate::citation::numeral(x));
        }
        s
    }
}

/// One version of a law.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Version {
    pub name: String,
    pub in_force: NaiveDate,
    /// Articles numbered 1..=articles (之X articles apart).
    pub articles: u32,
}

/// An amendment that keeps the numbering (the 刑法修正案): new 之X articles, rewritten ones.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Amendment {
    pub name: String,
    pub in_force: NaiveDate,
    pub added: Vec<Article>,
    pub amended: Vec<Article>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Law {
    /// 中华人民共和国刑法.
    pub title: String,
    /// 刑法.
    pub short: String,
    /// Whether a change after the act matters (刑法第十二条): substantive criminal law.
    pub substantive: bool,
    /// In order of their dates.
    pub versions: Vec<Version>,
    pub amendments: Vec<Amendment>,
    /// Provisions the renumbering of new versions moved.
    pub renumbered: Vec<Renumbered>,
    /// When the law stopped being in force, if it has (合同法: 2021-01-01, by 民法典).
    pub repealed: Option<Repeal>,
}

/// A law's repeal: from which day, and by which provision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Repeal {
    pub on: NaiveDate,
    /// 《中华人民共和国民法典》第一千二百六十条.
    pub by: String,
}

/// A provision whose article number changed between versions (迟延履行期间的债务利息: 第二百五十三条
/// from 2013, 第二百六十条 from 2022, 第二百六十四条 from 2024).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Renumbered {
    /// The words a citing sentence names it by.
    pub topic: String,
    pub zh: String,
    /// From which date it had which number, in order.
    pub articles: Vec<(NaiveDate, Article)>,
}

impl Renumbered {
    /// Its number on `day`.
    pub fn on(&self, day: NaiveDate) -> Option<Article> {
        self.articles
            .iter()
            .filter(|(from, _)| *from <= day)
            .map(|(_, a)| *a)
            .next_back()
    }
}

/// When an article came into the law, or `None` if no version had it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    pub since: NaiveDate,
    /// The version or amendment that created it.
    pub by: String,
}

impl Law {
    /// When `a` first existed in this law.
    pub fn origin(&self, a: Article) -> Option<Origin> {
        match a.suffix {
            None => self
                .versions
                .iter()
                .find(|v| a.number >= 1 && a.number <= v.articles)
                .map(|v| Origin {
                    since: v.in_force,
                    by: format!("《{}》（{}）", self.short, v.name),
                }),
            Some(_) => self
                .amendments
                .iter()
                .find(|m| m.added.contains(&a))
                .map(|m| Origin {
                    since: m.in_force,
                    by: format!("《{}》", m.name),
                }),
        }
    }

    /// The amendments that rewrote `a` after `after` and in force on `on`.
    pub fn changes_between(&self, a: Article, after: NaiveDate, on: NaiveDate) -> Vec<&Amendment> {
        self.amendments
            .iter()
            .filter(|m| m.in_force > after && m.in_force <= on && m.amended.contains(&a))
            .collect()
    }
}

/// A 罪名 and the articles that define or punish it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Charge {
    pub names: Vec<String>,
    pub articles: Vec<Article>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statutes {
    pub laws: Vec<Law>,
    pub charges: Vec<Charge>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum StatutesError {
    #[error("statutes table: {0}")]
    Toml(String),
    #[error("statutes table: {law}: {what}")]
    Invalid { law: String, what: String },
}

#[derive(Deserialize)]
struct RawFile {
    #[serde(default)]
    law: Vec<RawLaw>,
    #[serde(default)]
    charge: Vec<RawCharge>,
}

#[derive(Deserialize)]
struct RawLaw {
    title: String,
    short: String,
    #[serde(default)]
    substantive: bool,
    #[serde(default)]
    version: Vec<RawVersion>,
    #[serde(default)]
    amendment: Vec<RawAmendment>,
    #[serde(default)]
    renumbered: Vec<RawRenumbered>,
    repealed: Option<RawRepeal>,
}

#[derive(Deserialize)]
struct RawRepeal {
    on: NaiveDate,
    by: String,
    #[allow(dead_code)]
    marker: crate::rules::Marker,
}

#[derive(Deserialize)]
struct RawRenumbered {
    topic: String,
    zh: String,
    #[allow(dead_code)]
    marker: crate::rules::Marker,
    articles: Vec<(NaiveDate, String)>,
}

#[derive(Deserialize)]
struct RawVersion {
    name: String,
    in_force: NaiveDate,
    articles: u32,
}

#[derive(Deserialize)]
struct RawAmendment {
    name: String,
    in_force: NaiveDate,
    #[serde(default)]
    added: Vec<String>,
    #[serde(default)]
    amended: Vec<String>,
}

#[derive(Deserialize)]
struct RawCharge {
    names: Vec<String>,
    articles: Vec<String>,
}

fn articles(law: &str, list: &[String]) -> Result<Vec<Article>, StatutesError> {
    list.iter()
        .map(|s| {
            Article::parse(s).ok_or_else(|| StatutesError::Invalid {
                law: law.to_string(),
                what: format!("article `{s}` is not a number or N之M"),
            })
        })
        .collect()
}

impl Statutes {
    pub fn parse(toml_text: &str) -> Result<Statutes, StatutesError> {
        let raw: RawFile =
            toml::from_str(toml_text).map_err(|e| StatutesError::Toml(e.to_string()))?;
        let mut laws = vec![];
        for l in raw.law {
            let mut versions: Vec<Version> = l
                .version
                .into_iter()
                .map(|v| Version {
                    name: v.name,
                    in_force: v.in_force,
                    articles: v.articles,
                })
                .collect();
            if versions.is_empty() {
                return Err(StatutesError::Invalid {
                    law: l.title,
                    what: "no version".into(),
                });
            }
            versions.sort_by_key(|v| v.in_force);
            let mut amendments = vec![];
            for m in l.amendment {
                amendments.push(Amendment {
                    added: articles(&l.title, &m.added)?,
                    amended: articles(&l.title, &m.amended)?,
                    name: m.name,
                    in_force: m.in_force,
                });
            }
            amendments.sort_by_key(|m| m.in_force);
            let mut renumbered = vec![];
            for r in l.renumbered {
                let mut list = vec![];
                for (from, a) in &r.articles {
                    list.push((*from, articles(&l.title, std::slice::from_ref(a))?[0]));
                }
                list.sort_by_key(|x| x.0);
                renumbered.push(Renumbered {
                    topic: r.topic,
                    zh: r.zh,
                    articles: list,
                });
            }
            laws.push(Law {
                title: l.title,
                short: l.short,
                substantive: l.substantive,
                versions,
                amendments,
                renumbered,
                repealed: l.repealed.map(|r| Repeal { on: r.on, by: r.by }),
            });
        }
        let charges = raw
            .charge
            .into_iter()
            .map(|c| {
                let label = c.names.first().cloned().unwrap_or_default();
                Ok(Charge {
                    articles: articles(&label, &c.articles)?,
                    names: c.names,
                })
            })
            .collect::<Result<_, StatutesError>>()?;
        Ok(Statutes { laws, charges })
    }

    /// The shipped table, read once.
    pub fn shipped() -> &'static Statutes {
        static S: OnceLock<Statutes> = OnceLock::new();
        S.get_or_init(|| Statutes::parse(STATUTES_TOML).expect("rules/statutes.toml parses"))
    }

    /// The law a citation's title names: the full title, or the short name (《刑法》).
    pub fn law(&self, title: &str) -> Option<&Law> {
        let t = title.trim();
        self.laws.iter().find(|l| l.title == t || l.short == t)
    }

    /// The 罪名 entry a judgment's charge is (贩卖毒品罪 → 走私、贩卖、运输、制造毒品罪).
    pub fn charge(&self, name: &str) -> Option<&Charge> {
        self.charges
            .iter()
            .find(|c| c.names.iter().any(|n| n == name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_table_reads_and_counts_the_criminal_law_as_published() {
        let s = Statutes::shipped();
        let cl = s.law("中华人民共和国刑法").expect("刑法");
        assert_eq!(s.law("刑法"), Some(cl));
        // 452 numbered articles and 53 之X, as the consolidated text has.
        assert_eq!(cl.versions.last().map(|v| v.articles), Some(452));
        let added: usize = cl.amendments.iter().map(|m| m.added.len()).sum();
        assert_eq!(added, 53);
        assert_eq!(cl.amendments.len(), 12);
        let dui = Article::parse("133之1").expect("article");
        assert_eq!(dui.zh(), "第一百三十三条之一");
        let o = cl.origin(dui).expect("created by an amendment");
        assert_eq!(o.since, NaiveDate::from_ymd_opt(2011, 5, 1).expect("date"));
        assert_eq!(o.by, "《刑法修正案（八）》");
        assert_eq!(cl.origin(Article::parse("133之9").expect("a")), None);
        assert_eq!(cl.origin(Article::parse("453").expect("a")), None);
        // 民事诉讼法 2023 numbers 306 articles from 2024-01-01.
        let cpl = s.law("中华人民共和国民事诉讼法").expect("民诉");
        let o = cpl
            .origin(Article::parse("300").expect("a"))
            .expect("exists");
        assert_eq!(o.since, NaiveDate::from_ymd_opt(2024, 1, 1).expect("date"));
        assert!(s.charge("贩卖毒品罪").is_some());
        assert!(s.charge("不存在罪").is_none());
    }

    #[test]
    fn a_bad_table_is_an_error_naming_the_law_and_the_value() {
        let e = Statutes::parse(
            "[[law]]\ntitle = \"X\"\nshort = \"X\"\n[[law.version]]\nname = \"v\"\nin_force = \"2020-01-01\"\narticles = 3\n[[law.amendment]]\nname = \"a\"\nin_force = \"2021-01-01\"\nadded = [\"3之z\"]\n",
        )
        .expect_err("bad article");
        assert!(e.to_string().contains("3之z"), "{e}");
        assert!(Statutes::parse("[[law]]\ntitle = 3").is_err());
    }
}
