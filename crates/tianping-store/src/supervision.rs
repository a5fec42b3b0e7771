//! Supervision in the store: 四类案件 flags (raised by ingest or by hand), 院庭长 supervision acts,
//! interference records and zero reports, supervision items with their steps and evidence,
//! referrals between 人大 and 政法委, and joint supervision projects.
//!
//! Every write here is one transaction that writes its rows and appends their ledger leaves
//! (`ledger::record`) before committing. Decisions — may this actor do this now? — are the
//! domain's (`tianping_domain::supervision`); this module loads the facts, asks, and writes.

use crate::org::Org;
use crate::user::User;
use crate::{Backend, Result, Store, StoreError, ledger, parse_ts, placeholders, ts};
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use sha2::{Digest as _, Sha256};
use sqlx::Row;
use sqlx::any::AnyRow;
use std::collections::HashSet;
use tianping_domain::flag::{FlagHit, FlagRules};
use tianping_domain::supervision::{
    InterferenceChannel, InterferenceOutcome, InterferenceSource, ItemAction, ItemActor, ItemFacts,
    ItemSource, ItemState, ProjectAction, ProjectState, ReferralAction, ReferralState, Refusal,
    SupervisionRules, check_project_lead, check_referral_pair, item_transition, project_transition,
    referral_transition, stage_due,
};
use tianping_domain::{AgencyKind, Role};
use tianping_ledger::Command;

/// The rules supervision runs on: flag rules and the supervision rules (acts, deadlines).
#[derive(Debug, Clone)]
pub struct SupervisionConfig {
    pub flags: FlagRules,
    pub rules: SupervisionRules,
}

impl SupervisionConfig {
    pub fn shipped() -> SupervisionConfig {
        SupervisionConfig {
            flags: FlagRules::builtin().expect("shipped flag rules are valid (tested)"),
            rules: SupervisionRules::builtin()
                .expect("shipped supervision rules are valid (tested)"),
        }
    }
}

/// A refused action (domain refusal) or a store failure.
pub type Decision<T> = std::result::Result<T, Refusal>;

fn refusal(code: &'static str, zh: impl Into<String>) -> Refusal {
    Refusal {
        code,
        zh: zh.into(),
    }
}

fn opt_ts(t: Option<DateTime<Utc>>) -> Option<String> {
    t.map(ts)
}

/// Roles that supervise on behalf of their body (open, assign, verify, close items).
pub fn supervises(role: Role) -> bool {
    matches!(
        role,
        Role::CaseOffice
            | Role::President
            | Role::DivisionChief
            | Role::PlcSupervisor
            | Role::PcSupervisor
    )
}

/// Roles that may act for a unit made responsible for an item.
pub fn rectifies(role: Role) -> bool {
    matches!(
        role,
        Role::Judge
            | Role::CaseOffice
            | Role::President
            | Role::DivisionChief
            | Role::PlcSupervisor
            | Role::PcSupervisor
    )
}

/// `org` is `target` or above it in the tree, and of the same kind.
fn at_or_above(org: &Org, target_path: &str, target_kind: AgencyKind) -> bool {
    org.kind == target_kind && target_path.starts_with(&org.region_path)
}

// --- flags -----------------------------------------------------------------------------------------

#[derive(Debug, Clone, Serialize)]
pub struct FlagRow {
    pub id: i64,
    pub case_id: i64,
    pub situation: String,
    pub category: i64,
    /// `rule` or `manual`.
    pub source: String,
    pub rule: Option<String>,
    pub reason: String,
    pub rules_version: Option<String>,
    pub flagged_by: String,
    pub flagged_at: String,
    pub cleared_at: Option<String>,
    pub cleared_by: Option<String>,
    pub clear_reason: Option<String>,
}

const FLAG_COLUMNS: &str = "id, case_id, situation, category, source, rule, reason, rules_version, flagged_by, flagged_at, cleared_at, cleared_by, clear_reason";

fn flag_row(r: &AnyRow) -> Result<FlagRow> {
    Ok(FlagRow {
        id: r.try_get("id")?,
        case_id: r.try_get("case_id")?,
        situation: r.try_get("situation")?,
        category: r.try_get("category")?,
        source: r.try_get("source")?,
        rule: r.try_get("rule")?,
        reason: r.try_get("reason")?,
        rules_version: r.try_get("rules_version")?,
        flagged_by: r.try_get("flagged_by")?,
        flagged_at: r.try_get("flagged_at")?,
        cleared_at: r.try_get("cleared_at")?,
        cleared_by: r.try_get("cleared_by")?,
        clear_reason: r.try_get("clear_reason")?,
    })
}

