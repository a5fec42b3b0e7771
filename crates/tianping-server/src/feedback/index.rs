//! The court's side of the public's ratings: the 司法公正感受度 index per court, judge or kind of
//! case for a quarter, beside the same quarter a year before, each number drilling down to its
//! ratings; the ratings themselves (the contact a person left only to those who call back); and
//! the decisions on a rating — reviewed, or set aside as mistaken or malicious by someone other
//! than the rated case's judge (the rating itself stays, in the ledger).

use crate::AppState;
use crate::error::{ApiError, Code};
use crate::http::PageUser;
use crate::http::extract::{CurrentUser, csrf_refused, parse_id};
use crate::http::page::{Layout, api_error_page, enc, redirect, render};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::{Form, Json};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::Deserialize;
use serde_json::json;
use tianping_domain::access::{decides_on_ratings, reads_feedback_index, reads_ratings};
use tianping_domain::clock::{local_date, local_midnight};
use tianping_domain::feedback::{DecisionKind, Level, rules};
use tianping_domain::{CaseKind, Confidentiality};
use tianping_store::feedback::{IndexBy, IndexRow, RatingFilter, RatingRow, quarter_bounds};
use tianping_store::user::Session;

fn may_read(s: &Session) -> Result<(), ApiError> {
    if reads_feedback_index(s.user.role, s.org.kind) {
        Ok(())
    } else {
        Err(ApiError::forbidden("查看司法公正感受度"))
    }
}

#[derive(Deserialize, Default, utoipa::IntoParams)]
pub struct IndexQuery {
    /// The year; default this year.
    #[serde(default)]
    pub year: Option<String>,
    /// 1–4; default this quarter.
    #[serde(default)]
    pub quarter: Option<String>,
    /// `court` (default), `judge` or `kind`.
    #[serde(default)]
    pub by: Option<String>,
}

struct Period {
    year: i32,
    quarter: u32,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
}

impl Period {
    fn first_day(&self) -> NaiveDate {
        local_date(self.from)
    }
    fn last_day(&self) -> NaiveDate {
        local_date(self.to - chrono::Duration::seconds(1))
    }
    fn zh(&self) -> String {
        format!("{} 年第 {} 季度", self.year, self.quarter)
    }
}

fn period(st: &AppState, q: &IndexQuery) -> Result<Period, ApiError> {
    let today = local_date(st.now());
    let year = match q.year.as_deref().map(str::trim).filter(|y| !y.is_empty()) {
        None => today.year(),
        Some(y) => match y.parse::<i32>() {
            Ok(y) if (2000..=today.year() + 1).contains(&y) => y,
            _ => {
                return Err(ApiError::invalid_field(
                    Code::InvalidYear,
                    "year",
                    format!("年份“{y}”无效"),
                ));
            }
        },
    };
    let quarter = match q
        .quarter
        .as_deref()
        .map(str::trim)
        .filter(|y| !y.is_empty())
    {
        None => (today.month() - 1) / 3 + 1,
        Some(x) => match x.parse::<u32>() {
            Ok(n) if (1..=4).contains(&n) => n,
            _ => {
                return Err(ApiError::invalid_field(
                    Code::Invalid,
                    "quarter",
                    format!("季度“{x}”应为 1 至 4"),
                ));
            }
        },
    };
    let (year, quarter, from, to) = quarter_bounds(year, quarter);
    Ok(Period {
        year,
        quarter,
        from,
        to,
    })
}

fn index_by(q: &IndexQuery) -> Result<IndexBy, ApiError> {
    match q.by.as_deref().unwrap_or("court") {
        "court" | "" => Ok(IndexBy::Court),
        "judge" => Ok(IndexBy::Judge),
        "kind" => Ok(IndexBy::CaseKind),
        other => Err(ApiError::invalid_field(
            Code::Invalid,
            "by",
            format!("分组方式“{other}”无效：应为 court、judge 或 kind"),
        )),
    }
}

