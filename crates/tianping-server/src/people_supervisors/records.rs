//! Entries the justice bureau adds to a supervisor's file — training attended, an admonition
//! (诫勉; the configured number within one term calls for a decision on removal) — and the
//! year's assessment of every serving supervisor at once (the 优秀 share capped by
//! configuration; 不称职 removes the supervisor and bars them for good) — and the allowances
//! (履职补贴) paid for a year's attendance, never more than it earned.

use super::registry::may;
use super::{path_id, text, within};
use crate::AppState;
use crate::error::{ApiError, Code};
use crate::http::PageUser;
use crate::http::extract::csrf_refused;
use crate::http::page::{api_error_page, error_page, redirect};
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{Datelike, NaiveDate};
use serde::Deserialize;
use std::collections::BTreeMap;
use tianping_domain::people_supervisors::{Grade, check_grades, rules};
use tianping_store::people_supervisors::{
    ActivityRow, AllowanceRow, Assessed, InvitationRow, NewAllowance, RecordRow, SupervisorRow,
};
use tianping_store::user::Session;

/// Admonitions within the supervisor's current term.
pub(crate) fn admonitions_in_term(r: &SupervisorRow, records: &[RecordRow]) -> u32 {
    records
        .iter()
        .filter(|x| {
            x.kind == "admonition"
                && r.term_start.as_str() <= x.on_date.as_str()
                && x.on_date.as_str() <= r.term_end.as_str()
        })
        .count() as u32
}

#[derive(Deserialize)]
pub(crate) struct EntryForm {
    csrf: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    on: String,
    #[serde(default)]
    note: String,
}

async fn add(st: &AppState, s: &Session, id: &str, f: &EntryForm) -> Result<i64, ApiError> {
    may(s)?;
    let sid = path_id(id, "人民监督员档案")?;
    match st.store.supervisor(sid).await? {
        Some(r) if within(s, &r.region_path) && r.serving() => {}
        Some(r) if within(s, &r.region_path) => {
            return Err(ApiError::new(Code::WrongState, "该人民监督员已被免职"));
        }
        _ => return Err(ApiError::not_found("人民监督员档案")),
    }
    let kind = match f.kind.as_str() {
        k @ ("training" | "admonition") => k,
        _ => {
            return Err(ApiError::invalid_field(
                Code::InvalidKind,
                "kind",
                "请选择培训或诫勉",
            ));
        }
    };
    let on = f.on.trim().parse::<NaiveDate>().map_err(|_| {
        ApiError::invalid_field(
            Code::InvalidDate,
            "on",
            format!("日期“{}”应为 YYYY-MM-DD", f.on),
        )
    })?;
    if on > tianping_domain::clock::local_date(st.now()) {
        return Err(ApiError::invalid_field(
            Code::DateInFuture,
            "on",
            "日期不能晚于今天",
        ));
    }
    let label = if kind == "training" {
        "培训内容"
    } else {
        "诫勉事由"
    };
    let note = text(&f.note, "note", label, 200)?;
    st.store
        .record_supervisor_entry(sid, kind, on, note, &s.user.display_name, st.now())
        .await?;
    Ok(sid)
}

pub(crate) async fn entry_submit(
    State(st): State<AppState>,
    PageUser(s): PageUser,
    Path(id): Path<String>,
    Form(f): Form<EntryForm>,
) -> Response {
    if let Some(r) = csrf_refused(&f.csrf, &s) {
        return r;
    }
    match add(&st, &s, &id, &f).await {
        Ok(sid) => redirect(&format!("/supervisors/{sid}#records")),
        Err(e) if e.status == StatusCode::FORBIDDEN || e.status == StatusCode::NOT_FOUND => {
            api_error_page(e)
        }
        Err(e) => super::registry::file_with_error(&st, &s, &id, e).await,
    }
}

async fn assess(st: &AppState, s: &Session, pairs: &[(String, String)]) -> Result<i32, ApiError> {
    may(s)?;
    let field = |k: &str| {
        pairs
            .iter()
            .find(|(n, _)| n == k)
            .map_or("", |(_, v)| v.as_str())
    };
    let this = tianping_domain::clock::local_date(st.now()).year();
    let year: i32 = match field("year").trim().parse() {
        Ok(y) if (2000..=this).contains(&y) => y,
        _ => {
            return Err(ApiError::invalid_field(
                Code::InvalidYear,
                "year",
                format!("考核年度“{}”无效", field("year")),
            ));
        }
    };
    let serving: Vec<SupervisorRow> = st
        .store
        .supervisors(&s.org.region_path)
        .await?
        .into_iter()
        .filter(|r| r.serving())
        .collect();
    let mut grades = vec![];
    for r in &serving {
        let v = field(&format!("grade_{}", r.id));
        let g = Grade::parse(v).ok_or_else(|| {
            ApiError::invalid_field(
                Code::Invalid,
                &format!("grade_{}", r.id),
                format!("请为{}选择考核等次", r.name),
            )
        })?;
        grades.push((r.id, g));
    }
    if grades.is_empty() {
        return Err(ApiError::new(Code::Invalid, "没有在任的人民监督员"));
    }
    let only: Vec<Grade> = grades.iter().map(|(_, g)| *g).collect();
    check_grades(rules(), &only)
        .map_err(|m| ApiError::invalid_field(Code::Invalid, "grades", m))?;
    let assessed: Vec<Assessed> = grades
        .iter()
        .map(|(id, g)| Assessed {
            supervisor_id: *id,
            grade: g.as_str(),
            removes: g.removes(),
        })
        .collect();
    st.store
        .assess_supervisors(year, &assessed, &s.user.display_name, st.now())
        .await?;
    Ok(year)
}

