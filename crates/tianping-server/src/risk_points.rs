//! Risk points (执法司法风险点, issue 26): the catalogue (category → risk point → posts → level
//! A/B/C → control → signal) from `rules/risk-points.toml`, the hits of a quarter in the reader's
//! region per court, post and person, and the quarterly review report.
//!
//! Pages: `/risks` (tabs `hits` — the default —, `catalogue`, `report`; `quarter=2026Q3`). The
//! API: `GET /api/v1/risk-hits`.

use crate::AppState;
use crate::error::{ApiError, Code};
use crate::http::PageUser;
use crate::http::access::read_scope;
use crate::http::extract::CurrentUser;
use crate::http::page::{Layout, api_error_page, render};
use askama::Template;
use axum::extract::{Query, State};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;
use std::collections::BTreeMap;
use tianping_domain::access::reviews_risks;
use tianping_domain::case::{REDACTED, Visibility, visibility};
use tianping_domain::risk_points::{Catalogue, Level, Quarter, Signal};
use tianping_store::risk_points::RiskHit;
use tianping_store::user::Session;

pub fn router() -> Router<AppState> {
    Router::new().route("/risks", get(page))
}

pub fn api_router() -> Router<AppState> {
    Router::new().route("/risk-hits", get(api_hits))
}

#[derive(Debug, Default, Deserialize, Clone, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RiskParams {
    /// 季度，如 2026Q3（默认本季度）
    pub quarter: Option<String>,
    /// hits：命中情况（默认）；catalogue：风险点目录；report：季度评估报告（仅页面）
    #[param(ignore)]
    pub view: Option<String>,
}

/// The catalogue in force: shipped, or `risk-points.toml` of the configured `rules_dir`.
pub(crate) fn catalogue(
    st: &AppState,
) -> std::sync::Arc<tianping_store::supervision::SupervisionConfig> {
    st.store.supervision()
}

fn scope(s: &Session) -> Result<tianping_store::case::ScopeFilter, ApiError> {
    if !reviews_risks(s.user.role, s.org.kind) {
        return Err(ApiError::new(
            Code::Forbidden,
            "只有审管办、案管部门、院（检察）长和政法委查看风险点",
        ));
    }
    read_scope(s).ok_or_else(|| ApiError::new(Code::Forbidden, "无权查看案件"))
}

fn quarter(st: &AppState, p: &RiskParams) -> Result<Quarter, ApiError> {
    match p
        .quarter
        .as_deref()
        .map(str::trim)
        .filter(|q| !q.is_empty())
    {
        None => Ok(Quarter::of(tianping_domain::clock::local_date(st.now()))),
        Some(q) => Quarter::parse(q).ok_or_else(|| {
            ApiError::new(Code::Invalid, format!("季度“{q}”无效，应写作如 2026Q3"))
                .with_details(json!({ "field": "quarter" }))
        }),
    }
}

/// A hit as its reader sees it.
pub(crate) struct HitLine {
    pub case_id: i64,
    pub case_number: String,
    pub court: String,
    pub person: String,
    pub code: String,
    pub point: String,
    pub category: String,
    pub level: &'static str,
    pub posts: String,
    pub on: String,
}

fn line(c: &Catalogue, s: &Session, h: &RiskHit) -> HitLine {
    let vis = visibility(
        h.confidentiality,
        &crate::view::clearance_for(s, &h.org_id, h.judge.as_deref(), &[], None),
    );
    let person = match vis {
        Visibility::Withhold => REDACTED.to_string(),
        _ => h.judge.clone().unwrap_or_else(|| "（未分案）".into()),
    };
    let (category, point) = match c.point_for(h.signal) {
        Some((cat, p)) => (cat.name.clone(), Some(p)),
        None => (String::new(), None),
    };
    HitLine {
        case_id: h.case_id,
        case_number: h.case_number.clone(),
        court: h.org_name.clone(),
        person,
        code: point.map(|p| p.code.clone()).unwrap_or_default(),
        point: point.map_or_else(|| h.signal.zh().to_string(), |p| p.name.clone()),
        category,
        level: point.map_or("", |p| p.level.as_str()),
        posts: point
            .map(|p| {
                p.posts
                    .iter()
                    .map(|x| c.post(x).map_or(x.as_str(), |p| p.name.as_str()))
                    .collect::<Vec<_>>()
                    .join("、")
            })
            .unwrap_or_default(),
        on: h.on.to_string(),
    }
}