fn pct(v: Option<f64>) -> String {
    v.map_or("—".into(), |x| format!("{x:.1}%"))
}

fn kind_zh(k: &str) -> String {
    if k.is_empty() {
        return "窗口服务".into();
    }
    CaseKind::parse(k).map_or(k.to_string(), |k| k.zh().to_string())
}

/// One line of the index page.
pub(crate) struct Line {
    label: String,
    /// The drill-down's filter for this line (`&court=…`).
    filter: String,
    ratings: i64,
    good_rate: String,
    score: String,
    bad: i64,
    callbacks: i64,
    callback_rate: String,
    rectify_rate: String,
    /// The good rate's change from the same quarter a year before (percentage points).
    yoy: String,
    yoy_down: bool,
}

fn line(r: &IndexRow, by: IndexBy, before: Option<&IndexRow>) -> Line {
    let (label, filter) = match by {
        IndexBy::Court => (r.court_name.clone(), format!("&court={}", enc(&r.key))),
        IndexBy::Judge => (
            if r.key.is_empty() {
                "（未确定承办人 / 窗口）".into()
            } else {
                format!("{}（{}）", r.key, r.court_name)
            },
            format!("&judge={}", enc(&r.key)),
        ),
        IndexBy::CaseKind => (kind_zh(&r.key), format!("&kind={}", enc(&r.key))),
    };
    let (yoy, yoy_down) = match (r.good_rate(), before.and_then(IndexRow::good_rate)) {
        (Some(a), Some(b)) => (format!("{:+.1}", a - b), a < b),
        _ => ("—".into(), false),
    };
    Line {
        label,
        filter,
        ratings: r.ratings,
        good_rate: pct(r.good_rate()),
        score: r.score().map_or("—".into(), |x| format!("{x:.1}")),
        bad: r.bad,
        callbacks: r.callbacks,
        callback_rate: pct(r.callback_rate()),
        rectify_rate: pct(r.rectify_rate()),
        yoy,
        yoy_down,
    }
}

fn sum(rows: &[IndexRow]) -> IndexRow {
    let mut t = IndexRow {
        key: String::new(),
        court_name: "合计".into(),
        ..IndexRow::default()
    };
    for r in rows {
        t.ratings += r.ratings;
        t.good += r.good;
        t.bad += r.bad;
        t.level_sum += r.level_sum;
        t.callbacks += r.callbacks;
        t.called_back += r.called_back;
        t.rectified += r.rectified;
    }
    t
}

#[derive(Template)]
#[template(path = "feedback_index.html")]
struct IndexPage {
    layout: Layout,
    period: String,
    year: i32,
    quarter: u32,
    by: &'static str,
    by_zh: &'static str,
    from: String,
    to: String,
    lines: Vec<Line>,
    total: Line,
    trend: Vec<(String, i64, String, String)>,
    unreviewed: i64,
    open_items: i64,
    reads_ratings: bool,
    may_issue: bool,
}

async fn compute(
    st: &AppState,
    s: &Session,
    q: &IndexQuery,
) -> Result<(Period, IndexBy, Vec<IndexRow>, Vec<IndexRow>), ApiError> {
    may_read(s)?;
    let p = period(st, q)?;
    let by = index_by(q)?;
    let now = st
        .store
        .feedback_index(&s.org.region_path, p.from, p.to, by)
        .await?;
    let (_, _, f, t) = quarter_bounds(p.year - 1, p.quarter);
    let before = st
        .store
        .feedback_index(&s.org.region_path, f, t, by)
        .await?;
    Ok((p, by, now, before))
}

