//! Surveys of deputies (问卷): the 人大's staff write a questionnaire as text (each mistake named by
//! its line), send it to their deputies by level and area, and read the results per question —
//! bars, shares, the mean score, the free answers — and per area, and export them to Excel with
//! the deputies' signed answer links; a question's results open a supervision item (督办事项) through
//! the item form, filled in. Each deputy answers once: logged in
//! (`/deputies/surveys/{id}`), or through their link (`/s/{token}`, no login) for the many without
//! an account.
//!
//! The API: `GET /api/v1/deputy-surveys/{id}/results`.

use super::{me, status_of, today};
use crate::AppState;
use crate::error::{ApiError, Code};
use crate::http::PageUser;
use crate::http::extract::{CurrentUser, csrf_refused, parse_id};
use crate::http::page::{Layout, api_error_page, error_page, redirect, render};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use chrono::NaiveDate;
use serde_json::json;
use tianping_domain::Role;
use tianping_domain::access::keeps_deputies;
use tianping_domain::deputies::Level;
use tianping_domain::deputy_surveys::{
    Answer, Kind, Question, SCALE_MAX, Tally, check_answers, parse_questions, tally,
};
use tianping_store::deputy_surveys::{NewSurvey, RecipientRow, SurveyRow};
use tianping_store::user::Session;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/deputies/surveys", get(list_page).post(send_submit))
        .route("/deputies/surveys/{id}", get(survey_page))
        .route("/deputies/surveys/{id}/answer", post(answer_submit))
        .route("/deputies/surveys/{id}/results.xlsx", get(results_xlsx))
        .route("/deputies/surveys/{id}/links.xlsx", get(links_xlsx))
        .route("/s/{token}", get(link_page).post(link_submit))
}

pub fn api_router() -> Router<AppState> {
    Router::new().route("/deputy-surveys/{id}/results", get(api_results))
}

fn may_read(s: &Session) -> Result<(), ApiError> {
    if keeps_deputies(s.user.role, s.org.kind) || s.user.role == Role::Deputy {
        Ok(())
    } else {
        Err(ApiError::forbidden("查看代表问卷"))
    }
}

/// The form's values grouped by question (`q0`, `q1` …).
fn grouped(pairs: &[(String, String)], n: usize) -> Vec<Vec<String>> {
    let mut out = vec![vec![]; n];
    for (k, v) in pairs {
        if let Some(i) = k.strip_prefix('q').and_then(|x| x.parse::<usize>().ok())
            && let Some(slot) = out.get_mut(i)
        {
            slot.push(v.clone());
        }
    }
    out
}

fn field(pairs: &[(String, String)], k: &str) -> String {
    pairs
        .iter()
        .find(|(n, _)| n == k)
        .map(|(_, v)| v.clone())
        .unwrap_or_default()
}

// --- the list and the 人大's form ---------------------------------------------------------

#[derive(Default, Clone)]
pub(crate) struct SurveyForm {
    title: String,
    intro: String,
    questions: String,
    level: String,
    area: String,
    closes_on: String,
}

#[derive(Template)]
#[template(path = "deputy_surveys.html")]
struct ListPage {
    layout: Layout,
    mine: bool,
    /// (survey, answered by me — for a deputy).
    surveys: Vec<(SurveyRow, bool)>,
    may_send: bool,
    levels: Vec<(&'static str, &'static str)>,
    errors: Vec<(String, String)>,
    form: SurveyForm,
    example: &'static str,
}

impl ListPage {
    fn error_of(&self, field: &str) -> String {
        crate::http::page::errors_of(&self.errors, field)
    }
}

const EXAMPLE: &str = "单选：您对本市法院执行工作的总体评价\n- 满意\n- 基本满意\n- 不满意\n\n多选：您认为执行工作最需要改进的方面\n- 查找被执行人财产\n- 执行效率\n- 执行公开\n\n评分：您对检察机关公益诉讼工作的评价（1–5 分）\n\n问答：您对法院、检察院工作的意见和建议";