/// A row of a count table: a name, its detail, and counts.
pub(crate) struct CountRow {
    pub name: String,
    pub detail: String,
    pub count: usize,
    pub previous: usize,
}

impl CountRow {
    fn change(&self) -> String {
        let d = self.count as i64 - self.previous as i64;
        match d {
            0 => "持平".into(),
            d if d > 0 => format!("增加 {d}"),
            d => format!("减少 {}", -d),
        }
    }
}

fn count_by<F: Fn(&HitLine) -> Vec<(String, String)>>(
    now: &[HitLine],
    before: &[HitLine],
    key: F,
) -> Vec<CountRow> {
    let mut m: BTreeMap<(String, String), (usize, usize)> = BTreeMap::new();
    for l in now {
        for k in key(l) {
            m.entry(k).or_default().0 += 1;
        }
    }
    for l in before {
        for k in key(l) {
            m.entry(k).or_default().1 += 1;
        }
    }
    let mut v: Vec<CountRow> = m
        .into_iter()
        .map(|((name, detail), (count, previous))| CountRow {
            name,
            detail,
            count,
            previous,
        })
        .collect();
    v.sort_by(|a, b| b.count.cmp(&a.count).then(a.name.cmp(&b.name)));
    v
}

struct PointRow {
    code: String,
    name: String,
    posts: String,
    level: &'static str,
    control: String,
    signal: String,
}

struct CategoryView {
    name: String,
    points: Vec<PointRow>,
}

struct ReportRow {
    code: String,
    name: String,
    level: &'static str,
    count: usize,
    previous: usize,
    change: String,
    control: String,
}

