//! Case quality evaluation (评查, issue 26). The case office of a court or procuratorate (or the
//! 政法委, for a city–county cross evaluation) keeps an expert pool and makes plans — 常规 (a
//! re-checkable random draw per judge), 重点 (the closed cases meeting chosen triggers) or 专项
//! (listed cases and criteria); each case goes to an expert without conflicts; the evaluator
//! scores on the plan's sheet; the judge accepts or objects once; another expert re-checks; a
//! 瑕疵 or 不合格 grade opens a supervision item.
//!
//! Pages: `/evaluations` (plans, the new-plan form, one's own cases to evaluate and one's own
//! evaluated cases), `/evaluations/experts` (the pool), `/evaluations/{id}` (a plan: its draw,
//! cases and results), `/evaluations/{id}/pool.txt` (the published pool), and in `cases`
//! `/evaluations/cases/{id}` (one evaluated case: the file while it waits for the evaluator, the
//! sheet, the acts). The API: `GET /api/v1/evaluation-plans/{id}`.

use crate::AppState;
use crate::error::{ApiError, Code};
use crate::http::PageUser;
use crate::http::extract::{CurrentUser, csrf_refused, parse_id};
use crate::http::page::{Layout, api_error_page, redirect, render};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use chrono::NaiveDate;
use serde_json::json;
use tianping_domain::access::{reads_evaluations, runs_evaluations};
use tianping_domain::evaluation::{NewPlan, PlanKind, Signal, check_plan, rules};
use tianping_domain::{AgencyKind, Role};
use tianping_store::evaluation::{EvalCaseRow, PlanInput, PlanRow};
use tianping_store::user::Session;

pub mod api;
pub mod cases;
mod experts;
pub mod self_checks;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/evaluations", get(plans_page).post(plan_submit))
        .route(
            "/evaluations/experts",
            get(experts::experts_page).post(experts::expert_submit),
        )
        .route(
            "/evaluations/experts/{id}/remove",
            post(experts::expert_remove),
        )
        .route("/evaluations/{id}", get(plan_page))
        .route("/evaluations/{id}/pool.txt", get(pool_text))
        .route("/evaluations/{id}/results.xlsx", get(results_xlsx))
        .route("/evaluations/{id}/due", post(due_submit))
        .merge(cases::router())
        .merge(self_checks::router())
}

pub fn api_router() -> Router<AppState> {
    Router::new()
        .route("/evaluation-plans/{id}", get(api_plan))
        .route("/evaluation-cases/{id}", get(api::api_case))
        .route("/evaluation-cases/{id}/acts", post(api::api_act))
        .merge(self_checks::api_router())
}

pub(crate) fn today(st: &AppState) -> NaiveDate {
    tianping_domain::clock::local_date(st.now())
}

/// Whether the reader sees a plan: staff who read evaluations in an organisation whose region
/// covers the plan's maker, or of the maker itself.
pub(crate) fn sees_plan(s: &Session, plan_org: &str, plan_path: &str) -> bool {
    reads_evaluations(s.user.role, s.org.kind)
        && (s.org.id == plan_org || plan_path.starts_with(&s.org.region_path))
}

/// Whether the reader runs a plan: the office that made it.
pub(crate) fn runs_plan(s: &Session, plan_org: &str) -> bool {
    runs_evaluations(s.user.role, s.org.kind) && s.org.id == plan_org
}

/// The agency kinds whose cases a plan of this office evaluates: its own (a court's, a
/// procuratorate's), or either for a 政法委.
fn agencies_of(s: &Session) -> Vec<AgencyKind> {
    match s.org.kind {
        AgencyKind::Court => vec![AgencyKind::Court],
        AgencyKind::Procuratorate => vec![AgencyKind::Procuratorate],
        _ => vec![AgencyKind::Court, AgencyKind::Procuratorate],
    }
}

pub(crate) fn kind_zh(kind: &str) -> &'static str {
    PlanKind::parse(kind).map_or("评查", PlanKind::zh)
}

