//! The year's report for the justice bureau (`/supervisors/report`, and as Excel): activities
//! by kind (the line of the yearly table each kind is counted on), how evenly the draws spread
//! over the pool (each supervisor's picks against a fair draw's, a chi-square test, the outliers
//! named), and each supervisor's record — attended, absent, declined, recused, opinions and how
//! many were adopted, and the allowance their attendance earns at the configured rate.

use super::registry::may;
use crate::AppState;
use crate::error::{ApiError, Code};
use crate::export::{Sheet, xlsx_download};
use crate::http::PageUser;
use crate::http::page::{Layout, api_error_page, render};
use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use chrono::{Datelike, NaiveDate};
use serde::Deserialize;
use tianping_domain::draw::{Outcome, Setup};
use tianping_domain::people_supervisors::{Answer, Grade, fairness, rules};
use tianping_store::user::Session;

#[derive(Deserialize)]
pub(crate) struct YearQuery {
    #[serde(default)]
    year: Option<String>,
}

pub(crate) struct KindLine {
    pub group: String,
    pub activities: usize,
    pub mandatory: usize,
    pub without: usize,
    pub attendances: usize,
    pub opinions: usize,
    pub adopted: usize,
}

pub(crate) struct PersonLine {
    pub id: i64,
    pub name: String,
    pub drawn: u32,
    pub expected: String,
    pub residual: String,
    pub outlier: &'static str,
    pub attended: i64,
    pub absent: i64,
    pub refused: i64,
    pub recused: i64,
    pub opinions: usize,
    pub adopted: usize,
    pub allowance: i64,
    /// What was paid of it (履职补贴 recorded on the file for the year).
    pub paid: i64,
    /// The year's assessment grade, or empty.
    pub grade: String,
    pub serving: bool,
}

#[derive(Template)]
#[template(path = "supervisors_report.html")]
struct ReportPage {
    layout: Layout,
    year: i32,
    kinds: Vec<KindLine>,
    total: KindLine,
    draws: usize,
    chi2: String,
    df: usize,
    p: String,
    even: bool,
    people: Vec<PersonLine>,
    rate: u32,
    /// The year was assessed; else the form is offered (for a year that has begun).
    assessed: bool,
    may_assess: bool,
    grades: Vec<(&'static str, &'static str)>,
    cap: String,
    error: String,
}

struct Report {
    year: i32,
    kinds: Vec<KindLine>,
    total: KindLine,
    draws: usize,
    chi2: f64,
    df: usize,
    p: f64,
    people: Vec<PersonLine>,
    assessed: bool,
}

fn year_of(st: &AppState, q: &YearQuery) -> Result<i32, ApiError> {
    let this = tianping_domain::clock::local_date(st.now()).year();
    match q.year.as_deref().map(str::trim) {
        None | Some("") => Ok(this),
        Some(y) => match y.parse::<i32>() {
            Ok(y) if (2000..=this + 1).contains(&y) => Ok(y),
            _ => Err(ApiError::new(
                Code::InvalidYear,
                format!("年份“{y}”无效，应为 2000 至 {} 之间的整数", this + 1),
            )),
        },
    }
}