async fn list(
    st: &AppState,
    s: &Session,
    form: SurveyForm,
    errors: Vec<(String, String)>,
) -> Response {
    if let Err(e) = may_read(s) {
        return api_error_page(e);
    }
    let me = match me(st, s).await {
        Ok(m) => m,
        Err(e) => return api_error_page(e),
    };
    let rows = match (&me, s.user.role) {
        (Some(d), Role::Deputy) => st.store.surveys("", Some(d.id), 200).await,
        (None, Role::Deputy) => Ok(vec![]),
        _ => st.store.surveys(&s.org.region_path, None, 200).await,
    };
    let rows = match rows {
        Ok(r) => r,
        Err(e) => return api_error_page(e.into()),
    };
    let mut surveys = vec![];
    for r in rows {
        let answered = match &me {
            Some(d) => match st.store.survey_recipient(r.id, d.id).await {
                Ok(line) => line.is_some_and(|l| l.answered_at.is_some()),
                Err(e) => return api_error_page(e.into()),
            },
            None => false,
        };
        surveys.push((r, answered));
    }
    let mut res = render(&ListPage {
        layout: Layout::new(s, "/deputies/surveys"),
        mine: s.user.role == Role::Deputy,
        surveys,
        may_send: keeps_deputies(s.user.role, s.org.kind),
        levels: Level::ALL.iter().map(|l| (l.as_str(), l.zh())).collect(),
        form,
        errors: errors.clone(),
        example: EXAMPLE,
    });
    *res.status_mut() = status_of(&errors);
    res
}

pub(crate) async fn list_page(State(st): State<AppState>, PageUser(s): PageUser) -> Response {
    let form = SurveyForm {
        closes_on: (today(&st) + chrono::Duration::days(14)).to_string(),
        ..SurveyForm::default()
    };
    list(&st, &s, form, vec![]).await
}

pub(crate) async fn send_submit(
    State(st): State<AppState>,
    PageUser(s): PageUser,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    if let Some(r) = csrf_refused(&field(&pairs, "csrf"), &s) {
        return r;
    }
    if !keeps_deputies(s.user.role, s.org.kind) {
        return api_error_page(ApiError::forbidden("发出代表问卷"));
    }
    let f = SurveyForm {
        title: field(&pairs, "title"),
        intro: field(&pairs, "intro"),
        questions: field(&pairs, "questions"),
        level: field(&pairs, "level"),
        area: field(&pairs, "area"),
        closes_on: field(&pairs, "closes_on"),
    };
    let mut errors: Vec<(String, String)> = vec![];
    let t = f.title.trim().chars().count();
    if t == 0 || t > 60 {
        errors.push(("title".into(), "请填写问卷名称（不超过 60 字）".into()));
    }
    if f.intro.trim().chars().count() > 500 {
        errors.push(("intro".into(), "说明不能超过 500 字".into()));
    }
    let questions = match parse_questions(&f.questions) {
        Ok(q) => q,
        Err(problems) => {
            for p in problems {
                errors.push((
                    "questions".into(),
                    format!("第 {} 行：{}", p.line, p.message),
                ));
            }
            vec![]
        }
    };
    let level = f.level.trim();
    if !level.is_empty() && Level::parse(level).is_none() {
        errors.push(("level".into(), "代表级别无效".into()));
    }
    let closes = f.closes_on.trim().parse::<NaiveDate>().ok();
    match closes {
        None => errors.push(("closes_on".into(), "截止日期应为 YYYY-MM-DD".into())),
        Some(d) if d < today(&st) => {
            errors.push(("closes_on".into(), "截止日期不能早于今天".into()))
        }
        Some(_) => {}
    }
    // The deputies: the registry's of the 人大's region, of the level and area chosen.
    let area = f.area.trim();
    let deputies: Vec<i64> = match st.store.deputies(&s.org.region_path).await {
        Ok(d) => d
            .into_iter()
            .filter(|d| d.region_path.starts_with(&s.org.region_path))
            .filter(|d| level.is_empty() || d.level == level)
            .filter(|d| {
                area.is_empty() || d.township.contains(area) || d.constituency.contains(area)
            })
            .map(|d| d.id)
            .collect(),
        Err(e) => return api_error_page(e.into()),
    };
    if deputies.is_empty() && errors.is_empty() {
        errors.push(("area".into(), "没有符合所选级别和地区的代表".into()));
    }
    let (Some(closes_on), true) = (closes, errors.is_empty()) else {
        return list(&st, &s, f, errors).await;
    };
    match st
        .store
        .send_survey(
            &NewSurvey {
                title: &f.title,
                intro: &f.intro,
                questions: &questions,
                level,
                area,
                closes_on,
                deputies: &deputies,
            },
            &s.org,
            &s.user,
            st.now(),
        )
        .await
    {
        Ok(id) => redirect(&format!("/deputies/surveys/{id}")),
        Err(e) => api_error_page(e.into()),
    }
}

