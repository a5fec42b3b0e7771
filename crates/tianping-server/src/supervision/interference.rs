//! Interference records (三个规定): recording who asked about a case, the quarterly report with
//! zero reports, and its Excel export for the 政法委 and the higher court.

use crate::AppState;
use crate::error::{ApiError, Code};
use crate::export::{Sheet, xlsx_download};
use crate::http::access::readable;
use crate::http::extract::{check_csrf, csrf_refused};
use crate::http::page::{Layout, enc, error_page, redirect, render};
use crate::http::{CurrentUser, PageUser};
use askama::Template;
use axum::Form;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, TimeZone, Utc};
use serde::Deserialize;
use serde_json::json;
use tianping_domain::supervision::{InterferenceChannel, InterferenceOutcome, InterferenceSource};
use tianping_store::supervision::{InterferenceReport, InterferenceRow, NewInterference};
use tianping_store::user::Session;

use super::case::{InterferenceView, interference_view};
use super::{bj, can_write_case, current_quarter, json_body, sees_interference};
use crate::view::quarter_range;

// --- interference records ----------------------------------------------------------------------------

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct InterferenceInput {
    #[serde(default)]
    pub case_id: Option<i64>,
    #[serde(default)]
    pub source: String,
    #[serde(default)]
    pub person_name: String,
    #[serde(default)]
    pub person_unit: String,
    #[serde(default)]
    pub person_position: String,
    #[serde(default)]
    pub channel: String,
    /// RFC 3339, or a Beijing local "YYYY-MM-DDTHH:MM" from a form.
    #[serde(default)]
    pub occurred_at: String,
    #[serde(default)]
    pub content: String,
    #[serde(default)]
    pub materials: String,
    #[serde(default)]
    pub outcome: String,
    #[serde(default)]
    pub response: String,
}

fn instant(s: &str, field: &'static str) -> Result<DateTime<Utc>, ApiError> {
    let s = s.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.with_timezone(&Utc));
    }
    chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M")
        .ok()
        .and_then(|x| bj().from_local_datetime(&x).single())
        .map(|t| t.with_timezone(&Utc))
        .ok_or_else(|| {
            ApiError::new(
                Code::InvalidTime,
                format!("时间“{s}”无效，应为 YYYY-MM-DDTHH:MM"),
            )
            .with_details(json!({ "field": field }))
        })
}

async fn record_interference(
    st: &AppState,
    s: &Session,
    i: &InterferenceInput,
) -> Result<i64, ApiError> {
    if !tianping_domain::access::records_interference(s.user.role) {
        return Err(ApiError::forbidden("记录过问干预"));
    }
    if let Some(c) = i.case_id {
        let row = readable(st, s, c).await?;
        if !can_write_case(s, &row) {
            return Err(ApiError::forbidden("为该案记录过问干预"));
        }
    }
    let field = |code: Code, v: &str, what: &str| ApiError::new(code, format!("{what}“{v}”无效"));
    let n = NewInterference {
        case_id: i.case_id,
        source: InterferenceSource::parse(&i.source).ok_or_else(|| {
            field(Code::InvalidSource, &i.source, "过问人类别")
                .with_details(json!({ "field": "source" }))
        })?,
        person_name: i.person_name.clone(),
        person_unit: i.person_unit.clone(),
        person_position: i.person_position.clone(),
        channel: InterferenceChannel::parse(&i.channel).ok_or_else(|| {
            field(Code::InvalidChannel, &i.channel, "过问方式")
                .with_details(json!({ "field": "channel" }))
        })?,
        occurred_at: instant(&i.occurred_at, "occurred_at")?,
        content: i.content.clone(),
        materials: i.materials.clone(),
        outcome: InterferenceOutcome::parse(&i.outcome).ok_or_else(|| {
            field(Code::InvalidOutcome, &i.outcome, "处理结果")
                .with_details(json!({ "field": "outcome" }))
        })?,
        response: i.response.clone(),
    };
    Ok(st
        .store
        .record_interference(&n, &s.user, &s.org, st.now())
        .await?)
}

#[derive(Deserialize)]
pub struct InterferenceForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    case_id: String,
    #[serde(flatten)]
    input: InterferenceFields,
}

#[derive(Deserialize)]
pub struct InterferenceFields {
    #[serde(default)]
    source: String,
    #[serde(default)]
    person_name: String,
    #[serde(default)]
    person_unit: String,
    #[serde(default)]
    person_position: String,
    #[serde(default)]
    channel: String,
    #[serde(default)]
    occurred_at: String,
    #[serde(default)]
    content: String,
    #[serde(default)]
    materials: String,
    #[serde(default)]
    outcome: String,
    #[serde(default)]
    response: String,
}

