//! The warnings board: open clock warnings in the viewer's scope, filtered and sorted, with the
//! Excel export and acknowledgement.

use super::ClockView;
use crate::AppState;
use crate::error::{ApiError, Code};
use crate::http::access::{read_scope, readable};
use crate::http::extract::{csrf_refused, parse_id};
use crate::http::page::{Layout, enc, error_page, render};
use crate::http::{CurrentUser, PageUser};
use askama::Template;
use axum::Form;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::json;
use tianping_domain::access::may_acknowledge_warning;
use tianping_domain::case::{REDACTED, Visibility, visibility};
use tianping_domain::clock::{Category, local_date as bj_date};
use tianping_domain::rules::ClockKey;
use tianping_domain::{AgencyKind, Role};
use tianping_store::clocks::{BoardQuery, BoardRow};
use tianping_store::user::Session;

#[derive(Debug, Default, Deserialize, Clone, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BoardParams {
    /// police：检察院查看辖区内公安机关案件、警情的期限预警（侦查监督）
    pub agency: Option<String>,
    pub category: Option<String>,
    pub clock: Option<String>,
    pub org: Option<String>,
    pub custody: Option<String>,
    pub sort: Option<String>,
    pub page: Option<String>,
    /// trial：审判期限；execution：执行期限（法院案件，按适用的期限规则区分）
    pub line: Option<String>,
    /// The page's 量刑偏离预警 tab (`deviation`); the API lists them at /deviation-warnings.
    #[param(ignore)]
    pub view: Option<String>,
}

/// The warnings board (`GET /api/v1/warnings`): counts by category, then the rows.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Board {
    pub counts: Vec<BoardCount>,
    pub items: Vec<BoardLine>,
}

/// How many clocks of the board fall in a category.
#[derive(Serialize, utoipa::ToSchema)]
pub struct BoardCount {
    pub category: &'static str,
    pub label: &'static str,
    pub count: i64,
}

/// A board row for a viewer (redacted by clearance).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct BoardLine {
    pub case_id: i64,
    pub case_number: String,
    pub title: String,
    pub judge: String,
    pub court: String,
    pub category: &'static str,
    pub category_zh: &'static str,
    pub warning_id: Option<i64>,
    pub level: i64,
    pub level_zh: String,
    pub acknowledged: bool,
    /// The reader may acknowledge it (the case's own chain only).
    pub can_ack: bool,
    pub clock: ClockView,
    /// For a procuratorate viewing another organ's overdue clock: the catalogue entry it would
    /// raise (prefills the new supervision item).
    #[serde(skip)]
    pub raise_with: String,
}

/// Who a warning has reached on the escalation ladder.
fn level_zh(ladder: &[tianping_store::clocks::Rung], level: i64) -> String {
    let who = |r: &tianping_store::clocks::Rung| match r.role {
        Role::Judge => "承办人",
        Role::CaseOffice => "审管办",
        Role::PlcSupervisor => "政法委",
        Role::PcSupervisor => "人大",
        other => other.zh(),
    };
    match (level, ladder.get(level.max(0) as usize)) {
        (0, Some(r)) => format!("已提醒{}", who(r)),
        (_, Some(r)) => format!("已督促至{}", who(r)),
        _ => "已督促至最高一级".into(),
    }
}

fn line(
    r: &BoardRow,
    s: &Session,
    today: NaiveDate,
    ladder: &[tianping_store::clocks::Rung],
) -> BoardLine {
    let vis = visibility(
        r.confidentiality,
        &crate::view::clearance_for(s, &r.org_id, r.judge.as_deref(), &[], None),
    );
    let (title, judge) = match vis {
        Visibility::Full => (r.title.clone(), r.judge.clone().unwrap_or_default()),
        Visibility::MaskParties => (r.title_masked.clone(), r.judge.clone().unwrap_or_default()),
        Visibility::Withhold => (REDACTED.into(), REDACTED.into()),
    };
    BoardLine {
        case_id: r.case_id,
        case_number: r.case_number.clone(),
        title,
        judge,
        court: r.org_name.clone(),
        category: r.category.as_str(),
        category_zh: r.category.zh(),
        warning_id: r.warning_id,
        level: r.level,
        level_zh: level_zh(ladder, r.level),
        acknowledged: r.acknowledged,
        can_ack: AgencyKind::parse(&r.agency_kind)
            .is_some_and(|k| may_acknowledge_warning(s.user.role, s.org.kind, k)),
        clock: ClockView::new(&r.clock, today),
        raise_with: String::new(),
    }
}

