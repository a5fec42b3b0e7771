//! Typed, layered configuration: defaults → TOML file (`--config FILE`, else `tianping.toml` if
//! present) → `TIANPING_*` environment variables → command-line flags. Secrets (the database
//! password) are never printed: `Display` redacts them.

use anyhow::{Context, Result, bail};
use serde::Deserialize;
use std::path::Path;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// `sqlite://FILE` or `postgres://USER[:PASSWORD]@HOST[:PORT]/DB`.
    pub database_url: String,
    /// A PostgreSQL streaming replica of `database_url` for the read-heavy views where a few
    /// seconds' lag is acceptable (the quality dashboard and its lists, the campaign figures, the
    /// case list), which then say so; empty: every read from the primary. A replica that does not
    /// answer is skipped (its reads go to the primary).
    pub database_read_url: String,
    /// Address to listen on.
    pub listen: String,
    /// tracing filter, e.g. `info` or `tianping=debug,info`.
    pub log: String,
    pub session_hours: i64,
    pub lockout_after: i64,
    pub lockout_minutes: i64,
    /// Mark the session cookie `Secure`. Unset: `Secure` unless the server listens on a loopback
    /// address only (plain HTTP on this machine, e.g. the demo); set `false` only behind a
    /// proxy that is itself reached over HTTPS on the same host.
    pub cookie_secure: Option<bool>,
    /// Roles that must log in with a TOTP second factor (role ids). The 三员 always should;
    /// supervisory roles (`plc_supervisor`, `pc_supervisor`, `president`) may be added.
    pub totp_required_roles: Vec<String>,
    /// Login attempts per minute per client address (0: no limit).
    pub rate_login_per_minute: u32,
    /// API requests per minute per client address (0: no limit).
    pub rate_api_per_minute: u32,
    /// Requests per minute per logged-in user, pages and API (0: no limit).
    pub rate_user_per_minute: u32,
    /// A directory holding `limits.toml` and `calendar/cn-holidays.toml` to use instead of the
    /// tables built into the binary (a rule change is applied at start, with a diff of moved dates).
    pub rules_dir: Option<String>,
    /// A directory for the similar-case index (kept across restarts); unset: the index is kept in
    /// memory and built from the stored judgments on the first search.
    pub index_dir: Option<String>,
    /// Run the clock poller, digests and mail sender inside `serve` (turn off when dedicated
    /// `tianping worker` processes do it).
    pub worker: bool,
    /// Seconds between poller passes.
    pub poll_seconds: i64,
    /// Seconds each server keeps the warnings board's counts per category and the case list's
    /// 承办人 menu before reading them again (0: every time). Both are read by many people
    /// for the same few scopes and cost most at a city's scale; a count may lag the board's list
    /// by this much.
    pub counts_cache_seconds: i64,
    /// Seconds between two leadership checks when several processes share one PostgreSQL
    /// database: one process leads the singleton work (polls, digests, the outbox, checkpoints,
    /// sweeps); when it dies another takes over within this time.
    pub leader_seconds: i64,
    /// SMTP relay for notifications; empty: mails stay in the outbox (shown on the mailbox page).
    pub smtp_host: String,
    pub smtp_port: i64,
    /// `starttls` (upgrade the connection, required), `tls` (TLS from the first byte, e.g. port
    /// 465) or `none` (plain, for a relay on this machine only).
    pub smtp_security: String,
    /// Login at the relay (AUTH PLAIN/LOGIN, only over TLS); empty: no login.
    pub smtp_username: String,
    /// Never printed.
    pub smtp_password: String,
    /// A PEM file of the certificate authority that signed the relay's certificate, trusted
    /// beside the built-in public roots (courts' relays often use their own CA).
    pub smtp_ca_file: Option<String>,
    /// The From address of notification mails.
    pub mail_from: String,
    /// The operator's text-message gateway (短信, or a WeChat adapter speaking the same
    /// protocol): an `http://` or `https://` URL that takes one message per POST (see
    /// `sms.rs`). Empty: no text messages are queued (the justice bureau phones).
    pub sms_url: String,
    /// Sent as `Authorization: Bearer …` (only over HTTPS, or to this machine); never printed.
    pub sms_token: String,
    /// A PEM file of the certificate authority that signed the gateway's certificate, trusted
    /// beside the built-in public roots.
    pub sms_ca_file: Option<String>,
    /// Local (Beijing) hour at which daily and weekly digests are built.
    pub digest_hour: i64,
    /// Days before a due date at which a "nearing" warning is raised.
    pub warn_days: Vec<u32>,
    /// The escalation ladder: who is told first, and how many hours after the previous rung an
    /// unacknowledged warning climbs to the next (`[[escalation]] role = "…" after_hours = N`).
    pub escalation: Vec<tianping_store::clocks::Rung>,
    /// The ledger's Ed25519 signing key (`PRIVATE+KEY+…`, created with mode 0600 on first use).
    /// Keep it apart from the database: whoever holds both can forge checkpoints.
    pub ledger_key: String,
    /// The key that signs the public's rating tokens (created with mode 0600 on first use; named
    /// after `ledger_origin` with `/feedback`). Apart from the ledger key: the web process holds
    /// this one.
    pub feedback_key: String,
    /// Where the public reaches this server (`https://tianping.court.example`): the address printed
    /// in rating QR codes. Empty: `http://` and the `listen` address (a demo on this machine).
    pub public_url: String,
    /// The ledger's name in its checkpoints (C2SP origin line), e.g. `court.zj.gov.cn/tianping`.
    pub ledger_origin: String,
    /// Hours between the checkpoints the worker signs (0: only `tianping ledger checkpoint`).
    pub checkpoint_hours: i64,
    /// The public keys of the witnesses that cosign checkpoints (`name+id+key`, as
    /// `tianping ledger witness-key` prints them; e.g. the 人大常委会's and the 政法委's): the
    /// ledger page and `ledger verify` name who cosigned, and only their cosignatures are taken.
    pub witness_keys: Vec<String>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            database_url: "sqlite://tianping.db".into(),
            database_read_url: String::new(),
            listen: "127.0.0.1:8080".into(),
            log: "info".into(),
            session_hours: 8,
            lockout_after: 5,
            lockout_minutes: 15,
            cookie_secure: None,
            totp_required_roles: vec!["sysadmin".into(), "secadmin".into(), "auditor".into()],
            rate_login_per_minute: 30,
            rate_api_per_minute: 1200,
            rate_user_per_minute: 600,
            rules_dir: None,
            index_dir: None,
            worker: true,
            poll_seconds: 30,
            counts_cache_seconds: 15,
            leader_seconds: 5,
            smtp_host: String::new(),
            smtp_port: 25,
            smtp_security: "starttls".into(),
            smtp_username: String::new(),
            smtp_password: String::new(),
            smtp_ca_file: None,
            mail_from: "天平期限提醒 <tianping@localhost>".into(),
            sms_url: String::new(),
            sms_token: String::new(),
            sms_ca_file: None,
            digest_hour: 8,
            warn_days: vec![30, 15, 10, 5, 3, 1],
            escalation: tianping_store::clocks::default_ladder(),
            ledger_key: "tianping-ledger.key".into(),
            feedback_key: "tianping-feedback.key".into(),
            ledger_origin: "tianping.local/ledger".into(),
            public_url: String::new(),
            checkpoint_hours: 24,
            witness_keys: vec![],
        }
    }
}