pub(crate) async fn assess_submit(
    State(st): State<AppState>,
    PageUser(s): PageUser,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let csrf = pairs
        .iter()
        .find(|(k, _)| k == "csrf")
        .map_or("", |(_, v)| v.as_str());
    if let Some(r) = csrf_refused(csrf, &s) {
        return r;
    }
    match assess(&st, &s, &pairs).await {
        Ok(year) => redirect(&format!("/supervisors/report?year={year}#assessment")),
        Err(e) if e.status == StatusCode::FORBIDDEN => error_page(e.status, &e.message),
        Err(e) => {
            let year = pairs
                .iter()
                .find(|(k, _)| k == "year")
                .and_then(|(_, v)| v.parse().ok());
            super::report::report_with_error(&st, &s, year, e).await
        }
    }
}

/// Activities a supervisor attended, per year (Beijing) of the activity, from their
/// invitations and the activities those are for.
pub(crate) fn attended_by_year(
    activities: &[ActivityRow],
    invitations: &[InvitationRow],
) -> BTreeMap<i32, u32> {
    let mut out = BTreeMap::new();
    for i in invitations.iter().filter(|i| i.state == "attended") {
        if let Some(at) = activities
            .iter()
            .find(|a| a.id == i.activity_id)
            .and_then(|a| crate::view::parse_utc(&a.starts_at))
        {
            *out.entry(tianping_domain::clock::local_date(at).year())
                .or_insert(0) += 1;
        }
    }
    out
}

/// A year's allowance as the file shows it.
pub(crate) struct AllowanceYear {
    pub year: i32,
    pub attended: u32,
    pub earned: i64,
    pub paid: i64,
    pub owed: i64,
}

/// The years with attendance or payments, the latest first.
pub(crate) fn allowance_years(
    attended: &BTreeMap<i32, u32>,
    payments: &[AllowanceRow],
) -> Vec<AllowanceYear> {
    let mut years: BTreeMap<i32, (u32, i64)> =
        attended.iter().map(|(y, n)| (*y, (*n, 0))).collect();
    for p in payments {
        years.entry(p.year as i32).or_insert((0, 0)).1 += p.amount_yuan;
    }
    years
        .into_iter()
        .rev()
        .map(|(year, (attended, paid))| {
            let earned = rules().allowance_earned(attended);
            AllowanceYear {
                year,
                attended,
                earned,
                paid,
                owed: earned - paid,
            }
        })
        .collect()
}

#[derive(Deserialize)]
pub(crate) struct PayForm {
    csrf: String,
    #[serde(default)]
    year: String,
    #[serde(default)]
    amount: String,
    #[serde(default)]
    paid_on: String,
    #[serde(default)]
    pay_note: String,
}

async fn pay(st: &AppState, s: &Session, id: &str, f: &PayForm) -> Result<i64, ApiError> {
    may(s)?;
    let sid = path_id(id, "人民监督员档案")?;
    // A supervisor removed since is still paid for what they attended.
    match st.store.supervisor(sid).await? {
        Some(r) if within(s, &r.region_path) => {}
        _ => return Err(ApiError::not_found("人民监督员档案")),
    }
    let today = tianping_domain::clock::local_date(st.now());
    let year: i32 = match f.year.trim().parse() {
        Ok(y) if (2000..=today.year()).contains(&y) => y,
        _ => {
            return Err(ApiError::invalid_field(
                Code::InvalidYear,
                "year",
                format!("补贴年度“{}”无效", f.year),
            ));
        }
    };
    let amount: i64 = f.amount.trim().parse().map_err(|_| {
        ApiError::invalid_field(
            Code::Invalid,
            "amount",
            format!("发放金额“{}”应为整数（元）", f.amount),
        )
    })?;
    let paid_on = f.paid_on.trim().parse::<NaiveDate>().map_err(|_| {
        ApiError::invalid_field(
            Code::InvalidDate,
            "paid_on",
            format!("发放日期“{}”应为 YYYY-MM-DD", f.paid_on),
        )
    })?;
    if paid_on > today {
        return Err(ApiError::invalid_field(
            Code::DateInFuture,
            "paid_on",
            "发放日期不能晚于今天",
        ));
    }
    let note = text(&f.pay_note, "pay_note", "发放凭证或说明", 200)?;
    let attended = attended_by_year(
        &st.store.activities_of_supervisor(sid).await?,
        &st.store.invitations_of_supervisor(sid).await?,
    )
    .get(&year)
    .copied()
    .unwrap_or(0);
    let paid: i64 = st
        .store
        .supervisor_allowances(sid)
        .await?
        .iter()
        .filter(|p| p.year == i64::from(year))
        .map(|p| p.amount_yuan)
        .sum();
    rules()
        .check_allowance_payment(attended, paid, amount)
        .map_err(|p| ApiError::invalid_field(Code::Invalid, p.field, p.message))?;
    st.store
        .pay_supervisor_allowance(
            &NewAllowance {
                supervisor_id: sid,
                year,
                paid_on,
                amount_yuan: amount,
                note,
                paid_by: &s.user.display_name,
            },
            st.now(),
        )
        .await?;
    Ok(sid)
}

pub(crate) async fn pay_submit(
    State(st): State<AppState>,
    PageUser(s): PageUser,
    Path(id): Path<String>,
    Form(f): Form<PayForm>,
) -> Response {
    if let Some(r) = csrf_refused(&f.csrf, &s) {
        return r;
    }
    match pay(&st, &s, &id, &f).await {
        Ok(sid) => redirect(&format!("/supervisors/{sid}#allowances")),
        Err(e) if e.status == StatusCode::FORBIDDEN || e.status == StatusCode::NOT_FOUND => {
            api_error_page(e)
        }
        Err(e) => super::registry::file_with_error(&st, &s, &id, e).await,
    }
}
