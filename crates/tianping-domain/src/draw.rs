//! Drawing people's supervisors (人民监督员抽选, RULES.md §8.3) so that anyone can re-check the
//! draw: RFC 3797 ("Publicly Verifiable Nominations Committee (NomCom) Random Selection").
//!
//! The order of things is what makes a draw verifiable:
//!
//! 1. **Before the seed exists** the justice bureau fixes the [`Setup`]: the pool in order (and its
//!    SHA-256), who is excluded and why (recusal, the over-use cap, unavailability), how many to
//!    pick and how many alternates, and the sources of randomness — public numbers announced
//!    later (a lottery draw) and/or a commit–reveal among the bodies concerned, whose commitments
//!    are fixed with the setup. The setup goes into the ledger.
//! 2. **When the sources are known** their values form the RFC's key string ([`key`]), and
//!    [`select`] hashes it: for the i-th pick, MD5 of a two-octet counter, the key and the counter
//!    again, read as a 128-bit number, modulo how many are still unpicked, names the next one.
//! 3. The **result** is an ordered list: the picks, then the alternates, so a recusal or a refusal
//!    takes the next alternate without a new draw. [`Outcome`] keeps the key and each hash so a
//!    reader can redo every step by hand; [`verify`] redoes it from an exported record.
//!
//! No random number generator is involved: the same setup and source values always give the same
//! people, and nobody can know them before the last source is revealed.

use crate::sample::hex;
use md5::{Digest as _, Md5};
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};
use std::collections::BTreeSet;

/// Why a draw cannot go ahead or does not check out.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DrawError {
    #[error("“{value}” is not a whole number of at most 60 digits (source {source_no})")]
    BadValue { source_no: usize, value: String },
    #[error("source {source_no} has no value")]
    EmptySource { source_no: usize },
    #[error("the pool lists {0} twice")]
    DuplicateMember(String),
    #[error("{0} is excluded but not in the pool")]
    ExcludedOutsidePool(String),
    #[error("{wanted} to draw but only {eligible} in the pool after exclusions")]
    TooFew { wanted: usize, eligible: usize },
    #[error("RFC 3797 counts picks in two octets: at most 65,536 picks")]
    TooMany,
    #[error("a draw picks at least one supervisor")]
    NothingToDraw,
    #[error("source {source_no} was fixed as {fixed} but given as {given}")]
    SourceKind {
        source_no: usize,
        fixed: &'static str,
        given: &'static str,
    },
    #[error("the pool's fingerprint {found} is not the one fixed with the setup ({fixed})")]
    PoolChanged { fixed: String, found: String },
    #[error("{party} has not revealed its number: the draw stops")]
    RevealMissing { party: String },
    #[error("{party}'s number does not match its commitment: the draw stops")]
    RevealMismatch { party: String },
    #[error("{count} source values given for {sources} sources")]
    SourceCount { count: usize, sources: usize },
    #[error("pick {order} is {found}, recomputed {expected}")]
    Differs {
        order: usize,
        expected: String,
        found: String,
    },
}

