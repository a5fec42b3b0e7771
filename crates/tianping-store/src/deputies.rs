//! Deputies at work (migration 0031, ledgered): the registry, the 终本 cases courts give deputies
//! to help with, the deputies' actions, the courts' results and the 终本库出清 campaigns. No row is
//! ever updated: an assignment is open until its result exists. The domain
//! (`tianping_domain::deputies`) checks each input and says who may act; this module loads and
//! writes, each write one transaction with its ledger leaf — a result that clears the case in
//! the same transaction as the case event it writes (`Store::ingest_then`).

use crate::db::{FromRow, row_struct};
use crate::ingest::{Actor, IngestReport, Numbered};
use crate::{Result, Store, StoreError, ts};
use chrono::{DateTime, FixedOffset, NaiveDate, TimeZone, Utc};
use serde::Serialize;
use sqlx::Row;
use tianping_domain::deputies::{Action, Level, Outcome};
use tianping_domain::event::{EventBody, EventRecord};
use tianping_domain::supervision::Refusal;
use tianping_ledger::Command;

fn refusal(code: &'static str, zh: impl Into<String>) -> StoreError {
    StoreError::Refused(Refusal {
        code,
        zh: zh.into(),
    })
}

/// The source the case events of deputies' results are recorded under.
pub const EVENT_SOURCE: &str = "tianping-deputies";

row_struct! {
/// A deputy of the registry, with their open and finished cases.
#[derive(Debug, Clone, Serialize)]
pub struct DeputyRow {
    pub id: i64,
    pub congress_org_id: String,
    pub congress_name: String,
    pub region_path: String,
    pub name: String,
    pub level: String,
    pub constituency: String,
    pub township: String,
    pub liaison_station: String,
    pub user_id: Option<i64>,
    pub username: Option<String>,
    pub open_cases: i64,
    pub cleared_cases: i64,
}
}

impl DeputyRow {
    pub fn level_zh(&self) -> &'static str {
        Level::parse(&self.level).map_or("人大代表", Level::zh)
    }
}

const DEPUTY_SELECT: &str = "SELECT d.id, d.congress_org_id, o.name AS congress_name, d.region_path, d.name, d.level, \
     d.constituency, d.township, d.liaison_station, d.user_id, u.username, \
     (SELECT COUNT(*) FROM deputy_assignments a WHERE a.deputy_id = d.id \
        AND NOT EXISTS (SELECT 1 FROM deputy_results r WHERE r.assignment_id = a.id)) AS open_cases, \
     (SELECT COUNT(*) FROM deputy_assignments a JOIN deputy_results r ON r.assignment_id = a.id \
        WHERE a.deputy_id = d.id AND r.outcome <> 'unresolved') AS cleared_cases \
     FROM deputies d JOIN orgs o ON o.id = d.congress_org_id LEFT JOIN users u ON u.id = d.user_id";

row_struct! {
/// A case given to a deputy, with its case, court, deputy, actions so far and result.
#[derive(Debug, Clone, Serialize)]
pub struct AssignmentRow {
    pub id: i64,
    pub case_id: i64,
    pub case_number: String,
    pub confidentiality: String,
    pub case_judge: Option<String>,
    pub cause: String,
    pub court_id: String,
    pub court_name: String,
    pub region_path: String,
    pub deputy_id: i64,
    pub deputy_name: String,
    pub deputy_user_id: Option<i64>,
    pub debtor: String,
    pub township: String,
    pub note: String,
    pub assigned_on: String,
    pub assigned_by_name: String,
    /// Actions logged, read in the same statement as the result (an action's position).
    pub actions: i64,
    pub last_action_on: Option<String>,
    pub outcome: Option<String>,
    pub result_on: Option<String>,
    pub result_note: Option<String>,
    pub result_by_name: Option<String>,
}
}

impl AssignmentRow {
    pub fn outcome(&self) -> Option<Outcome> {
        self.outcome.as_deref().and_then(Outcome::parse)
    }
    pub fn is_open(&self) -> bool {
        self.outcome.is_none()
    }
    pub fn assigned_day(&self) -> Option<NaiveDate> {
        self.assigned_on.parse().ok()
    }
    /// The day a result may not precede: the last action's, or the assignment's.
    pub fn last_day(&self) -> Option<NaiveDate> {
        self.last_action_on
            .as_deref()
            .unwrap_or(&self.assigned_on)
            .parse()
            .ok()
    }
}

