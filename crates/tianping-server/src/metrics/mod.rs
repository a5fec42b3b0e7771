//! The quality-metrics dashboard: for an organisation subtree in the reader's scope, a period and a
//! case kind, every metric of `rules/metrics.toml` in the version in force at the end of the period,
//! with its definition and the same period a year earlier; the pendency of open cases by age; and
//! behind every number the list of its cases (`/quality/cases`), counted by the same code.

mod compare;
mod report;

use crate::AppState;
use crate::error::{ApiError, Code};
use crate::http::access::read_scope;
use crate::http::page::{Layout, enc, error_page, render};
use crate::http::{CurrentUser, PageUser};
use askama::Template;
use axum::Json;
use axum::Router;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::get;
use chrono::{Datelike, Months, NaiveDate};
use serde::Deserialize;
use serde_json::json;
use tianping_domain::AgencyKind;
use tianping_domain::case_type::CaseKind;
use tianping_domain::metrics::{Candidates, CaseFilter, Counter, MetricSet, Period, Totals};
use tianping_store::metrics::{MetricCase, MetricScope};
use tianping_store::user::Session;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/quality", get(dashboard))
        .route("/quality/cases", get(cases_page))
        .route("/quality/cases.xlsx", get(cases_export))
        .route("/quality/export.xlsx", get(export))
        .route("/quality/report", get(report::report))
        .route("/quality/report.docx", get(report::report_docx))
}

pub fn api_router() -> Router<AppState> {
    Router::new()
        .route("/metrics", get(api_metrics))
        .route("/metrics/cases", get(api_metric_cases))
}

/// Dashboard parameters as they arrive from the query string.
#[derive(Debug, Deserialize, Default, Clone, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MetricsQuery {
    #[serde(default)]
    pub org: String,
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub to: String,
    #[serde(default)]
    pub kind: String,
    /// Drill-down: a counter, or a pendency bucket (0–4).
    #[serde(default)]
    pub counter: String,
    #[serde(default)]
    pub bucket: String,
    /// The drill-down page's page number (the API lists every case).
    #[serde(default)]
    #[param(ignore)]
    pub page: String,
}

/// The resolved request: scope, period, kind.
struct Resolved {
    scope: MetricScope,
    org_name: String,
    org_id: String,
    period: Period,
    kind: Option<CaseKind>,
}

fn date(s: &str, field: &'static str) -> Result<Option<NaiveDate>, ApiError> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map(Some)
        .map_err(|_| {
            ApiError::new(Code::InvalidDate, format!("日期“{s}”格式应为 YYYY-MM-DD"))
                .with_details(json!({ "field": field }))
        })
}

async fn resolve(st: &AppState, s: &Session, q: &MetricsQuery) -> Result<Resolved, ApiError> {
    let scope = read_scope(s).ok_or_else(|| ApiError::forbidden("查看质效指标"))?;
    let today = tianping_domain::clock::local_date(st.now());
    let to = date(&q.to, "to")?.unwrap_or(today);
    let from = date(&q.from, "from")?
        .unwrap_or_else(|| NaiveDate::from_ymd_opt(to.year(), 1, 1).unwrap_or(to));
    if from > to {
        return Err(
            ApiError::new(Code::InvalidPeriod, "统计起始日期晚于截止日期")
                .with_details(json!({ "field": "from" })),
        );
    }
    let kind = match q.kind.trim() {
        "" => None,
        k => Some(CaseKind::parse(k).ok_or_else(|| {
            ApiError::new(Code::InvalidKind, format!("案件类别“{k}”无效"))
                .with_details(json!({ "field": "kind" }))
        })?),
    };
    let mut scope = scope;
    let (org_id, org_name, region_prefix) = match q.org.trim() {
        "" => (s.org.id.clone(), s.org.name.clone(), None),
        id => {
            let dir = st.store.org_directory().await?;
            let o = dir
                .get(id)
                .filter(|o| o.region_path.starts_with(&scope.region_prefix))
                .filter(|o| scope.agency_kind.is_none_or(|k| k == o.kind))
                .ok_or_else(|| ApiError::not_found("单位"))?;
            // A court's (or procuratorate's …) numbers are its own kind's cases in its subtree;
            // a 人大 or 政法委 chosen shows every agency of its region.
            if !o.kind.supervises_all_kinds() {
                scope.agency_kind = Some(o.kind);
            }
            (o.id.clone(), o.name.clone(), Some(o.region_path.clone()))
        }
    };
    // A 人大 or 政法委 (its own view, or chosen) reads one agency's numbers at a time: the court's
    // unless a procuratorate's or police kind of case is chosen. Court rates (上诉率, 改判发回率 …)
    // over a mix of court, procuratorate and police files would mislead.
    if scope.agency_kind.is_none() {
        scope.agency_kind = Some(kind.map_or(AgencyKind::Court, |k| k.holder()));
    }
    Ok(Resolved {
        scope: MetricScope {
            scope,
            region_prefix,
            kind,
        },
        org_name,
        org_id,
        period: Period { from, to },
        kind,
    })
}

