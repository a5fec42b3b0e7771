//! The clock worker: poller passes, escalation, morning digests and the SMTP sender. Runs inside
//! `serve` or as dedicated `tianping worker` processes; any number of workers may share one
//! PostgreSQL database (due rows and mails are claimed with `FOR UPDATE SKIP LOCKED`).

use crate::config::Config;
use anyhow::{Context, Result};
use chrono::{DateTime, Utc};
use lettre::message::header::ContentType;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::sync::Arc;
use tianping_server::Clock;
use tianping_store::Store;
use tianping_store::clocks::{Clockwork, PollReport};

/// Delivers outbox mail over SMTP.
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: lettre::message::Mailbox,
}

impl Mailer {
    /// `None` when no SMTP host is configured: mail stays in the outbox (the mailbox page shows it).
    pub fn from_config(cfg: &Config) -> Result<Option<Mailer>> {
        if cfg.smtp_host.trim().is_empty() {
            return Ok(None);
        }
        use lettre::transport::smtp::authentication::{Credentials, Mechanism};
        use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
        let host = cfg.smtp_host.trim();
        let tls = || -> Result<TlsParameters> {
            let mut b = TlsParameters::builder(host.to_string());
            if let Some(f) = &cfg.smtp_ca_file {
                let pem = std::fs::read(f).with_context(|| format!("reading smtp_ca_file {f}"))?;
                b = b.add_root_certificate(
                    Certificate::from_pem(&pem)
                        .with_context(|| format!("smtp_ca_file {f} is not a PEM certificate"))?,
                );
            }
            b.build_rustls()
                .context("TLS parameters for the SMTP relay")
        };
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host)
            .port(cfg.smtp_port as u16)
            .timeout(Some(std::time::Duration::from_secs(15)));
        builder = match cfg.smtp_security.as_str() {
            "starttls" => builder.tls(Tls::Required(tls()?)),
            "tls" => builder.tls(Tls::Wrapper(tls()?)),
            _ => builder.tls(Tls::None),
        };
        if !cfg.smtp_username.is_empty() {
            builder = builder
                .credentials(Credentials::new(
                    cfg.smtp_username.clone(),
                    cfg.smtp_password.clone(),
                ))
                .authentication(vec![Mechanism::Plain, Mechanism::Login]);
        }
        let transport = builder.build();
        let from = cfg
            .mail_from
            .parse()
            .with_context(|| format!("mail_from {:?} is not a mail address", cfg.mail_from))?;
        Ok(Some(Mailer { transport, from }))
    }

    async fn send(&self, to: &str, subject: &str, body: &str) -> Result<()> {
        let to: lettre::message::Mailbox = to
            .parse()
            .with_context(|| format!("recipient {to:?} is not a mail address"))?;
        let msg = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(subject)
            .header(ContentType::TEXT_PLAIN)
            .body(body.to_string())
            .context("building the message")?;
        self.transport.send(msg).await.context("SMTP")?;
        Ok(())
    }
}

/// Who delivers the outbox: mail over SMTP, text messages through the gateway (either may be
/// absent: its messages then stay queued).
#[derive(Default)]
pub struct Senders {
    pub mail: Option<Mailer>,
    pub texts: Option<crate::sms::SmsGateway>,
}

impl Senders {
    pub fn from_config(cfg: &Config) -> Result<Senders> {
        Ok(Senders {
            mail: Mailer::from_config(cfg)?,
            texts: crate::sms::SmsGateway::from_config(cfg)?,
        })
    }
}

/// What one tick did.
#[derive(Debug, Default)]
pub struct Tick {
    pub poll: PollReport,
    pub sent: usize,
    pub failed: usize,
    /// Text messages handed to the gateway, and attempts that failed (retried later).
    pub texts_sent: usize,
    pub texts_failed: usize,
    /// Supervision items whose stage ran past its deadline (escalated once per stage).
    pub items_escalated: usize,
    /// People's supervisors reminded of tomorrow's activity, and their opinions reported as
    /// unanswered past the due day.
    pub supervisors_reminded: usize,
    pub opinions_escalated: usize,
}

