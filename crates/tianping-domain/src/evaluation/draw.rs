//! Which cases a plan evaluates and who evaluates each.
//!
//! A routine plan draws from each judge's closed cases with the re-checkable draw of
//! [`crate::sample`]: the pool (each case number with its judge) is fixed and its digest stored
//! before the seed is drawn; given the seed and the pool anyone re-draws the same cases. Each
//! judge's share is `ceil(percent × cases / 100)`, at least `min_per_judge`, at most all.
//!
//! Evaluators come from the plan's expert pool. An expert is never given a case of their own
//! organisation in a cross evaluation, a case they handled (承办人, panel, 书记员), a case naming a
//! person they have a recorded relationship with, or a case above their clearance; of the rest,
//! each case goes to the expert with the fewest cases so far, ties broken by the draw's place of
//! (seed, case, expert) — so the assignment, too, is re-checkable.

use super::Signal;
use crate::case::{Clearance, Confidentiality};
use crate::sample;
use std::collections::{BTreeMap, BTreeSet};

/// A closed case in a plan's pool.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolCase {
    pub case_number: String,
    /// The 承办人 ("" when the case names none: they form one group).
    pub judge: String,
}

/// The line of a pool member in the digest and the published pool: `案号<TAB>承办人`.
pub fn pool_line(c: &PoolCase) -> String {
    format!("{}\t{}", c.case_number, c.judge)
}

/// The digest of a pool (over its lines, sorted).
pub fn pool_digest(pool: &[PoolCase]) -> String {
    let lines: Vec<String> = pool.iter().map(pool_line).collect();
    sample::pool_digest(&lines)
}

/// How many of a judge's `n` cases a routine plan draws.
pub fn share(n: usize, percent: u32, min_per_judge: u32) -> usize {
    let by_percent = (n * percent as usize).div_ceil(100);
    by_percent.max(min_per_judge as usize).min(n)
}

/// The routine draw: per judge, the cases with the smallest places under `seed`. Returns case
/// numbers, grouped by judge (judges in name order), each group in draw order.
pub fn routine(seed: &str, pool: &[PoolCase], percent: u32, min_per_judge: u32) -> Vec<String> {
    let mut by_judge: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for c in pool {
        by_judge
            .entry(c.judge.as_str())
            .or_default()
            .push(c.case_number.clone());
    }
    let mut out = vec![];
    for cases in by_judge.values() {
        let n = share(
            cases.iter().collect::<BTreeSet<_>>().len(),
            percent,
            min_per_judge,
        );
        out.extend(sample::draw(seed, cases, n));
    }
    out
}

/// The signals seen on one closed case.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Signals(pub BTreeSet<Signal>);

/// The chosen triggers a case meets (empty: not in a focus plan).
pub fn focus_reasons(chosen: &[Signal], seen: &Signals) -> Vec<Signal> {
    let mut v: Vec<Signal> = chosen
        .iter()
        .copied()
        .filter(|s| seen.0.contains(s))
        .collect();
    v.sort();
    v.dedup();
    v
}

/// An expert of the pool.
#[derive(Debug, Clone)]
pub struct Expert {
    pub id: i64,
    pub name: String,
    /// The expert's own organisation (a judge's court; the engaging body for others).
    pub org_id: String,
    pub clearance: Clearance,
    /// People the expert has a recorded relationship with (亲属、同学、曾代理 …), by name.
    pub relations: Vec<String>,
}

/// The people of a case an evaluator must not be, or be related to.
#[derive(Debug, Clone)]
pub struct CaseTeam {
    pub case_number: String,
    pub org_id: String,
    pub confidentiality: Confidentiality,
    pub judge: Option<String>,
    pub panel: Vec<String>,
    pub clerk: Option<String>,
    pub parties: Vec<String>,
}

/// Why an expert may not evaluate a case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Conflict {
    /// Cross evaluation: the expert is of the case's own organisation.
    SameOrganisation,
    /// The expert handled the case.
    Handled,
    /// A recorded relationship with a person of the case.
    Related(String),
    /// The case is above the expert's clearance.
    Clearance,
    /// The expert scored the case already (a 复核 needs another).
    ScoredIt,
}

impl Conflict {
    pub fn zh(&self) -> String {
        match self {
            Conflict::SameOrganisation => "交叉评查，不评本单位案件".into(),
            Conflict::Handled => "曾参与办理该案".into(),
            Conflict::Related(n) => format!("与{n}有登记的利害关系"),
            Conflict::Clearance => "无该案密级的阅卷权限".into(),
            Conflict::ScoredIt => "已评过该案，复核须由他人进行".into(),
        }
    }
}