impl std::fmt::Display for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "database_url={} database_read_url={} listen={} log={} session_hours={} lockout_after={} lockout_minutes={} cookie_secure={} rules_dir={} worker={} poll_seconds={} counts_cache_seconds={} smtp={}:{} smtp_security={} smtp_login={} sms={} digest_hour={} warn_days={:?}",
            tianping_store::redact_url(&self.database_url),
            if self.database_read_url.is_empty() {
                "(none)".to_string()
            } else {
                tianping_store::redact_url(&self.database_read_url)
            },
            self.listen,
            self.log,
            self.session_hours,
            self.lockout_after,
            self.lockout_minutes,
            self.cookie_secure(),
            self.rules_dir.as_deref().unwrap_or("(built in)"),
            self.worker,
            self.poll_seconds,
            self.counts_cache_seconds,
            if self.smtp_host.is_empty() {
                "(none)"
            } else {
                &self.smtp_host
            },
            self.smtp_port,
            self.smtp_security,
            if self.smtp_username.is_empty() {
                "(none)"
            } else {
                "(set)"
            },
            if self.sms_url.is_empty() {
                "(none)"
            } else {
                "(set)"
            },
            self.digest_hour,
            self.warn_days
        )
    }
}

impl Config {
    /// The address printed in rating QR codes.
    pub fn public_base(&self) -> String {
        if self.public_url.is_empty() {
            format!("http://{}", self.listen)
        } else {
            self.public_url.trim_end_matches('/').to_string()
        }
    }

