//! The registry (一人一档): the justice bureau appoints supervisors after the eligibility checks
//! of §8.2 and keeps each one's file — term, activities, opinions and their adoption, no-shows,
//! recusals — and removes them with a reason (a bar when for a violation or a failed assessment).

use super::{path_id, text, within};
use crate::AppState;
use crate::error::{ApiError, Code};
use crate::http::PageUser;
use crate::http::extract::csrf_refused;
use crate::http::page::{Layout, api_error_page, error_page, redirect, render};
use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::NaiveDate;
use serde::Deserialize;
use serde_json::json;
use tianping_domain::Role;
use tianping_domain::access::keeps_people_supervisors;
use tianping_domain::people_supervisors::{
    Answer, Bar, Candidate, Grade, Invitation, admonitions_call_for_removal, check_appointment,
    rules, term_end,
};
use tianping_store::people_supervisors::{NewSupervisor, SupervisorRow};
use tianping_store::user::Session;

pub(crate) fn may(s: &Session) -> Result<(), ApiError> {
    if keeps_people_supervisors(s.user.role, s.org.kind) {
        Ok(())
    } else {
        Err(ApiError::forbidden("管理人民监督员"))
    }
}

/// A line of the registry.
pub(crate) struct Line {
    pub id: i64,
    pub name: String,
    pub gender: String,
    pub profession: String,
    pub expertise: String,
    pub term: String,
    pub serving: bool,
    pub status: String,
    pub selections: i64,
}

#[derive(Template)]
#[template(path = "supervisors.html")]
struct ListPage {
    layout: Layout,
    lines: Vec<Line>,
    serving: usize,
    year: i32,
    educations: Vec<String>,
    bars: Vec<(&'static str, &'static str)>,
    f: AppointForm,
    error: String,
    error_field: String,
}

/// The appointment form as posted (`bars` repeats, one per ticked box).
#[derive(Default, Clone)]
pub(crate) struct AppointForm {
    csrf: String,
    name: String,
    gender: String,
    birth: String,
    id_number: String,
    phone: String,
    email: String,
    education: String,
    profession: String,
    expertise: String,
    appointed_by: String,
    term_no: String,
    term_start: String,
    username: String,
    serving_staff: bool,
    bars: Vec<String>,
}

impl AppointForm {
    pub(crate) fn has_bar(&self, code: &str) -> bool {
        self.bars.iter().any(|b| b == code)
    }
    fn from_pairs(pairs: Vec<(String, String)>) -> AppointForm {
        let mut f = AppointForm::default();
        for (k, v) in pairs {
            let slot = match k.as_str() {
                "csrf" => &mut f.csrf,
                "name" => &mut f.name,
                "gender" => &mut f.gender,
                "birth" => &mut f.birth,
                "id_number" => &mut f.id_number,
                "phone" => &mut f.phone,
                "email" => &mut f.email,
                "education" => &mut f.education,
                "profession" => &mut f.profession,
                "expertise" => &mut f.expertise,
                "appointed_by" => &mut f.appointed_by,
                "term_no" => &mut f.term_no,
                "term_start" => &mut f.term_start,
                "username" => &mut f.username,
                "serving_staff" => {
                    f.serving_staff = true;
                    continue;
                }
                "bars" => {
                    f.bars.push(v);
                    continue;
                }
                _ => continue,
            };
            *slot = v;
        }
        f
    }
}

async fn lines(st: &AppState, s: &Session, year: i32) -> Result<Vec<Line>, ApiError> {
    may(s)?;
    let from = tianping_domain::clock::local_midnight(
        NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or_default(),
    );
    let to = tianping_domain::clock::local_midnight(
        NaiveDate::from_ymd_opt(year + 1, 1, 1).unwrap_or_default(),
    );
    let counts = st
        .store
        .supervisor_selections(&s.org.region_path, from, to)
        .await?;
    Ok(st
        .store
        .supervisors(&s.org.region_path)
        .await?
        .into_iter()
        .map(|r| Line {
            selections: counts.iter().find(|(id, _)| *id == r.id).map_or(0, |c| c.1),
            id: r.id,
            serving: r.serving(),
            status: status_zh(&r),
            term: format!("第 {} 届 {} 至 {}", r.term_no, r.term_start, r.term_end),
            name: r.name,
            gender: r.gender,
            profession: r.profession,
            expertise: r.expertise,
        })
        .collect())
}

fn status_zh(r: &SupervisorRow) -> String {
    match (r.serving(), r.barred != 0) {
        (true, _) => "在任".into(),
        (false, true) => "已免职（不得再任）".into(),
        (false, false) => "已免职".into(),
    }
}