pub(crate) async fn index_page(
    State(st): State<AppState>,
    PageUser(s): PageUser,
    Query(q): Query<IndexQuery>,
) -> Response {
    let (p, by, rows, before) = match compute(&st, &s, &q).await {
        Ok(x) => x,
        Err(e) => return api_error_page(e),
    };
    let lines = rows
        .iter()
        .map(|r| line(r, by, before.iter().find(|b| b.key == r.key)))
        .collect();
    let total = line(&sum(&rows), IndexBy::Court, Some(&sum(&before)));
    // The four quarters up to this one, for the whole scope.
    let mut trend = vec![];
    let (mut y, mut qn) = (p.year, p.quarter);
    for _ in 0..4 {
        let (_, _, f, t) = quarter_bounds(y, qn);
        let rows = match st
            .store
            .feedback_index(&s.org.region_path, f, t, IndexBy::Court)
            .await
        {
            Ok(r) => r,
            Err(e) => return api_error_page(e.into()),
        };
        let all = sum(&rows);
        trend.push((
            format!("{y} 年第 {qn} 季度"),
            all.ratings,
            pct(all.good_rate()),
            all.score().map_or("—".into(), |x| format!("{x:.1}")),
        ));
        if qn == 1 {
            y -= 1;
            qn = 4;
        } else {
            qn -= 1;
        }
    }
    trend.reverse();
    let reads = reads_ratings(s.user.role, s.org.kind);
    let (unreviewed, open_items) = if reads {
        let base = RatingFilter {
            region_prefix: s.org.region_path.clone(),
            limit: 1,
            ..RatingFilter::default()
        };
        let u = st
            .store
            .ratings(&RatingFilter {
                unreviewed: true,
                ..base
            })
            .await
            .map(|x| x.1)
            .unwrap_or(0);
        let open = st
            .store
            .open_rating_items(&s.org.region_path)
            .await
            .unwrap_or(0);
        (u, open)
    } else {
        (0, 0)
    };
    render(&IndexPage {
        layout: Layout::new(&s, "/feedback"),
        period: p.zh(),
        year: p.year,
        quarter: p.quarter,
        by: match by {
            IndexBy::Court => "court",
            IndexBy::Judge => "judge",
            IndexBy::CaseKind => "kind",
        },
        by_zh: match by {
            IndexBy::Court => "法院",
            IndexBy::Judge => "承办法官",
            IndexBy::CaseKind => "案件类型",
        },
        from: p.first_day().to_string(),
        to: p.last_day().to_string(),
        lines,
        total,
        trend,
        unreviewed,
        open_items,
        reads_ratings: reads,
        may_issue: tianping_domain::access::issues_feedback_codes(s.user.role, s.org.kind),
    })
}

/// `GET /api/v1/feedback/index`: the index lines of a quarter with the same quarter a year before.
pub async fn api_index(
    State(st): State<AppState>,
    CurrentUser(s): CurrentUser,
    Query(q): Query<IndexQuery>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let (p, by, rows, before) = compute(&st, &s, &q).await?;
    let lines: Vec<_> = rows
        .iter()
        .map(|r| {
            let b = before.iter().find(|b| b.key == r.key);
            json!({
                "key": r.key,
                "court": r.court_name,
                "ratings": r.ratings,
                "good": r.good,
                "bad": r.bad,
                "good_rate": r.good_rate(),
                "score": r.score(),
                "callbacks": r.callbacks,
                "called_back": r.called_back,
                "rectified": r.rectified,
                "callback_rate": r.callback_rate(),
                "rectify_rate": r.rectify_rate(),
                "good_rate_year_before": b.and_then(IndexRow::good_rate),
            })
        })
        .collect();
    Ok(Json(json!({
        "year": p.year,
        "quarter": p.quarter,
        "from": p.first_day().to_string(),
        "to": p.last_day().to_string(),
        "by": match by { IndexBy::Court => "court", IndexBy::Judge => "judge", IndexBy::CaseKind => "kind" },
        "lines": lines,
    })))
}

#[derive(Deserialize, Default, utoipa::IntoParams)]
pub struct RatingsQuery {
    #[serde(default)]
    pub court: Option<String>,
    #[serde(default)]
    pub judge: Option<String>,
    #[serde(default)]
    pub kind: Option<String>,
    /// First day (Beijing), `YYYY-MM-DD`.
    #[serde(default)]
    pub from: Option<String>,
    /// Last day (Beijing), `YYYY-MM-DD`, included.
    #[serde(default)]
    pub to: Option<String>,
    /// `1`: only 不满意 and 非常不满意.
    #[serde(default)]
    pub bad: Option<String>,
    /// `callback`, `review` or `none`.
    #[serde(default)]
    pub follow_up: Option<String>,
    /// `1`: bad ratings without a contact not yet reviewed.
    #[serde(default)]
    pub unreviewed: Option<String>,
}

