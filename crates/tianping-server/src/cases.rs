//! The case registry: the case list with its filters, the case page (timeline, clocks, supervision
//! and similar cases of one case), the case API, and recording procedural events — by people with
//! a session or by an agency's system client with a bearer credential.

use crate::error::{ApiError, Code};
use crate::http::access::{person, read_scope, readable_case};
use crate::http::extract::check_csrf;
use crate::http::page::{Layout, api_error_page, enc, error_page, render};
use crate::http::{CurrentUser, PageUser};
use crate::view::{CaseDetail, CaseView, beijing};
use crate::{AppState, auth};
use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{NaiveDate, TimeZone};
use serde::Deserialize;
use serde_json::json;
use tianping_domain::{CaseNumber, CaseStatus, EventRecord};
use tianping_store::case::{CaseFilter, ScopeFilter};
use tianping_store::user::Session;
use tianping_store::{Actor, Numbered};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/cases", get(case_list))
        .route("/cases/export.xlsx", get(case_export))
        .route("/cases/{id}", get(case_page))
}

pub fn api_router() -> Router<AppState> {
    Router::new()
        .route("/cases", get(list_cases))
        .route("/cases/{id}", get(get_case))
        .route("/events", post(post_event))
        .route("/events/batch", post(post_batch))
        .route("/case-numbers/parse", get(parse_case_number))
}

pub struct TypeGroup {
    pub class: String,
    pub types: Vec<(String, String)>,
}

fn type_groups() -> Vec<TypeGroup> {
    let mut groups: Vec<TypeGroup> = vec![];
    for t in tianping_domain::case_type::all() {
        match groups.last_mut() {
            Some(g) if g.class == t.class => g.types.push((t.code.clone(), t.name.clone())),
            _ => groups.push(TypeGroup {
                class: t.class.clone(),
                types: vec![(t.code.clone(), t.name.clone())],
            }),
        }
    }
    groups
}

#[derive(Template)]
#[template(path = "cases.html")]
struct CasesPage {
    layout: Layout,
    /// The 四类案件 list: its own columns.
    four_categories: bool,
    /// The rows come from more than the reader's own unit: a column names each one's.
    multi_org: bool,
    /// The reader is a judge (their list opens on their own cases).
    judge: bool,
    /// Only the reader's own cases.
    mine: bool,
    export_href: String,
    q: CaseQuery,
    type_groups: Vec<TypeGroup>,
    /// (unit name, its judges).
    judges: Vec<(String, Vec<String>)>,
    errors: Vec<String>,
    cases: Vec<CaseView>,
    total: i64,
    /// False past [`tianping_store::COUNT_CAP`] matches (`total` is the cap).
    total_exact: bool,
    page: u32,
    pages: u32,
    prev_href: Option<String>,
    next_href: Option<String>,
    /// The numbered page links (`None`: pages left out, shown as …).
    page_links: Vec<(Option<u32>, String)>,
    /// The filters in force, carried by the 跳至 form.
    jump_fields: Vec<(&'static str, String)>,
}

impl CasesPage {
    fn val<'a>(&self, v: &'a Option<String>) -> &'a str {
        v.as_deref().unwrap_or("")
    }
    fn sel(&self, v: &Option<String>, option: &str) -> bool {
        v.as_deref() == Some(option)
    }
}

