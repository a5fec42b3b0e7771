//! Organisations: the tree of agencies, and a cached directory for resolving 法院代字 and scopes.

use crate::audited;
use crate::{Result, Store, StoreError};
use chrono::{DateTime, Utc};
use sqlx::Row;
use sqlx::any::AnyRow;
use std::collections::HashMap;
use tianping_domain::org::OrgRef;
use tianping_domain::{AgencyKind, Level, OrgScope};

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Org {
    pub id: String,
    pub parent_id: Option<String>,
    pub name: String,
    pub kind: AgencyKind,
    pub level: Level,
    pub region_code: String,
    pub region_path: String,
    pub court_code: Option<String>,
}

impl Org {
    /// The organisation as a case or an approval records it.
    pub fn to_ref(&self) -> OrgRef {
        OrgRef {
            id: self.id.clone(),
            name: self.name.clone(),
            kind: Some(self.kind),
            level: Some(self.level),
            region_path: self.region_path.clone(),
        }
    }
    pub fn scope(&self) -> OrgScope {
        OrgScope {
            kind: self.kind,
            region_path: self.region_path.clone(),
        }
    }

    pub(crate) fn from_row(r: &AnyRow) -> Result<Org> {
        let kind: String = r.try_get("kind")?;
        let level: String = r.try_get("level")?;
        Ok(Org {
            id: r.try_get("id")?,
            parent_id: r.try_get("parent_id")?,
            name: r.try_get("name")?,
            kind: AgencyKind::parse(&kind)
                .ok_or_else(|| StoreError::Corrupt(format!("org kind {kind:?}")))?,
            level: Level::parse(&level)
                .ok_or_else(|| StoreError::Corrupt(format!("org level {level:?}")))?,
            region_code: r.try_get("region_code")?,
            region_path: r.try_get("region_path")?,
            court_code: r.try_get("court_code")?,
        })
    }
}

/// All organisations in memory: a few thousand at most, even for a province.
#[derive(Debug, Default)]
pub struct Directory {
    pub by_id: HashMap<String, Org>,
    pub by_court_code: HashMap<String, String>,
}

impl Directory {
    pub fn get(&self, id: &str) -> Option<&Org> {
        self.by_id.get(id)
    }
    pub fn court(&self, code: &str) -> Option<&Org> {
        self.by_court_code
            .get(code)
            .and_then(|id| self.by_id.get(id))
    }
}

const ORG_COLUMNS: &str = "id, parent_id, name, kind, level, region_code, region_path, court_code";

impl Store {
    /// Adds an organisation (the operator's CLI, the demo, tests).
    pub async fn insert_org(&self, o: &Org, now: DateTime<Utc>) -> Result<()> {
        self.add_org_by(o, None, now).await
    }

    /// The system administrator adds an organisation to the directory; recorded for the auditor.
    pub async fn add_org(&self, o: &Org, by: &str, now: DateTime<Utc>) -> Result<()> {
        self.add_org_by(o, Some(by), now).await
    }

    async fn add_org_by(&self, o: &Org, by: Option<&str>, now: DateTime<Utc>) -> Result<()> {
        if !o.region_path.starts_with('/') || !o.region_path.ends_with('/') {
            return Err(StoreError::Invalid(format!(
                "region_path {:?} must start and end with '/'",
                o.region_path
            )));
        }
        let mut tx = self.write(now).await?;
        // First, before any ledger write: a move waits for running ingest chunks (module in_force).
        crate::generation::move_generation(&mut tx).await?;
        sqlx::query(
            "INSERT INTO orgs (id, parent_id, name, kind, level, region_code, region_path, court_code) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(&o.id)
        .bind(&o.parent_id)
        .bind(&o.name)
        .bind(o.kind.as_str())
        .bind(o.level.as_str())
        .bind(&o.region_code)
        .bind(&o.region_path)
        .bind(&o.court_code)
        .execute(&mut *tx)
        .await?;
        tx.record(tianping_ledger::Command::OrgAdded, o.id.as_str())
            .await?;
        if let Some(by) = by {
            crate::audit::record_admin_action(
                &mut tx,
                &format!("user:{by}"),
                "org_added",
                &o.id,
                &o.name,
                now,
            )
            .await?;
        }
        tx.commit().await?;
        self.refresh().await?;
        Ok(())
    }

    pub async fn org(&self, id: &str) -> Result<Option<Org>> {
        Ok(self.org_directory().await?.get(id).cloned())
    }

    /// Organisations in a region subtree, ordered by path then name.
    pub async fn orgs_in(&self, region_prefix: &str) -> Result<Vec<Org>> {
        let dir = self.org_directory().await?;
        let mut v: Vec<Org> = dir
            .by_id
            .values()
            .filter(|o| o.region_path.starts_with(region_prefix))
            .cloned()
            .collect();
        v.sort_by(|a, b| {
            (a.region_path.len(), &a.region_path, &a.name).cmp(&(
                b.region_path.len(),
                &b.region_path,
                &b.name,
            ))
        });
        Ok(v)
    }

    /// The organisation directory as stored now.
    pub(crate) async fn read_directory(&self) -> Result<Directory> {
        let rows = sqlx::query(audited(format!("SELECT {ORG_COLUMNS} FROM orgs")))
            .fetch_all(&self.pool)
            .await?;
        let mut dir = Directory::default();
        for r in &rows {
            let o = Org::from_row(r)?;
            if let Some(c) = &o.court_code {
                dir.by_court_code.insert(c.clone(), o.id.clone());
            }
            dir.by_id.insert(o.id.clone(), o);
        }
        Ok(dir)
    }
}