/// The catalogue entry a procuratorate would raise on an overdue clock of the police or a court.
fn raise_with(st: &AppState, s: &Session, r: &BoardRow) -> String {
    let agency = AgencyKind::parse(&r.agency_kind);
    match (s.org.kind, agency) {
        (AgencyKind::Procuratorate, Some(a)) if a != AgencyKind::Procuratorate => st
            .store
            .supervision()
            .catalogue
            .for_clock(r.clock.key, a)
            .map(|e| e.code.clone())
            .unwrap_or_default(),
        _ => String::new(),
    }
}

const PER_PAGE: i64 = 50;

/// The tags of the rules of one line of court work — execution (`execution` rules) — from the
/// rules in force: the 执行 tab lists the clocks of cases with a clock under one of them, the 审判
/// tab the court's other cases.
fn execution_rules(st: &AppState) -> Vec<String> {
    st.store
        .clockwork()
        .rules
        .rules
        .iter()
        .filter(|r| r.case_kind == "execution")
        .map(|r| r.tag())
        .collect()
}

fn board_query(st: &AppState, s: &Session, p: &BoardParams) -> Result<BoardQuery, ApiError> {
    let scope = read_scope(s).ok_or_else(|| ApiError::forbidden("查看期限预警"))?;
    let mut q = BoardQuery {
        region_prefix: scope.region_prefix,
        agency_kind: scope.agency_kind.map(|k| k.as_str().to_string()),
        sort: p.sort.clone().unwrap_or_default(),
        limit: PER_PAGE,
        ..Default::default()
    };
    let nonempty = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|x| !x.is_empty())
            .map(str::to_string)
    };
    if let Some(c) = nonempty(&p.category) {
        q.category = Some(Category::parse(&c).ok_or_else(|| {
            ApiError::new(Code::InvalidQuery, format!("未知的预警类别“{c}”"))
                .with_details(json!({ "field": "category" }))
        })?);
    }
    if let Some(c) = nonempty(&p.clock) {
        q.clock_key = Some(ClockKey::parse(&c).ok_or_else(|| {
            ApiError::new(Code::InvalidQuery, format!("未知的期限种类“{c}”"))
                .with_details(json!({ "field": "clock" }))
        })?);
    }
    if let Some(a) = nonempty(&p.agency) {
        if a != "police" {
            return Err(
                ApiError::new(Code::InvalidQuery, format!("未知的机关类别“{a}”"))
                    .with_details(json!({ "field": "agency" })),
            );
        }
        if !tianping_domain::access::supervises_investigation(s.org.kind, AgencyKind::Police) {
            return Err(ApiError::forbidden("查看公安机关的期限预警"));
        }
        q.agency_kind = Some(AgencyKind::Police.as_str().to_string());
    }
    q.org_id = nonempty(&p.org);
    if let Some(l) = nonempty(&p.line) {
        let exec = execution_rules(st);
        match l.as_str() {
            "trial" => q.case_rules = Some((exec, false)),
            "execution" => q.case_rules = Some((exec, true)),
            _ => {
                return Err(
                    ApiError::new(Code::InvalidQuery, format!("未知的业务类别“{l}”"))
                        .with_details(json!({ "field": "line" })),
                );
            }
        }
        if q.agency_kind
            .as_deref()
            .is_some_and(|k| k != AgencyKind::Court.as_str())
        {
            return Err(
                ApiError::new(Code::InvalidQuery, "审判、执行之分只适用于法院案件")
                    .with_details(json!({ "field": "line" })),
            );
        }
        q.agency_kind = Some(AgencyKind::Court.as_str().to_string());
    }
    q.custody_only = p.custody.as_deref() == Some("1");
    if let Some(pg) = nonempty(&p.page) {
        let n: i64 = pg.parse().ok().filter(|n| *n >= 1).ok_or_else(|| {
            ApiError::new(Code::InvalidQuery, format!("页码“{pg}”无效"))
                .with_details(json!({ "field": "page" }))
        })?;
        q.offset = (n - 1) * PER_PAGE;
    }
    if !matches!(q.sort.as_str(), "" | "due" | "case") {
        return Err(
            ApiError::new(Code::InvalidQuery, format!("未知的排序“{}”", q.sort))
                .with_details(json!({ "field": "sort" })),
        );
    }
    Ok(q)
}

