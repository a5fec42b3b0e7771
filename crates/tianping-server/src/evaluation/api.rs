//! An evaluated case through the API: what it stands at and the acts the caller may take now, and
//! the acts themselves (score, accept, object, 复核, confirm) — the same checks as the page, so an
//! office's own system or an evaluator's tool can work without the forms.

use super::cases::{
    Acted, Ded, actor, day_of, parse_deds, perform, readable, withheld, words_visible,
};
use super::today;
use crate::AppState;
use crate::error::{ApiError, Code};
use crate::http::CurrentUser;
use crate::http::extract::{check_csrf, json_body};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::BTreeSet;
use tianping_domain::evaluation::review::{Act, Facts, check_act, objection_until};
use tianping_domain::evaluation::{Sheet, rules};
use tianping_store::evaluation::EvalCaseRow;
use tianping_store::user::Session;

/// An act on an evaluated case.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ActBody {
    /// score（评分）、accept（承办人接受）、object（承办人异议）、recheck（复核）、confirm（异议期满确认）
    #[serde(default)]
    pub act: String,
    /// 评分、复核：各扣分项（未列出的项目不扣分）
    #[serde(default)]
    pub deductions: Vec<DeductionBody>,
    /// 异议理由或复核意见
    #[serde(default)]
    pub reason: String,
}

/// One deduction: the sheet's item code, the points taken off and why.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct DeductionBody {
    /// 评查表项目编号，如 "2.4"
    #[serde(default)]
    pub item: String,
    #[serde(default)]
    pub points: u32,
    /// 扣分理由
    #[serde(default)]
    pub note: String,
}

/// The deductions as the page's form pairs, each item named once and found on the sheet; a wrong
/// one is refused at its place in the list.
fn as_pairs(sheet: &Sheet, deds: &[DeductionBody]) -> Result<Vec<(String, String)>, ApiError> {
    let mut seen = BTreeSet::new();
    let mut out = vec![];
    for (i, d) in deds.iter().enumerate() {
        let code = d.item.trim();
        if sheet.item(code).is_none() {
            return Err(ApiError::invalid_field(
                Code::Invalid,
                &format!("deductions[{i}].item"),
                format!("评查表“{}”中没有编号为“{code}”的项目", sheet.name),
            ));
        }
        if !seen.insert(code.to_string()) {
            return Err(ApiError::invalid_field(
                Code::Invalid,
                &format!("deductions[{i}].item"),
                format!("第{code}项重复扣分，请合并为一条"),
            ));
        }
        out.push((format!("off_{code}"), d.points.to_string()));
        out.push((format!("note_{code}"), d.note.clone()));
    }
    Ok(out)
}

/// The case as the caller may read it: a confidential case's words only for those cleared.
fn view(st: &AppState, s: &Session, c: &EvalCaseRow) -> Value {
    let r = rules();
    let sheet = r.sheet(&c.sheet_id, u32::try_from(c.sheet_version).unwrap_or(0));
    let words = words_visible(s, c);
    let say = |t: &Option<String>| -> Value {
        match t {
            None => Value::Null,
            Some(_) if !words => json!(withheld(c)),
            Some(t) => json!(t),
        }
    };
    let deds = |json_text: Option<&str>| -> Value {
        parse_deds(json_text)
            .iter()
            .map(|d: &Ded| {
                json!({
                    "item": d.item,
                    "text": sheet.and_then(|sh| sh.item(&d.item)).map(|(_, i)| i.text.clone()),
                    "points": d.points,
                    "note": if words { json!(d.note) } else { json!(withheld(c)) },
                })
            })
            .collect()
    };
    let cw = st.store.clockwork();
    let scored_on = day_of(c.scored_at.as_deref());
    let who = actor(s, c);
    let facts = Facts {
        stage: c.stage(),
        scored_on,
    };
    // The acts open to the caller now (a refusal of an act names the field "act"; the reasons an
    // objection needs are the caller's to write).
    let may: Vec<&str> = Act::ALL
        .into_iter()
        .filter(|a| {
            check_act(*a, who, &facts, "—", today(st), &cw.calendar, r)
                .iter()
                .all(|e| e.field != "act")
        })
        .map(|a| a.as_str())
        .collect();
    json!({
        "id": c.id,
        "plan": { "id": c.plan_id, "title": c.plan_title },
        "case_number": c.case_number,
        "court": c.case_org_name,
        "reason": c.reason,
        "sheet": {
            "id": c.sheet_id,
            "version": c.sheet_version,
            "name": sheet.map(|x| x.name.clone()),
            "total": sheet.map(|x| x.total()),
        },
        "stage": c.stage,
        "stage_zh": c.stage().zh(),
        "evaluator": c.evaluator_name,
        "score": c.score,
        "grade": c.grade,
        "deductions": deds(c.deductions.as_deref()),
        "scored_on": scored_on.map(|d| d.to_string()),
        "objection_until": scored_on
            .map(|d| objection_until(d, r.days.objection_days, &cw.calendar).to_string()),
        "objection": say(&c.objection),
        "rechecker": c.rechecker_name,
        "recheck": c.recheck_score.map(|sc| json!({
            "score": sc,
            "grade": c.recheck_grade,
            "opinion": say(&c.recheck_note),
            "deductions": deds(c.recheck_deductions.as_deref()),
        })),
        "final_score": c.final_score,
        "final_grade": c.final_grade,
        "passes": c.passes.map(|p| p != 0),
        "final_on": day_of(c.final_at.as_deref()).map(|d| d.to_string()),
        "supervision_item": c.item_id,
        "acts_open_to_you": may,
    })
}

pub(crate) async fn api_case(
    State(st): State<AppState>,
    CurrentUser(s): CurrentUser,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let c = readable(&st, &s, &id).await?;
    Ok(Json(view(&st, &s, &c)))
}

pub(crate) async fn api_act(
    State(st): State<AppState>,
    headers: HeaderMap,
    CurrentUser(s): CurrentUser,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    check_csrf(&headers, &s)?;
    let c = readable(&st, &s, &id).await?;
    let b: ActBody = json_body(&body)?;
    let sheet = rules()
        .sheet(&c.sheet_id, u32::try_from(c.sheet_version).unwrap_or(0))
        .ok_or_else(|| ApiError::new(Code::Invalid, "评查表不存在"))?;
    let pairs = as_pairs(sheet, &b.deductions)?;
    match perform(&st, &s, &c, b.act.trim(), &b.reason, &pairs).await? {
        Acted::Done => {
            let c = readable(&st, &s, &id).await?;
            Ok(Json(view(&st, &s, &c)))
        }
        Acted::Invalid { errors, .. } => {
            let (field, message) = errors.first().cloned().unwrap_or_default();
            Err(ApiError::new(Code::Invalid, message)
                .with_status(StatusCode::UNPROCESSABLE_ENTITY)
                .with_details(json!({
                    "field": field,
                    "errors": errors
                        .iter()
                        .map(|(f, m)| json!({ "field": f, "message": m }))
                        .collect::<Vec<_>>(),
                })))
        }
    }
}