pub async fn case_list(
    State(st): State<AppState>,
    PageUser(s): PageUser,
    Query(q): Query<CaseQuery>,
) -> Response {
    let Some(scope) = read_scope(&s) else {
        return error_page(StatusCode::FORBIDDEN, "当前角色无权查看案件");
    };
    // A judge's list opens on their own cases.
    let mut q = q;
    let judge = s.user.role == tianping_domain::Role::Judge;
    if judge && q.is_bare() {
        q.mine = Some("1".into());
    }
    let (f, errs) = build_filter(scope.clone(), &q, &s.user.display_name);
    let (rows, total) = match st.store.list_cases(&f).await {
        Ok(x) => x,
        Err(e) => return api_error_page(e.into()),
    };
    // The 承办人 filter, grouped by unit when the reader sees more than one.
    let judges = {
        let pairs = st.store.judges_in(&scope, 2000).await.unwrap_or_default();
        let dir = st.store.org_directory().await.ok();
        let mut groups: Vec<(String, Vec<String>)> = vec![];
        for (org, judge) in pairs {
            let name = dir
                .as_ref()
                .and_then(|d| d.get(&org).map(|o| o.name.clone()))
                .unwrap_or(org);
            match groups.last_mut() {
                Some((n, v)) if *n == name => v.push(judge),
                _ => groups.push((name, vec![judge])),
            }
        }
        groups
    };
    let pages = u32::try_from((total.count + i64::from(f.per_page) - 1) / i64::from(f.per_page))
        .unwrap_or(u32::MAX)
        .max(1);
    let filters: Vec<(&'static str, String)> = [
        ("case_number", &q.case_number),
        ("type_code", &q.type_code),
        ("status", &q.status),
        ("judge", &q.judge),
        ("filed_from", &q.filed_from),
        ("filed_to", &q.filed_to),
        ("flag", &q.flag),
        ("mine", &q.mine),
        ("sort", &q.sort),
    ]
    .iter()
    .filter_map(|(k, v)| {
        v.as_deref()
            .filter(|x| !x.is_empty())
            .map(|x| (*k, x.to_string()))
    })
    .collect();
    let base: Vec<String> = filters
        .iter()
        .map(|(k, v)| format!("{k}={}", enc(v)))
        .collect();
    let href = |p: u32| {
        let mut parts = base.clone();
        parts.push(format!("page={p}"));
        format!("/cases?{}", parts.join("&"))
    };
    let export_href = format!("/cases/export.xlsx?{}", base.join("&"));
    let cases = match case_views(&st, &s, &rows).await {
        Ok(v) => v,
        Err(e) => return api_error_page(e),
    };
    let multi_org = rows.iter().any(|r| r.org_id != s.org.id);
    render(&CasesPage {
        four_categories: f.four_categories,
        multi_org,
        judge,
        mine: q.mine.as_deref() == Some("1"),
        export_href,
        layout: Layout::new(&s, "/cases").reads(&st.store),
        type_groups: type_groups(),
        judges,
        errors: errs
            .into_iter()
            .map(|(_, m)| format!("{m}，已忽略该条件"))
            .collect(),
        cases,
        total: total.count,
        total_exact: total.exact,
        page: f.page,
        pages,
        prev_href: (f.page > 1).then(|| href(f.page - 1)),
        next_href: (f.page < pages).then(|| href(f.page + 1)),
        page_links: crate::http::page::page_window(f.page, pages)
            .into_iter()
            .map(|p| (p, p.map(href).unwrap_or_default()))
            .collect(),
        jump_fields: filters,
        q,
    })
}

/// At most this many cases go into one Excel download.
const EXPORT_MAX: usize = 5000;

