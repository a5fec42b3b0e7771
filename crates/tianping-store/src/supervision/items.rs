//! Supervision items.

use super::at_or_above;
use super::opt_ts;
use super::rectifies;
use super::refusal;
use super::supervises;
use crate::db::{FromRow, row_struct};
use crate::org::Org;
use crate::user::User;
use crate::{Backend, Result, Store, StoreError, parse_ts, ts};
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use sha2::{Digest as _, Sha256};
use sqlx::Row;
use tianping_domain::supervision::{
    ItemAction, ItemActor, ItemFacts, ItemSource, ItemState, item_transition, stage_due,
};
use tianping_ledger::Command;

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
    /// The first stage's deadline when the source sets its own (a bad rating's call-back, in
    /// working days); otherwise the supervision rules' stage days.
    pub stage_due_at: Option<DateTime<Utc>>,
}

row_struct! {
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

pub(crate) const ITEM_SELECT: &str = "SELECT i.id, i.number, i.org_id, o.name AS org_name, i.region_path, i.opened_by, u.display_name AS opened_by_name, i.opened_at, i.source, i.source_ref, i.case_id, i.title, i.description, i.responsible_org_id, r.name AS responsible_org_name, i.responsible_path, i.state, i.stage_started_at, i.stage_due_at, i.rectify_due_at, i.rectifier_id, i.verifier_id, i.closed_at, i.revisit_due_at, i.revisited_at, i.referral_id, i.project_id, i.escalation_level, \
     (SELECT COUNT(*) FROM evidence e WHERE e.item_id = i.id) AS evidence_count, c.case_number \
     FROM supervision_items i JOIN orgs o ON o.id = i.org_id JOIN users u ON u.id = i.opened_by LEFT JOIN orgs r ON r.id = i.responsible_org_id LEFT JOIN cases c ON c.id = i.case_id";

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

/// The next number of the year (`督〔2026〕7号`). Creators of one table's numbers are serialised
/// by a transaction advisory lock of that table (PostgreSQL; SQLite's write transaction
/// serialises them anyway), so two cannot count the same number. It is not the ledger's head:
/// writers lock the head only in the short step at commit, after their rows, and a lock taken on
/// the head first would make the opposite order (a deadlock with a writer holding a row this
/// transaction then needs).
pub(crate) async fn next_number(
    tx: &mut crate::write::Write,
    table: &str,
    prefix: &str,
    now: DateTime<Utc>,
) -> Result<String> {
    if tx.backend() == crate::Backend::Postgres {
        sqlx::query("SELECT pg_advisory_xact_lock(hashtext($1))")
            .bind(format!("tianping numbers {table}"))
            .execute(&mut **tx)
            .await?;
    }
    let year = tianping_domain::utc_seconds(now)[..4].to_string();
    let like = format!("{prefix}〔{year}〕%");
    let n: i64 = sqlx::query(crate::audited(format!(
        "SELECT COUNT(*) FROM {table} WHERE number LIKE $1"
    )))
    .bind(&like)
    .fetch_one(&mut **tx)
    .await?
    .try_get(0)?;
    Ok(format!("{prefix}〔{year}〕{}号", n + 1))
}

#[allow(clippy::too_many_arguments)]
async fn insert_step(
    tx: &mut crate::write::Write,
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
    .fetch_one(&mut **tx)
    .await?
    .try_get(0)?;
    tx.record(Command::ItemStepRecorded, id).await
}

impl Store {
    pub(crate) async fn open_item_in(
        &self,
        tx: &mut crate::write::Write,
        n: &NewItem,
        by: &User,
        org: &Org,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        if n.title.trim().is_empty() {
            return Err(refusal("field_empty", "“问题”不能为空").into());
        }
        let d = self.supervision().rules.deadlines;
        let dir = self.org_directory().await?;
        let responsible = match &n.responsible_org_id {
            Some(id) => match dir.get(id) {
                Some(o) => Some(o.clone()),
                None => {
                    return Err(refusal("unknown_org", format!("责任单位“{id}”不存在")).into());
                }
            },
            None => None,
        };
        if let Some(due) = n.rectify_due_at
            && due <= now
        {
            return Err(refusal("due_in_past", "整改期限须晚于今天").into());
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
        .bind(opt_ts(n.stage_due_at.or_else(|| stage_due(state, now, &d))))
        .bind(opt_ts(n.rectify_due_at))
        .bind(n.referral_id)
        .bind(n.project_id)
        .fetch_one(&mut **tx)
        .await?
        .try_get(0)?;
        tx.record(Command::ItemOpened, id).await?;
        insert_step(
            tx,
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
        super::tasks::mail_item_task(tx, id, now).await?;
        Ok(id)
    }

    /// Opens a supervision item for the user's body (assigned at once when a responsible unit
    /// is given).
    pub async fn open_item(
        &self,
        n: &NewItem,
        by: &User,
        org: &Org,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        if !supervises(by.role) {
            return Err(refusal("not_opener_side", "只有督办单位可以立督办事项").into());
        }
        let mut tx = self.write(now).await?;
        let id = self.open_item_in(&mut tx, n, by, org, now).await?;
        tx.commit().await?;
        Ok(id)
    }

    pub async fn item(&self, id: i64) -> Result<Option<ItemRow>> {
        sqlx::query(crate::audited(format!("{ITEM_SELECT} WHERE i.id = $1")))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .as_ref()
            .map(ItemRow::from_row)
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
        .map(ItemRow::from_row)
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
        .map(ItemRow::from_row)
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
                id: r.try_get("id")?,
                action: r.try_get("action")?,
                from_state: r.try_get("from_state")?,
                to_state: r.try_get("to_state")?,
                actor: r.try_get("display_name")?,
                note: r.try_get("note")?,
                at: r.try_get("at")?,
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
                id: r.try_get("id")?,
                item_id: r.try_get("item_id")?,
                sha256: r.try_get("sha256")?,
                filename: r.try_get("filename")?,
                content_type: r.try_get("content_type")?,
                size: r.try_get("size")?,
                uploaded_by: r.try_get("display_name")?,
                uploaded_at: r.try_get("uploaded_at")?,
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
    ) -> Result<i64> {
        const MAX: usize = 20 * 1024 * 1024;
        let Some(item) = self.item(item_id).await? else {
            return Err(refusal("not_found", "督办事项不存在").into());
        };
        let dir = self.org_directory().await?;
        let a = item_actor(&item, by, org, &dir);
        if !a.responsible_side {
            return Err(refusal("not_responsible_side", "只有责任单位可以上传整改材料").into());
        }
        if !matches!(item.state(), ItemState::Assigned | ItemState::Rectifying) {
            return Err(refusal(
                "wrong_state",
                format!("事项处于“{}”，不能上传整改材料", item.state().zh()),
            )
            .into());
        }
        let name = filename.trim();
        if name.is_empty() || data.is_empty() {
            return Err(refusal("file_empty", "请选择要上传的文件").into());
        }
        if data.len() > MAX {
            return Err(refusal(
                "file_too_large",
                format!("文件 {} 字节，超过 20 MB 上限", data.len()),
            )
            .into());
        }
        let sha = hex(&Sha256::digest(data));
        let mut tx = self.write(now).await?;
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
        tx.record(Command::EvidenceAdded, id).await?;
        tx.commit().await?;
        Ok(id)
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
    ) -> Result<ItemState> {
        let dir = self.org_directory().await?;
        let d = self.supervision().rules.deadlines;
        let mut tx = self.write(now).await?;
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
            .map(ItemRow::from_row)
            .transpose()?
        else {
            return Err(refusal("not_found", "督办事项不存在").into());
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
            Err(e) => return Err(e.into()),
        };
        // A bad rating's item: the call-back and the reply must be written down; the reply is
        // due in working days once the rectification is verified.
        let rating = ItemSource::parse(&item.source) == Some(ItemSource::PublicRating);
        if rating && let Some(why) = tianping_domain::feedback::check_item_step(action, note) {
            return Err(refusal("note_required", why).into());
        }
        let mut responsible = (
            item.responsible_org_id.clone(),
            item.responsible_path.clone(),
        );
        let mut rectify_due = item.rectify_due_at.clone();
        let mut step_note = note.trim().to_string();
        if action == ItemAction::Assign {
            let Some(target) = assign_to.and_then(|id| dir.get(id)) else {
                return Err(refusal("unknown_org", "请选择责任单位").into());
            };
            if let Some(due) = due {
                if due <= now {
                    return Err(refusal("due_in_past", "整改期限须晚于今天").into());
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
            ItemState::Verified if rating => {
                let cal = &self.clockwork().calendar;
                let days = tianping_domain::feedback::rules()
                    .follow_up
                    .reply_working_days;
                let last = cal.add_working_days(tianping_domain::clock::local_date(now), days);
                Some(ts(tianping_domain::clock::local_midnight(
                    last + chrono::Duration::days(1),
                )))
            }
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
        tx.record(Command::ItemUpdated, item_id).await?;
        insert_step(
            &mut tx,
            item_id,
            action.as_str(),
            Some(facts.state),
            next,
            Some(by.id),
            &step_note,
            now,
        )
        .await?;
        super::tasks::mail_item_task(&mut tx, item_id, now).await?;
        tx.commit().await?;
        Ok(next)
    }

    /// Escalates items whose stage is overdue and not yet escalated: a step by the system and a
    /// mail to the responsible unit's (or, for the opener's stages, the opening body's)
    /// supervisors; and referrals not signed for by their deadline (a mail to the receiving
    /// body). Idempotent per item and stage, and per referral. Returns how many were escalated.
    pub async fn escalate_overdue_items(&self, now: DateTime<Utc>) -> Result<usize> {
        let mut tx = self.write(now).await?;
        let due = sqlx::query(crate::audited(format!(
            "{ITEM_SELECT} WHERE i.escalation_level = 0 AND ((i.state <> 'closed' AND i.stage_due_at IS NOT NULL AND i.stage_due_at < $1) OR (i.state = 'closed' AND i.revisited_at IS NULL AND i.revisit_due_at < $1))"
        )))
        .bind(ts(now))
        .fetch_all(&mut *tx)
        .await?
        .iter()
        .map(ItemRow::from_row)
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