    /// Loads the layers below the command line. `env` is injected for testability.
    pub fn load(file: Option<&Path>, env: impl Fn(&str) -> Option<String>) -> Result<Config> {
        let mut c = match file {
            Some(p) => {
                let text = std::fs::read_to_string(p)
                    .with_context(|| format!("reading config file {}", p.display()))?;
                toml::from_str(&text).with_context(|| format!("config file {}", p.display()))?
            }
            None if Path::new("tianping.toml").exists() => {
                let text =
                    std::fs::read_to_string("tianping.toml").context("reading tianping.toml")?;
                toml::from_str(&text).context("config file tianping.toml")?
            }
            None => Config::default(),
        };
        let int = |name: &str, v: String| -> Result<i64> {
            v.trim()
                .parse()
                .with_context(|| format!("environment variable {name}={v:?} is not an integer"))
        };
        if let Some(v) = env("TIANPING_DATABASE_URL") {
            c.database_url = v;
        }
        if let Some(v) = env("TIANPING_DATABASE_READ_URL") {
            c.database_read_url = v.trim().to_string();
        }
        if let Some(v) = env("TIANPING_LISTEN") {
            c.listen = v;
        }
        if let Some(v) = env("TIANPING_LOG") {
            c.log = v;
        }
        if let Some(v) = env("TIANPING_SESSION_HOURS") {
            c.session_hours = int("TIANPING_SESSION_HOURS", v)?;
        }
        if let Some(v) = env("TIANPING_LOCKOUT_AFTER") {
            c.lockout_after = int("TIANPING_LOCKOUT_AFTER", v)?;
        }
        if let Some(v) = env("TIANPING_LOCKOUT_MINUTES") {
            c.lockout_minutes = int("TIANPING_LOCKOUT_MINUTES", v)?;
        }
        if let Some(v) = env("TIANPING_COOKIE_SECURE") {
            c.cookie_secure = match v.trim() {
                "1" | "true" | "yes" => Some(true),
                "0" | "false" | "no" => Some(false),
                "" => None,
                other => bail!(
                    "environment variable TIANPING_COOKIE_SECURE={other:?} must be true or false"
                ),
            };
        }
        let flag = |name: &str, v: String| -> Result<bool> {
            match v.trim() {
                "1" | "true" | "yes" => Ok(true),
                "0" | "false" | "no" | "" => Ok(false),
                other => bail!("environment variable {name}={other:?} must be true or false"),
            }
        };
        if let Some(v) = env("TIANPING_INDEX_DIR") {
            c.index_dir = Some(v).filter(|v| !v.is_empty());
        }
        if let Some(v) = env("TIANPING_RULES_DIR") {
            c.rules_dir = Some(v).filter(|v| !v.is_empty());
        }
        if let Some(v) = env("TIANPING_WORKER") {
            c.worker = flag("TIANPING_WORKER", v)?;
        }
        if let Some(v) = env("TIANPING_POLL_SECONDS") {
            c.poll_seconds = int("TIANPING_POLL_SECONDS", v)?;
        }
        if let Some(v) = env("TIANPING_COUNTS_CACHE_SECONDS") {
            c.counts_cache_seconds = int("TIANPING_COUNTS_CACHE_SECONDS", v)?;
        }
        if let Some(v) = env("TIANPING_LEADER_SECONDS") {
            c.leader_seconds = int("TIANPING_LEADER_SECONDS", v)?;
        }
        if let Some(v) = env("TIANPING_SMTP_HOST") {
            c.smtp_host = v;
        }
        if let Some(v) = env("TIANPING_SMTP_PORT") {
            c.smtp_port = int("TIANPING_SMTP_PORT", v)?;
        }
        if let Some(v) = env("TIANPING_SMTP_SECURITY") {
            c.smtp_security = v;
        }
        if let Some(v) = env("TIANPING_SMTP_USERNAME") {
            c.smtp_username = v;
        }
        if let Some(v) = env("TIANPING_SMTP_PASSWORD") {
            c.smtp_password = v;
        }
        if let Some(v) = env("TIANPING_SMTP_CA_FILE") {
            c.smtp_ca_file = Some(v).filter(|v| !v.trim().is_empty());
        }
        if let Some(v) = env("TIANPING_MAIL_FROM") {
            c.mail_from = v;
        }
        if let Some(v) = env("TIANPING_SMS_URL") {
            c.sms_url = v;
        }
        if let Some(v) = env("TIANPING_SMS_TOKEN") {
            c.sms_token = v;
        }
        if let Some(v) = env("TIANPING_SMS_CA_FILE") {
            c.sms_ca_file = Some(v).filter(|v| !v.trim().is_empty());
        }
        if let Some(v) = env("TIANPING_DIGEST_HOUR") {
            c.digest_hour = int("TIANPING_DIGEST_HOUR", v)?;
        }
        if let Some(v) = env("TIANPING_LEDGER_KEY") {
            c.ledger_key = v;
        }
        if let Some(v) = env("TIANPING_FEEDBACK_KEY") {
            c.feedback_key = v;
        }
        if let Some(v) = env("TIANPING_PUBLIC_URL") {
            c.public_url = v;
        }
        if let Some(v) = env("TIANPING_LEDGER_ORIGIN") {
            c.ledger_origin = v;
        }
        if let Some(v) = env("TIANPING_CHECKPOINT_HOURS") {
            c.checkpoint_hours = int("TIANPING_CHECKPOINT_HOURS", v)?;
        }
        for (name, slot) in [
            (
                "TIANPING_RATE_LOGIN_PER_MINUTE",
                &mut c.rate_login_per_minute,
            ),
            ("TIANPING_RATE_API_PER_MINUTE", &mut c.rate_api_per_minute),
            ("TIANPING_RATE_USER_PER_MINUTE", &mut c.rate_user_per_minute),
        ] {
            if let Some(v) = env(name) {
                *slot = v
                    .trim()
                    .parse()
                    .with_context(|| format!("environment variable {name}={v:?} is not a count"))?;
            }
        }
        if let Some(v) = env("TIANPING_WITNESS_KEYS") {
            c.witness_keys = v
                .split(',')
                .map(|k| k.trim().to_string())
                .filter(|k| !k.is_empty())
                .collect();
        }
        if let Some(v) = env("TIANPING_TOTP_REQUIRED_ROLES") {
            c.totp_required_roles = v
                .split(',')
                .map(|r| r.trim().to_string())
                .filter(|r| !r.is_empty())
                .collect();
        }
        c.validate()?;
        Ok(c)
    }