async fn show(st: &AppState, s: &Session, f: AppointForm, error: Option<ApiError>) -> Response {
    let year = chrono::Datelike::year(&tianping_domain::clock::local_date(st.now()));
    match lines(st, s, year).await {
        Ok(lines) => render(&ListPage {
            layout: Layout::new(s, "/supervisors"),
            serving: lines.iter().filter(|l| l.serving).count(),
            lines,
            year,
            educations: rules().selection.education_levels.clone(),
            bars: Bar::ALL.iter().map(|b| (b.as_str(), b.zh())).collect(),
            error_field: error
                .as_ref()
                .map(|e| e.field().to_string())
                .unwrap_or_default(),
            error: error.map(|e| e.message).unwrap_or_default(),
            f,
        }),
        Err(e) => api_error_page(e),
    }
}

pub(crate) async fn list_page(State(st): State<AppState>, PageUser(s): PageUser) -> Response {
    let today = tianping_domain::clock::local_date(st.now());
    let f = AppointForm {
        term_no: "1".into(),
        term_start: today.to_string(),
        appointed_by: "设区的市级司法行政机关".into(),
        education: "本科".into(),
        gender: "女".into(),
        ..AppointForm::default()
    };
    show(&st, &s, f, None).await
}

fn date(v: &str, field: &str, label: &str) -> Result<NaiveDate, ApiError> {
    v.trim().parse::<NaiveDate>().map_err(|_| {
        ApiError::invalid_field(
            Code::InvalidDate,
            field,
            format!("{label}“{v}”应为 YYYY-MM-DD"),
        )
    })
}

async fn appoint(st: &AppState, s: &Session, f: &AppointForm) -> Result<i64, ApiError> {
    may(s)?;
    let name = text(&f.name, "name", "姓名", 40)?;
    let gender = match f.gender.trim() {
        g @ ("男" | "女") => g,
        _ => {
            return Err(ApiError::invalid_field(
                Code::Invalid,
                "gender",
                "性别应为“男”或“女”",
            ));
        }
    };
    let birth = date(&f.birth, "birth", "出生日期")?;
    let id_number = text(&f.id_number, "id_number", "身份证号", 18)?;
    let id_number = tianping_domain::identity::check_id(id_number).map_err(|why| {
        ApiError::invalid_field(
            Code::Invalid,
            "id_number",
            format!("身份证号“{id_number}”无效：{why}"),
        )
    })?;
    let id_number = id_number.as_str();
    let phone = text(&f.phone, "phone", "手机号码", 20)?;
    let phone = tianping_domain::identity::mobile_number(phone).map_err(|why| {
        ApiError::invalid_field(
            Code::Invalid,
            "phone",
            format!("手机号码“{phone}”无效：{why}（活动通知以短信发送）"),
        )
    })?;
    let phone = phone.as_str();
    let email = f.email.trim();
    if !email.is_empty() && !email.contains('@') {
        return Err(ApiError::invalid_field(
            Code::InvalidEmail,
            "email",
            format!("邮箱“{email}”无效"),
        ));
    }
    let profession = text(&f.profession, "profession", "职业", 60)?;
    let appointed_by = match f.appointed_by.trim() {
        a @ ("省级司法行政机关" | "设区的市级司法行政机关") => a,
        _ => {
            return Err(ApiError::invalid_field(
                Code::Invalid,
                "appointed_by",
                "选任机关应为省级或设区的市级司法行政机关",
            ));
        }
    };
    let term_no: u32 = f
        .term_no
        .trim()
        .parse()
        .map_err(|_| ApiError::invalid_field(Code::Invalid, "term_no", "连任届次应为正整数"))?;
    let term_start = date(&f.term_start, "term_start", "任期起始日")?;
    let mut bars = vec![];
    for b in &f.bars {
        bars.push(Bar::parse(b).ok_or_else(|| {
            ApiError::invalid_field(Code::Invalid, "bars", format!("未知的禁止情形“{b}”"))
        })?);
    }
    if let Some(prev) = st.store.supervisor_identity_taken(id_number).await? {
        let why = if prev.serving() {
            format!("该身份证号已有在任人民监督员档案（{}）", prev.name)
        } else {
            format!(
                "该人员曾被免除人民监督员职务且不得再任：{}",
                prev.removed_reason.unwrap_or_default()
            )
        };
        return Err(ApiError::invalid_field(Code::NotEligible, "id_number", why));
    }
    let r = rules();
    let problems = check_appointment(
        r,
        &Candidate {
            birth,
            education: f.education.trim(),
            serving_staff: f.serving_staff,
            bars: &bars,
            term_no,
            term_start,
        },
    );
    if let Some(p) = problems.first() {
        let all: Vec<&str> = problems.iter().map(|p| p.message.as_str()).collect();
        return Err(
            ApiError::invalid_field(Code::NotEligible, p.field, all.join("；"))
                .with_details(json!({ "field": p.field, "problems": all })),
        );
    }
    let user_id = match f.username.trim() {
        "" => None,
        u => {
            let user = st
                .store
                .user_by_username(u)
                .await?
                .filter(|x| x.role == Role::PeopleSupervisor && x.org_id == s.org.id);
            let Some(user) = user else {
                return Err(ApiError::invalid_field(
                    Code::Invalid,
                    "username",
                    format!("本单位没有角色为人民监督员的账号“{u}”"),
                ));
            };
            if st.store.supervisor_of_user(user.id).await?.is_some() {
                return Err(ApiError::invalid_field(
                    Code::Conflict,
                    "username",
                    format!("账号“{u}”已关联其他人民监督员档案"),
                ));
            }
            Some(user.id)
        }
    };
    Ok(st
        .store
        .appoint_supervisor(
            &NewSupervisor {
                org_id: &s.org.id,
                region_path: &s.org.region_path,
                user_id,
                name,
                gender,
                birth_date: birth,
                id_number,
                phone,
                email: (!email.is_empty()).then_some(email),
                education: f.education.trim(),
                profession,
                expertise: f.expertise.trim(),
                appointed_by,
                term_no,
                term_start,
                term_end: term_end(r, term_start),
                created_by: &s.user.display_name,
            },
            st.now(),
        )
        .await?)
}

