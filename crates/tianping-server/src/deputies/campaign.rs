//! The 终本库出清 campaign (RULES.md §11.4): a target and a period for a city's or county's
//! courts, and the board a county party secretary would look at — the stock at the start, cases
//! entered and cleared and how, the deputies' share, court by court and township by township, day
//! by day against the target, each number drilling down to its cases (for readers of the quality
//! dashboard).
//!
//! The numbers are the quality metrics' own counters over the pre-aggregated running sums
//! (`Store::metric_cumulative`, `Store::metric_days`) for execution cases of the courts under the
//! campaign's region: a board costs a few indexed queries whatever the number of cases, and it
//! agrees with the dashboard by construction. The township table reads the deputies' cases.
//!
//! Pages: `/campaigns` (the region's campaigns; the organiser's form), `/campaigns/{id}` (the
//! board). The API: `GET /api/v1/campaigns/{id}`.

use super::{status_of, today};
use crate::AppState;
use crate::error::ApiError;
use crate::http::PageUser;
use crate::http::extract::{CurrentUser, csrf_refused, parse_id};
use crate::http::page::{Layout, api_error_page, redirect, render};
use askama::Template;
use axum::extract::{Path, State};
use axum::routing::get;
use axum::{Form, Json, Router};
use chrono::{Datelike, NaiveDate};
use serde::Deserialize;
use serde_json::json;
use tianping_domain::AgencyKind;
use tianping_domain::access::{reads_campaigns, runs_campaigns};
use tianping_domain::case_type::CaseKind;
use tianping_domain::deputies::{CampaignInput, check_campaign};
use tianping_domain::metrics::{Counter, MetricSet, Period, Totals};
use tianping_store::case::ScopeFilter;
use tianping_store::deputies::{CampaignRow, NewCampaign, TownshipRow};
use tianping_store::metrics::MetricScope;
use tianping_store::user::Session;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/campaigns", get(list_page).post(open_submit))
        .route("/campaigns/{id}", get(board_page))
}

pub fn api_router() -> Router<AppState> {
    Router::new().route("/campaigns/{id}", get(api_board))
}

fn may_read(s: &Session) -> Result<(), ApiError> {
    if reads_campaigns(s.user.role, s.org.kind) {
        Ok(())
    } else {
        Err(ApiError::forbidden("查看终本库出清专项行动"))
    }
}

/// The ways out of the 终本 database the board splits, in its order.
const EXITS: [Counter; 5] = [
    Counter::ZhongbenLeftPerformed,
    Counter::ZhongbenLeftSettled,
    Counter::ZhongbenLeftRestored,
    Counter::ZhongbenLeftTerminated,
    Counter::ZhongbenLeftOther,
];

/// The execution cases of the courts under a region.
fn scope_of(region: &str) -> MetricScope {
    MetricScope {
        scope: ScopeFilter {
            region_prefix: region.to_string(),
            agency_kind: Some(AgencyKind::Court),
        },
        region_prefix: Some(region.to_string()),
        kind: Some(CaseKind::Execution),
    }
}

fn pct(n: i64, d: i64) -> String {
    if d == 0 {
        "—".into()
    } else {
        format!("{:.1}%", n as f64 * 100.0 / d as f64)
    }
}

/// One court's line of the board.
pub(crate) struct CourtLine {
    name: String,
    stock_at_start: i64,
    entered: i64,
    cleared: i64,
    substantive: i64,
    assisted: i64,
    stock_now: i64,
    rate: String,
}

impl CourtLine {
    fn of(name: String, t: &Totals) -> CourtLine {
        let cleared = t.get(Counter::ZhongbenLeft);
        CourtLine {
            name,
            stock_at_start: t.get(Counter::ZhongbenStockAtStart),
            entered: t.get(Counter::ZhongbenEntered),
            cleared,
            substantive: t.get(Counter::ZhongbenLeftPerformed)
                + t.get(Counter::ZhongbenLeftSettled),
            assisted: t.get(Counter::ZhongbenLeftAssisted),
            stock_now: t.get(Counter::ZhongbenStockAtEnd),
            rate: pct(
                cleared,
                t.get(Counter::ZhongbenStockAtStart) + t.get(Counter::ZhongbenEntered),
            ),
        }
    }
}