// --- one survey: the deputy's form, the 人大's results ------------------------------------

/// One question as the form and the results show it.
pub(crate) struct QuestionView {
    n: usize,
    kind: Kind,
    kind_zh: &'static str,
    text: String,
    /// (option, count, share "45.0%", bar width 0–100, index).
    rows: Vec<(String, u32, String, u32, usize)>,
    mean: String,
    texts: Vec<String>,
    /// Per area: (district, counts per option) — choice questions.
    areas: Vec<(String, Vec<u32>)>,
}

fn views(questions: &[Question], lines: &[RecipientRow]) -> Vec<QuestionView> {
    let answered: Vec<(&RecipientRow, Vec<Answer>)> = lines
        .iter()
        .filter_map(|l| l.answers().ok().flatten().map(|a| (l, a)))
        .collect();
    let all: Vec<Vec<Answer>> = answered.iter().map(|(_, a)| a.clone()).collect();
    let n = all.len() as u32;
    let tallies = tally(questions, &all);
    let mut districts: Vec<String> = answered
        .iter()
        .map(|(l, _)| l.district().to_string())
        .collect();
    districts.sort();
    districts.dedup();
    questions
        .iter()
        .zip(tallies)
        .enumerate()
        .map(|(i, (q, t))| {
            let share = |c: u32| {
                if n == 0 {
                    ("—".to_string(), 0)
                } else {
                    (
                        format!("{:.1}%", f64::from(c) * 100.0 / f64::from(n)),
                        c * 100 / n,
                    )
                }
            };
            let (rows, mean, texts) = match &t {
                Tally::Choices(c) => (
                    q.options
                        .iter()
                        .zip(c)
                        .enumerate()
                        .map(|(k, (o, c))| {
                            let (s, w) = share(*c);
                            (o.clone(), *c, s, w, k)
                        })
                        .collect(),
                    String::new(),
                    vec![],
                ),
                Tally::Scores(s) => (
                    s.iter()
                        .enumerate()
                        .map(|(k, c)| {
                            let (sh, w) = share(*c);
                            (format!("{} 分", k + 1), *c, sh, w, k)
                        })
                        .collect(),
                    t.mean().map_or("—".into(), |m| format!("{m:.2}")),
                    vec![],
                ),
                Tally::Texts(x) => (vec![], String::new(), x.clone()),
            };
            let areas = if matches!(q.kind, Kind::Single | Kind::Multiple) {
                districts
                    .iter()
                    .map(|d| {
                        let of: Vec<Vec<Answer>> = answered
                            .iter()
                            .filter(|(l, _)| l.district() == d)
                            .map(|(_, a)| a.clone())
                            .collect();
                        let counts = match tally(std::slice::from_ref(q), &of_one(&of, i))
                            .into_iter()
                            .next()
                        {
                            Some(Tally::Choices(c)) => c,
                            _ => vec![],
                        };
                        (
                            if d.is_empty() {
                                "其他".into()
                            } else {
                                d.clone()
                            },
                            counts,
                        )
                    })
                    .collect()
            } else {
                vec![]
            };
            QuestionView {
                n: i + 1,
                kind: q.kind,
                kind_zh: q.kind.zh(),
                text: q.text.clone(),
                rows,
                mean,
                texts,
                areas,
            }
        })
        .collect()
}