/// The case list as an Excel workbook: the same filters and order, the reader's redaction, dates
/// as dates.
pub async fn case_export(
    State(st): State<AppState>,
    PageUser(s): PageUser,
    Query(q): Query<CaseQuery>,
) -> Response {
    let Some(scope) = read_scope(&s) else {
        return error_page(StatusCode::FORBIDDEN, "当前角色无权查看案件");
    };
    let (mut f, errs) = build_filter(scope, &q, &s.user.display_name);
    if let Some((_, m)) = errs.first() {
        return error_page(StatusCode::BAD_REQUEST, m);
    }
    f.per_page = 200;
    f.page = 1;
    let mut views: Vec<CaseView> = vec![];
    let total = loop {
        let (rows, n) = match st.store.list_cases(&f).await {
            Ok(x) => x,
            Err(e) => return api_error_page(e.into()),
        };
        let last = rows.len() < f.per_page as usize;
        match case_views(&st, &s, &rows).await {
            Ok(v) => views.extend(v),
            Err(e) => return api_error_page(e),
        }
        if last || views.len() >= EXPORT_MAX {
            break n;
        }
        f.page += 1;
    };
    views.truncate(EXPORT_MAX);
    let today = tianping_domain::clock::local_date(st.now());
    let title = format!(
        "案件清单（{}导出，{}{}）",
        tianping_domain::document::date_zh(today),
        if total.exact {
            format!("共 {} 件", total.count)
        } else {
            format!("超过 {} 件", total.count)
        },
        if !total.exact || usize::try_from(total.count).unwrap_or(0) > views.len() {
            format!("，本表列前 {} 件", views.len())
        } else {
            String::new()
        }
    );
    let rows = views
        .iter()
        .map(|v| {
            vec![
                v.case_number.clone(),
                v.court.clone(),
                v.title.clone(),
                v.cause.clone(),
                v.type_name.clone().unwrap_or_else(|| v.kind_zh.clone()),
                v.judge.clone().unwrap_or_default(),
                v.filed_at.get(..10).unwrap_or("").to_string(),
                v.closed_at
                    .as_deref()
                    .and_then(|c| c.get(..10))
                    .unwrap_or("")
                    .to_string(),
                v.status_zh.clone(),
                v.nearest_clock
                    .as_ref()
                    .map_or(String::new(), |k| k.name.clone()),
                v.nearest_clock
                    .as_ref()
                    .map_or(String::new(), |k| k.due.clone()),
                v.nearest_clock
                    .as_ref()
                    .map_or(String::new(), |k| k.days_left.to_string()),
                if v.in_custody { "在押" } else { "" }.to_string(),
                v.four_categories
                    .as_ref()
                    .map(|x| {
                        if x.situations.is_empty() {
                            "是".to_string()
                        } else {
                            x.situations.join("；")
                        }
                    })
                    .unwrap_or_default(),
            ]
        })
        .collect();
    crate::export::xlsx_download(
        crate::export::Sheet {
            name: "案件清单",
            title,
            headers: &[
                ("案号", 26),
                ("承办单位", 22),
                ("案件名称", 36),
                ("案由", 18),
                ("类型", 12),
                ("承办人", 10),
                ("立案日期", 12),
                ("结案日期", 12),
                ("状态", 8),
                ("最临近的期限", 14),
                ("届满日", 12),
                ("剩余天数", 10),
                ("羁押", 6),
                ("四类案件", 24),
            ],
            rows,
        },
        "cases.xlsx",
        "案件清单.xlsx",
    )
}

#[derive(Template)]
#[template(path = "case.html")]
struct CasePage {
    layout: Layout,
    d: CaseDetail,
    clocks: Vec<crate::clocks::ClockView>,
    letters: Vec<tianping_store::clocks::Letter>,
    /// The court's own drafts of letters on the case still pending or returned (送签稿).
    drafts: Vec<tianping_store::clocks::LetterDraft>,
    /// (person id, role) of each person this file names by identity number.
    persons: Vec<(i64, String)>,
    can_letter: bool,
    /// The user issues the public's rating codes of this case (its own court's).
    feedback_codes: bool,
    sup: crate::supervision::CaseSupervision,
    similar: crate::similar::CaseRetrieval,
    /// The quality evaluations of the case the reader sees.
    evaluations: Vec<crate::evaluation::CaseLine>,
    /// The process nodes the reader sees, and the flow's name.
    nodes: Vec<crate::nodes::CaseNode>,
    flow: String,
    /// 文书校对: shown to those who upload drafts of the case or read its drafts, with the latest
    /// draft in a sentence.
    proofreading: Option<String>,
}