fn year_before(p: &Period) -> Period {
    let back = |d: NaiveDate| d.checked_sub_months(Months::new(12)).unwrap_or(d);
    Period {
        from: back(p.from),
        to: back(p.to),
    }
}

async fn cases_of(
    st: &AppState,
    r: &Resolved,
    which: Candidates,
) -> Result<Vec<MetricCase>, ApiError> {
    Ok(st.store.metric_cases(&r.scope, which).await?)
}

fn day_before(d: NaiveDate) -> NaiveDate {
    d.pred_opt().unwrap_or(d)
}

/// The totals of each period from the pre-aggregated running sums (two days per period).
async fn totals_of(
    st: &AppState,
    r: &Resolved,
    periods: &[Period],
) -> Result<Vec<Totals>, ApiError> {
    let days: Vec<NaiveDate> = periods
        .iter()
        .flat_map(|p| [day_before(p.from), p.to])
        .collect();
    let cum = st.store.metric_cumulative(&r.scope, &days).await?;
    Ok(cum
        .chunks(2)
        .map(|w| Totals::from_cumulative(&w[0], &w[1]))
        .collect())
}

/// Age buckets of pending cases at the end of the period, in months (national data grids).
const BUCKETS: [(&str, u32, Option<u32>); 5] = [
    ("6个月以内", 0, Some(6)),
    ("6–12个月", 6, Some(12)),
    ("12–18个月", 12, Some(18)),
    ("18–36个月", 18, Some(36)),
    ("36个月以上", 36, None),
];

/// The count of each age bucket from the stocks on the last day: 未结 minus 超6个月, …
fn bucket_counts(t: &Totals) -> [usize; 5] {
    use Counter as C;
    let n = |c: C| usize::try_from(t.get(c)).unwrap_or(0);
    let tiers = [
        n(C::PendingAtEnd),
        n(C::PendingOver6Months),
        n(C::PendingOver12Months),
        n(C::PendingOver18Months),
        n(C::PendingOver36Months),
    ];
    [
        tiers[0].saturating_sub(tiers[1]),
        tiers[1].saturating_sub(tiers[2]),
        tiers[2].saturating_sub(tiers[3]),
        tiers[3].saturating_sub(tiers[4]),
        tiers[4],
    ]
}

pub struct Tile {
    pub id: String,
    pub zh: String,
    pub value: String,
    pub unit: String,
    pub previous: String,
    pub change: String,
    pub formula: String,
    pub version: u32,
    pub effective_from: String,
    pub citation: String,
    pub marker: &'static str,
    /// The counters behind the number, with their values and drill-down links.
    pub parts: Vec<(String, i64, String)>,
}

fn fmt(v: Option<f64>, unit: &str) -> String {
    match v {
        None => "—".into(),
        Some(x) if unit == "件" => format!("{x:.0}"),
        Some(x) => format!("{x:.2}"),
    }
}

