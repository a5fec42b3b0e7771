//! One evaluated case: the file while it waits for its evaluator (a third-party evaluator reads
//! exactly this — the case given to them, until the plan's due day), the score sheet, the
//! evaluated judge's acceptance or objection, the 复核, the office's confirmation, and the 待办 of
//! each side.

use super::{runs_plan, sees_plan, today};
use crate::AppState;
use crate::error::{ApiError, Code};
use crate::http::PageUser;
use crate::http::extract::{csrf_refused, parse_id};
use crate::http::page::{Layout, api_error_page, redirect, render};
use crate::view::CaseDetail;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Form, Router};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use tianping_domain::access::reads_evaluations;
use tianping_domain::evaluation::review::{Act, Actor, Facts, Stage, check_act, reads_file};
use tianping_domain::evaluation::{Deduction, Sheet, rules, score};
use tianping_domain::todo::{Task, TaskKind};
use tianping_domain::{AgencyKind, Role};
use tianping_store::evaluation::{ActInput, EvalCaseRow};
use tianping_store::user::Session;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/evaluations/cases/{id}", get(case_page))
        .route("/evaluations/cases/{id}/act", post(act_submit))
        .route("/evaluations/cases/{id}/assign", post(assign_submit))
}

/// A deduction as stored (JSON) and shown.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Ded {
    pub(crate) item: String,
    pub(crate) points: u32,
    pub(crate) note: String,
}

pub(crate) fn parse_deds(json: Option<&str>) -> Vec<Ded> {
    json.and_then(|j| serde_json::from_str(j).ok())
        .unwrap_or_default()
}

/// Who the session is to this evaluated case.
pub(crate) fn actor(s: &Session, c: &EvalCaseRow) -> Actor {
    Actor {
        evaluator: c.evaluator_user_id == Some(s.user.id),
        rechecker: c.rechecker_user_id == Some(s.user.id),
        evaluated: s.user.role == Role::Judge
            && s.org.id == c.case_org_id
            && c.case_judge
                .as_deref()
                .is_some_and(|j| j.trim() == s.user.display_name.trim()),
        office: runs_plan(s, &c.plan_org_id),
    }
}

/// Whether the session sees this evaluated case at all: its evaluator and re-checker, the
/// evaluated judge, the plan's readers, and the readers of evaluations whose region covers the
/// case (a division chief of the case's court).
pub(crate) fn sees(s: &Session, c: &EvalCaseRow) -> bool {
    let a = actor(s, c);
    a.evaluator
        || a.rechecker
        || a.evaluated
        || sees_plan(s, &c.plan_org_id, &c.plan_path)
        || (reads_evaluations(s.user.role, s.org.kind)
            && tianping_domain::access::sees_agency(
                s.org.kind,
                AgencyKind::parse(&c.agency_kind).unwrap_or(AgencyKind::Court),
            )
            && c.case_path.starts_with(&s.org.region_path))
}

/// Whether the reader may read the words written about this case (deductions' reasons, the
/// objection, the 复核 opinion): always for a public case; for a confidential one, those whose
/// clearance covers it or who need to know (the evaluated judge, the court's president). They
/// may name the parties or the facts the case's confidentiality protects.
pub(crate) fn words_visible(s: &Session, c: &EvalCaseRow) -> bool {
    let level = c.confidentiality();
    level == tianping_domain::Confidentiality::Public
        || crate::view::clearance_for(s, &c.case_org_id, c.case_judge.as_deref(), &[], None)
            .allows(level)
}

/// A confidential case's words, for a reader who may not read them.
pub(crate) fn withheld(c: &EvalCaseRow) -> String {
    format!("（本案{}，内容不予显示）", c.confidentiality().zh())
}

/// The evaluations of a case its page lists, those the reader sees (the case page's own readers
/// are checked first; an evaluation's readers are fewer).
pub(crate) async fn of_case(
    st: &AppState,
    s: &Session,
    case_id: i64,
) -> Result<Vec<super::CaseLine>, ApiError> {
    Ok(st
        .store
        .evaluations_of_case(case_id)
        .await?
        .iter()
        .filter(|c| sees(s, c))
        .map(super::case_line)
        .collect())
}