/// One point of the chart: a day and the cases cleared from the start up to it.
pub(crate) struct Point {
    day: NaiveDate,
    cleared: i64,
}

/// A campaign's board.
pub struct Board {
    c: CampaignRow,
    /// The last day counted: today, or the campaign's end once it is over.
    as_of: NaiveDate,
    started: bool,
    totals: Totals,
    courts: Vec<CourtLine>,
    townships: Vec<TownshipRow>,
    points: Vec<Point>,
}

impl Board {
    /// The counters of the board's period (the campaign's days up to today).
    pub fn totals(&self) -> &Totals {
        &self.totals
    }
    fn cleared(&self) -> i64 {
        self.totals.get(Counter::ZhongbenLeft)
    }
    fn progress(&self) -> String {
        pct(self.cleared(), self.c.target)
    }
    /// The share of the target reached, for the bar (0–100).
    fn progress_width(&self) -> i64 {
        if self.c.target <= 0 {
            return 0;
        }
        (self.cleared() * 100 / self.c.target).clamp(0, 100)
    }
    /// The metric definitions in force on the board's last day, by id: the same 口径 as the
    /// quality dashboard's (versioned).
    fn metric(&self, id: &str) -> String {
        let Ok(set) = MetricSet::shipped() else {
            return "—".into();
        };
        match set
            .in_force(id, self.as_of)
            .and_then(|m| m.compute(&self.totals))
        {
            Some(v) => format!("{v:.1}%"),
            None => "—".into(),
        }
    }
    fn exits(&self) -> Vec<(&'static str, &'static str, i64)> {
        EXITS
            .iter()
            .map(|c| (c.as_str(), exit_zh(*c), self.totals.get(*c)))
            .collect()
    }
    /// The cumulative line as SVG polyline points over a 640 × 180 plot, and the target's
    /// height (the y scale is the larger of the target and the cleared count).
    fn chart(&self) -> (String, i64, i64) {
        let (w, h) = (640.0, 180.0);
        let (Some(from), Some(to)) = (self.c.from(), self.c.to()) else {
            return (String::new(), 0, 0);
        };
        let span = (to - from).num_days().max(1) as f64;
        let top = self.c.target.max(self.cleared()).max(1) as f64;
        let mut pts = vec![format!("0,{h}")];
        for p in &self.points {
            let x = (p.day - from).num_days() as f64 / span * w;
            let y = h - p.cleared as f64 / top * h;
            pts.push(format!("{x:.1},{y:.1}"));
        }
        let target_y = (h - self.c.target as f64 / top * h) as i64;
        let today_x = ((self.as_of - from).num_days() as f64 / span * w) as i64;
        (pts.join(" "), target_y, today_x)
    }
}

impl Board {
    /// The first day of each month inside the period, as (x, "M月") over the 640-wide plot.
    fn ticks(&self) -> Vec<(i64, String)> {
        let (Some(from), Some(to)) = (self.c.from(), self.c.to()) else {
            return vec![];
        };
        let span = (to - from).num_days().max(1) as f64;
        let mut out = vec![];
        let mut d = from
            .with_day(1)
            .and_then(|d| d.checked_add_months(chrono::Months::new(1)));
        while let Some(m) = d.filter(|m| *m < to) {
            out.push((
                ((m - from).num_days() as f64 / span * 640.0) as i64,
                format!("{}月", m.month()),
            ));
            d = m.checked_add_months(chrono::Months::new(1));
        }
        out
    }
}