fn day(v: &Option<String>, field: &str) -> Result<Option<NaiveDate>, ApiError> {
    match v.as_deref().map(str::trim).filter(|x| !x.is_empty()) {
        None => Ok(None),
        Some(x) => x.parse::<NaiveDate>().map(Some).map_err(|_| {
            ApiError::invalid_field(
                Code::InvalidDate,
                field,
                format!("日期“{x}”应为 YYYY-MM-DD"),
            )
        }),
    }
}

fn filter(s: &Session, q: &RatingsQuery) -> Result<RatingFilter, ApiError> {
    may_read(s)?;
    let from = day(&q.from, "from")?;
    let to = day(&q.to, "to")?;
    let follow_up = match q.follow_up.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(f @ ("callback" | "review" | "none")) => Some(f.to_string()),
        Some(other) => {
            return Err(ApiError::invalid_field(
                Code::Invalid,
                "follow_up",
                format!("“{other}”无效：应为 callback、review 或 none"),
            ));
        }
    };
    let some = |v: &Option<String>| v.clone().filter(|x| !x.trim().is_empty());
    Ok(RatingFilter {
        region_prefix: s.org.region_path.clone(),
        court_id: some(&q.court),
        case_id: None,
        judge: q.judge.clone(),
        case_kind: q.kind.clone(),
        from: from.map(local_midnight),
        to: to.map(|d| local_midnight(d + chrono::Duration::days(1))),
        bad_only: q.bad.as_deref() == Some("1"),
        follow_up,
        unreviewed: q.unreviewed.as_deref() == Some("1"),
        limit: 200,
    })
}

/// A rating as a reader may see it: the contact only to those who call back; the words of a
/// rating of a confidential case only to its court.
pub(crate) struct RatingView {
    id: i64,
    at: String,
    court: String,
    case_id: Option<i64>,
    case_number: String,
    what: String,
    judge: String,
    level_zh: &'static str,
    bad: bool,
    aspects: String,
    comment: String,
    contact: String,
    handling: String,
    item_id: Option<i64>,
    set_aside: bool,
}

fn view(s: &Session, r: &RatingRow) -> RatingView {
    let reads = reads_ratings(s.user.role, s.org.kind);
    let level_of_case = r
        .case_confidentiality
        .as_deref()
        .map(|c| Confidentiality::parse(c).unwrap_or(Confidentiality::StateSecret));
    let clearance = crate::view::clearance_for(s, &r.court_id, Some(r.judge.as_str()), &[], None);
    let words = tianping_domain::feedback::words_visible(level_of_case, &clearance);
    let level = Level::from_score(r.level);
    let aspects = r
        .aspects
        .split(',')
        .filter_map(|k| rules().aspect(k).map(|a| a.zh.clone()))
        .collect::<Vec<_>>()
        .join("、");
    // A name someone left may be the minor's or the secret's: shown with the words' clearance.
    let name = r.name.clone().filter(|_| words).unwrap_or_default();
    let contact = if reads {
        match (&r.name, &r.phone) {
            (_, Some(p)) => format!("{name} {p}").trim().to_string(),
            (Some(_), None) => name,
            _ => String::new(),
        }
    } else if r.phone.is_some() {
        "（已留联系方式）".into()
    } else {
        String::new()
    };
    let handling = match (&r.item_number, &r.item_state) {
        (Some(n), Some(st)) => format!(
            "{n}（{}）",
            tianping_domain::supervision::ItemState::parse(st).map_or("—", |x| x.zh())
        ),
        _ if r.follow_up == "review" => "待复核".into(),
        _ => String::new(),
    };
    RatingView {
        id: r.id,
        at: crate::view::local(&r.rated_at),
        court: r.court_name.clone(),
        case_id: r.case_id.filter(|_| reads),
        case_number: r.case_number.clone().unwrap_or_default(),
        what: if r.scope == "window" {
            format!("窗口：{}", r.label)
        } else {
            format!("{}（{}）", kind_zh(&r.case_kind), r.label)
        },
        judge: r.judge.clone(),
        level_zh: level.map_or("—", Level::zh),
        bad: level.is_some_and(Level::is_bad),
        aspects,
        comment: if words || r.comment.is_empty() {
            r.comment.clone()
        } else {
            format!(
                "（{}案件，意见内容须相应权限查看）",
                level_of_case.map_or("涉密", Confidentiality::zh)
            )
        },
        contact,
        handling,
        item_id: r.item_id,
        set_aside: r.set_aside_at.is_some(),
    }
}