pub async fn api_board(
    State(st): State<AppState>,
    CurrentUser(s): CurrentUser,
    Query(p): Query<BoardParams>,
) -> Result<Json<Board>, ApiError> {
    let q = board_query(&st, &s, &p)?;
    let today = bj_date(st.now());
    let rows = st.store.board(&q, st.now()).await?;
    let counts: Vec<BoardCount> = st
        .store
        .board_counts(&q)
        .await?
        .into_iter()
        .map(|(c, n)| BoardCount {
            category: c.as_str(),
            label: c.zh(),
            count: n,
        })
        .collect();
    let items: Vec<BoardLine> = rows
        .iter()
        .map(|r| line(r, &s, today, &st.store.clockwork().ladder))
        .collect();
    Ok(Json(Board { counts, items }))
}

#[derive(Template)]
#[template(path = "warnings.html")]
struct BoardPage {
    layout: Layout,
    p: BoardParams,
    counts: Vec<(&'static str, &'static str, i64)>,
    total: i64,
    lines: Vec<BoardLine>,
    export_href: String,
    prev_href: Option<String>,
    next_href: Option<String>,
    error: Option<String>,
    clock_keys: Vec<(&'static str, &'static str)>,
    can_letter: bool,
    /// Supervisors may open a supervision item from a warning.
    can_supervise: bool,
    /// A procuratorate watches the police's clocks in its region (侦查监督).
    watches_police: bool,
    /// The tab of the reader's own agency's files: a county's own, or with the units below.
    own_tab: &'static str,
    /// Open 量刑偏离预警 of the cases in scope.
    deviations: Vec<crate::similar::OpenDeviation>,
    /// The 量刑偏离预警 tab is shown instead of the clocks.
    deviation_view: bool,
    /// The kinds of letter 批量发函 offers (value, Chinese).
    letter_kinds: Vec<(&'static str, &'static str)>,
    /// The units the board may be narrowed to, as a tree (id, indented name).
    orgs: Vec<(String, String)>,
    /// The 审判 / 执行 tabs (court clocks are on the board).
    line_tabs: bool,
}

impl BoardPage {
    fn sel(&self, v: &Option<String>, option: &str) -> bool {
        v.as_deref().unwrap_or("") == option
    }
    /// This very page (filters, tab and page), to come back to after an action.
    fn here(&self) -> String {
        query_string(&self.p)
    }
    fn line_href(&self, line: &str) -> String {
        query_string(&BoardParams {
            line: (!line.is_empty()).then(|| line.to_string()),
            page: None,
            ..self.p.clone()
        })
    }
    fn tab_href(&self, cat: &str) -> String {
        query_string(&BoardParams {
            category: (!cat.is_empty()).then(|| cat.to_string()),
            page: None,
            ..self.p.clone()
        })
    }
}

fn query_string(p: &BoardParams) -> String {
    let mut parts = vec![];
    for (k, v) in [
        ("agency", &p.agency),
        ("category", &p.category),
        ("clock", &p.clock),
        ("org", &p.org),
        ("line", &p.line),
        ("custody", &p.custody),
        ("sort", &p.sort),
        ("page", &p.page),
    ] {
        if let Some(v) = v.as_deref().filter(|v| !v.is_empty()) {
            parts.push(format!("{k}={}", enc(v)));
        }
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!("?{}", parts.join("&"))
    }
}

pub(super) fn may_issue_letters(s: &Session) -> bool {
    tianping_domain::access::may_issue_letters(s.user.role, s.org.kind)
}