pub async fn interference_submit(
    State(st): State<AppState>,
    PageUser(s): PageUser,
    Form(f): Form<InterferenceForm>,
) -> Response {
    if let Some(r) = csrf_refused(&f.csrf, &s) {
        return r;
    }
    let case_id = f.case_id.trim().parse::<i64>().ok();
    let i = f.input;
    let input = InterferenceInput {
        case_id,
        source: i.source,
        person_name: i.person_name,
        person_unit: i.person_unit,
        person_position: i.person_position,
        channel: i.channel,
        occurred_at: i.occurred_at,
        content: i.content,
        materials: i.materials,
        outcome: i.outcome,
        response: i.response,
    };
    match record_interference(&st, &s, &input).await {
        Ok(_) => match case_id {
            Some(c) => redirect(&format!("/cases/{c}#supervision")),
            None => redirect("/interference"),
        },
        Err(e) => error_page(e.status, &e.message),
    }
}

#[derive(Template)]
#[template(path = "interference.html")]
struct InterferencePage {
    layout: Layout,
    quarter: String,
    report: InterferenceReport,
    by_source: Vec<(String, i64)>,
    by_outcome: Vec<(String, i64)>,
    records: Vec<InterferenceView>,
    can_see: bool,
    can_record: bool,
    channels: Vec<(&'static str, &'static str)>,
    sources: Vec<(&'static str, &'static str)>,
    outcomes: Vec<(&'static str, &'static str)>,
    now_local: String,
    message: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct QuarterQuery {
    #[serde(default)]
    quarter: String,
    #[serde(default)]
    done: String,
}

async fn interference_data(
    st: &AppState,
    s: &Session,
    quarter: &str,
) -> Result<(InterferenceReport, Vec<InterferenceRow>), ApiError> {
    let (from, to) = quarter_range(quarter)?;
    // Region and agency kind: a procuratorate does not read a court's records (finding M1).
    let kind = (!s.org.kind.supervises_all_kinds()).then_some(s.org.kind);
    let report = st
        .store
        .interference_report(&s.org.region_path, kind, from, to, quarter)
        .await?;
    let records = if sees_interference(s) {
        st.store
            .interference_records(&s.org.region_path, kind, from, to)
            .await?
    } else {
        vec![]
    };
    Ok((report, records))
}

pub async fn interference_page(
    State(st): State<AppState>,
    PageUser(s): PageUser,
    Query(q): Query<QuarterQuery>,
) -> Response {
    if !(sees_interference(&s) || tianping_domain::access::records_interference(s.user.role)) {
        return error_page(StatusCode::FORBIDDEN, "当前角色无权查看过问干预记录");
    }
    let quarter = if q.quarter.trim().is_empty() {
        current_quarter(st.now())
    } else {
        q.quarter.trim().to_string()
    };
    let (report, records) = match interference_data(&st, &s, &quarter).await {
        Ok(x) => x,
        Err(e) => return error_page(e.status, &e.message),
    };
    let label = |v: &[(String, i64)], f: fn(&str) -> Option<&'static str>| {
        v.iter()
            .map(|(k, n)| (f(k).unwrap_or("—").to_string(), *n))
            .collect::<Vec<_>>()
    };
    render(&InterferencePage {
        layout: Layout::new(&s, "/interference"),
        by_source: label(&report.by_source, |k| {
            InterferenceSource::parse(k).map(|x| x.zh())
        }),
        by_outcome: label(&report.by_outcome, |k| {
            InterferenceOutcome::parse(k).map(|x| x.zh())
        }),
        report: if sees_interference(&s) {
            report
        } else {
            InterferenceReport::default()
        },
        records: records.iter().map(interference_view).collect(),
        can_see: sees_interference(&s),
        can_record: tianping_domain::access::records_interference(s.user.role),
        channels: InterferenceChannel::ALL
            .iter()
            .map(|c| (c.as_str(), c.zh()))
            .collect(),
        sources: InterferenceSource::ALL
            .iter()
            .map(|c| (c.as_str(), c.zh()))
            .collect(),
        outcomes: InterferenceOutcome::ALL
            .iter()
            .map(|c| (c.as_str(), c.zh()))
            .collect(),
        now_local: st
            .now()
            .with_timezone(&bj())
            .format("%Y-%m-%dT%H:%M")
            .to_string(),
        message: (!q.done.is_empty()).then(|| "零报告已提交".to_string()),
        quarter,
    })
}