pub async fn case_page(
    State(st): State<AppState>,
    PageUser(s): PageUser,
    Path(id): Path<String>,
) -> Response {
    let Ok(id) = id.parse::<i64>() else {
        return error_page(StatusCode::NOT_FOUND, "案件不存在");
    };
    let d = match readable_case(&st, &s, id, "case_page").await {
        Ok(d) => d,
        Err(e) => return api_error_page(e),
    };
    let clocks = match crate::clocks::case_clocks(&st, id).await {
        Ok(c) => c,
        Err(e) => return api_error_page(e),
    };
    let mut letters = match st.store.letters_of_case(id).await {
        Ok(l) => l,
        Err(e) => return api_error_page(e.into()),
    };
    for l in &mut letters {
        l.issued_at = crate::view::local(&l.issued_at);
    }
    let drafts = match st.store.drafts_of_case(id).await {
        Ok(list) => list
            .into_iter()
            .filter(|x| x.org_id == s.org.id && matches!(x.state.as_str(), "pending" | "returned"))
            .map(|mut x| {
                x.drafted_at = crate::view::local(&x.drafted_at);
                x
            })
            .collect(),
        Err(e) => return api_error_page(e.into()),
    };
    let row = match crate::http::access::readable(&st, &s, id).await {
        Ok(r) => r,
        Err(e) => return api_error_page(e),
    };
    let sup = match crate::supervision::case_supervision(&st, &s, &row).await {
        Ok(x) => x,
        Err(e) => return api_error_page(e),
    };
    let similar = match crate::similar::case_retrieval(&st, &s, &d, &row).await {
        Ok(x) => x,
        Err(e) => return api_error_page(e),
    };
    let evaluations = match crate::evaluation::cases::of_case(&st, &s, id).await {
        Ok(x) => x,
        Err(e) => return api_error_page(e),
    };
    let (flow, nodes) = match crate::nodes::of_case(&st, &s, id).await {
        Ok(x) => x,
        Err(e) => return api_error_page(e),
    };
    let proofreading = match crate::proofreading::case_summary(&st, &s, &row).await {
        Ok(x) => x,
        Err(e) => return api_error_page(e),
    };
    // The persons this file names by identity number: links to their whole path.
    let persons = match st.store.persons_of_case(id).await {
        Ok(p) => p.into_iter().map(|(pid, _, role)| (pid, role)).collect(),
        Err(e) => return api_error_page(e.into()),
    };
    render(&CasePage {
        layout: Layout::new(&s, "/cases"),
        can_letter: tianping_domain::access::may_issue_letters(s.user.role, s.org.kind),
        feedback_codes: tianping_domain::access::issues_feedback_codes(s.user.role, s.org.kind)
            && row.org_id == s.org.id
            && row.agency_kind == tianping_domain::AgencyKind::Court.as_str(),
        sup,
        similar,
        evaluations,
        nodes,
        flow,
        d,
        clocks,
        letters,
        drafts,
        persons,
        proofreading,
    })
}

/// The list's rows as the reader may see them, each flagged case with its 四类案件 line.
async fn case_views(
    st: &AppState,
    s: &Session,
    rows: &[tianping_store::case::CaseRow],
) -> Result<Vec<CaseView>, ApiError> {
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let summaries = st.store.four_category_summaries(&ids).await?;
    let nearest = st.store.nearest_clocks(&ids).await?;
    let today = tianping_domain::clock::local_date(st.now());
    let cfg = st.store.supervision();
    Ok(rows
        .iter()
        .map(|r| {
            let mut v = CaseView::new(r, &crate::view::clearance_for_row(s, r));
            if let Some(c) = nearest.iter().find(|c| c.case_id == r.id) {
                v.nearest_clock = Some(crate::view::NearestClockView::new(c, today));
                v.in_custody = c.custody;
            }
            if let Some(x) = summaries.iter().find(|x| x.case_id == r.id) {
                let codes: Vec<&str> = x.situations.iter().map(String::as_str).collect();
                v.four_categories = Some(crate::view::FourCategories {
                    situations: if v.redacted {
                        vec![]
                    } else {
                        x.situations
                            .iter()
                            .map(|c| cfg.flags.situation(c).map_or(c.clone(), |x| x.zh.clone()))
                            .collect()
                    },
                    supervision_acts: x.acts,
                    retrieval_reports: x.reports,
                    retrieval_pending: x.reports == 0
                        && r.agency_kind == "court"
                        && r.status != CaseStatus::Closed
                        && !st.library.rules().due(&codes).is_empty(),
                });
            }
            v
        })
        .collect())
}

/// A page of the case list (`GET /api/v1/cases`).
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct CaseList {
    /// 符合条件的案件总数；超过 10000 件时为 10000，且 total_exact 为 false
    pub total: i64,
    /// total 是否为确切数目（符合条件的案件超过 10000 件时只计到 10000）
    pub total_exact: bool,
    pub page: u32,
    pub per_page: u32,
    pub items: Vec<CaseView>,
}

