//! Passwords (argon2id), session tokens, CSRF tokens and login lockout.
//!
//! Session tokens are 32 random bytes, sent as an HttpOnly, SameSite=Strict cookie and stored only
//! as their SHA-256. Each session carries a CSRF token that every state-changing request must echo
//! (form field `csrf` or header `X-CSRF-Token`).

use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier, phc::PasswordHash};
use chrono::{DateTime, Duration, Utc};
use sha2::{Digest, Sha256};
use tianping_store::Store;

pub const SESSION_COOKIE: &str = "tp_session";
pub const LOGIN_CSRF_COOKIE: &str = "tp_login_csrf";

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("password hashing failed: {0}")]
    Hash(String),
    #[error("randomness unavailable: {0}")]
    Random(String),
}

pub fn hash_password(password: &str) -> Result<String, AuthError> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|e| AuthError::Random(e.to_string()))?;
    Argon2::default()
        .hash_password_with_salt(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AuthError::Hash(e.to_string()))
}

pub fn verify_password(password: &str, hash: &str) -> bool {
    match PasswordHash::new(hash) {
        Ok(h) => Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok(),
        Err(_) => false,
    }
}

/// [`verify_password`] on a blocking thread, as many at a time as the machine has cores: Argon2
/// spends tens of milliseconds of CPU and 19 MiB, which on the async workers would stall every
/// other request of the server, and unbounded on blocking threads would thrash (measured in
/// `bench http`: a wave of 200 logins). `None`: an unknown user, checked against a fixed hash so
/// the answer takes as long.
pub async fn verify_password_off_thread(password: &str, hash: Option<&str>) -> bool {
    const UNKNOWN: &str =
        "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$W8bYlP6gq0fW0gk7Z7d9rA";
    static HASHING: std::sync::OnceLock<tokio::sync::Semaphore> = std::sync::OnceLock::new();
    let permits = HASHING.get_or_init(|| {
        tokio::sync::Semaphore::new(std::thread::available_parallelism().map_or(2, |n| n.get()))
    });
    let Ok(_permit) = permits.acquire().await else {
        return false;
    };
    let (password, hash) = (password.to_string(), hash.map(str::to_string));
    tokio::task::spawn_blocking(move || match hash {
        Some(h) => verify_password(&password, &h),
        None => {
            let _ = verify_password(&password, UNKNOWN);
            false
        }
    })
    .await
    .unwrap_or(false)
}

/// 32 random bytes as lowercase hex.
pub fn random_token() -> Result<String, AuthError> {
    let mut b = [0u8; 32];
    getrandom::fill(&mut b).map_err(|e| AuthError::Random(e.to_string()))?;
    Ok(hex(&b))
}

pub fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

pub fn token_hash(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

/// Constant-time comparison of two tokens.
pub fn same_token(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// Login policy.
#[derive(Debug, Clone)]
pub struct Policy {
    /// Roles that must have a TOTP second factor: until they enrol, they reach only the page
    /// that enrols them.
    pub totp_required: Vec<tianping_domain::Role>,
    pub session_hours: i64,
    pub lockout_after: i64,
    pub lockout_minutes: i64,
    pub cookie_secure: bool,
    /// The rate limits and this process's buckets (shared by the clones of the policy).
    pub limiter: std::sync::Arc<crate::rate::Limiter>,
}

impl Policy {
    pub fn with_limits(mut self, limits: crate::rate::RateLimits) -> Policy {
        self.limiter = std::sync::Arc::new(crate::rate::Limiter::new(limits));
        self
    }
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            totp_required: vec![
                tianping_domain::Role::Sysadmin,
                tianping_domain::Role::Secadmin,
                tianping_domain::Role::Auditor,
            ],
            session_hours: 8,
            lockout_after: 5,
            lockout_minutes: 15,
            cookie_secure: false,
            limiter: std::sync::Arc::new(crate::rate::Limiter::new(
                crate::rate::RateLimits::default(),
            )),
        }
    }
}