pub struct Bar {
    pub label: &'static str,
    pub count: usize,
    pub href: String,
    pub x: usize,
    pub y: usize,
    pub height: usize,
    pub label_x: usize,
}

#[derive(Template)]
#[template(path = "metrics.html")]
struct DashboardPage {
    layout: Layout,
    q: MetricsQuery,
    org_name: String,
    orgs: Vec<(String, String)>,
    kinds: Vec<(&'static str, &'static str)>,
    /// What 案件类别 "all" means here: a 人大 or 政法委 reads the courts' numbers by default.
    all_kinds_zh: &'static str,
    from: String,
    to: String,
    prev_from: String,
    prev_to: String,
    set_version: String,
    tiles: Vec<Tile>,
    bars: Vec<Bar>,
    max_count: usize,
    pending_total: usize,
    export_query: String,
    report_query: String,
    /// The organisation shown (the user's own when none was chosen).
    selected_org: String,
    /// The units one level below, ranked metric by metric.
    comparison: Option<compare::Comparison>,
}

fn query_string(r: &Resolved, extra: &str) -> String {
    let mut s = format!(
        "org={}&from={}&to={}",
        crate::http::page::enc(&r.org_id),
        r.period.from,
        r.period.to
    );
    if let Some(k) = r.kind {
        s.push_str(&format!("&kind={}", k.as_str()));
    }
    if !extra.is_empty() {
        s.push('&');
        s.push_str(extra);
    }
    s
}

fn tiles(set: &MetricSet, r: &Resolved, now: &Totals, before: &Totals) -> Vec<Tile> {
    let mut out = vec![];
    for id in set.ids() {
        let Some(def) = set.in_force(id, r.period.to) else {
            continue;
        };
        let v = def.compute(now);
        let p = def.compute(before);
        let change = match (v, p) {
            (Some(a), Some(b)) if def.unit == "%" => format!("{:+.2} 个百分点", a - b),
            (Some(a), Some(b)) if b != 0.0 => format!("{:+.1} %", (a / b - 1.0) * 100.0),
            _ => "—".into(),
        };
        let mut parts: Vec<(String, i64, String)> = vec![];
        for c in def.counters() {
            if parts.iter().any(|(z, _, _)| z == c.zh()) {
                continue;
            }
            parts.push((
                c.zh().to_string(),
                now.get(c),
                format!(
                    "/quality/cases?{}",
                    query_string(r, &format!("counter={}", c.as_str()))
                ),
            ));
        }
        out.push(Tile {
            id: def.id.clone(),
            zh: def.zh.clone(),
            value: fmt(v, &def.unit),
            unit: def.unit.clone(),
            previous: fmt(p, &def.unit),
            change,
            formula: def.formula_zh(),
            version: def.version,
            effective_from: def.effective_from.to_string(),
            citation: tianping_domain::citation::zh(&def.citation),
            marker: def.marker.zh(),
            parts,
        });
    }
    out
}

fn kinds() -> Vec<(&'static str, &'static str)> {
    [
        CaseKind::Criminal,
        CaseKind::Civil,
        CaseKind::Administrative,
        CaseKind::Execution,
        CaseKind::StateCompensation,
        CaseKind::Prosecution,
        CaseKind::Police,
    ]
    .into_iter()
    .map(|k| (k.as_str(), k.zh()))
    .collect()
}

/// Everything a dashboard, its export and the quarterly report show.
struct Computed {
    r: Resolved,
    prev: Period,
    set_version: String,
    tiles: Vec<Tile>,
    bars: Vec<Bar>,
    max_count: usize,
    pending_total: usize,
}