async fn report(st: &AppState, s: &Session, year: i32) -> Result<Report, ApiError> {
    may(s)?;
    let region = &s.org.region_path;
    let midnight = |y: i32| {
        tianping_domain::clock::local_midnight(NaiveDate::from_ymd_opt(y, 1, 1).unwrap_or_default())
    };
    let (from, to) = (midnight(year), midnight(year + 1));
    let now = st.now();
    let r = rules();
    let activities = st
        .store
        .supervisor_activities_between(region, from, to)
        .await?;
    let counts = st.store.invitation_counts_between(region, from, to).await?;
    let opinions = st.store.opinions_between(region, from, to).await?;
    let adopted = |a: &Option<String>| {
        matches!(
            a.as_deref().and_then(Answer::parse),
            Some(Answer::Adopted | Answer::PartlyAdopted)
        )
    };
    let mut kinds: Vec<KindLine> = r
        .groups()
        .into_iter()
        .map(|g| KindLine {
            group: g.to_string(),
            activities: 0,
            mandatory: 0,
            without: 0,
            attendances: 0,
            opinions: 0,
            adopted: 0,
        })
        .collect();
    for a in &activities {
        let Some(k) = kinds
            .iter_mut()
            .find(|k| r.activity(&a.kind).is_some_and(|t| t.group == k.group))
        else {
            continue;
        };
        k.activities += 1;
        let inv = st.store.supervisor_invitations(a.id).await?;
        let came = inv.iter().filter(|i| i.state == "attended").count();
        k.attendances += came;
        if a.mandatory != 0 {
            k.mandatory += 1;
            let held = crate::view::parse_utc(&a.starts_at).is_some_and(|t| t <= now);
            if held
                && !inv
                    .iter()
                    .any(|i| matches!(i.state.as_str(), "attended" | "accepted"))
            {
                k.without += 1;
            }
        }
        for o in opinions.iter().filter(|o| o.activity_id == a.id) {
            k.opinions += 1;
            k.adopted += usize::from(adopted(&o.answer));
        }
    }
    let total = KindLine {
        group: "合计".into(),
        activities: kinds.iter().map(|k| k.activities).sum(),
        mandatory: kinds.iter().map(|k| k.mandatory).sum(),
        without: kinds.iter().map(|k| k.without).sum(),
        attendances: kinds.iter().map(|k| k.attendances).sum(),
        opinions: kinds.iter().map(|k| k.opinions).sum(),
        adopted: kinds.iter().map(|k| k.adopted).sum(),
    };
    let rows = st.store.supervisor_draws_between(region, from, to).await?;
    let mut parsed: Vec<(Setup, Outcome)> = vec![];
    for d in &rows {
        let (Ok(setup), Some(Ok(outcome))) = (
            serde_json::from_str::<Setup>(&d.setup),
            d.outcome.as_deref().map(serde_json::from_str::<Outcome>),
        ) else {
            return Err(ApiError::internal(format!("stored draw {}", d.id)));
        };
        parsed.push((setup, outcome));
    }
    let refs: Vec<(&Setup, &Outcome)> = parsed.iter().map(|(s, o)| (s, o)).collect();
    let f = fairness(&refs);
    let count = |sid: i64, state: &str| {
        counts
            .iter()
            .filter(|(id, st, _)| *id == sid && st == state)
            .map(|c| c.2)
            .sum::<i64>()
    };
    let rate = i64::from(r.allowance.per_activity_yuan);
    let grades = st.store.assessments_in(region, year).await?;
    let paid = st.store.allowances_paid(region, year).await?;
    let mut people = vec![];
    for sup in st.store.supervisors(region).await? {
        let share = f.shares.iter().find(|x| x.member == sup.id.to_string());
        let attended = count(sup.id, "attended");
        let mine: Vec<_> = opinions
            .iter()
            .filter(|o| o.supervisor_id == sup.id)
            .collect();
        let graded = grades.iter().any(|(id, _)| *id == sup.id);
        let paid = paid.get(&sup.id).copied().unwrap_or(0);
        if !sup.serving() && share.is_none() && attended == 0 && !graded && paid == 0 {
            continue;
        }
        people.push(PersonLine {
            id: sup.id,
            name: sup.name,
            drawn: share.map_or(0, |x| x.observed),
            expected: share.map_or_else(|| "—".into(), |x| format!("{:.1}", x.expected)),
            residual: share.map_or_else(|| "—".into(), |x| format!("{:+.2}", x.residual)),
            outlier: match share {
                Some(x) if x.outlier && x.residual > 0.0 => "明显偏多",
                Some(x) if x.outlier => "明显偏少",
                _ => "",
            },
            attended,
            absent: count(sup.id, "absent"),
            refused: count(sup.id, "refused"),
            recused: count(sup.id, "recused"),
            opinions: mine.len(),
            adopted: mine.iter().filter(|o| adopted(&o.answer)).count(),
            allowance: attended * rate,
            paid,
            grade: grades
                .iter()
                .find(|(id, _)| *id == sup.id)
                .and_then(|(_, g)| Grade::parse(g))
                .map_or("", |g| g.zh())
                .to_string(),
            serving: sup.status == "serving",
        });
    }
    Ok(Report {
        year,
        kinds,
        total,
        draws: parsed.len(),
        chi2: f.chi2,
        df: f.df,
        p: f.p,
        people,
        assessed: !grades.is_empty(),
    })
}