#[derive(Debug)]
pub enum LoginOutcome {
    Ok {
        token: String,
        csrf: String,
    },
    /// The password was right; the user's TOTP code (or a recovery code) is awaited with this
    /// challenge, from the same client, within [`CHALLENGE_MINUTES`].
    SecondFactor {
        challenge: String,
    },
    /// Wrong username or password, or too many failures from this client for this username: the
    /// caller cannot tell which (a lock does not reveal that the username exists).
    Refused,
    /// The password was right but the account cannot be used yet or any more (awaiting the
    /// security administrator's grant, or disabled): why, in Chinese. Only someone who knows the
    /// password learns this.
    Inactive(&'static str),
}

/// Checks a password, applies the lockout policy, and opens a session on success. Failures are
/// counted per (username, client address), for existing and unknown usernames alike, so the lock
/// neither tells which usernames exist nor lets anyone lock an account out for everybody else.
pub async fn login(
    store: &Store,
    policy: &Policy,
    username: &str,
    password: &str,
    client: &str,
    now: DateTime<Utc>,
) -> Result<LoginOutcome, crate::error::ApiError> {
    let name = username.trim();
    let window = Duration::minutes(policy.lockout_minutes);
    if store.login_lock(name, client, now).await?.is_some() {
        tracing::warn!(username = %name, client, "login refused: locked for this client");
        return Ok(LoginOutcome::Refused);
    }
    let user = store.user_by_username(name).await?;
    // Unknown users spend comparable time.
    let ok =
        verify_password_off_thread(password, user.as_ref().map(|u| u.password_hash.as_str())).await;
    let Some(user) = user.filter(|_| ok) else {
        let lock = store
            .record_failed_login(name, client, policy.lockout_after, window, now)
            .await?;
        tracing::warn!(username = %name, client, locked = lock.is_some(), "login failed");
        return Ok(LoginOutcome::Refused);
    };
    if let Some(why) = user.inactive() {
        store.clear_failed_logins(name, client).await?;
        tracing::warn!(username = %name, client, why, "login refused: account inactive");
        return Ok(LoginOutcome::Inactive(why));
    }
    if user.totp_secret.is_some() {
        let challenge = random_token().map_err(crate::error::ApiError::internal)?;
        store
            .create_login_challenge(
                &token_hash(&challenge),
                user.id,
                client,
                now + Duration::minutes(CHALLENGE_MINUTES),
            )
            .await?;
        return Ok(LoginOutcome::SecondFactor { challenge });
    }
    open_session(store, policy, &user, client, now).await
}

/// How long a password-checked login waits for its second factor.
pub const CHALLENGE_MINUTES: i64 = 5;

/// Completes a login with the TOTP code of the user's app, or one of their recovery codes. A wrong
/// code counts as a failed login (and the lockout applies).
pub async fn second_factor(
    store: &Store,
    policy: &Policy,
    challenge: &str,
    code: &str,
    client: &str,
    now: DateTime<Utc>,
) -> Result<LoginOutcome, crate::error::ApiError> {
    let hash = token_hash(challenge.trim());
    let Some(user) = store.login_challenge(&hash, client, now).await? else {
        return Ok(LoginOutcome::Refused);
    };
    let window = Duration::minutes(policy.lockout_minutes);
    if store
        .login_lock(&user.username, client, now)
        .await?
        .is_some()
    {
        store.delete_login_challenge(&hash).await?;
        return Ok(LoginOutcome::Refused);
    }
    let secret = user
        .totp_secret
        .as_deref()
        .and_then(tianping_domain::totp::from_base32)
        .unwrap_or_default();
    let code = code.trim();
    let by_app = match tianping_domain::totp::verify(
        &secret,
        code,
        now.timestamp(),
        store.totp_last_step(user.id).await?,
    ) {
        Some(step) => store.use_totp_step(user.id, step).await?,
        None => false,
    };
    let ok = by_app
        || (code.len() > 6
            && store
                .use_recovery_code(user.id, &recovery_hash(code), now)
                .await?);
    if !ok {
        let lock = store
            .record_failed_login(&user.username, client, policy.lockout_after, window, now)
            .await?;
        if lock.is_some() {
            store.delete_login_challenge(&hash).await?;
        }
        tracing::warn!(username = %user.username, client, "second factor failed");
        return Ok(LoginOutcome::Refused);
    }
    store.delete_login_challenge(&hash).await?;
    if let Some(why) = user.inactive() {
        return Ok(LoginOutcome::Inactive(why));
    }
    if !by_app {
        tracing::warn!(username = %user.username, "login with a recovery code");
    }
    open_session(store, policy, &user, client, now).await
}

/// The hash a recovery code is kept as (spaces, dashes and case ignored).
pub fn recovery_hash(code: &str) -> String {
    let norm: String = code
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect();
    token_hash(&norm)
}

async fn open_session(
    store: &Store,
    policy: &Policy,
    user: &tianping_store::user::User,
    client: &str,
    now: DateTime<Utc>,
) -> Result<LoginOutcome, crate::error::ApiError> {
    let name = user.username.as_str();
    store.clear_failed_logins(name, client).await?;
    // Housekeeping on the (rare) login path keeps the sessions table bounded without a worker.
    let purged = store.delete_expired_sessions(now).await?;
    if purged > 0 {
        tracing::debug!(purged, "expired sessions deleted");
    }
    let token = random_token().map_err(crate::error::ApiError::internal)?;
    let csrf = random_token().map_err(crate::error::ApiError::internal)?;
    store
        .create_session(
            &token_hash(&token),
            user.id,
            &csrf,
            now,
            now + Duration::hours(policy.session_hours),
        )
        .await?;
    tracing::info!(username = %user.username, client, "login");
    Ok(LoginOutcome::Ok { token, csrf })
}

/// What a refused login is told, whatever the reason.
pub fn refused_zh(policy: &Policy) -> String {
    format!(
        "用户名或密码错误。连续失败 {} 次后，本机须等待 {} 分钟才能再次登录该账户。",
        policy.lockout_after, policy.lockout_minutes
    )
}

/// The `Set-Cookie` value for a session token (empty token and max-age 0 to clear it).
pub fn session_cookie(token: &str, policy: &Policy, max_age_secs: i64) -> String {
    let secure = if policy.cookie_secure { "; Secure" } else { "" };
    format!(
        "{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age_secs}{secure}"
    )
}

/// Reads one cookie from a `Cookie` header.
pub fn cookie<'a>(header: &'a str, name: &str) -> Option<&'a str> {
    header
        .split(';')
        .map(str::trim)
        .find_map(|kv| kv.strip_prefix(name).and_then(|r| r.strip_prefix('=')))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_round_trip() {
        let h = hash_password("正确的密码-1").expect("hash");
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("正确的密码-1", &h));
        assert!(!verify_password("wrong", &h));
        assert!(!verify_password("x", "not a hash"));
    }

    #[test]
    fn cookies_and_tokens() {
        assert_eq!(
            cookie("a=1; tp_session=abc; b=2", SESSION_COOKIE),
            Some("abc")
        );
        assert_eq!(cookie("tp_session_x=1", SESSION_COOKIE), None);
        assert!(same_token("abc", "abc"));
        assert!(!same_token("abc", "abd"));
        assert_eq!(random_token().map(|t| t.len()).ok(), Some(64));
    }
}
