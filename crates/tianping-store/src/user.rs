//! Users, login state and sessions. Password hashing and token generation live in the server; the
//! store keeps hashes only (session tokens are stored as their SHA-256).

use crate::audited;
use crate::org::Org;
use crate::{Result, Store, StoreError, ts};
use chrono::{DateTime, Utc};
use sqlx::Row;
use sqlx::any::AnyRow;
use tianping_domain::{Clearance, Role};

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub org_id: String,
    pub role: Role,
    pub clearance: Clearance,
    pub email: Option<String>,
    #[serde(skip)]
    pub password_hash: String,
    pub failed_logins: i64,
    pub locked_until: Option<String>,
    /// The enrolled TOTP secret (base32), if the user has a second factor.
    #[serde(skip)]
    pub totp_secret: Option<String>,
    /// The security administrator has granted the role (三员分立): until then the account opened
    /// by the system administrator cannot log in.
    pub granted: bool,
    /// Disabled by the system administrator: cannot log in, has no session.
    pub disabled: bool,
    /// The system administrator set a temporary password: the holder must choose their own
    /// before doing anything else.
    pub must_change_password: bool,
}

impl User {
    /// Why the account cannot be used (`None`: it can).
    pub fn inactive(&self) -> Option<&'static str> {
        if self.disabled {
            Some("该账号已停用，请联系系统管理员")
        } else if !self.granted {
            Some("该账号尚未经安全管理员授予角色，暂不能登录")
        } else {
            None
        }
    }
}

#[derive(Debug, Clone)]
pub struct NewUser {
    pub username: String,
    pub display_name: String,
    pub org_id: String,
    pub role: Role,
    pub clearance: Clearance,
    pub email: Option<String>,
    pub password_hash: String,
}

/// A live session with its user and organisation.
#[derive(Debug, Clone)]
pub struct Session {
    pub user: User,
    pub org: Org,
    pub csrf_token: String,
}

const USER_COLUMNS: &str = "u.id, u.username, u.display_name, u.org_id, u.role, u.clearance, u.email, u.password_hash, u.failed_logins, u.locked_until, u.totp_secret, u.granted_at, u.disabled_at, u.password_reset_at";

fn user_from_row(r: &AnyRow) -> Result<User> {
    let role: String = r.try_get("role")?;
    let clearance: String = r.try_get("clearance")?;
    Ok(User {
        id: r.try_get("id")?,
        username: r.try_get("username")?,
        display_name: r.try_get("display_name")?,
        org_id: r.try_get("org_id")?,
        role: Role::parse(&role).ok_or_else(|| StoreError::Corrupt(format!("role {role:?}")))?,
        clearance: Clearance::parse_list(&clearance).map_err(StoreError::Corrupt)?,
        email: r.try_get("email")?,
        password_hash: r.try_get("password_hash")?,
        failed_logins: r.try_get("failed_logins")?,
        locked_until: r.try_get("locked_until")?,
        totp_secret: r.try_get("totp_secret")?,
        granted: r.try_get::<Option<String>, _>("granted_at")?.is_some(),
        disabled: r.try_get::<Option<String>, _>("disabled_at")?.is_some(),
        must_change_password: r
            .try_get::<Option<String>, _>("password_reset_at")?
            .is_some(),
    })
}

impl Store {
    /// Adds a user with their role granted: the operator's CLI (`tianping user add`, the first
    /// administrators) and the demo. The role must fit the organisation's kind.
    pub async fn insert_user(&self, u: &NewUser, now: DateTime<Utc>) -> Result<i64> {
        self.add_user(u, "cli", true, now).await
    }

    /// The system administrator opens an account with the role its unit asked for; it cannot log
    /// in until the security administrator grants the role ([`Store::grant_role`]). Recorded for
    /// the auditor.
    pub async fn open_account(&self, u: &NewUser, by: &str, now: DateTime<Utc>) -> Result<i64> {
        self.add_user(u, &format!("user:{by}"), false, now).await
    }