const ASSIGNMENT_SELECT: &str = "SELECT a.id, a.case_id, c.case_number, c.confidentiality, c.judge AS case_judge, c.cause, \
     a.court_id, o.name AS court_name, a.region_path, a.deputy_id, d.name AS deputy_name, d.user_id AS deputy_user_id, \
     a.debtor, a.township, a.note, a.assigned_on, u.display_name AS assigned_by_name, \
     (SELECT COUNT(*) FROM deputy_actions x WHERE x.assignment_id = a.id) AS actions, \
     (SELECT MAX(x.on_day) FROM deputy_actions x WHERE x.assignment_id = a.id) AS last_action_on, \
     r.outcome, r.on_day AS result_on, r.note AS result_note, ru.display_name AS result_by_name \
     FROM deputy_assignments a JOIN cases c ON c.id = a.case_id JOIN orgs o ON o.id = a.court_id \
     JOIN deputies d ON d.id = a.deputy_id JOIN users u ON u.id = a.assigned_by \
     LEFT JOIN deputy_results r ON r.assignment_id = a.id LEFT JOIN users ru ON ru.id = r.by_user";

row_struct! {
/// An action a deputy logged.
#[derive(Debug, Clone, Serialize)]
pub struct ActionRow {
    pub id: i64,
    pub action: String,
    pub on_day: String,
    pub outcome: String,
    pub by_name: String,
    pub recorded_at: String,
}
}

impl ActionRow {
    pub fn action_zh(&self) -> &'static str {
        Action::parse(&self.action).map_or("协助", Action::zh)
    }
}

row_struct! {
/// A 终本库出清 campaign.
#[derive(Debug, Clone, Serialize)]
pub struct CampaignRow {
    pub id: i64,
    pub org_id: String,
    pub org_name: String,
    pub region_path: String,
    pub title: String,
    pub target: i64,
    pub from_day: String,
    pub to_day: String,
    pub created_by_name: String,
}
}

impl CampaignRow {
    pub fn from(&self) -> Option<NaiveDate> {
        self.from_day.parse().ok()
    }
    pub fn to(&self) -> Option<NaiveDate> {
        self.to_day.parse().ok()
    }
}

const CAMPAIGN_SELECT: &str = "SELECT k.id, k.org_id, o.name AS org_name, k.region_path, k.title, k.target, k.from_day, k.to_day, \
     u.display_name AS created_by_name FROM zhongben_campaigns k JOIN orgs o ON o.id = k.org_id JOIN users u ON u.id = k.created_by";

row_struct! {
/// The deputies' work in one township over a period: cases given, actions, results.
#[derive(Debug, Clone, Serialize)]
pub struct TownshipRow {
    pub township: String,
    pub assigned: i64,
    pub actions: i64,
    pub cleared: i64,
    pub settled: i64,
    pub performed: i64,
    pub restored: i64,
}
}

/// A deputy as the 人大 enters them (checked by the domain first).
#[derive(Debug, Clone)]
pub struct NewDeputy<'a> {
    pub name: &'a str,
    pub level: Level,
    pub constituency: &'a str,
    pub township: &'a str,
    pub liaison_station: &'a str,
    /// The deputy's login, if they have one (a `deputy` account).
    pub user_id: Option<i64>,
}

/// A case given to a deputy (checked by the domain first).
#[derive(Debug, Clone)]
pub struct NewAssignment<'a> {
    pub case_id: i64,
    pub deputy_id: i64,
    pub debtor: &'a str,
    pub township: &'a str,
    pub note: &'a str,
    pub assigned_on: NaiveDate,
}

/// A campaign (checked by the domain first).
#[derive(Debug, Clone)]
pub struct NewCampaign<'a> {
    pub title: &'a str,
    pub target: i64,
    pub from: NaiveDate,
    pub to: NaiveDate,
}