pub(crate) async fn appoint_submit(
    State(st): State<AppState>,
    PageUser(s): PageUser,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let f = AppointForm::from_pairs(pairs);
    if let Some(r) = csrf_refused(&f.csrf, &s) {
        return r;
    }
    match appoint(&st, &s, &f).await {
        Ok(id) => redirect(&format!("/supervisors/{id}")),
        Err(e) if e.status == StatusCode::FORBIDDEN => error_page(e.status, &e.message),
        Err(e) => show(&st, &s, f, Some(e)).await,
    }
}

/// One activity in a supervisor's file.
pub(crate) struct Done {
    pub activity_id: i64,
    pub title: String,
    pub kind: String,
    pub when: String,
    pub state: &'static str,
    pub reason: String,
}

pub(crate) struct OpinionLine {
    pub activity_id: i64,
    pub title: String,
    pub filed: String,
    pub answer: String,
}

#[derive(Template)]
#[template(path = "supervisor.html")]
struct FilePage {
    layout: Layout,
    r: SupervisorRow,
    status: String,
    done: Vec<Done>,
    opinions: Vec<OpinionLine>,
    attended: usize,
    absent: usize,
    refused: usize,
    recused: usize,
    adopted: usize,
    created: String,
    /// Training, admonitions and assessment grades, newest first: (date, what, note, by).
    records: Vec<(String, String, String, String)>,
    admonitions: u32,
    removal_due: bool,
    /// 履职补贴 per year, the latest first, and each payment: (paid on, year, yuan, note, by).
    allowances: Vec<super::records::AllowanceYear>,
    payments: Vec<(String, i64, i64, String, String)>,
    rate: u32,
    this_year: i32,
    today: String,
    error: String,
    error_field: String,
}

pub(crate) async fn file_page(
    State(st): State<AppState>,
    PageUser(s): PageUser,
    Path(id): Path<String>,
) -> Response {
    match file(&st, &s, &id, None).await {
        Ok(p) => render(&p),
        Err(e) => api_error_page(e),
    }
}

/// The file page with an error from a form posted on it, next to its field.
pub(crate) async fn file_with_error(st: &AppState, s: &Session, id: &str, e: ApiError) -> Response {
    match file(st, s, id, Some(e)).await {
        Ok(p) => render(&p),
        Err(e) => api_error_page(e),
    }
}