async fn compute(st: &AppState, s: &Session, q: &MetricsQuery) -> Result<Computed, ApiError> {
    let r = resolve(st, s, q).await?;
    let set = MetricSet::shipped().map_err(ApiError::internal)?;
    let prev = year_before(&r.period);
    let t = totals_of(st, &r, &[r.period, prev]).await?;
    let (now_t, prev_t) = (&t[0], &t[1]);
    let counts = bucket_counts(now_t);
    let max_count = counts.iter().copied().max().unwrap_or(0).max(1);
    let bars = BUCKETS
        .iter()
        .enumerate()
        .map(|(i, (label, _, _))| {
            let height = counts[i] * 160 / max_count;
            Bar {
                label,
                count: counts[i],
                href: format!(
                    "/quality/cases?{}",
                    query_string(&r, &format!("bucket={i}"))
                ),
                x: 70 + i * 110,
                y: 190 - height,
                height,
                label_x: 70 + i * 110 + 35,
            }
        })
        .collect();
    Ok(Computed {
        tiles: tiles(set, &r, now_t, prev_t),
        set_version: set.version.clone(),
        prev,
        bars,
        max_count,
        pending_total: counts.iter().sum(),
        r,
    })
}

pub async fn dashboard(
    State(st): State<AppState>,
    PageUser(s): PageUser,
    Query(q): Query<MetricsQuery>,
) -> Response {
    let c = match compute(&st, &s, &q).await {
        Ok(c) => c,
        Err(e) => return error_page(e.status, &e.message),
    };
    let comparison = match compare::compare(&st, &c.r).await {
        Ok(x) => x,
        Err(e) => return error_page(e.status, &e.message),
    };
    let orgs = st
        .store
        .orgs_in(&read_scope(&s).map(|x| x.region_prefix).unwrap_or_default())
        .await
        .unwrap_or_default()
        .into_iter()
        .filter(|o| s.org.kind.supervises_all_kinds() || o.kind == s.org.kind)
        .collect();
    let orgs = crate::http::page::org_tree(orgs);
    render(&DashboardPage {
        layout: Layout::new(&s, "/quality").reads(&st.store),
        org_name: c.r.org_name.clone(),
        orgs,
        // The kinds of case the reader's agency holds (all of them for a 人大 or 政法委).
        kinds: kinds()
            .into_iter()
            .filter(|(k, _)| {
                s.org.kind.supervises_all_kinds()
                    || CaseKind::parse(k).is_some_and(|k| k.holder() == s.org.kind)
            })
            .collect(),
        all_kinds_zh: if s.org.kind.supervises_all_kinds() {
            "全部法院案件"
        } else {
            "全部"
        },
        from: c.r.period.from.to_string(),
        to: c.r.period.to.to_string(),
        prev_from: c.prev.from.to_string(),
        prev_to: c.prev.to.to_string(),
        set_version: c.set_version,
        export_query: query_string(&c.r, ""),
        report_query: format!(
            "org={}&quarter={}",
            crate::http::page::enc(&c.r.org_id),
            quarter_of(c.r.period.to)
        ),
        selected_org: c.r.org_id.clone(),
        tiles: c.tiles,
        bars: c.bars,
        max_count: c.max_count,
        pending_total: c.pending_total,
        comparison,
        q,
    })
}

fn quarter_of(d: NaiveDate) -> String {
    format!("{}-Q{}", d.year(), (d.month() - 1) / 3 + 1)
}