pub async fn board_page(
    State(st): State<AppState>,
    PageUser(s): PageUser,
    Query(p): Query<BoardParams>,
) -> Response {
    let q = match board_query(&st, &s, &p) {
        Ok(q) => q,
        Err(e) if e.status == StatusCode::FORBIDDEN => return error_page(e.status, &e.message),
        Err(e) => {
            return render(&BoardPage {
                layout: Layout::new(&s, "/warnings"),
                p: BoardParams::default(),
                counts: vec![],
                total: 0,
                lines: vec![],
                export_href: String::new(),
                prev_href: None,
                next_href: None,
                error: Some(e.message),
                clock_keys: clock_keys(),
                can_letter: false,
                can_supervise: false,
                watches_police: false,
                own_tab: "",
                deviations: vec![],
                deviation_view: false,
                letter_kinds: vec![],
                orgs: vec![],
                line_tabs: false,
            });
        }
    };
    let today = bj_date(st.now());
    // 量刑偏离预警 have a tab of their own: the clocks are not read for it.
    let deviation_view = p.view.as_deref() == Some("deviation");
    let read = async {
        if deviation_view {
            return Ok((vec![], vec![]));
        }
        tokio::try_join!(st.store.board(&q, st.now()), st.store.board_counts(&q))
    };
    let (rows, counts) = match read.await {
        Ok(x) => x,
        Err(e) => {
            return error_page(
                StatusCode::INTERNAL_SERVER_ERROR,
                &ApiError::from(e).message,
            );
        }
    };
    let deviations = match crate::similar::open_deviations(&st, &s).await {
        Ok(d) => d,
        Err(e) => return error_page(e.status, &e.message),
    };
    let total: i64 = counts
        .iter()
        .filter(|(c, _)| q.category.is_none_or(|x| x == *c))
        .map(|(_, n)| n)
        .sum();
    let page = q.offset / PER_PAGE + 1;
    let href = |n: i64| {
        query_string(&BoardParams {
            page: Some(n.to_string()),
            ..p.clone()
        })
    };
    // The units of the board's agency kind in the reader's reach, as a tree.
    let kind = q.agency_kind.as_deref().and_then(AgencyKind::parse);
    let orgs = st
        .store
        .orgs_in(&q.region_prefix)
        .await
        .unwrap_or_default()
        .into_iter()
        .filter(|o| match kind {
            Some(k) => o.kind == k,
            None => matches!(
                o.kind,
                AgencyKind::Court | AgencyKind::Procuratorate | AgencyKind::Police
            ),
        })
        .collect::<Vec<_>>();
    let orgs = if orgs.len() > 1 {
        crate::http::page::org_tree(orgs)
    } else {
        vec![]
    };
    let line_tabs = p.agency.is_none()
        && (s.org.kind == AgencyKind::Court || s.org.kind.supervises_all_kinds());
    let all_counts = Category::ALL
        .iter()
        .map(|c| {
            (
                c.as_str(),
                c.zh(),
                counts.iter().find(|(x, _)| x == c).map_or(0, |(_, n)| *n),
            )
        })
        .collect();
    render(&BoardPage {
        layout: Layout::new(&s, "/warnings"),
        export_href: format!(
            "/warnings/export.xlsx{}",
            query_string(&BoardParams {
                page: None,
                ..p.clone()
            })
        ),
        prev_href: (page > 1).then(|| format!("/warnings{}", href(page - 1))),
        next_href: (page * PER_PAGE < total).then(|| format!("/warnings{}", href(page + 1))),
        lines: rows
            .iter()
            .map(|r| BoardLine {
                raise_with: raise_with(&st, &s, r),
                ..line(r, &s, today, &st.store.clockwork().ladder)
            })
            .collect(),
        counts: all_counts,
        total,
        p,
        error: None,
        clock_keys: clock_keys(),
        can_letter: may_issue_letters(&s),
        can_supervise: tianping_store::supervision::supervises(s.user.role),
        watches_police: tianping_domain::access::supervises_investigation(
            s.org.kind,
            AgencyKind::Police,
        ),
        own_tab: if s.org.level == tianping_domain::Level::County {
            "本院案件"
        } else {
            "本院及下级院案件"
        },
        deviations,
        deviation_view,
        letter_kinds: tianping_store::clocks::LETTER_KINDS
            .iter()
            .map(|k| (k.0, k.1))
            .collect(),
        orgs,
        line_tabs,
    })
}

fn clock_keys() -> Vec<(&'static str, &'static str)> {
    ClockKey::ALL.iter().map(|k| (k.as_str(), k.zh())).collect()
}

