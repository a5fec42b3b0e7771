//! The rules in force: one immutable snapshot of what every clock, flag and scope is computed
//! from — the configured rule tables (`rules_dir`, or the shipped ones), the calendar years
//! imported into the database and the database's organisation directory.
//!
//! The database holds a generation number (`engine_state.snapshot_generation`). Every write that
//! changes what the snapshot reads from the database (a calendar year stored, an organisation
//! added) moves it in the same transaction. A process swaps in a new snapshot when it sees the
//! generation move: before every ingest chunk, on every worker tick and every poll of `serve` —
//! so an import computes with the calendar another process imported, and a server sees an
//! organisation that `tianping org add` added while it ran.
//!
//! Ingest holds the generation for its transaction (PostgreSQL: a shared advisory lock that a
//! generation move takes exclusively; SQLite: the write lock every write takes), and re-reads it
//! inside the transaction: a chunk never commits clocks computed from a snapshot older than the
//! database's. The process that moved the generation re-computes the open clocks after its commit
//! (`Store::apply_clockwork_change`), which covers every chunk committed before it.

use crate::clocks::Clockwork;
use crate::generation::read_generation;
use crate::org::Directory;
use crate::supervision::SupervisionConfig;
use crate::{Result, Store};
use std::sync::{Arc, RwLock};

/// What clocks, flags and scopes are computed from, as of one database generation.
#[derive(Clone)]
pub struct InForce {
    /// The database generation this snapshot reflects; `None` until read from the database.
    pub generation: Option<i64>,
    /// The configured rule tables with the database's calendar years applied.
    pub clockwork: Arc<Clockwork>,
    pub supervision: Arc<SupervisionConfig>,
    /// The organisation directory; `None` until first needed.
    pub orgs: Option<Arc<Directory>>,
}

/// The configured part (from files, per process) and the current snapshot.
pub(crate) struct Holder {
    configured: RwLock<Arc<Clockwork>>,
    current: RwLock<Arc<InForce>>,
}

impl Holder {
    pub(crate) fn shipped() -> Holder {
        let cw = Arc::new(Clockwork::shipped());
        Holder {
            configured: RwLock::new(cw.clone()),
            current: RwLock::new(Arc::new(InForce {
                generation: None,
                clockwork: cw,
                supervision: Arc::new(SupervisionConfig::shipped()),
                orgs: None,
            })),
        }
    }

    fn get(&self) -> Arc<InForce> {
        self.current
            .read()
            .map(|g| g.clone())
            .unwrap_or_else(|p| p.into_inner().clone())
    }

    fn update(&self, f: impl FnOnce(&mut InForce)) {
        let mut g = self.current.write().unwrap_or_else(|p| p.into_inner());
        let mut next = (**g).clone();
        f(&mut next);
        *g = Arc::new(next);
    }

    fn configured(&self) -> Arc<Clockwork> {
        self.configured
            .read()
            .map(|g| g.clone())
            .unwrap_or_else(|p| p.into_inner().clone())
    }
}

impl Store {
    pub(crate) fn new_in_force() -> Arc<Holder> {
        Arc::new(Holder::shipped())
    }

    /// The snapshot in force in this process (as of its last refresh).
    pub fn in_force(&self) -> Arc<InForce> {
        self.in_force.get()
    }

    /// The clockwork in force.
    pub fn clockwork(&self) -> Arc<Clockwork> {
        self.in_force.get().clockwork.clone()
    }

    /// Configures the rule tables, calendar and policy (the shipped ones, or `rules_dir`'s). The
    /// database's imported calendar years are applied on top at the next refresh; until then this
    /// clockwork is in force as given.
    pub fn set_clockwork(&self, cw: Clockwork) {
        let cw = Arc::new(cw);
        *self
            .in_force
            .configured
            .write()
            .unwrap_or_else(|p| p.into_inner()) = cw.clone();
        self.in_force.update(|s| {
            s.clockwork = cw;
            s.generation = None;
        });
    }

    /// The flag and supervision rules in force.
    pub fn supervision(&self) -> Arc<SupervisionConfig> {
        self.in_force.get().supervision.clone()
    }

    /// Configures the flag and supervision rules (a configured `rules_dir`, or the flag benchmark).
    pub fn set_supervision(&self, c: SupervisionConfig) {
        let c = Arc::new(c);
        self.in_force.update(|s| s.supervision = c);
    }

    /// The organisation directory in force (read from the database on first use).
    pub async fn org_directory(&self) -> Result<Arc<Directory>> {
        if let Some(d) = &self.in_force.get().orgs {
            return Ok(d.clone());
        }
        let dir = Arc::new(self.read_directory().await?);
        self.in_force.update(|s| {
            if s.orgs.is_none() {
                s.orgs = Some(dir.clone());
            }
        });
        Ok(dir)
    }

    /// Swaps in a new snapshot if the database's generation moved since this process last looked
    /// (or never looked). Returns whether it did.
    pub async fn refresh(&self) -> Result<bool> {
        let mut conn = self.pool.acquire().await?;
        let generation = read_generation(&mut conn).await?;
        drop(conn);
        if self.in_force.get().generation == Some(generation) {
            return Ok(false);
        }
        let clockwork = Arc::new(
            self.load_clockwork((*self.in_force.configured()).clone())
                .await?,
        );
        let orgs = Arc::new(self.read_directory().await?);
        self.in_force.update(|s| {
            s.generation = Some(generation);
            s.clockwork = clockwork;
            s.orgs = Some(orgs);
        });
        Ok(true)
    }
}