/// The dashboard as Excel: every metric with its definition, then the pendency buckets.
pub async fn export(
    State(st): State<AppState>,
    PageUser(s): PageUser,
    Query(q): Query<MetricsQuery>,
) -> Response {
    let c = match compute(&st, &s, &q).await {
        Ok(c) => c,
        Err(e) => return error_page(e.status, &e.message),
    };
    let mut rows: Vec<Vec<String>> = c
        .tiles
        .iter()
        .map(|t| {
            vec![
                t.zh.clone(),
                t.value.clone(),
                t.unit.clone(),
                t.previous.clone(),
                t.change.clone(),
                t.parts
                    .iter()
                    .map(|(zh, n, _)| format!("{zh} {n}"))
                    .collect::<Vec<_>>()
                    .join("；"),
                format!("v{}（{} 起）", t.version, t.effective_from),
                t.formula.clone(),
                format!("{}（{}）", t.citation, t.marker),
            ]
        })
        .collect();
    rows.push(vec![]);
    for b in &c.bars {
        rows.push(vec![
            format!("未结 · 已审理{}", b.label),
            b.count.to_string(),
            "件".into(),
        ]);
    }
    let name = format!("{}-{}", c.r.period.from, c.r.period.to);
    crate::export::xlsx_download(
        crate::export::Sheet {
            name: "质效指标",
            title: format!(
                "{} 质效指标（{} 至 {}，同比 {} 至 {}；口径 {}）",
                c.r.org_name,
                c.r.period.from,
                c.r.period.to,
                c.prev.from,
                c.prev.to,
                crate::view::version_zh(&c.set_version)
            ),
            headers: &[
                ("指标", 20),
                ("数值", 10),
                ("单位", 8),
                ("去年同期", 10),
                ("同比", 16),
                ("构成", 40),
                ("口径版本", 20),
                ("公式", 40),
                ("依据", 60),
            ],
            rows,
        },
        &format!("quality-{name}.xlsx"),
        &format!("质效指标-{name}.xlsx"),
    )
}

pub struct CaseLine {
    pub id: i64,
    pub case_number: String,
    pub court: String,
    pub kind_zh: &'static str,
    pub filed: String,
    pub closed: String,
    pub value: i64,
}

#[derive(Template)]
#[template(path = "metric_cases.html")]
struct CasesPage {
    layout: Layout,
    title: String,
    org_name: String,
    from: String,
    to: String,
    back: String,
    lines: Vec<CaseLine>,
    /// Cases behind the number (the page shows [`PAGE_LINES`] at a time).
    count: usize,
    export: String,
    total: i64,
    sum: bool,
    /// The page shown and how many there are, with the pager's links.
    page: u32,
    pages: u32,
    first_line: usize,
    prev_href: Option<String>,
    next_href: Option<String>,
    page_links: Vec<(Option<u32>, String)>,
    /// The query without the page, for the pager's jump form.
    jump_fields: Vec<(String, String)>,
}

/// The cases behind one number (a counter or a pendency bucket): how many, their total, and the
/// lines of one page of them or of all.
struct Behind {
    r: Resolved,
    title: String,
    lines: Vec<CaseLine>,
    count: usize,
    total: i64,
    sum: bool,
    /// The page shown (1-based), when one was asked for: the last when asked for one past it.
    page: usize,
}

