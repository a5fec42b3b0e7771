//! 警情抽查 (issue 21): a police 法制 unit or the procuratorate's 侦查监督 draws a random sample of
//! the period's 警情 in its region for checking — each drawn 警情 opens on its own page — and
//! anyone can re-draw it from the published seed and pool (`tianping_domain::sample`).
//! `/incidents/samples` (list and form), `/incidents/samples/{id}`; the API under
//! `/api/v1/incident-samples`.

use crate::AppState;
use crate::error::{ApiError, Code};
use crate::http::extract::{check_csrf, csrf_refused};
use crate::http::page::{Layout, api_error_page, error_page, redirect, render};
use crate::http::{CurrentUser, PageUser};
use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::get;
use axum::{Form, Json, Router};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use tianping_domain::access::draws_incident_samples;
use tianping_store::sample::{NewSample, SampleRow};
use tianping_store::user::Session;

/// The most 警情 one draw may take.
const MAX_SIZE: usize = 500;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/incidents/samples", get(list_page).post(draw_submit))
        .route("/incidents/samples/{id}", get(sample_page))
}

pub fn api_router() -> Router<AppState> {
    Router::new()
        .route("/incident-samples", get(api_list).post(api_draw))
        .route("/incident-samples/{id}", get(api_sample))
}

/// A draw as a reader sees it (`GET /api/v1/incident-samples/{id}`).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Sample {
    pub id: i64,
    pub drawn_by: String,
    /// 北京时间
    pub drawn_at: String,
    /// 抽样期间（北京时间，含起日、不含止日）
    pub period_from: String,
    pub period_to: String,
    pub size: i64,
    /// The seed, chosen after the pool was fixed.
    pub seed: String,
    /// SHA-256 of the pool's numbers, sorted, one per line.
    pub pool_digest: String,
    /// Every 警情 of the period in the drawer's region.
    pub pool: Vec<String>,
    /// The drawn 警情, smallest SHA-256(seed + "\n" + number) first, with their record ids.
    pub picked: Vec<Picked>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Picked {
    pub number: String,
    pub case_id: Option<i64>,
}

/// What a draw asks for (`POST /api/v1/incident-samples`).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct DrawInput {
    /// 起日（北京时间，YYYY-MM-DD）
    pub from: String,
    /// 止日（含，YYYY-MM-DD）
    pub to: String,
    /// 抽取件数（1–500）
    pub size: usize,
}

fn may(s: &Session) -> Result<(), ApiError> {
    if draws_incident_samples(s.user.role, s.org.kind) {
        Ok(())
    } else {
        Err(ApiError::forbidden("警情抽查"))
    }
}

fn day(v: &str, field: &str) -> Result<NaiveDate, ApiError> {
    v.trim().parse::<NaiveDate>().map_err(|_| {
        ApiError::new(Code::InvalidDate, format!("日期“{v}”应为 YYYY-MM-DD"))
            .with_details(json!({ "field": field }))
    })
}

fn midnight(d: NaiveDate) -> DateTime<Utc> {
    tianping_domain::clock::local_midnight(d)
}

async fn draw(st: &AppState, s: &Session, input: &DrawInput) -> Result<i64, ApiError> {
    may(s)?;
    let from = day(&input.from, "from")?;
    let to = day(&input.to, "to")?;
    if to < from {
        return Err(ApiError::new(Code::InvalidPeriod, "止日早于起日")
            .with_details(json!({ "field": "to" })));
    }
    if input.size == 0 || input.size > MAX_SIZE {
        return Err(ApiError::new(
            Code::Invalid,
            format!("抽取件数应为 1 至 {MAX_SIZE}，实为 {}", input.size),
        )
        .with_details(json!({ "field": "size" })));
    }
    let seed = fresh_seed()?;
    Ok(st
        .store
        .draw_incident_sample(
            &NewSample {
                org_id: &s.org.id,
                region_path: &s.org.region_path,
                drawn_by: &s.user.display_name,
                period_from: midnight(from),
                period_to: midnight(to + chrono::Duration::days(1)),
                size: input.size,
                seed: &seed,
            },
            st.now(),
        )
        .await?)
}

async fn view(st: &AppState, r: SampleRow) -> Result<Sample, ApiError> {
    let pool: Vec<String> = serde_json::from_str(&r.pool).map_err(ApiError::internal)?;
    let numbers: Vec<String> = serde_json::from_str(&r.picked).map_err(ApiError::internal)?;
    let mut picked = vec![];
    for n in numbers {
        picked.push(Picked {
            case_id: st.store.case_id_by_number(&n).await?,
            number: n,
        });
    }
    Ok(Sample {
        id: r.id,
        drawn_by: r.drawn_by,
        drawn_at: crate::view::local(&r.drawn_at),
        period_from: crate::view::local_date(&r.period_from),
        period_to: crate::view::local_date(&r.period_to),
        size: r.size,
        seed: r.seed,
        pool_digest: r.pool_digest,
        pool,
        picked,
    })
}

async fn readable(st: &AppState, s: &Session, id: i64) -> Result<Sample, ApiError> {
    may(s)?;
    match st.store.incident_sample(id).await? {
        Some(r) if r.region_path.starts_with(&s.org.region_path) => view(st, r).await,
        _ => Err(ApiError::not_found("警情抽查")),
    }
}