#[derive(Template)]
#[template(path = "risks.html")]
struct RisksPage {
    layout: Layout,
    view: String,
    quarter: String,
    quarter_zh: String,
    previous_zh: String,
    quarters: Vec<(String, String)>,
    source: String,
    posts: Vec<(String, String, &'static str, &'static str)>,
    categories: Vec<CategoryView>,
    hits: Vec<HitLine>,
    total: usize,
    previous_total: usize,
    by_court: Vec<CountRow>,
    by_post: Vec<CountRow>,
    by_person: Vec<CountRow>,
    /// How many persons were hit more than once this quarter.
    repeated: usize,
    by_level: Vec<(&'static str, usize, usize)>,
    report: Vec<ReportRow>,
    rising: Vec<ReportRow>,
    org_name: String,
    today: String,
}

async fn lines_of(
    st: &AppState,
    s: &Session,
    region: &tianping_store::case::ScopeFilter,
    q: Quarter,
) -> Result<Vec<HitLine>, ApiError> {
    let today = tianping_domain::clock::local_date(st.now());
    let sup = catalogue(st);
    Ok(st
        .store
        .risk_hits(region, q.first_day(), q.end(), today)
        .await?
        .iter()
        .map(|h| line(&sup.risk_points, s, h))
        .collect())
}

async fn page(
    State(st): State<AppState>,
    PageUser(s): PageUser,
    Query(p): Query<RiskParams>,
) -> axum::response::Response {
    match page_inner(&st, &s, p).await {
        Ok(r) => r,
        Err(e) => api_error_page(e),
    }
}

async fn page_inner(
    st: &AppState,
    s: &Session,
    p: RiskParams,
) -> Result<axum::response::Response, ApiError> {
    let region = scope(s)?;
    let q = quarter(st, &p)?;
    let view = match p.view.as_deref() {
        Some("catalogue") => "catalogue",
        Some("report") => "report",
        _ => "hits",
    }
    .to_string();
    let sup = catalogue(st);
    let c = &sup.risk_points;
    let (hits, before) = if view == "catalogue" {
        (vec![], vec![])
    } else {
        (
            lines_of(st, s, &region, q).await?,
            lines_of(st, s, &region, q.prev()).await?,
        )
    };
    let by_court = count_by(&hits, &before, |l| vec![(l.court.clone(), String::new())]);
    let by_post = count_by(&hits, &before, |l| {
        c.point_for_code(&l.code)
            .map(|p| {
                p.posts
                    .iter()
                    .filter_map(|x| c.post(x))
                    .map(|x| (x.name.clone(), x.level.zh().to_string()))
                    .collect()
            })
            .unwrap_or_default()
    });
    let by_person = count_by(&hits, &before, |l| {
        vec![(l.person.clone(), l.court.clone())]
    });
    let level_of = |l: &HitLine| l.level;
    let by_level = [Level::A, Level::B, Level::C]
        .into_iter()
        .map(|lv| {
            (
                lv.zh(),
                hits.iter().filter(|l| level_of(l) == lv.as_str()).count(),
                before.iter().filter(|l| level_of(l) == lv.as_str()).count(),
            )
        })
        .collect();
    let mut report = vec![];
    for cat in &c.categories {
        for pt in &cat.points {
            let count = hits.iter().filter(|l| l.code == pt.code).count();
            let previous = before.iter().filter(|l| l.code == pt.code).count();
            let row = CountRow {
                name: String::new(),
                detail: String::new(),
                count,
                previous,
            };
            report.push(ReportRow {
                code: pt.code.clone(),
                name: format!("{}：{}", cat.name, pt.name),
                level: pt.level.as_str(),
                count,
                previous,
                change: if pt.signal.is_some() {
                    row.change()
                } else {
                    "无系统发现方式，靠日常检查".into()
                },
                control: pt.control.clone(),
            });
        }
    }
    let rising = report
        .iter()
        .filter(|r| r.count > r.previous)
        .map(|r| ReportRow {
            code: r.code.clone(),
            name: r.name.clone(),
            level: r.level,
            count: r.count,
            previous: r.previous,
            change: r.change.clone(),
            control: r.control.clone(),
        })
        .collect();
    let today = tianping_domain::clock::local_date(st.now());
    let mut quarters = vec![];
    let mut x = Quarter::of(today);
    for _ in 0..8 {
        quarters.push((x.code(), x.zh()));
        x = x.prev();
    }
    let total = hits.len();
    let previous_total = before.len();
    Ok(render(&RisksPage {
        layout: Layout::new(s, "/risks"),
        view,
        quarter: q.code(),
        quarter_zh: q.zh(),
        previous_zh: q.prev().zh(),
        quarters,
        source: c.source.clone(),
        posts: c
            .posts
            .iter()
            .map(|p| {
                (
                    p.name.clone(),
                    p.agency.zh().to_string(),
                    p.level.as_str(),
                    p.level.zh(),
                )
            })
            .collect(),
        categories: c
            .categories
            .iter()
            .map(|cat| CategoryView {
                name: cat.name.clone(),
                points: cat
                    .points
                    .iter()
                    .map(|p| PointRow {
                        code: p.code.clone(),
                        name: p.name.clone(),
                        posts: p
                            .posts
                            .iter()
                            .map(|x| c.post(x).map_or(x.as_str(), |p| p.name.as_str()))
                            .collect::<Vec<_>>()
                            .join("、"),
                        level: p.level.as_str(),
                        control: p.control.clone(),
                        signal: p.signal.map_or("日常检查、评查发现".to_string(), |s| {
                            s.zh().to_string()
                        }),
                    })
                    .collect(),
            })
            .collect(),
        hits,
        total,
        previous_total,
        by_court,
        by_post,
        repeated: by_person.iter().filter(|r| r.count >= 2).count(),
        by_person,
        by_level,
        report,
        rising,
        org_name: s.org.name.clone(),
        today: today.format("%Y年%-m月%-d日").to_string(),
    })
    .into_response())
}

/// `GET /api/v1/risk-hits`: the hits of a quarter in the reader's region.
pub(crate) async fn api_hits(
    State(st): State<AppState>,
    CurrentUser(s): CurrentUser,
    Query(p): Query<RiskParams>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let region = scope(&s)?;
    let q = quarter(&st, &p)?;
    let lines = lines_of(&st, &s, &region, q).await?;
    let sup = catalogue(&st);
    let signal_of = |code: &str| {
        sup.risk_points
            .point_for_code(code)
            .and_then(|p| p.signal)
            .map(Signal::as_str)
    };
    Ok(Json(json!({
        "quarter": q.code(),
        "total": lines.len(),
        "items": lines.iter().map(|l| json!({
            "case_id": l.case_id,
            "case_number": l.case_number,
            "court": l.court,
            "person": l.person,
            "point": l.code,
            "point_zh": l.point,
            "category": l.category,
            "level": l.level,
            "posts": l.posts,
            "signal": signal_of(&l.code),
            "on": l.on,
        })).collect::<Vec<_>>(),
    })))
}