async fn behind(
    st: &AppState,
    s: &Session,
    q: &MetricsQuery,
    page: Option<usize>,
) -> Result<Behind, ApiError> {
    let r = resolve(st, s, q).await?;
    let (title, counter, bucket) = if let Some(counter) = Counter::parse(q.counter.trim()) {
        (counter.zh().to_string(), Some(counter), None)
    } else if let Ok(b) = q.bucket.trim().parse::<usize>()
        && let Some((zh, over, up_to)) = BUCKETS.get(b)
    {
        (
            format!("未结案件 · 已审理{zh}"),
            None,
            Some((b, (*over > 0).then_some(*over), *up_to)),
        )
    } else {
        return Err(ApiError::new(
            Code::InvalidCounter,
            format!("“{}”不是可下钻的指标分项", q.counter),
        )
        .with_details(json!({ "field": "counter" })));
    };
    let sum = counter.is_some_and(|c| c.is_sum());
    // How many cases a count has is its number on the dashboard (the same running sums): a
    // count whose cases the stored facts can say is paged in the database. Sums (days, yuan) and
    // the counters the facts' columns cannot say are read and tested one by one.
    let t = totals_of(st, &r, &[r.period]).await?.remove(0);
    let listed = match (counter, bucket) {
        (Some(c), _) if !sum => c.filter(&r.period).map(|f| (f, usize::try_from(t.get(c)))),
        (None, Some((b, over, up_to))) => {
            match CaseFilter::pending_aged(r.period.to, over, up_to) {
                Some(f) => Some((f, Ok(bucket_counts(&t)[b]))),
                // An age no case can have reached yet.
                None => Some((CaseFilter::nothing(), Ok(0))),
            }
        }
        _ => None,
    };
    let window = |count: usize| {
        let last = count.div_ceil(PAGE_LINES).max(1);
        let shown = page.map_or(1, |p| p.clamp(1, last));
        let range = page.map(|_| ((shown - 1) * PAGE_LINES, PAGE_LINES));
        (shown, range)
    };
    let (count, shown, cases) = match (listed, counter) {
        (Some((f, Ok(count))), _) => {
            let (shown, range) = window(count);
            let cases = st.store.metric_cases_where(&r.scope, &f, range).await?;
            (count, shown, cases)
        }
        (_, Some(c)) => {
            let all: Vec<MetricCase> = cases_of(st, &r, c.candidates(&r.period))
                .await?
                .into_iter()
                .filter(|x| c.contributes(&x.facts, &r.period))
                .collect();
            let count = all.len();
            let (shown, range) = window(count);
            let cases = match range {
                Some((offset, len)) => all.into_iter().skip(offset).take(len).collect(),
                None => all,
            };
            (count, shown, cases)
        }
        _ => (0, 1, Vec::new()),
    };
    let total = match counter {
        Some(c) if sum => t.get(c),
        _ => i64::try_from(count).unwrap_or(i64::MAX),
    };
    let lines = cases
        .iter()
        .map(|c| CaseLine {
            id: c.id,
            case_number: c.case_number.clone(),
            court: c.org_name.clone(),
            kind_zh: c.facts.kind.zh(),
            filed: c.facts.filed.to_string(),
            closed: c.facts.closed.map(|d| d.to_string()).unwrap_or_default(),
            value: counter.map_or(1, |k| k.value(&c.facts, &r.period)),
        })
        .collect();
    Ok(Behind {
        r,
        title,
        lines,
        count,
        total,
        sum,
        page: shown,
    })
}

pub async fn cases_page(
    State(st): State<AppState>,
    PageUser(s): PageUser,
    Query(q): Query<MetricsQuery>,
) -> Response {
    let asked = q.page.trim().parse::<usize>().unwrap_or(1);
    let Behind {
        r,
        title,
        lines,
        count,
        total,
        sum,
        page,
    } = match behind(&st, &s, &q, Some(asked)).await {
        Ok(b) => b,
        Err(e) => return error_page(e.status, &e.message),
    };
    let pages = u32::try_from(count.div_ceil(PAGE_LINES).max(1)).unwrap_or(u32::MAX);
    let first = (page - 1) * PAGE_LINES;
    let page = u32::try_from(page).unwrap_or(pages);
    let extra = if q.bucket.trim().is_empty() {
        format!("counter={}", enc(q.counter.trim()))
    } else {
        format!("bucket={}", enc(q.bucket.trim()))
    };
    let here = query_string(&r, &extra);
    let href = |n: u32| format!("/quality/cases?{here}&page={n}");
    let mut jump_fields = vec![
        ("org".to_string(), r.org_id.clone()),
        ("from".to_string(), r.period.from.to_string()),
        ("to".to_string(), r.period.to.to_string()),
    ];
    if let Some(k) = r.kind {
        jump_fields.push(("kind".into(), k.as_str().into()));
    }
    if q.bucket.trim().is_empty() {
        jump_fields.push(("counter".into(), q.counter.trim().into()));
    } else {
        jump_fields.push(("bucket".into(), q.bucket.trim().into()));
    }
    render(&CasesPage {
        layout: Layout::new(&s, "/quality").reads(&st.store),
        back: format!("/quality?{}", query_string(&r, "")),
        export: format!("/quality/cases.xlsx?{here}"),
        org_name: r.org_name.clone(),
        from: r.period.from.to_string(),
        to: r.period.to.to_string(),
        title,
        first_line: first + 1,
        lines,
        count,
        total,
        sum,
        page,
        pages,
        prev_href: (page > 1).then(|| href(page - 1)),
        next_href: (page < pages).then(|| href(page + 1)),
        page_links: crate::http::page::page_window(page, pages)
            .into_iter()
            .map(|n| (n, n.map(href).unwrap_or_default()))
            .collect(),
        jump_fields,
    })
}