impl DrawError {
    /// The refusal as its reader is told it.
    pub fn zh(&self) -> String {
        match self {
            DrawError::BadValue { source_no, value } => {
                format!("第 {source_no} 个随机源的值“{value}”应为不超过 60 位的整数")
            }
            DrawError::EmptySource { source_no } => format!("第 {source_no} 个随机源没有值"),
            DrawError::DuplicateMember(m) => format!("人员库中“{m}”出现两次"),
            DrawError::ExcludedOutsidePool(m) => format!("排除的“{m}”不在人员库中"),
            DrawError::TooFew { wanted, eligible } => {
                format!("需抽选 {wanted} 人（含候补），排除后人员库只有 {eligible} 人")
            }
            DrawError::TooMany => "抽选人数过多".into(),
            DrawError::NothingToDraw => "至少应抽选 1 人".into(),
            DrawError::SourceKind { source_no, .. } => {
                format!("第 {source_no} 个随机源的种类与抽选前固定的不符")
            }
            DrawError::PoolChanged { .. } => "人员库与抽选前固定的摘要不符".into(),
            DrawError::RevealMissing { party } => format!("{party}尚未公开其随机数"),
            DrawError::RevealMismatch { party } => {
                format!("{party}公开的随机数与其事先提交的承诺值不符")
            }
            DrawError::SourceCount { count, sources } => {
                format!("给出 {count} 个随机源的值，抽选前固定的是 {sources} 个")
            }
            DrawError::Differs {
                order,
                expected,
                found,
            } => {
                if *order == 0 {
                    format!("随机数种子应为“{expected}”，公布的是“{found}”")
                } else {
                    format!("第 {order} 位应为“{expected}”，公布的是“{found}”")
                }
            }
        }
    }
}

/// One source value in canonical form: decimal digits without leading zeros.
fn canonical(source_no: usize, v: &str) -> Result<String, DrawError> {
    let t = v.trim();
    if t.is_empty() || t.len() > 60 || !t.bytes().all(|b| b.is_ascii_digit()) {
        return Err(DrawError::BadValue {
            source_no,
            value: v.to_string(),
        });
    }
    let s = t.trim_start_matches('0');
    Ok(if s.is_empty() { "0".into() } else { s.into() })
}

/// The RFC 3797 key string from the sources' values, each source in the order fixed in advance:
/// a source's numbers sorted ascending, each followed by `.`, the source closed by `/`.
pub fn key(sources: &[Vec<String>]) -> Result<String, DrawError> {
    let mut out = String::new();
    for (i, values) in sources.iter().enumerate() {
        if values.is_empty() {
            return Err(DrawError::EmptySource { source_no: i + 1 });
        }
        let mut vs = values
            .iter()
            .map(|v| canonical(i + 1, v))
            .collect::<Result<Vec<_>, _>>()?;
        // Numeric order: shorter digit strings are smaller.
        vs.sort_by(|a, b| (a.len(), a).cmp(&(b.len(), b)));
        for v in vs {
            out.push_str(&v);
            out.push('.');
        }
        out.push('/');
    }
    Ok(out)
}

/// The hash behind the `i`-th pick (0-based): MD5 of the counter as two octets, most significant
/// first, then the key, then the counter again.
pub fn pick_hash(key: &str, i: u16) -> [u8; 16] {
    let c = i.to_be_bytes();
    let mut h = Md5::new();
    h.update(c);
    h.update(key.as_bytes());
    h.update(c);
    h.finalize().into()
}

/// RFC 3797 selection: `count` of a pool of `pool` numbered 1…pool, in the order drawn. Each
/// hash, read as an unsigned 128-bit big-endian number, modulo how many are left, plus one, is
/// the position of the next pick among those not yet picked.
pub fn select(key: &str, pool: usize, count: usize) -> Result<Vec<usize>, DrawError> {
    if count > pool {
        return Err(DrawError::TooFew {
            wanted: count,
            eligible: pool,
        });
    }
    if count > usize::from(u16::MAX) + 1 {
        return Err(DrawError::TooMany);
    }
    let mut left: Vec<usize> = (1..=pool).collect();
    let mut out = Vec::with_capacity(count);
    for i in 0..count {
        let n = u128::from_be_bytes(pick_hash(key, i as u16));
        let at = (n % left.len() as u128) as usize;
        out.push(left.remove(at));
    }
    Ok(out)
}

/// A source of randomness, fixed before its value exists.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Source {
    /// Numbers made public later by someone else (e.g. 中国福利彩票双色球 第2026142期 开奖号码).
    Public { description: String },
    /// A number each party chose and committed to (its SHA-256, see [`commitment`]); revealed
    /// after the setup is fixed. One missing or wrong reveal stops the draw.
    CommitReveal { parties: Vec<(String, String)> },
}

