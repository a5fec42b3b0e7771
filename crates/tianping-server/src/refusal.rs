//! 拒执 referrals (issue 24): the court's execution staff refer a debtor of one of their execution
//! cases to a police organisation covering the case, and each agency records its own step — the
//! police file or decline (reasons), the procuratorate prosecutes or not (reasons), the court
//! convicts or acquits, or records a private prosecution after a refusal. The police's day to
//! decide is shown and in their 待办; from the sixtieth day without an answer the applicant may
//! prosecute privately, and the page says so.
//!
//! Pages: `/refusals` (the region's referrals and the court's form), `/refusals/{id}` (one, its
//! steps and the form of the user's agency). The API: `GET /api/v1/refusal-referrals`.

use crate::AppState;
use crate::error::{ApiError, Code};
use crate::http::PageUser;
use crate::http::extract::{CurrentUser, csrf_refused, parse_id};
use crate::http::page::{Layout, api_error_page, redirect, render};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use chrono::NaiveDate;
use serde::Deserialize;
use serde_json::json;
use tianping_domain::AgencyKind;
use tianping_domain::access::{reads_refusal_referrals, records_refusal_step, refers_refusal};
use tianping_domain::case::Visibility;
use tianping_domain::refusal::{
    Stage, Step, StepInput, check_referral, check_step, decide_by, decision_overdue,
    private_prosecution_from, rules,
};
use tianping_domain::todo::{Task, TaskKind};
use tianping_store::refusal::{NewReferral, ReferralRow};
use tianping_store::user::Session;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/refusals", get(list_page).post(refer_submit))
        .route("/refusals/{id}", get(referral_page))
        .route("/refusals/{id}/steps", post(step_submit))
}

pub fn api_router() -> Router<AppState> {
    Router::new().route("/refusal-referrals", get(api_list))
}

fn may_read(s: &Session) -> Result<(), ApiError> {
    if reads_refusal_referrals(s.user.role, s.org.kind) {
        Ok(())
    } else {
        Err(ApiError::forbidden("查看拒执线索移送"))
    }
}

fn today(st: &AppState) -> NaiveDate {
    tianping_domain::clock::local_date(st.now())
}

/// A referral as its readers see it.
pub(crate) struct ReferralView {
    id: i64,
    case_id: i64,
    case_number: String,
    court: String,
    police: String,
    debtor: String,
    facts: String,
    referred_on: String,
    referred_by: String,
    stage: &'static str,
    stage_code: &'static str,
    /// 公安机关应于 … 前决定是否立案 (while it waits).
    due: String,
    overdue: bool,
    /// The applicant may prosecute privately (no answer in sixty days, or a refusal).
    private_open: String,
}

/// The debtor and the facts as the reader may read them: a confidential case's debtor by surname
/// only and its facts withheld, unless the reader's clearance (or need to know) covers it; a
/// state-secret case's debtor not at all.
fn shown(s: &Session, r: &ReferralRow) -> (String, String) {
    let level = tianping_domain::Confidentiality::parse(&r.confidentiality)
        .unwrap_or(tianping_domain::Confidentiality::StateSecret);
    let clearance = crate::view::clearance_for(s, &r.court_id, r.case_judge.as_deref(), &[], None);
    match tianping_domain::case::visibility(level, &clearance) {
        Visibility::Full => (r.debtor.clone(), r.facts.clone()),
        Visibility::MaskParties => (
            r.debtor
                .chars()
                .next()
                .map_or("某".to_string(), |c| format!("{c}某")),
            format!("（本案{}，事实不予显示）", level.zh()),
        ),
        Visibility::Withhold => (
            "（不予显示）".to_string(),
            format!("（本案{}，事实不予显示）", level.zh()),
        ),
    }
}

fn view(st: &AppState, s: &Session, r: &ReferralRow) -> ReferralView {
    let stage = r.stage();
    let today = today(st);
    let referred = r.referred_day().unwrap_or(today);
    let (due, overdue) = if stage == Stage::Referred {
        (
            decide_by(rules(), referred).to_string(),
            decision_overdue(rules(), stage, referred, today),
        )
    } else {
        (String::new(), false)
    };
    let (debtor, facts) = shown(s, r);
    let private_from = private_prosecution_from(rules(), referred);
    let private_open = match stage {
        Stage::Referred if today >= private_from => format!(
            "移送后 {} 日未获书面答复，申请执行人可依法提起自诉（法〔2018〕147号）",
            rules().deadlines.answer_days
        ),
        Stage::Declined | Stage::NotProsecuted => {
            "申请执行人可依法提起自诉（《刑事诉讼法》第二百一十条第三项）".into()
        }
        _ => String::new(),
    };
    ReferralView {
        id: r.id,
        case_id: r.case_id,
        case_number: r.case_number.clone(),
        court: r.court_name.clone(),
        police: r.police_name.clone(),
        debtor,
        facts,
        referred_on: r.referred_on.clone(),
        referred_by: r.referred_by_name.clone(),
        stage: stage.zh(),
        stage_code: stage.as_str(),
        due,
        overdue,
        private_open,
    }
}