fn exit_zh(c: Counter) -> &'static str {
    match c {
        Counter::ZhongbenLeftPerformed => "执行完毕",
        Counter::ZhongbenLeftSettled => "和解履行完毕",
        Counter::ZhongbenLeftRestored => "恢复执行",
        Counter::ZhongbenLeftTerminated => "终结执行",
        _ => "不予执行、移送破产、更正",
    }
}

/// Computes a campaign's board as of today.
pub(crate) async fn board(st: &AppState, c: CampaignRow) -> Result<Board, ApiError> {
    let dir = st.store.org_directory().await?;
    let courts: Vec<(String, String)> = dir
        .by_id
        .values()
        .filter(|o| o.kind == AgencyKind::Court)
        .map(|o| (o.name.clone(), o.region_path.clone()))
        .collect();
    tally(&st.store, c, &courts, today(st)).await
}

/// A campaign's board as of `today`, given the courts (name, region path) of the directory: a
/// few indexed queries over the running sums, whatever the number of cases (`tianping bench
/// metrics` times it).
pub async fn tally(
    store: &tianping_store::Store,
    c: CampaignRow,
    courts: &[(String, String)],
    today: NaiveDate,
) -> Result<Board, ApiError> {
    let (Some(from), Some(to)) = (c.from(), c.to()) else {
        return Err(ApiError::internal("campaign period unreadable"));
    };
    let as_of = to.min(today);
    let started = from <= today;
    let before = from.pred_opt().unwrap_or(from);
    let scope = scope_of(&c.region_path);
    let period = Period {
        from,
        to: as_of.max(from),
    };
    let totals = if started {
        let cum = store
            .metric_cumulative(&scope, &[before, period.to])
            .await?;
        match cum.as_slice() {
            [a, b] => Totals::from_cumulative(a, b),
            _ => Totals::default(),
        }
    } else {
        let cum = store.metric_cumulative(&scope, &[before]).await?;
        let mut t = Totals::default();
        if let Some(a) = cum.first() {
            t = Totals::from_cumulative(a, a);
        }
        t
    };
    // Court by court: the courts one level below the campaign's region; the courts at its own
    // level (a city's intermediate court) as the rest.
    let mut units: Vec<&(String, String)> = courts
        .iter()
        .filter(|(_, path)| {
            path.strip_prefix(c.region_path.as_str())
                .is_some_and(|rest| {
                    !rest.is_empty() && rest.trim_end_matches('/').split('/').count() == 1
                })
        })
        .collect();
    units.sort_by(|a, b| a.1.cmp(&b.1).then(a.0.cmp(&b.0)));
    let mut lines = vec![];
    let mut below = Totals::default();
    if started {
        for (name, path) in &units {
            let cum = store
                .metric_cumulative(&scope_of(path), &[before, period.to])
                .await?;
            if let [a, b] = cum.as_slice() {
                let t = Totals::from_cumulative(a, b);
                for (k, v) in &t.0 {
                    *below.0.entry(*k).or_default() += v;
                }
                lines.push(CourtLine::of(name.clone(), &t));
            }
        }
        let own: Vec<&str> = courts
            .iter()
            .filter(|(_, path)| *path == c.region_path)
            .map(|(name, _)| name.as_str())
            .collect();
        let mut rest = Totals::default();
        for k in Counter::ALL {
            let v = totals.get(*k) - below.get(*k);
            if v != 0 {
                rest.0.insert(*k, v);
            }
        }
        if !own.is_empty() && !units.is_empty() {
            lines.insert(0, CourtLine::of(own.join("、"), &rest));
        } else if units.is_empty() {
            lines.push(CourtLine::of(
                if own.is_empty() {
                    "辖区法院".to_string()
                } else {
                    own.join("、")
                },
                &totals,
            ));
        }
    }
    let townships = if started {
        store
            .assistance_by_township(&c.region_path, from, period.to)
            .await?
    } else {
        vec![]
    };
    let mut points = vec![];
    if started {
        let days = store.metric_days(&scope, from, period.to).await?;
        let mut running = 0;
        for (day, v) in days {
            let n = v.flow(Counter::ZhongbenLeft);
            if n != 0 {
                running += n;
                points.push(Point {
                    day,
                    cleared: running,
                });
            }
        }
        points.push(Point {
            day: period.to,
            cleared: running,
        });
    }
    Ok(Board {
        c,
        as_of,
        started,
        totals,
        courts: lines,
        townships,
        points,
    })
}