/// The board as an Excel workbook (all matching rows, up to 100 000).
pub async fn board_export(
    State(st): State<AppState>,
    PageUser(s): PageUser,
    Query(p): Query<BoardParams>,
) -> Response {
    let mut q = match board_query(&st, &s, &p) {
        Ok(q) => q,
        Err(e) => return error_page(e.status, &e.message),
    };
    q.limit = 100_000;
    q.offset = 0;
    let today = bj_date(st.now());
    let rows = match st.store.board(&q, st.now()).await {
        Ok(r) => r,
        Err(e) => {
            return error_page(
                StatusCode::INTERNAL_SERVER_ERROR,
                &ApiError::from(e).message,
            );
        }
    };
    let lines: Vec<BoardLine> = rows
        .iter()
        .map(|r| line(r, &s, today, &st.store.clockwork().ladder))
        .collect();
    match workbook(&lines, today) {
        Ok(bytes) => (
            [
                (
                    header::CONTENT_TYPE,
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string(),
                ),
                (
                    header::CONTENT_DISPOSITION,
                    format!(
                        "attachment; filename=\"warnings-{today}.xlsx\"; filename*=UTF-8''{}",
                        enc(&format!("期限预警-{today}.xlsx"))
                    ),
                ),
            ],
            bytes,
        )
            .into_response(),
        Err(e) => {
            tracing::error!(error = %e, "xlsx export failed");
            error_page(StatusCode::INTERNAL_SERVER_ERROR, "导出失败，已记录日志")
        }
    }
}

fn workbook(lines: &[BoardLine], today: NaiveDate) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("期限预警")?;
    let bold = Format::new().set_bold();
    let headers = [
        "案号",
        "案件名称",
        "承办单位",
        "承办人",
        "期限",
        "法律依据",
        "起算",
        "届满日",
        "剩余/超期",
        "预警类别",
        "督促级别",
        "已确认",
        "在押",
        "临时日历",
        "已扣除日数",
    ];
    let formats = crate::export::CellFormats::default();
    for (i, h) in headers.iter().enumerate() {
        ws.write_string_with_format(0, i as u16, *h, &bold)?;
    }
    for (r, l) in lines.iter().enumerate() {
        let row = r as u32 + 1;
        let cells = [
            l.case_number.clone(),
            l.title.clone(),
            l.court.clone(),
            l.judge.clone(),
            l.clock.name.clone(),
            l.clock.citation.clone(),
            l.clock.started.clone(),
            l.clock.due.clone(),
            l.clock.left_zh.clone(),
            l.category_zh.to_string(),
            l.level_zh.clone(),
            if l.acknowledged { "是" } else { "否" }.to_string(),
            if l.clock.custody { "是" } else { "否" }.to_string(),
            if l.clock.provisional { "是" } else { "否" }.to_string(),
        ];
        for (c, v) in cells.iter().enumerate() {
            crate::export::write_typed(ws, &formats, row, c as u16, v)?;
        }
        ws.write_number(row, cells.len() as u16, l.clock.excluded_days as f64)?;
    }
    ws.write_string(
        lines.len() as u32 + 2,
        0,
        format!(
            "导出日期 {today}；共 {} 条；期限计算依据见系统“计算依据”",
            lines.len()
        ),
    )?;
    for (i, w) in [24, 30, 18, 10, 24, 26, 17, 12, 12, 16, 14, 8, 6, 8, 10]
        .iter()
        .enumerate()
    {
        ws.set_column_width(i as u16, *w)?;
    }
    crate::export::finish_sheet(ws, 0, lines.len() as u32, headers.len() as u16)?;
    wb.save_to_buffer()
}

async fn ack(st: &AppState, s: &Session, warning_id: i64) -> Result<bool, ApiError> {
    let case = st
        .store
        .warning_case(warning_id)
        .await?
        .ok_or_else(|| ApiError::not_found("预警"))?;
    let row = readable(st, s, case)
        .await
        .map_err(|_| ApiError::not_found("预警"))?;
    let kind = AgencyKind::parse(&row.agency_kind);
    if !kind.is_some_and(|k| may_acknowledge_warning(s.user.role, s.org.kind, k)) {
        // Supervisors watch; only the case's own chain silences escalation (finding M5).
        return Err(ApiError::forbidden("确认预警（仅办案机关本身可确认）"));
    }
    Ok(st
        .store
        .acknowledge(warning_id, s.user.id, st.now())
        .await?)
}