    pub fn validate(&self) -> Result<()> {
        self.witnesses()?;
        for r in &self.totp_required_roles {
            if tianping_domain::Role::parse(r).is_none() {
                bail!("totp_required_roles: unknown role {r:?}");
            }
        }
        if self.session_hours < 1 || self.session_hours > 24 * 30 {
            bail!(
                "session_hours must be between 1 and 720, got {}",
                self.session_hours
            );
        }
        if self.lockout_after < 1 {
            bail!(
                "lockout_after must be at least 1, got {}",
                self.lockout_after
            );
        }
        if self.poll_seconds < 1 || self.poll_seconds > 3600 {
            bail!(
                "poll_seconds must be between 1 and 3600, got {}",
                self.poll_seconds
            );
        }
        if !(0..=300).contains(&self.counts_cache_seconds) {
            bail!(
                "counts_cache_seconds must be between 0 and 300, got {}",
                self.counts_cache_seconds
            );
        }
        if self.leader_seconds < 1 || self.leader_seconds > 600 {
            bail!(
                "leader_seconds must be between 1 and 600, got {}",
                self.leader_seconds
            );
        }
        if !["starttls", "tls", "none"].contains(&self.smtp_security.as_str()) {
            bail!(
                "smtp_security must be starttls, tls or none, got {:?}",
                self.smtp_security
            );
        }
        if !self.smtp_username.is_empty() && self.smtp_security == "none" {
            bail!("smtp_username is set but smtp_security is none: a login is sent only over TLS");
        }
        if !(1..=65535).contains(&self.smtp_port) {
            bail!(
                "smtp_port must be between 1 and 65535, got {}",
                self.smtp_port
            );
        }
        if !(0..=23).contains(&self.digest_hour) {
            bail!(
                "digest_hour must be between 0 and 23, got {}",
                self.digest_hour
            );
        }
        if self.warn_days.is_empty() || self.warn_days.iter().any(|d| *d == 0 || *d > 365) {
            bail!(
                "warn_days must list days between 1 and 365, got {:?}",
                self.warn_days
            );
        }
        if self.escalation.is_empty() {
            bail!("escalation must name at least one rung");
        }
        if self.ledger_origin.is_empty()
            || self
                .ledger_origin
                .chars()
                .any(|c| c.is_whitespace() || c == '+')
        {
            bail!(
                "ledger_origin must be a name without spaces or '+', got {:?}",
                self.ledger_origin
            );
        }
        let scheme_ok = ["https://", "http://"]
            .iter()
            .any(|p| self.public_url.starts_with(p));
        if !self.public_url.is_empty() && !scheme_ok {
            bail!(
                "public_url must start with https:// (or http://), got {:?}",
                self.public_url
            );
        }
        if !(0..=24 * 366).contains(&self.checkpoint_hours) {
            bail!(
                "checkpoint_hours must be between 0 and 8784, got {}",
                self.checkpoint_hours
            );
        }
        if self.escalation.iter().skip(1).any(|r| r.after_hours == 0) {
            bail!("escalation: every rung after the first needs after_hours ≥ 1");
        }
        if self.lockout_minutes < 1 {
            bail!(
                "lockout_minutes must be at least 1, got {}",
                self.lockout_minutes
            );
        }
        Ok(())
    }

