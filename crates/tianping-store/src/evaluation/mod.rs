//! Case quality evaluation (评查, migration 0035, ledgered): the expert pool of each office that
//! runs evaluations, the plans with their pool and seed, and each evaluated case through its acts.
//! The domain (`tianping_domain::evaluation`) draws, assigns, scores and checks each act; this
//! module loads what it needs and writes, each write one transaction with its ledger leaves.
//! `plans` makes a plan (pool, signals, draw, assignment) in one write; `acts` moves an
//! evaluated case (a conditional update from the stage the domain checked) and opens the
//! supervision item a final grade calls for in the same write.

mod acts;
mod plans;
mod self_checks;

pub use acts::{ActInput, ActOutcome};
pub use plans::{PlanInput, PlanMade};
pub use self_checks::{SelfCheckQuery, SelfCheckRow};

use crate::db::{FromRow, row_struct};
use crate::{Result, Store, StoreError, ts};
use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::Row;
use tianping_domain::case::{Clearance, Confidentiality};
use tianping_domain::evaluation::draw::{CaseTeam, Expert};
use tianping_domain::supervision::Refusal;
use tianping_ledger::Command;

pub(crate) fn refusal(code: &'static str, zh: impl Into<String>) -> StoreError {
    StoreError::Refused(Refusal {
        code,
        zh: zh.into(),
    })
}

/// The kinds of expert in a pool.
pub const EXPERT_KINDS: &[(&str, &str)] = &[
    ("judge", "其他法院法官"),
    ("prosecutor", "其他检察院检察官"),
    ("deputy", "人大代表"),
    ("people_supervisor", "人民监督员"),
    ("lawyer", "律师"),
    ("scholar", "专家学者"),
    ("third_party", "第三方评查机构人员"),
];

pub fn expert_kind_zh(kind: &str) -> &'static str {
    EXPERT_KINDS
        .iter()
        .find(|(k, _)| *k == kind)
        .map_or("评查专家", |(_, z)| z)
}

row_struct! {
/// An expert of a pool, with their login's name and organisation.
#[derive(Debug, Clone, Serialize)]
pub struct ExpertRow {
    pub id: i64,
    pub pool_org_id: String,
    pub user_id: i64,
    pub username: String,
    pub name: String,
    pub org_id: String,
    pub org_name: String,
    pub role: String,
    pub clearance: String,
    pub kind: String,
    pub relations: String,
    pub added_at: String,
    pub cases: i64,
}
}

impl ExpertRow {
    pub fn kind_zh(&self) -> &'static str {
        expert_kind_zh(&self.kind)
    }
    /// The expert as the domain's assignment reads them.
    pub fn as_expert(&self) -> Expert {
        Expert {
            id: self.id,
            name: self.name.clone(),
            org_id: self.org_id.clone(),
            clearance: Clearance::parse_list(&self.clearance).unwrap_or_default(),
            relations: self
                .relations
                .split(['\n', '、', ',', '，'])
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(String::from)
                .collect(),
        }
    }
}

const EXPERT_SELECT: &str = "SELECT e.id, e.pool_org_id, e.user_id, u.username, u.display_name AS name, u.org_id, o.name AS org_name, u.role, u.clearance, e.kind, e.relations, e.added_at, \
     (SELECT COUNT(*) FROM evaluation_cases c WHERE c.evaluator_id = e.id OR c.rechecker_id = e.id) AS cases \
     FROM evaluation_experts e JOIN users u ON u.id = e.user_id JOIN orgs o ON o.id = u.org_id";

row_struct! {
/// A plan with its counts.
#[derive(Debug, Clone, Serialize)]
pub struct PlanRow {
    pub id: i64,
    pub org_id: String,
    pub org_name: String,
    pub region_path: String,
    pub kind: String,
    pub title: String,
    pub agency_kind: String,
    pub sheet_id: String,
    pub sheet_version: i64,
    pub closed_from: String,
    pub closed_to: String,
    pub percent: i64,
    pub min_per_judge: i64,
    pub signals: String,
    pub criteria: String,
    pub cross_evaluation: i64,
    pub due: String,
    pub seed: String,
    pub pool_digest: String,
    pub pool_size: i64,
    pub created_by_name: String,
    pub created_at: String,
    pub cases: i64,
    pub finals: i64,
    pub passed: i64,
}
}

