//! Making a plan: its pool (the region's closed cases of the period, or the cases listed), the
//! signals of a 重点 plan, the draw of a 常规 one, the experts assigned without conflicts — and
//! all of it written at once.

use super::{refusal, team_of};
use crate::ledger::Key;
use crate::{Result, Store, ts};
use chrono::{DateTime, NaiveDate, Utc};
use sqlx::Row;
use std::collections::{BTreeMap, BTreeSet};
use tianping_domain::AgencyKind;
use tianping_domain::clock::local_midnight;
use tianping_domain::evaluation::draw::{self, PoolCase, Signals};
use tianping_domain::evaluation::{PlanKind, Signal, rules};
use tianping_ledger::Command;

/// A plan as checked by the domain, with the seed drawn for it.
#[derive(Debug, Clone)]
pub struct PlanInput {
    pub org_id: String,
    pub region_path: String,
    pub kind: PlanKind,
    pub title: String,
    pub agency: AgencyKind,
    pub sheet_id: String,
    pub sheet_version: u32,
    pub closed_from: NaiveDate,
    pub closed_to: NaiveDate,
    pub percent: u32,
    pub min_per_judge: u32,
    pub signals: Vec<Signal>,
    pub criteria: String,
    pub case_numbers: Vec<String>,
    pub cross: bool,
    /// The experts of the pool chosen for this plan (its 评查组); empty for the whole pool.
    pub experts: Vec<i64>,
    pub due: NaiveDate,
    /// Drawn by the caller after nothing about the pool can change it (injected: tests fix it).
    pub seed: String,
}

/// What a plan came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanMade {
    pub id: i64,
    pub pool_size: usize,
    pub cases: usize,
    /// Cases no expert could take (the office adds experts and assigns them again).
    pub unassigned: usize,
}

#[derive(Clone)]
struct PoolRow {
    id: i64,
    number: String,
    judge: String,
}