async fn api_draw(
    State(st): State<AppState>,
    CurrentUser(s): CurrentUser,
    headers: HeaderMap,
    body: Bytes,
) -> Result<(StatusCode, Json<crate::view::Created>), ApiError> {
    check_csrf(&headers, &s)?;
    let input: DrawInput = serde_json::from_slice(&body).map_err(|e| {
        ApiError::new(Code::BodyMalformed, format!("请求 JSON 无效：{e}"))
            .with_details(json!({ "line": e.line(), "column": e.column() }))
    })?;
    let id = draw(&st, &s, &input).await?;
    Ok((StatusCode::CREATED, Json(crate::view::Created { id })))
}

async fn api_sample(
    State(st): State<AppState>,
    CurrentUser(s): CurrentUser,
    Path(id): Path<String>,
) -> Result<Json<Sample>, ApiError> {
    let id: i64 = id
        .parse()
        .map_err(|_| ApiError::new(Code::InvalidId, format!("抽查编号“{id}”不是整数")))?;
    Ok(Json(readable(&st, &s, id).await?))
}

/// The draws of the reader's region (`GET /api/v1/incident-samples`).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SampleList {
    pub items: Vec<SampleLine>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SampleLine {
    pub id: i64,
    pub drawn_by: String,
    pub drawn_at: String,
    pub period_from: String,
    pub period_to: String,
    pub size: i64,
    pub pool_size: usize,
}

async fn lines(st: &AppState, s: &Session) -> Result<Vec<SampleLine>, ApiError> {
    may(s)?;
    Ok(st
        .store
        .incident_samples(&s.org.region_path)
        .await?
        .into_iter()
        .map(|r| SampleLine {
            pool_size: serde_json::from_str::<Vec<String>>(&r.pool).map_or(0, |p| p.len()),
            id: r.id,
            drawn_by: r.drawn_by,
            drawn_at: crate::view::local(&r.drawn_at),
            period_from: crate::view::local_date(&r.period_from),
            period_to: crate::view::local_date(&r.period_to),
            size: r.size,
        })
        .collect())
}

async fn api_list(
    State(st): State<AppState>,
    CurrentUser(s): CurrentUser,
) -> Result<Json<SampleList>, ApiError> {
    Ok(Json(SampleList {
        items: lines(&st, &s).await?,
    }))
}

#[derive(Template)]
#[template(path = "incident_samples.html")]
struct ListPage {
    layout: Layout,
    items: Vec<SampleLine>,
    from: String,
    to: String,
    error: String,
}

async fn list_page(State(st): State<AppState>, PageUser(s): PageUser) -> Response {
    let today = tianping_domain::clock::local_date(st.now());
    let first = NaiveDate::from_ymd_opt(
        chrono::Datelike::year(&today),
        chrono::Datelike::month(&today),
        1,
    )
    .unwrap_or(today);
    match lines(&st, &s).await {
        Ok(items) => render(&ListPage {
            layout: Layout::new(&s, "/incidents/samples"),
            items,
            from: first.to_string(),
            to: today.to_string(),
            error: String::new(),
        }),
        Err(e) => api_error_page(e),
    }
}

#[derive(Deserialize)]
struct DrawForm {
    csrf: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    size: String,
}

async fn draw_submit(
    State(st): State<AppState>,
    PageUser(s): PageUser,
    Form(f): Form<DrawForm>,
) -> Response {
    if let Some(r) = csrf_refused(&f.csrf, &s) {
        return r;
    }
    let size = f.size.trim().parse::<usize>().unwrap_or(0);
    let input = DrawInput {
        from: f.from.clone(),
        to: f.to.clone(),
        size,
    };
    match draw(&st, &s, &input).await {
        Ok(id) => redirect(&format!("/incidents/samples/{id}")),
        Err(e) if e.status == StatusCode::FORBIDDEN => error_page(e.status, &e.message),
        Err(e) => match lines(&st, &s).await {
            Ok(items) => render(&ListPage {
                layout: Layout::new(&s, "/incidents/samples"),
                items,
                from: f.from,
                to: f.to,
                error: e.message,
            }),
            Err(e) => api_error_page(e),
        },
    }
}

#[derive(Template)]
#[template(path = "incident_sample.html")]
struct SamplePage {
    layout: Layout,
    d: Sample,
}

async fn sample_page(
    State(st): State<AppState>,
    PageUser(s): PageUser,
    Path(id): Path<String>,
) -> Response {
    let Ok(id) = id.parse::<i64>() else {
        return error_page(StatusCode::NOT_FOUND, "警情抽查不存在");
    };
    match readable(&st, &s, id).await {
        Ok(d) => render(&SamplePage {
            layout: Layout::new(&s, "/incidents/samples"),
            d,
        }),
        Err(e) => api_error_page(e),
    }
}

/// A fresh seed for a re-checkable draw (128 random bits as hex), drawn once the pool is fixed.
pub(crate) fn fresh_seed() -> Result<String, ApiError> {
    let mut seed = [0u8; 16];
    getrandom::fill(&mut seed).map_err(ApiError::internal)?;
    Ok(seed.iter().map(|b| format!("{b:02x}")).collect())
}