#[derive(Template)]
#[template(path = "feedback_ratings.html")]
struct RatingsPage {
    layout: Layout,
    ratings: Vec<RatingView>,
    total: i64,
    heading: String,
    reads_ratings: bool,
}

pub(crate) async fn ratings_page(
    State(st): State<AppState>,
    PageUser(s): PageUser,
    Query(q): Query<RatingsQuery>,
) -> Response {
    let f = match filter(&s, &q) {
        Ok(f) => f,
        Err(e) => return api_error_page(e),
    };
    let (rows, total) = match st.store.ratings(&f).await {
        Ok(x) => x,
        Err(e) => return api_error_page(e.into()),
    };
    let mut heading = vec![];
    if let (Some(a), Some(b)) = (&q.from, &q.to) {
        heading.push(format!("{a} 至 {b}"));
    }
    if let Some(c) = rows.first().filter(|_| f.court_id.is_some()) {
        heading.push(c.court_name.clone());
    }
    if let Some(j) = f.judge.as_deref().filter(|j| !j.is_empty()) {
        heading.push(format!("承办法官 {j}"));
    }
    if let Some(k) = &f.case_kind {
        heading.push(kind_zh(k));
    }
    if f.bad_only {
        heading.push("不满意的评价".into());
    }
    if f.unreviewed {
        heading.push("待复核的匿名差评".into());
    }
    if f.follow_up.as_deref() == Some("callback") {
        heading.push("须回访的差评".into());
    }
    render(&RatingsPage {
        layout: Layout::new(&s, "/feedback"),
        ratings: rows.iter().map(|r| view(&s, r)).collect(),
        total,
        heading: if heading.is_empty() {
            "全部评价".into()
        } else {
            heading.join(" · ")
        },
        reads_ratings: reads_ratings(s.user.role, s.org.kind),
    })
}

/// `GET /api/v1/feedback/ratings`: the ratings of a filter, newest first (at most 200), with
/// the full count.
pub async fn api_ratings(
    State(st): State<AppState>,
    CurrentUser(s): CurrentUser,
    Query(q): Query<RatingsQuery>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let f = filter(&s, &q)?;
    let (rows, total) = st.store.ratings(&f).await?;
    let reads = reads_ratings(s.user.role, s.org.kind);
    let list: Vec<_> = rows
        .iter()
        .map(|r| {
            let level = r
                .case_confidentiality
                .as_deref()
                .map(|c| Confidentiality::parse(c).unwrap_or(Confidentiality::StateSecret));
            let clearance =
                crate::view::clearance_for(&s, &r.court_id, Some(r.judge.as_str()), &[], None);
            let words = tianping_domain::feedback::words_visible(level, &clearance);
            json!({
                "id": r.id,
                "rated_at": r.rated_at,
                "court_id": r.court_id,
                "court": r.court_name,
                "scope": r.scope,
                "case_kind": r.case_kind,
                "case_number": if reads { r.case_number.clone() } else { None },
                "judge": r.judge,
                "rating": r.level,
                "aspects": r.aspects.split(',').filter(|a| !a.is_empty()).collect::<Vec<_>>(),
                "comment": if words { Some(r.comment.clone()) } else { None },
                "name": if reads && words { r.name.clone() } else { None },
                "phone": if reads { r.phone.clone() } else { None },
                "follow_up": r.follow_up,
                "item_id": r.item_id,
                "set_aside": r.set_aside_at.is_some(),
            })
        })
        .collect();
    Ok(Json(json!({ "total": total, "ratings": list })))
}