pub(crate) async fn readable(
    st: &AppState,
    s: &Session,
    id: &str,
) -> Result<EvalCaseRow, ApiError> {
    let id = parse_id(id, "评查案件")?;
    match st.store.evaluation_case(id).await? {
        Some(c) if sees(s, &c) => Ok(c),
        _ => Err(ApiError::not_found("评查案件")),
    }
}

pub(crate) fn day_of(ts: Option<&str>) -> Option<NaiveDate> {
    ts.and_then(|t| tianping_store::parse_ts(t).ok())
        .map(tianping_domain::clock::local_date)
}

/// A section of the sheet with the points taken off each item (of a given deduction list).
struct SectionView {
    name: String,
    points: u32,
    items: Vec<ItemView>,
}

struct ItemView {
    code: String,
    text: String,
    points: u32,
    /// The value for the form (a number or empty) and the note.
    off: String,
    note: String,
}

fn sheet_view(sheet: &Sheet, deds: &[Ded]) -> Vec<SectionView> {
    sheet
        .sections
        .iter()
        .map(|sec| SectionView {
            name: sec.name.clone(),
            points: sec.points(),
            items: sec
                .items
                .iter()
                .map(|i| {
                    let d = deds.iter().find(|d| d.item == i.code);
                    ItemView {
                        code: i.code.clone(),
                        text: i.text.clone(),
                        points: i.points,
                        off: d
                            .filter(|d| d.points > 0)
                            .map_or(String::new(), |d| d.points.to_string()),
                        note: d.map_or(String::new(), |d| d.note.clone()),
                    }
                })
                .collect(),
        })
        .collect()
}

/// A given score as the page shows it: who, when, the total and grade, each deduction.
struct ScoreView {
    title: &'static str,
    by: String,
    at: String,
    total: String,
    grade: String,
    deductions: Vec<(String, String, u32, String)>,
}

fn score_view(
    sheet: Option<&Sheet>,
    title: &'static str,
    by: Option<&str>,
    at: Option<&str>,
    total: Option<i64>,
    grade: Option<&str>,
    deds: &[Ded],
) -> ScoreView {
    ScoreView {
        title,
        by: by.unwrap_or_default().to_string(),
        at: at.map(crate::view::local).unwrap_or_default(),
        total: total.map_or(String::new(), |t| t.to_string()),
        grade: grade.unwrap_or_default().to_string(),
        deductions: deds
            .iter()
            .map(|d| {
                let text = sheet
                    .and_then(|s| s.item(&d.item))
                    .map_or(String::new(), |(_, i)| i.text.clone());
                (d.item.clone(), text, d.points, d.note.clone())
            })
            .collect(),
    }
}

#[derive(Template)]
#[template(path = "evaluation_case.html")]
struct CasePage {
    layout: Layout,
    c: EvalCaseRow,
    kind: &'static str,
    stage: &'static str,
    sheet_name: String,
    /// The file, while it waits for this reader (evaluator or re-checker).
    file: Option<CaseDetail>,
    /// The sheet to fill (the evaluator's score, the re-checker's 复核), prefilled.
    form: Option<Vec<SectionView>>,
    form_act: &'static str,
    scores: Vec<ScoreView>,
    objection_until: String,
    may_answer: bool,
    may_confirm: bool,
    may_assign: bool,
    office: bool,
    exclusions: Vec<String>,
    errors: Vec<(String, String)>,
    reason: String,
    plan_visible: bool,
    /// A procuratorate case: its prosecutor's 案件自查 in a sentence.
    self_check: String,
}

impl CasePage {
    fn error_of(&self, field: &str) -> String {
        crate::http::page::errors_of(&self.errors, field)
    }
}