const PLAN_SELECT: &str = "SELECT p.id, p.org_id, o.name AS org_name, p.region_path, p.kind, p.title, p.agency_kind, p.sheet_id, p.sheet_version, \
     p.closed_from, p.closed_to, p.percent, p.min_per_judge, p.signals, p.criteria, p.cross_evaluation, p.due, p.seed, p.pool_digest, p.pool_size, \
     u.display_name AS created_by_name, p.created_at, \
     (SELECT COUNT(*) FROM evaluation_cases c WHERE c.plan_id = p.id) AS cases, \
     (SELECT COUNT(*) FROM evaluation_cases c WHERE c.plan_id = p.id AND c.stage = 'final') AS finals, \
     (SELECT COUNT(*) FROM evaluation_cases c WHERE c.plan_id = p.id AND c.passes = 1) AS passed \
     FROM evaluation_plans p JOIN orgs o ON o.id = p.org_id JOIN users u ON u.id = p.created_by";

row_struct! {
/// An evaluated case with its plan, case and people.
#[derive(Debug, Clone, Serialize)]
pub struct EvalCaseRow {
    pub id: i64,
    pub plan_id: i64,
    pub plan_title: String,
    pub plan_org_id: String,
    pub plan_path: String,
    pub plan_due: String,
    pub plan_kind: String,
    pub sheet_id: String,
    pub sheet_version: i64,
    pub agency_kind: String,
    pub case_id: i64,
    pub case_number: String,
    pub case_org_id: String,
    pub case_org_name: String,
    pub case_path: String,
    pub case_judge: Option<String>,
    pub confidentiality: String,
    pub reason: String,
    pub evaluator_id: Option<i64>,
    pub evaluator_user_id: Option<i64>,
    pub evaluator_name: Option<String>,
    pub exclusions: String,
    pub stage: String,
    pub deductions: Option<String>,
    pub score: Option<i64>,
    pub grade: Option<String>,
    pub scored_at: Option<String>,
    pub objection: Option<String>,
    pub objected_at: Option<String>,
    /// When the case was given to its present evaluator after the due day (改派).
    pub reassigned_at: Option<String>,
    pub rechecker_id: Option<i64>,
    pub rechecker_user_id: Option<i64>,
    pub rechecker_name: Option<String>,
    pub recheck_deductions: Option<String>,
    pub recheck_score: Option<i64>,
    pub recheck_grade: Option<String>,
    pub recheck_note: Option<String>,
    pub rechecked_at: Option<String>,
    pub final_score: Option<i64>,
    pub final_grade: Option<String>,
    pub passes: Option<i64>,
    pub final_at: Option<String>,
    pub item_id: Option<i64>,
}
}

impl EvalCaseRow {
    pub fn stage(&self) -> tianping_domain::evaluation::review::Stage {
        tianping_domain::evaluation::review::Stage::parse(&self.stage)
            .unwrap_or(tianping_domain::evaluation::review::Stage::Unassigned)
    }
    pub fn confidentiality(&self) -> Confidentiality {
        Confidentiality::parse(&self.confidentiality).unwrap_or(Confidentiality::StateSecret)
    }
}

pub(crate) const CASE_SELECT: &str = "SELECT x.id, x.plan_id, p.title AS plan_title, p.org_id AS plan_org_id, p.region_path AS plan_path, p.due AS plan_due, p.kind AS plan_kind, \
     p.sheet_id, p.sheet_version, p.agency_kind, x.case_id, c.case_number, c.org_id AS case_org_id, co.name AS case_org_name, c.region_path AS case_path, \
     c.judge AS case_judge, c.confidentiality, x.reason, x.evaluator_id, ev.user_id AS evaluator_user_id, eu.display_name AS evaluator_name, x.exclusions, x.stage, \
     x.deductions, x.score, x.grade, x.scored_at, x.objection, x.objected_at, x.reassigned_at, x.rechecker_id, rv.user_id AS rechecker_user_id, ru.display_name AS rechecker_name, \
     x.recheck_deductions, x.recheck_score, x.recheck_grade, x.recheck_note, x.rechecked_at, x.final_score, x.final_grade, x.passes, x.final_at, x.item_id \
     FROM evaluation_cases x JOIN evaluation_plans p ON p.id = x.plan_id JOIN cases c ON c.id = x.case_id JOIN orgs co ON co.id = c.org_id \
     LEFT JOIN evaluation_experts ev ON ev.id = x.evaluator_id LEFT JOIN users eu ON eu.id = ev.user_id \
     LEFT JOIN evaluation_experts rv ON rv.id = x.rechecker_id LEFT JOIN users ru ON ru.id = rv.user_id";