/// Case-list filters as they arrive from a query string or form.
#[derive(Debug, Default, Deserialize, Clone, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CaseQuery {
    /// 类型代字，如 民初、刑初、执
    pub type_code: Option<String>,
    /// 案件类别：criminal、civil、administrative、execution、state_compensation …
    pub kind: Option<String>,
    /// 状态：open（在办）、suspended（中止）或 closed（已结）
    pub status: Option<String>,
    /// 承办人姓名
    pub judge: Option<String>,
    /// 立案日期起（北京时间，YYYY-MM-DD）
    pub filed_from: Option<String>,
    /// 立案日期止（北京时间，YYYY-MM-DD）
    pub filed_to: Option<String>,
    /// 案号（全部或部分）
    pub case_number: Option<String>,
    /// 标记：four_categories（仅列有效标记的四类案件，附标记情形、院庭长监督和类案检索情况）
    pub flag: Option<String>,
    /// 1：仅列本人承办的案件（法官打开案件页时的默认）；0：全部
    pub mine: Option<String>,
    /// 排序：filed_desc（立案日期新→旧，默认）、filed_asc（旧→新）、number（案号）
    pub sort: Option<String>,
    /// 页码，从 1 起
    pub page: Option<String>,
    /// 每页条数
    pub per_page: Option<String>,
}

impl CaseQuery {
    /// No filter, order or page asked for: the list as first opened.
    fn is_bare(&self) -> bool {
        [
            &self.type_code,
            &self.kind,
            &self.status,
            &self.judge,
            &self.filed_from,
            &self.filed_to,
            &self.case_number,
            &self.page,
            &self.per_page,
            &self.flag,
            &self.mine,
            &self.sort,
        ]
        .iter()
        .all(|v| nonempty(v).is_none())
    }
}

fn nonempty(v: &Option<String>) -> Option<String> {
    v.as_ref()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}

/// Parses a local (Beijing) date into the stored UTC instant of its midnight.
fn local_midnight(d: NaiveDate) -> Option<String> {
    let dt = d.and_hms_opt(0, 0, 0)?;
    beijing()
        .from_local_datetime(&dt)
        .single()
        .map(|t| tianping_store::ts(t.to_utc()))
}