/// One worker tick at `now`: all due clocks, escalations, digests, then the outbox.
pub async fn tick(store: &Store, senders: &Senders, now: DateTime<Utc>) -> Result<Tick> {
    let mut t = Tick::default();
    // A calendar year or an organisation another process stored since the last tick.
    if store
        .refresh()
        .await
        .context("reading the rules in force")?
    {
        tracing::info!("the calendar or the organisation directory changed: now in force");
    }
    loop {
        let p = store.poll(now, 500).await.context("polling clocks")?;
        let more = p.fired == 500 || p.escalated == 500;
        t.poll.merge(&p);
        if !more {
            break;
        }
    }
    t.poll.digests += store.build_digests(now).await.context("building digests")?;
    t.items_escalated = store
        .escalate_overdue_items(now)
        .await
        .context("escalating overdue supervision items")?;
    t.supervisors_reminded = store
        .remind_supervisors(now)
        .await
        .context("reminding people's supervisors of tomorrow's activities")?;
    t.opinions_escalated = store
        .escalate_overdue_opinions(now)
        .await
        .context("reporting people's supervisors' opinions left unanswered")?;
    if let Some(m) = &senders.mail {
        loop {
            let batch = store.claim_mail(now, 50).await.context("claiming mail")?;
            if batch.is_empty() {
                break;
            }
            for mail in batch {
                match m.send(&mail.recipient, &mail.subject, &mail.body).await {
                    Ok(()) => {
                        store.mail_sent(mail.id, now).await?;
                        t.sent += 1;
                    }
                    Err(e) => {
                        tracing::warn!(mail = mail.id, error = %format!("{e:#}"), "mail not delivered; will retry");
                        store
                            .mail_failed(mail.id, mail.attempts + 1, &format!("{e:#}"), now)
                            .await?;
                        t.failed += 1;
                    }
                }
            }
        }
    }
    if let Some(g) = &senders.texts {
        // A gateway that fails this many times in a row is taken to be down for this tick: the
        // rest wait for the next (each send may wait out its timeout, and clocks come first).
        const DOWN_AFTER: usize = 3;
        let mut in_a_row = 0;
        'texts: loop {
            let batch = store
                .claim_texts(now, 50)
                .await
                .context("claiming text messages")?;
            if batch.is_empty() {
                break;
            }
            for m in batch {
                if in_a_row >= DOWN_AFTER {
                    break 'texts;
                }
                match g
                    .send(&format!("tianping-{}", m.id), &m.recipient, &m.body)
                    .await
                {
                    Ok(()) => {
                        store.mail_sent(m.id, now).await?;
                        t.texts_sent += 1;
                        in_a_row = 0;
                    }
                    Err(e) => {
                        tracing::warn!(text = m.id, error = %format!("{e:#}"), "text message not delivered; will retry");
                        store
                            .mail_failed(m.id, m.attempts + 1, &format!("{e:#}"), now)
                            .await?;
                        t.texts_failed += 1;
                        in_a_row += 1;
                    }
                }
            }
        }
    }
    Ok(t)
}

/// The configured clockwork: built-in or `rules_dir` tables and calendar, and the configured
/// warning days, ladder and digest hour (without the database's imported calendar years).
pub fn configured_clockwork(cfg: &Config) -> Result<Clockwork> {
    let mut cw = Clockwork::shipped();
    if let Some(dir) = &cfg.rules_dir {
        let dir = std::path::Path::new(dir);
        let limits = dir.join("limits.toml");
        let text = std::fs::read_to_string(&limits)
            .with_context(|| format!("reading {}", limits.display()))?;
        cw.rules = tianping_domain::rules::RuleSet::parse(&text)
            .with_context(|| format!("{}", limits.display()))?;
        let cal = dir.join("calendar/cn-holidays.toml");
        if cal.exists() {
            let text = std::fs::read_to_string(&cal)
                .with_context(|| format!("reading {}", cal.display()))?;
            cw.calendar = tianping_domain::calendar::Calendar::parse(&text)
                .with_context(|| format!("{}", cal.display()))?;
        }
        let nodes = dir.join("nodes.toml");
        if nodes.exists() {
            let text = std::fs::read_to_string(&nodes)
                .with_context(|| format!("reading {}", nodes.display()))?;
            cw.flows = tianping_domain::nodes::Flows::parse(&text)
                .with_context(|| format!("{}", nodes.display()))?;
        }
    }
    cw.policy.days_before = cfg.warn_days.clone();
    cw.ladder = cfg.escalation.clone();
    cw.digest_hour = cfg.digest_hour as u32;
    Ok(cw)
}

