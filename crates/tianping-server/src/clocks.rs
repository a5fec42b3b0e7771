//! Statutory clocks in the UI and the API: each case's clocks with their "why", the warnings board
//! (filter, sort, Excel export), acknowledgements, reminder letters, moved due dates, the mailbox
//! and notification preferences. Every handler checks the role and the case's scope.

use crate::api::{can_read, read_scope};
use crate::error::ApiError;
use crate::pages::{Layout, enc, error_page, render};
use crate::view::{local, local_date};
use crate::{AppState, CurrentUser, PageUser, auth};
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
use tianping_domain::clock::{Category, Clock, local_date as bj_date};
use tianping_domain::rules::ClockKey;
use tianping_domain::{AgencyKind, Role};
use tianping_store::clocks::{BoardQuery, BoardRow, LETTER_KINDS, Letter};
use tianping_store::user::Session;

/// One clock as a viewer sees it.
#[derive(Debug, Serialize)]
pub struct ClockView {
    pub key: String,
    pub key_zh: &'static str,
    pub name: String,
    pub rule: String,
    pub marker: String,
    pub citation: String,
    pub status: &'static str,
    pub status_zh: &'static str,
    pub started: String,
    pub due: String,
    pub nominal_due: String,
    pub deadline: String,
    pub days_left: Option<i64>,
    pub left_zh: String,
    pub gross_days: i64,
    pub net_days: i64,
    pub excluded_days: i64,
    pub custody: bool,
    pub provisional: bool,
    pub apply_by: String,
    pub findings: Vec<String>,
    pub why: Vec<WhyView>,
    pub severity: &'static str,
}

#[derive(Debug, Serialize)]
pub struct WhyView {
    pub step: String,
    pub text: String,
    pub source: String,
}

fn day(d: Option<NaiveDate>) -> String {
    d.map(|d| d.format("%Y-%m-%d").to_string())
        .unwrap_or_default()
}

impl ClockView {
    pub fn new(c: &Clock, today: NaiveDate) -> ClockView {
        let days_left = c.days_left(today).filter(|_| c.status.is_open());
        let left_zh = match (c.status.is_open(), days_left) {
            (true, Some(n)) if n > 0 => format!("剩余 {n} 日"),
            (true, Some(0)) => "今日届满".into(),
            (true, Some(n)) => format!("超期 {} 日", -n),
            _ => c.status.zh().into(),
        };
        let severity = if c.key == ClockKey::LongPending {
            match c.tier_months {
                Some(m) if m >= 36 => "danger",
                Some(_) => "warn",
                None => "ok",
            }
        } else {
            match (c.status, days_left) {
                (tianping_domain::clock::ClockStatus::Overdue, _)
                | (tianping_domain::clock::ClockStatus::Late, _)
                | (tianping_domain::clock::ClockStatus::NoRule, _) => "danger",
                (_, Some(n)) if n <= 5 => "danger",
                (_, Some(n)) if n <= 30 => "warn",
                _ => "ok",
            }
        };
        ClockView {
            key: c.key.as_str().into(),
            key_zh: c.key.zh(),
            name: c.name_zh.clone(),
            rule: c.rule.clone().unwrap_or_else(|| "—".into()),
            marker: c
                .marker
                .map(|m| format!("{} {}", m.label(), m.zh()))
                .unwrap_or_default(),
            citation: c.citation.clone(),
            status: c.status.as_str(),
            status_zh: c.status.zh(),
            started: local(&tianping_store::ts(c.started_at)),
            due: day(c.due),
            nominal_due: day(c.nominal_due),
            deadline: c
                .deadline
                .map(|t| local(&tianping_store::ts(t)))
                .unwrap_or_default(),
            days_left,
            left_zh,
            gross_days: c.gross_days,
            net_days: c.net_days,
            excluded_days: c.excluded_days,
            custody: c.custody,
            provisional: c.provisional,
            apply_by: if c.status.is_open() {
                day(c.apply_by)
            } else {
                String::new()
            },
            findings: c.findings.clone(),
            why: c
                .why
                .iter()
                .map(|w| WhyView {
                    step: w.step.clone(),
                    text: w.text.clone(),
                    source: w.source.clone().unwrap_or_default(),
                })
                .collect(),
            severity,
        }
    }
}

