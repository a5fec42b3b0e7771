//! Prior judgments for similar-case retrieval: stored with their sections and what was read from
//! them (migration 0006).

use crate::db::{Val, bulk_write};
use crate::{Result, Store, StoreError, ts};
use chrono::{DateTime, NaiveDate, Utc};
use sqlx::Row;
use tianping_domain::judgment::{
    self, ArticleRef, Sentence, case_number_in, cited_articles, court_of, decided_on, sections,
};

/// The source of the typical cases the court and the procuratorate released
/// (`crate::typical`), ranked a tier above ordinary judgments.
pub const TYPICAL_SOURCE: &str = "typical";

/// A judgment to import. Sections and charges may come with it (LeCaRD has them); whatever is
/// missing is read from the text.
#[derive(Debug, Clone, Default)]
pub struct NewJudgment {
    pub source_id: String,
    pub title: String,
    pub text: String,
    pub fact: Option<String>,
    pub reasoning: Option<String>,
    pub judgment: Option<String>,
    pub charges: Vec<String>,
}

/// A stored judgment.
#[derive(Debug, Clone, PartialEq)]
pub struct Judgment {
    pub id: i64,
    pub source: String,
    pub source_id: String,
    pub title: String,
    pub court: Option<String>,
    pub case_number: Option<String>,
    pub decided_on: Option<NaiveDate>,
    pub text: String,
    pub fact: String,
    pub reasoning: String,
    pub judgment: String,
    pub charges: Vec<String>,
    pub articles: Vec<ArticleRef>,
    pub sentences: Vec<Sentence>,
}

/// What an import did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct JudgmentImport {
    pub inserted: u64,
    pub duplicates: u64,
}

const COLUMNS: [(&str, &str); 14] = [
    ("source", "TEXT"),
    ("source_id", "TEXT"),
    ("title", "TEXT"),
    ("court", "TEXT"),
    ("case_number", "TEXT"),
    ("decided_on", "TEXT"),
    ("text", "TEXT"),
    ("fact", "TEXT"),
    ("reasoning", "TEXT"),
    ("judgment", "TEXT"),
    ("charges", "TEXT"),
    ("articles", "TEXT"),
    ("sentences", "TEXT"),
    ("imported_at", "TEXT"),
];

fn json<T: serde::Serialize>(v: &T) -> Result<String> {
    serde_json::to_string(v).map_err(|e| StoreError::Invalid(e.to_string()))
}

/// The row of a new judgment: sections, charges, statutes, sentences, court, 案号 and date read
/// from the text where the import did not bring them.
fn row(source: &str, j: &NewJudgment, now: DateTime<Utc>) -> Result<Vec<Val>> {
    let s = sections(&j.text);
    let pick = |given: &Option<String>, read: &str| {
        given
            .as_deref()
            .filter(|x| !x.trim().is_empty())
            .unwrap_or(read)
            .to_string()
    };
    let fact = pick(&j.fact, s.fact);
    let reasoning = pick(&j.reasoning, s.reasoning);
    let operative = pick(&j.judgment, s.judgment);
    let mut charges = j.charges.clone();
    for c in judgment::charges(&operative) {
        if !charges.contains(&c) {
            charges.push(c);
        }
    }
    let mut articles = cited_articles(&reasoning);
    for a in cited_articles(&operative) {
        if !articles.contains(&a) {
            articles.push(a);
        }
    }
    let date = decided_on(&j.text).and_then(|(y, m, d)| NaiveDate::from_ymd_opt(y, m, d));
    Ok(vec![
        Val::S(source.to_string()),
        Val::S(j.source_id.clone()),
        Val::S(j.title.clone()),
        Val::OS(court_of(&j.text)),
        Val::OS(case_number_in(&j.text)),
        Val::OS(date.map(|d| d.to_string())),
        Val::S(j.text.clone()),
        Val::S(fact),
        Val::S(reasoning),
        Val::S(operative.clone()),
        Val::S(json(&charges)?),
        Val::S(json(&articles)?),
        Val::S(json(&judgment::sentences(&operative))?),
        Val::S(ts(now)),
    ])
}