/// The police organisations a court may refer to: those whose region covers `region`, the
/// nearest (the district's bureau) first.
async fn police_for(st: &AppState, region: &str) -> Result<Vec<(String, String)>, ApiError> {
    let mut v: Vec<_> = st
        .store
        .orgs_in("/")
        .await?
        .into_iter()
        .filter(|o| o.kind == AgencyKind::Police && region.starts_with(&o.region_path))
        .collect();
    v.sort_by_key(|o| std::cmp::Reverse(o.region_path.len()));
    Ok(v.into_iter().map(|o| (o.id, o.name)).collect())
}

#[derive(Deserialize, Default, Clone)]
pub(crate) struct ReferForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    case_number: String,
    #[serde(default)]
    police: String,
    #[serde(default)]
    debtor: String,
    #[serde(default)]
    facts: String,
    #[serde(default)]
    referred_on: String,
}

#[derive(Template)]
#[template(path = "refusals.html")]
struct ListPage {
    layout: Layout,
    referrals: Vec<ReferralView>,
    may_refer: bool,
    police: Vec<(String, String)>,
    errors: Vec<(String, String)>,
    form: ReferForm,
    decide_days: u32,
}

impl ListPage {
    fn error_of(&self, field: &str) -> String {
        crate::http::page::errors_of(&self.errors, field)
    }
}

async fn list(
    st: &AppState,
    s: &Session,
    form: ReferForm,
    errors: Vec<(String, String)>,
) -> axum::response::Response {
    if let Err(e) = may_read(s) {
        return api_error_page(e);
    }
    let rows = match st
        .store
        .refusal_referrals(&s.org.region_path, None, 500)
        .await
    {
        Ok(r) => r,
        Err(e) => return api_error_page(e.into()),
    };
    let may_refer = refers_refusal(s.user.role, s.org.kind);
    let police = if may_refer {
        match police_for(st, &s.org.region_path).await {
            Ok(p) => p,
            Err(e) => return api_error_page(e),
        }
    } else {
        vec![]
    };
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let mut res = render(&ListPage {
        layout: Layout::new(s, "/refusals"),
        referrals: rows.iter().map(|r| view(st, s, r)).collect(),
        may_refer,
        police,
        errors,
        form,
        decide_days: rules().deadlines.decide_days,
    });
    *res.status_mut() = status;
    res
}

pub(crate) async fn list_page(
    State(st): State<AppState>,
    PageUser(s): PageUser,
) -> axum::response::Response {
    let form = ReferForm {
        referred_on: today(&st).to_string(),
        ..ReferForm::default()
    };
    list(&st, &s, form, vec![]).await
}