/// The commitment to `number` for draw `draw`: SHA-256 over the draw, the party and the number,
/// hex. Revealing a number that does not give it is refused.
pub fn commitment(draw: &str, party: &str, number: &str) -> String {
    let mut h = Sha256::new();
    for part in ["tianping-draw-commitment", draw, party, number.trim()] {
        h.update(part.as_bytes());
        h.update([0u8]);
    }
    hex(&h.finalize())
}

/// Everything fixed before the seed exists.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Setup {
    /// The draw's own id (binds the commitments to this draw).
    pub draw: String,
    /// The pool in its fixed order (supervisor ids).
    pub pool: Vec<String>,
    /// SHA-256 of the pool as written by [`pool_fingerprint`].
    pub pool_sha256: String,
    /// Members not eligible for this draw, with the reason (回避, 本年度已达次数上限, 无法出席 …).
    pub excluded: Vec<(String, String)>,
    /// How many supervisors the activity needs, and how many alternates follow them.
    pub count: usize,
    pub alternates: usize,
    pub sources: Vec<Source>,
}

/// SHA-256 of the ordered pool: each id followed by a newline, hex.
pub fn pool_fingerprint(pool: &[String]) -> String {
    let mut h = Sha256::new();
    for id in pool {
        h.update(id.as_bytes());
        h.update(b"\n");
    }
    hex(&h.finalize())
}

impl Setup {
    /// Fixes a setup, checking the pool and the exclusions against each other.
    pub fn new(
        draw: &str,
        pool: Vec<String>,
        excluded: Vec<(String, String)>,
        count: usize,
        alternates: usize,
        sources: Vec<Source>,
    ) -> Result<Setup, DrawError> {
        let s = Setup {
            draw: draw.to_string(),
            pool_sha256: pool_fingerprint(&pool),
            pool,
            excluded,
            count,
            alternates,
            sources,
        };
        s.eligible()?;
        Ok(s)
    }

    /// The members eligible for this draw, in pool order (RFC 3797 numbers them 1…n).
    pub fn eligible(&self) -> Result<Vec<&str>, DrawError> {
        let found = pool_fingerprint(&self.pool);
        if found != self.pool_sha256 {
            return Err(DrawError::PoolChanged {
                fixed: self.pool_sha256.clone(),
                found,
            });
        }
        let mut seen = BTreeSet::new();
        for id in &self.pool {
            if !seen.insert(id.as_str()) {
                return Err(DrawError::DuplicateMember(id.clone()));
            }
        }
        let out: BTreeSet<&str> = self.excluded.iter().map(|(id, _)| id.as_str()).collect();
        if let Some(x) = out.iter().find(|x| !seen.contains(*x)) {
            return Err(DrawError::ExcludedOutsidePool((*x).to_string()));
        }
        let eligible: Vec<&str> = self
            .pool
            .iter()
            .map(String::as_str)
            .filter(|id| !out.contains(id))
            .collect();
        if self.count == 0 {
            return Err(DrawError::NothingToDraw);
        }
        let wanted = self.count + self.alternates;
        if wanted > eligible.len() {
            return Err(DrawError::TooFew {
                wanted,
                eligible: eligible.len(),
            });
        }
        Ok(eligible)
    }