/// Tells a person (by login) of an evaluation task at their mail cadence, in the write that made
/// it. The words name the case number and the grade only — never what a confidential case hides.
pub(crate) async fn tell_of(
    tx: &mut crate::write::Write,
    user_id: i64,
    task: &crate::clocks::tell::Task<'_>,
    now: DateTime<Utc>,
) -> Result<()> {
    if let Some(p) = crate::clocks::tell::user_person(tx, user_id).await? {
        crate::clocks::tell::tell(tx, &p, task, now).await?;
    }
    Ok(())
}

/// The login of the judge a case names (by name within its organisation), if there is one.
pub(crate) async fn judge_user(
    tx: &mut crate::write::Write,
    evaluation: i64,
) -> Result<Option<i64>> {
    let r = sqlx::query(
        "SELECT u.id FROM evaluation_cases x JOIN cases c ON c.id = x.case_id \
         JOIN users u ON u.org_id = c.org_id AND u.display_name = c.judge AND u.role = 'judge' \
         WHERE x.id = $1 ORDER BY u.id LIMIT 1",
    )
    .bind(evaluation)
    .fetch_optional(&mut **tx)
    .await?;
    Ok(match r {
        Some(r) => Some(r.try_get("id")?),
        None => None,
    })
}

/// The people of a case an evaluator must not be or be related to, from its stored state.
pub(crate) fn team_of(
    case_number: &str,
    org_id: &str,
    confidentiality: &str,
    state: &str,
) -> Result<CaseTeam> {
    let s: tianping_domain::CaseState =
        serde_json::from_str(state).map_err(|e| StoreError::Corrupt(format!("case state: {e}")))?;
    Ok(CaseTeam {
        case_number: case_number.to_string(),
        org_id: org_id.to_string(),
        confidentiality: Confidentiality::parse(confidentiality)
            .unwrap_or(Confidentiality::StateSecret),
        judge: s.judge,
        panel: s.panel,
        clerk: s.clerk,
        parties: s.parties.into_iter().map(|p| p.name).collect(),
    })
}