/// The clockwork in force for a configuration: the configured one with the database's imported
/// calendar years applied.
pub async fn load_clockwork(store: &Store, cfg: &Config) -> Result<Clockwork> {
    Ok(store.load_clockwork(configured_clockwork(cfg)?).await?)
}

/// Configures a store with a configuration's rules (clock tables, flag and supervision rules)
/// and reads the rest of the rules in force from the database (module `tianping_store::in_force`).
/// Every command that opens a store does this, through `open_store`.
pub async fn configure(store: &Store, cfg: &Config) -> Result<()> {
    store.set_clockwork(configured_clockwork(cfg)?);
    store.set_supervision(load_supervision(cfg)?);
    store
        .refresh()
        .await
        .context("reading the calendar and organisations in force")?;
    Ok(())
}

/// The 四类案件 flag rules, the supervision rules and the two catalogues: built in, or
/// `flag-rules.toml`, `supervision.toml`, `supervision-catalogue.toml` and `risk-points.toml`
/// from `rules_dir` where present (a court's own triggers on top of the
/// national baseline, its own stage deadlines).
pub fn load_supervision(cfg: &Config) -> Result<tianping_store::supervision::SupervisionConfig> {
    let mut c = tianping_store::supervision::SupervisionConfig::shipped();
    if let Some(dir) = &cfg.rules_dir {
        let dir = std::path::Path::new(dir);
        let flags = dir.join("flag-rules.toml");
        if flags.exists() {
            let text = std::fs::read_to_string(&flags)
                .with_context(|| format!("reading {}", flags.display()))?;
            c.flags = tianping_domain::flag::FlagRules::parse(&text)
                .with_context(|| format!("{}", flags.display()))?;
        }
        let sup = dir.join("supervision.toml");
        if sup.exists() {
            let text = std::fs::read_to_string(&sup)
                .with_context(|| format!("reading {}", sup.display()))?;
            c.rules = tianping_domain::supervision::SupervisionRules::parse(&text)
                .with_context(|| format!("{}", sup.display()))?;
        }
        let cat = dir.join("supervision-catalogue.toml");
        if cat.exists() {
            let text = std::fs::read_to_string(&cat)
                .with_context(|| format!("reading {}", cat.display()))?;
            c.catalogue = tianping_domain::supervision::catalogue::Catalogue::parse(&text)
                .with_context(|| format!("{}", cat.display()))?;
        }
        let risks = dir.join("risk-points.toml");
        if risks.exists() {
            let text = std::fs::read_to_string(&risks)
                .with_context(|| format!("reading {}", risks.display()))?;
            c.risk_points = tianping_domain::risk_points::Catalogue::parse(&text)
                .with_context(|| format!("{}", risks.display()))?;
        }
    }
    Ok(c)
}

/// If the rules in force (set by `open_store`) differ from those the stored clocks were computed
/// with, re-computes every open clock and records the moved due dates.
pub async fn apply_rules_in_force(store: &Store, now: DateTime<Utc>) -> Result<()> {
    if let Some(r) = store
        .apply_clockwork_change(now)
        .await
        .context("re-computing clocks after a rule or calendar change")?
    {
        tracing::info!(
            cases = r.cases,
            clocks = r.clocks,
            moved = r.moved,
            "rules or calendar changed: clocks re-computed"
        );
    }
    Ok(())
}

/// How often the leading worker folds the metric totals' pending changes.
const METRIC_FOLD_EVERY: std::time::Duration = std::time::Duration::from_secs(2);