    /// The witnesses' public keys, parsed.
    pub fn witnesses(&self) -> Result<Vec<tianping_ledger::VerifierKey>> {
        let mut out: Vec<tianping_ledger::VerifierKey> = vec![];
        for (i, k) in self.witness_keys.iter().enumerate() {
            let key = tianping_ledger::VerifierKey::parse(k)
                .with_context(|| format!("witness_keys[{i}] = {k:?} is not a verifier key"))?;
            if out.iter().any(|o| o.name == key.name) {
                bail!("witness_keys[{i}]: two witnesses are named {:?}", key.name);
            }
            out.push(key);
        }
        Ok(out)
    }

    pub fn policy(&self) -> tianping_server::auth::Policy {
        tianping_server::auth::Policy {
            session_hours: self.session_hours,
            lockout_after: self.lockout_after,
            lockout_minutes: self.lockout_minutes,
            cookie_secure: self.cookie_secure(),
            totp_required: self
                .totp_required_roles
                .iter()
                .filter_map(|r| tianping_domain::Role::parse(r))
                .collect(),
            ..tianping_server::auth::Policy::default()
        }
        .with_limits(tianping_server::rate::RateLimits {
            login_per_addr: self.rate_login_per_minute,
            api_per_addr: self.rate_api_per_minute,
            per_user: self.rate_user_per_minute,
        })
    }