    /// The sources' values once known: public numbers as announced, and for a commit–reveal
    /// source the parties' revealed numbers (`None`: not revealed), checked against the
    /// commitments. The values are given per source in the setup's order.
    pub fn values(&self, given: &[SourceValue]) -> Result<Vec<Vec<String>>, DrawError> {
        if given.len() != self.sources.len() {
            return Err(DrawError::SourceCount {
                count: given.len(),
                sources: self.sources.len(),
            });
        }
        let mut out = vec![];
        for (i, (source, value)) in self.sources.iter().zip(given).enumerate() {
            match (source, value) {
                (Source::Public { .. }, SourceValue::Public(v)) => out.push(v.clone()),
                (Source::CommitReveal { parties }, SourceValue::Reveals(reveals)) => {
                    let mut numbers = vec![];
                    for (party, committed) in parties {
                        let revealed = reveals
                            .iter()
                            .find(|(p, _)| p == party)
                            .and_then(|(_, n)| n.as_ref())
                            .ok_or_else(|| DrawError::RevealMissing {
                                party: party.clone(),
                            })?;
                        if commitment(&self.draw, party, revealed) != *committed {
                            return Err(DrawError::RevealMismatch {
                                party: party.clone(),
                            });
                        }
                        numbers.push(revealed.trim().to_string());
                    }
                    out.push(numbers);
                }
                (source, value) => {
                    let kind = |public: bool| {
                        if public {
                            "public numbers"
                        } else {
                            "commit–reveal"
                        }
                    };
                    return Err(DrawError::SourceKind {
                        source_no: i + 1,
                        fixed: kind(matches!(source, Source::Public { .. })),
                        given: kind(matches!(value, SourceValue::Public(_))),
                    });
                }
            }
        }
        Ok(out)
    }

    /// Draws: the key from the values, then the picks and alternates among the eligible.
    pub fn draw(&self, given: &[SourceValue]) -> Result<Outcome, DrawError> {
        let eligible = self.eligible()?;
        let key = key(&self.values(given)?)?;
        let order = select(&key, eligible.len(), self.count + self.alternates)?;
        let picks = order
            .iter()
            .enumerate()
            .map(|(i, &at)| Pick {
                order: i + 1,
                member: eligible[at - 1].to_string(),
                position: at,
                hash: hex(&pick_hash(&key, i as u16)),
                alternate: i >= self.count,
            })
            .collect();
        Ok(Outcome { key, picks })
    }
}

impl Setup {
    /// The values before any is known: no public numbers, no party revealed.
    pub fn blank_values(&self) -> Vec<SourceValue> {
        self.sources
            .iter()
            .map(|s| match s {
                Source::Public { .. } => SourceValue::Public(vec![]),
                Source::CommitReveal { parties } => {
                    SourceValue::Reveals(parties.iter().map(|(p, _)| (p.clone(), None)).collect())
                }
            })
            .collect()
    }

    /// Records the public numbers of source `source_no` (1-based) once announced, checked for
    /// form. Refused for a commit–reveal source or numbers given already.
    pub fn give_public(
        &self,
        values: &mut [SourceValue],
        source_no: usize,
        numbers: Vec<String>,
    ) -> Result<(), DrawError> {
        let i = source_no.wrapping_sub(1);
        match (self.sources.get(i), values.get_mut(i)) {
            (Some(Source::Public { .. }), Some(SourceValue::Public(v))) if v.is_empty() => {
                if numbers.is_empty() {
                    return Err(DrawError::EmptySource { source_no });
                }
                for n in &numbers {
                    canonical(source_no, n)?;
                }
                *v = numbers;
                Ok(())
            }
            _ => Err(DrawError::SourceKind {
                source_no,
                fixed: "commit–reveal",
                given: "public numbers",
            }),
        }
    }

    /// Records a party's revealed number, refused at once when it does not give the party's
    /// commitment.
    pub fn reveal(
        &self,
        values: &mut [SourceValue],
        party: &str,
        number: &str,
    ) -> Result<(), DrawError> {
        for (i, (source, value)) in self.sources.iter().zip(values.iter_mut()).enumerate() {
            let (Source::CommitReveal { parties }, SourceValue::Reveals(reveals)) = (source, value)
            else {
                continue;
            };
            let Some((_, committed)) = parties.iter().find(|(p, _)| p == party) else {
                continue;
            };
            canonical(i + 1, number)?;
            if commitment(&self.draw, party, number) != *committed {
                return Err(DrawError::RevealMismatch {
                    party: party.to_string(),
                });
            }
            if let Some(slot) = reveals.iter_mut().find(|(p, _)| p == party) {
                slot.1 = Some(number.trim().to_string());
            }
            return Ok(());
        }
        Err(DrawError::RevealMissing {
            party: party.to_string(),
        })
    }

