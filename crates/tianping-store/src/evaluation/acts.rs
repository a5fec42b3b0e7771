//! An act on an evaluated case: a conditional update from the stage the domain checked, and —
//! when the act fixes a grade that calls for it — the supervision item (一案一剖析一整改) opened
//! by the plan's office on the case's organisation, in the same write.

use super::{refusal, team_of};
use crate::supervision::NewItem;
use crate::{Result, Store, ts};
use chrono::{DateTime, NaiveDate, Utc};
use sqlx::Row;
use std::collections::BTreeMap;
use tianping_domain::evaluation::draw;
use tianping_domain::evaluation::review::{self, Act, Stage};
use tianping_domain::supervision::ItemSource;
use tianping_ledger::Command;

/// An act, checked by the domain.
#[derive(Debug, Clone)]
pub struct ActInput {
    pub id: i64,
    pub act: Act,
    /// The deductions as JSON (a score or a 复核).
    pub deductions: Option<String>,
    pub score: Option<u32>,
    /// The grade the act gives (a score, a 复核) or fixes (accept, confirm).
    pub grade: Option<String>,
    pub passes: bool,
    pub opens_item: bool,
    /// The objection's reasons or the 复核's opinion.
    pub note: String,
    /// The deductions in words, for the item's description.
    pub problems: Vec<String>,
}

/// What an act came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActOutcome {
    pub stage: Stage,
    pub item_id: Option<i64>,
    /// An objection: the expert given the 复核 (none free: the office assigns one later).
    pub rechecker: Option<i64>,
}

impl Store {
    /// Chooses, for an evaluated case, an expert of the plan's pool free of conflicts — the
    /// evaluator for an unassigned case, the re-checker (never the first evaluator) for an
    /// objected one.
    /// An expert for the case, never `exclude` (the first evaluator of a 复核, the late
    /// evaluator of a reassigned case); `round` places the draw apart from the first one.
    async fn choose_expert(
        &self,
        id: i64,
        exclude: Option<i64>,
        round: &str,
    ) -> Result<Option<i64>> {
        let Some(row) = self.evaluation_case(id).await? else {
            return Err(refusal("not_found", "评查案件不存在"));
        };
        let r = sqlx::query(
            "SELECT c.case_number, c.org_id, c.confidentiality, c.state, p.seed, p.cross_evaluation, p.experts FROM cases c \
             JOIN evaluation_cases x ON x.case_id = c.id JOIN evaluation_plans p ON p.id = x.plan_id WHERE x.id = $1",
        )
        .bind(id)
        .fetch_one(&self.pool)
        .await?;
        let team = team_of(
            &r.try_get::<String, _>("case_number")?,
            &r.try_get::<String, _>("org_id")?,
            &r.try_get::<String, _>("confidentiality")?,
            &r.try_get::<String, _>("state")?,
        )?;
        let seed: String = r.try_get("seed")?;
        let cross = r.try_get::<i64, _>("cross_evaluation")? != 0;
        let chosen: Vec<i64> = r
            .try_get::<String, _>("experts")?
            .split(',')
            .filter_map(|x| x.parse().ok())
            .collect();
        let experts: Vec<_> = self
            .evaluation_experts(&row.plan_org_id)
            .await?
            .iter()
            .filter(|e| chosen.is_empty() || chosen.contains(&e.id))
            .map(super::ExpertRow::as_expert)
            .collect();
        let mut not = BTreeMap::new();
        if let Some(e) = exclude {
            not.insert(team.case_number.clone(), vec![e]);
        }
        // A 复核 or a reassignment is placed apart from the first draw: its own seed.
        let seed = if round.is_empty() {
            seed
        } else {
            format!("{seed}/{round}")
        };
        let a = draw::assign(&seed, &[team], &experts, cross, &BTreeMap::new(), &not);
        Ok(a.first().and_then(|a| a.expert))
    }