fn from_row(r: &sqlx::any::AnyRow) -> Result<Judgment> {
    let parse = |col: &str| -> Result<String> { Ok(r.try_get::<String, _>(col)?) };
    let bad =
        |what: &str, e: serde_json::Error| StoreError::Corrupt(format!("judgment {what}: {e}"));
    Ok(Judgment {
        id: r.try_get("id")?,
        source: parse("source")?,
        source_id: parse("source_id")?,
        title: parse("title")?,
        court: r.try_get("court")?,
        case_number: r.try_get("case_number")?,
        decided_on: r
            .try_get::<Option<String>, _>("decided_on")?
            .and_then(|d| NaiveDate::parse_from_str(&d, "%Y-%m-%d").ok()),
        text: parse("text")?,
        fact: parse("fact")?,
        reasoning: parse("reasoning")?,
        judgment: parse("judgment")?,
        charges: serde_json::from_str(&parse("charges")?).map_err(|e| bad("charges", e))?,
        articles: serde_json::from_str(&parse("articles")?).map_err(|e| bad("articles", e))?,
        sentences: serde_json::from_str(&parse("sentences")?).map_err(|e| bad("sentences", e))?,
    })
}

impl Store {
    /// Stores judgments from `source`; one already stored (same source and id) is left as it is.
    pub async fn import_judgments(
        &self,
        source: &str,
        batch: &[NewJudgment],
        now: DateTime<Utc>,
    ) -> Result<JudgmentImport> {
        if batch.is_empty() {
            return Ok(JudgmentImport::default());
        }
        let rows = batch
            .iter()
            .map(|j| row(source, j, now))
            .collect::<Result<Vec<_>>>()?;
        let mut tx = self.write(now).await?;
        let inserted = bulk_write(
            &mut tx,
            self.backend,
            "judgments",
            &COLUMNS,
            rows,
            " ON CONFLICT (source, source_id) DO NOTHING",
            "id",
        )
        .await?
        .len() as u64;
        tx.commit().await?;
        Ok(JudgmentImport {
            inserted,
            duplicates: batch.len() as u64 - inserted,
        })
    }

    /// Adds one judgment inside a write already open (a released typical case); its id.
    pub(crate) async fn insert_judgment_in(
        &self,
        conn: &mut sqlx::AnyConnection,
        source: &str,
        j: &NewJudgment,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        let rows = bulk_write(
            conn,
            self.backend,
            "judgments",
            &COLUMNS,
            vec![row(source, j, now)?],
            "",
            "id",
        )
        .await?;
        match rows.first() {
            Some(r) => Ok(r.try_get(0)?),
            None => Err(StoreError::Corrupt("judgment insert returned no id".into())),
        }
    }