/// Whether the user sees a campaign: its region covers theirs, or theirs covers it.
fn sees(s: &Session, c: &CampaignRow) -> bool {
    c.region_path.starts_with(&s.org.region_path) || s.org.region_path.starts_with(&c.region_path)
}

#[derive(Deserialize, Default, Clone)]
pub(crate) struct CampaignForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    target: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
}

#[derive(Template)]
#[template(path = "campaigns.html")]
struct ListPage {
    layout: Layout,
    /// (campaign, cleared, progress).
    campaigns: Vec<(CampaignRow, i64, String)>,
    may_open: bool,
    region: String,
    errors: Vec<(String, String)>,
    form: CampaignForm,
}

impl ListPage {
    fn error_of(&self, field: &str) -> String {
        crate::http::page::errors_of(&self.errors, field)
    }
}

async fn list(
    st: &AppState,
    s: &Session,
    form: CampaignForm,
    errors: Vec<(String, String)>,
) -> axum::response::Response {
    if let Err(e) = may_read(s) {
        return api_error_page(e);
    }
    let rows = match st.store.campaigns(&s.org.region_path).await {
        Ok(r) => r,
        Err(e) => return api_error_page(e.into()),
    };
    let mut campaigns = vec![];
    for c in rows.into_iter().filter(|c| sees(s, c)) {
        match board(st, c).await {
            Ok(b) => {
                let (cleared, progress) = (b.cleared(), b.progress());
                campaigns.push((b.c, cleared, progress));
            }
            Err(e) => return api_error_page(e),
        }
    }
    let mut res = render(&ListPage {
        layout: Layout::new(s, "/campaigns").reads(&st.store),
        campaigns,
        may_open: runs_campaigns(s.user.role, s.org.kind),
        region: s.org.name.clone(),
        form,
        errors: errors.clone(),
    });
    *res.status_mut() = status_of(&errors);
    res
}

pub(crate) async fn list_page(
    State(st): State<AppState>,
    PageUser(s): PageUser,
) -> axum::response::Response {
    list(&st, &s, CampaignForm::default(), vec![]).await
}

pub(crate) async fn open_submit(
    State(st): State<AppState>,
    PageUser(s): PageUser,
    Form(f): Form<CampaignForm>,
) -> axum::response::Response {
    if let Some(r) = csrf_refused(&f.csrf, &s) {
        return r;
    }
    if !runs_campaigns(s.user.role, s.org.kind) {
        return api_error_page(ApiError::forbidden("部署终本库出清专项行动"));
    }
    let target = f.target.trim().replace([',', '，'], "").parse::<i64>().ok();
    let from = f.from.trim().parse::<NaiveDate>().ok();
    let to = f.to.trim().parse::<NaiveDate>().ok();
    if let Err(problems) = check_campaign(&CampaignInput {
        title: &f.title,
        target,
        from,
        to,
    }) {
        let errors = problems
            .into_iter()
            .map(|p| (p.field.to_string(), p.message))
            .collect();
        return list(&st, &s, f, errors).await;
    }
    let (Some(target), Some(from), Some(to)) = (target, from, to) else {
        return list(
            &st,
            &s,
            f,
            vec![("target".into(), "请填写目标和期间".into())],
        )
        .await;
    };
    match st
        .store
        .open_campaign(
            &NewCampaign {
                title: &f.title,
                target,
                from,
                to,
            },
            &s.org,
            &s.user,
            st.now(),
        )
        .await
    {
        Ok(id) => redirect(&format!("/campaigns/{id}")),
        Err(e) => api_error_page(e.into()),
    }
}