impl Store {
    /// Adds a person (by their login) to an office's expert pool.
    pub async fn add_evaluation_expert(
        &self,
        pool_org_id: &str,
        username: &str,
        kind: &str,
        relations: &str,
        by: &crate::user::User,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        if !EXPERT_KINDS.iter().any(|(k, _)| *k == kind) {
            return Err(refusal("invalid_kind", "请选择专家类别"));
        }
        if relations.chars().count() > 500 {
            return Err(refusal("field_too_long", "利害关系人不超过500字"));
        }
        let mut tx = self.write(now).await?;
        let Some(u) = sqlx::query("SELECT id FROM users WHERE username = $1")
            .bind(username.trim())
            .fetch_optional(&mut *tx)
            .await?
        else {
            return Err(refusal(
                "unknown_user",
                format!("没有用户名为“{}”的账号", username.trim()),
            ));
        };
        let user_id: i64 = u.try_get("id")?;
        let inserted = sqlx::query(
            "INSERT INTO evaluation_experts (pool_org_id, user_id, kind, relations, added_by, added_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(pool_org_id)
        .bind(user_id)
        .bind(kind)
        .bind(relations.trim())
        .bind(by.id)
        .bind(ts(now))
        .fetch_one(&mut *tx)
        .await;
        let id: i64 = match inserted {
            Ok(r) => r.try_get(0)?,
            Err(e) if crate::feedback::is_unique_violation(&e) => {
                return Err(refusal("already_in_pool", "此人已在专家库中"));
            }
            Err(e) => return Err(e.into()),
        };
        tx.record(Command::EvaluationExpertAdded, id).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Takes an expert out of the pool (cases already given stay theirs).
    pub async fn remove_evaluation_expert(
        &self,
        id: i64,
        pool_org_id: &str,
        by: &crate::user::User,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let mut tx = self.write(now).await?;
        let n = sqlx::query(
            "UPDATE evaluation_experts SET removed_by = $1, removed_at = $2 WHERE id = $3 AND pool_org_id = $4 AND removed_at IS NULL",
        )
        .bind(by.id)
        .bind(ts(now))
        .bind(id)
        .bind(pool_org_id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if n == 0 {
            return Err(refusal("not_found", "专家不在本单位专家库中"));
        }
        tx.record(Command::EvaluationExpertRemoved, id).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The experts of an office's pool (in it now), by name.
    pub async fn evaluation_experts(&self, pool_org_id: &str) -> Result<Vec<ExpertRow>> {
        let rows = sqlx::query(crate::audited(format!(
            "{EXPERT_SELECT} WHERE e.pool_org_id = $1 AND e.removed_at IS NULL ORDER BY u.display_name, e.id"
        )))
        .bind(pool_org_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(ExpertRow::from_row).collect()
    }

    /// Moves a plan's due day (checked by the domain against the day read by the caller; the
    /// update holds only from that day, so two racing moves write one).
    pub async fn extend_evaluation_plan(
        &self,
        id: i64,
        org_id: &str,
        from: chrono::NaiveDate,
        to: chrono::NaiveDate,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let mut tx = self.write(now).await?;
        let n = sqlx::query(
            "UPDATE evaluation_plans SET due = $1 WHERE id = $2 AND org_id = $3 AND due = $4",
        )
        .bind(to.to_string())
        .bind(id)
        .bind(org_id)
        .bind(from.to_string())
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if n == 0 {
            return Err(refusal("conflict", "评查截止日刚刚已变更，请刷新后查看"));
        }
        tx.record(Command::EvaluationPlanExtended, id).await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn evaluation_plan(&self, id: i64) -> Result<Option<PlanRow>> {
        let r = sqlx::query(crate::audited(format!("{PLAN_SELECT} WHERE p.id = $1")))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        r.as_ref().map(PlanRow::from_row).transpose()
    }

    /// The published pool of a plan: its lines (`案号<TAB>承办人`), sorted.
    pub async fn evaluation_pool(&self, id: i64) -> Result<String> {
        let r = sqlx::query("SELECT pool FROM evaluation_plans WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(match r {
            Some(r) => r.try_get("pool")?,
            None => String::new(),
        })
    }

    /// The plans made by organisations under `region_prefix`, newest first.
    pub async fn evaluation_plans(&self, region_prefix: &str) -> Result<Vec<PlanRow>> {
        let rows = sqlx::query(crate::audited(format!(
            "{PLAN_SELECT} WHERE p.region_path >= $1 AND p.region_path < $2 ORDER BY p.id DESC LIMIT 200"
        )))
        .bind(region_prefix)
        .bind(crate::case::prefix_end(region_prefix))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(PlanRow::from_row).collect()
    }

    /// The cases of a plan, by case number.
    pub async fn evaluation_cases(&self, plan_id: i64) -> Result<Vec<EvalCaseRow>> {
        let rows = sqlx::query(crate::audited(format!(
            "{CASE_SELECT} WHERE x.plan_id = $1 ORDER BY c.case_number"
        )))
        .bind(plan_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(EvalCaseRow::from_row).collect()
    }

    pub async fn evaluation_case(&self, id: i64) -> Result<Option<EvalCaseRow>> {
        let r = sqlx::query(crate::audited(format!("{CASE_SELECT} WHERE x.id = $1")))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        r.as_ref().map(EvalCaseRow::from_row).transpose()
    }

    /// The evaluated cases a person evaluates or re-checks (any stage), newest plan first. Read
    /// for every 待办: a person in no pool costs one index probe.
    pub async fn evaluations_of_evaluator(&self, user_id: i64) -> Result<Vec<EvalCaseRow>> {
        let ids: Vec<i64> = sqlx::query("SELECT id FROM evaluation_experts WHERE user_id = $1")
            .bind(user_id)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| r.try_get::<i64, _>("id"))
            .collect::<std::result::Result<_, _>>()?;
        if ids.is_empty() {
            return Ok(vec![]);
        }
        let list = crate::db::id_list(&ids);
        let rows = sqlx::query(crate::audited(format!(
            "{CASE_SELECT} WHERE x.evaluator_id IN ({list}) OR x.rechecker_id IN ({list}) ORDER BY x.plan_id DESC, c.case_number"
        )))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(EvalCaseRow::from_row).collect()
    }

    /// The evaluated cases of a judge (by name within their organisation).
    pub async fn evaluations_of_judge(
        &self,
        org_id: &str,
        judge: &str,
    ) -> Result<Vec<EvalCaseRow>> {
        // The judge's cases by the judge index, then their evaluations by case.
        let rows = sqlx::query(crate::audited(format!(
            "{CASE_SELECT} WHERE x.case_id IN (SELECT j.id FROM cases j WHERE j.judge = $2 AND j.org_id = $1) \
             ORDER BY x.plan_id DESC, c.case_number"
        )))
        .bind(org_id)
        .bind(judge)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(EvalCaseRow::from_row).collect()
    }

    /// The evaluated cases of a judge at one stage (the 待办 asks for those scored and waiting
    /// for the judge's answer): read from the evaluations at that stage, which are few, rather
    /// than from every case of the judge.
    pub async fn evaluations_of_judge_at(
        &self,
        org_id: &str,
        judge: &str,
        stage: tianping_domain::evaluation::review::Stage,
    ) -> Result<Vec<EvalCaseRow>> {
        // Two steps: which evaluations, matched against the judge's case ids read from the index
        // alone (`cases_handler`); then those few rows whole. As one statement PostgreSQL fetched
        // the case row of every evaluation at the stage, or of every case of the judge (thousands
        // at a million cases), before keeping the few that are both.
        let ids: Vec<i64> = sqlx::query_scalar(
            "SELECT x.id FROM evaluation_cases x WHERE x.stage = $3 \
             AND x.case_id IN (SELECT h.id FROM cases h WHERE h.org_id = $1 AND h.judge = $2)",
        )
        .bind(org_id)
        .bind(judge)
        .bind(stage.as_str())
        .fetch_all(&self.pool)
        .await?;
        let mut out = vec![];
        for chunk in ids.chunks(500) {
            let list = crate::db::id_list(chunk);
            let rows = sqlx::query(crate::audited(format!(
                "{CASE_SELECT} WHERE x.id IN ({list})"
            )))
            .fetch_all(&self.pool)
            .await?;
            for r in &rows {
                out.push(EvalCaseRow::from_row(r)?);
            }
        }
        out.sort_by(|a, b| {
            b.plan_id
                .cmp(&a.plan_id)
                .then_with(|| a.case_number.cmp(&b.case_number))
        });
        Ok(out)
    }

    /// The evaluated cases of one case (its page lists the evaluations it had).
    pub async fn evaluations_of_case(&self, case_id: i64) -> Result<Vec<EvalCaseRow>> {
        let rows = sqlx::query(crate::audited(format!(
            "{CASE_SELECT} WHERE x.case_id = $1 ORDER BY x.id DESC"
        )))
        .bind(case_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(EvalCaseRow::from_row).collect()
    }
}

impl Store {
    /// The evaluated cases of an office's plans that may wait for the office: unassigned, an
    /// objection without a re-checker, or scored (the caller keeps those past their objection
    /// days).
    pub async fn evaluations_waiting_for_office(&self, org_id: &str) -> Result<Vec<EvalCaseRow>> {
        // An office without plans (most) costs one index probe.
        let plans: Vec<i64> = sqlx::query("SELECT id FROM evaluation_plans WHERE org_id = $1")
            .bind(org_id)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| r.try_get::<i64, _>("id"))
            .collect::<std::result::Result<_, _>>()?;
        if plans.is_empty() {
            return Ok(vec![]);
        }
        let list = crate::db::id_list(&plans);
        let rows = sqlx::query(crate::audited(format!(
            "{CASE_SELECT} WHERE x.plan_id IN ({list}) AND (x.stage IN ('unassigned', 'scored') OR (x.stage = 'objected' AND x.rechecker_id IS NULL)) \
             ORDER BY x.plan_id DESC, c.case_number LIMIT 500"
        )))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(EvalCaseRow::from_row).collect()
    }
}