/// The clocks of a case (the caller has checked the session may read it), computed now from the
/// case's state with their full explanation.
pub async fn case_clocks(st: &AppState, id: i64) -> Result<Vec<ClockView>, ApiError> {
    let now = st.now();
    let today = bj_date(now);
    let Some((_, state)) = st.store.case_by_id(id).await? else {
        return Err(ApiError::not_found("案件"));
    };
    let state: tianping_domain::CaseState = serde_json::from_str(&state)
        .map_err(|e| ApiError::internal(format!("case {id} state: {e}")))?;
    Ok(st
        .store
        .clockwork()
        .explain(&state, now)
        .iter()
        .map(|c| ClockView::new(c, today))
        .collect())
}

pub(crate) fn parse_id(id: &str, what: &str) -> Result<i64, ApiError> {
    id.parse()
        .map_err(|_| ApiError::bad_request("invalid_id", format!("{what}编号“{id}”不是整数")))
}

/// Checks that the session may read case `id`; 404 otherwise (never revealing it exists).
pub(crate) async fn readable(
    st: &AppState,
    s: &Session,
    id: i64,
) -> Result<tianping_store::case::CaseRow, ApiError> {
    if !s.user.role.reads_cases() {
        return Err(ApiError::forbidden("查看案件"));
    }
    match st.store.case_by_id(id).await? {
        Some((row, _)) if can_read(s, &row) => Ok(row),
        _ => Err(ApiError::not_found("案件")),
    }
}

pub async fn api_case_clocks(
    State(st): State<AppState>,
    CurrentUser(s): CurrentUser,
    Path(id): Path<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let id = parse_id(&id, "案件")?;
    readable(&st, &s, id).await?;
    Ok(Json(json!({ "items": case_clocks(&st, id).await? })))
}

// ---- the warnings board --------------------------------------------------------------------

#[derive(Debug, Default, Deserialize, Clone)]
pub struct BoardParams {
    pub category: Option<String>,
    pub clock: Option<String>,
    pub org: Option<String>,
    pub custody: Option<String>,
    pub sort: Option<String>,
    pub page: Option<String>,
}

/// A board row for a viewer (redacted by clearance).
#[derive(Debug, Serialize)]
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
    }
}

const PER_PAGE: i64 = 50;

fn board_query(s: &Session, p: &BoardParams) -> Result<BoardQuery, ApiError> {
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
            ApiError::bad_request("invalid_query", format!("未知的预警类别“{c}”"))
                .with_details(json!({ "field": "category" }))
        })?);
    }
    if let Some(c) = nonempty(&p.clock) {
        q.clock_key = Some(ClockKey::parse(&c).ok_or_else(|| {
            ApiError::bad_request("invalid_query", format!("未知的期限种类“{c}”"))
                .with_details(json!({ "field": "clock" }))
        })?);
    }
    q.org_id = nonempty(&p.org);
    q.custody_only = p.custody.as_deref() == Some("1");
    if let Some(pg) = nonempty(&p.page) {
        let n: i64 = pg.parse().ok().filter(|n| *n >= 1).ok_or_else(|| {
            ApiError::bad_request("invalid_query", format!("页码“{pg}”无效"))
                .with_details(json!({ "field": "page" }))
        })?;
        q.offset = (n - 1) * PER_PAGE;
    }
    if !matches!(q.sort.as_str(), "" | "due" | "case") {
        return Err(
            ApiError::bad_request("invalid_query", format!("未知的排序“{}”", q.sort))
                .with_details(json!({ "field": "sort" })),
        );
    }
    Ok(q)
}