/// The form's values, as pairs (the triggers repeat).
#[derive(Default, Clone)]
pub(crate) struct PlanForm {
    kind: String,
    title: String,
    sheet: String,
    closed_from: String,
    closed_to: String,
    percent: String,
    min_per_judge: String,
    signals: Vec<String>,
    criteria: String,
    case_numbers: String,
    cross: bool,
    due: String,
    /// The experts chosen (ids as text); `None` before the form is first posted (all).
    experts: Option<Vec<String>>,
}

impl PlanForm {
    fn from_pairs(p: &[(String, String)]) -> PlanForm {
        let get = |k: &str| {
            p.iter()
                .find(|(n, _)| n == k)
                .map_or(String::new(), |(_, v)| v.trim().to_string())
        };
        PlanForm {
            kind: get("kind"),
            title: get("title"),
            sheet: get("sheet"),
            closed_from: get("closed_from"),
            closed_to: get("closed_to"),
            percent: get("percent"),
            min_per_judge: get("min_per_judge"),
            signals: p
                .iter()
                .filter(|(n, _)| n == "signals")
                .map(|(_, v)| v.clone())
                .collect(),
            criteria: get("criteria"),
            case_numbers: get("case_numbers"),
            cross: get("cross") == "1",
            due: get("due"),
            experts: Some(
                p.iter()
                    .filter(|(n, _)| n == "experts")
                    .map(|(_, v)| v.clone())
                    .collect(),
            ),
        }
    }
    fn has_expert(&self, id: &i64) -> bool {
        self.experts
            .as_ref()
            .is_none_or(|v| v.iter().any(|x| *x == id.to_string()))
    }
    fn has_signal(&self, s: &str) -> bool {
        self.signals.iter().any(|x| x == s)
    }
}

/// A plan as a list shows it.
pub(crate) struct PlanLine {
    id: i64,
    title: String,
    kind: &'static str,
    org: String,
    period: String,
    cases: i64,
    finals: i64,
    pass_rate: String,
    due: String,
}

fn rate(passed: i64, finals: i64) -> String {
    if finals == 0 {
        "—".into()
    } else {
        format!("{:.1}%", passed as f64 * 100.0 / finals as f64)
    }
}

fn line(p: &PlanRow) -> PlanLine {
    PlanLine {
        id: p.id,
        title: p.title.clone(),
        kind: kind_zh(&p.kind),
        org: p.org_name.clone(),
        period: format!("{} 至 {}", p.closed_from, p.closed_to),
        cases: p.cases,
        finals: p.finals,
        pass_rate: rate(p.passed, p.finals),
        due: p.due.clone(),
    }
}

/// An evaluated case as the lists show it.
pub(crate) struct CaseLine {
    pub id: i64,
    pub case_number: String,
    pub court: String,
    pub judge: String,
    pub plan: String,
    pub reason: String,
    pub evaluator: String,
    pub stage: &'static str,
    pub score: String,
    pub grade: String,
    pub item_id: Option<i64>,
}

pub(crate) fn case_line(c: &EvalCaseRow) -> CaseLine {
    let (score, grade) = match (c.final_score, &c.final_grade, c.score, &c.grade) {
        (Some(s), Some(g), _, _) => (s.to_string(), g.clone()),
        (_, _, Some(s), Some(g)) => (s.to_string(), g.clone()),
        _ => (String::new(), String::new()),
    };
    CaseLine {
        id: c.id,
        case_number: c.case_number.clone(),
        court: c.case_org_name.clone(),
        judge: c.case_judge.clone().unwrap_or_default(),
        plan: c.plan_title.clone(),
        reason: c.reason.clone(),
        evaluator: c.evaluator_name.clone().unwrap_or_default(),
        stage: c.stage().zh(),
        score,
        grade,
        item_id: c.item_id,
    }
}

