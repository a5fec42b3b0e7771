//! The auditor's trail of confidential reads: each time a person reads a confidential case in
//! full — by clearance, or by need-to-know as one of the people assigned to it or its president.

use crate::{Result, Store, ts};
use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::Row;

#[derive(Debug, Clone, Serialize)]
pub struct ConfidentialRead {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub case_id: i64,
    pub case_number: String,
    pub confidentiality: String,
    /// `clearance` or `assignment`.
    pub basis: String,
    /// Which page or API read it.
    pub via: String,
    pub read_at: String,
}

impl Store {
    pub async fn log_confidential_read(
        &self,
        user_id: i64,
        case_id: i64,
        confidentiality: &str,
        basis: &str,
        via: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO confidential_reads (user_id, case_id, confidentiality, basis, via, read_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(user_id)
        .bind(case_id)
        .bind(confidentiality)
        .bind(basis)
        .bind(via)
        .bind(ts(now))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The newest confidential reads.
    pub async fn confidential_reads(&self, limit: i64) -> Result<Vec<ConfidentialRead>> {
        let rows = sqlx::query(
            "SELECT r.id, u.username, u.display_name, r.case_id, c.case_number, r.confidentiality, r.basis, r.via, r.read_at \
             FROM confidential_reads r JOIN users u ON u.id = r.user_id JOIN cases c ON c.id = r.case_id \
             ORDER BY r.id DESC LIMIT $1",
        )
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(ConfidentialRead {
                    id: r.try_get("id")?,
                    username: r.try_get("username")?,
                    display_name: r.try_get("display_name")?,
                    case_id: r.try_get("case_id")?,
                    case_number: r.try_get("case_number")?,
                    confidentiality: r.try_get("confidentiality")?,
                    basis: r.try_get("basis")?,
                    via: r.try_get("via")?,
                    read_at: r.try_get("read_at")?,
                })
            })
            .collect()
    }
}

/// One thing an administrator did.
#[derive(Debug, Clone, Serialize)]
pub struct AdminAction {
    pub id: i64,
    /// `user:<username>` or `cli`.
    pub actor: String,
    /// `system_client_added`, `system_client_revoked`, `second_factor_reset`, `calendar_imported`,
    /// `account_opened`, `role_granted`, `account_disabled`, `account_enabled`, `org_added`,
    /// `account_unlocked`, `password_reset`.
    pub action: String,
    pub target: String,
    pub detail: String,
    pub at: String,
}

impl AdminAction {
    pub fn action_zh(&self) -> &'static str {
        match self.action.as_str() {
            "system_client_added" => "签发业务系统接入凭据",
            "system_client_revoked" => "吊销业务系统接入凭据",
            "second_factor_reset" => "重置双因素认证",
            "calendar_imported" => "导入节假日安排",
            "account_opened" => "开设账号",
            "role_granted" => "授予角色和密级",
            "account_disabled" => "停用账号",
            "account_enabled" => "启用账号",
            "org_added" => "新增机构",
            "account_unlocked" => "解除登录锁定",
            "password_reset" => "重置密码",
            _ => "管理操作",
        }
    }
}

/// Records an administrator's act in the transaction that does it, with its ledger leaf.
pub(crate) async fn record_admin_action(
    tx: &mut crate::write::Write,
    actor: &str,
    action: &str,
    target: &str,
    detail: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    let id: i64 = sqlx::query(
        "INSERT INTO admin_actions (actor, action, target, detail, at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(actor)
    .bind(action)
    .bind(target)
    .bind(detail)
    .bind(ts(now))
    .fetch_one(&mut **tx)
    .await?
    .try_get(0)?;
    tx.record(tianping_ledger::Command::AdminActionRecorded, id)
        .await
}

impl Store {
    /// The newest administrators' acts.
    pub async fn admin_actions(&self, limit: i64) -> Result<Vec<AdminAction>> {
        let rows = sqlx::query(
            "SELECT id, actor, action, target, detail, at FROM admin_actions ORDER BY id DESC LIMIT $1",
        )
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(AdminAction {
                    id: r.try_get("id")?,
                    actor: r.try_get("actor")?,
                    action: r.try_get("action")?,
                    target: r.try_get("target")?,
                    detail: r.try_get("detail")?,
                    at: r.try_get("at")?,
                })
            })
            .collect()
    }
}