    /// The office assigns an unassigned case (or an objected case's 复核) again, after adding
    /// experts to its pool.
    pub async fn assign_evaluation_again(
        &self,
        id: i64,
        by: &crate::user::User,
        now: DateTime<Utc>,
    ) -> Result<Option<i64>> {
        let Some(row) = self.evaluation_case(id).await? else {
            return Err(refusal("not_found", "评查案件不存在"));
        };
        let today = tianping_domain::clock::local_date(now);
        let due: NaiveDate = row.plan_due.parse().unwrap_or(NaiveDate::MAX);
        if !review::may_reassign(row.stage(), row.rechecker_id.is_some(), due, today) {
            return Err(refusal(
                "wrong_state",
                "该案已有评查人，评查截止日过后仍未评分的才可改派",
            ));
        }
        let (exclude, round, sql) = match row.stage() {
            Stage::Unassigned => (
                None,
                "",
                "UPDATE evaluation_cases SET evaluator_id = $1, stage = 'assigned', acted_by = $2 WHERE id = $3 AND stage = 'unassigned'",
            ),
            Stage::Objected => (
                row.evaluator_id,
                "复核",
                "UPDATE evaluation_cases SET rechecker_id = $1, acted_by = $2 WHERE id = $3 AND stage = 'objected' AND rechecker_id IS NULL",
            ),
            // 改派: from the evaluator who let the due day pass, if they still have it.
            _ => (
                row.evaluator_id,
                "改派",
                "UPDATE evaluation_cases SET evaluator_id = $1, acted_by = $2, reassigned_at = $3 WHERE id = $4 AND stage = 'assigned' AND evaluator_id = $5",
            ),
        };
        let recheck = row.stage() == Stage::Objected;
        let Some(expert) = self.choose_expert(id, exclude, round).await? else {
            return Ok(None);
        };
        let mut tx = self.write(now).await?;
        let mut q = sqlx::query(sql).bind(expert).bind(by.id);
        if row.stage() == Stage::Assigned {
            q = q.bind(ts(now)).bind(id).bind(row.evaluator_id.unwrap_or(0));
        } else {
            q = q.bind(id);
        }
        let n = q.execute(&mut *tx).await?.rows_affected();
        if n == 0 {
            return Err(refusal("conflict", "该案刚刚已指定评查人，请刷新后查看"));
        }
        tx.record(Command::EvaluationActed, id).await?;
        let user: i64 = sqlx::query("SELECT user_id FROM evaluation_experts WHERE id = $1")
            .bind(expert)
            .fetch_one(&mut *tx)
            .await?
            .try_get("user_id")?;
        super::tell_of(
            &mut tx,
            user,
            &crate::clocks::tell::Task {
                key: format!("evaluation:{id}:assigned:{user}"),
                kind: if recheck {
                    tianping_domain::todo::TaskKind::RecheckEvaluation
                } else {
                    tianping_domain::todo::TaskKind::Evaluate
                },
                what: &row.case_number,
                sentence: format!(
                    "{}（“{}”）交由您{}，期间可以查阅案件材料。",
                    row.case_number,
                    row.plan_title,
                    if recheck { "复核" } else { "评查" }
                ),
                due: None,
                link: format!("/evaluations/cases/{id}"),
            },
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(Some(expert))
    }

    /// Records an act (already checked by the domain against `expected`).
    pub async fn act_on_evaluation(
        &self,
        a: &ActInput,
        expected: Stage,
        by: &crate::user::User,
        now: DateTime<Utc>,
    ) -> Result<ActOutcome> {
        let (from, to) = a.act.moves();
        if from != expected {
            return Err(refusal("wrong_state", "评查状态已变化，请刷新后重试"));
        }
        let rechecker = if a.act == Act::Object {
            let first = self
                .evaluation_case(a.id)
                .await?
                .and_then(|c| c.evaluator_id);
            self.choose_expert(a.id, first, "复核").await?
        } else {
            None
        };
        let mut tx = self.write(now).await?;
        let at = ts(now);
        let q = match a.act {
            Act::Score => sqlx::query(
                "UPDATE evaluation_cases SET stage = $1, deductions = $2, score = $3, grade = $4, scored_at = $5, acted_by = $6 WHERE id = $7 AND stage = $8",
            )
            .bind(to.as_str())
            .bind(a.deductions.clone())
            .bind(a.score.map(i64::from))
            .bind(a.grade.clone())
            .bind(&at),
            Act::Object => sqlx::query(
                "UPDATE evaluation_cases SET stage = $1, objection = $2, rechecker_id = $3, objected_at = $4, acted_by = $5 WHERE id = $6 AND stage = $7",
            )
            .bind(to.as_str())
            .bind(a.note.trim().to_string())
            .bind(rechecker)
            .bind(&at),
            Act::Accept | Act::Confirm => sqlx::query(
                "UPDATE evaluation_cases SET stage = $1, final_score = score, final_grade = grade, passes = $2, final_by = $3, final_at = $4, acted_by = $5 WHERE id = $6 AND stage = $7",
            )
            .bind(to.as_str())
            .bind(i64::from(a.passes))
            .bind(by.id)
            .bind(&at),
            Act::Recheck => sqlx::query(
                "UPDATE evaluation_cases SET stage = $1, recheck_deductions = $2, recheck_score = $3, recheck_grade = $4, recheck_note = $5, rechecked_at = $6, \
                 final_score = $7, final_grade = $8, passes = $9, final_by = $10, final_at = $11, acted_by = $12 WHERE id = $13 AND stage = $14",
            )
            .bind(to.as_str())
            .bind(a.deductions.clone())
            .bind(a.score.map(i64::from))
            .bind(a.grade.clone())
            .bind(a.note.trim().to_string())
            .bind(&at)
            .bind(a.score.map(i64::from))
            .bind(a.grade.clone())
            .bind(i64::from(a.passes))
            .bind(by.id)
            .bind(&at),
        };
        let n = q
            .bind(by.id)
            .bind(a.id)
            .bind(from.as_str())
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if n == 0 {
            return Err(refusal("conflict", "评查状态刚刚已变化，请刷新后查看"));
        }
        if to == Stage::Final {
            // The grade counts in the 评查合格率 from today.
            let case_id: i64 = sqlx::query("SELECT case_id FROM evaluation_cases WHERE id = $1")
                .bind(a.id)
                .fetch_one(&mut *tx)
                .await?
                .try_get("case_id")?;
            crate::metrics::refresh_records(&mut tx, case_id).await?;
        }
        let mut item_id = None;
        if to == Stage::Final && a.opens_item {
            let item = self.open_evaluation_item(&mut tx, a, now).await?;
            sqlx::query("UPDATE evaluation_cases SET item_id = $1 WHERE id = $2")
                .bind(item)
                .bind(a.id)
                .execute(&mut *tx)
                .await?;
            item_id = Some(item);
        }
        tx.record(Command::EvaluationActed, a.id).await?;
        self.tell_next(&mut tx, a, rechecker, now).await?;
        tx.commit().await?;
        Ok(ActOutcome {
            stage: to,
            item_id,
            rechecker,
        })
    }

    /// Tells whoever the act makes the next step theirs: a score, the evaluated judge (accept or
    /// object); an objection, the re-checker.
    async fn tell_next(
        &self,
        tx: &mut crate::write::Write,
        a: &ActInput,
        rechecker: Option<i64>,
        now: DateTime<Utc>,
    ) -> Result<()> {
        use crate::clocks::tell::Task;
        use tianping_domain::todo::TaskKind;
        let r = sqlx::query(
            "SELECT c.case_number, p.title FROM evaluation_cases x JOIN cases c ON c.id = x.case_id \
             JOIN evaluation_plans p ON p.id = x.plan_id WHERE x.id = $1",
        )
        .bind(a.id)
        .fetch_one(&mut **tx)
        .await?;
        let number: String = r.try_get("case_number")?;
        let plan: String = r.try_get("title")?;
        let link = format!("/evaluations/cases/{}", a.id);
        match a.act {
            Act::Score => {
                if let Some(judge) = super::judge_user(tx, a.id).await? {
                    let days = tianping_domain::evaluation::rules().days.objection_days;
                    super::tell_of(
                        tx,
                        judge,
                        &Task {
                            key: format!("evaluation:{}:scored:{judge}", a.id),
                            kind: TaskKind::AnswerEvaluation,
                            what: &number,
                            sentence: format!(
                                "您承办的{number}在“{plan}”中评为{}分、{}。请认可，或在{days}个工作日内写明事实和理由提出异议（只能提出一次）。",
                                a.score.unwrap_or_default(),
                                a.grade.as_deref().unwrap_or_default()
                            ),
                            due: None,
                            link: link.clone(),
                        },
                        now,
                    )
                    .await?;
                }
            }
            Act::Object => {
                let user = match rechecker {
                    Some(e) => sqlx::query("SELECT user_id FROM evaluation_experts WHERE id = $1")
                        .bind(e)
                        .fetch_optional(&mut **tx)
                        .await?
                        .map(|r| r.try_get::<i64, _>("user_id"))
                        .transpose()?,
                    None => None,
                };
                if let Some(u) = user {
                    super::tell_of(
                        tx,
                        u,
                        &Task {
                            key: format!("evaluation:{}:objected:{u}", a.id),
                            kind: TaskKind::RecheckEvaluation,
                            what: &number,
                            sentence: format!(
                                "{number}（“{plan}”）的承办人对评查结果提出异议，交由您复核。复核期间可以查阅案件材料。"
                            ),
                            due: None,
                            link: link.clone(),
                        },
                        now,
                    )
                    .await?;
                }
            }
            Act::Accept | Act::Recheck | Act::Confirm => {}
        }
        Ok(())
    }

    /// Opens the item a final grade calls for (the caller writes its id on the row): by the plan's office (its maker as opener), on
    /// the case's organisation; a confidential case's problems stay on the evaluation.
    async fn open_evaluation_item(
        &self,
        tx: &mut crate::write::Write,
        a: &ActInput,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        let r = sqlx::query(
            "SELECT p.title, p.org_id, p.created_by, x.case_id, c.org_id AS case_org, c.confidentiality, x.final_grade, x.final_score \
             FROM evaluation_cases x JOIN evaluation_plans p ON p.id = x.plan_id JOIN cases c ON c.id = x.case_id WHERE x.id = $1",
        )
        .bind(a.id)
        .fetch_one(&mut **tx)
        .await?;
        let plan_org: String = r.try_get("org_id")?;
        let opener_id: i64 = r.try_get("created_by")?;
        let (Some(org), Some(opener)) = (
            self.org(&plan_org).await?,
            self.user_by_id(opener_id).await?,
        ) else {
            return Err(refusal("not_found", "评查计划的组织单位不存在"));
        };
        let grade: Option<String> = r.try_get("final_grade")?;
        let total: Option<i64> = r.try_get("final_score")?;
        let plan: String = r.try_get("title")?;
        let public = r.try_get::<String, _>("confidentiality")? == "public";
        let mut description = format!(
            "“{plan}”评查结果为“{}”（{}分）。",
            grade.clone().unwrap_or_default(),
            total.unwrap_or_default()
        );
        if public && !a.problems.is_empty() {
            description.push_str("扣分问题：");
            description.push_str(&a.problems.join("；"));
            description.push('。');
        } else if !a.problems.is_empty() {
            description.push_str("扣分问题见评查记录（涉密或涉未成年人案件）。");
        }
        description.push_str("请逐项剖析原因、落实整改并报送整改材料（一案一剖析一整改）。");
        let n = NewItem {
            source: ItemSource::Evaluation,
            source_ref: Some(a.id.to_string()),
            case_id: Some(r.try_get("case_id")?),
            title: format!("案件质量评查“{}”", grade.unwrap_or_default()),
            description,
            responsible_org_id: Some(r.try_get("case_org")?),
            rectify_due_at: None,
            referral_id: None,
            project_id: None,
            stage_due_at: None,
        };
        self.open_item_in(tx, &n, &opener, &org, now).await
    }
}