pub async fn api_board(
    State(st): State<AppState>,
    CurrentUser(s): CurrentUser,
    Query(p): Query<BoardParams>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let q = board_query(&s, &p)?;
    let today = bj_date(st.now());
    let rows = st.store.board(&q, st.now()).await?;
    let counts: Vec<serde_json::Value> = st
        .store
        .board_counts(&q)
        .await?
        .into_iter()
        .map(|(c, n)| json!({ "category": c.as_str(), "label": c.zh(), "count": n }))
        .collect();
    let items: Vec<BoardLine> = rows
        .iter()
        .map(|r| line(r, &s, today, &st.store.clockwork().ladder))
        .collect();
    Ok(Json(json!({ "counts": counts, "items": items })))
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
    /// Open 量刑偏离预警 of the cases in scope.
    deviations: Vec<crate::similar::OpenDeviation>,
}

impl BoardPage {
    fn sel(&self, v: &Option<String>, option: &str) -> bool {
        v.as_deref().unwrap_or("") == option
    }
    fn tab_href(&self, cat: &str) -> String {
        query_string(&BoardParams {
            category: Some(cat.to_string()),
            page: None,
            ..self.p.clone()
        })
    }
}

fn query_string(p: &BoardParams) -> String {
    let mut parts = vec![];
    for (k, v) in [
        ("category", &p.category),
        ("clock", &p.clock),
        ("org", &p.org),
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

fn may_issue_letters(s: &Session) -> bool {
    matches!(s.user.role, Role::CaseOffice | Role::President) && s.org.kind == AgencyKind::Court
}

pub async fn board_page(
    State(st): State<AppState>,
    PageUser(s): PageUser,
    Query(p): Query<BoardParams>,
) -> Response {
    let q = match board_query(&s, &p) {
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
                deviations: vec![],
            });
        }
    };
    let today = bj_date(st.now());
    let (rows, counts) =
        match tokio::try_join!(st.store.board(&q, st.now()), st.store.board_counts(&q)) {
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
            .map(|r| line(r, &s, today, &st.store.clockwork().ladder))
            .collect(),
        counts: all_counts,
        total,
        p,
        error: None,
        clock_keys: clock_keys(),
        can_letter: may_issue_letters(&s),
        can_supervise: tianping_store::supervision::supervises(s.user.role),
        deviations,
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
    let mut q = match board_query(&s, &p) {
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
        "适用规则",
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
            l.clock.rule.clone(),
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
            ws.write_string(row, c as u16, v)?;
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
    ws.set_freeze_panes(1, 0)?;
    wb.save_to_buffer()
}

// ---- acknowledgements ---------------------------------------------------------------------------

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
    crate::api::check_csrf(&headers, &s)?;
    let id = parse_id(&id, "预警")?;
    let changed = ack(&st, &s, id).await?;
    Ok(Json(json!({ "acknowledged": true, "changed": changed })))
}

#[derive(Deserialize)]
pub struct AckForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    back: String,
}

/// The page a form post gets when its CSRF token is missing or wrong.
pub(crate) fn csrf_refused(given: &str, s: &Session) -> Option<Response> {
    (!auth::same_token(given, &s.csrf_token)).then(|| {
        error_page(
            StatusCode::FORBIDDEN,
            "请求缺少有效的 CSRF 令牌，请刷新页面后重试",
        )
    })
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
        Ok(_) => crate::pages::redirect(tianping_domain::access::safe_back(&f.back, "/warnings")),
        Err(e) => error_page(e.status, &e.message),
    }
}

// ---- reminder letters ------------------------------------------------------------------------

#[derive(Deserialize)]
pub struct LetterInput {
    pub kind: String,
    #[serde(default)]
    pub warning_id: Option<i64>,
    #[serde(default)]
    pub body: String,
}