#[derive(Deserialize)]
pub struct ZeroForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    quarter: String,
}

async fn zero_report(st: &AppState, s: &Session, quarter: &str) -> Result<i64, ApiError> {
    if !tianping_domain::access::records_interference(s.user.role) {
        return Err(ApiError::forbidden("提交零报告"));
    }
    let range = quarter_range(quarter)?;
    Ok(st
        .store
        .submit_zero_report(&s.user, &s.org, quarter.trim(), range, st.now())
        .await?)
}

pub async fn zero_submit(
    State(st): State<AppState>,
    PageUser(s): PageUser,
    Form(f): Form<ZeroForm>,
) -> Response {
    if let Some(r) = csrf_refused(&f.csrf, &s) {
        return r;
    }
    match zero_report(&st, &s, &f.quarter).await {
        Ok(_) => redirect(&format!(
            "/interference?quarter={}&done=1",
            enc(f.quarter.trim())
        )),
        Err(e) => error_page(e.status, &e.message),
    }
}

pub async fn api_interference(
    State(st): State<AppState>,
    CurrentUser(s): CurrentUser,
    Query(q): Query<QuarterQuery>,
) -> Result<Json<serde_json::Value>, ApiError> {
    if !sees_interference(&s) {
        return Err(ApiError::forbidden("查看过问干预记录"));
    }
    let quarter = if q.quarter.trim().is_empty() {
        current_quarter(st.now())
    } else {
        q.quarter.trim().to_string()
    };
    let (report, records) = interference_data(&st, &s, &quarter).await?;
    Ok(Json(
        json!({ "quarter": quarter, "report": report, "records": records }),
    ))
}

pub async fn api_record_interference(
    State(st): State<AppState>,
    headers: HeaderMap,
    CurrentUser(s): CurrentUser,
    body: Bytes,
) -> Result<Response, ApiError> {
    check_csrf(&headers, &s)?;
    let i: InterferenceInput = json_body(&body)?;
    let id = record_interference(&st, &s, &i).await?;
    Ok((StatusCode::CREATED, Json(crate::view::Created { id })).into_response())
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct ZeroInput {
    #[serde(default)]
    quarter: String,
}

pub async fn api_zero_report(
    State(st): State<AppState>,
    headers: HeaderMap,
    CurrentUser(s): CurrentUser,
    body: Bytes,
) -> Result<Response, ApiError> {
    check_csrf(&headers, &s)?;
    let z: ZeroInput = json_body(&body)?;
    let id = zero_report(&st, &s, &z.quarter).await?;
    Ok((StatusCode::CREATED, Json(crate::view::Created { id })).into_response())
}

/// The quarter's interference records as an Excel workbook (for the 政法委 and the higher court).
pub async fn interference_export(
    State(st): State<AppState>,
    PageUser(s): PageUser,
    Query(q): Query<QuarterQuery>,
) -> Response {
    if !sees_interference(&s) {
        return error_page(StatusCode::FORBIDDEN, "当前角色无权导出过问干预记录");
    }
    let quarter = if q.quarter.trim().is_empty() {
        current_quarter(st.now())
    } else {
        q.quarter.trim().to_string()
    };
    let (report, records) = match interference_data(&st, &s, &quarter).await {
        Ok(x) => x,
        Err(e) => return error_page(e.status, &e.message),
    };
    let rows = records
        .iter()
        .map(|r| {
            let v = interference_view(r);
            vec![
                v.occurred_at,
                v.unit,
                v.source_zh.to_string(),
                v.person,
                v.channel_zh.to_string(),
                v.case_number,
                v.content,
                r.materials.clone(),
                v.outcome_zh.to_string(),
                v.response,
                if v.by_system {
                    format!("{}（系统）", v.recorded_by)
                } else {
                    v.recorded_by
                },
            ]
        })
        .collect();
    xlsx_download(
        Sheet {
            name: "过问干预记录",
            title: format!(
                "{} {quarter} 过问干预记录（共 {} 条，零报告 {} 份）",
                s.org.name,
                report.total,
                report.zero_reports.len()
            ),
            headers: &[
                ("时间", 16),
                ("记录单位", 24),
                ("类别", 28),
                ("过问人", 30),
                ("方式", 10),
                ("案号", 24),
                ("过问内容", 36),
                ("转递材料", 16),
                ("处理结果", 14),
                ("处理情况", 30),
                ("记录人", 12),
            ],
            rows,
        },
        &format!("interference-{quarter}.xlsx"),
        &format!("过问干预记录-{quarter}.xlsx"),
    )
}