impl Store {
    /// The closed cases of a region and agency kind closed in the period (Beijing days).
    async fn closed_pool(&self, p: &PlanInput) -> Result<Vec<PoolRow>> {
        let from = ts(local_midnight(p.closed_from));
        let to = ts(local_midnight(
            p.closed_to.succ_opt().unwrap_or(p.closed_to),
        ));
        let rows = sqlx::query(
            "SELECT id, case_number, judge FROM cases WHERE region_path >= $1 AND region_path < $2 AND agency_kind = $3 \
             AND closed_at >= $4 AND closed_at < $5 ORDER BY case_number",
        )
        .bind(&p.region_path)
        .bind(crate::case::prefix_end(&p.region_path))
        .bind(p.agency.as_str())
        .bind(from)
        .bind(to)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(PoolRow {
                    id: r.try_get("id")?,
                    number: r.try_get("case_number")?,
                    judge: r.try_get::<Option<String>, _>("judge")?.unwrap_or_default(),
                })
            })
            .collect()
    }

    /// A procuratorate's sample is drawn after its 案件自查: the cases still within their
    /// self-check days stay out of the pool (a case whose days ran out unchecked is drawn).
    async fn self_checked(&self, pool: Vec<PoolRow>, today: NaiveDate) -> Result<Vec<PoolRow>> {
        use tianping_domain::evaluation::self_check;
        let r = rules();
        let cw = self.clockwork();
        let mut out = Vec::with_capacity(pool.len());
        for part in pool.chunks(500) {
            let sql = format!(
                "SELECT c.id, c.closed_at, x.checked_at FROM cases c LEFT JOIN evaluation_self_checks x ON x.case_id = c.id WHERE c.id IN ({})",
                crate::bulk_placeholders(self.backend, 1, part.len())
            );
            let mut q = sqlx::query(crate::audited(sql));
            for c in part {
                q = q.bind(c.id);
            }
            let mut keep = BTreeSet::new();
            for row in q.fetch_all(&self.pool).await? {
                let closed: Option<String> = row.try_get("closed_at")?;
                let checked: Option<String> = row.try_get("checked_at")?;
                let Some(closed) = closed else { continue };
                let closed = tianping_domain::clock::local_date(crate::parse_ts(&closed)?);
                let done = checked
                    .as_deref()
                    .map(crate::parse_ts)
                    .transpose()?
                    .map(tianping_domain::clock::local_date);
                let due = self_check::due(closed, r, &cw.calendar);
                let standing = self_check::standing(due, done, today);
                if self_check::drawable(self_check::applies(closed, r), standing) {
                    keep.insert(row.try_get::<i64, _>("id")?);
                }
            }
            // A file that names no handler has nobody to self-check it: drawn as before.
            out.extend(
                part.iter()
                    .filter(|c| keep.contains(&c.id) || c.judge.trim().is_empty())
                    .cloned(),
            );
        }
        Ok(out)
    }

    /// The listed cases of a 专项 plan: each must be a case of the region and agency kind.
    async fn listed_pool(&self, p: &PlanInput) -> Result<Vec<PoolRow>> {
        let mut out = vec![];
        let mut seen = BTreeSet::new();
        for n in &p.case_numbers {
            let n = n.trim();
            if n.is_empty() || !seen.insert(n.to_string()) {
                continue;
            }
            let r = sqlx::query(
                "SELECT id, case_number, judge, region_path, agency_kind FROM cases WHERE case_number = $1",
            )
            .bind(n)
            .fetch_optional(&self.pool)
            .await?;
            let found = match r {
                Some(r) => {
                    let path: String = r.try_get("region_path")?;
                    let kind: String = r.try_get("agency_kind")?;
                    (path.starts_with(&p.region_path) && kind == p.agency.as_str()).then_some(
                        PoolRow {
                            id: r.try_get("id")?,
                            number: r.try_get("case_number")?,
                            judge: r.try_get::<Option<String>, _>("judge")?.unwrap_or_default(),
                        },
                    )
                }
                None => None,
            };
            match found {
                Some(row) => out.push(row),
                None => {
                    return Err(refusal(
                        "case_not_found",
                        format!("案号“{n}”不是本辖区{}的案件", p.agency.zh()),
                    ));
                }
            }
        }
        Ok(out)
    }

    /// The signals each case of the pool shows, for a 重点 plan (only the chosen signals are read).
    async fn signals_of(&self, p: &PlanInput, pool: &[PoolRow]) -> Result<BTreeMap<i64, Signals>> {
        let ids: BTreeSet<i64> = pool.iter().map(|c| c.id).collect();
        let by_number: BTreeMap<&str, i64> =
            pool.iter().map(|c| (c.number.as_str(), c.id)).collect();
        let mut out: BTreeMap<i64, Signals> = BTreeMap::new();
        let scope = "c.region_path >= $1 AND c.region_path < $2 AND c.agency_kind = $3";
        for s in &p.signals {
            let sql = match s {
                Signal::Overdue => format!(
                    "SELECT f.case_id FROM metric_facts f JOIN cases c ON c.id = f.case_id WHERE {scope} AND f.limit_outcome = 'late'"
                ),
                Signal::Flagged => format!(
                    "SELECT DISTINCT g.case_id FROM case_flags g JOIN cases c ON c.id = g.case_id WHERE {scope} AND g.cleared_at IS NULL"
                ),
                Signal::BadRating => format!(
                    "SELECT DISTINCT r.case_id FROM feedback_ratings r JOIN cases c ON c.id = r.case_id WHERE {scope} AND r.level <= 2 AND r.set_aside_at IS NULL"
                ),
                // Opened by another organisation than the case's own (a 人大, a 政法委, a higher
                // court or procuratorate); a quality evaluation's own items do not count.
                Signal::Supervised => format!(
                    "SELECT DISTINCT i.case_id FROM supervision_items i JOIN cases c ON c.id = i.case_id WHERE {scope} AND i.org_id <> c.org_id AND i.source <> 'evaluation'"
                ),
                Signal::Reversed => {
                    // The appeal is decided at a higher court, outside the region: read the
                    // amended or remanded appeals closed since the period began, and match the
                    // case each continues.
                    let rows = sqlx::query(
                        "SELECT state FROM cases WHERE disposition IN ('amended', 'remanded_for_retrial') AND closed_at >= $1",
                    )
                    .bind(ts(local_midnight(p.closed_from)))
                    .fetch_all(&self.pool)
                    .await?;
                    for r in rows {
                        let state: String = r.try_get("state")?;
                        let origin = serde_json::from_str::<tianping_domain::CaseState>(&state)
                            .ok()
                            .and_then(|s| s.origin_case_number);
                        if let Some(id) = origin.as_deref().and_then(|o| by_number.get(o)) {
                            out.entry(*id).or_default().0.insert(Signal::Reversed);
                        }
                    }
                    continue;
                }
            };
            let rows = sqlx::query(crate::audited(sql))
                .bind(&p.region_path)
                .bind(crate::case::prefix_end(&p.region_path))
                .bind(p.agency.as_str())
                .fetch_all(&self.pool)
                .await?;
            for r in rows {
                let id: i64 = r.try_get(0)?;
                if ids.contains(&id) {
                    out.entry(id).or_default().0.insert(*s);
                }
            }
        }
        Ok(out)
    }

    /// Makes a plan: pool, selection, assignment, written in one transaction.
    pub async fn make_evaluation_plan(
        &self,
        p: &PlanInput,
        by: &crate::user::User,
        now: DateTime<Utc>,
    ) -> Result<PlanMade> {
        let r = rules();
        let pool = match p.kind {
            PlanKind::Special => self.listed_pool(p).await?,
            PlanKind::Routine | PlanKind::Focus => self.closed_pool(p).await?,
        };
        let pool = if p.kind == PlanKind::Routine && p.agency == AgencyKind::Procuratorate {
            self.self_checked(pool, tianping_domain::clock::local_date(now))
                .await?
        } else {
            pool
        };
        if pool.len() > r.limits.pool_max {
            return Err(refusal(
                "pool_too_large",
                format!(
                    "所选范围有{}件已结案件，超过一次评查的上限{}件，请缩短期间",
                    pool.len(),
                    r.limits.pool_max
                ),
            ));
        }
        let members: Vec<PoolCase> = pool
            .iter()
            .map(|c| PoolCase {
                case_number: c.number.clone(),
                judge: c.judge.clone(),
            })
            .collect();
        let digest = draw::pool_digest(&members);
        let mut lines: Vec<String> = members.iter().map(draw::pool_line).collect();
        lines.sort();
        let id_of: BTreeMap<&str, i64> = pool.iter().map(|c| (c.number.as_str(), c.id)).collect();
        // (case id, reason in words)
        let selected: Vec<(i64, String)> = match p.kind {
            PlanKind::Routine => draw::routine(&p.seed, &members, p.percent, p.min_per_judge)
                .iter()
                .filter_map(|n| {
                    id_of
                        .get(n.as_str())
                        .map(|id| (*id, "随机抽取".to_string()))
                })
                .collect(),
            PlanKind::Focus => {
                let seen = self.signals_of(p, &pool).await?;
                pool.iter()
                    .filter_map(|c| {
                        let reasons = draw::focus_reasons(
                            &p.signals,
                            seen.get(&c.id).unwrap_or(&Signals::default()),
                        );
                        (!reasons.is_empty()).then(|| {
                            let words: Vec<&str> = reasons
                                .iter()
                                .filter_map(|s| r.trigger(*s).map(|t| t.name.as_str()))
                                .collect();
                            (c.id, words.join("、"))
                        })
                    })
                    .collect()
            }
            PlanKind::Special => pool
                .iter()
                .map(|c| (c.id, "专项列明".to_string()))
                .collect(),
        };
        if selected.is_empty() {
            return Err(refusal(
                "no_cases",
                "所选期间和范围内没有符合条件的已结案件，未制定评查计划",
            ));
        }
        // The teams of the selected cases, and the pool's experts.
        let mut teams = vec![];
        for (id, _) in &selected {
            let r = sqlx::query(
                "SELECT case_number, org_id, confidentiality, state FROM cases WHERE id = $1",
            )
            .bind(id)
            .fetch_one(&self.pool)
            .await?;
            teams.push(team_of(
                &r.try_get::<String, _>("case_number")?,
                &r.try_get::<String, _>("org_id")?,
                &r.try_get::<String, _>("confidentiality")?,
                &r.try_get::<String, _>("state")?,
            )?);
        }
        let pool_experts = self.evaluation_experts(&p.org_id).await?;
        if let Some(x) = p
            .experts
            .iter()
            .find(|x| !pool_experts.iter().any(|e| e.id == **x))
        {
            return Err(refusal(
                "not_eligible",
                format!("所选专家（编号{x}）不在本单位专家库中"),
            ));
        }
        let experts: Vec<_> = pool_experts
            .iter()
            .filter(|e| p.experts.is_empty() || p.experts.contains(&e.id))
            .map(super::ExpertRow::as_expert)
            .collect();
        let names: BTreeMap<i64, String> = experts.iter().map(|e| (e.id, e.name.clone())).collect();
        let assigned = draw::assign(
            &p.seed,
            &teams,
            &experts,
            p.cross,
            &BTreeMap::new(),
            &BTreeMap::new(),
        );
        let signals: Vec<&str> = p.signals.iter().map(|s| s.as_str()).collect();
        let mut tx = self.write(now).await?;
        let plan_id: i64 = sqlx::query(
            "INSERT INTO evaluation_plans (org_id, region_path, kind, title, agency_kind, sheet_id, sheet_version, closed_from, closed_to, percent, min_per_judge, \
             signals, criteria, cross_evaluation, experts, due, seed, pool_digest, pool_size, pool, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22) RETURNING id",
        )
        .bind(&p.org_id)
        .bind(&p.region_path)
        .bind(p.kind.as_str())
        .bind(p.title.trim())
        .bind(p.agency.as_str())
        .bind(&p.sheet_id)
        .bind(i64::from(p.sheet_version))
        .bind(p.closed_from.to_string())
        .bind(p.closed_to.to_string())
        .bind(i64::from(p.percent))
        .bind(i64::from(p.min_per_judge))
        .bind(signals.join(","))
        .bind(p.criteria.trim())
        .bind(i64::from(p.cross))
        .bind(
            p.experts
                .iter()
                .map(i64::to_string)
                .collect::<Vec<_>>()
                .join(","),
        )
        .bind(p.due.to_string())
        .bind(&p.seed)
        .bind(&digest)
        .bind(pool.len() as i64)
        .bind(lines.join("\n"))
        .bind(by.id)
        .bind(ts(now))
        .fetch_one(&mut *tx)
        .await?
        .try_get(0)?;
        tx.record(Command::EvaluationPlanned, plan_id).await?;
        let mut keys: Vec<Key> = vec![];
        let mut unassigned = 0;
        for ((case_id, reason), a) in selected.iter().zip(&assigned) {
            let exclusions: Vec<String> = a
                .excluded
                .iter()
                .map(|(id, why)| {
                    format!("{}：{}", names.get(id).map_or("", String::as_str), why.zh())
                })
                .collect();
            let stage = if a.expert.is_some() {
                "assigned"
            } else {
                unassigned += 1;
                "unassigned"
            };
            let id: i64 = sqlx::query(
                "INSERT INTO evaluation_cases (plan_id, case_id, reason, evaluator_id, exclusions, stage, acted_by) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
            )
            .bind(plan_id)
            .bind(case_id)
            .bind(reason)
            .bind(a.expert)
            .bind(exclusions.join("\n"))
            .bind(stage)
            .bind(by.id)
            .fetch_one(&mut *tx)
            .await?
            .try_get(0)?;
            keys.push(id.into());
        }
        tx.record_all(Command::EvaluationCaseDrawn, &keys).await?;
        // Each evaluator is told once of the cases given to them.
        let users: BTreeMap<i64, i64> = self
            .evaluation_experts(&p.org_id)
            .await?
            .iter()
            .map(|e| (e.id, e.user_id))
            .collect();
        let mut given: BTreeMap<i64, usize> = BTreeMap::new();
        for a in &assigned {
            if let Some(u) = a.expert.and_then(|e| users.get(&e)) {
                *given.entry(*u).or_default() += 1;
            }
        }
        let due = ts(local_midnight(p.due.succ_opt().unwrap_or(p.due)));
        for (user, n) in given {
            super::tell_of(
                &mut tx,
                user,
                &crate::clocks::tell::Task {
                    key: format!("evaluation-plan:{plan_id}:{user}"),
                    kind: tianping_domain::todo::TaskKind::Evaluate,
                    what: p.title.trim(),
                    sentence: format!(
                        "“{}”交由您评查{n}件案件，请在评查截止日（{}）前逐项评分。评查期间可以查阅这些案件的材料。",
                        p.title.trim(),
                        p.due
                    ),
                    due: Some(&due),
                    link: "/evaluations".into(),
                },
                now,
            )
            .await?;
        }
        tx.commit().await?;
        Ok(PlanMade {
            id: plan_id,
            pool_size: pool.len(),
            cases: selected.len(),
            unassigned,
        })
    }
}