async fn issue(
    st: &AppState,
    s: &Session,
    case_id: i64,
    input: &LetterInput,
) -> Result<Letter, ApiError> {
    if !may_issue_letters(s) {
        return Err(ApiError::forbidden("制发提示函、督办函、警示函"));
    }
    let row = readable(st, s, case_id).await?;
    if !LETTER_KINDS.iter().any(|k| k.0 == input.kind) {
        return Err(ApiError::bad_request(
            "invalid_letter_kind",
            format!(
                "文书种类“{}”无效，应为 reminder、supervision 或 warning",
                input.kind
            ),
        )
        .with_details(json!({ "field": "kind" })));
    }
    if let Some(w) = input.warning_id
        && st.store.warning_case(w).await? != Some(case_id)
    {
        return Err(
            ApiError::bad_request("invalid_warning", "所附预警不属于本案")
                .with_details(json!({ "field": "warning_id" })),
        );
    }
    let body = input.body.trim();
    if body.chars().count() > 4000 {
        return Err(
            ApiError::bad_request("letter_too_long", "正文不能超过 4000 字")
                .with_details(json!({ "field": "body" })),
        );
    }
    let clocks = st.store.clocks_of_case(case_id, st.now()).await?;
    let today = bj_date(st.now());
    let mut text = String::new();
    if !body.is_empty() {
        text.push_str(body);
        text.push_str("\n\n");
    }
    let cw = st.store.clockwork();
    for c in clocks
        .iter()
        .filter(|c| c.status.is_open() && c.key != ClockKey::LongPending)
    {
        let v = ClockView::new(c, today);
        let citation = c
            .rule
            .as_deref()
            .and_then(|t| cw.rules.rule(t))
            .map_or("", |r| r.citation.as_str());
        text.push_str(&format!(
            "{}：届满日 {}（{}），适用规则 {}；依据：{}\n",
            v.name, v.due, v.left_zh, v.rule, citation
        ));
    }
    let code = s
        .org
        .court_code
        .clone()
        .unwrap_or_else(|| s.org.name.clone());
    Ok(st
        .store
        .issue_letter(
            &input.kind,
            row.id,
            input.warning_id,
            &s.org.id,
            &code,
            s.user.id,
            text.trim_end(),
            st.now(),
        )
        .await?)
}

pub async fn api_issue_letter(
    State(st): State<AppState>,
    headers: HeaderMap,
    CurrentUser(s): CurrentUser,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Result<Response, ApiError> {
    crate::api::check_csrf(&headers, &s)?;
    let id = parse_id(&id, "案件")?;
    let input: LetterInput = serde_json::from_slice(&body).map_err(|e| {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "letter_malformed",
            format!("JSON 无效：{e}"),
        )
    })?;
    let l = issue(&st, &s, id, &input).await?;
    Ok((StatusCode::CREATED, Json(l)).into_response())
}

#[derive(Deserialize)]
pub struct LetterForm {
    #[serde(default)]
    csrf: String,
    kind: String,
    #[serde(default)]
    warning_id: String,
    #[serde(default)]
    body: String,
}

pub async fn letter_submit(
    State(st): State<AppState>,
    PageUser(s): PageUser,
    Path(id): Path<String>,
    Form(f): Form<LetterForm>,
) -> Response {
    if let Some(refused) = csrf_refused(&f.csrf, &s) {
        return refused;
    }
    let Ok(id) = id.parse::<i64>() else {
        return error_page(StatusCode::NOT_FOUND, "案件不存在");
    };
    let input = LetterInput {
        kind: f.kind,
        warning_id: f.warning_id.trim().parse().ok(),
        body: f.body,
    };
    match issue(&st, &s, id, &input).await {
        Ok(l) => crate::pages::redirect(&format!("/letters/{}", l.id)),
        Err(e) => error_page(e.status, &e.message),
    }
}

#[derive(Template)]
#[template(path = "letter.html")]
struct LetterPage {
    l: Letter,
    kind_zh: &'static str,
    issued_date: String,
    issuer_org: String,
    paragraphs: Vec<String>,
}