/// The page lists this many cases at a time; the Excel download has them all.
const PAGE_LINES: usize = 100;

/// The cases behind a number as Excel (every one of them).
pub async fn cases_export(
    State(st): State<AppState>,
    PageUser(s): PageUser,
    Query(q): Query<MetricsQuery>,
) -> Response {
    match behind(&st, &s, &q, None).await {
        Ok(Behind {
            r,
            title,
            lines,
            total,
            sum,
            ..
        }) => {
            let mut headers: Vec<(&str, u16)> = vec![
                ("案号", 28),
                ("承办单位", 24),
                ("类别", 10),
                ("立案日期", 12),
                ("结案日期", 12),
            ];
            if sum {
                headers.push(("计入数值", 14));
            }
            let rows = lines
                .into_iter()
                .map(|l| {
                    let mut row = vec![
                        l.case_number,
                        l.court,
                        l.kind_zh.to_string(),
                        l.filed,
                        l.closed,
                    ];
                    if sum {
                        row.push(l.value.to_string());
                    }
                    row
                })
                .collect();
            crate::export::xlsx_download(
                crate::export::Sheet {
                    name: "案件清单",
                    title: format!(
                        "{}　{}：{}（{} 至 {}）",
                        r.org_name,
                        title,
                        if sum {
                            format!("合计 {total}")
                        } else {
                            format!("{total} 件")
                        },
                        r.period.from,
                        r.period.to
                    ),
                    headers: &headers,
                    rows,
                },
                "tianping-metric-cases.xlsx",
                "指标案件清单.xlsx",
            )
        }
        Err(e) => error_page(e.status, &e.message),
    }
}

/// `GET /api/v1/metrics?org=&from=&to=&kind=`: every metric with its definition and value.
pub async fn api_metrics(
    State(st): State<AppState>,
    CurrentUser(s): CurrentUser,
    Query(q): Query<MetricsQuery>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let r = resolve(&st, &s, &q).await?;
    let set = MetricSet::shipped().map_err(ApiError::internal)?;
    let t = totals_of(&st, &r, &[r.period]).await?.remove(0);
    let metrics: Vec<serde_json::Value> = set
        .ids()
        .into_iter()
        .filter_map(|id| set.in_force(id, r.period.to))
        .map(|d| {
            json!({
                "id": d.id, "zh": d.zh, "version": d.version,
                "effective_from": d.effective_from.to_string(), "formula": d.formula_zh(),
                "citation": d.citation, "marker": d.marker.label(), "unit": d.unit,
                "value": d.compute(&t),
                "counters": d.counters().map(|c| json!({"counter": c.as_str(), "value": t.get(c)})).collect::<Vec<_>>(),
            })
        })
        .collect();
    Ok(Json(json!({
        "org": r.org_id, "from": r.period.from.to_string(), "to": r.period.to.to_string(),
        "kind": r.kind.map(|k| k.as_str()), "definitions": set.version, "metrics": metrics,
    })))
}

/// `GET /api/v1/metrics/cases?counter=…` (or `bucket=`): the case ids behind a number.
pub async fn api_metric_cases(
    State(st): State<AppState>,
    CurrentUser(s): CurrentUser,
    Query(q): Query<MetricsQuery>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let Behind {
        title,
        lines,
        total,
        ..
    } = behind(&st, &s, &q, None).await?;
    Ok(Json(json!({
        "title": title,
        "total": total,
        "cases": lines.iter().map(|l| json!({"id": l.id, "case_number": l.case_number, "value": l.value})).collect::<Vec<_>>(),
    })))
}