/// Builds the store filter (`me`: the reader's name, for "我承办的"); returns each invalid field
/// with a Chinese message.
pub fn build_filter(
    scope: ScopeFilter,
    q: &CaseQuery,
    me: &str,
) -> (CaseFilter, Vec<(&'static str, String)>) {
    let mut errs = vec![];
    let mut f = CaseFilter {
        scope: Some(scope),
        page: 1,
        per_page: 20,
        ..Default::default()
    };
    if let Some(t) = nonempty(&q.type_code) {
        if tianping_domain::case_type::lookup(&t).is_some() {
            f.type_code = Some(t);
        } else {
            errs.push(("type_code", format!("未知的类型代字“{t}”")));
        }
    }
    if let Some(k) = nonempty(&q.kind) {
        if tianping_domain::CaseKind::parse(&k).is_some() {
            f.kind = Some(k);
        } else {
            errs.push(("kind", format!("未知的案件类别“{k}”")));
        }
    }
    if let Some(s) = nonempty(&q.status) {
        match CaseStatus::parse(&s) {
            Some(st) => f.status = Some(st),
            None => errs.push((
                "status",
                format!("未知的状态“{s}”（应为 open、suspended 或 closed）"),
            )),
        }
    }
    f.judge = nonempty(&q.judge);
    let date = |field: &'static str,
                v: &Option<String>,
                errs: &mut Vec<(&'static str, String)>|
     -> Option<NaiveDate> {
        let s = nonempty(v)?;
        match NaiveDate::parse_from_str(&s, "%Y-%m-%d") {
            Ok(d) => Some(d),
            Err(_) => {
                errs.push((field, format!("日期“{s}”格式应为 YYYY-MM-DD")));
                None
            }
        }
    };
    let from = date("filed_from", &q.filed_from, &mut errs);
    let to = date("filed_to", &q.filed_to, &mut errs);
    if let (Some(a), Some(b)) = (from, to)
        && a > b
    {
        errs.push(("filed_to", "结束日期早于开始日期".into()));
    }
    f.filed_from = from.and_then(local_midnight);
    f.filed_before = to.and_then(|d| d.succ_opt()).and_then(local_midnight);
    if let Some(n) = nonempty(&q.case_number) {
        f.case_number = Some(tianping_domain::case_number::normalize(&n));
    }
    if let Some(o) = nonempty(&q.sort) {
        match tianping_store::case::CaseOrder::parse(&o) {
            Some(x) => f.order = x,
            None => errs.push((
                "sort",
                format!("未知的排序“{o}”（应为 filed_desc、filed_asc 或 number）"),
            )),
        }
    }
    match nonempty(&q.mine).as_deref() {
        None | Some("0") => {}
        Some("1") => f.judge = Some(me.trim().to_string()),
        Some(x) => errs.push(("mine", format!("“{x}”应为 1 或 0"))),
    }
    if let Some(flag) = nonempty(&q.flag) {
        if flag == "four_categories" {
            f.four_categories = true;
        } else {
            errs.push((
                "flag",
                format!("未知的标记“{flag}”（应为 four_categories）"),
            ));
        }
    }
    for (field, v, target) in [
        ("page", &q.page, &mut f.page),
        ("per_page", &q.per_page, &mut f.per_page),
    ] {
        if let Some(s) = nonempty(v) {
            match s.parse::<u32>() {
                Ok(n) if n >= 1 && (field == "page" || n <= 200) => *target = n,
                _ => errs.push((
                    field,
                    format!(
                        "“{s}”不是有效的{}",
                        if field == "page" {
                            "页码"
                        } else {
                            "每页条数（1–200）"
                        }
                    ),
                )),
            }
        }
    }
    (f, errs)
}

async fn list_cases(
    State(st): State<AppState>,
    CurrentUser(s): CurrentUser,
    Query(q): Query<CaseQuery>,
) -> Result<Json<CaseList>, ApiError> {
    let scope = read_scope(&s).ok_or_else(|| ApiError::forbidden("查看案件"))?;
    let (f, errs) = build_filter(scope, &q, &s.user.display_name);
    if let Some((field, msg)) = errs.first() {
        return Err(
            ApiError::new(Code::InvalidQuery, msg.clone()).with_details(json!({ "field": field }))
        );
    }
    let (rows, total) = st.store.list_cases(&f).await?;
    let items = case_views(&st, &s, &rows).await?;
    Ok(Json(CaseList {
        total: total.count,
        total_exact: total.exact,
        page: f.page,
        per_page: f.per_page,
        items,
    }))
}

async fn get_case(
    State(st): State<AppState>,
    CurrentUser(s): CurrentUser,
    Path(id): Path<String>,
) -> Result<Json<CaseDetail>, ApiError> {
    let id: i64 = id
        .parse()
        .map_err(|_| ApiError::new(Code::InvalidId, format!("案件编号“{id}”不是整数")))?;
    Ok(Json(readable_case(&st, &s, id, "api").await?))
}

pub(crate) fn writer(s: &Session) -> Result<Actor, ApiError> {
    if !s.user.role.records_events() {
        return Err(ApiError::forbidden("记录程序事件"));
    }
    Ok(Actor::person(person(s), &s.org))
}

/// Who posts events: a person (session cookie and CSRF token), or an agency's system client
/// (`Authorization: Bearer tps_…`: machine credentials the security administrator issued, in its
/// organisation's scope, recorded as `system:<name>`). Only a system client may carry approvals
/// its agency's people recorded in their own system.
pub struct EventWriter(pub Actor);

/// The bearer token of a request, if it sends one.
fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
}

impl axum::extract::FromRequestParts<AppState> for EventWriter {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        st: &AppState,
    ) -> Result<Self, Self::Rejection> {
        if let Some(token) = bearer(&parts.headers) {
            let found = st
                .store
                .system_client_by_token(&auth::token_hash(token), st.now())
                .await?;
            let Some((client, org)) = found else {
                return Err(ApiError::new(
                    Code::SystemTokenInvalid,
                    "业务系统接入凭据无效或已被吊销",
                ));
            };
            tracing::info!(system = %client.name, org = %org.id, "system client call");
            return Ok(EventWriter(Actor::agency_system(&client.name, org.scope())));
        }
        let CurrentUser(s) = CurrentUser::from_request_parts(parts, st).await?;
        check_csrf(&parts.headers, &s)?;
        Ok(EventWriter(writer(&s)?))
    }
}