    pub async fn judgment(&self, id: i64) -> Result<Option<Judgment>> {
        let r = sqlx::query("SELECT * FROM judgments WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        r.as_ref().map(from_row).transpose()
    }

    pub async fn judgment_by_source(
        &self,
        source: &str,
        source_id: &str,
    ) -> Result<Option<Judgment>> {
        let r = sqlx::query("SELECT * FROM judgments WHERE source = $1 AND source_id = $2")
            .bind(source)
            .bind(source_id)
            .fetch_optional(&self.pool)
            .await?;
        r.as_ref().map(from_row).transpose()
    }

    /// Judgments with an id above `after`, oldest first, at most `limit` (what an index that holds
    /// everything up to `after` has yet to take in).
    pub async fn judgments_after(&self, after: i64, limit: i64) -> Result<Vec<Judgment>> {
        let rows = sqlx::query("SELECT * FROM judgments WHERE id > $1 ORDER BY id LIMIT $2")
            .bind(after)
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(from_row).collect()
    }

    /// The newest judgment id (0: none).
    pub async fn max_judgment_id(&self) -> Result<i64> {
        Ok(
            sqlx::query_scalar::<_, Option<i64>>("SELECT MAX(id) FROM judgments")
                .fetch_one(&self.pool)
                .await?
                .unwrap_or(0),
        )
    }

    /// Several judgments by id (those that exist), in no particular order.
    pub async fn judgments_by_ids(&self, ids: &[i64]) -> Result<Vec<Judgment>> {
        self.judgments_selecting("*", ids).await
    }

    /// Several judgments by id as a result list shows them: everything but the full text and the
    /// facts, left empty (each several kilobytes; a case page lists the closest rulings on every
    /// view, and reading them whole was a tenth of the database's time under load).
    pub async fn judgments_for_listing(&self, ids: &[i64]) -> Result<Vec<Judgment>> {
        self.judgments_selecting(
            "id, source, source_id, title, court, case_number, decided_on, '' AS text, \
             '' AS fact, reasoning, judgment, charges, articles, sentences, imported_at",
            ids,
        )
        .await
    }

    /// Judgments by id, reading `columns` (every column `from_row` reads), 200 ids a query.
    async fn judgments_selecting(&self, columns: &str, ids: &[i64]) -> Result<Vec<Judgment>> {
        let mut out = vec![];
        for chunk in ids.chunks(200) {
            let marks: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
            let sql = format!(
                "SELECT {columns} FROM judgments WHERE id IN ({})",
                marks.join(", ")
            );
            let mut q = sqlx::query(crate::audited(sql));
            for id in chunk {
                q = q.bind(*id);
            }
            for r in q.fetch_all(&self.pool).await? {
                out.push(from_row(&r)?);
            }
        }
        Ok(out)
    }

    /// Where judgments come from — (id, source, court) — without their texts: enough to pick
    /// the few a check reads whole (the court's own rulings among a pool of a hundred).
    pub async fn judgment_courts(&self, ids: &[i64]) -> Result<Vec<(i64, String, Option<String>)>> {
        let mut out = vec![];
        for chunk in ids.chunks(200) {
            let marks: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
            let sql = format!(
                "SELECT id, source, court FROM judgments WHERE id IN ({})",
                marks.join(", ")
            );
            let mut q = sqlx::query(crate::audited(sql));
            for id in chunk {
                q = q.bind(*id);
            }
            for r in q.fetch_all(&self.pool).await? {
                out.push((r.try_get("id")?, r.try_get("source")?, r.try_get("court")?));
            }
        }
        Ok(out)
    }

    pub async fn judgment_count(&self) -> Result<i64> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM judgments")
            .fetch_one(&self.pool)
            .await?)
    }

    /// A page of judgments, newest decision first, optionally only those convicting of `charge`.
    pub async fn judgments_page(
        &self,
        charge: Option<&str>,
        page: u32,
        per_page: u32,
    ) -> Result<(Vec<JudgmentRow>, i64)> {
        // Charges are stored as a JSON array of strings: match the quoted name.
        let pattern = charge.map(|c| format!("%{}%", json(&c.to_string()).unwrap_or_default()));
        let filter = if pattern.is_some() {
            " WHERE charges LIKE $1"
        } else {
            ""
        };
        let count_sql = format!("SELECT COUNT(*) FROM judgments{filter}");
        let mut count = sqlx::query_scalar::<_, i64>(crate::audited(count_sql));
        if let Some(p) = &pattern {
            count = count.bind(p.clone());
        }
        let total = count.fetch_one(&self.pool).await?;
        let n = if pattern.is_some() { 2 } else { 1 };
        let sql = format!(
            "SELECT id, title, court, case_number, decided_on, charges, source FROM judgments{filter} \
             ORDER BY decided_on DESC, id LIMIT ${n} OFFSET ${}",
            n + 1
        );
        let mut q = sqlx::query(crate::audited(sql));
        if let Some(p) = &pattern {
            q = q.bind(p.clone());
        }
        let rows = q
            .bind(i64::from(per_page))
            .bind(i64::from(page.saturating_sub(1)) * i64::from(per_page))
            .fetch_all(&self.pool)
            .await?;
        let mut out = vec![];
        for r in rows {
            let charges: String = r.try_get(5)?;
            out.push(JudgmentRow {
                id: r.try_get(0)?,
                title: r.try_get(1)?,
                court: r.try_get(2)?,
                case_number: r.try_get(3)?,
                decided_on: r.try_get(4)?,
                charges: serde_json::from_str(&charges)
                    .map_err(|e| StoreError::Corrupt(format!("judgment charges: {e}")))?,
                typical: r.try_get::<String, _>("source")? == TYPICAL_SOURCE,
            });
        }
        Ok((out, total))
    }
}

/// A judgment in a list.
#[derive(Debug, Clone, PartialEq)]
pub struct JudgmentRow {
    pub id: i64,
    pub title: String,
    pub court: Option<String>,
    pub case_number: Option<String>,
    pub decided_on: Option<String>,
    pub charges: Vec<String>,
    /// A typical case the court and the procuratorate released (source `typical`).
    pub typical: bool,
}