    async fn add_user(
        &self,
        u: &NewUser,
        by: &str,
        granted: bool,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        let org = self.org(&u.org_id).await?.ok_or_else(|| {
            StoreError::Invalid(format!("organisation {:?} does not exist", u.org_id))
        })?;
        if !u.role.fits_agency(org.kind) {
            return Err(StoreError::Invalid(format!(
                "role {} does not fit organisation {} ({})",
                u.role.as_str(),
                org.id,
                org.kind.as_str()
            )));
        }
        if u.username.trim().is_empty() {
            return Err(StoreError::Invalid("username is empty".into()));
        }
        let mut tx = self.write(now).await?;
        let row = sqlx::query(
            "INSERT INTO users (username, display_name, org_id, role, clearance, email, password_hash, created_at, created_by, granted_by, granted_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
        )
        .bind(u.username.trim())
        .bind(&u.display_name)
        .bind(&u.org_id)
        .bind(u.role.as_str())
        .bind(u.clearance.to_list())
        .bind(&u.email)
        .bind(&u.password_hash)
        .bind(ts(now))
        .bind(by)
        .bind(granted.then_some(by))
        .bind(granted.then(|| ts(now)))
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| match &e {
            sqlx::Error::Database(d) if d.message().to_lowercase().contains("unique") => {
                StoreError::Invalid(format!("username {:?} is taken", u.username))
            }
            _ => StoreError::Db(e),
        })?;
        let id: i64 = row.try_get(0)?;
        tx.record(tianping_ledger::Command::UserAdded, id).await?;
        if !granted {
            crate::audit::record_admin_action(
                &mut tx,
                by,
                "account_opened",
                u.username.trim(),
                &format!(
                    "{}，{}，申请角色：{}",
                    u.display_name,
                    org.name,
                    u.role.zh()
                ),
                now,
            )
            .await?;
        }
        tx.commit().await?;
        Ok(id)
    }

    /// The security administrator grants (or changes) a user's role and clearances: the account
    /// works from now on; the user's sessions end (their rights changed). The role must fit the
    /// organisation's kind. Ledgered and recorded for the auditor.
    pub async fn grant_role(
        &self,
        user_id: i64,
        role: Role,
        clearance: &Clearance,
        by: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let user = self.existing_user(user_id).await?;
        let org = self
            .org(&user.org_id)
            .await?
            .ok_or_else(|| StoreError::Corrupt(format!("user {} has no organisation", user.id)))?;
        if !role.fits_agency(org.kind) {
            return Err(StoreError::Invalid(format!(
                "role {} does not fit organisation {} ({})",
                role.as_str(),
                org.id,
                org.kind.as_str()
            )));
        }
        let mut tx = self.write(now).await?;
        sqlx::query(
            "UPDATE users SET role = $1, clearance = $2, granted_by = $3, granted_at = $4 WHERE id = $5",
        )
        .bind(role.as_str())
        .bind(clearance.to_list())
        .bind(format!("user:{by}"))
        .bind(ts(now))
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM sessions WHERE user_id = $1")
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        tx.record(tianping_ledger::Command::UserRoleGranted, user_id)
            .await?;
        let clearance_zh = if clearance.is_empty() {
            "无".to_string()
        } else {
            clearance.zh()
        };
        crate::audit::record_admin_action(
            &mut tx,
            &format!("user:{by}"),
            "role_granted",
            &user.username,
            &format!("角色：{}；密级：{clearance_zh}", role.zh()),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The system administrator disables (or re-enables) an account; disabling ends its
    /// sessions. Returns whether anything changed. Recorded for the auditor.
    pub async fn set_disabled(
        &self,
        user_id: i64,
        disabled: bool,
        by: &str,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let user = self.existing_user(user_id).await?;
        if user.disabled == disabled {
            return Ok(false);
        }
        let mut tx = self.write(now).await?;
        sqlx::query("UPDATE users SET disabled_at = $1 WHERE id = $2")
            .bind(disabled.then(|| ts(now)))
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        if disabled {
            sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                .bind(user_id)
                .execute(&mut *tx)
                .await?;
        }
        crate::audit::record_admin_action(
            &mut tx,
            &format!("user:{by}"),
            if disabled {
                "account_disabled"
            } else {
                "account_enabled"
            },
            &user.username,
            "",
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// The system administrator lifts every login lock of an account (from any client) before it
    /// runs out. Returns whether a lock was in force. Recorded for the auditor.
    pub async fn unlock_account(&self, user_id: i64, by: &str, now: DateTime<Utc>) -> Result<bool> {
        let user = self.existing_user(user_id).await?;
        let mut tx = self.write(now).await?;
        // Every failure count of the account goes; a lock was in force if one was still running.
        let lifted =
            sqlx::query("DELETE FROM login_failures WHERE username = $1 RETURNING locked_until")
                .bind(&user.username)
                .fetch_all(&mut *tx)
                .await?
                .iter()
                .filter_map(|r| {
                    r.try_get::<Option<String>, _>("locked_until")
                        .ok()
                        .flatten()
                })
                .any(|until| until.as_str() > ts(now).as_str());
        sqlx::query("UPDATE users SET failed_logins = 0, locked_until = NULL WHERE id = $1")
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        crate::audit::record_admin_action(
            &mut tx,
            &format!("user:{by}"),
            "account_unlocked",
            &user.username,
            "",
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(lifted)
    }

    /// The system administrator sets a temporary password (its hash) for someone who lost
    /// theirs: every session of the account ends, its login locks are lifted, and until the
    /// holder chooses their own password the account reaches only 账户安全. In the ledger and
    /// recorded for the auditor.
    pub async fn reset_password(
        &self,
        user_id: i64,
        hash: &str,
        by: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let user = self.existing_user(user_id).await?;
        let mut tx = self.write(now).await?;
        sqlx::query(
            "UPDATE users SET password_hash = $2, password_reset_at = $3, failed_logins = 0, locked_until = NULL WHERE id = $1",
        )
        .bind(user_id)
        .bind(hash)
        .bind(ts(now))
        .execute(&mut *tx)
        .await?;
        tx.record(tianping_ledger::Command::UserPasswordChanged, user_id)
            .await?;
        for sql in [
            "DELETE FROM sessions WHERE user_id = $1",
            "DELETE FROM login_challenges WHERE user_id = $1",
        ] {
            sqlx::query(sql).bind(user_id).execute(&mut *tx).await?;
        }
        sqlx::query("DELETE FROM login_failures WHERE username = $1")
            .bind(&user.username)
            .execute(&mut *tx)
            .await?;
        crate::audit::record_admin_action(
            &mut tx,
            &format!("user:{by}"),
            "password_reset",
            &user.username,
            "",
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The user an administrator acts on, or the refusal that names the missing id.
    async fn existing_user(&self, user_id: i64) -> Result<User> {
        self.user_by_id(user_id)
            .await?
            .ok_or_else(|| StoreError::Invalid(format!("user {user_id} does not exist")))
    }

    /// A user read inside a write (one just added by it).
    pub(crate) async fn user_in(
        &self,
        tx: &mut crate::write::Write,
        id: i64,
    ) -> Result<Option<User>> {
        let r = sqlx::query(audited(format!(
            "SELECT {USER_COLUMNS} FROM users u WHERE u.id = $1"
        )))
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?;
        r.as_ref().map(user_from_row).transpose()
    }

    pub async fn user_by_id(&self, id: i64) -> Result<Option<User>> {
        let r = sqlx::query(audited(format!(
            "SELECT {USER_COLUMNS} FROM users u WHERE u.id = $1"
        )))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        r.as_ref().map(user_from_row).transpose()
    }

    pub async fn user_by_username(&self, username: &str) -> Result<Option<User>> {
        let r = sqlx::query(audited(format!(
            "SELECT {USER_COLUMNS} FROM users u WHERE u.username = $1"
        )))
        .bind(username)
        .fetch_optional(&self.pool)
        .await?;
        r.as_ref().map(user_from_row).transpose()
    }

    pub async fn users_in(&self, region_prefix: &str) -> Result<Vec<(User, String)>> {
        let rows = sqlx::query(audited(format!(
            "SELECT {USER_COLUMNS}, o.name AS org_name FROM users u JOIN orgs o ON o.id = u.org_id \
             WHERE o.region_path >= $1 AND o.region_path < $2 ORDER BY o.region_path, u.username"
        )))
        .bind(region_prefix)
        .bind(crate::case::prefix_end(region_prefix))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| Ok((user_from_row(r)?, r.try_get("org_name")?)))
            .collect()
    }

    // ---- the TOTP second factor ----------------------------------------------------------------

    /// The secret waiting for its first code (enrolment begun), if any.
    pub async fn totp_pending(&self, user_id: i64) -> Result<Option<String>> {
        let r = sqlx::query("SELECT totp_pending FROM users WHERE id = $1")
            .bind(user_id)
            .fetch_one(&self.pool)
            .await?;
        Ok(r.try_get(0)?)
    }

    pub async fn set_totp_pending(&self, user_id: i64, secret: &str) -> Result<()> {
        sqlx::query("UPDATE users SET totp_pending = $1 WHERE id = $2 AND totp_secret IS NULL")
            .bind(secret)
            .bind(user_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Enrols the pending secret once its first code (of `step`) was right, with the recovery
    /// codes' hashes. `false` if nothing was pending.
    pub async fn enable_totp(
        &self,
        user_id: i64,
        secret: &str,
        step: i64,
        recovery_hashes: &[String],
    ) -> Result<bool> {
        let mut tx = self.write(Utc::now()).await?;
        let r = sqlx::query(
            "UPDATE users SET totp_secret = totp_pending, totp_pending = NULL, totp_last_step = $1 \
             WHERE id = $2 AND totp_pending = $3 AND totp_secret IS NULL",
        )
        .bind(step)
        .bind(user_id)
        .bind(secret)
        .execute(&mut *tx)
        .await?;
        if r.rows_affected() != 1 {
            return Ok(false);
        }
        sqlx::query("DELETE FROM totp_recovery_codes WHERE user_id = $1")
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        for h in recovery_hashes {
            sqlx::query("INSERT INTO totp_recovery_codes (user_id, code_hash) VALUES ($1, $2)")
                .bind(user_id)
                .bind(h)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    /// Records that a code of `step` was used; `false` if that step (or a later one) already was.
    pub async fn use_totp_step(&self, user_id: i64, step: i64) -> Result<bool> {
        let r = sqlx::query(
            "UPDATE users SET totp_last_step = $1 WHERE id = $2 AND (totp_last_step IS NULL OR totp_last_step < $1)",
        )
        .bind(step)
        .bind(user_id)
        .execute(&self.pool)
        .await?;
        Ok(r.rows_affected() == 1)
    }

    pub async fn totp_last_step(&self, user_id: i64) -> Result<Option<i64>> {
        let r = sqlx::query("SELECT totp_last_step FROM users WHERE id = $1")
            .bind(user_id)
            .fetch_one(&self.pool)
            .await?;
        Ok(r.try_get(0)?)
    }

    /// Uses a recovery code (each works once); `false` if unknown or used.
    pub async fn use_recovery_code(
        &self,
        user_id: i64,
        code_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let r = sqlx::query(
            "UPDATE totp_recovery_codes SET used_at = $1 WHERE user_id = $2 AND code_hash = $3 AND used_at IS NULL",
        )
        .bind(ts(now))
        .bind(user_id)
        .bind(code_hash)
        .execute(&self.pool)
        .await?;
        Ok(r.rows_affected() == 1)
    }

    pub async fn recovery_codes_left(&self, user_id: i64) -> Result<i64> {
        let r = sqlx::query(
            "SELECT COUNT(*) FROM totp_recovery_codes WHERE user_id = $1 AND used_at IS NULL",
        )
        .bind(user_id)
        .fetch_one(&self.pool)
        .await?;
        Ok(r.try_get(0)?)
    }

    /// Removes a user's second factor (the security administrator's reset): they enrol again at
    /// their next login.
    pub async fn reset_totp(&self, user_id: i64, by: &str, now: DateTime<Utc>) -> Result<bool> {
        let mut tx = self.write(now).await?;
        let target: Option<String> = sqlx::query("SELECT username FROM users WHERE id = $1")
            .bind(user_id)
            .fetch_optional(&mut *tx)
            .await?
            .map(|r| r.try_get(0))
            .transpose()?;
        let Some(target) = target else {
            return Ok(false);
        };
        let r = sqlx::query(
            "UPDATE users SET totp_secret = NULL, totp_pending = NULL, totp_last_step = NULL WHERE id = $1",
        )
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM totp_recovery_codes WHERE user_id = $1")
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM sessions WHERE user_id = $1")
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        crate::audit::record_admin_action(
            &mut tx,
            &format!("user:{by}"),
            "second_factor_reset",
            &target,
            "",
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(r.rows_affected() == 1)
    }

    /// A login whose password was right, waiting for its second factor.
    pub async fn create_login_challenge(
        &self,
        token_hash: &str,
        user_id: i64,
        client: &str,
        expires: DateTime<Utc>,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO login_challenges (token_hash, user_id, client, expires_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(token_hash)
        .bind(user_id)
        .bind(client)
        .bind(ts(expires))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The user of an unexpired challenge from `client` (it stays until used or expired).
    pub async fn login_challenge(
        &self,
        token_hash: &str,
        client: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<User>> {
        sqlx::query("DELETE FROM login_challenges WHERE expires_at <= $1")
            .bind(ts(now))
            .execute(&self.pool)
            .await?;
        let r = sqlx::query(audited(format!(
            "SELECT {USER_COLUMNS} FROM login_challenges c JOIN users u ON u.id = c.user_id \
             WHERE c.token_hash = $1 AND c.client = $2"
        )))
        .bind(token_hash)
        .bind(client)
        .fetch_optional(&self.pool)
        .await?;
        r.as_ref().map(user_from_row).transpose()
    }

    pub async fn delete_login_challenge(&self, token_hash: &str) -> Result<()> {
        sqlx::query("DELETE FROM login_challenges WHERE token_hash = $1")
            .bind(token_hash)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Until when logins of `username` from `client` are refused, if they are.
    pub async fn login_lock(
        &self,
        username: &str,
        client: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<DateTime<Utc>>> {
        let r = sqlx::query(
            "SELECT locked_until FROM login_failures WHERE username = $1 AND client = $2 AND locked_until > $3",
        )
        .bind(username)
        .bind(client)
        .bind(ts(now))
        .fetch_optional(&self.pool)
        .await?;
        match r {
            Some(r) => Ok(crate::parse_ts(&r.try_get::<String, _>(0)?).ok()),
            None => Ok(None),
        }
    }

    /// Counts a failed login of `username` (existing or not) from `client`; failures older than
    /// `window` start the count again. Locks that pair, and only that pair, for `window` once
    /// `after` failures are reached; returns the lock's end.
    pub async fn record_failed_login(
        &self,
        username: &str,
        client: &str,
        after: i64,
        window: chrono::Duration,
        now: DateTime<Utc>,
    ) -> Result<Option<DateTime<Utc>>> {
        let mut tx = self.write(now).await?;
        let prev = sqlx::query(
            "SELECT failures, last_at FROM login_failures WHERE username = $1 AND client = $2",
        )
        .bind(username)
        .bind(client)
        .fetch_optional(&mut *tx)
        .await?;
        let failures = match prev {
            Some(r) => {
                let last: String = r.try_get(1)?;
                let n: i64 = r.try_get(0)?;
                if last.as_str() < ts(now - window).as_str() || n >= after {
                    1
                } else {
                    n + 1
                }
            }
            None => 1,
        };
        let lock = (failures >= after).then(|| now + window);
        sqlx::query(
            "INSERT INTO login_failures (username, client, failures, locked_until, last_at) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (username, client) DO UPDATE SET failures = $3, locked_until = $4, last_at = $5",
        )
        .bind(username)
        .bind(client)
        .bind(failures)
        .bind(lock.map(ts))
        .bind(ts(now))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(lock)
    }

    pub async fn clear_failed_logins(&self, username: &str, client: &str) -> Result<()> {
        sqlx::query("DELETE FROM login_failures WHERE username = $1 AND client = $2")
            .bind(username)
            .bind(client)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Usernames with a login lock in force (from any client), for the administrators' list.
    pub async fn locked_usernames(&self, now: DateTime<Utc>) -> Result<Vec<String>> {
        let rows =
            sqlx::query("SELECT DISTINCT username FROM login_failures WHERE locked_until > $1")
                .bind(ts(now))
                .fetch_all(&self.pool)
                .await?;
        rows.iter().map(|r| Ok(r.try_get(0)?)).collect()
    }

    /// Records a failed login; returns the new failure count.
    pub async fn record_login_failure(
        &self,
        user_id: i64,
        locked_until: Option<DateTime<Utc>>,
    ) -> Result<i64> {
        let r = sqlx::query(
            "UPDATE users SET failed_logins = failed_logins + 1, locked_until = COALESCE($2, locked_until) WHERE id = $1 RETURNING failed_logins",
        )
        .bind(user_id)
        .bind(locked_until.map(ts))
        .fetch_one(&self.pool)
        .await?;
        Ok(r.try_get(0)?)
    }

    pub async fn reset_login_failures(&self, user_id: i64) -> Result<()> {
        sqlx::query("UPDATE users SET failed_logins = 0, locked_until = NULL WHERE id = $1")
            .bind(user_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn set_password_hash(
        &self,
        user_id: i64,
        hash: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let mut tx = self.write(now).await?;
        let r = sqlx::query("UPDATE users SET password_hash = $2 WHERE id = $1")
            .bind(user_id)
            .bind(hash)
            .execute(&mut *tx)
            .await?;
        if r.rows_affected() == 1 {
            tx.record(tianping_ledger::Command::UserPasswordChanged, user_id)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// A person's change of their own password: the new hash, recorded in the ledger, and every
    /// other session of theirs ended (the one with `keep_csrf`, where they changed it, stays).
    pub async fn change_own_password(
        &self,
        user_id: i64,
        hash: &str,
        keep_csrf: &str,
        now: DateTime<Utc>,
    ) -> Result<u64> {
        let mut tx = self.write(now).await?;
        sqlx::query("UPDATE users SET password_hash = $2, password_reset_at = NULL WHERE id = $1")
            .bind(user_id)
            .bind(hash)
            .execute(&mut *tx)
            .await?;
        tx.record(tianping_ledger::Command::UserPasswordChanged, user_id)
            .await?;
        let ended = sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND csrf_token <> $2")
            .bind(user_id)
            .bind(keep_csrf)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        tx.commit().await?;
        Ok(ended)
    }

    pub async fn create_session(
        &self,
        token_hash: &str,
        user_id: i64,
        csrf_token: &str,
        now: DateTime<Utc>,
        expires: DateTime<Utc>,
    ) -> Result<()> {
        sqlx::query("INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(token_hash)
            .bind(user_id)
            .bind(csrf_token)
            .bind(ts(now))
            .bind(ts(expires))
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The live session for a token hash, if it has not expired.
    pub async fn session(&self, token_hash: &str, now: DateTime<Utc>) -> Result<Option<Session>> {
        let r = sqlx::query(audited(format!(
            "SELECT {USER_COLUMNS}, s.csrf_token FROM sessions s JOIN users u ON u.id = s.user_id \
             WHERE s.token_hash = $1 AND s.expires_at > $2 \
             AND u.granted_at IS NOT NULL AND u.disabled_at IS NULL"
        )))
        .bind(token_hash)
        .bind(ts(now))
        .fetch_optional(&self.pool)
        .await?;
        let Some(r) = r else { return Ok(None) };
        let user = user_from_row(&r)?;
        let org = self
            .org(&user.org_id)
            .await?
            .ok_or_else(|| StoreError::Corrupt(format!("user {} has no organisation", user.id)))?;
        Ok(Some(Session {
            user,
            org,
            csrf_token: r.try_get("csrf_token")?,
        }))
    }

    pub async fn delete_session(&self, token_hash: &str) -> Result<()> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(token_hash)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn delete_expired_sessions(&self, now: DateTime<Utc>) -> Result<u64> {
        Ok(sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
            .bind(ts(now))
            .execute(&self.pool)
            .await?
            .rows_affected())
    }
}
