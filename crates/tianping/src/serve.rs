//! `tianping serve`: the web server with its background work beside it — the rules in force
//! refreshed every poll; the worker and the deviation and conflict sweeps while this process
//! leads the singleton work — until a shutdown signal.

use crate::config::Config;
use crate::{leader, ledger, worker};
use anyhow::{Context, Result};
use chrono::Utc;
use std::sync::Arc;
use tianping_server::{AppState, SystemClock};
use tianping_store::Store;

/// Seconds between two deviation sweeps (each compares only the cases closed since the last).
const DEVIATION_SWEEP_SECS: u64 = 20;

pub(crate) async fn serve(store: Store, cfg: &Config, ready: impl FnOnce(&str)) -> Result<()> {
    worker::apply_rules_in_force(&store, Utc::now()).await?;
    // The key is created here (before the worker starts) if this is the first start.
    let verifier = ledger::load_or_create_key(cfg)?.verifier();
    let clock: Arc<dyn tianping_server::Clock> = Arc::new(SystemClock);
    let listener = tokio::net::TcpListener::bind(&cfg.listen)
        .await
        .with_context(|| format!("listening on {}", cfg.listen))?;
    let addr = listener
        .local_addr()
        .map(|a| a.to_string())
        .unwrap_or_else(|_| cfg.listen.clone());
    // Several servers on one PostgreSQL database: the singleton loops below run only on the one
    // that leads (a PostgreSQL advisory lock held by its own connection); another takes over
    // within `leader_seconds` of its death.
    let leadership = cfg
        .worker
        .then(|| leader::follow(&store, cfg, leader::node_name("serve", Some(&addr))));
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let worker_task = leadership.as_ref().map(|(leading, _)| {
        let (store, cfg, clock) = (store.clone(), cfg.clone(), clock.clone());
        let leading = leading.clone();
        tokio::spawn(async move {
            worker::run(store, cfg, clock, leading, async {
                let _ = stop_rx.await;
            })
            .await
        })
    });
    // The address printed in rating QR codes: the configured public one, else where this
    // process listens (port 0 resolved).
    let public_base = if cfg.public_url.is_empty() {
        format!("http://{addr}")
    } else {
        cfg.public_base()
    };
    let state = AppState {
        store,
        clock,
        policy: cfg.policy(),
        ledger: tianping_server::ledger::LedgerIdentity {
            origin: cfg.ledger_origin.clone(),
            verifier,
            witnesses: cfg.witnesses()?,
        },
        feedback: tianping_server::feedback::Codes::new(
            ledger::load_or_create_feedback_key(cfg)?,
            &public_base,
        ),
        library: Arc::new(match &cfg.index_dir {
            Some(d) => tianping_server::similar::Library::in_dir(d.into()),
            None => tianping_server::similar::Library::in_memory(),
        }),
    };
    state.library.clone().warm(state.store.clone());
    // The proofreader's model for judgments is counted once (about a second): at start-up, not
    // on the first judge's upload.
    tokio::task::spawn_blocking(|| {
        tianping_domain::proofread::typos::Model::judgments();
    });
    // The rules in force follow the database within one poll, worker or not: a calendar year or an
    // organisation stored by another process (`tianping org add`, a second server).
    let refresher = {
        let store = state.store.clone();
        let every = std::time::Duration::from_secs(cfg.poll_seconds.max(1) as u64);
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(every).await;
                match store.refresh().await {
                    Ok(true) => tracing::info!(
                        "the calendar or the organisation directory changed: now in force"
                    ),
                    Ok(false) => {}
                    Err(e) => {
                        tracing::warn!(error = %e, "reading the rules in force failed; retrying next poll")
                    }
                }
                // Another process put other rule files in force: say so every poll (the health
                // check fails and ingest refuses until this is resolved).
                if let Ok(Some(c)) = store.rules_conflict().await {
                    tracing::error!(stored = %c.stored, mine = %c.mine, "{c}");
                }
            }
        })
    };
    // The deviation sweep (量刑偏离预警) and the conflict sweep (类案冲突) need the library, so
    // they run here beside the index.
    let sweeper = leadership.as_ref().map(|(leading, _)| {
        let st = state.clone();
        let leading = leading.clone();
        tokio::spawn(async move {
            // Where the 类案冲突 sweep goes on from: it reads the pending cases a batch a run.
            let mut conflicts_from = 0;
            loop {
                if *leading.borrow() && st.library.is_loaded() {
                    match tianping_server::similar::sweep_deviations(&st).await {
                        Ok(r) if r.raised > 0 => tracing::info!(
                            checked = r.checked,
                            raised = r.raised,
                            mails = r.mails,
                            "deviation warnings raised"
                        ),
                        Ok(_) => {}
                        Err(e) => tracing::warn!(error = %e.message, "deviation sweep failed"),
                    }
                    let conflicts = tianping_server::similar::conflict::sweep_conflicts(
                        &st,
                        &mut conflicts_from,
                    );
                    match conflicts.await {
                        Ok(r) if r.raised > 0 => tracing::info!(
                            checked = r.checked,
                            raised = r.raised,
                            "similar-case conflicts flagged"
                        ),
                        Ok(_) => {}
                        Err(e) => tracing::warn!(error = %e.message, "conflict sweep failed"),
                    }
                }
                tokio::time::sleep(std::time::Duration::from_secs(DEVIATION_SWEEP_SECS)).await;
            }
        })
    });
    tracing::info!(%addr, "serving");
    ready(&addr);
    tianping_server::serve(listener, state, async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await
    .context("server")?;
    let _ = stop_tx.send(());
    refresher.abort();
    if let Some(t) = sweeper {
        t.abort();
    }
    if let Some(t) = worker_task {
        t.await.context("worker task")??;
    }
    if let Some((_, claim)) = leadership {
        claim.abort();
    }
    Ok(())
}
