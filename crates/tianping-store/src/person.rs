//! Persons across files (issue 21): each 公民身份号码 a filing names becomes a person, linked to
//! the files that name them; the person's path is read back file by file for the domain to fold
//! ([`tianping_domain::person::path`]).

use crate::case::CaseRow;
use crate::db::{FromRow, Val, bulk_write};
use crate::{Backend, Result, Store, StoreError, audited};
use sqlx::Row;
use tianping_domain::history::{Recorded, superseded_by};
use tianping_domain::person::Track;
use tianping_domain::{CaseKind, CaseState, EventBody, Procedure};

/// Links the touched cases to the persons their parties name. Cases that existed before this
/// chunk (`existing`) lose their old links first: a corrected filing may name someone else.
pub(crate) async fn link(
    tx: &mut sqlx::AnyConnection,
    backend: Backend,
    cases: &[(i64, &CaseState)],
    existing: &[i64],
) -> Result<()> {
    if !existing.is_empty() {
        let ids = existing
            .iter()
            .map(i64::to_string)
            .collect::<Vec<_>>()
            .join(",");
        sqlx::query(audited(format!(
            "DELETE FROM case_persons WHERE case_id IN ({ids})"
        )))
        .execute(&mut *tx)
        .await?;
    }
    let mut links: Vec<(i64, String, String, String)> = vec![];
    for (id, s) in cases {
        for p in &s.parties {
            if let Some(n) = &p.id_number
                && !links.iter().any(|l| l.0 == *id && &l.1 == n)
            {
                links.push((*id, n.clone(), p.name.clone(), p.role.clone()));
            }
        }
    }
    if links.is_empty() {
        return Ok(());
    }
    let mut numbers: Vec<String> = links.iter().map(|l| l.1.clone()).collect();
    numbers.sort();
    numbers.dedup();
    bulk_write(
        tx,
        backend,
        "persons",
        &[("id_number", "text")],
        numbers.iter().map(|n| vec![Val::S(n.clone())]).collect(),
        " ON CONFLICT (id_number) DO NOTHING",
        "",
    )
    .await?;
    let mut ids = std::collections::HashMap::new();
    for chunk in numbers.chunks(500) {
        let marks = (1..=chunk.len())
            .map(|i| format!("${i}"))
            .collect::<Vec<_>>()
            .join(",");
        let mut q = sqlx::query(audited(format!(
            "SELECT id, id_number FROM persons WHERE id_number IN ({marks})"
        )));
        for n in chunk {
            q = q.bind(n);
        }
        for r in q.fetch_all(&mut *tx).await? {
            ids.insert(
                r.try_get::<String, _>("id_number")?,
                r.try_get::<i64, _>("id")?,
            );
        }
    }
    let rows = links
        .into_iter()
        .filter_map(|(case, n, name, role)| {
            ids.get(&n)
                .map(|p| vec![Val::I(case), Val::I(*p), Val::S(name), Val::S(role)])
        })
        .collect();
    bulk_write(
        tx,
        backend,
        "case_persons",
        &[
            ("case_id", "bigint"),
            ("person_id", "bigint"),
            ("name", "text"),
            ("role", "text"),
        ],
        rows,
        " ON CONFLICT (case_id, person_id) DO NOTHING",
        "",
    )
    .await?;
    Ok(())
}

crate::db::row_struct! {
/// A file that names a person, with the name and role it gives them.
#[derive(Debug, Clone)]
pub struct PersonCase {
    pub case_id: i64,
    pub name: String,
    pub role: String,
}
}

/// A file that names a person, read back for the person's path: its row, its state, the name
/// and role it gives the person, and its effective events as a [`Track`].
pub struct PersonFile {
    pub row: CaseRow,
    pub state: CaseState,
    pub name: String,
    pub role: String,
    pub track: Track,
}

impl Store {
    /// Every file that names a person, oldest first, each with its effective events (corrections
    /// applied, retractions and the filing left out). The caller decides which the reader sees.
    pub async fn person_files(&self, person: i64) -> Result<Vec<PersonFile>> {
        let mut out = vec![];
        for pc in self.person_cases(person).await? {
            let Some((row, state)) = self.case_by_id(pc.case_id).await? else {
                continue;
            };
            let state: CaseState = serde_json::from_str(&state)
                .map_err(|e| StoreError::Corrupt(format!("case {} state: {e}", row.id)))?;
            let mut recorded = vec![];
            for e in self.events_of_case(row.id).await? {
                let occurred_at = crate::parse_ts(&e.occurred_at)?;
                let body: EventBody = serde_json::from_str(&e.body)
                    .map_err(|x| StoreError::Corrupt(format!("event {}: {x}", e.id)))?;
                recorded.push(Recorded {
                    source: e.source,
                    source_event_id: e.source_event_id,
                    occurred_at,
                    corrects: e.corrects,
                    body,
                });
            }
            let by = superseded_by(&recorded);
            let held_at_filing = recorded.iter().zip(&by).any(|(r, by)| {
                by.is_none() && matches!(&r.body, EventBody::Filed(f) if f.in_custody)
            });
            let events = recorded
                .into_iter()
                .zip(by)
                .filter(|(r, by)| {
                    by.is_none()
                        && !matches!(r.body, EventBody::Retraction { .. } | EventBody::Filed(_))
                })
                .map(|(r, _)| (r.occurred_at, r.body))
                .collect();
            let track = Track {
                case_number: row.case_number.clone(),
                org_name: row.org_name.clone(),
                kind: CaseKind::parse(&row.kind).unwrap_or(state.kind),
                procedure: Procedure::parse(&row.procedure).unwrap_or(state.procedure),
                type_code: row.type_code.clone(),
                filed_at: state.filed_at,
                closed_at: state.closed_at,
                disposition: state.disposition,
                held_at_filing: state.kind != CaseKind::Police && held_at_filing,
                events,
            };
            out.push(PersonFile {
                row,
                state,
                name: pc.name,
                role: pc.role,
                track,
            });
        }
        Ok(out)
    }

    /// The person an identity number names, if any file names them.
    pub async fn person_by_id_number(&self, id_number: &str) -> Result<Option<i64>> {
        let r = sqlx::query("SELECT id FROM persons WHERE id_number = $1")
            .bind(id_number)
            .fetch_optional(&self.pool)
            .await?;
        Ok(r.map(|r| r.try_get(0)).transpose()?)
    }

    /// The identity number of a person.
    pub async fn person_id_number(&self, person: i64) -> Result<Option<String>> {
        let r = sqlx::query("SELECT id_number FROM persons WHERE id = $1")
            .bind(person)
            .fetch_optional(&self.pool)
            .await?;
        Ok(r.map(|r| r.try_get(0)).transpose()?)
    }

    /// The files that name a person, oldest first.
    pub async fn person_cases(&self, person: i64) -> Result<Vec<PersonCase>> {
        let rows = sqlx::query(
            "SELECT cp.case_id, cp.name, cp.role FROM case_persons cp JOIN cases c ON c.id = cp.case_id \
             WHERE cp.person_id = $1 ORDER BY c.filed_at, c.id",
        )
        .bind(person)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(PersonCase::from_row).collect()
    }

    /// The persons a file names: (person id, name, role).
    pub async fn persons_of_case(&self, case_id: i64) -> Result<Vec<(i64, String, String)>> {
        let rows = sqlx::query(
            "SELECT person_id, name, role FROM case_persons WHERE case_id = $1 ORDER BY person_id",
        )
        .bind(case_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    r.try_get("person_id")?,
                    r.try_get("name")?,
                    r.try_get("role")?,
                ))
            })
            .collect()
    }
}
