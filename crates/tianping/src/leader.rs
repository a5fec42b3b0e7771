//! Which process does the singleton work: a task that keeps checking this process's claim on
//! leadership (`tianping_store::leadership`) every `leader_seconds` and publishes the answer to
//! the loops that must run on one node at a time (the worker's ticks and checkpoints, the
//! deviation and conflict sweeps).

use crate::config::Config;
use std::time::Duration;
use tianping_store::Store;
use tianping_store::leadership::Leadership;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// This process's name in `pg_stat_activity` (and the logs): its role, process id and, for a
/// server, where it listens.
pub(crate) fn node_name(role: &str, listen: Option<&str>) -> String {
    let pid = std::process::id();
    match listen {
        Some(l) => format!("tianping {role} {pid} {l}"),
        None => format!("tianping {role} {pid}"),
    }
}

/// Starts the leadership checks; the receiver says whether this process leads now.
pub(crate) fn follow(
    store: &Store,
    cfg: &Config,
    node: String,
) -> (watch::Receiver<bool>, JoinHandle<()>) {
    let (tx, rx) = watch::channel(false);
    let store = store.clone();
    let every = Duration::from_secs(cfg.leader_seconds.max(1) as u64);
    let task = tokio::spawn(async move {
        let mut claim = Leadership::new(&store, &node);
        // What the log last said (nothing yet): each change is logged once, the first answer too.
        let mut told: Option<bool> = None;
        loop {
            let leading = claim.check().await;
            if told != Some(leading) {
                told = Some(leading);
                if leading {
                    tracing::info!(node = %node, "leading the singleton work");
                } else {
                    let leader = store.singleton_leader().await.ok().flatten();
                    tracing::info!(
                        node = %node,
                        leader = leader.as_deref().unwrap_or("none"),
                        "following: another process leads the singleton work"
                    );
                }
            }
            // Every check is published (not only changes) so a waiting loop wakes on takeover.
            tx.send_replace(leading);
            if tx.is_closed() {
                claim.resign().await;
                return;
            }
            tokio::time::sleep(every).await;
        }
    });
    (rx, task)
}

/// Waits until `leading` says this process leads (returns at once if it does).
pub(crate) async fn until_leading(leading: &mut watch::Receiver<bool>) {
    // An error means the leadership task ended: never leading again, so wait forever (the
    // caller's select on its stop signal still ends it).
    if leading.wait_for(|l| *l).await.is_err() {
        std::future::pending::<()>().await;
    }
}