#[derive(Template)]
#[template(path = "evaluations.html")]
struct PlansPage {
    layout: Layout,
    plans: Vec<PlanLine>,
    reads: bool,
    runs: bool,
    /// Cases the reader evaluates or re-checks.
    to_evaluate: Vec<CaseLine>,
    /// The reader's own cases that were evaluated (a judge).
    my_cases: Vec<CaseLine>,
    kinds: Vec<(&'static str, &'static str)>,
    sheets: Vec<(String, String)>,
    triggers: Vec<(&'static str, String)>,
    errors: Vec<(String, String)>,
    form: PlanForm,
    /// The office's pool: (id, username, name, kind, organisation).
    experts: Vec<(i64, String, String, &'static str, String)>,
}

impl PlansPage {
    fn error_of(&self, field: &str) -> String {
        crate::http::page::errors_of(&self.errors, field)
    }
}

async fn plans(
    st: &AppState,
    s: &Session,
    form: PlanForm,
    errors: Vec<(String, String)>,
) -> Result<axum::response::Response, ApiError> {
    let reads = reads_evaluations(s.user.role, s.org.kind);
    let runs = runs_evaluations(s.user.role, s.org.kind);
    let plans = if reads {
        st.store
            .evaluation_plans(&s.org.region_path)
            .await?
            .iter()
            .map(line)
            .collect()
    } else {
        vec![]
    };
    let to_evaluate = st
        .store
        .evaluations_of_evaluator(s.user.id)
        .await?
        .iter()
        .map(case_line)
        .collect();
    let my_cases = if s.user.role == Role::Judge
        && matches!(s.org.kind, AgencyKind::Court | AgencyKind::Procuratorate)
    {
        st.store
            .evaluations_of_judge(&s.org.id, &s.user.display_name)
            .await?
            .iter()
            .filter(|c| c.stage().as_str() != "assigned" && c.stage().as_str() != "unassigned")
            .map(case_line)
            .collect()
    } else {
        vec![]
    };
    let today = today(st);
    let r = rules();
    let sheets = agencies_of(s)
        .into_iter()
        .flat_map(|k| r.sheets_for(k, today))
        .map(|sh| {
            (
                sh.id.clone(),
                format!("{}（{}，第{}版）", sh.name, sh.agency.zh(), sh.version),
            )
        })
        .collect();
    let experts = if runs {
        st.store
            .evaluation_experts(&s.org.id)
            .await?
            .iter()
            .map(|e| {
                (
                    e.id,
                    e.username.clone(),
                    e.name.clone(),
                    e.kind_zh(),
                    e.org_name.clone(),
                )
            })
            .collect()
    } else {
        vec![]
    };
    let mut res = render(&PlansPage {
        layout: Layout::new(s, "/evaluations"),
        plans,
        reads,
        runs,
        to_evaluate,
        my_cases,
        kinds: PlanKind::ALL.iter().map(|k| (k.as_str(), k.zh())).collect(),
        sheets,
        triggers: r
            .triggers
            .iter()
            .map(|t| (t.signal.as_str(), t.name.clone()))
            .collect(),
        errors: errors.clone(),
        form,
        experts,
    });
    if !errors.is_empty() {
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res)
}

pub(crate) async fn plans_page(
    State(st): State<AppState>,
    PageUser(s): PageUser,
) -> axum::response::Response {
    let today = today(&st);
    let quarter_start = |d: NaiveDate| {
        use chrono::Datelike;
        let m = (d.month0() / 3) * 3 + 1;
        NaiveDate::from_ymd_opt(d.year(), m, 1).unwrap_or(d)
    };
    let this_quarter = quarter_start(today);
    let last_quarter = quarter_start(this_quarter.pred_opt().unwrap_or(this_quarter));
    let form = PlanForm {
        kind: "routine".into(),
        closed_from: last_quarter.to_string(),
        closed_to: this_quarter.pred_opt().unwrap_or(today).to_string(),
        percent: "5".into(),
        min_per_judge: "1".into(),
        due: (today + chrono::Duration::days(30)).to_string(),
        cross: s.org.kind == AgencyKind::PoliticalLegalCommittee,
        ..PlanForm::default()
    };
    match plans(&st, &s, form, vec![]).await {
        Ok(r) => r,
        Err(e) => api_error_page(e),
    }
}

fn day(v: &str, field: &str, errors: &mut Vec<(String, String)>) -> NaiveDate {
    match v.parse::<NaiveDate>() {
        Ok(d) => d,
        Err(_) => {
            errors.push((field.into(), "请填写日期（年-月-日）".into()));
            NaiveDate::MIN
        }
    }
}

fn number(v: &str, field: &str, errors: &mut Vec<(String, String)>) -> u32 {
    if v.is_empty() {
        return 0;
    }
    match v.parse::<u32>() {
        Ok(n) => n,
        Err(_) => {
            errors.push((field.into(), format!("“{v}”不是整数")));
            0
        }
    }
}

pub(crate) async fn plan_submit(
    State(st): State<AppState>,
    PageUser(s): PageUser,
    Form(pairs): Form<Vec<(String, String)>>,
) -> axum::response::Response {
    let csrf = pairs
        .iter()
        .find(|(k, _)| k == "csrf")
        .map_or("", |(_, v)| v.as_str());
    if let Some(r) = csrf_refused(csrf, &s) {
        return r;
    }
    if !runs_evaluations(s.user.role, s.org.kind) {
        return api_error_page(ApiError::forbidden("制定评查计划"));
    }
    let f = PlanForm::from_pairs(&pairs);
    let mut errors = vec![];
    let kind = PlanKind::parse(&f.kind);
    if kind.is_none() {
        errors.push(("kind".into(), "请选择评查类型".into()));
    }
    let closed_from = day(&f.closed_from, "closed_from", &mut errors);
    let closed_to = day(&f.closed_to, "closed_to", &mut errors);
    let due = day(&f.due, "due", &mut errors);
    let percent = number(&f.percent, "percent", &mut errors);
    let min_per_judge = number(&f.min_per_judge, "min_per_judge", &mut errors);
    let signals: Vec<Signal> = f.signals.iter().filter_map(|x| Signal::parse(x)).collect();
    let case_numbers: Vec<String> = f
        .case_numbers
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(String::from)
        .collect();
    let chosen: Vec<i64> = f
        .experts
        .iter()
        .flatten()
        .filter_map(|x| x.parse().ok())
        .collect();
    let pool = match st.store.evaluation_experts(&s.org.id).await {
        Ok(p) => p,
        Err(e) => return api_error_page(e.into()),
    };
    if !pool.is_empty() && chosen.is_empty() {
        errors.push(("experts".into(), "请至少选择一名本次评查的专家".into()));
    }
    let today = today(&st);
    let r = rules();
    let sheet = r.sheet_on(&f.sheet, today);
    let agency = sheet.map_or(s.org.kind, |sh| sh.agency);
    if let Some(sh) = sheet
        && !agencies_of(&s).contains(&sh.agency)
    {
        errors.push((
            "sheet".into(),
            format!("本单位不评查{}的案件", sh.agency.zh()),
        ));
    }
    let (Some(kind), true) = (kind, errors.is_empty()) else {
        return plans(&st, &s, f, errors)
            .await
            .unwrap_or_else(api_error_page);
    };
    let np = NewPlan {
        kind,
        title: &f.title,
        agency,
        sheet_id: &f.sheet,
        closed_from,
        closed_to,
        percent,
        min_per_judge,
        signals: &signals,
        criteria: &f.criteria,
        case_numbers: &case_numbers,
        cross: f.cross,
        due,
    };
    let problems = check_plan(&np, r, today);
    if !problems.is_empty() {
        let errors = problems
            .into_iter()
            .map(|p| (p.field.to_string(), p.message))
            .collect();
        return plans(&st, &s, f, errors)
            .await
            .unwrap_or_else(api_error_page);
    }
    let Some(sheet) = sheet else {
        return api_error_page(ApiError::new(Code::Invalid, "评查表不存在"));
    };
    let input = PlanInput {
        org_id: s.org.id.clone(),
        region_path: s.org.region_path.clone(),
        kind,
        title: f.title.clone(),
        agency,
        sheet_id: sheet.id.clone(),
        sheet_version: sheet.version,
        closed_from,
        closed_to,
        percent,
        min_per_judge,
        signals,
        criteria: f.criteria.clone(),
        case_numbers,
        cross: f.cross,
        experts: chosen,
        due,
        seed: match crate::incidents::fresh_seed() {
            Ok(seed) => seed,
            Err(e) => return api_error_page(e),
        },
    };
    match st
        .store
        .make_evaluation_plan(&input, &s.user, st.now())
        .await
    {
        Ok(made) => redirect(&format!("/evaluations/{}", made.id)),
        Err(e) => {
            let e = ApiError::from(e);
            if e.code == Code::Internal {
                return api_error_page(e);
            }
            let field = if e.code == Code::CaseNotFound {
                "case_numbers"
            } else {
                "kind"
            };
            plans(&st, &s, f, vec![(field.into(), e.message)])
                .await
                .unwrap_or_else(api_error_page)
        }
    }
}

// --- a plan -----------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "evaluation_plan.html")]
struct PlanPage {
    layout: Layout,
    plan: PlanRow,
    kind: &'static str,
    sheet: String,
    signals: String,
    cases: Vec<CaseLine>,
    runs: bool,
    unassigned: usize,
    /// Grades and their counts, best first.
    grades: Vec<(String, usize)>,
    pass_rate: String,
    courts: Vec<CourtLine>,
    errors: Vec<(String, String)>,
}

impl PlanPage {
    fn error_of(&self, field: &str) -> String {
        crate::http::page::errors_of(&self.errors, field)
    }
}

/// A court's line of a plan's results (its quality file for the plan).
#[derive(Default)]
struct CourtLine {
    court: String,
    cases: usize,
    finals: usize,
    passed: usize,
    pass_rate: String,
    /// The judges whose cases were graded below 合格.
    failed_judges: Vec<String>,
}

async fn readable_plan(st: &AppState, s: &Session, id: i64) -> Result<PlanRow, ApiError> {
    match st.store.evaluation_plan(id).await? {
        Some(p) if sees_plan(s, &p.org_id, &p.region_path) => Ok(p),
        _ => Err(ApiError::not_found("评查计划")),
    }
}

pub(crate) async fn plan_page(
    State(st): State<AppState>,
    PageUser(s): PageUser,
    Path(id): Path<String>,
) -> axum::response::Response {
    match parse_id(&id, "评查计划") {
        Ok(id) => plan_view(&st, &s, id, vec![]).await,
        Err(e) => api_error_page(e),
    }
}

#[derive(serde::Deserialize)]
pub(crate) struct DueForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    due: String,
}

/// `POST /evaluations/{id}/due`: the office moves the plan's due day later (its evaluators keep
/// their cases and their file until then).
pub(crate) async fn due_submit(
    State(st): State<AppState>,
    PageUser(s): PageUser,
    Path(id): Path<String>,
    Form(f): Form<DueForm>,
) -> axum::response::Response {
    if let Some(r) = csrf_refused(&f.csrf, &s) {
        return r;
    }
    let run = async {
        let id = parse_id(&id, "评查计划")?;
        let plan = readable_plan(&st, &s, id).await?;
        if !runs_plan(&s, &plan.org_id) {
            return Err(ApiError::forbidden("变更评查截止日"));
        }
        let current: NaiveDate = plan.due.parse().unwrap_or(NaiveDate::MIN);
        let errors: Vec<(String, String)> = match f.due.trim().parse::<NaiveDate>() {
            Ok(new) => tianping_domain::evaluation::check_new_due(current, new, today(&st))
                .into_iter()
                .map(|e| (e.field.to_string(), e.message))
                .collect(),
            Err(_) => vec![("due".into(), "请填写日期（年-月-日）".into())],
        };
        if !errors.is_empty() {
            return Ok(plan_view(&st, &s, id, errors).await);
        }
        let new: NaiveDate = f.due.trim().parse().unwrap_or(current);
        st.store
            .extend_evaluation_plan(id, &plan.org_id, current, new, st.now())
            .await?;
        Ok(redirect(&format!("/evaluations/{id}")))
    };
    run.await.unwrap_or_else(api_error_page)
}

async fn plan_view(
    st: &AppState,
    s: &Session,
    id: i64,
    errors: Vec<(String, String)>,
) -> axum::response::Response {
    let run = async {
        let plan = readable_plan(st, s, id).await?;
        let rows = st.store.evaluation_cases(id).await?;
        let r = rules();
        let agency = AgencyKind::parse(&plan.agency_kind).unwrap_or(AgencyKind::Court);
        let grades = r
            .scale(agency)
            .iter()
            .map(|g| {
                let n = rows
                    .iter()
                    .filter(|c| c.final_grade.as_deref() == Some(g.name.as_str()))
                    .count();
                (g.name.clone(), n)
            })
            .collect();
        // Per court: evaluated, final, passed, and the judges whose cases did not pass.
        let mut courts: std::collections::BTreeMap<String, CourtLine> = Default::default();
        for c in &rows {
            let e = courts
                .entry(c.case_org_name.clone())
                .or_insert_with(|| CourtLine {
                    court: c.case_org_name.clone(),
                    ..CourtLine::default()
                });
            e.cases += 1;
            if c.final_grade.is_some() {
                e.finals += 1;
            }
            if c.passes == Some(1) {
                e.passed += 1;
            } else if c.passes == Some(0)
                && let Some(j) = &c.case_judge
                && !e.failed_judges.contains(j)
            {
                e.failed_judges.push(j.clone());
            }
        }
        let courts: Vec<CourtLine> = courts
            .into_values()
            .map(|mut c| {
                c.pass_rate = rate(c.passed as i64, c.finals as i64);
                c
            })
            .collect();
        let sheet = r
            .sheet(
                &plan.sheet_id,
                u32::try_from(plan.sheet_version).unwrap_or(0),
            )
            .map_or(plan.sheet_id.clone(), |sh| {
                format!("{}（第{}版）", sh.name, sh.version)
            });
        let signals = plan
            .signals
            .split(',')
            .filter_map(Signal::parse)
            .filter_map(|x| r.trigger(x).map(|t| t.name.clone()))
            .collect::<Vec<_>>()
            .join("、");
        Ok::<_, ApiError>(render(&PlanPage {
            layout: Layout::new(s, "/evaluations"),
            kind: kind_zh(&plan.kind),
            sheet,
            signals,
            runs: runs_plan(s, &plan.org_id),
            unassigned: rows.iter().filter(|c| c.evaluator_id.is_none()).count(),
            pass_rate: rate(plan.passed, plan.finals),
            cases: rows.iter().map(case_line).collect(),
            grades,
            courts,
            plan,
            errors: errors.clone(),
        }))
    };
    let mut res = run.await.unwrap_or_else(api_error_page);
    if !errors.is_empty() && res.status() == StatusCode::OK {
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    res
}

/// `GET /evaluations/{id}/pool.txt`: the pool as drawn from, one `案号<TAB>承办人` a line, with
/// the seed and digest — enough to re-draw the sample with `sha256(seed + "\n" + 案号)`.
pub(crate) async fn pool_text(
    State(st): State<AppState>,
    PageUser(s): PageUser,
    Path(id): Path<String>,
) -> axum::response::Response {
    let run = async {
        let id = parse_id(&id, "评查计划")?;
        let plan = readable_plan(&st, &s, id).await?;
        let pool = st.store.evaluation_pool(id).await?;
        let text = format!(
            "# {}\n# 随机种子 {}\n# 案件池摘要（SHA-256，各行排序后逐行计算） {}\n# 每名承办人抽取 max(ceil(件数×{}%), {})件，取 SHA-256(种子 + 换行 + 案号) 最小者\n{}\n",
            plan.title, plan.seed, plan.pool_digest, plan.percent, plan.min_per_judge, pool
        );
        Ok::<_, ApiError>(
            ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], text).into_response(),
        )
    };
    run.await.unwrap_or_else(api_error_page)
}