pub(crate) async fn refer_submit(
    State(st): State<AppState>,
    PageUser(s): PageUser,
    Form(f): Form<ReferForm>,
) -> axum::response::Response {
    if let Some(r) = csrf_refused(&f.csrf, &s) {
        return r;
    }
    if !refers_refusal(s.user.role, s.org.kind) {
        return api_error_page(ApiError::forbidden("移送拒执线索"));
    }
    let mut errors: Vec<(String, String)> = vec![];
    let number = f.case_number.trim();
    let case = match st.store.case_id_by_number(number).await {
        Ok(Some(id)) => match st.store.case_by_id(id).await {
            Ok(Some((row, _))) if row.org_id == s.org.id && row.kind == "execution" => Some(row),
            Ok(Some((row, _))) if row.org_id == s.org.id => {
                errors.push((
                    "case_number".into(),
                    format!("{} 不是执行案件：拒执线索从执行案件移送", row.case_number),
                ));
                None
            }
            Ok(_) => {
                errors.push(("case_number".into(), "只能移送本院执行案件的线索".into()));
                None
            }
            Err(e) => return api_error_page(e.into()),
        },
        Ok(None) => {
            errors.push((
                "case_number".into(),
                if number.is_empty() {
                    "请填写执行案号".into()
                } else {
                    format!("案号“{number}”不存在")
                },
            ));
            None
        }
        Err(e) => return api_error_page(e.into()),
    };
    if let Some(c) = &case {
        match police_for(&st, &c.region_path).await {
            Ok(p) if p.iter().any(|(id, _)| *id == f.police) => {}
            Ok(_) => errors.push(("police".into(), "请选择对本案有管辖权的公安机关".into())),
            Err(e) => return api_error_page(e),
        }
    }
    let referred_on = f.referred_on.trim().parse::<NaiveDate>().ok();
    if let Err(problems) = check_referral(rules(), &f.debtor, &f.facts, referred_on, today(&st)) {
        for p in problems {
            errors.push((p.field.to_string(), p.message));
        }
    }
    let (Some(case), Some(on), true) = (case, referred_on, errors.is_empty()) else {
        return list(&st, &s, f, errors).await;
    };
    match st
        .store
        .refer_refusal(
            &NewReferral {
                case_id: case.id,
                police_org_id: &f.police,
                debtor: &f.debtor,
                facts: &f.facts,
                referred_on: on,
            },
            &s.user,
            st.now(),
        )
        .await
    {
        Ok(id) => redirect(&format!("/refusals/{id}")),
        Err(e) => api_error_page(e.into()),
    }
}

#[derive(Template)]
#[template(path = "refusal.html")]
struct ReferralPage {
    layout: Layout,
    r: ReferralView,
    steps: Vec<(String, String, String, String)>,
    /// The steps the user's agency may record now.
    next: Vec<(&'static str, &'static str)>,
    error: Option<(String, String)>,
    today: String,
}

async fn referral_for(st: &AppState, s: &Session, id: &str) -> Result<ReferralRow, ApiError> {
    may_read(s)?;
    let id = parse_id(id, "拒执线索移送")?;
    match st.store.refusal_referral(id).await? {
        Some(r) if r.region_path.starts_with(&s.org.region_path) || r.police_org_id == s.org.id => {
            Ok(r)
        }
        _ => Err(ApiError::not_found("拒执线索移送")),
    }
}

/// May the user act for their agency on this referral? The police it was sent to; the
/// procuratorate of the case's region; the referring court.
fn acts_on(s: &Session, r: &ReferralRow) -> bool {
    match s.org.kind {
        AgencyKind::Police => r.police_org_id == s.org.id,
        AgencyKind::Procuratorate => r.region_path.starts_with(&s.org.region_path),
        AgencyKind::Court => r.court_id == s.org.id,
        _ => false,
    }
}

async fn referral(
    st: &AppState,
    s: &Session,
    id: &str,
    error: Option<(String, String)>,
) -> axum::response::Response {
    let r = match referral_for(st, s, id).await {
        Ok(r) => r,
        Err(e) => return api_error_page(e),
    };
    let steps = match st.store.refusal_steps(r.id).await {
        Ok(x) => x,
        Err(e) => return api_error_page(e.into()),
    };
    let next = if acts_on(s, &r) {
        r.stage()
            .next()
            .iter()
            .filter(|x| records_refusal_step(s.user.role, s.org.kind, **x))
            // A private prosecution before any answer only once the days have passed.
            .filter(|x| {
                **x != Step::SelfProsecution
                    || r.stage() != Stage::Referred
                    || r.referred_day()
                        .is_some_and(|d| today(st) >= private_prosecution_from(rules(), d))
            })
            .map(|x| (x.as_str(), x.zh()))
            .collect()
    } else {
        vec![]
    };
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let mut res = render(&ReferralPage {
        layout: Layout::new(s, "/refusals"),
        r: view(st, s, &r),
        steps: steps
            .iter()
            .map(|x| {
                (
                    x.on_day.clone(),
                    Step::parse(&x.step).map_or(x.step.clone(), |k| k.zh().to_string()),
                    format!("{}（{}）", x.by_name, x.by_org_name),
                    x.note.clone(),
                )
            })
            .collect(),
        next,
        error,
        today: today(st).to_string(),
    });
    *res.status_mut() = status;
    res
}

pub(crate) async fn referral_page(
    State(st): State<AppState>,
    PageUser(s): PageUser,
    Path(id): Path<String>,
) -> axum::response::Response {
    referral(&st, &s, &id, None).await
}