async fn post_event(
    State(st): State<AppState>,
    EventWriter(actor): EventWriter,
    body: Bytes,
) -> Result<Response, ApiError> {
    let rec: EventRecord = serde_json::from_slice(&body).map_err(|e| malformed(&e))?;
    let report = st
        .store
        .ingest(
            &[Numbered {
                line: 1,
                record: rec,
            }],
            &actor,
            st.now(),
        )
        .await?;
    if let Some(r) = report.rejected.first() {
        // Recording someone else's approval is a matter of rights (403), a conflicting id a
        // conflict (409); everything else is an invalid record (422).
        let status = match r.code {
            "approval_not_own" => StatusCode::FORBIDDEN,
            "source_event_id_conflict" => StatusCode::CONFLICT,
            _ => StatusCode::UNPROCESSABLE_ENTITY,
        };
        return Err(ApiError::new(Code::EventRejected, format!("事件“{}”被拒绝：{}", r.source_event_id, r.reason)).with_status(status)
            .with_details(json!({ "source_event_id": r.source_event_id, "reason_code": r.code, "field": r.field, "reason": r.reason })));
    }
    if report.duplicates > 0 {
        return Ok((StatusCode::OK, Json(json!({ "status": "duplicate" }))).into_response());
    }
    Ok((StatusCode::CREATED, Json(json!({ "status": "accepted" }))).into_response())
}

async fn post_batch(
    State(st): State<AppState>,
    EventWriter(actor): EventWriter,
    body: Bytes,
) -> Result<Json<serde_json::Value>, ApiError> {
    let values: Vec<serde_json::Value> = serde_json::from_slice(&body)
        .map_err(|e| ApiError::new(Code::InvalidJson, format!("请求体应为事件数组：{e}")))?;
    let mut rejected = vec![];
    let mut good = vec![];
    for (i, v) in values.into_iter().enumerate() {
        match serde_json::from_value::<EventRecord>(v) {
            Ok(r) => good.push(Numbered { line: i as u64 + 1, record: r }),
            Err(e) => rejected.push(json!({ "index": i, "code": "event_malformed", "field": null, "reason": e.to_string() })),
        }
    }
    let report = st.store.ingest(&good, &actor, st.now()).await?;
    for r in &report.rejected {
        rejected.push(json!({ "index": r.line - 1, "source_event_id": r.source_event_id, "code": r.code, "field": r.field, "reason": r.reason }));
    }
    rejected.sort_by_key(|v| v["index"].as_u64());
    Ok(Json(
        json!({ "accepted": report.accepted, "duplicates": report.duplicates, "rejected": rejected }),
    ))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct ParseQuery {
    q: String,
}

async fn parse_case_number(
    Query(p): Query<ParseQuery>,
) -> Result<Json<serde_json::Value>, ApiError> {
    match CaseNumber::parse(&p.q) {
        Ok(n) => {
            let t = n.case_type();
            Ok(Json(json!({
                "canonical": n.to_string(),
                "parsed": n,
                "type": t.map(|t| json!({ "code": t.code, "name": t.name, "kind": t.kind, "procedure": t.procedure, "stage": t.procedure.stage() })),
                "warnings": if t.is_none() { vec!["type_code_unknown"] } else { vec![] },
            })))
        }
        Err(e) => Err(ApiError::new(Code::CaseNumberInvalid, e.to_string())
            .with_details(json!({ "part": e.part, "position": e.position, "reason": e.reason }))),
    }
}

/// An event body that is not valid JSON for an event: 422 with the line and column.
fn malformed(e: &serde_json::Error) -> ApiError {
    ApiError::new(Code::EventMalformed, format!("事件 JSON 无效：{e}"))
        .with_details(json!({ "line": e.line(), "column": e.column() }))
}