async fn page(
    st: &AppState,
    s: &Session,
    c: EvalCaseRow,
    errors: Vec<(String, String)>,
    reason: String,
    typed: Option<Vec<Ded>>,
) -> Result<axum::response::Response, ApiError> {
    let r = rules();
    let who = actor(s, &c);
    let today = today(st);
    let due = c.plan_due.parse().unwrap_or(today);
    let stage = c.stage();
    let cw = st.store.clockwork();
    let cal = &cw.calendar;
    let objected_on = day_of(c.objected_at.as_deref());
    let sheet = r.sheet(&c.sheet_id, u32::try_from(c.sheet_version).unwrap_or(0));
    // The file: only while it waits for this evaluator, and only as their clearance reads it.
    let reassigned_on = day_of(c.reassigned_at.as_deref());
    let file = if reads_file(who, stage, today, due, objected_on, reassigned_on, cal, r) {
        match st.store.case_by_id(c.case_id).await? {
            Some((row, state)) => {
                let events = st.store.events_of_case(c.case_id).await?;
                let level = row.confidentiality;
                if level != tianping_domain::Confidentiality::Public
                    && s.user.clearance.allows(level)
                {
                    st.store
                        .log_confidential_read(
                            s.user.id,
                            c.case_id,
                            level.as_str(),
                            "clearance",
                            "evaluation",
                            st.now(),
                        )
                        .await?;
                }
                Some(CaseDetail::new(&row, &state, &events, &s.user.clearance))
            }
            None => None,
        }
    } else {
        None
    };
    let first = parse_deds(c.deductions.as_deref());
    let (form, form_act) = match (stage, who.evaluator, who.rechecker, &file) {
        (Stage::Assigned, true, _, Some(_)) => (
            sheet.map(|sh| sheet_view(sh, typed.as_deref().unwrap_or(&[]))),
            "score",
        ),
        (Stage::Objected, _, true, Some(_)) => (
            sheet.map(|sh| sheet_view(sh, typed.as_deref().unwrap_or(&first))),
            "recheck",
        ),
        _ => (None, ""),
    };
    let mut scores = vec![];
    if c.score.is_some() {
        scores.push(score_view(
            sheet,
            "评查评分",
            c.evaluator_name.as_deref(),
            c.scored_at.as_deref(),
            c.score,
            c.grade.as_deref(),
            &first,
        ));
    }
    if c.recheck_score.is_some() {
        scores.push(score_view(
            sheet,
            "复核评分",
            c.rechecker_name.as_deref(),
            c.rechecked_at.as_deref(),
            c.recheck_score,
            c.recheck_grade.as_deref(),
            &parse_deds(c.recheck_deductions.as_deref()),
        ));
    }
    let mut c = c;
    if !words_visible(s, &c) {
        for sc in &mut scores {
            for d in &mut sc.deductions {
                d.3 = withheld(&c);
            }
        }
        let w = withheld(&c);
        c.objection = c.objection.as_ref().map(|_| w.clone());
        c.recheck_note = c.recheck_note.as_ref().map(|_| w.clone());
    }
    let until = day_of(c.scored_at.as_deref()).map(|d| {
        tianping_domain::evaluation::review::objection_until(d, r.days.objection_days, cal)
    });
    let may_confirm = who.office && stage == Stage::Scored && until.is_some_and(|u| today > u);
    let due: NaiveDate = c.plan_due.parse().unwrap_or(NaiveDate::MAX);
    let may_assign = who.office
        && tianping_domain::evaluation::review::may_reassign(
            stage,
            c.rechecker_id.is_some(),
            due,
            today,
        );
    let mut res = render(&CasePage {
        layout: Layout::new(s, "/evaluations"),
        kind: super::kind_zh(&c.plan_kind),
        stage: stage.zh(),
        sheet_name: sheet.map_or(String::new(), |sh| {
            format!("{}（第{}版）", sh.name, sh.version)
        }),
        file,
        form,
        form_act,
        scores,
        objection_until: until.map_or(String::new(), tianping_domain::document::date_zh),
        may_answer: who.evaluated && stage == Stage::Scored && until.is_some_and(|u| today <= u),
        may_confirm,
        may_assign,
        office: who.office,
        exclusions: if who.office {
            c.exclusions
                .lines()
                .filter(|l| !l.is_empty())
                .map(String::from)
                .collect()
        } else {
            vec![]
        },
        errors: errors.clone(),
        reason,
        plan_visible: sees_plan(s, &c.plan_org_id, &c.plan_path),
        self_check: if c.agency_kind == "procuratorate" {
            super::self_checks::summary(st, s, c.case_id).await?
        } else {
            String::new()
        },
        c,
    });
    if !errors.is_empty() {
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res)
}