#[derive(Deserialize)]
pub(crate) struct StepForm {
    csrf: String,
    #[serde(default)]
    step: String,
    #[serde(default)]
    on: String,
    #[serde(default)]
    note: String,
}

pub(crate) async fn step_submit(
    State(st): State<AppState>,
    PageUser(s): PageUser,
    Path(id): Path<String>,
    Form(f): Form<StepForm>,
) -> axum::response::Response {
    if let Some(r) = csrf_refused(&f.csrf, &s) {
        return r;
    }
    let r = match referral_for(&st, &s, &id).await {
        Ok(r) => r,
        Err(e) => return api_error_page(e),
    };
    let Some(step) = Step::parse(f.step.trim()) else {
        return referral(&st, &s, &id, Some(("step".into(), "请选择办理结果".into()))).await;
    };
    if !acts_on(&s, &r) || !records_refusal_step(s.user.role, s.org.kind, step) {
        return api_error_page(ApiError::forbidden(&format!("登记“{}”", step.zh())));
    }
    let stage = r.stage();
    let last = r.last_day().unwrap_or_else(|| today(&st));
    let on = f.on.trim().parse::<NaiveDate>().ok();
    if let Err(e) = check_step(
        rules(),
        &StepInput {
            stage,
            step,
            agency: s.org.kind,
            on,
            last_on: last,
            today: today(&st),
            note: &f.note,
        },
    ) {
        return referral(&st, &s, &id, Some((e.field.to_string(), e.message))).await;
    }
    let Some(on) = on else {
        return referral(
            &st,
            &s,
            &id,
            Some(("on".into(), "日期应为 YYYY-MM-DD".into())),
        )
        .await;
    };
    match st
        .store
        .record_refusal_step(r.id, step, on, &f.note, &s.user, &s.org.id, stage, st.now())
        .await
    {
        Ok(_) => redirect(&format!("/refusals/{}", r.id)),
        Err(x) => {
            let x = ApiError::from(x);
            if x.code == Code::Internal {
                return api_error_page(x);
            }
            referral(&st, &s, &id, Some(("step".into(), x.message))).await
        }
    }
}

/// `GET /api/v1/refusal-referrals`: the referrals of the user's region (the police: also those
/// sent to them) with their stage.
pub async fn api_list(
    State(st): State<AppState>,
    CurrentUser(s): CurrentUser,
) -> Result<Json<serde_json::Value>, ApiError> {
    may_read(&s)?;
    let rows = st
        .store
        .refusal_referrals(&s.org.region_path, None, 2000)
        .await?;
    let today = today(&st);
    let list: Vec<_> = rows
        .iter()
        .map(|r| {
            let stage = r.stage();
            let referred = r.referred_day().unwrap_or(today);
            json!({
                "id": r.id,
                "case_id": r.case_id,
                "case_number": r.case_number,
                "court_id": r.court_id,
                "police_org_id": r.police_org_id,
                "debtor": shown(&s, r).0,
                "referred_on": r.referred_on,
                "stage": stage.as_str(),
                "decide_by": (stage == Stage::Referred).then(|| decide_by(rules(), referred).to_string()),
                "decision_overdue": decision_overdue(rules(), stage, referred, today),
                "last_step_on": r.last_on,
            })
        })
        .collect();
    Ok(Json(json!({ "referrals": list })))
}

/// 待办: referrals sent to the user's police organisation that wait for its decision.
pub(crate) async fn tasks(st: &AppState, s: &Session) -> Result<Vec<Task>, ApiError> {
    if s.org.kind != AgencyKind::Police
        || !records_refusal_step(s.user.role, s.org.kind, Step::File)
    {
        return Ok(vec![]);
    }
    let rows = st
        .store
        .refusal_referrals(&s.org.region_path, Some(&s.org.id), 500)
        .await?;
    Ok(rows
        .iter()
        .filter(|r| r.stage() == Stage::Referred)
        .map(|r| {
            let due = r.referred_day().map(|d| decide_by(rules(), d));
            Task {
                kind: TaskKind::DecideRefusal,
                title: format!(
                    "{}（{}，{}移送）",
                    shown(s, r).0,
                    r.case_number,
                    r.court_name
                ),
                href: format!("/refusals/{}", r.id),
                due: due
                    .map(|d| tianping_domain::clock::local_midnight(d + chrono::Duration::days(1))),
                quick_act: None,
            }
        })
        .collect())
}
