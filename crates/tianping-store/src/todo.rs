//! The records behind a person's 待办: each query finds the candidates of one kind of task within
//! one organisation (or told to one person); which of them are a given person's tasks is decided by
//! the domain (`tianping_domain::todo`) and the access rules, in the server.

use crate::case::prefix_end;
use crate::db::{FromRow, row_struct};
use crate::supervision::items::{ITEM_SELECT, ItemRow};
use crate::{Result, Store, audited};
use serde::Serialize;
use sqlx::Row;
use tianping_domain::AgencyKind;

row_struct! {
/// A clock warning a person was told of, still unsigned, whose clock still warns.
#[derive(Debug, Clone, Serialize)]
pub struct ToldWarning {
    /// The clock's latest warning (the one the board signs).
    pub warning_id: i64,
    pub case_id: i64,
    pub case_number: String,
    pub agency_kind: String,
    pub clock_key: String,
    /// The clock's current category.
    pub category: String,
    /// When the clock's limit ends (UTC, stored form).
    pub deadline: Option<String>,
    pub level: i64,
}
}

row_struct! {
/// A 院庭长 supervision act still without the panel's answer.
#[derive(Debug, Clone, Serialize)]
pub struct OpenAct {
    pub act_id: i64,
    pub case_id: i64,
    pub case_number: String,
    pub judge: Option<String>,
    pub act: String,
    pub actor_id: i64,
    pub at: String,
}
}

/// An open case of the organisation with an active 四类案件 flag and no 类案检索 report.
#[derive(Debug, Clone, Serialize)]
pub struct FlaggedWithoutReport {
    pub case_id: i64,
    pub case_number: String,
    pub judge: Option<String>,
    /// The case's active situations.
    pub situations: Vec<String>,
}

/// A told clock (`c`, joined with `told_open`) by its latest warning (a clock has one warning per
/// threshold; the board and signing act on the latest), unsigned and still warning. The checks
/// repeat what pruning `told_open` keeps true, so that a row pruned late is never shown.
const TOLD_CHECKS: &str = "JOIN warnings lw ON lw.id = (SELECT MAX(w2.id) FROM warnings w2 WHERE w2.case_id = c.case_id AND w2.clock_key = c.clock_key) \
     WHERE c.category IS NOT NULL AND lw.acknowledged_at IS NULL";

/// The page's told clocks (`page`, first by deadline) with their cases: the case rows are read
/// for the page only, not for every told clock before the sort (a court's chief is told of
/// thousands).
const TOLD_PAGE: &str = "SELECT p.warning_id AS warning_id, p.case_id AS case_id, k.case_number AS case_number, \
     k.agency_kind AS agency_kind, p.clock_key AS clock_key, p.category AS category, p.deadline AS deadline, p.level AS level, p.total AS total \
     FROM page p JOIN cases k ON k.id = p.case_id ORDER BY p.deadline, p.case_id";

/// Above this many told clocks a person's first page is found by walking their told clocks in
/// deadline order (`told_open_deadline`) rather than by sorting all of them with their checks.
const WALK_ABOVE: i64 = 100;

impl Store {
    /// The warnings `user_id` was told of (by the escalation ladder) that nobody has signed and
    /// whose clock still warns: the first `limit` by deadline, and how many there are.
    pub async fn told_warnings(
        &self,
        user_id: i64,
        limit: i64,
    ) -> Result<(Vec<ToldWarning>, usize)> {
        self.told_warnings_by(user_id, limit, WALK_ABOVE).await
    }

    /// [`Store::told_warnings`] choosing the walk in deadline order above `walk_above` told
    /// clocks: public so that tests can compare both ways on a small database.
    #[doc(hidden)]
    pub async fn told_warnings_by(
        &self,
        user_id: i64,
        limit: i64,
        walk_above: i64,
    ) -> Result<(Vec<ToldWarning>, usize)> {
        let told: i64 = sqlx::query("SELECT COUNT(*) FROM told_open WHERE user_id = $1")
            .bind(user_id)
            .fetch_one(&self.pool)
            .await?
            .try_get(0)?;
        if told == 0 {
            return Ok((vec![], 0));
        }
        if told > walk_above {
            // Someone told of many (a court's chief and office, the 政法委 at the top of a
            // city's ladder): walk their own told clocks in deadline order (`told_open_deadline`)
            // and stop when the page is full, checking each against its clock and latest warning
            // on the way. The count is `told_open`'s own (rows leave it as warnings are signed
            // and clocks stop warning).
            let rows = sqlx::query(audited(format!(
                "WITH page AS MATERIALIZED (SELECT lw.id AS warning_id, c.case_id AS case_id, c.clock_key AS clock_key, \
                 c.category AS category, c.deadline AS deadline, lw.level AS level, 0 AS total \
                 FROM told_open t JOIN clocks c ON c.case_id = t.case_id AND c.clock_key = t.clock_key \
                 {TOLD_CHECKS} AND t.user_id = $1 ORDER BY t.deadline, t.case_id, t.clock_key LIMIT $2) {TOLD_PAGE}"
            )))
            .bind(user_id)
            .bind(limit.max(1))
            .fetch_all(&self.pool)
            .await?;
            let list = rows
                .iter()
                .map(ToldWarning::from_row)
                .collect::<Result<Vec<_>>>()?;
            return Ok((list, usize::try_from(told).unwrap_or(0)));
        }
        // One pass: the count of all of them beside the first `limit` (the window is counted
        // before the limit applies).
        let rows = sqlx::query(audited(format!(
            "WITH page AS MATERIALIZED (SELECT lw.id AS warning_id, c.case_id AS case_id, c.clock_key AS clock_key, \
             c.category AS category, c.deadline AS deadline, lw.level AS level, COUNT(*) OVER () AS total \
             FROM told_open t JOIN clocks c ON c.case_id = t.case_id AND c.clock_key = t.clock_key \
             {TOLD_CHECKS} AND t.user_id = $1 ORDER BY c.deadline, c.case_id LIMIT $2) {TOLD_PAGE}"
        )))
        .bind(user_id)
        .bind(limit.max(1))
        .fetch_all(&self.pool)
        .await?;
        let count: i64 = match rows.first() {
            Some(r) => r.try_get("total")?,
            None => 0,
        };
        let list = rows
            .iter()
            .map(ToldWarning::from_row)
            .collect::<Result<Vec<_>>>()?;
        Ok((list, usize::try_from(count).unwrap_or(0)))
    }

