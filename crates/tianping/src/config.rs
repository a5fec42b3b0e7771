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
    /// Address to listen on.
    pub listen: String,
    /// tracing filter, e.g. `info` or `tianping=debug,info`.
    pub log: String,
    pub session_hours: i64,
    pub lockout_after: i64,
    pub lockout_minutes: i64,
    /// Mark the session cookie `Secure` (set when served over HTTPS).
    pub cookie_secure: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            database_url: "sqlite://tianping.db".into(),
            listen: "127.0.0.1:8080".into(),
            log: "info".into(),
            session_hours: 8,
            lockout_after: 5,
            lockout_minutes: 15,
            cookie_secure: false,
        }
    }
}

impl std::fmt::Display for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "database_url={} listen={} log={} session_hours={} lockout_after={} lockout_minutes={} cookie_secure={}",
            tianping_store::redact_url(&self.database_url),
            self.listen,
            self.log,
            self.session_hours,
            self.lockout_after,
            self.lockout_minutes,
            self.cookie_secure
        )
    }
}

impl Config {
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
                "1" | "true" | "yes" => true,
                "0" | "false" | "no" | "" => false,
                other => bail!(
                    "environment variable TIANPING_COOKIE_SECURE={other:?} must be true or false"
                ),
            };
        }
        c.validate()?;
        Ok(c)
    }

    pub fn validate(&self) -> Result<()> {
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
        if self.lockout_minutes < 1 {
            bail!(
                "lockout_minutes must be at least 1, got {}",
                self.lockout_minutes
            );
        }
        Ok(())
    }

    pub fn policy(&self) -> tianping_server::auth::Policy {
        tianping_server::auth::Policy {
            session_hours: self.session_hours,
            lockout_after: self.lockout_after,
            lockout_minutes: self.lockout_minutes,
            cookie_secure: self.cookie_secure,
        }
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
        std::fs::write(&f, "lisen = \"x\"\n").expect("write");
        assert!(
            Config::load(Some(&f), |_| None).is_err(),
            "unknown keys are refused"
        );
        let _ = std::fs::remove_dir_all(dir);
    }
}