#[derive(Template)]
#[template(path = "feedback_rating.html")]
struct RatingPage {
    layout: Layout,
    r: RatingView,
    decisions: Vec<(String, String, String, String)>,
    may_review: bool,
    may_set_aside: bool,
    error: Option<String>,
}

async fn rating_for(st: &AppState, s: &Session, id: &str) -> Result<RatingRow, ApiError> {
    if !reads_ratings(s.user.role, s.org.kind) {
        return Err(ApiError::forbidden("查看群众评价"));
    }
    let id = parse_id(id, "评价")?;
    match st.store.rating(id).await? {
        Some(r) if r.region_path.starts_with(&s.org.region_path) => Ok(r),
        _ => Err(ApiError::not_found("评价")),
    }
}

async fn rating_view(st: &AppState, s: &Session, id: &str, error: Option<String>) -> Response {
    let r = match rating_for(st, s, id).await {
        Ok(r) => r,
        Err(e) => return api_error_page(e),
    };
    let decisions = match st.store.rating_decisions(r.id).await {
        Ok(d) => d,
        Err(e) => return api_error_page(e.into()),
    };
    let done = |k: DecisionKind| decisions.iter().any(|d| d.kind == k.as_str());
    let may = decides_on_ratings(s.user.role, s.org.kind);
    render(&RatingPage {
        layout: Layout::new(s, "/feedback"),
        may_review: may && r.follow_up == "review" && !done(DecisionKind::Reviewed),
        may_set_aside: may && !done(DecisionKind::SetAside),
        decisions: decisions
            .iter()
            .map(|d| {
                (
                    DecisionKind::parse(&d.kind)
                        .map_or("—", DecisionKind::zh)
                        .to_string(),
                    d.note.clone(),
                    d.decided_by.clone(),
                    crate::view::local(&d.decided_at),
                )
            })
            .collect(),
        r: view(s, &r),
        error,
    })
}

pub(crate) async fn rating_page(
    State(st): State<AppState>,
    PageUser(s): PageUser,
    Path(id): Path<String>,
) -> Response {
    rating_view(&st, &s, &id, None).await
}

#[derive(Deserialize)]
pub(crate) struct DecideForm {
    csrf: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    note: String,
}

pub(crate) async fn decide_submit(
    State(st): State<AppState>,
    PageUser(s): PageUser,
    Path(id): Path<String>,
    Form(f): Form<DecideForm>,
) -> Response {
    if let Some(r) = csrf_refused(&f.csrf, &s) {
        return r;
    }
    let r = match rating_for(&st, &s, &id).await {
        Ok(r) => r,
        Err(e) => return api_error_page(e),
    };
    if !decides_on_ratings(s.user.role, s.org.kind) {
        return api_error_page(ApiError::forbidden("对群众评价作决定"));
    }
    let Some(kind) = DecisionKind::parse(&f.kind) else {
        return rating_view(&st, &s, &id, Some("请选择决定".into())).await;
    };
    if f.note.chars().count() > 500 {
        return rating_view(&st, &s, &id, Some("理由不能超过 500 字".into())).await;
    }
    match st
        .store
        .decide_rating(r.id, kind, &f.note, &s.user, st.now())
        .await
    {
        Ok(_) => redirect(&format!("/feedback/ratings/{}#decisions", r.id)),
        Err(e) => {
            let e = ApiError::from(e);
            if e.code == Code::Internal {
                return api_error_page(e);
            }
            rating_view(&st, &s, &id, Some(e.message)).await
        }
    }
}