pub(crate) async fn report_page(
    State(st): State<AppState>,
    PageUser(s): PageUser,
    Query(q): Query<YearQuery>,
) -> Response {
    match year_of(&st, &q) {
        Ok(y) => show(&st, &s, y, None).await,
        Err(e) => api_error_page(e),
    }
}

/// The report with an error from the assessment form, next to its field.
pub(crate) async fn report_with_error(
    st: &AppState,
    s: &Session,
    year: Option<i32>,
    e: ApiError,
) -> Response {
    let this = tianping_domain::clock::local_date(st.now()).year();
    show(st, s, year.unwrap_or(this), Some(e)).await
}

async fn show(st: &AppState, s: &Session, year: i32, error: Option<ApiError>) -> Response {
    let this = tianping_domain::clock::local_date(st.now()).year();
    match report(st, s, year).await {
        Ok(r) => render(&ReportPage {
            layout: Layout::new(s, "/supervisors"),
            may_assess: !r.assessed && r.year <= this,
            assessed: r.assessed,
            grades: Grade::ALL.iter().map(|g| (g.as_str(), g.zh())).collect(),
            cap: format!("{:.0}%", rules().selection.excellent_share_max * 100.0),
            error: error.map(|e| e.message).unwrap_or_default(),
            year: r.year,
            kinds: r.kinds,
            total: r.total,
            draws: r.draws,
            chi2: format!("{:.1}", r.chi2),
            df: r.df,
            p: format!("{:.3}", r.p),
            even: r.p >= 0.05,
            people: r.people,
            rate: rules().allowance.per_activity_yuan,
        }),
        Err(e) => api_error_page(e),
    }
}

pub(crate) async fn report_xlsx(
    State(st): State<AppState>,
    PageUser(s): PageUser,
    Query(q): Query<YearQuery>,
) -> Response {
    let r = match year_of(&st, &q) {
        Ok(y) => report(&st, &s, y).await,
        Err(e) => Err(e),
    };
    let r = match r {
        Ok(r) => r,
        Err(e) => return api_error_page(e),
    };
    let rows = r
        .people
        .into_iter()
        .map(|p| {
            vec![
                p.name,
                p.drawn.to_string(),
                p.expected,
                p.outlier.to_string(),
                p.attended.to_string(),
                p.absent.to_string(),
                p.refused.to_string(),
                p.recused.to_string(),
                p.opinions.to_string(),
                p.adopted.to_string(),
                p.allowance.to_string(),
                p.paid.to_string(),
                (p.allowance - p.paid).to_string(),
            ]
        })
        .collect();
    xlsx_download(
        Sheet {
            name: "人民监督员履职",
            title: format!(
                "{} 人民监督员履职统计（{} 年，抽选 {} 次，卡方检验 p = {:.3}）",
                s.org.name, r.year, r.draws, r.p
            ),
            headers: &[
                ("姓名", 12),
                ("抽中次数", 10),
                ("均匀抽选期望次数", 16),
                ("抽选偏离", 10),
                ("参加", 8),
                ("未到场", 8),
                ("不能参加", 10),
                ("回避", 8),
                ("监督意见", 10),
                ("采纳（含部分采纳）", 18),
                ("应发履职补贴（元）", 18),
                ("已发履职补贴（元）", 18),
                ("未发履职补贴（元）", 18),
            ],
            rows,
        },
        &format!("people-supervisors-{}.xlsx", r.year),
        &format!("人民监督员履职统计-{}.xlsx", r.year),
    )
}