    /// Whether the session cookie is `Secure`: as configured, else unless listening on loopback.
    pub fn cookie_secure(&self) -> bool {
        self.cookie_secure.unwrap_or_else(|| {
            let host = self
                .listen
                .rsplit_once(':')
                .map_or(self.listen.as_str(), |(h, _)| h)
                .trim_matches(|c| c == '[' || c == ']');
            !(host == "localhost"
                || host
                    .parse::<std::net::IpAddr>()
                    .is_ok_and(|ip| ip.is_loopback()))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layers_and_redaction() {
        let dir = std::env::temp_dir().join(format!("tp_cfg_{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let f = dir.join("c.toml");
        std::fs::write(&f, "listen = \"0.0.0.0:9000\"\nlockout_after = 3\n").expect("write");
        let env = |k: &str| match k {
            "TIANPING_DATABASE_URL" => Some("postgres://tp:hunter2@db/tp".to_string()),
            "TIANPING_LOCKOUT_AFTER" => Some("7".to_string()),
            _ => None,
        };
        let c = Config::load(Some(&f), env).expect("loads");
        assert_eq!(c.listen, "0.0.0.0:9000");
        assert_eq!(c.lockout_after, 7, "environment overrides the file");
        let shown = c.to_string();
        assert!(!shown.contains("hunter2"), "{shown}");
        let bad = Config::load(Some(&f), |k| {
            (k == "TIANPING_SESSION_HOURS").then(|| "eight".to_string())
        });
        assert!(
            bad.err()
                .map(|e| e.to_string())
                .unwrap_or_default()
                .contains("TIANPING_SESSION_HOURS")
        );
        std::fs::write(
            &f,
            "[[escalation]]\nrole = \"judge\"\nafter_hours = 0\n[[escalation]]\nrole = \"president\"\nafter_hours = 12\n",
        )
        .expect("write");
        let c = Config::load(Some(&f), |_| None).expect("ladder");
        assert_eq!(c.escalation.len(), 2);
        assert_eq!(c.escalation[1].role, tianping_domain::Role::President);
        std::fs::write(&f, "[[escalation]]\nrole = \"emperor\"\nafter_hours = 1\n").expect("write");
        assert!(
            Config::load(Some(&f), |_| None).is_err(),
            "unknown roles are refused"
        );
        std::fs::write(&f, "lisen = \"x\"\n").expect("write");
        assert!(
            Config::load(Some(&f), |_| None).is_err(),
            "unknown keys are refused"
        );
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn the_session_cookie_is_secure_unless_on_loopback() {
        let at = |listen: &str, set: Option<bool>| Config {
            listen: listen.into(),
            cookie_secure: set,
            ..Config::default()
        };
        assert!(!at("127.0.0.1:8080", None).cookie_secure());
        assert!(!at("[::1]:8080", None).cookie_secure());
        assert!(!at("localhost:8080", None).cookie_secure());
        assert!(at("0.0.0.0:8080", None).cookie_secure());
        assert!(at("10.1.2.3:443", None).cookie_secure());
        assert!(!at("0.0.0.0:8080", Some(false)).cookie_secure());
        assert!(at("127.0.0.1:8080", Some(true)).cookie_secure());
    }
}