async fn file(
    st: &AppState,
    s: &Session,
    id: &str,
    error: Option<ApiError>,
) -> Result<FilePage, ApiError> {
    may(s)?;
    let id = path_id(id, "人民监督员档案")?;
    let r = match st.store.supervisor(id).await? {
        Some(r) if within(s, &r.region_path) => r,
        _ => return Err(ApiError::not_found("人民监督员档案")),
    };
    let activities = st.store.activities_of_supervisor(r.id).await?;
    let invitations = st.store.invitations_of_supervisor(r.id).await?;
    let by_year = super::records::attended_by_year(&activities, &invitations);
    let mut done = vec![];
    let (mut attended, mut absent, mut refused, mut recused) = (0, 0, 0, 0);
    for i in invitations {
        let state = Invitation::parse(&i.state);
        match state {
            Some(Invitation::Attended) => attended += 1,
            Some(Invitation::Absent) => absent += 1,
            Some(Invitation::Refused) => refused += 1,
            Some(Invitation::Recused) => recused += 1,
            _ => {}
        }
        if let Some(a) = activities.iter().find(|a| a.id == i.activity_id) {
            done.push(Done {
                activity_id: a.id,
                title: a.title.clone(),
                kind: rules()
                    .activity(&a.kind)
                    .map_or_else(|| a.kind.clone(), |k| k.zh.clone()),
                when: crate::view::local(&a.starts_at),
                state: state.map_or("—", |x| x.zh()),
                reason: i.reason,
            });
        }
    }
    let mut adopted = 0;
    let opinions = st
        .store
        .opinions_of_supervisor(r.id)
        .await?
        .into_iter()
        .map(|o| {
            let a = o.answer.as_deref().and_then(Answer::parse);
            if matches!(a, Some(Answer::Adopted | Answer::PartlyAdopted)) {
                adopted += 1;
            }
            OpinionLine {
                activity_id: o.activity_id,
                title: o.title,
                filed: crate::view::local_date(&o.filed_at),
                answer: a.map_or_else(
                    || format!("待答复（{} 前）", crate::view::local_date(&o.due_at)),
                    |a| a.zh().to_string(),
                ),
            }
        })
        .collect();
    let entries = st.store.supervisor_records(r.id).await?;
    let admonitions = super::records::admonitions_in_term(&r, &entries);
    let records = entries
        .iter()
        .map(|x| {
            let what = match (x.kind.as_str(), x.grade.as_deref().and_then(Grade::parse)) {
                ("assessment", Some(g)) => format!("{} 年度考核：{}", x.year, g.zh()),
                ("training", _) => "培训".to_string(),
                ("admonition", _) => "诫勉".to_string(),
                (k, _) => k.to_string(),
            };
            (
                x.on_date.clone(),
                what,
                x.note.clone(),
                x.recorded_by.clone(),
            )
        })
        .collect();
    let paid = st.store.supervisor_allowances(r.id).await?;
    let allowances = super::records::allowance_years(&by_year, &paid);
    let payments = paid
        .into_iter()
        .map(|p| (p.paid_on, p.year, p.amount_yuan, p.note, p.paid_by))
        .collect();
    Ok(FilePage {
        layout: Layout::new(s, "/supervisors"),
        allowances,
        payments,
        rate: rules().allowance.per_activity_yuan,
        this_year: chrono::Datelike::year(&tianping_domain::clock::local_date(st.now())),
        removal_due: r.serving() && admonitions_call_for_removal(rules(), admonitions),
        admonitions,
        records,
        today: tianping_domain::clock::local_date(st.now()).to_string(),
        error_field: error
            .as_ref()
            .map(|e| e.field().to_string())
            .unwrap_or_default(),
        error: error.map(|e| e.message).unwrap_or_default(),
        created: crate::view::local(&r.created_at),
        status: status_zh(&r),
        r,
        done,
        opinions,
        attended,
        absent,
        refused,
        recused,
        adopted,
    })
}

#[derive(Deserialize)]
pub(crate) struct RemoveForm {
    csrf: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    barred: Option<String>,
}

pub(crate) async fn remove_submit(
    State(st): State<AppState>,
    PageUser(s): PageUser,
    Path(id): Path<String>,
    Form(f): Form<RemoveForm>,
) -> Response {
    if let Some(r) = csrf_refused(&f.csrf, &s) {
        return r;
    }
    let done = async {
        may(&s)?;
        let sid = path_id(&id, "人民监督员档案")?;
        match st.store.supervisor(sid).await? {
            Some(r) if within(&s, &r.region_path) => {}
            _ => return Err(ApiError::not_found("人民监督员档案")),
        }
        let reason = text(&f.reason, "reason", "免职理由", 200)?;
        if !st
            .store
            .remove_supervisor(sid, reason, f.barred.is_some(), st.now())
            .await?
        {
            return Err(ApiError::new(Code::WrongState, "该人民监督员已被免职"));
        }
        Ok(sid)
    }
    .await;
    match done {
        Ok(sid) => redirect(&format!("/supervisors/{sid}")),
        Err(e) if e.status == StatusCode::FORBIDDEN || e.status == StatusCode::NOT_FOUND => {
            api_error_page(e)
        }
        Err(e) => file_with_error(&st, &s, &id, e).await,
    }
}