/// Raises the flags ingest found, inside its transaction: a situation already flagged on a case
/// (even if cleared by hand since) is not raised again. Returns how many were raised.
pub(crate) async fn raise_flags(
    conn: &mut sqlx::AnyConnection,
    backend: Backend,
    hits: Vec<(i64, FlagHit)>,
    rules: &FlagRules,
    by: &str,
    now: DateTime<Utc>,
) -> Result<usize> {
    if hits.is_empty() {
        return Ok(0);
    }
    let ids: Vec<i64> = hits
        .iter()
        .map(|(c, _)| *c)
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let mut seen: HashSet<(i64, String)> = HashSet::new();
    for part in ids.chunks(500) {
        let sql = format!(
            "SELECT case_id, situation FROM case_flags WHERE case_id IN ({})",
            placeholders(1, part.len())
        );
        let mut q = sqlx::query(crate::audited(sql));
        for id in part {
            q = q.bind(*id);
        }
        for r in q.fetch_all(&mut *conn).await? {
            seen.insert((r.try_get(0)?, r.try_get(1)?));
        }
    }
    let mut keys = vec![];
    for (case_id, h) in hits {
        if !seen.insert((case_id, h.situation.clone())) {
            continue;
        }
        let category = rules.situation(&h.situation).map_or(0, |s| s.category);
        let id: i64 = sqlx::query(
            "INSERT INTO case_flags (case_id, situation, category, source, rule, reason, rules_version, flagged_by, flagged_at) \
             VALUES ($1, $2, $3, 'rule', $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(case_id)
        .bind(&h.situation)
        .bind(i64::from(category))
        .bind(&h.rule)
        .bind(&h.reason)
        .bind(&rules.version)
        .bind(by)
        .bind(ts(now))
        .fetch_one(&mut *conn)
        .await?
        .try_get(0)?;
        keys.push(ledger::Key::from(id));
    }
    let n = keys.len();
    ledger::record(conn, backend, Command::FlagRaised, &keys, now).await?;
    Ok(n)
}

impl Store {
    pub async fn case_flags(&self, case_id: i64) -> Result<Vec<FlagRow>> {
        sqlx::query(crate::audited(format!(
            "SELECT {FLAG_COLUMNS} FROM case_flags WHERE case_id = $1 ORDER BY id"
        )))
        .bind(case_id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(flag_row)
        .collect()
    }

    /// Flags a case by hand (立案庭, the panel, or a 院庭长) with a situation and a reason.
    pub async fn flag_case(
        &self,
        case_id: i64,
        situation: &str,
        reason: &str,
        by: &User,
        now: DateTime<Utc>,
    ) -> Result<Decision<i64>> {
        let cfg = self.supervision();
        let Some(s) = cfg.flags.situation(situation) else {
            return Ok(Err(refusal(
                "unknown_situation",
                format!("“{situation}”不是四类案件的情形"),
            )));
        };
        if reason.trim().is_empty() {
            return Ok(Err(refusal("note_required", "请写明标注理由")));
        }
        let mut tx = self.write_tx().await?;
        let active: Option<i64> = sqlx::query(
            "SELECT id FROM case_flags WHERE case_id = $1 AND situation = $2 AND cleared_at IS NULL",
        )
        .bind(case_id)
        .bind(situation)
        .fetch_optional(&mut *tx)
        .await?
        .map(|r| r.try_get(0))
        .transpose()?;
        if active.is_some() {
            return Ok(Err(refusal("already_flagged", "该情形已标注")));
        }
        let id: i64 = sqlx::query(
            "INSERT INTO case_flags (case_id, situation, category, source, rule, reason, rules_version, flagged_by, flagged_at) \
             VALUES ($1, $2, $3, 'manual', NULL, $4, $5, $6, $7) RETURNING id",
        )
        .bind(case_id)
        .bind(situation)
        .bind(i64::from(s.category))
        .bind(reason.trim())
        .bind(&cfg.flags.version)
        .bind(&by.display_name)
        .bind(ts(now))
        .fetch_one(&mut *tx)
        .await?
        .try_get(0)?;
        ledger::record_one(&mut tx, self.backend, Command::FlagRaised, id, now).await?;
        tx.commit().await?;
        Ok(Ok(id))
    }

    /// Clears a flag with a reason (it stays in the case's record, marked cleared).
    pub async fn clear_flag(
        &self,
        flag_id: i64,
        reason: &str,
        by: &User,
        now: DateTime<Utc>,
    ) -> Result<Decision<()>> {
        if reason.trim().is_empty() {
            return Ok(Err(refusal("note_required", "请写明取消标注的理由")));
        }
        let mut tx = self.write_tx().await?;
        let r = sqlx::query(
            "UPDATE case_flags SET cleared_at = $1, cleared_by = $2, clear_reason = $3 WHERE id = $4 AND cleared_at IS NULL",
        )
        .bind(ts(now))
        .bind(&by.display_name)
        .bind(reason.trim())
        .bind(flag_id)
        .execute(&mut *tx)
        .await?;
        if r.rows_affected() != 1 {
            return Ok(Err(refusal("flag_not_active", "该标注不存在或已取消")));
        }
        ledger::record_one(&mut tx, self.backend, Command::FlagCleared, flag_id, now).await?;
        tx.commit().await?;
        Ok(Ok(()))
    }

    /// The case a flag belongs to (for scope checks).
    pub async fn flag_case_id(&self, flag_id: i64) -> Result<Option<i64>> {
        Ok(sqlx::query("SELECT case_id FROM case_flags WHERE id = $1")
            .bind(flag_id)
            .fetch_optional(&self.pool)
            .await?
            .map(|r| r.try_get(0))
            .transpose()?)
    }

    /// Active flags per case for a set of cases (list badges).
    pub async fn active_flag_counts(&self, case_ids: &[i64]) -> Result<Vec<(i64, i64)>> {
        let mut out = vec![];
        for part in case_ids.chunks(500) {
            let sql = format!(
                "SELECT case_id, COUNT(*) FROM case_flags WHERE cleared_at IS NULL AND case_id IN ({}) GROUP BY case_id",
                placeholders(1, part.len())
            );
            let mut q = sqlx::query(crate::audited(sql));
            for id in part {
                q = q.bind(*id);
            }
            for r in q.fetch_all(&self.pool).await? {
                out.push((r.try_get(0)?, r.try_get(1)?));
            }
        }
        Ok(out)
    }
}

// --- 院庭长 supervision acts ---------------------------------------------------------------------------

#[derive(Debug, Clone, Serialize)]
pub struct ActRow {
    pub id: i64,
    pub case_id: i64,
    pub act: String,
    pub permitted: bool,
    pub content: String,
    pub actor_id: i64,
    pub actor_name: String,
    pub actor_role: String,
    pub at: String,
    pub answer: Option<String>,
    pub answered_by: Option<i64>,
    pub answered_at: Option<String>,
}

impl Store {
    pub async fn case_acts(&self, case_id: i64) -> Result<Vec<ActRow>> {
        sqlx::query(
            "SELECT a.id, a.case_id, a.act, a.permitted, a.content, a.actor_id, u.display_name, a.actor_role, a.at, a.answer, a.answered_by, a.answered_at \
             FROM supervision_acts a JOIN users u ON u.id = a.actor_id WHERE a.case_id = $1 ORDER BY a.id",
        )
        .bind(case_id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| {
            Ok(ActRow {
                id: r.try_get(0)?,
                case_id: r.try_get(1)?,
                act: r.try_get(2)?,
                permitted: r.try_get::<i64, _>(3)? != 0,
                content: r.try_get(4)?,
                actor_id: r.try_get(5)?,
                actor_name: r.try_get(6)?,
                actor_role: r.try_get(7)?,
                at: r.try_get(8)?,
                answer: r.try_get(9)?,
                answered_by: r.try_get(10)?,
                answered_at: r.try_get(11)?,
            })
        })
        .collect()
    }

    /// Records a 院庭长's supervision act on a case. An act the rules forbid (directly changing
    /// the panel's decision …) is refused — and the attempt is recorded, both as a refused act and
    /// as an interference record by the system (RULES.md §5.3 and §6).
    pub async fn record_act(
        &self,
        case_id: i64,
        act: &str,
        content: &str,
        by: &User,
        org: &Org,
        now: DateTime<Utc>,
    ) -> Result<Decision<i64>> {
        let cfg = self.supervision();
        let decision = cfg.rules.check_act(act);
        if let Err(e) = &decision
            && e.code == "act_unknown"
        {
            return Ok(Err(e.clone()));
        }
        if content.trim().is_empty() {
            return Ok(Err(refusal("note_required", "请填写监督内容")));
        }
        let permitted = decision.is_ok();
        let mut tx = self.write_tx().await?;
        let id: i64 = sqlx::query(
            "INSERT INTO supervision_acts (case_id, act, permitted, content, actor_id, actor_role, at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(case_id)
        .bind(act)
        .bind(i64::from(permitted))
        .bind(content.trim())
        .bind(by.id)
        .bind(by.role.as_str())
        .bind(ts(now))
        .fetch_one(&mut *tx)
        .await?
        .try_get(0)?;
        ledger::record_one(
            &mut tx,
            self.backend,
            Command::SupervisionActRecorded,
            id,
            now,
        )
        .await?;
        if let Err(e) = decision {
            let zh = cfg.rules.act(act).map_or(act.to_string(), |a| a.zh.clone());
            let rec = NewInterference {
                case_id: Some(case_id),
                source: InterferenceSource::Insider,
                person_name: by.display_name.clone(),
                person_unit: org.name.clone(),
                person_position: by.role.zh().to_string(),
                channel: InterferenceChannel::Other,
                occurred_at: now,
                content: format!("系统记录：试图{zh}。内容：{}", content.trim()),
                materials: String::new(),
                outcome: InterferenceOutcome::Refused,
                response: "系统拒绝执行并留痕".into(),
            };
            insert_interference(&mut tx, self.backend, &rec, by, org, true, now).await?;
            tx.commit().await?;
            return Ok(Err(e));
        }
        tx.commit().await?;
        Ok(Ok(id))
    }

    /// The panel's (or sole judge's) answer to a supervision act.
    pub async fn answer_act(
        &self,
        act_id: i64,
        answer: &str,
        by: &User,
        now: DateTime<Utc>,
    ) -> Result<Decision<()>> {
        if answer.trim().is_empty() {
            return Ok(Err(refusal("note_required", "请填写答复内容")));
        }
        let mut tx = self.write_tx().await?;
        let r = sqlx::query(
            "UPDATE supervision_acts SET answer = $1, answered_by = $2, answered_at = $3 WHERE id = $4 AND answer IS NULL AND permitted = 1",
        )
        .bind(answer.trim())
        .bind(by.id)
        .bind(ts(now))
        .bind(act_id)
        .execute(&mut *tx)
        .await?;
        if r.rows_affected() != 1 {
            return Ok(Err(refusal(
                "already_answered",
                "该监督措施已答复或不需答复",
            )));
        }
        ledger::record_one(
            &mut tx,
            self.backend,
            Command::SupervisionActAnswered,
            act_id,
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(Ok(()))
    }

    pub async fn act_case_id(&self, act_id: i64) -> Result<Option<i64>> {
        Ok(
            sqlx::query("SELECT case_id FROM supervision_acts WHERE id = $1")
                .bind(act_id)
                .fetch_optional(&self.pool)
                .await?
                .map(|r| r.try_get(0))
                .transpose()?,
        )
    }
}

// --- interference records (三个规定) -----------------------------------------------------------------

#[derive(Debug, Clone)]
pub struct NewInterference {
    pub case_id: Option<i64>,
    pub source: InterferenceSource,
    pub person_name: String,
    pub person_unit: String,
    pub person_position: String,
    pub channel: InterferenceChannel,
    pub occurred_at: DateTime<Utc>,
    pub content: String,
    pub materials: String,
    pub outcome: InterferenceOutcome,
    pub response: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct InterferenceRow {
    pub id: i64,
    pub case_id: Option<i64>,
    pub case_number: Option<String>,
    pub org_id: String,
    pub org_name: String,
    pub recorded_by: String,
    pub recorded_at: String,
    pub source: String,
    pub person_name: String,
    pub person_unit: String,
    pub person_position: String,
    pub channel: String,
    pub occurred_at: String,
    pub content: String,
    pub materials: String,
    pub outcome: String,
    pub response: String,
    pub by_system: bool,
}

async fn insert_interference(
    tx: &mut sqlx::AnyConnection,
    backend: Backend,
    n: &NewInterference,
    by: &User,
    org: &Org,
    by_system: bool,
    now: DateTime<Utc>,
) -> Result<i64> {
    let id: i64 = sqlx::query(
        "INSERT INTO interference_records (case_id, org_id, region_path, recorded_by, recorded_at, source, person_name, person_unit, person_position, channel, occurred_at, content, materials, outcome, response, by_system) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) RETURNING id",
    )
    .bind(n.case_id)
    .bind(&org.id)
    .bind(&org.region_path)
    .bind(by.id)
    .bind(ts(now))
    .bind(n.source.as_str())
    .bind(n.person_name.trim())
    .bind(n.person_unit.trim())
    .bind(n.person_position.trim())
    .bind(n.channel.as_str())
    .bind(ts(n.occurred_at))
    .bind(n.content.trim())
    .bind(n.materials.trim())
    .bind(n.outcome.as_str())
    .bind(n.response.trim())
    .bind(i64::from(by_system))
    .fetch_one(&mut *tx)
    .await?
    .try_get(0)?;
    ledger::record_one(tx, backend, Command::InterferenceRecorded, id, now).await?;
    Ok(id)
}

/// Counts of interference records in a scope and period (the quarterly report).
#[derive(Debug, Clone, Default, Serialize)]
pub struct InterferenceReport {
    pub total: i64,
    pub by_source: Vec<(String, i64)>,
    pub by_unit: Vec<(String, String, i64)>,
    pub by_outcome: Vec<(String, i64)>,
    /// Zero reports submitted for the period: (unit, person, submitted at).
    pub zero_reports: Vec<(String, String, String)>,
}

impl Store {
    /// Records that someone asked about a case (三个规定). The fields the local forms use are
    /// required: who (name, unit, position), how, when, what, and what the handler did.
    pub async fn record_interference(
        &self,
        n: &NewInterference,
        by: &User,
        org: &Org,
        now: DateTime<Utc>,
    ) -> Result<Decision<i64>> {
        for (v, field) in [
            (&n.person_name, "姓名"),
            (&n.person_unit, "单位"),
            (&n.content, "过问内容"),
        ] {
            if v.trim().is_empty() {
                return Ok(Err(refusal("field_empty", format!("“{field}”不能为空"))));
            }
        }
        if n.occurred_at > now + Duration::minutes(10) {
            return Ok(Err(refusal("date_in_future", "过问时间晚于当前时间")));
        }
        let mut tx = self.write_tx().await?;
        let id = insert_interference(&mut tx, self.backend, n, by, org, false, now).await?;
        tx.commit().await?;
        Ok(Ok(id))
    }

    fn interference_select() -> &'static str {
        "SELECT r.id, r.case_id, c.case_number, r.org_id, o.name AS org_name, u.display_name AS recorded_by, r.recorded_at, r.source, r.person_name, r.person_unit, r.person_position, r.channel, r.occurred_at, r.content, r.materials, r.outcome, r.response, r.by_system \
         FROM interference_records r JOIN orgs o ON o.id = r.org_id JOIN users u ON u.id = r.recorded_by LEFT JOIN cases c ON c.id = r.case_id"
    }

    fn interference_row(r: &AnyRow) -> Result<InterferenceRow> {
        Ok(InterferenceRow {
            id: r.try_get("id")?,
            case_id: r.try_get("case_id")?,
            case_number: r.try_get("case_number")?,
            org_id: r.try_get("org_id")?,
            org_name: r.try_get("org_name")?,
            recorded_by: r.try_get("recorded_by")?,
            recorded_at: r.try_get("recorded_at")?,
            source: r.try_get("source")?,
            person_name: r.try_get("person_name")?,
            person_unit: r.try_get("person_unit")?,
            person_position: r.try_get("person_position")?,
            channel: r.try_get("channel")?,
            occurred_at: r.try_get("occurred_at")?,
            content: r.try_get("content")?,
            materials: r.try_get("materials")?,
            outcome: r.try_get("outcome")?,
            response: r.try_get("response")?,
            by_system: r.try_get::<i64, _>("by_system")? != 0,
        })
    }

    /// Records in a region subtree whose request happened in [from, to).
    /// Interference records under a region prefix, of the units of one agency kind when given
    /// (finding M1: a procuratorate does not read a court's records).
    pub async fn interference_records(
        &self,
        region_prefix: &str,
        agency_kind: Option<AgencyKind>,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<InterferenceRow>> {
        sqlx::query(crate::audited(format!(
            "{} WHERE r.region_path >= $1 AND r.region_path < $2 AND r.occurred_at >= $3 AND r.occurred_at < $4 \
             AND ($5 IS NULL OR o.kind = $5) ORDER BY r.occurred_at, r.id",
            Self::interference_select()
        )))
        .bind(region_prefix)
        .bind(crate::case::prefix_end(region_prefix))
        .bind(ts(from))
        .bind(ts(to))
        .bind(agency_kind.map(AgencyKind::as_str))
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(Self::interference_row)
        .collect()
    }

    /// How many interference records a case has (the case is marked when it has any).
    pub async fn case_interference(&self, case_id: i64) -> Result<Vec<InterferenceRow>> {
        sqlx::query(crate::audited(format!(
            "{} WHERE r.case_id = $1 ORDER BY r.id",
            Self::interference_select()
        )))
        .bind(case_id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(Self::interference_row)
        .collect()
    }

    /// The report for a scope and period: totals by source, unit and outcome, and the zero
    /// reports submitted for `period`.
    pub async fn interference_report(
        &self,
        region_prefix: &str,
        agency_kind: Option<AgencyKind>,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        period: &str,
    ) -> Result<InterferenceReport> {
        let rows = self
            .interference_records(region_prefix, agency_kind, from, to)
            .await?;
        let mut rep = InterferenceReport {
            total: rows.len() as i64,
            ..Default::default()
        };
        let bump = |v: &mut Vec<(String, i64)>, k: &str| match v.iter_mut().find(|(x, _)| x == k) {
            Some((_, n)) => *n += 1,
            None => v.push((k.to_string(), 1)),
        };
        for r in &rows {
            bump(&mut rep.by_source, &r.source);
            bump(&mut rep.by_outcome, &r.outcome);
            match rep.by_unit.iter_mut().find(|(id, _, _)| *id == r.org_id) {
                Some((_, _, n)) => *n += 1,
                None => rep.by_unit.push((r.org_id.clone(), r.org_name.clone(), 1)),
            }
        }
        rep.by_source.sort();
        rep.by_outcome.sort();
        rep.by_unit.sort();
        for r in sqlx::query(
            "SELECT o.name, u.display_name, z.submitted_at FROM zero_reports z JOIN orgs o ON o.id = z.org_id JOIN users u ON u.id = z.user_id \
             WHERE z.period = $1 AND z.region_path >= $2 AND z.region_path < $3 AND ($4 IS NULL OR o.kind = $4) ORDER BY o.name, u.display_name",
        )
        .bind(period)
        .bind(region_prefix)
        .bind(crate::case::prefix_end(region_prefix))
        .bind(agency_kind.map(AgencyKind::as_str))
        .fetch_all(&self.pool)
        .await?
        {
            rep.zero_reports
                .push((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?));
        }
        Ok(rep)
    }

    /// An explicit "nothing to report" for a period (零报告). Refused when the person recorded
    /// something in that period, or already reported.
    pub async fn submit_zero_report(
        &self,
        by: &User,
        org: &Org,
        period: &str,
        period_range: (DateTime<Utc>, DateTime<Utc>),
        now: DateTime<Utc>,
    ) -> Result<Decision<i64>> {
        let mut tx = self.write_tx().await?;
        let n: i64 = sqlx::query(
            "SELECT COUNT(*) FROM interference_records WHERE recorded_by = $1 AND by_system = 0 AND occurred_at >= $2 AND occurred_at < $3",
        )
        .bind(by.id)
        .bind(ts(period_range.0))
        .bind(ts(period_range.1))
        .fetch_one(&mut *tx)
        .await?
        .try_get(0)?;
        if n > 0 {
            return Ok(Err(refusal(
                "not_zero",
                format!("本期已有 {n} 条过问记录，不能提交零报告"),
            )));
        }
        let done: Option<i64> =
            sqlx::query("SELECT id FROM zero_reports WHERE user_id = $1 AND period = $2")
                .bind(by.id)
                .bind(period)
                .fetch_optional(&mut *tx)
                .await?
                .map(|r| r.try_get(0))
                .transpose()?;
        if done.is_some() {
            return Ok(Err(refusal("already_reported", "本期零报告已提交")));
        }
        let id: i64 = sqlx::query(
            "INSERT INTO zero_reports (user_id, org_id, region_path, period, submitted_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(by.id)
        .bind(&org.id)
        .bind(&org.region_path)
        .bind(period)
        .bind(ts(now))
        .fetch_one(&mut *tx)
        .await?
        .try_get(0)?;
        ledger::record_one(&mut tx, self.backend, Command::ZeroReportSubmitted, id, now).await?;
        tx.commit().await?;
        Ok(Ok(id))
    }
}

// --- supervision items -----------------------------------------------------------------------------

#[derive(Debug, Clone)]
pub struct NewItem {
    pub source: ItemSource,
    pub source_ref: Option<String>,
    pub case_id: Option<i64>,
    pub title: String,
    pub description: String,
    /// Assigns at once when given.
    pub responsible_org_id: Option<String>,
    pub rectify_due_at: Option<DateTime<Utc>>,
    pub referral_id: Option<i64>,
    pub project_id: Option<i64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ItemRow {
    pub id: i64,
    pub number: String,
    pub org_id: String,
    pub org_name: String,
    pub region_path: String,
    pub opened_by: i64,
    pub opened_by_name: String,
    pub opened_at: String,
    pub source: String,
    pub source_ref: Option<String>,
    pub case_id: Option<i64>,
    pub title: String,
    pub description: String,
    pub responsible_org_id: Option<String>,
    pub responsible_org_name: Option<String>,
    pub responsible_path: Option<String>,
    pub state: String,
    pub stage_started_at: String,
    pub stage_due_at: Option<String>,
    pub rectify_due_at: Option<String>,
    pub rectifier_id: Option<i64>,
    pub verifier_id: Option<i64>,
    pub closed_at: Option<String>,
    pub revisit_due_at: Option<String>,
    pub revisited_at: Option<String>,
    pub referral_id: Option<i64>,
    pub project_id: Option<i64>,
    pub escalation_level: i64,
    pub evidence_count: i64,
    pub case_number: Option<String>,
}

impl ItemRow {
    pub fn state(&self) -> ItemState {
        ItemState::parse(&self.state).unwrap_or(ItemState::Found)
    }
    /// Whether the current stage is past its deadline at `now`.
    pub fn overdue(&self, now: DateTime<Utc>) -> bool {
        self.stage_due_at
            .as_deref()
            .and_then(|d| parse_ts(d).ok())
            .is_some_and(|d| d < now)
            && self.state() != ItemState::Closed
    }
}

const ITEM_SELECT: &str = "SELECT i.id, i.number, i.org_id, o.name AS org_name, i.region_path, i.opened_by, u.display_name AS opened_by_name, i.opened_at, i.source, i.source_ref, i.case_id, i.title, i.description, i.responsible_org_id, r.name AS responsible_org_name, i.responsible_path, i.state, i.stage_started_at, i.stage_due_at, i.rectify_due_at, i.rectifier_id, i.verifier_id, i.closed_at, i.revisit_due_at, i.revisited_at, i.referral_id, i.project_id, i.escalation_level, \
     (SELECT COUNT(*) FROM evidence e WHERE e.item_id = i.id) AS evidence_count, c.case_number \
     FROM supervision_items i JOIN orgs o ON o.id = i.org_id JOIN users u ON u.id = i.opened_by LEFT JOIN orgs r ON r.id = i.responsible_org_id LEFT JOIN cases c ON c.id = i.case_id";

fn item_row(r: &AnyRow) -> Result<ItemRow> {
    Ok(ItemRow {
        id: r.try_get("id")?,
        number: r.try_get("number")?,
        org_id: r.try_get("org_id")?,
        org_name: r.try_get("org_name")?,
        region_path: r.try_get("region_path")?,
        opened_by: r.try_get("opened_by")?,
        opened_by_name: r.try_get("opened_by_name")?,
        opened_at: r.try_get("opened_at")?,
        source: r.try_get("source")?,
        source_ref: r.try_get("source_ref")?,
        case_id: r.try_get("case_id")?,
        title: r.try_get("title")?,
        description: r.try_get("description")?,
        responsible_org_id: r.try_get("responsible_org_id")?,
        responsible_org_name: r.try_get("responsible_org_name")?,
        responsible_path: r.try_get("responsible_path")?,
        state: r.try_get("state")?,
        stage_started_at: r.try_get("stage_started_at")?,
        stage_due_at: r.try_get("stage_due_at")?,
        rectify_due_at: r.try_get("rectify_due_at")?,
        rectifier_id: r.try_get("rectifier_id")?,
        verifier_id: r.try_get("verifier_id")?,
        closed_at: r.try_get("closed_at")?,
        revisit_due_at: r.try_get("revisit_due_at")?,
        revisited_at: r.try_get("revisited_at")?,
        referral_id: r.try_get("referral_id")?,
        project_id: r.try_get("project_id")?,
        escalation_level: r.try_get("escalation_level")?,
        evidence_count: r.try_get("evidence_count")?,
        case_number: r.try_get("case_number")?,
    })
}

#[derive(Debug, Clone, Serialize)]
pub struct StepRow {
    pub id: i64,
    pub action: String,
    pub from_state: Option<String>,
    pub to_state: String,
    pub actor: Option<String>,
    pub note: String,
    pub at: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct EvidenceRow {
    pub id: i64,
    pub item_id: i64,
    pub sha256: String,
    pub filename: String,
    pub content_type: String,
    pub size: i64,
    pub uploaded_by: String,
    pub uploaded_at: String,
}

/// Which side of an item `user` (of `org`) is on.
pub fn item_actor(
    item: &ItemRow,
    user: &User,
    org: &Org,
    dir: &crate::org::Directory,
) -> ItemActor {
    let opener_kind = dir.get(&item.org_id).map(|o| o.kind);
    let opener_side = supervises(user.role)
        && opener_kind.is_some_and(|k| at_or_above(org, &item.region_path, k));
    let responsible_side = rectifies(user.role)
        && match (&item.responsible_org_id, &item.responsible_path) {
            (Some(id), Some(path)) => {
                &org.id == id
                    || dir
                        .get(id)
                        .is_some_and(|r| at_or_above(org, path, r.kind) && supervises(user.role))
            }
            _ => false,
        };
    ItemActor {
        user_id: user.id,
        opener_side,
        responsible_side,
    }
}

/// Whether `user` may see an item: either side, or a supervising body (人大, 政法委) above
/// either organisation.
pub fn can_read_item(item: &ItemRow, user: &User, org: &Org, dir: &crate::org::Directory) -> bool {
    let a = item_actor(item, user, org, dir);
    if a.opener_side || a.responsible_side {
        return true;
    }
    if item.org_id == org.id || item.responsible_org_id.as_deref() == Some(org.id.as_str()) {
        return user.role.reads_cases();
    }
    org.kind.supervises_all_kinds()
        && supervises(user.role)
        && (item.region_path.starts_with(&org.region_path)
            || item
                .responsible_path
                .as_deref()
                .is_some_and(|p| p.starts_with(&org.region_path)))
}

/// The next number of the year (`督〔2026〕7号`). The ledger's head row is locked first — every
/// ledgered write takes it before committing, so creators are serialised and two cannot count the
/// same number — and taking it *first* keeps one lock order (head, then rows) with the other
/// writers, so there is no deadlock. (SQLite's write transaction serialises them anyway.)
async fn next_number(
    tx: &mut sqlx::AnyConnection,
    table: &str,
    prefix: &str,
    now: DateTime<Utc>,
) -> Result<String> {
    sqlx::query("UPDATE ledger_head SET size = size WHERE id = 1")
        .execute(&mut *tx)
        .await?;
    let year = tianping_domain::utc_seconds(now)[..4].to_string();
    let like = format!("{prefix}〔{year}〕%");
    let n: i64 = sqlx::query(crate::audited(format!(
        "SELECT COUNT(*) FROM {table} WHERE number LIKE $1"
    )))
    .bind(&like)
    .fetch_one(&mut *tx)
    .await?
    .try_get(0)?;
    Ok(format!("{prefix}〔{year}〕{}号", n + 1))
}

#[allow(clippy::too_many_arguments)]
async fn insert_step(
    tx: &mut sqlx::AnyConnection,
    backend: Backend,
    item_id: i64,
    action: &str,
    from: Option<ItemState>,
    to: ItemState,
    actor: Option<i64>,
    note: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    let id: i64 = sqlx::query(
        "INSERT INTO supervision_steps (item_id, action, from_state, to_state, actor_id, note, at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(item_id)
    .bind(action)
    .bind(from.map(|s| s.as_str()))
    .bind(to.as_str())
    .bind(actor)
    .bind(note.trim())
    .bind(ts(now))
    .fetch_one(&mut *tx)
    .await?
    .try_get(0)?;
    ledger::record_one(tx, backend, Command::ItemStepRecorded, id, now).await
}

impl Store {
    async fn open_item_in(
        &self,
        tx: &mut sqlx::AnyConnection,
        n: &NewItem,
        by: &User,
        org: &Org,
        now: DateTime<Utc>,
    ) -> Result<Decision<i64>> {
        if n.title.trim().is_empty() {
            return Ok(Err(refusal("field_empty", "“问题”不能为空")));
        }
        let d = self.supervision().rules.deadlines;
        let dir = self.org_directory().await?;
        let responsible = match &n.responsible_org_id {
            Some(id) => match dir.get(id) {
                Some(o) => Some(o.clone()),
                None => {
                    return Ok(Err(refusal("unknown_org", format!("责任单位“{id}”不存在"))));
                }
            },
            None => None,
        };
        if let Some(due) = n.rectify_due_at
            && due <= now
        {
            return Ok(Err(refusal("due_in_past", "整改期限须晚于今天")));
        }
        let number = next_number(tx, "supervision_items", "督", now).await?;
        let state = if responsible.is_some() {
            ItemState::Assigned
        } else {
            ItemState::Found
        };
        let id: i64 = sqlx::query(
            "INSERT INTO supervision_items (number, org_id, region_path, opened_by, opened_at, source, source_ref, case_id, title, description, responsible_org_id, responsible_path, state, stage_started_at, stage_due_at, rectify_due_at, referral_id, project_id) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18) RETURNING id",
        )
        .bind(&number)
        .bind(&org.id)
        .bind(&org.region_path)
        .bind(by.id)
        .bind(ts(now))
        .bind(n.source.as_str())
        .bind(n.source_ref.as_deref())
        .bind(n.case_id)
        .bind(n.title.trim())
        .bind(n.description.trim())
        .bind(responsible.as_ref().map(|o| o.id.clone()))
        .bind(responsible.as_ref().map(|o| o.region_path.clone()))
        .bind(state.as_str())
        .bind(ts(now))
        .bind(opt_ts(stage_due(state, now, &d)))
        .bind(opt_ts(n.rectify_due_at))
        .bind(n.referral_id)
        .bind(n.project_id)
        .fetch_one(&mut *tx)
        .await?
        .try_get(0)?;
        ledger::record_one(tx, self.backend, Command::ItemOpened, id, now).await?;
        insert_step(
            tx,
            self.backend,
            id,
            "open",
            None,
            ItemState::Found,
            Some(by.id),
            &n.description,
            now,
        )
        .await?;
        if let Some(o) = &responsible {
            insert_step(
                tx,
                self.backend,
                id,
                "assign",
                Some(ItemState::Found),
                ItemState::Assigned,
                Some(by.id),
                &format!("交办{}", o.name),
                now,
            )
            .await?;
        }
        Ok(Ok(id))
    }

    /// Opens a supervision item for the user's body (assigned at once when a responsible unit
    /// is given).
    pub async fn open_item(
        &self,
        n: &NewItem,
        by: &User,
        org: &Org,
        now: DateTime<Utc>,
    ) -> Result<Decision<i64>> {
        if !supervises(by.role) {
            return Ok(Err(refusal(
                "not_opener_side",
                "只有督办单位可以立督办事项",
            )));
        }
        let mut tx = self.write_tx().await?;
        let r = self.open_item_in(&mut tx, n, by, org, now).await?;
        if r.is_ok() {
            tx.commit().await?;
        }
        Ok(r)
    }

    pub async fn item(&self, id: i64) -> Result<Option<ItemRow>> {
        sqlx::query(crate::audited(format!("{ITEM_SELECT} WHERE i.id = $1")))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .as_ref()
            .map(item_row)
            .transpose()
    }

    /// Items opened by or assigned to organisations under `region_prefix` (the 台账 of a body
    /// and what it supervises), newest first.
    pub async fn items_in(&self, region_prefix: &str) -> Result<Vec<ItemRow>> {
        sqlx::query(crate::audited(format!(
            "{ITEM_SELECT} WHERE (i.region_path >= $1 AND i.region_path < $2) OR (i.responsible_path >= $1 AND i.responsible_path < $2) ORDER BY i.id DESC"
        )))
        .bind(region_prefix)
        .bind(crate::case::prefix_end(region_prefix))
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(item_row)
        .collect()
    }

    pub async fn case_items(&self, case_id: i64) -> Result<Vec<ItemRow>> {
        sqlx::query(crate::audited(format!(
            "{ITEM_SELECT} WHERE i.case_id = $1 ORDER BY i.id"
        )))
        .bind(case_id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(item_row)
        .collect()
    }

    pub async fn item_steps(&self, item_id: i64) -> Result<Vec<StepRow>> {
        sqlx::query(
            "SELECT s.id, s.action, s.from_state, s.to_state, u.display_name, s.note, s.at FROM supervision_steps s LEFT JOIN users u ON u.id = s.actor_id WHERE s.item_id = $1 ORDER BY s.id",
        )
        .bind(item_id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| {
            Ok(StepRow {
                id: r.try_get(0)?,
                action: r.try_get(1)?,
                from_state: r.try_get(2)?,
                to_state: r.try_get(3)?,
                actor: r.try_get(4)?,
                note: r.try_get(5)?,
                at: r.try_get(6)?,
            })
        })
        .collect()
    }

    pub async fn item_evidence(&self, item_id: i64) -> Result<Vec<EvidenceRow>> {
        sqlx::query(
            "SELECT e.id, e.item_id, e.sha256, e.filename, e.content_type, e.size, u.display_name, e.uploaded_at FROM evidence e JOIN users u ON u.id = e.uploaded_by WHERE e.item_id = $1 ORDER BY e.id",
        )
        .bind(item_id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| {
            Ok(EvidenceRow {
                id: r.try_get(0)?,
                item_id: r.try_get(1)?,
                sha256: r.try_get(2)?,
                filename: r.try_get(3)?,
                content_type: r.try_get(4)?,
                size: r.try_get(5)?,
                uploaded_by: r.try_get(6)?,
                uploaded_at: r.try_get(7)?,
            })
        })
        .collect()
    }

    /// An evidence file's bytes, checked against the SHA-256 its ledgered row records.
    pub async fn evidence_file(
        &self,
        item_id: i64,
        evidence_id: i64,
    ) -> Result<Option<(EvidenceRow, Vec<u8>)>> {
        let Some(meta) = self
            .item_evidence(item_id)
            .await?
            .into_iter()
            .find(|e| e.id == evidence_id)
        else {
            return Ok(None);
        };
        let data: Vec<u8> = sqlx::query("SELECT data FROM evidence_blobs WHERE sha256 = $1")
            .bind(&meta.sha256)
            .fetch_one(&self.pool)
            .await?
            .try_get(0)?;
        let got = hex(&Sha256::digest(&data));
        if got != meta.sha256 {
            return Err(StoreError::Corrupt(format!(
                "evidence {evidence_id}: stored bytes hash to {got}, the record says {}",
                meta.sha256
            )));
        }
        Ok(Some((meta, data)))
    }

    /// Attaches a file to an item (stored once per content hash). Only the responsible unit,
    /// while the item is with it.
    #[allow(clippy::too_many_arguments)]
    pub async fn add_evidence(
        &self,
        item_id: i64,
        filename: &str,
        content_type: &str,
        data: &[u8],
        by: &User,
        org: &Org,
        now: DateTime<Utc>,
    ) -> Result<Decision<i64>> {
        const MAX: usize = 20 * 1024 * 1024;
        let Some(item) = self.item(item_id).await? else {
            return Ok(Err(refusal("not_found", "督办事项不存在")));
        };
        let dir = self.org_directory().await?;
        let a = item_actor(&item, by, org, &dir);
        if !a.responsible_side {
            return Ok(Err(refusal(
                "not_responsible_side",
                "只有责任单位可以上传整改材料",
            )));
        }
        if !matches!(item.state(), ItemState::Assigned | ItemState::Rectifying) {
            return Ok(Err(refusal(
                "wrong_state",
                format!("事项处于“{}”，不能上传整改材料", item.state().zh()),
            )));
        }
        let name = filename.trim();
        if name.is_empty() || data.is_empty() {
            return Ok(Err(refusal("file_empty", "请选择要上传的文件")));
        }
        if data.len() > MAX {
            return Ok(Err(refusal(
                "file_too_large",
                format!("文件 {} 字节，超过 20 MB 上限", data.len()),
            )));
        }
        let sha = hex(&Sha256::digest(data));
        let mut tx = self.write_tx().await?;
        sqlx::query(
            "INSERT INTO evidence_blobs (sha256, data) VALUES ($1, $2) ON CONFLICT (sha256) DO NOTHING",
        )
        .bind(&sha)
        .bind(data.to_vec())
        .execute(&mut *tx)
        .await?;
        let id: i64 = sqlx::query(
            "INSERT INTO evidence (item_id, sha256, filename, content_type, size, uploaded_by, uploaded_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(item_id)
        .bind(&sha)
        .bind(name)
        .bind(if content_type.trim().is_empty() {
            "application/octet-stream"
        } else {
            content_type.trim()
        })
        .bind(data.len() as i64)
        .bind(by.id)
        .bind(ts(now))
        .fetch_one(&mut *tx)
        .await?
        .try_get(0)?;
        ledger::record_one(&mut tx, self.backend, Command::EvidenceAdded, id, now).await?;
        tx.commit().await?;
        Ok(Ok(id))
    }

    /// Moves an item through its life (see `tianping_domain::supervision::item_transition`).
    /// `assign_to` and `due` are used by `assign` only.
    #[allow(clippy::too_many_arguments)]
    pub async fn advance_item(
        &self,
        item_id: i64,
        action: ItemAction,
        note: &str,
        assign_to: Option<&str>,
        due: Option<DateTime<Utc>>,
        by: &User,
        org: &Org,
        now: DateTime<Utc>,
    ) -> Result<Decision<ItemState>> {
        let dir = self.org_directory().await?;
        let d = self.supervision().rules.deadlines;
        let mut tx = self.write_tx().await?;
        if self.backend == Backend::Postgres {
            sqlx::query("SELECT id FROM supervision_items WHERE id = $1 FOR UPDATE")
                .bind(item_id)
                .execute(&mut *tx)
                .await?;
        }
        let Some(item) = sqlx::query(crate::audited(format!("{ITEM_SELECT} WHERE i.id = $1")))
            .bind(item_id)
            .fetch_optional(&mut *tx)
            .await?
            .as_ref()
            .map(item_row)
            .transpose()?
        else {
            return Ok(Err(refusal("not_found", "督办事项不存在")));
        };
        let actor = item_actor(&item, by, org, &dir);
        let facts = ItemFacts {
            state: item.state(),
            rectifier: item.rectifier_id,
            evidence: item.evidence_count as u32,
            revisited: item.revisited_at.is_some(),
        };
        let next = match item_transition(&facts, action, &actor, note) {
            Ok(s) => s,
            Err(e) => return Ok(Err(e)),
        };
        let mut responsible = (
            item.responsible_org_id.clone(),
            item.responsible_path.clone(),
        );
        let mut rectify_due = item.rectify_due_at.clone();
        let mut step_note = note.trim().to_string();
        if action == ItemAction::Assign {
            let Some(target) = assign_to.and_then(|id| dir.get(id)) else {
                return Ok(Err(refusal("unknown_org", "请选择责任单位")));
            };
            if let Some(due) = due {
                if due <= now {
                    return Ok(Err(refusal("due_in_past", "整改期限须晚于今天")));
                }
                rectify_due = Some(ts(due));
            }
            responsible = (Some(target.id.clone()), Some(target.region_path.clone()));
            if step_note.is_empty() {
                step_note = format!("交办{}", target.name);
            }
        }
        // The stage deadline: rectification uses the assigner's date when there is one.
        let stage_due_at = match next {
            ItemState::Rectifying => rectify_due
                .clone()
                .or_else(|| opt_ts(stage_due(next, now, &d))),
            _ if next == facts.state && action == ItemAction::Revisit => item.stage_due_at.clone(),
            _ => opt_ts(stage_due(next, now, &d)),
        };
        let rectifier = if action == ItemAction::Submit {
            Some(by.id)
        } else {
            item.rectifier_id
        };
        let verifier = if action == ItemAction::Verify {
            Some(by.id)
        } else {
            item.verifier_id
        };
        let closed_at = if action == ItemAction::Close {
            Some(ts(now))
        } else {
            item.closed_at.clone()
        };
        let revisit_due_at = if action == ItemAction::Close {
            Some(ts(now + Duration::days(d.revisit_days)))
        } else {
            item.revisit_due_at.clone()
        };
        let revisited_at = if action == ItemAction::Revisit {
            Some(ts(now))
        } else {
            item.revisited_at.clone()
        };
        let stage_started = if next != facts.state || action == ItemAction::Return {
            ts(now)
        } else {
            item.stage_started_at.clone()
        };
        sqlx::query(
            "UPDATE supervision_items SET state = $1, stage_started_at = $2, stage_due_at = $3, rectify_due_at = $4, responsible_org_id = $5, responsible_path = $6, rectifier_id = $7, verifier_id = $8, closed_at = $9, revisit_due_at = $10, revisited_at = $11, escalation_level = 0 WHERE id = $12",
        )
        .bind(next.as_str())
        .bind(stage_started)
        .bind(stage_due_at)
        .bind(rectify_due)
        .bind(responsible.0)
        .bind(responsible.1)
        .bind(rectifier)
        .bind(verifier)
        .bind(closed_at)
        .bind(revisit_due_at)
        .bind(revisited_at)
        .bind(item_id)
        .execute(&mut *tx)
        .await?;
        ledger::record_one(&mut tx, self.backend, Command::ItemUpdated, item_id, now).await?;
        insert_step(
            &mut tx,
            self.backend,
            item_id,
            action.as_str(),
            Some(facts.state),
            next,
            Some(by.id),
            &step_note,
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(Ok(next))
    }

    /// Escalates items whose stage is overdue and not yet escalated: a step by the system and a
    /// mail to the responsible unit's (or, for the opener's stages, the opening body's)
    /// supervisors; and referrals not signed for by their deadline (a mail to the receiving
    /// body). Idempotent per item and stage, and per referral. Returns how many were escalated.
    pub async fn escalate_overdue_items(&self, now: DateTime<Utc>) -> Result<usize> {
        let mut tx = self.write_tx().await?;
        let due = sqlx::query(crate::audited(format!(
            "{ITEM_SELECT} WHERE i.escalation_level = 0 AND ((i.state <> 'closed' AND i.stage_due_at IS NOT NULL AND i.stage_due_at < $1) OR (i.state = 'closed' AND i.revisited_at IS NULL AND i.revisit_due_at < $1))"
        )))
        .bind(ts(now))
        .fetch_all(&mut *tx)
        .await?
        .iter()
        .map(item_row)
        .collect::<Result<Vec<_>>>()?;
        for item in &due {
            sqlx::query("UPDATE supervision_items SET escalation_level = 1 WHERE id = $1")
                .bind(item.id)
                .execute(&mut *tx)
                .await?;
            let state = item.state();
            let with_unit = matches!(state, ItemState::Assigned | ItemState::Rectifying);
            let target = if with_unit {
                item.responsible_org_id
                    .clone()
                    .unwrap_or(item.org_id.clone())
            } else {
                item.org_id.clone()
            };
            let note = if state == ItemState::Closed {
                format!(
                    "销号后应于 {} 前回访，尚未回访，已向督办单位负责人督促",
                    item.revisit_due_at.as_deref().unwrap_or("")
                )
            } else {
                format!(
                    "“{}”阶段已超过期限 {}，已向{}负责人督促",
                    state.zh(),
                    item.stage_due_at.as_deref().unwrap_or(""),
                    if with_unit {
                        "责任单位"
                    } else {
                        "督办单位"
                    }
                )
            };
            insert_step(
                &mut tx,
                self.backend,
                item.id,
                "escalate",
                Some(state),
                state,
                None,
                &note,
                now,
            )
            .await?;
            let users = sqlx::query(
                "SELECT id, email FROM users WHERE org_id = $1 AND role IN ('president', 'case_office', 'plc_supervisor', 'pc_supervisor') AND email IS NOT NULL",
            )
            .bind(&target)
            .fetch_all(&mut *tx)
            .await?;
            for u in users {
                let uid: i64 = u.try_get(0)?;
                let email: String = u.try_get(1)?;
                crate::clocks::enqueue(
                    &mut tx,
                    &format!(
                        "item:{}:{}:{}:{uid}",
                        item.id,
                        state.as_str(),
                        item.stage_started_at
                    ),
                    Some(uid),
                    &email,
                    &format!("【督办超期】{} {}", item.number, item.title),
                    &format!(
                        "督办事项 {}（{}）{}。\n请登录天平系统处理。\n",
                        item.number, item.title, note
                    ),
                    now,
                )
                .await?;
            }
        }
        // Referrals nobody signed for in time: the receiving body's supervisors are told.
        let late = sqlx::query(
            "SELECT r.id, r.number, r.subject, r.to_org_id, f.name FROM referrals r JOIN orgs f ON f.id = r.from_org_id WHERE r.state = 'sent' AND r.ack_due_at < $1 AND r.escalation_level = 0",
        )
        .bind(ts(now))
        .fetch_all(&mut *tx)
        .await?;
        for r in &late {
            let (id, number, subject, to, from): (i64, String, String, String, String) = (
                r.try_get(0)?,
                r.try_get(1)?,
                r.try_get(2)?,
                r.try_get(3)?,
                r.try_get(4)?,
            );
            sqlx::query("UPDATE referrals SET escalation_level = 1 WHERE id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
            let users = sqlx::query(
                "SELECT id, email FROM users WHERE org_id = $1 AND role IN ('plc_supervisor', 'pc_supervisor') AND email IS NOT NULL",
            )
            .bind(&to)
            .fetch_all(&mut *tx)
            .await?;
            for u in users {
                let uid: i64 = u.try_get(0)?;
                let email: String = u.try_get(1)?;
                crate::clocks::enqueue(
                    &mut tx,
                    &format!("referral:{id}:ack:{uid}"),
                    Some(uid),
                    &email,
                    &format!("【移送逾期未签收】{number} {subject}"),
                    &format!(
                        "{from}移送的“{subject}”（{number}）已超过签收期限，请登录天平系统签收并决定是否受理。\n"
                    ),
                    now,
                )
                .await?;
            }
        }
        tx.commit().await?;
        Ok(due.len() + late.len())
    }
}

fn hex(b: &[u8]) -> String {
    use std::fmt::Write;
    let mut s = String::with_capacity(b.len() * 2);
    for x in b {
        let _ = write!(s, "{x:02x}");
    }
    s
}

// --- referrals between 人大 and 政法委 -------------------------------------------------------------------

#[derive(Debug, Clone)]
pub struct NewReferral {
    pub to_org_id: String,
    pub subject: String,
    pub content: String,
    pub case_id: Option<i64>,
    /// The unit the sender suggests should rectify (the receiver assigns it when accepting).
    pub responsible_org_id: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ReferralRow {
    pub id: i64,
    pub number: String,
    pub from_org_id: String,
    pub from_org_name: String,
    pub to_org_id: String,
    pub to_org_name: String,
    pub sent_by: String,
    pub sent_at: String,
    pub subject: String,
    pub content: String,
    pub case_id: Option<i64>,
    pub responsible_org_id: Option<String>,
    pub state: String,
    pub ack_due_at: String,
    pub acknowledged_at: Option<String>,
    pub decide_due_at: Option<String>,
    pub decided_at: Option<String>,
    pub decision_note: Option<String>,
    pub item_id: Option<i64>,
    pub result: Option<String>,
    pub result_shared_at: Option<String>,
    pub result_accepted_at: Option<String>,
}

impl ReferralRow {
    pub fn state(&self) -> ReferralState {
        ReferralState::parse(&self.state).unwrap_or(ReferralState::Sent)
    }
}

const REFERRAL_SELECT: &str = "SELECT r.id, r.number, r.from_org_id, f.name AS from_org_name, r.to_org_id, t.name AS to_org_name, u.display_name AS sent_by, r.sent_at, r.subject, r.content, r.case_id, r.responsible_org_id, r.state, r.ack_due_at, r.acknowledged_at, r.decide_due_at, r.decided_at, r.decision_note, r.item_id, r.result, r.result_shared_at, r.result_accepted_at \
     FROM referrals r JOIN orgs f ON f.id = r.from_org_id JOIN orgs t ON t.id = r.to_org_id JOIN users u ON u.id = r.sent_by";

fn referral_row(r: &AnyRow) -> Result<ReferralRow> {
    Ok(ReferralRow {
        id: r.try_get("id")?,
        number: r.try_get("number")?,
        from_org_id: r.try_get("from_org_id")?,
        from_org_name: r.try_get("from_org_name")?,
        to_org_id: r.try_get("to_org_id")?,
        to_org_name: r.try_get("to_org_name")?,
        sent_by: r.try_get("sent_by")?,
        sent_at: r.try_get("sent_at")?,
        subject: r.try_get("subject")?,
        content: r.try_get("content")?,
        case_id: r.try_get("case_id")?,
        responsible_org_id: r.try_get("responsible_org_id")?,
        state: r.try_get("state")?,
        ack_due_at: r.try_get("ack_due_at")?,
        acknowledged_at: r.try_get("acknowledged_at")?,
        decide_due_at: r.try_get("decide_due_at")?,
        decided_at: r.try_get("decided_at")?,
        decision_note: r.try_get("decision_note")?,
        item_id: r.try_get("item_id")?,
        result: r.try_get("result")?,
        result_shared_at: r.try_get("result_shared_at")?,
        result_accepted_at: r.try_get("result_accepted_at")?,
    })
}

fn is_referral_officer(role: Role) -> bool {
    matches!(role, Role::PlcSupervisor | Role::PcSupervisor)
}

impl Store {
    /// Refers a problem from a 人大常委会 to a 政法委 or the other way.
    pub async fn send_referral(
        &self,
        n: &NewReferral,
        by: &User,
        org: &Org,
        now: DateTime<Utc>,
    ) -> Result<Decision<i64>> {
        if !is_referral_officer(by.role) {
            return Ok(Err(refusal(
                "not_sender",
                "只有人大常委会、党委政法委的监督人员可以移送",
            )));
        }
        let dir = self.org_directory().await?;
        let Some(to) = dir.get(&n.to_org_id) else {
            return Ok(Err(refusal("unknown_org", "接收单位不存在")));
        };
        if let Err(e) = check_referral_pair(org.kind, to.kind) {
            return Ok(Err(e));
        }
        if n.subject.trim().is_empty() || n.content.trim().is_empty() {
            return Ok(Err(refusal("field_empty", "请填写移送事项和具体内容")));
        }
        if let Some(r) = &n.responsible_org_id
            && dir.get(r).is_none()
        {
            return Ok(Err(refusal("unknown_org", "建议责任单位不存在")));
        }
        let d = self.supervision().rules.deadlines;
        let mut tx = self.write_tx().await?;
        let number = next_number(&mut tx, "referrals", "移", now).await?;
        let id: i64 = sqlx::query(
            "INSERT INTO referrals (number, from_org_id, to_org_id, sent_by, sent_at, subject, content, case_id, responsible_org_id, state, ack_due_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'sent', $10) RETURNING id",
        )
        .bind(&number)
        .bind(&org.id)
        .bind(&to.id)
        .bind(by.id)
        .bind(ts(now))
        .bind(n.subject.trim())
        .bind(n.content.trim())
        .bind(n.case_id)
        .bind(n.responsible_org_id.as_deref())
        .bind(ts(now + Duration::days(d.referral_ack_days)))
        .fetch_one(&mut *tx)
        .await?
        .try_get(0)?;
        ledger::record_one(&mut tx, self.backend, Command::ReferralSent, id, now).await?;
        tx.commit().await?;
        Ok(Ok(id))
    }

    pub async fn referral(&self, id: i64) -> Result<Option<ReferralRow>> {
        sqlx::query(crate::audited(format!("{REFERRAL_SELECT} WHERE r.id = $1")))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .as_ref()
            .map(referral_row)
            .transpose()
    }

    /// Referrals an organisation sent or received.
    pub async fn referrals_of(&self, org_id: &str) -> Result<Vec<ReferralRow>> {
        sqlx::query(crate::audited(format!(
            "{REFERRAL_SELECT} WHERE r.from_org_id = $1 OR r.to_org_id = $1 ORDER BY r.id DESC"
        )))
        .bind(org_id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(referral_row)
        .collect()
    }

    /// Acts on a referral. Accepting opens a supervision item of the receiver (assigned at once
    /// to the suggested unit, if any); sharing the result needs that item closed; the sender
    /// accepts the result without re-checking it.
    pub async fn act_on_referral(
        &self,
        id: i64,
        action: ReferralAction,
        note: &str,
        by: &User,
        org: &Org,
        now: DateTime<Utc>,
    ) -> Result<Decision<ReferralState>> {
        let Some(r) = self.referral(id).await? else {
            return Ok(Err(refusal("not_found", "移送事项不存在")));
        };
        let sender = is_referral_officer(by.role) && org.id == r.from_org_id;
        let receiver = is_referral_officer(by.role) && org.id == r.to_org_id;
        let item_closed = match r.item_id {
            Some(i) => self
                .item(i)
                .await?
                .is_some_and(|x| x.state() == ItemState::Closed),
            None => false,
        };
        let next = match referral_transition(r.state(), action, sender, receiver, item_closed, note)
        {
            Ok(s) => s,
            Err(e) => return Ok(Err(e)),
        };
        let d = self.supervision().rules.deadlines;
        let mut tx = self.write_tx().await?;
        // Only one actor moves a referral from a state: the update names the state it expects.
        let expect = r.state().as_str();
        let n = match action {
            ReferralAction::Acknowledge => sqlx::query(
                "UPDATE referrals SET state = $1, acknowledged_at = $2, acknowledged_by = $3, decide_due_at = $4, escalation_level = 0 WHERE id = $5 AND state = $6",
            )
            .bind(next.as_str())
            .bind(ts(now))
            .bind(by.id)
            .bind(ts(now + Duration::days(d.referral_decide_days)))
            .bind(id)
            .bind(expect)
            .execute(&mut *tx)
            .await?
            .rows_affected(),
            ReferralAction::Accept | ReferralAction::Decline => {
                let item_id = if action == ReferralAction::Accept {
                    let new = NewItem {
                        source: ItemSource::Referral,
                        source_ref: Some(r.number.clone()),
                        case_id: r.case_id,
                        title: r.subject.clone(),
                        description: format!("{}（{}移送，{}）", r.content, r.from_org_name, r.number),
                        responsible_org_id: r.responsible_org_id.clone(),
                        rectify_due_at: None,
                        referral_id: Some(id),
                        project_id: None,
                    };
                    match self.open_item_in(&mut tx, &new, by, org, now).await? {
                        Ok(i) => Some(i),
                        Err(e) => return Ok(Err(e)),
                    }
                } else {
                    None
                };
                sqlx::query(
                    "UPDATE referrals SET state = $1, acknowledged_at = COALESCE(acknowledged_at, $2), acknowledged_by = COALESCE(acknowledged_by, $3), decided_at = $2, decided_by = $3, decision_note = $4, item_id = $5 WHERE id = $6 AND state = $7",
                )
                .bind(next.as_str())
                .bind(ts(now))
                .bind(by.id)
                .bind(note.trim())
                .bind(item_id)
                .bind(id)
                .bind(expect)
                .execute(&mut *tx)
                .await?
                .rows_affected()
            }
            ReferralAction::ShareResult => {
                let result = if note.trim().is_empty() {
                    "已整改销号".to_string()
                } else {
                    note.trim().to_string()
                };
                sqlx::query(
                    "UPDATE referrals SET state = $1, result = $2, result_shared_at = $3, result_shared_by = $4 WHERE id = $5 AND state = $6",
                )
                .bind(next.as_str())
                .bind(result)
                .bind(ts(now))
                .bind(by.id)
                .bind(id)
                .bind(expect)
                .execute(&mut *tx)
                .await?
                .rows_affected()
            }
            ReferralAction::AcceptResult => sqlx::query(
                "UPDATE referrals SET state = $1, result_accepted_at = $2, result_accepted_by = $3 WHERE id = $4 AND state = $5",
            )
            .bind(next.as_str())
            .bind(ts(now))
            .bind(by.id)
            .bind(id)
            .bind(expect)
            .execute(&mut *tx)
            .await?
            .rows_affected(),
        };
        if n != 1 {
            return Ok(Err(refusal("conflict", "该移送事项已被他人处理，请刷新")));
        }
        ledger::record_one(&mut tx, self.backend, Command::ReferralUpdated, id, now).await?;
        tx.commit().await?;
        Ok(Ok(next))
    }
}

// --- joint supervision projects ----------------------------------------------------------------------

#[derive(Debug, Clone, Serialize)]
pub struct ProjectRow {
    pub id: i64,
    pub title: String,
    pub lead_org_id: String,
    pub lead_org_name: String,
    pub plan: String,
    pub state: String,
    pub created_at: String,
    pub started_at: Option<String>,
    pub closed_at: Option<String>,
    pub final_report: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct MemberRow {
    pub org_id: String,
    pub org_name: String,
    pub role: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct TaskRow {
    pub id: i64,
    pub title: String,
    pub org_id: String,
    pub org_name: String,
    pub due_at: String,
    pub done_at: Option<String>,
    pub done_note: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ReportRow {
    pub id: i64,
    pub kind: String,
    pub content: String,
    pub by_user: String,
    pub at: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ProjectDetail {
    pub project: ProjectRow,
    pub members: Vec<MemberRow>,
    pub tasks: Vec<TaskRow>,
    pub reports: Vec<ReportRow>,
    pub items: Vec<ItemRow>,
}

/// A finding of a final report: it becomes a supervision item assigned to `responsible_org_id`.
#[derive(Debug, Clone)]
pub struct Finding {
    pub title: String,
    pub responsible_org_id: String,
}

const PROJECT_SELECT: &str = "SELECT p.id, p.title, p.lead_org_id, o.name AS lead_org_name, p.plan, p.state, p.created_at, p.started_at, p.closed_at, p.final_report FROM projects p JOIN orgs o ON o.id = p.lead_org_id";

fn project_row(r: &AnyRow) -> Result<ProjectRow> {
    Ok(ProjectRow {
        id: r.try_get("id")?,
        title: r.try_get("title")?,
        lead_org_id: r.try_get("lead_org_id")?,
        lead_org_name: r.try_get("lead_org_name")?,
        plan: r.try_get("plan")?,
        state: r.try_get("state")?,
        created_at: r.try_get("created_at")?,
        started_at: r.try_get("started_at")?,
        closed_at: r.try_get("closed_at")?,
        final_report: r.try_get("final_report")?,
    })
}

impl Store {
    pub async fn create_project(
        &self,
        title: &str,
        plan: &str,
        by: &User,
        org: &Org,
        now: DateTime<Utc>,
    ) -> Result<Decision<i64>> {
        if let Err(e) = check_project_lead(org.kind) {
            return Ok(Err(e));
        }
        if !supervises(by.role) {
            return Ok(Err(refusal(
                "not_project_member",
                "只有监督人员可以新建项目",
            )));
        }
        if title.trim().is_empty() {
            return Ok(Err(refusal("field_empty", "请填写项目名称")));
        }
        let mut tx = self.write_tx().await?;
        let id: i64 = sqlx::query(
            "INSERT INTO projects (title, lead_org_id, plan, state, created_by, created_at) VALUES ($1, $2, $3, 'planning', $4, $5) RETURNING id",
        )
        .bind(title.trim())
        .bind(&org.id)
        .bind(plan.trim())
        .bind(by.id)
        .bind(ts(now))
        .fetch_one(&mut *tx)
        .await?
        .try_get(0)?;
        ledger::record_one(&mut tx, self.backend, Command::ProjectCreated, id, now).await?;
        let m: i64 = sqlx::query(
            "INSERT INTO project_members (project_id, org_id, role, added_at) VALUES ($1, $2, '牵头单位', $3) RETURNING id",
        )
        .bind(id)
        .bind(&org.id)
        .bind(ts(now))
        .fetch_one(&mut *tx)
        .await?
        .try_get(0)?;
        ledger::record_one(&mut tx, self.backend, Command::ProjectMemberAdded, m, now).await?;
        tx.commit().await?;
        Ok(Ok(id))
    }

    pub async fn projects_of(&self, org_id: &str) -> Result<Vec<ProjectRow>> {
        sqlx::query(crate::audited(format!(
            "{PROJECT_SELECT} WHERE p.id IN (SELECT project_id FROM project_members WHERE org_id = $1) ORDER BY p.id DESC"
        )))
        .bind(org_id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(project_row)
        .collect()
    }

    pub async fn project(&self, id: i64) -> Result<Option<ProjectDetail>> {
        let Some(project) =
            sqlx::query(crate::audited(format!("{PROJECT_SELECT} WHERE p.id = $1")))
                .bind(id)
                .fetch_optional(&self.pool)
                .await?
                .as_ref()
                .map(project_row)
                .transpose()?
        else {
            return Ok(None);
        };
        let members = sqlx::query(
            "SELECT m.org_id, o.name, m.role FROM project_members m JOIN orgs o ON o.id = m.org_id WHERE m.project_id = $1 ORDER BY m.id",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| {
            Ok(MemberRow {
                org_id: r.try_get(0)?,
                org_name: r.try_get(1)?,
                role: r.try_get(2)?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
        let tasks = sqlx::query(
            "SELECT t.id, t.title, t.org_id, o.name, t.due_at, t.done_at, t.done_note FROM project_tasks t JOIN orgs o ON o.id = t.org_id WHERE t.project_id = $1 ORDER BY t.id",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| {
            Ok(TaskRow {
                id: r.try_get(0)?,
                title: r.try_get(1)?,
                org_id: r.try_get(2)?,
                org_name: r.try_get(3)?,
                due_at: r.try_get(4)?,
                done_at: r.try_get(5)?,
                done_note: r.try_get(6)?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
        let reports = sqlx::query(
            "SELECT r.id, r.kind, r.content, u.display_name, r.at FROM project_reports r JOIN users u ON u.id = r.by_user WHERE r.project_id = $1 ORDER BY r.id",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| {
            Ok(ReportRow {
                id: r.try_get(0)?,
                kind: r.try_get(1)?,
                content: r.try_get(2)?,
                by_user: r.try_get(3)?,
                at: r.try_get(4)?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
        let items = sqlx::query(crate::audited(format!(
            "{ITEM_SELECT} WHERE i.project_id = $1 ORDER BY i.id"
        )))
        .bind(id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(item_row)
        .collect::<Result<Vec<_>>>()?;
        Ok(Some(ProjectDetail {
            project,
            members,
            tasks,
            reports,
            items,
        }))
    }

    /// The actor's standing in a project: (lead, member).
    fn project_standing(p: &ProjectDetail, by: &User, org: &Org) -> (bool, bool) {
        let sup = supervises(by.role) || rectifies(by.role);
        let lead = supervises(by.role) && org.id == p.project.lead_org_id;
        let member = sup && p.members.iter().any(|m| m.org_id == org.id);
        (lead, member)
    }

    /// One step of a project (members, tasks, start, reports). `arg` carries the action's text:
    /// the member's org id and role, the task's title, org and due date, or the report.
    #[allow(clippy::too_many_arguments)]
    pub async fn act_on_project(
        &self,
        id: i64,
        action: ProjectAction,
        text: &str,
        org_arg: Option<&str>,
        due: Option<DateTime<Utc>>,
        task_id: Option<i64>,
        findings: &[Finding],
        by: &User,
        org: &Org,
        now: DateTime<Utc>,
    ) -> Result<Decision<ProjectState>> {
        let Some(p) = self.project(id).await? else {
            return Ok(Err(refusal("not_found", "联合监督项目不存在")));
        };
        let state = ProjectState::parse(&p.project.state).unwrap_or(ProjectState::Planning);
        let (lead, member) = Self::project_standing(&p, by, org);
        let next = match project_transition(state, action, lead, member) {
            Ok(s) => s,
            Err(e) => return Ok(Err(e)),
        };
        let dir = self.org_directory().await?;
        let mut tx = self.write_tx().await?;
        match action {
            ProjectAction::AddMember => {
                let Some(o) = org_arg.and_then(|x| dir.get(x)) else {
                    return Ok(Err(refusal("unknown_org", "请选择成员单位")));
                };
                if p.members.iter().any(|m| m.org_id == o.id) {
                    return Ok(Err(refusal("already_member", "该单位已是项目成员")));
                }
                let role = if text.trim().is_empty() {
                    "成员单位"
                } else {
                    text.trim()
                };
                let m: i64 = sqlx::query(
                    "INSERT INTO project_members (project_id, org_id, role, added_at) VALUES ($1, $2, $3, $4) RETURNING id",
                )
                .bind(id)
                .bind(&o.id)
                .bind(role)
                .bind(ts(now))
                .fetch_one(&mut *tx)
                .await?
                .try_get(0)?;
                ledger::record_one(&mut tx, self.backend, Command::ProjectMemberAdded, m, now)
                    .await?;
            }
            ProjectAction::AddTask => {
                let Some(o) = org_arg.and_then(|x| dir.get(x)) else {
                    return Ok(Err(refusal("unknown_org", "请选择承担任务的单位")));
                };
                let Some(due) = due.filter(|d| *d > now) else {
                    return Ok(Err(refusal("due_in_past", "任务期限须晚于今天")));
                };
                if text.trim().is_empty() {
                    return Ok(Err(refusal("field_empty", "请填写任务内容")));
                }
                let t: i64 = sqlx::query(
                    "INSERT INTO project_tasks (project_id, title, org_id, due_at) VALUES ($1, $2, $3, $4) RETURNING id",
                )
                .bind(id)
                .bind(text.trim())
                .bind(&o.id)
                .bind(ts(due))
                .fetch_one(&mut *tx)
                .await?
                .try_get(0)?;
                ledger::record_one(&mut tx, self.backend, Command::ProjectTaskAdded, t, now)
                    .await?;
            }
            ProjectAction::Start => {
                sqlx::query("UPDATE projects SET state = $1, started_at = $2 WHERE id = $3")
                    .bind(next.as_str())
                    .bind(ts(now))
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                ledger::record_one(&mut tx, self.backend, Command::ProjectUpdated, id, now).await?;
            }
            ProjectAction::CompleteTask => {
                let Some(task) = task_id.and_then(|t| p.tasks.iter().find(|x| x.id == t)) else {
                    return Ok(Err(refusal("not_found", "任务不存在")));
                };
                if task.org_id != org.id && !lead {
                    return Ok(Err(refusal(
                        "not_project_member",
                        "只有承担任务的单位可以报告完成",
                    )));
                }
                let n = sqlx::query(
                    "UPDATE project_tasks SET done_at = $1, done_by = $2, done_note = $3 WHERE id = $4 AND done_at IS NULL",
                )
                .bind(ts(now))
                .bind(by.id)
                .bind(text.trim())
                .bind(task.id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if n != 1 {
                    return Ok(Err(refusal("already_done", "任务已完成")));
                }
                ledger::record_one(
                    &mut tx,
                    self.backend,
                    Command::ProjectTaskDone,
                    task.id,
                    now,
                )
                .await?;
            }
            ProjectAction::ProgressReport | ProjectAction::FinalReport => {
                if text.trim().is_empty() {
                    return Ok(Err(refusal("field_empty", "请填写报告内容")));
                }
                let kind = if action == ProjectAction::FinalReport {
                    "final"
                } else {
                    "progress"
                };
                let r: i64 = sqlx::query(
                    "INSERT INTO project_reports (project_id, kind, content, by_user, at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
                )
                .bind(id)
                .bind(kind)
                .bind(text.trim())
                .bind(by.id)
                .bind(ts(now))
                .fetch_one(&mut *tx)
                .await?
                .try_get(0)?;
                ledger::record_one(&mut tx, self.backend, Command::ProjectReportFiled, r, now)
                    .await?;
                if action == ProjectAction::FinalReport {
                    for f in findings {
                        let new = NewItem {
                            source: ItemSource::JointSupervision,
                            source_ref: Some(p.project.title.clone()),
                            case_id: None,
                            title: f.title.clone(),
                            description: format!("联合监督项目“{}”发现的问题", p.project.title),
                            responsible_org_id: Some(f.responsible_org_id.clone()),
                            rectify_due_at: None,
                            referral_id: None,
                            project_id: Some(id),
                        };
                        if let Err(e) = self.open_item_in(&mut tx, &new, by, org, now).await? {
                            return Ok(Err(e));
                        }
                    }
                    sqlx::query(
                        "UPDATE projects SET state = $1, closed_at = $2, final_report = $3 WHERE id = $4",
                    )
                    .bind(next.as_str())
                    .bind(ts(now))
                    .bind(text.trim())
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                    ledger::record_one(&mut tx, self.backend, Command::ProjectUpdated, id, now)
                        .await?;
                }
            }
        }
        tx.commit().await?;
        Ok(Ok(next))
    }
}