pub(crate) async fn case_page(
    State(st): State<AppState>,
    PageUser(s): PageUser,
    Path(id): Path<String>,
) -> axum::response::Response {
    let run = async {
        let c = readable(&st, &s, &id).await?;
        page(&st, &s, c, vec![], String::new(), None).await
    };
    run.await.unwrap_or_else(api_error_page)
}

/// The deductions a score form sends: `off_<code>` (points) and `note_<code>` per item.
/// Also returns what was typed, to show again with a refusal (points that are not a number
/// shown empty).
fn deductions_of(
    pairs: &[(String, String)],
    sheet: &Sheet,
    errors: &mut Vec<(String, String)>,
) -> (Vec<Deduction>, Vec<Ded>) {
    let get = |k: &str| {
        pairs
            .iter()
            .find(|(n, _)| n == k)
            .map_or("", |(_, v)| v.trim())
    };
    let mut out = vec![];
    let mut typed = vec![];
    for sec in &sheet.sections {
        for i in &sec.items {
            let off = get(&format!("off_{}", i.code));
            let note = get(&format!("note_{}", i.code));
            if !off.is_empty() || !note.is_empty() {
                typed.push(Ded {
                    item: i.code.clone(),
                    points: off.parse().unwrap_or(0),
                    note: note.to_string(),
                });
            }
            if off.is_empty() || off == "0" {
                if !note.is_empty() {
                    errors.push((
                        "deductions".into(),
                        format!("第{}项写了扣分理由，但未填扣分", i.code),
                    ));
                }
                continue;
            }
            match off.parse::<u32>() {
                Ok(points) => out.push(Deduction {
                    item: i.code.clone(),
                    points,
                    note: note.to_string(),
                }),
                Err(_) => errors.push((
                    "deductions".into(),
                    format!("第{}项扣分“{off}”不是整数", i.code),
                )),
            }
        }
    }
    (out, typed)
}

