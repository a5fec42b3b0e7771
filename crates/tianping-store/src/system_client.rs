//! Agencies' system clients: machine credentials with which an agency's own case system sends
//! events — including approvals its people recorded there — scoped to an organisation's subtree.
//! The security administrator adds and revokes them; only the SHA-256 of a token is stored; the
//! ledger records who added and who revoked each (finding H1).

use crate::db::{FromRow, row_struct};
use crate::org::Org;
use crate::{Result, Store, ts};
use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::Row;
use tianping_ledger::Command;

row_struct! {
#[derive(Debug, Clone, Serialize)]
pub struct SystemClient {
    pub id: i64,
    pub name: String,
    pub org_id: String,
    pub org_name: String,
    pub created_by: String,
    pub created_at: String,
    pub revoked_by: Option<String>,
    pub revoked_at: Option<String>,
    pub last_used_at: Option<String>,
}
}

impl SystemClient {
    pub fn active(&self) -> bool {
        self.revoked_at.is_none()
    }
}

const SELECT: &str = "SELECT c.id, c.name, c.org_id, o.name AS org_name, c.created_by, c.created_at, \
     c.revoked_by, c.revoked_at, c.last_used_at FROM system_clients c JOIN orgs o ON o.id = c.org_id";

impl Store {
    /// Adds a system client; `None` when the name is taken. `by` is the security administrator's
    /// username.
    pub async fn add_system_client(
        &self,
        name: &str,
        org_id: &str,
        token_hash: &str,
        by: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<i64>> {
        let mut tx = self.write(now).await?;
        let taken = sqlx::query("SELECT 1 FROM system_clients WHERE name = $1")
            .bind(name)
            .fetch_optional(&mut *tx)
            .await?
            .is_some();
        if taken {
            return Ok(None);
        }
        let id: i64 = sqlx::query(
            "INSERT INTO system_clients (name, org_id, token_hash, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(name)
        .bind(org_id)
        .bind(token_hash)
        .bind(by)
        .bind(ts(now))
        .fetch_one(&mut *tx)
        .await?
        .try_get(0)?;
        tx.record(Command::SystemClientAdded, id).await?;
        let org_name: String = sqlx::query("SELECT name FROM orgs WHERE id = $1")
            .bind(org_id)
            .fetch_one(&mut *tx)
            .await?
            .try_get(0)?;
        crate::audit::record_admin_action(
            &mut tx,
            &format!("user:{by}"),
            "system_client_added",
            name,
            &org_name,
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(Some(id))
    }

    /// Revokes a client; `false` when it was already revoked or does not exist.
    pub async fn revoke_system_client(
        &self,
        id: i64,
        by: &str,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let mut tx = self.write(now).await?;
        let r = sqlx::query(
            "UPDATE system_clients SET revoked_by = $1, revoked_at = $2 WHERE id = $3 AND revoked_at IS NULL",
        )
        .bind(by)
        .bind(ts(now))
        .bind(id)
        .execute(&mut *tx)
        .await?;
        if r.rows_affected() != 1 {
            return Ok(false);
        }
        tx.record(Command::SystemClientRevoked, id).await?;
        let name: String = sqlx::query("SELECT name FROM system_clients WHERE id = $1")
            .bind(id)
            .fetch_one(&mut *tx)
            .await?
            .try_get(0)?;
        crate::audit::record_admin_action(
            &mut tx,
            &format!("user:{by}"),
            "system_client_revoked",
            &name,
            "",
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    pub async fn system_clients(&self) -> Result<Vec<SystemClient>> {
        sqlx::query(crate::audited(format!("{SELECT} ORDER BY c.id")))
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(SystemClient::from_row)
            .collect()
    }

    /// The active client holding a token, with its organisation; notes its use.
    pub async fn system_client_by_token(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<(SystemClient, Org)>> {
        let row = sqlx::query(crate::audited(format!(
            "{SELECT} WHERE c.token_hash = $1 AND c.revoked_at IS NULL"
        )))
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let client = SystemClient::from_row(&row)?;
        let Some(org) = self.org(&client.org_id).await? else {
            return Ok(None);
        };
        // Operational, not recorded: when the client was last used.
        sqlx::query("UPDATE system_clients SET last_used_at = $1 WHERE id = $2")
            .bind(ts(now))
            .bind(client.id)
            .execute(&self.pool)
            .await?;
        Ok(Some((client, org)))
    }
}