/// Each answer set cut to its `i`-th answer (to tally one question alone).
fn of_one(all: &[Vec<Answer>], i: usize) -> Vec<Vec<Answer>> {
    all.iter()
        .map(|a| vec![a.get(i).cloned().unwrap_or(Answer::Blank)])
        .collect()
}

impl QuestionView {
    fn is_choice(&self) -> bool {
        matches!(self.kind, Kind::Single | Kind::Multiple)
    }
    fn is_scale(&self) -> bool {
        self.kind == Kind::Scale
    }
    fn input(&self) -> &'static str {
        if self.kind == Kind::Multiple {
            "checkbox"
        } else {
            "radio"
        }
    }
}

#[derive(Template)]
#[template(path = "deputy_survey.html")]
struct SurveyPage {
    layout: Layout,
    v: SurveyRow,
    questions: Vec<QuestionView>,
    /// The deputy's form (not yet answered, still open).
    answering: bool,
    /// The deputy already answered (their own answers are not shown back as results).
    answered: bool,
    closed: bool,
    /// The 人大's results.
    results: bool,
    /// The reader opens supervision items (督办事项): each question links to the item form,
    /// filled in with the survey and the question.
    may_open_item: bool,
    action: String,
    errors: Vec<(usize, String)>,
    scale: Vec<u8>,
}

impl SurveyPage {
    /// The supervision item form, filled in from a question of this survey.
    fn item_href(&self, q: &QuestionView) -> String {
        format!(
            "/supervision?source=deputy_suggestion&title={}#new-item",
            crate::http::page::enc(&format!(
                "代表问卷“{}”第 {} 题反映的问题：{}",
                self.v.title, q.n, q.text
            ))
        )
    }
    fn error_at(&self, n: &usize) -> String {
        self.errors
            .iter()
            .filter(|(q, _)| q + 1 == *n)
            .map(|(_, m)| m.as_str())
            .collect::<Vec<_>>()
            .join("；")
    }
}

async fn survey_for(st: &AppState, s: &Session, id: &str) -> Result<SurveyRow, ApiError> {
    may_read(s)?;
    let id = parse_id(id, "问卷")?;
    let Some(v) = st.store.survey(id).await? else {
        return Err(ApiError::not_found("问卷"));
    };
    let sees = if s.user.role == Role::Deputy {
        match me(st, s).await? {
            Some(d) => st.store.survey_recipient(v.id, d.id).await?.is_some(),
            None => false,
        }
    } else {
        v.region_path.starts_with(&s.org.region_path)
    };
    if sees {
        Ok(v)
    } else {
        Err(ApiError::not_found("问卷"))
    }
}

async fn page(st: &AppState, s: &Session, id: &str, errors: Vec<(usize, String)>) -> Response {
    let v = match survey_for(st, s, id).await {
        Ok(v) => v,
        Err(e) => return api_error_page(e),
    };
    let questions = match v.questions() {
        Ok(q) => q,
        Err(e) => return api_error_page(e.into()),
    };
    let closed = v.closes().is_some_and(|d| today(st) > d);
    let results = keeps_deputies(s.user.role, s.org.kind);
    let (answering, answered) = match me(st, s).await {
        Ok(Some(d)) => match st.store.survey_recipient(v.id, d.id).await {
            Ok(Some(l)) => (l.answered_at.is_none() && !closed, l.answered_at.is_some()),
            Ok(None) => (false, false),
            Err(e) => return api_error_page(e.into()),
        },
        Ok(None) => (false, false),
        Err(e) => return api_error_page(e),
    };
    let lines = if results {
        match st.store.survey_recipients(v.id).await {
            Ok(l) => l,
            Err(e) => return api_error_page(e.into()),
        }
    } else {
        vec![]
    };
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let mut res = render(&SurveyPage {
        layout: Layout::new(s, "/deputies/surveys"),
        action: format!("/deputies/surveys/{}/answer", v.id),
        questions: views(&questions, &lines),
        v,
        answering,
        answered,
        closed,
        results,
        may_open_item: results && tianping_domain::access::supervises(s.user.role),
        errors,
        scale: (1..=SCALE_MAX).collect(),
    });
    *res.status_mut() = status;
    res
}