pub(crate) async fn act_submit(
    State(st): State<AppState>,
    PageUser(s): PageUser,
    Path(id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> axum::response::Response {
    let get = |k: &str| {
        pairs
            .iter()
            .find(|(n, _)| n == k)
            .map_or(String::new(), |(_, v)| v.clone())
    };
    if let Some(r) = csrf_refused(&get("csrf"), &s) {
        return r;
    }
    let run = async {
        let c = readable(&st, &s, &id).await?;
        let reason = get("reason");
        match perform(&st, &s, &c, &get("act"), &reason, &pairs).await? {
            Acted::Done => Ok(redirect(&format!("/evaluations/cases/{}", c.id))),
            Acted::Invalid { errors, typed } => page(&st, &s, c, errors, reason, typed).await,
        }
    };
    run.await.unwrap_or_else(api_error_page)
}

/// What an act came to: done, or refused at its fields (a page shows them beside the form, the
/// API names the first).
pub(crate) enum Acted {
    Done,
    Invalid {
        errors: Vec<(String, String)>,
        /// The deductions as typed, to fill the form again.
        typed: Option<Vec<Ded>>,
    },
}

/// An act on an evaluated case the session reads — from the page's form or the API's body (the
/// deductions as `off_<item>` and `note_<item>` pairs): the domain decides who may act and
/// scores the sheet; the store records it.
pub(crate) async fn perform(
    st: &AppState,
    s: &Session,
    c: &EvalCaseRow,
    act: &str,
    reason: &str,
    pairs: &[(String, String)],
) -> Result<Acted, ApiError> {
    let Some(act) = Act::parse(act) else {
        return Err(ApiError::invalid_field(
            Code::ActUnknown,
            "act",
            "未知的评查操作（应为 score、accept、object、recheck 或 confirm）",
        ));
    };
    let r = rules();
    let today = today(st);
    let cw = st.store.clockwork();
    let cal = &cw.calendar;
    let who = actor(s, c);
    let facts = Facts {
        stage: c.stage(),
        scored_on: day_of(c.scored_at.as_deref()),
    };
    let mut errors: Vec<(String, String)> = check_act(act, who, &facts, reason, today, cal, r)
        .into_iter()
        .map(|e| (e.field.to_string(), e.message))
        .collect();
    // A score or a 复核 only while the case waits for this evaluator (the file open to them).
    let due = c.plan_due.parse().unwrap_or(today);
    if matches!(act, Act::Score | Act::Recheck)
        && errors.is_empty()
        && !reads_file(
            who,
            c.stage(),
            today,
            due,
            day_of(c.objected_at.as_deref()),
            day_of(c.reassigned_at.as_deref()),
            cal,
            r,
        )
    {
        return Err(ApiError::new(
            Code::ActForbidden,
            "评查期限已过，不能再评分；请与组织评查的部门联系",
        )
        .with_status(StatusCode::FORBIDDEN));
    }
    if errors.iter().any(|(f, _)| f == "act") {
        return Err(ApiError::new(Code::ActForbidden, errors.remove(0).1)
            .with_status(StatusCode::FORBIDDEN));
    }
    let Some(sheet) = r.sheet(&c.sheet_id, u32::try_from(c.sheet_version).unwrap_or(0)) else {
        return Err(ApiError::new(Code::Invalid, "评查表不存在"));
    };
    let mut input = ActInput {
        id: c.id,
        act,
        deductions: None,
        score: None,
        grade: None,
        passes: false,
        opens_item: false,
        note: reason.to_string(),
        problems: vec![],
    };
    let mut typed = None;
    let deds_for_item: Vec<Ded>;
    match act {
        Act::Score | Act::Recheck => {
            let (deds, raw) = deductions_of(pairs, sheet, &mut errors);
            typed = Some(raw);
            match score(sheet, &deds, r) {
                Ok(sc) if errors.is_empty() => {
                    let stored: Vec<Ded> = deds
                        .iter()
                        .map(|d| Ded {
                            item: d.item.clone(),
                            points: d.points,
                            note: d.note.trim().to_string(),
                        })
                        .collect();
                    input.deductions =
                        Some(serde_json::to_string(&stored).map_err(ApiError::internal)?);
                    input.score = Some(sc.total);
                    input.grade = Some(sc.grade.name.clone());
                    input.passes = sc.grade.passes;
                    input.opens_item = act == Act::Recheck && sc.grade.opens_item;
                    deds_for_item = stored;
                }
                Ok(_) => deds_for_item = vec![],
                Err(es) => {
                    errors.extend(es.into_iter().map(|e| (e.field.to_string(), e.message)));
                    deds_for_item = vec![];
                }
            }
        }
        Act::Accept | Act::Confirm | Act::Object => {
            let agency = AgencyKind::parse(&c.agency_kind).unwrap_or(AgencyKind::Court);
            let g = r
                .scale(agency)
                .iter()
                .find(|g| Some(g.name.as_str()) == c.grade.as_deref());
            input.passes = g.is_some_and(|g| g.passes);
            input.opens_item = act != Act::Object && g.is_some_and(|g| g.opens_item);
            deds_for_item = parse_deds(c.deductions.as_deref());
        }
    }
    if !errors.is_empty() {
        return Ok(Acted::Invalid { errors, typed });
    }
    input.problems = deds_for_item
        .iter()
        .map(|d| tianping_domain::evaluation::problem(sheet, &d.item, d.points, &d.note))
        .collect();
    st.store
        .act_on_evaluation(&input, facts.stage, &s.user, st.now())
        .await?;
    Ok(Acted::Done)
}

/// The office assigns an evaluator (or the 复核) again, after adding experts to its pool.
pub(crate) async fn assign_submit(
    State(st): State<AppState>,
    PageUser(s): PageUser,
    Path(id): Path<String>,
    Form(f): Form<super::CsrfForm>,
) -> axum::response::Response {
    if let Some(r) = csrf_refused(&f.csrf, &s) {
        return r;
    }
    let run = async {
        let c = readable(&st, &s, &id).await?;
        if !runs_plan(&s, &c.plan_org_id) {
            return Err(ApiError::forbidden("指定评查人"));
        }
        match st
            .store
            .assign_evaluation_again(c.id, &s.user, st.now())
            .await?
        {
            Some(_) => Ok(redirect(&format!("/evaluations/cases/{}", c.id))),
            None => {
                page(
                    &st,
                    &s,
                    c,
                    vec![(
                        "assign".into(),
                        "专家库中仍没有与本案无利害关系的专家，请先在评查专家库中增加专家".into(),
                    )],
                    String::new(),
                    None,
                )
                .await
            }
        }
    };
    run.await.unwrap_or_else(api_error_page)
}

/// 待办: cases to evaluate or re-check, one's own scores to answer, and the office's cases to
/// assign or confirm.
pub(crate) async fn tasks(st: &AppState, s: &Session) -> Result<Vec<Task>, ApiError> {
    let mut out = vec![];
    let r = rules();
    let cw = st.store.clockwork();
    let cal = &cw.calendar;
    let today = today(st);
    let end_of = |d: NaiveDate| {
        Some(tianping_domain::clock::local_midnight(
            d + chrono::Duration::days(1),
        ))
    };
    for c in st.store.evaluations_of_evaluator(s.user.id).await? {
        let who = actor(s, &c);
        let due: Option<NaiveDate> = c.plan_due.parse().ok();
        if who.evaluator && c.stage() == Stage::Assigned {
            out.push(Task {
                kind: TaskKind::Evaluate,
                title: format!("{}（{}）", c.case_number, c.plan_title),
                href: format!("/evaluations/cases/{}", c.id),
                due: due.and_then(end_of),
                quick_act: None,
            });
        }
        if who.rechecker && c.stage() == Stage::Objected {
            let until = day_of(c.objected_at.as_deref())
                .map(|d| cal.add_working_days(d, r.days.score_days));
            out.push(Task {
                kind: TaskKind::RecheckEvaluation,
                title: format!("{}（{}）", c.case_number, c.plan_title),
                href: format!("/evaluations/cases/{}", c.id),
                due: until.and_then(end_of),
                quick_act: None,
            });
        }
    }
    // Court and procuratorate cases are evaluated; a police officer's 待办 skips the read.
    if s.user.role == Role::Judge
        && matches!(s.org.kind, AgencyKind::Court | AgencyKind::Procuratorate)
    {
        for c in st
            .store
            .evaluations_of_judge_at(&s.org.id, &s.user.display_name, Stage::Scored)
            .await?
        {
            let until = day_of(c.scored_at.as_deref()).map(|d| {
                tianping_domain::evaluation::review::objection_until(d, r.days.objection_days, cal)
            });
            if c.stage() == Stage::Scored && until.is_some_and(|u| today <= u) {
                out.push(Task {
                    kind: TaskKind::AnswerEvaluation,
                    title: format!(
                        "{}：{}分，{}",
                        c.case_number,
                        c.score.unwrap_or_default(),
                        c.grade.clone().unwrap_or_default()
                    ),
                    href: format!("/evaluations/cases/{}", c.id),
                    due: until.and_then(end_of),
                    quick_act: None,
                });
            }
        }
    }
    if tianping_domain::access::runs_evaluations(s.user.role, s.org.kind) {
        for c in st.store.evaluations_waiting_for_office(&s.org.id).await? {
            let until = day_of(c.scored_at.as_deref()).map(|d| {
                tianping_domain::evaluation::review::objection_until(d, r.days.objection_days, cal)
            });
            let what = match c.stage() {
                Stage::Unassigned => "待指定评查人",
                Stage::Objected => "异议待指定复核人",
                Stage::Scored if until.is_some_and(|u| today > u) => "异议期满待确认",
                _ => continue,
            };
            out.push(Task {
                kind: TaskKind::ConfirmEvaluation,
                title: format!("{}（{}）{what}", c.case_number, c.plan_title),
                href: format!("/evaluations/cases/{}", c.id),
                due: None,
                quick_act: None,
            });
        }
    }
    Ok(out)
}