/// The first conflict of `expert` with `case`, if any.
pub fn conflict(expert: &Expert, case: &CaseTeam, cross: bool) -> Option<Conflict> {
    if cross && expert.org_id == case.org_id {
        return Some(Conflict::SameOrganisation);
    }
    let name = expert.name.trim();
    let team = case
        .judge
        .iter()
        .chain(case.panel.iter())
        .chain(case.clerk.iter());
    let mut team_names = team.map(|n| n.trim());
    if expert.org_id == case.org_id && team_names.any(|n| n == name) {
        return Some(Conflict::Handled);
    }
    let people = case
        .judge
        .iter()
        .chain(case.panel.iter())
        .chain(case.clerk.iter())
        .chain(case.parties.iter());
    for p in people {
        let p = p.trim();
        if expert
            .relations
            .iter()
            .any(|r| !r.trim().is_empty() && r.trim() == p)
        {
            return Some(Conflict::Related(p.to_string()));
        }
    }
    if case.confidentiality != Confidentiality::Public
        && !expert.clearance.allows(case.confidentiality)
    {
        return Some(Conflict::Clearance);
    }
    None
}

/// One case's assignment: the expert chosen (if any was free of conflicts) and each expert
/// left out with the reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignment {
    pub case_number: String,
    pub expert: Option<i64>,
    pub excluded: Vec<(i64, Conflict)>,
}