    /// Permitted supervision acts on the organisation's cases that await an answer, oldest first.
    pub async fn open_acts(&self, org_id: &str) -> Result<Vec<OpenAct>> {
        sqlx::query(
            "SELECT a.id AS act_id, a.case_id AS case_id, k.case_number AS case_number, k.judge AS judge, a.act AS act, \
             a.actor_id AS actor_id, a.at AS at FROM supervision_acts a \
             JOIN cases k ON k.id = a.case_id WHERE k.org_id = $1 AND a.permitted = 1 AND a.answer IS NULL ORDER BY a.id",
        )
        .bind(org_id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(OpenAct::from_row)
        .collect()
    }

    /// One judge's open cases of the organisation with an active 四类案件 flag and no 类案检索
    /// report yet (`judge` as the case records the name). Read from the judge's open cases
    /// (`cases_handler`), not from the province's flags.
    pub async fn flagged_without_report(
        &self,
        org_id: &str,
        judge: &str,
    ) -> Result<Vec<FlaggedWithoutReport>> {
        let rows = sqlx::query(
            "SELECT f.case_id AS case_id, k.case_number AS case_number, k.judge AS judge, f.situation AS situation FROM cases k JOIN case_flags f ON f.case_id = k.id \
             WHERE k.org_id = $1 AND k.judge = $2 AND k.closed_at IS NULL AND f.cleared_at IS NULL \
             AND NOT EXISTS (SELECT 1 FROM retrieval_reports r WHERE r.case_id = f.case_id) \
             ORDER BY f.case_id, f.situation",
        )
        .bind(org_id)
        .bind(judge)
        .fetch_all(&self.pool)
        .await?;
        let mut out: Vec<FlaggedWithoutReport> = vec![];
        for r in rows {
            let case_id: i64 = r.try_get("case_id")?;
            let situation: String = r.try_get("situation")?;
            match out.last_mut() {
                Some(last) if last.case_id == case_id => last.situations.push(situation),
                _ => out.push(FlaggedWithoutReport {
                    case_id,
                    case_number: r.try_get("case_number")?,
                    judge: r.try_get("judge")?,
                    situations: vec![situation],
                }),
            }
        }
        Ok(out)
    }

    /// Supervision items the organisation opened or is responsible for that still wait for an
    /// act: not closed, or closed with the 回访 still to do. With the judge of each item's case.
    pub async fn org_items(&self, org_id: &str) -> Result<Vec<(ItemRow, Option<String>)>> {
        let rows = sqlx::query(audited(format!(
            "{ITEM_SELECT} WHERE (i.org_id = $1 OR i.responsible_org_id = $1) \
             AND (i.state <> 'closed' OR (i.revisit_due_at IS NOT NULL AND i.revisited_at IS NULL)) ORDER BY i.id"
        )))
        .bind(org_id)
        .fetch_all(&self.pool)
        .await?;
        let items = rows
            .iter()
            .map(ItemRow::from_row)
            .collect::<Result<Vec<ItemRow>>>()?;
        // The judges of the items' cases, a few hundred ids a statement (a city's 人大 follows
        // hundreds of items: one query each was a hundred thousand statements in `bench http`).
        let mut ids: Vec<i64> = items.iter().filter_map(|i| i.case_id).collect();
        ids.sort_unstable();
        ids.dedup();
        let mut judges: std::collections::HashMap<i64, Option<String>> = Default::default();
        for chunk in ids.chunks(500) {
            let list = crate::db::id_list(chunk);
            for r in sqlx::query(audited(format!(
                "SELECT id, judge FROM cases WHERE id IN ({list})"
            )))
            .fetch_all(&self.pool)
            .await?
            {
                judges.insert(r.try_get("id")?, r.try_get("judge")?);
            }
        }
        Ok(items
            .into_iter()
            .map(|i| {
                let judge = i.case_id.and_then(|id| judges.get(&id).cloned().flatten());
                (i, judge)
            })
            .collect())
    }

    /// How many moved due dates of one agency kind's cases under a region prefix are unconfirmed.
    pub async fn unconfirmed_clock_changes(
        &self,
        region_prefix: &str,
        agency_kind: AgencyKind,
    ) -> Result<usize> {
        let n: i64 = sqlx::query(
            "SELECT COUNT(*) FROM clock_changes g JOIN cases k ON k.id = g.case_id \
             WHERE g.acknowledged_at IS NULL AND g.region_path >= $1 AND g.region_path < $2 AND k.agency_kind = $3",
        )
        .bind(region_prefix)
        .bind(prefix_end(region_prefix))
        .bind(agency_kind.as_str())
        .fetch_one(&self.pool)
        .await?
        .try_get(0)?;
        Ok(usize::try_from(n).unwrap_or(0))
    }
}