pub(crate) async fn survey_page(
    State(st): State<AppState>,
    PageUser(s): PageUser,
    Path(id): Path<String>,
) -> Response {
    page(&st, &s, &id, vec![]).await
}

pub(crate) async fn answer_submit(
    State(st): State<AppState>,
    PageUser(s): PageUser,
    Path(id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    if let Some(r) = csrf_refused(&field(&pairs, "csrf"), &s) {
        return r;
    }
    let v = match survey_for(&st, &s, &id).await {
        Ok(v) => v,
        Err(e) => return api_error_page(e),
    };
    // A deputy answers as themselves.
    let line = match me(&st, &s).await {
        Ok(Some(d)) => match st.store.survey_recipient(v.id, d.id).await {
            Ok(Some(l)) => l,
            Ok(None) => return api_error_page(ApiError::not_found("问卷")),
            Err(e) => return api_error_page(e.into()),
        },
        Ok(None) => return api_error_page(ApiError::forbidden("填写问卷（仅限受邀代表本人）")),
        Err(e) => return api_error_page(e),
    };
    match record(&st, &v, &line, &pairs, "login").await {
        Ok(()) => redirect(&format!("/deputies/surveys/{}", v.id)),
        Err(Recorded::Invalid(errors)) => page(&st, &s, &id, errors).await,
        Err(Recorded::Refused(e)) => api_error_page(e),
    }
}

enum Recorded {
    Invalid(Vec<(usize, String)>),
    Refused(ApiError),
}

/// Checks and writes a deputy's answers (login or link).
async fn record(
    st: &AppState,
    v: &SurveyRow,
    line: &RecipientRow,
    pairs: &[(String, String)],
    via: &str,
) -> Result<(), Recorded> {
    if v.closes().is_some_and(|d| today(st) > d) {
        return Err(Recorded::Refused(
            ApiError::new(Code::WrongState, "问卷已截止").with_status(StatusCode::CONFLICT),
        ));
    }
    let questions = v.questions().map_err(|e| Recorded::Refused(e.into()))?;
    let answers = check_answers(&questions, &grouped(pairs, questions.len()))
        .map_err(|e| Recorded::Invalid(e.into_iter().map(|x| (x.question, x.message)).collect()))?;
    st.store
        .answer_survey(line.id, &answers, via, st.now())
        .await
        .map_err(|e| Recorded::Refused(e.into()))
}

// --- the signed link (no login) -------------------------------------------------------------

#[derive(Template)]
#[template(path = "survey_public.html")]
struct LinkPage {
    v: SurveyRow,
    deputy: String,
    questions: Vec<QuestionView>,
    answering: bool,
    done: bool,
    closed: bool,
    action: String,
    errors: Vec<(usize, String)>,
    scale: Vec<u8>,
}

impl LinkPage {
    fn error_at(&self, n: &usize) -> String {
        self.errors
            .iter()
            .filter(|(q, _)| q + 1 == *n)
            .map(|(_, m)| m.as_str())
            .collect::<Vec<_>>()
            .join("；")
    }
}

async fn link_line(st: &AppState, token: &str) -> Result<(SurveyRow, RecipientRow), Response> {
    let bad = || {
        error_page(
            StatusCode::NOT_FOUND,
            "答题链接无效或已过期，请联系人大常委会代表工作机构",
        )
    };
    let Some((survey, deputy)) = st.feedback.open_survey_link(token, st.now().timestamp()) else {
        return Err(bad());
    };
    let v = match st.store.survey(survey).await {
        Ok(Some(v)) => v,
        Ok(None) => return Err(bad()),
        Err(e) => return Err(api_error_page(e.into())),
    };
    match st.store.survey_recipient(survey, deputy).await {
        Ok(Some(l)) => Ok((v, l)),
        Ok(None) => Err(bad()),
        Err(e) => Err(api_error_page(e.into())),
    }
}

async fn link_view(
    st: &AppState,
    token: &str,
    done: bool,
    errors: Vec<(usize, String)>,
) -> Response {
    let (v, line) = match link_line(st, token).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let questions = match v.questions() {
        Ok(q) => q,
        Err(e) => return api_error_page(e.into()),
    };
    let closed = v.closes().is_some_and(|d| today(st) > d);
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let mut res = render(&LinkPage {
        deputy: line.deputy_name.clone(),
        questions: views(&questions, &[]),
        answering: line.answered_at.is_none() && !closed,
        done: done || line.answered_at.is_some(),
        closed,
        action: format!("/s/{token}"),
        v,
        errors,
        scale: (1..=SCALE_MAX).collect(),
    });
    *res.status_mut() = status;
    // A link is a credential: not cached, not sent on as a referrer.
    res.headers_mut().insert(
        axum::http::header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("no-store"),
    );
    res.headers_mut().insert(
        axum::http::header::REFERRER_POLICY,
        axum::http::HeaderValue::from_static("no-referrer"),
    );
    res
}

pub(crate) async fn link_page(State(st): State<AppState>, Path(token): Path<String>) -> Response {
    link_view(&st, &token, false, vec![]).await
}

pub(crate) async fn link_submit(
    State(st): State<AppState>,
    Path(token): Path<String>,
    crate::http::extract::ClientAddr(addr): crate::http::extract::ClientAddr,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    // No login here: the public's limit per address, as for ratings.
    let limiter = &st.policy.limiter;
    if let Err(secs) = limiter.take(
        &format!("survey:{addr}"),
        limiter.limits.api_per_addr,
        st.now(),
    ) {
        return ApiError::rate_limited(secs).into_response();
    }
    let (v, line) = match link_line(&st, &token).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    match record(&st, &v, &line, &pairs, "link").await {
        Ok(()) => link_view(&st, &token, true, vec![]).await,
        Err(Recorded::Invalid(errors)) => link_view(&st, &token, false, errors).await,
        Err(Recorded::Refused(e)) => error_page(e.status, &e.message),
    }
}

// --- exports and the API ----------------------------------------------------------------------

async fn results_for(
    st: &AppState,
    s: &Session,
    id: &str,
) -> Result<(SurveyRow, Vec<QuestionView>, Vec<RecipientRow>), ApiError> {
    if !keeps_deputies(s.user.role, s.org.kind) {
        return Err(ApiError::forbidden("查看问卷结果"));
    }
    let v = survey_for(st, s, id).await?;
    let lines = st.store.survey_recipients(v.id).await?;
    let questions = v.questions()?;
    Ok((v.clone(), views(&questions, &lines), lines))
}

pub(crate) async fn results_xlsx(
    State(st): State<AppState>,
    PageUser(s): PageUser,
    Path(id): Path<String>,
) -> Response {
    let (v, qs, _) = match results_for(&st, &s, &id).await {
        Ok(x) => x,
        Err(e) => return api_error_page(e),
    };
    let mut rows = vec![];
    for q in &qs {
        for (o, c, share, _, _) in &q.rows {
            rows.push(vec![
                q.n.to_string(),
                q.kind_zh.to_string(),
                q.text.clone(),
                o.clone(),
                c.to_string(),
                share.clone(),
            ]);
        }
        if q.is_scale() {
            rows.push(vec![
                q.n.to_string(),
                q.kind_zh.into(),
                q.text.clone(),
                "平均分".into(),
                q.mean.clone(),
                String::new(),
            ]);
        }
        for t in &q.texts {
            rows.push(vec![
                q.n.to_string(),
                q.kind_zh.into(),
                q.text.clone(),
                t.clone(),
                String::new(),
                String::new(),
            ]);
        }
    }
    crate::export::xlsx_download(
        crate::export::Sheet {
            name: "问卷结果",
            title: format!("{}（发出 {} 份，回收 {} 份）", v.title, v.sent, v.answered),
            headers: &[
                ("题号", 6),
                ("题型", 8),
                ("题目", 40),
                ("选项或回答", 40),
                ("人数", 8),
                ("占比", 8),
            ],
            rows,
        },
        "survey-results",
        &format!("{}-结果", v.title),
    )
}

pub(crate) async fn links_xlsx(
    State(st): State<AppState>,
    PageUser(s): PageUser,
    Path(id): Path<String>,
) -> Response {
    let (v, _, lines) = match results_for(&st, &s, &id).await {
        Ok(x) => x,
        Err(e) => return api_error_page(e),
    };
    let expires = v
        .closes()
        .map(|d| tianping_domain::clock::local_midnight(d + chrono::Duration::days(1)).timestamp())
        .unwrap_or(0);
    let rows = lines
        .iter()
        .map(|l| {
            vec![
                l.deputy_name.clone(),
                l.township.clone(),
                l.constituency.clone(),
                if l.answered_at.is_some() {
                    "已填写"
                } else {
                    "未填写"
                }
                .into(),
                st.feedback.survey_link(v.id, l.deputy_id, expires),
            ]
        })
        .collect();
    crate::export::xlsx_download(
        crate::export::Sheet {
            name: "答题链接",
            title: format!(
                "{}：代表答题链接（{} 截止，请分别发给本人）",
                v.title, v.closes_on
            ),
            headers: &[
                ("代表", 10),
                ("乡镇（街道）", 14),
                ("选区", 16),
                ("填写情况", 10),
                ("答题链接", 80),
            ],
            rows,
        },
        "survey-links",
        &format!("{}-答题链接", v.title),
    )
}

/// `GET /api/v1/deputy-surveys/{id}/results`: a survey's results per question (counts, shares,
/// the mean score, free answers) and per area.
pub async fn api_results(
    State(st): State<AppState>,
    CurrentUser(s): CurrentUser,
    Path(id): Path<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let (v, qs, _) = results_for(&st, &s, &id).await?;
    Ok(Json(json!({
        "id": v.id, "title": v.title, "closes_on": v.closes_on, "sent": v.sent, "answered": v.answered,
        "questions": qs.iter().map(|q| json!({
            "n": q.n, "kind": q.kind, "text": q.text,
            "options": q.rows.iter().map(|(o, c, _, _, _)| json!({ "option": o, "count": c })).collect::<Vec<_>>(),
            "mean": (q.kind == Kind::Scale).then(|| q.mean.parse::<f64>().ok()).flatten(),
            "texts": q.texts,
            "areas": q.areas.iter().map(|(a, c)| json!({ "area": a, "counts": c })).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
    })))
}

/// 待办: a deputy's open surveys not yet answered.
pub(crate) async fn tasks(
    st: &AppState,
    d: &tianping_store::deputies::DeputyRow,
) -> Result<Vec<tianping_domain::todo::Task>, ApiError> {
    use tianping_domain::todo::{Task, TaskKind};
    let today = today(st);
    let mut out = vec![];
    for v in st.store.surveys("", Some(d.id), 100).await? {
        if v.closes().is_some_and(|c| today > c) {
            continue;
        }
        let answered = st
            .store
            .survey_recipient(v.id, d.id)
            .await?
            .is_some_and(|l| l.answered_at.is_some());
        if !answered {
            out.push(Task {
                kind: TaskKind::AnswerSurvey,
                title: format!("{}（{}，{} 截止）", v.title, v.congress_name, v.closes_on),
                href: format!("/deputies/surveys/{}", v.id),
                due: v
                    .closes()
                    .map(|c| tianping_domain::clock::local_midnight(c + chrono::Duration::days(1))),
                quick_act: None,
            });
        }
    }
    Ok(out)
}