/// `GET /evaluations/{id}/results.xlsx`: the plan's cases with their scores, grades and items,
/// one row each (scores as numbers, so the sheet sorts and sums). A confidential case's row has
/// no words about it: the reasons stay on the evaluation page.
pub(crate) async fn results_xlsx(
    State(st): State<AppState>,
    PageUser(s): PageUser,
    Path(id): Path<String>,
) -> axum::response::Response {
    let run = async {
        let id = parse_id(&id, "评查计划")?;
        let plan = readable_plan(&st, &s, id).await?;
        let rows = st.store.evaluation_cases(id).await?;
        Ok::<_, ApiError>((plan, rows))
    };
    let (plan, rows) = match run.await {
        Ok(x) => x,
        Err(e) => return api_error_page(e),
    };
    let yes_no = |b: Option<i64>| match b {
        Some(1) => "合格".to_string(),
        Some(_) => "不合格".to_string(),
        None => String::new(),
    };
    let num = |v: Option<i64>| v.map_or(String::new(), |n| n.to_string());
    let lines = rows
        .iter()
        .map(|c| {
            vec![
                c.case_number.clone(),
                c.case_org_name.clone(),
                c.case_judge.clone().unwrap_or_default(),
                c.reason.clone(),
                c.evaluator_name.clone().unwrap_or_default(),
                c.stage().zh().to_string(),
                num(c.score),
                c.grade.clone().unwrap_or_default(),
                if c.objection.is_some() { "是" } else { "否" }.to_string(),
                c.rechecker_name.clone().unwrap_or_default(),
                num(c.recheck_score),
                num(c.final_score),
                c.final_grade.clone().unwrap_or_default(),
                yes_no(c.passes),
                c.final_at
                    .as_deref()
                    .map(crate::view::local_date)
                    .unwrap_or_default(),
                if c.item_id.is_some() { "已立" } else { "" }.to_string(),
            ]
        })
        .collect();
    crate::export::xlsx_download(
        crate::export::Sheet {
            name: "评查结果",
            title: format!(
                "{}（{}，结案 {} 至 {}）",
                plan.title,
                kind_zh(&plan.kind),
                plan.closed_from,
                plan.closed_to
            ),
            headers: &[
                ("案号", 24),
                ("承办单位", 22),
                ("承办人", 10),
                ("入选原因", 20),
                ("评查人", 10),
                ("进展", 20),
                ("评分", 8),
                ("评分等次", 10),
                ("异议", 6),
                ("复核人", 10),
                ("复核得分", 10),
                ("最终得分", 10),
                ("最终等次", 10),
                ("是否合格", 10),
                ("确定日期", 12),
                ("督办事项", 10),
            ],
            rows: lines,
        },
        &format!("evaluation-{}.xlsx", plan.id),
        &format!("{}评查结果.xlsx", plan.title),
    )
}