#[derive(Template)]
#[template(path = "campaign.html")]
struct BoardPage {
    layout: Layout,
    b: Board,
    /// Drill-down links (readers of the quality dashboard): the query string without the counter.
    drill: Option<String>,
    chart: (String, i64, i64),
}

async fn campaign_for(st: &AppState, s: &Session, id: &str) -> Result<CampaignRow, ApiError> {
    may_read(s)?;
    let id = parse_id(id, "专项行动")?;
    match st.store.campaign(id).await? {
        Some(c) if sees(s, &c) => Ok(c),
        _ => Err(ApiError::not_found("专项行动")),
    }
}

pub(crate) async fn board_page(
    State(st): State<AppState>,
    PageUser(s): PageUser,
    Path(id): Path<String>,
) -> axum::response::Response {
    let c = match campaign_for(&st, &s, &id).await {
        Ok(c) => c,
        Err(e) => return api_error_page(e),
    };
    let b = match board(&st, c).await {
        Ok(b) => b,
        Err(e) => return api_error_page(e),
    };
    // The dashboard's drill-down reads the campaign's organisation's cases: offered to those who
    // read cases of that region.
    let drill = crate::http::access::read_scope(&s)
        .filter(|sc| b.c.region_path.starts_with(&sc.region_prefix))
        .filter(|sc| sc.agency_kind.is_none_or(|k| k == AgencyKind::Court))
        .map(|_| {
            format!(
                "org={}&kind=execution&from={}&to={}",
                b.c.org_id,
                b.c.from_day,
                b.as_of.max(b.c.from().unwrap_or(b.as_of))
            )
        });
    let chart = b.chart();
    render(&BoardPage {
        layout: Layout::new(&s, "/campaigns").reads(&st.store),
        b,
        drill,
        chart,
    })
}

/// `GET /api/v1/campaigns/{id}`: a campaign's board — target, period, the stock at the start,
/// cases entered and cleared by way, the deputies' share, by court and township, and the
/// cumulative cleared count by day.
pub async fn api_board(
    State(st): State<AppState>,
    CurrentUser(s): CurrentUser,
    Path(id): Path<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let c = campaign_for(&st, &s, &id).await?;
    let b = board(&st, c).await?;
    let t = &b.totals;
    let by_exit: serde_json::Map<String, serde_json::Value> = EXITS
        .iter()
        .map(|c| (c.as_str().to_string(), json!(t.get(*c))))
        .collect();
    Ok(Json(json!({
        "id": b.c.id,
        "title": b.c.title,
        "org_id": b.c.org_id,
        "target": b.c.target,
        "from": b.c.from_day,
        "to": b.c.to_day,
        "as_of": b.as_of.to_string(),
        "stock_at_start": t.get(Counter::ZhongbenStockAtStart),
        "entered": t.get(Counter::ZhongbenEntered),
        "cleared": t.get(Counter::ZhongbenLeft),
        "cleared_by_way": by_exit,
        "cleared_with_deputies": t.get(Counter::ZhongbenLeftAssisted),
        "stock_now": t.get(Counter::ZhongbenStockAtEnd),
        "courts": b.courts.iter().map(|l| json!({
            "name": l.name, "stock_at_start": l.stock_at_start, "entered": l.entered,
            "cleared": l.cleared, "substantive": l.substantive, "with_deputies": l.assisted,
            "stock_now": l.stock_now,
        })).collect::<Vec<_>>(),
        "townships": b.townships,
        "by_day": b.points.iter().map(|p| json!({ "day": p.day.to_string(), "cleared": p.cleared })).collect::<Vec<_>>(),
    })))
}