    /// Whether every source has its value, so the draw can be made.
    pub fn complete(values: &[SourceValue]) -> bool {
        values.iter().all(|v| match v {
            SourceValue::Public(n) => !n.is_empty(),
            SourceValue::Reveals(r) => r.iter().all(|(_, n)| n.is_some()),
        })
    }
}

/// A source's value once known.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceValue {
    Public(Vec<String>),
    /// Each party with its revealed number, if it revealed one.
    Reveals(Vec<(String, Option<String>)>),
}

/// One name drawn: its place in the result, the member, its position among the eligible when
/// drawn (1-based, RFC 3797), and the hash that chose it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pick {
    pub order: usize,
    pub member: String,
    pub position: usize,
    pub hash: String,
    pub alternate: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outcome {
    pub key: String,
    pub picks: Vec<Pick>,
}

/// An exported draw: the setup, the values the sources gave, and the result as published.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    pub setup: Setup,
    pub values: Vec<SourceValue>,
    pub outcome: Outcome,
}

/// Redoes a published draw from its record: the same key and the same people in the same order.
pub fn verify(r: &Record) -> Result<Outcome, DrawError> {
    let again = r.setup.draw(&r.values)?;
    if again.key != r.outcome.key {
        return Err(DrawError::Differs {
            order: 0,
            expected: again.key,
            found: r.outcome.key.clone(),
        });
    }
    for i in 0..again.picks.len().max(r.outcome.picks.len()) {
        let want = again.picks.get(i).map(|p| p.member.clone());
        let got = r.outcome.picks.get(i).map(|p| p.member.clone());
        if want != got {
            return Err(DrawError::Differs {
                order: i + 1,
                expected: want.unwrap_or_default(),
                found: got.unwrap_or_default(),
            });
        }
    }
    Ok(again)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_come_one_at_a_time_and_reveals_are_checked_on_arrival() {
        let pool: Vec<String> = (1..=10).map(|i| format!("s{i}")).collect();
        let parties = vec![
            ("司法局".to_string(), commitment("d-1", "司法局", "4711")),
            ("检察院".to_string(), commitment("d-1", "检察院", "0815")),
        ];
        let setup = Setup::new(
            "d-1",
            pool,
            vec![],
            2,
            1,
            vec![
                Source::Public {
                    description: "福彩".into(),
                },
                Source::CommitReveal { parties },
            ],
        )
        .unwrap();
        let mut v = setup.blank_values();
        assert!(!Setup::complete(&v));
        assert_eq!(
            setup.reveal(&mut v, "检察院", "816"),
            Err(DrawError::RevealMismatch {
                party: "检察院".into()
            })
        );
        assert!(matches!(
            setup.reveal(&mut v, "人大", "1"),
            Err(DrawError::RevealMissing { .. })
        ));
        setup.reveal(&mut v, "检察院", "0815").unwrap();
        setup.reveal(&mut v, "司法局", "4711").unwrap();
        assert!(!Setup::complete(&v));
        assert!(matches!(
            setup.give_public(&mut v, 1, vec!["1x".into()]),
            Err(DrawError::BadValue { .. })
        ));
        assert!(setup.give_public(&mut v, 2, vec!["1".into()]).is_err());
        setup
            .give_public(&mut v, 1, vec!["07".into(), "19".into()])
            .unwrap();
        assert!(Setup::complete(&v));
        let out = setup.draw(&v).unwrap();
        assert_eq!(out.key, "7.19./815.4711./");
        assert_eq!(out.picks.len(), 3);
        assert!(out.picks[2].alternate);
        assert!(
            DrawError::TooFew {
                wanted: 3,
                eligible: 2
            }
            .zh()
            .contains("只有 2 人")
        );
    }
    use proptest::prelude::*;

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn the_rfcs_own_example() {
        // RFC 3797 §6: three sources (one number, five, six), a pool of 25.
        let k = key(&[
            strings(&["9319"]),
            strings(&["2", "5", "12", "8", "10"]),
            strings(&["9", "18", "26", "34", "41", "45"]),
        ])
        .unwrap();
        assert_eq!(k, "9319./2.5.8.10.12./9.18.26.34.41.45./");
        assert_eq!(
            select(&k, 25, 16).unwrap(),
            [17, 7, 2, 16, 25, 23, 8, 24, 19, 13, 22, 5, 18, 9, 1, 4]
        );
    }

    #[test]
    fn values_are_canonical_and_bad_ones_are_named() {
        assert_eq!(key(&[strings(&["007", "10", "9"])]).unwrap(), "7.9.10./");
        assert_eq!(
            key(&[strings(&["1"]), strings(&["12a"])]),
            Err(DrawError::BadValue {
                source_no: 2,
                value: "12a".into()
            })
        );
        assert_eq!(key(&[vec![]]), Err(DrawError::EmptySource { source_no: 1 }));
    }

    fn setup(pool: usize, excluded: &[usize], count: usize, alternates: usize) -> Setup {
        let ids: Vec<String> = (1..=pool).map(|i| format!("s{i:03}")).collect();
        let parties = vec![
            ("司法局".to_string(), commitment("D1", "司法局", "48213377")),
            ("检察院".to_string(), commitment("D1", "检察院", "90017")),
        ];
        Setup::new(
            "D1",
            ids,
            excluded
                .iter()
                .map(|i| (format!("s{i:03}"), "回避".to_string()))
                .collect(),
            count,
            alternates,
            vec![
                Source::Public {
                    description: "双色球开奖号码".into(),
                },
                Source::CommitReveal { parties },
            ],
        )
        .unwrap()
    }

    fn values(lottery: &[&str]) -> Vec<SourceValue> {
        vec![
            SourceValue::Public(strings(lottery)),
            SourceValue::Reveals(vec![
                ("司法局".into(), Some("48213377".into())),
                ("检察院".into(), Some("90017".into())),
            ]),
        ]
    }

    #[test]
    fn a_draw_picks_then_alternates_skips_the_excluded_and_verifies() {
        let s = setup(23, &[4, 9], 3, 2);
        let o = s
            .draw(&values(&["3", "11", "17", "20", "25", "31", "9"]))
            .unwrap();
        // Each source's numbers in ascending order, the sources in the order fixed.
        assert_eq!(o.key, "3.9.11.17.20.25.31./90017.48213377./");
        assert_eq!(o.picks.len(), 5);
        assert_eq!(o.picks.iter().filter(|p| p.alternate).count(), 2);
        assert!(
            o.picks
                .iter()
                .all(|p| p.member != "s004" && p.member != "s009")
        );
        let members: BTreeSet<&str> = o.picks.iter().map(|p| p.member.as_str()).collect();
        assert_eq!(members.len(), 5, "nobody twice");
        let record = Record {
            setup: s.clone(),
            values: values(&["3", "11", "17", "20", "25", "31", "9"]),
            outcome: o.clone(),
        };
        assert_eq!(verify(&record).unwrap(), o);
        // A record whose published result was changed does not verify, and says where.
        let mut forged = record.clone();
        forged.outcome.picks.swap(0, 1);
        assert!(matches!(
            verify(&forged),
            Err(DrawError::Differs { order: 1, .. })
        ));
        // Nor one whose pool was changed after the setup was fixed.
        let mut moved = record;
        moved.setup.pool.swap(0, 1);
        assert!(matches!(verify(&moved), Err(DrawError::PoolChanged { .. })));
    }

    #[test]
    fn a_missing_or_wrong_reveal_stops_the_draw() {
        let s = setup(10, &[], 2, 1);
        let missing = vec![
            SourceValue::Public(strings(&["1"])),
            SourceValue::Reveals(vec![
                ("司法局".into(), Some("48213377".into())),
                ("检察院".into(), None),
            ]),
        ];
        assert_eq!(
            s.draw(&missing),
            Err(DrawError::RevealMissing {
                party: "检察院".into()
            })
        );
        let wrong = vec![
            SourceValue::Public(strings(&["1"])),
            SourceValue::Reveals(vec![
                ("司法局".into(), Some("48213378".into())),
                ("检察院".into(), Some("90017".into())),
            ]),
        ];
        assert_eq!(
            s.draw(&wrong),
            Err(DrawError::RevealMismatch {
                party: "司法局".into()
            })
        );
        // The commitment binds the draw: the same number committed for another draw is refused.
        assert_ne!(
            commitment("D1", "司法局", "1"),
            commitment("D2", "司法局", "1")
        );
    }

    #[test]
    fn a_setup_that_cannot_be_drawn_is_refused() {
        let ids = strings(&["a", "b", "c"]);
        let src = vec![Source::Public {
            description: "x".into(),
        }];
        assert_eq!(
            Setup::new(
                "D",
                ids.clone(),
                vec![("b".into(), "回避".into())],
                2,
                1,
                src.clone()
            ),
            Err(DrawError::TooFew {
                wanted: 3,
                eligible: 2
            })
        );
        assert_eq!(
            Setup::new(
                "D",
                ids.clone(),
                vec![("z".into(), "回避".into())],
                1,
                0,
                src.clone()
            ),
            Err(DrawError::ExcludedOutsidePool("z".into()))
        );
        assert_eq!(
            Setup::new("D", strings(&["a", "a"]), vec![], 1, 0, src.clone()),
            Err(DrawError::DuplicateMember("a".into()))
        );
        assert_eq!(
            Setup::new("D", ids.clone(), vec![], 0, 1, src.clone()),
            Err(DrawError::NothingToDraw)
        );
        // Values of the wrong kind for a source are named by the source's place.
        let s = Setup::new("D", ids, vec![], 1, 0, src).unwrap();
        assert_eq!(
            s.draw(&[SourceValue::Reveals(vec![])]),
            Err(DrawError::SourceKind {
                source_no: 1,
                fixed: "public numbers",
                given: "commit–reveal"
            })
        );
    }

    proptest! {
        #[test]
        fn the_same_inputs_give_the_same_picks_without_repeats(
            numbers in proptest::collection::vec(0u32..100_000, 1..8),
            pool in 1usize..300,
            count in 1usize..40,
        ) {
            let count = count.min(pool);
            let k = key(&[numbers.iter().map(|n| n.to_string()).collect()]).unwrap();
            let a = select(&k, pool, count).unwrap();
            prop_assert_eq!(&a, &select(&k, pool, count).unwrap());
            let distinct: BTreeSet<usize> = a.iter().copied().collect();
            prop_assert_eq!(distinct.len(), count);
            prop_assert!(a.iter().all(|&p| (1..=pool).contains(&p)));
            // Drawing more extends the list: the first picks do not change.
            if count < pool {
                let more = select(&k, pool, count + 1).unwrap();
                prop_assert_eq!(&more[..count], &a[..]);
            }
        }
    }

    #[test]
    fn every_member_can_be_drawn_first() {
        // Over many keys every one of a pool of 30 comes first at least once.
        let mut first = BTreeSet::new();
        for n in 0..2000u32 {
            let k = key(&[vec![n.to_string()]]).unwrap();
            first.insert(select(&k, 30, 1).unwrap()[0]);
        }
        assert_eq!(first.len(), 30);
    }
}