pub async fn letter_page(
    State(st): State<AppState>,
    PageUser(s): PageUser,
    Path(id): Path<String>,
) -> Response {
    let Ok(id) = id.parse::<i64>() else {
        return error_page(StatusCode::NOT_FOUND, "文书不存在");
    };
    let l = match st.store.letter(id).await {
        Ok(Some(l)) => l,
        Ok(None) => return error_page(StatusCode::NOT_FOUND, "文书不存在或不在您的权限范围内"),
        Err(e) => {
            return error_page(
                StatusCode::INTERNAL_SERVER_ERROR,
                &ApiError::from(e).message,
            );
        }
    };
    let row = match readable(&st, &s, l.case_id).await {
        Ok(r) => r,
        Err(_) => return error_page(StatusCode::NOT_FOUND, "文书不存在或不在您的权限范围内"),
    };
    // The issuer's own words may name a party: a reader without the case's clearance sees the
    // clock lines the system wrote, not those words.
    let full = visibility(
        row.confidentiality,
        &crate::view::clearance_for_row(&s, &row),
    ) == Visibility::Full;
    let issuer_org = st
        .store
        .org_directory()
        .await
        .ok()
        .and_then(|d| d.get(&l.org_id).map(|o| o.name.clone()))
        .unwrap_or_else(|| l.org_id.clone());
    render(&LetterPage {
        kind_zh: LETTER_KINDS
            .iter()
            .find(|k| k.0 == l.kind)
            .map_or("函", |k| k.1),
        issued_date: local_date(&l.issued_at),
        paragraphs: {
            let mut withheld = false;
            let mut v = vec![];
            for x in l.body.lines().filter(|x| !x.trim().is_empty()) {
                if full || x.contains("：届满日 ") {
                    v.push(x.to_string());
                } else if !withheld {
                    withheld = true;
                    v.push(format!(
                        "（本案为“{}”案件，函件中的说明文字仅对有相应权限的人员显示。）",
                        row.confidentiality.zh()
                    ));
                }
            }
            v
        },
        issuer_org,
        l,
    })
}

// ---- moved due dates ---------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "changes.html")]
struct ChangesPage {
    layout: Layout,
    changes: Vec<tianping_store::clocks::ClockChange>,
    pending: usize,
    can_ack: bool,
}

fn may_ack_changes(s: &Session) -> bool {
    tianping_domain::access::may_acknowledge_changes(s.user.role, s.org.kind)
}

pub async fn changes_page(State(st): State<AppState>, PageUser(s): PageUser) -> Response {
    let Some(scope) = read_scope(&s) else {
        return error_page(StatusCode::FORBIDDEN, "当前角色无权查看期限变动");
    };
    match st
        .store
        .clock_changes(&scope.region_prefix, scope.agency_kind, 500)
        .await
    {
        Ok(changes) => render(&ChangesPage {
            layout: Layout::new(&s, "/clock-changes"),
            pending: changes.iter().filter(|c| !c.acknowledged).count(),
            changes,
            can_ack: may_ack_changes(&s),
        }),
        Err(e) => error_page(
            StatusCode::INTERNAL_SERVER_ERROR,
            &ApiError::from(e).message,
        ),
    }
}

pub async fn api_changes(
    State(st): State<AppState>,
    CurrentUser(s): CurrentUser,
) -> Result<Json<serde_json::Value>, ApiError> {
    let scope = read_scope(&s).ok_or_else(|| ApiError::forbidden("查看期限变动"))?;
    Ok(Json(
        json!({ "items": st.store.clock_changes(&scope.region_prefix, scope.agency_kind, 500).await? }),
    ))
}

pub async fn changes_ack(
    State(st): State<AppState>,
    PageUser(s): PageUser,
    Form(f): Form<AckForm>,
) -> Response {
    if let Some(refused) = csrf_refused(&f.csrf, &s) {
        return refused;
    }
    if !may_ack_changes(&s) {
        return error_page(StatusCode::FORBIDDEN, "当前角色无权确认期限变动");
    }
    let Some(scope) = read_scope(&s) else {
        return error_page(StatusCode::FORBIDDEN, "当前角色无权确认期限变动");
    };
    match st
        .store
        .acknowledge_changes(&scope.region_prefix, s.org.kind, s.user.id, st.now())
        .await
    {
        Ok(_) => crate::pages::redirect("/clock-changes"),
        Err(e) => error_page(
            StatusCode::INTERNAL_SERVER_ERROR,
            &ApiError::from(e).message,
        ),
    }
}