pub async fn api_ack(
    State(st): State<AppState>,
    headers: HeaderMap,
    CurrentUser(s): CurrentUser,
    Path(id): Path<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    crate::http::extract::check_csrf(&headers, &s)?;
    let id = parse_id(&id, "预警")?;
    let changed = ack(&st, &s, id).await?;
    Ok(Json(json!({ "acknowledged": true, "changed": changed })))
}

/// At most this many warnings are confirmed by one request.
const BULK_MAX: usize = 200;

/// Confirms each of `ids` the reader may confirm; one refused does not stop the others.
/// Returns how many were newly confirmed and, for each refused, its id and why.
async fn bulk_ack(
    st: &AppState,
    s: &Session,
    ids: &[i64],
) -> Result<(usize, Vec<(i64, String)>), ApiError> {
    if ids.len() > BULK_MAX {
        return Err(ApiError::new(
            Code::InvalidQuery,
            format!("一次最多确认 {BULK_MAX} 项预警，本次 {} 项", ids.len()),
        )
        .with_details(json!({ "field": "ids" })));
    }
    let mut done = 0;
    let mut refused = vec![];
    for id in ids {
        match ack(st, s, *id).await {
            Ok(true) => done += 1,
            Ok(false) => {}
            Err(e) if e.status.is_server_error() => return Err(e),
            Err(e) => refused.push((*id, e.message)),
        }
    }
    Ok((done, refused))
}

/// The warnings to confirm together.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct BulkAckInput {
    /// 预警编号（至多 200 个）
    pub ids: Vec<i64>,
}

pub async fn api_bulk_ack(
    State(st): State<AppState>,
    headers: HeaderMap,
    CurrentUser(s): CurrentUser,
    body: axum::body::Bytes,
) -> Result<Json<serde_json::Value>, ApiError> {
    crate::http::extract::check_csrf(&headers, &s)?;
    let input: BulkAckInput = serde_json::from_slice(&body)
        .map_err(|e| ApiError::new(Code::BodyMalformed, format!("请求体不是有效的 JSON：{e}")))?;
    let (done, refused) = bulk_ack(&st, &s, &input.ids).await?;
    Ok(Json(json!({
        "acknowledged": done,
        "refused": refused.iter().map(|(id, why)| json!({ "id": id, "reason": why })).collect::<Vec<_>>(),
    })))
}

/// 确认所选: the board's checked warnings, back to the same page.
pub async fn bulk_ack_submit(
    State(st): State<AppState>,
    PageUser(s): PageUser,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    let field = |k: &str| {
        form.iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    if let Some(refused) = csrf_refused(&field("csrf"), &s) {
        return refused;
    }
    let ids: Vec<i64> = form
        .iter()
        .filter(|(n, _)| n == "ids")
        .filter_map(|(_, v)| v.parse().ok())
        .collect();
    match bulk_ack(&st, &s, &ids).await {
        Ok((_, refused)) if refused.is_empty() => crate::http::page::redirect(
            tianping_domain::access::safe_back(&field("back"), "/warnings"),
        ),
        Ok((done, refused)) => error_page(
            StatusCode::FORBIDDEN,
            &format!(
                "已确认 {done} 项；{} 项未确认：{}",
                refused.len(),
                refused
                    .iter()
                    .map(|(_, why)| why.as_str())
                    .collect::<Vec<_>>()
                    .join("；")
            ),
        ),
        Err(e) => error_page(e.status, &e.message),
    }
}

#[derive(Deserialize)]
pub struct AckForm {
    #[serde(default)]
    pub(super) csrf: String,
    #[serde(default)]
    pub(super) back: String,
}

pub async fn ack_submit(
    State(st): State<AppState>,
    PageUser(s): PageUser,
    Path(id): Path<String>,
    Form(f): Form<AckForm>,
) -> Response {
    if let Some(refused) = csrf_refused(&f.csrf, &s) {
        return refused;
    }
    let Ok(id) = id.parse::<i64>() else {
        return error_page(StatusCode::NOT_FOUND, "预警不存在");
    };
    match ack(&st, &s, id).await {
        Ok(_) => {
            crate::http::page::redirect(tianping_domain::access::safe_back(&f.back, "/warnings"))
        }
        Err(e) => error_page(e.status, &e.message),
    }
}