/// Assigns each case (in the order given) to the conflict-free expert with the fewest cases so
/// far; ties by the place of `case_number\nexpert id` under `seed`. `already` counts cases the
/// experts hold from earlier in the plan; `not` excludes experts per case (a 复核 excludes the
/// first evaluator).
pub fn assign(
    seed: &str,
    cases: &[CaseTeam],
    experts: &[Expert],
    cross: bool,
    already: &BTreeMap<i64, usize>,
    not: &BTreeMap<String, Vec<i64>>,
) -> Vec<Assignment> {
    let mut load: BTreeMap<i64, usize> = already.clone();
    let mut out = vec![];
    for c in cases {
        let mut excluded = vec![];
        let mut best: Option<(usize, String, i64)> = None;
        for x in experts {
            let scored = not
                .get(&c.case_number)
                .is_some_and(|ids| ids.contains(&x.id));
            let why = if scored {
                Some(Conflict::ScoredIt)
            } else {
                conflict(x, c, cross)
            };
            if let Some(why) = why {
                excluded.push((x.id, why));
                continue;
            }
            let key = (
                load.get(&x.id).copied().unwrap_or(0),
                sample::place(seed, &format!("{}\n{}", c.case_number, x.id)),
                x.id,
            );
            if best.as_ref().is_none_or(|b| key < *b) {
                best = Some(key);
            }
        }
        let expert = best.map(|(_, _, id)| id);
        if let Some(id) = expert {
            *load.entry(id).or_default() += 1;
        }
        out.push(Assignment {
            case_number: c.case_number.clone(),
            expert,
            excluded,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pool() -> Vec<PoolCase> {
        let mut v = vec![];
        for (j, (judge, n)) in [("王法官", 40), ("李法官", 9), ("赵法官", 1)]
            .into_iter()
            .enumerate()
        {
            for i in 1..=n {
                v.push(PoolCase {
                    case_number: format!("（2026）浙0102民初{j}{i:03}号"),
                    judge: judge.into(),
                });
            }
        }
        v
    }

    #[test]
    fn each_judge_gives_a_share_at_least_the_minimum() {
        assert_eq!(share(40, 5, 1), 2);
        assert_eq!(share(9, 5, 1), 1);
        assert_eq!(share(9, 5, 0), 1, "ceil: 0.45 case is one case");
        assert_eq!(share(0, 5, 1), 0);
        assert_eq!(share(3, 50, 5), 3, "never more than the judge has");
        let p = pool();
        let drawn = routine("seed-1", &p, 5, 1);
        assert_eq!(drawn.len(), 2 + 1 + 1);
        let judge_of = |n: &String| {
            p.iter()
                .find(|c| &c.case_number == n)
                .unwrap()
                .judge
                .clone()
        };
        let judges: BTreeSet<String> = drawn.iter().map(judge_of).collect();
        assert_eq!(judges.len(), 3, "every judge is evaluated");
    }

    #[test]
    fn the_draw_is_reproducible_from_seed_and_pool_in_any_order() {
        let p = pool();
        let mut q = p.clone();
        q.reverse();
        assert_eq!(routine("abc", &p, 10, 1), routine("abc", &q, 10, 1));
        assert_ne!(routine("abc", &p, 10, 1), routine("abd", &p, 10, 1));
        assert_eq!(pool_digest(&p), pool_digest(&q));
        let mut r = p.clone();
        r[0].judge = "钱法官".into();
        assert_ne!(
            pool_digest(&p),
            pool_digest(&r),
            "the judge is part of the pool"
        );
        // The drawn cases of a judge are that judge's smallest places.
        let wang: Vec<String> = p
            .iter()
            .filter(|c| c.judge == "王法官")
            .map(|c| c.case_number.clone())
            .collect();
        let drawn = routine("abc", &p, 10, 1);
        let mut places: Vec<String> = wang.iter().map(|n| sample::place("abc", n)).collect();
        places.sort();
        let drawn_wang: Vec<&String> = drawn.iter().filter(|n| wang.contains(n)).collect();
        assert_eq!(drawn_wang.len(), 4);
        assert!(
            drawn_wang
                .iter()
                .all(|n| places[..4].contains(&sample::place("abc", n)))
        );
    }

    #[test]
    fn focus_keeps_the_chosen_triggers_a_case_meets() {
        let seen = Signals([Signal::Overdue, Signal::BadRating].into_iter().collect());
        assert_eq!(
            focus_reasons(&[Signal::Reversed, Signal::Overdue], &seen),
            vec![Signal::Overdue]
        );
        assert!(focus_reasons(&[Signal::Flagged], &seen).is_empty());
        assert!(focus_reasons(&[], &seen).is_empty());
    }

    fn expert(id: i64, name: &str, org: &str) -> Expert {
        Expert {
            id,
            name: name.into(),
            org_id: org.into(),
            clearance: Clearance::default(),
            relations: vec![],
        }
    }

    fn team(n: &str, org: &str) -> CaseTeam {
        CaseTeam {
            case_number: n.into(),
            org_id: org.into(),
            confidentiality: Confidentiality::Public,
            judge: Some("王法官".into()),
            panel: vec!["王法官".into(), "陈法官".into()],
            clerk: Some("周书记员".into()),
            parties: vec!["张三".into(), "杭州某某有限公司".into()],
        }
    }

    #[test]
    fn conflicts_exclude_own_court_team_relations_and_clearance() {
        let c = team("（2026）浙0102民初1号", "c0102");
        assert_eq!(
            conflict(&expert(1, "李法官", "c0102"), &c, true),
            Some(Conflict::SameOrganisation)
        );
        assert_eq!(conflict(&expert(1, "李法官", "c0102"), &c, false), None);
        assert_eq!(
            conflict(&expert(2, "陈法官", "c0102"), &c, false),
            Some(Conflict::Handled)
        );
        // A namesake in another court did not handle it.
        assert_eq!(conflict(&expert(3, "陈法官", "c0106"), &c, true), None);
        let mut related = expert(4, "刘律师", "plc");
        related.relations = vec!["张三".into()];
        assert_eq!(
            conflict(&related, &c, true),
            Some(Conflict::Related("张三".into()))
        );
        let mut secret = c.clone();
        secret.confidentiality = Confidentiality::Minors;
        assert_eq!(
            conflict(&expert(5, "孙教授", "plc"), &secret, true),
            Some(Conflict::Clearance)
        );
        let mut cleared = expert(5, "孙教授", "plc");
        cleared.clearance = Clearance(vec![Confidentiality::Minors]);
        assert_eq!(conflict(&cleared, &secret, true), None);
        assert!(Conflict::Related("张三".into()).zh().contains("张三"));
    }

    #[test]
    fn assignment_balances_skips_conflicts_and_is_reproducible() {
        let cases: Vec<CaseTeam> = (1..=6)
            .map(|i| team(&format!("（2026）浙0102民初{i}号"), "c0102"))
            .collect();
        let experts = vec![
            expert(1, "李法官", "c0102"),
            expert(2, "钱法官", "c0106"),
            expert(3, "孙法官", "c0105"),
        ];
        let a = assign(
            "s",
            &cases,
            &experts,
            true,
            &BTreeMap::new(),
            &BTreeMap::new(),
        );
        assert!(a.iter().all(|x| x.expert.is_some_and(|e| e != 1)));
        assert!(
            a.iter()
                .all(|x| x.excluded == vec![(1, Conflict::SameOrganisation)])
        );
        let twos = a.iter().filter(|x| x.expert == Some(2)).count();
        assert_eq!(twos, 3, "six cases over two free experts, three each");
        assert_eq!(
            a,
            assign(
                "s",
                &cases,
                &experts,
                true,
                &BTreeMap::new(),
                &BTreeMap::new()
            )
        );
        // A 复核 never goes to the first evaluator; with no one left, no one is assigned.
        let not: BTreeMap<String, Vec<i64>> = [(cases[0].case_number.clone(), vec![2, 3])]
            .into_iter()
            .collect();
        let r = assign("s", &cases[..1], &experts, true, &BTreeMap::new(), &not);
        assert_eq!(r[0].expert, None);
        assert!(r[0].excluded.contains(&(2, Conflict::ScoredIt)));
    }
}