/// Clocks that should have fired and did not (case office, presidents, system administrators).
pub async fn api_self_check(
    State(st): State<AppState>,
    CurrentUser(s): CurrentUser,
) -> Result<Json<serde_json::Value>, ApiError> {
    if !matches!(
        s.user.role,
        Role::CaseOffice | Role::President | Role::Sysadmin
    ) {
        return Err(ApiError::forbidden("查看期限自检"));
    }
    let missed = st
        .store
        .self_check(st.now(), chrono::Duration::minutes(10))
        .await?;
    let scope = s.org.region_path.clone();
    if s.user.role == Role::Sysadmin {
        // 三员分立: the system administrator sees that the poller missed something and what
        // failed, never which case (finding M4).
        let missed: Vec<serde_json::Value> = missed
            .iter()
            .map(|m| json!({ "clock_key": m.clock_key, "next_fire_at": m.next_fire_at, "error": m.error }))
            .collect();
        return Ok(Json(json!({ "scope": scope, "missed": missed })));
    }
    let mut visible = vec![];
    for m in missed {
        if readable(&st, &s, m.case_id).await.is_ok() {
            visible.push(m);
        }
    }
    Ok(Json(json!({ "scope": scope, "missed": visible })))
}

/// The rule set in use, with citations and markers (anyone logged in).
pub async fn api_rules(
    State(st): State<AppState>,
    CurrentUser(_s): CurrentUser,
) -> Json<serde_json::Value> {
    let cw = st.store.clockwork();
    Json(json!({
        "fingerprint": cw.rules.fingerprint,
        "calendar": {
            "first_year": cw.calendar.first_year(),
            "last_year": cw.calendar.last_year(),
            "fingerprint": cw.calendar.fingerprint(),
        },
        "rules": cw.rules.rules,
        "long_pending": cw.rules.long_pending,
    }))
}

// ---- the holiday calendar (system administrators) -------------------------------------------------

#[derive(Template)]
#[template(path = "calendar.html")]
struct CalendarPage {
    layout: Layout,
    years: Vec<(i32, usize, usize)>,
    last_year: i32,
    text: String,
    error: Option<String>,
    done: Option<String>,
    /// A change to published years waits for the administrator's confirmation.
    confirm: Option<Replacing>,
}

impl CalendarPage {
    fn clock_name(&self, key: &str) -> &'static str {
        ClockKey::parse(key).map_or("期限", ClockKey::zh)
    }
}

/// What replacing published calendar years would do (finding M7).
pub struct Replacing {
    /// Year, rest days and make-up working days before and after.
    pub years: Vec<(i32, usize, usize, usize, usize)>,
    /// The first moved clocks, and how many move in all.
    pub moved: Vec<tianping_store::clocks::MovedPreview>,
    pub total: usize,
}

/// The published years an import would change, with their day counts before and after.
pub fn replaced_years(
    old: &tianping_domain::calendar::Calendar,
    new: &tianping_domain::calendar::Calendar,
    years: &[i32],
) -> Vec<(i32, usize, usize, usize, usize)> {
    years
        .iter()
        .filter_map(|y| {
            let (a, b) = (old.year(*y)?, new.year(*y)?);
            (a != b).then_some((*y, a.rest.len(), b.rest.len(), a.work.len(), b.work.len()))
        })
        .collect()
}

fn calendar_page_for(
    st: &AppState,
    s: &Session,
    text: String,
    error: Option<String>,
    done: Option<String>,
) -> Response {
    render(&calendar_page_data(st, s, text, error, done))
}

fn calendar_page_data(
    st: &AppState,
    s: &Session,
    text: String,
    error: Option<String>,
    done: Option<String>,
) -> CalendarPage {
    let cw = st.store.clockwork();
    CalendarPage {
        layout: Layout::new(s, "/admin/calendar"),
        years: cw
            .calendar
            .years()
            .map(|(y, a)| (y, a.rest.len(), a.work.len()))
            .rev()
            .collect(),
        last_year: cw.calendar.last_year().unwrap_or(0),
        text,
        error,
        done,
        confirm: None,
    }
}

pub async fn calendar_page(State(st): State<AppState>, PageUser(s): PageUser) -> Response {
    if s.user.role != Role::Sysadmin {
        return error_page(StatusCode::FORBIDDEN, "当前角色无权维护节假日安排");
    }
    calendar_page_for(&st, &s, String::new(), None, None)
}