/// A task that ends when this handle is dropped.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Runs ticks every `poll_seconds` until `stop` resolves — only while `leading` says this
/// process leads the singleton work (one process at a time on a shared PostgreSQL database).
pub async fn run(
    store: Store,
    cfg: Config,
    clock: Arc<dyn Clock>,
    mut leading: tokio::sync::watch::Receiver<bool>,
    stop: impl std::future::Future<Output = ()>,
) -> Result<()> {
    let senders = Senders::from_config(&cfg)?;
    let every = std::time::Duration::from_secs(cfg.poll_seconds as u64);
    let key = if cfg.checkpoint_hours > 0 {
        match crate::ledger::load_or_create_key(&cfg) {
            Ok(k) => Some(k),
            Err(e) => {
                tracing::error!(error = %format!("{e:#}"), "no ledger key: checkpoints will not be signed");
                None
            }
        }
    } else {
        None
    };
    // The metric totals' pending changes (`tianping_store::metrics`), folded every few seconds
    // while leading: apart from the tick, whose interval is far longer than a dashboard should
    // read them for. Ended with this function.
    let _folding = {
        let (store, clock, mut leading) = (store.clone(), clock.clone(), leading.clone());
        AbortOnDrop(tokio::spawn(async move {
            loop {
                crate::leader::until_leading(&mut leading).await;
                if let Err(e) = store.fold_metrics(clock.now()).await {
                    tracing::warn!(error = %e, "folding the metric totals failed; retrying");
                }
                tokio::time::sleep(METRIC_FOLD_EVERY).await;
            }
        }))
    };
    tokio::pin!(stop);
    loop {
        tokio::select! {
            _ = &mut stop => return Ok(()),
            _ = crate::leader::until_leading(&mut leading) => {}
        }
        match tick(&store, &senders, clock.now()).await {
            Ok(t)
                if t.poll.fired
                    + t.poll.escalated
                    + t.poll.digests
                    + t.sent
                    + t.failed
                    + t.texts_sent
                    + t.texts_failed
                    + t.items_escalated
                    + t.supervisors_reminded
                    + t.opinions_escalated
                    > 0 =>
            {
                tracing::info!(
                    fired = t.poll.fired,
                    warnings = t.poll.warnings,
                    escalated = t.poll.escalated,
                    digests = t.poll.digests,
                    sent = t.sent,
                    failed = t.failed,
                    texts_sent = t.texts_sent,
                    texts_failed = t.texts_failed,
                    errors = t.poll.errors,
                    items_escalated = t.items_escalated,
                    supervisors_reminded = t.supervisors_reminded,
                    opinions_escalated = t.opinions_escalated,
                    "worker tick"
                );
            }
            Ok(_) => {}
            Err(e) => {
                tracing::error!(error = %format!("{e:#}"), "worker tick failed; retrying next tick")
            }
        }
        if let Some(k) = &key
            && let Err(e) = crate::ledger::maybe_checkpoint(&store, k, &cfg, clock.now()).await
        {
            tracing::error!(error = %format!("{e:#}"), "signing a ledger checkpoint failed");
        }
        tokio::select! {
            _ = &mut stop => return Ok(()),
            _ = tokio::time::sleep(every) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A court's own risk-point catalogue in `rules_dir` is the one in force; a broken one is
    /// refused naming its file.
    #[test]
    fn a_risk_catalogue_in_rules_dir_is_in_force() {
        let dir = std::env::temp_dir().join(format!("tp_risks_{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let shipped = tianping_domain::risk_points::RISK_POINTS_TOML;
        assert!(shipped.contains("审限届满后补办延长审批"));
        std::fs::write(
            dir.join("risk-points.toml"),
            shipped.replace("审限届满后补办延长审批", "审限届满后补报延长审限"),
        )
        .expect("write");
        let cfg = Config {
            rules_dir: Some(dir.display().to_string()),
            ..Config::default()
        };
        let c = load_supervision(&cfg).expect("loads");
        assert_eq!(
            c.risk_points.point_for_code("L1").map(|p| p.name.as_str()),
            Some("审限届满后补报延长审限")
        );
        std::fs::write(dir.join("risk-points.toml"), "version = \"one\"\n").expect("write");
        let e = load_supervision(&cfg).err().map(|e| format!("{e:#}"));
        assert!(
            e.as_deref().is_some_and(|e| e.contains("risk-points.toml")),
            "{e:?}"
        );
        std::fs::remove_dir_all(&dir).ok();
    }
}