/// When a result dated `on` happened: noon in Beijing that day, or now if that is later than now.
fn event_time(on: NaiveDate, now: DateTime<Utc>) -> DateTime<FixedOffset> {
    let Some(beijing) = FixedOffset::east_opt(8 * 3600) else {
        return now.fixed_offset();
    };
    let noon = on
        .and_hms_opt(12, 0, 0)
        .and_then(|t| beijing.from_local_datetime(&t).single());
    match noon {
        Some(t) if t.with_timezone(&Utc) <= now => t,
        _ => now.with_timezone(&beijing),
    }
}

/// A result row to write.
struct ResultValues {
    assignment_id: i64,
    case_id: i64,
    outcome: Outcome,
    on: NaiveDate,
    note: String,
    by_user: i64,
    by_org: String,
    now: DateTime<Utc>,
}

async fn insert_result(tx: &mut crate::write::Write, v: ResultValues) -> Result<i64> {
    let inserted = sqlx::query(
        "INSERT INTO deputy_results (assignment_id, case_id, outcome, on_day, note, by_user, by_org, recorded_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(v.assignment_id)
    .bind(v.case_id)
    .bind(v.outcome.as_str())
    .bind(v.on.to_string())
    .bind(v.note)
    .bind(v.by_user)
    .bind(v.by_org)
    .bind(ts(v.now))
    .fetch_one(&mut **tx)
    .await;
    let rid: i64 = match inserted {
        Ok(row) => row.try_get("id")?,
        Err(e) if crate::feedback::is_unique_violation(&e) => {
            return Err(refusal(
                "conflict",
                "本次协助的结果刚刚已登记，请刷新后查看",
            ));
        }
        Err(e) => return Err(e.into()),
    };
    tx.record(Command::DeputyResultRecorded, rid).await?;
    Ok(rid)
}

impl Store {
    /// Adds a deputy to the registry of a people's congress (`congress`, the keeper's).
    pub async fn register_deputy(
        &self,
        d: &NewDeputy<'_>,
        congress: &crate::org::Org,
        by: &crate::user::User,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        let mut tx = self.write(now).await?;
        let inserted = sqlx::query(
            "INSERT INTO deputies (congress_org_id, region_path, name, level, constituency, township, liaison_station, user_id, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
        )
        .bind(&congress.id)
        .bind(&congress.region_path)
        .bind(d.name.trim())
        .bind(d.level.as_str())
        .bind(d.constituency.trim())
        .bind(d.township.trim())
        .bind(d.liaison_station.trim())
        .bind(d.user_id)
        .bind(by.id)
        .bind(ts(now))
        .fetch_one(&mut *tx)
        .await;
        let id: i64 = match inserted {
            Ok(row) => row.try_get("id")?,
            Err(e) if crate::feedback::is_unique_violation(&e) => {
                return Err(refusal("login_taken", "该登录账号已登记为另一位代表"));
            }
            Err(e) => return Err(e.into()),
        };
        tx.record(Command::DeputyRegistered, id).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// The deputies a reader under `region_prefix` works with: those of the people's congresses
    /// of their region and below, and of the regions above it (a district court works with the
    /// city's deputies); by constituency, township and name.
    pub async fn deputies(&self, region_prefix: &str) -> Result<Vec<DeputyRow>> {
        let rows = sqlx::query(crate::audited(format!(
            "{DEPUTY_SELECT} WHERE (d.region_path >= $1 AND d.region_path < $2) OR $3 LIKE d.region_path || '%' \
             ORDER BY d.constituency, d.township, d.name, d.id"
        )))
        .bind(region_prefix)
        .bind(crate::case::prefix_end(region_prefix))
        .bind(region_prefix)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(DeputyRow::from_row).collect()
    }

    pub async fn deputy(&self, id: i64) -> Result<Option<DeputyRow>> {
        let r = sqlx::query(crate::audited(format!("{DEPUTY_SELECT} WHERE d.id = $1")))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        r.as_ref().map(DeputyRow::from_row).transpose()
    }

    /// The deputy a login is (a person acts only as themselves).
    pub async fn deputy_of_user(&self, user_id: i64) -> Result<Option<DeputyRow>> {
        let r = sqlx::query(crate::audited(format!(
            "{DEPUTY_SELECT} WHERE d.user_id = $1"
        )))
        .bind(user_id)
        .fetch_optional(&self.pool)
        .await?;
        r.as_ref().map(DeputyRow::from_row).transpose()
    }

    /// Gives a case to a deputy. One deputy at a time: the assignment takes the case's next round
    /// only while every earlier one has a result (read in the same statement), and the unique
    /// round lets one of two racing writers through.
    pub async fn assign_deputy(
        &self,
        a: &NewAssignment<'_>,
        by: &crate::user::User,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        let mut tx = self.write(now).await?;
        let inserted = sqlx::query(
            "INSERT INTO deputy_assignments (case_id, round, court_id, region_path, deputy_id, debtor, township, note, assigned_on, assigned_by, assigned_at) \
             SELECT c.id, (SELECT COUNT(*) FROM deputy_assignments p WHERE p.case_id = c.id), c.org_id, c.region_path, $2, $3, $4, $5, $6, $7, $8 \
             FROM cases c WHERE c.id = $1 AND NOT EXISTS (SELECT 1 FROM deputy_assignments p WHERE p.case_id = c.id \
               AND NOT EXISTS (SELECT 1 FROM deputy_results r WHERE r.assignment_id = p.id)) \
             RETURNING id",
        )
        .bind(a.case_id)
        .bind(a.deputy_id)
        .bind(a.debtor.trim())
        .bind(a.township.trim())
        .bind(a.note.trim())
        .bind(a.assigned_on.to_string())
        .bind(by.id)
        .bind(ts(now))
        .fetch_optional(&mut *tx)
        .await;
        let id: i64 = match inserted {
            Ok(Some(row)) => row.try_get("id")?,
            Ok(None) => {
                return Err(refusal(
                    "already_assigned",
                    "本案已有人大代表正在协助，请先登记上一次协助的结果",
                ));
            }
            Err(e) if crate::feedback::is_unique_violation(&e) => {
                return Err(refusal(
                    "conflict",
                    "本案刚刚交由另一位代表协助，请刷新后查看",
                ));
            }
            Err(e) => return Err(e.into()),
        };
        tx.record(Command::DeputyAssigned, id).await?;
        tx.commit().await?;
        Ok(id)
    }

    pub async fn deputy_assignment(&self, id: i64) -> Result<Option<AssignmentRow>> {
        let r = sqlx::query(crate::audited(format!(
            "{ASSIGNMENT_SELECT} WHERE a.id = $1"
        )))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        r.as_ref().map(AssignmentRow::from_row).transpose()
    }

    /// The assignments of cases under a region prefix, or (`deputy`) of one deputy; open ones
    /// first, then newest first.
    pub async fn deputy_assignments(
        &self,
        region_prefix: &str,
        deputy: Option<i64>,
        limit: i64,
    ) -> Result<Vec<AssignmentRow>> {
        let limit = limit.clamp(1, 5000);
        let order =
            "ORDER BY CASE WHEN r.outcome IS NULL THEN 0 ELSE 1 END, a.assigned_on DESC, a.id DESC";
        let q = match deputy {
            Some(d) => sqlx::query(crate::audited(format!(
                "{ASSIGNMENT_SELECT} WHERE a.deputy_id = $1 {order} LIMIT {limit}"
            )))
            .bind(d),
            None => sqlx::query(crate::audited(format!(
                "{ASSIGNMENT_SELECT} WHERE a.region_path >= $1 AND a.region_path < $2 {order} LIMIT {limit}"
            )))
            .bind(region_prefix.to_string())
            .bind(crate::case::prefix_end(region_prefix)),
        };
        let rows = q.fetch_all(&self.pool).await?;
        rows.iter().map(AssignmentRow::from_row).collect()
    }

    /// The assignments of one case, newest first (the case page).
    pub async fn deputy_assignments_of_case(&self, case_id: i64) -> Result<Vec<AssignmentRow>> {
        let rows = sqlx::query(crate::audited(format!(
            "{ASSIGNMENT_SELECT} WHERE a.case_id = $1 ORDER BY a.id DESC"
        )))
        .bind(case_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(AssignmentRow::from_row).collect()
    }

    /// Logs a deputy's action on an open assignment, at the next position (read in the same
    /// statement as whether a result exists; the unique position lets one of two racing writes
    /// through).
    pub async fn log_deputy_action(
        &self,
        assignment_id: i64,
        action: Action,
        on: NaiveDate,
        outcome: &str,
        by: &crate::user::User,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        let mut tx = self.write(now).await?;
        let inserted = sqlx::query(
            "INSERT INTO deputy_actions (assignment_id, case_id, seq, action, on_day, outcome, by_user, recorded_at) \
             SELECT a.id, a.case_id, (SELECT COUNT(*) FROM deputy_actions x WHERE x.assignment_id = a.id), $2, $3, $4, $5, $6 \
             FROM deputy_assignments a WHERE a.id = $1 \
               AND NOT EXISTS (SELECT 1 FROM deputy_results r WHERE r.assignment_id = a.id) \
             RETURNING id",
        )
        .bind(assignment_id)
        .bind(action.as_str())
        .bind(on.to_string())
        .bind(outcome.trim())
        .bind(by.id)
        .bind(ts(now))
        .fetch_optional(&mut *tx)
        .await;
        let id: i64 = match inserted {
            Ok(Some(row)) => row.try_get("id")?,
            Ok(None) => {
                return Err(refusal(
                    "assistance_closed",
                    "法院已登记协助结果，不能再记录",
                ));
            }
            Err(e) if crate::feedback::is_unique_violation(&e) => {
                return Err(refusal("conflict", "另一条协助记录刚刚保存，请刷新后再试"));
            }
            Err(e) => return Err(e.into()),
        };
        tx.record(Command::DeputyActionLogged, id).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// The actions of an assignment, oldest first.
    pub async fn deputy_actions(&self, assignment_id: i64) -> Result<Vec<ActionRow>> {
        let rows = sqlx::query(
            "SELECT x.id, x.action, x.on_day, x.outcome, u.display_name AS by_name, x.recorded_at \
             FROM deputy_actions x JOIN users u ON u.id = x.by_user WHERE x.assignment_id = $1 ORDER BY x.seq",
        )
        .bind(assignment_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(ActionRow::from_row).collect()
    }

    /// Records the court's result. A result that clears the case writes its event on the case
    /// (`event`, from `deputies::result_event`) through ingest, and the result row in the same
    /// transaction: both or neither. The event's id is the assignment's, so a retry finds it
    /// stored and a second, different result for the same assignment is refused.
    #[allow(clippy::too_many_arguments)]
    pub async fn record_deputy_result(
        &self,
        a: &AssignmentRow,
        outcome: Outcome,
        on: NaiveDate,
        note: &str,
        event: Option<EventBody>,
        actor: &Actor,
        by: &crate::user::User,
        by_org: &str,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        let values = ResultValues {
            assignment_id: a.id,
            case_id: a.case_id,
            outcome,
            on,
            note: note.trim().to_string(),
            by_user: by.id,
            by_org: by_org.to_string(),
            now,
        };
        let Some(body) = event else {
            let mut tx = self.write(now).await?;
            let rid = insert_result(&mut tx, values).await?;
            tx.commit().await?;
            return Ok(rid);
        };
        let record = EventRecord {
            source: EVENT_SOURCE.into(),
            source_event_id: format!("deputy-assignment-{}", a.id),
            case_number: a.case_number.clone(),
            occurred_at: event_time(on, now),
            corrects: None,
            body,
        };
        let written = std::sync::Arc::new(std::sync::Mutex::new(None));
        let slot = written.clone();
        let report: IngestReport = match self
            .ingest_then(
                Numbered { line: 1, record },
                actor,
                now,
                Box::new(move |tx| {
                    Box::pin(async move {
                        let r = insert_result(tx, values).await?;
                        if let Ok(mut s) = slot.lock() {
                            *s = Some(r);
                        }
                        Ok(())
                    })
                }),
            )
            .await
        {
            Ok(r) => r,
            // Another result's event for this assignment committed first (its id is the
            // assignment's).
            Err(StoreError::Db(e)) if crate::feedback::is_unique_violation(&e) => {
                return Err(refusal(
                    "conflict",
                    "本次协助的结果刚刚已登记，请刷新后查看",
                ));
            }
            Err(e) => return Err(e),
        };
        if let Some(r) = report.rejected.first() {
            return Err(refusal(
                "event_rejected",
                format!("案件不能登记为“{}”：{}", outcome.zh(), r.reason),
            ));
        }
        let rid = written.lock().ok().and_then(|s| *s);
        rid.ok_or_else(|| StoreError::Invalid("the result was not written".into()))
    }

    /// Opens a 终本库出清 campaign for the organiser's region.
    pub async fn open_campaign(
        &self,
        c: &NewCampaign<'_>,
        org: &crate::org::Org,
        by: &crate::user::User,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        let mut tx = self.write(now).await?;
        let id: i64 = sqlx::query(
            "INSERT INTO zhongben_campaigns (org_id, region_path, title, target, from_day, to_day, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(&org.id)
        .bind(&org.region_path)
        .bind(c.title.trim())
        .bind(c.target)
        .bind(c.from.to_string())
        .bind(c.to.to_string())
        .bind(by.id)
        .bind(ts(now))
        .fetch_one(&mut *tx)
        .await?
        .try_get("id")?;
        tx.record(Command::CampaignOpened, id).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// The campaigns a reader under `region_prefix` sees: their region's and those of the
    /// regions above it (a city's campaign covers its districts), newest first.
    pub async fn campaigns(&self, region_prefix: &str) -> Result<Vec<CampaignRow>> {
        let rows = sqlx::query(crate::audited(format!(
            "{CAMPAIGN_SELECT} WHERE (k.region_path >= $1 AND k.region_path < $2) OR $3 LIKE k.region_path || '%' \
             ORDER BY k.from_day DESC, k.id DESC LIMIT 200"
        )))
        .bind(region_prefix)
        .bind(crate::case::prefix_end(region_prefix))
        .bind(region_prefix)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(CampaignRow::from_row).collect()
    }

    pub async fn campaign(&self, id: i64) -> Result<Option<CampaignRow>> {
        let r = sqlx::query(crate::audited(format!("{CAMPAIGN_SELECT} WHERE k.id = $1")))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        r.as_ref().map(CampaignRow::from_row).transpose()
    }

    /// The deputies' work by township under a region prefix: cases given in the period (or still
    /// open in it), actions in it and results in it.
    pub async fn assistance_by_township(
        &self,
        region_prefix: &str,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<TownshipRow>> {
        let rows = sqlx::query(
            "SELECT a.township, COUNT(*) AS assigned, \
               CAST(COALESCE(SUM((SELECT COUNT(*) FROM deputy_actions x WHERE x.assignment_id = a.id AND x.on_day >= $3 AND x.on_day <= $4)), 0) AS BIGINT) AS actions, \
               CAST(COALESCE(SUM(CASE WHEN r.outcome IS NOT NULL AND r.outcome <> 'unresolved' AND r.on_day >= $3 AND r.on_day <= $4 THEN 1 ELSE 0 END), 0) AS BIGINT) AS cleared, \
               CAST(COALESCE(SUM(CASE WHEN r.outcome = 'settled' AND r.on_day >= $3 AND r.on_day <= $4 THEN 1 ELSE 0 END), 0) AS BIGINT) AS settled, \
               CAST(COALESCE(SUM(CASE WHEN r.outcome = 'performed' AND r.on_day >= $3 AND r.on_day <= $4 THEN 1 ELSE 0 END), 0) AS BIGINT) AS performed, \
               CAST(COALESCE(SUM(CASE WHEN r.outcome = 'restored' AND r.on_day >= $3 AND r.on_day <= $4 THEN 1 ELSE 0 END), 0) AS BIGINT) AS restored \
             FROM deputy_assignments a LEFT JOIN deputy_results r ON r.assignment_id = a.id \
             WHERE a.region_path >= $1 AND a.region_path < $2 AND a.assigned_on <= $4 \
               AND (r.on_day IS NULL OR r.on_day >= $3) \
             GROUP BY a.township ORDER BY cleared DESC, assigned DESC, a.township",
        )
        .bind(region_prefix)
        .bind(crate::case::prefix_end(region_prefix))
        .bind(from.to_string())
        .bind(to.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(TownshipRow::from_row).collect()
    }
}