#[derive(Deserialize)]
pub struct CalendarForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    toml: String,
    /// `1` when the administrator confirmed replacing published years.
    #[serde(default)]
    confirm: String,
}

/// Imports one or more years of the State Council arrangement; open clocks are re-computed at
/// once and the moved due dates listed for the case offices.
pub async fn calendar_submit(
    State(st): State<AppState>,
    PageUser(s): PageUser,
    Form(f): Form<CalendarForm>,
) -> Response {
    if let Some(refused) = csrf_refused(&f.csrf, &s) {
        return refused;
    }
    if s.user.role != Role::Sysadmin {
        return error_page(StatusCode::FORBIDDEN, "当前角色无权维护节假日安排");
    }
    let mut cw = (*st.store.clockwork()).clone();
    let years = match cw.calendar.import(&f.toml) {
        Ok(y) if y.is_empty() => {
            return calendar_page_for(
                &st,
                &s,
                f.toml,
                Some("没有找到 [[year]] 年度表".into()),
                None,
            );
        }
        Ok(y) => y,
        Err(e) => return calendar_page_for(&st, &s, f.toml, Some(e.zh()), None),
    };
    let now = st.now();
    // A published year is replaced only when confirmed, after seeing which due dates move.
    let replacing = replaced_years(&st.store.clockwork().calendar, &cw.calendar, &years);
    if !replacing.is_empty() && f.confirm != "1" {
        let moved = match st.store.preview_clockwork(&cw, now).await {
            Ok(m) => m,
            Err(e) => return error_page(ApiError::from(e).status, "无法预览期限变动"),
        };
        let total = moved.len();
        let mut page = calendar_page_data(&st, &s, f.toml, None, None);
        page.confirm = Some(Replacing {
            years: replacing,
            moved: moved.into_iter().take(200).collect(),
            total,
        });
        return render(&page);
    }
    for y in &years {
        // Each year is stored on its own, so that a later import replaces only that year.
        let one = match year_table(&f.toml, *y) {
            Ok(t) => t,
            Err(e) => return calendar_page_for(&st, &s, f.toml, Some(e), None),
        };
        if let Err(e) = st
            .store
            .store_calendar_year(*y, &one, &format!("user:{}", s.user.username), now)
            .await
        {
            return error_page(
                StatusCode::INTERNAL_SERVER_ERROR,
                &ApiError::from(e).message,
            );
        }
    }
    // Storing a year moved the database's generation: the store put the new calendar in force.
    let report = match st.store.apply_clockwork_change(now).await {
        Ok(r) => r.unwrap_or_default(),
        Err(e) => {
            return error_page(
                StatusCode::INTERNAL_SERVER_ERROR,
                &ApiError::from(e).message,
            );
        }
    };
    tracing::info!(user = %s.user.username, ?years, moved = report.moved, "calendar years imported");
    let names: Vec<String> = years.iter().map(|y| y.to_string()).collect();
    calendar_page_for(
        &st,
        &s,
        String::new(),
        None,
        Some(format!(
            "已导入 {} 年节假日安排；重新计算 {} 件未结案件的 {} 项期限，其中 {} 项届满日发生变化（见“期限变动”）。",
            names.join("、"),
            report.cases,
            report.clocks,
            report.moved
        )),
    )
}

/// The `[[year]]` table of `year` from a calendar document, as its own document.
pub fn year_table(text: &str, year: i32) -> Result<String, String> {
    let v: toml::Value = toml::from_str(text).map_err(|e| format!("日历格式错误：{e}"))?;
    let one = v
        .get("year")
        .and_then(|y| y.as_array())
        .and_then(|ys| {
            ys.iter()
                .find(|y| y.get("year").and_then(|n| n.as_integer()) == Some(year as i64))
        })
        .ok_or_else(|| format!("没有 {year} 年的 [[year]] 表"))?;
    let mut doc = toml::map::Map::new();
    doc.insert("year".into(), toml::Value::Array(vec![one.clone()]));
    toml::to_string(&toml::Value::Table(doc)).map_err(|e| e.to_string())
}