async fn api_plan(
    State(st): State<AppState>,
    CurrentUser(s): CurrentUser,
    Path(id): Path<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let id = parse_id(&id, "评查计划")?;
    let plan = readable_plan(&st, &s, id).await?;
    let rows = st.store.evaluation_cases(id).await?;
    Ok(Json(json!({
        "id": plan.id,
        "title": plan.title,
        "kind": plan.kind,
        "organisation": plan.org_name,
        "sheet": { "id": plan.sheet_id, "version": plan.sheet_version },
        "closed_from": plan.closed_from,
        "closed_to": plan.closed_to,
        "due": plan.due,
        "cross_evaluation": plan.cross_evaluation != 0,
        "seed": plan.seed,
        "pool_digest": plan.pool_digest,
        "pool_size": plan.pool_size,
        "cases": rows.iter().map(|c| json!({
            "id": c.id,
            "case_number": c.case_number,
            "court": c.case_org_name,
            "reason": c.reason,
            "stage": c.stage,
            "evaluator": c.evaluator_name,
            "score": c.score,
            "final_score": c.final_score,
            "final_grade": c.final_grade,
            "passes": c.passes.map(|p| p != 0),
            "supervision_item": c.item_id,
        })).collect::<Vec<_>>(),
    })))
}

/// A form that carries only the session's CSRF token (an act with nothing to fill in).
#[derive(serde::Deserialize)]
pub(crate) struct CsrfForm {
    #[serde(default)]
    pub(crate) csrf: String,
}
