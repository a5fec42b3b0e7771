//! Letters that wait for a president's signature (签发): a 督办函 or 警示函 the case office drafts
//! speaks for the court, so it goes as a 送签稿 to the court's presidents (their 待办). The draft
//! page shows the letter as it would be issued today; a president signs it — numbered and issued
//! then, with the clocks as they stand at signing — or returns it with a note; the drafter may
//! withdraw a pending draft, or draft a returned one again (the letter form, filled in from it).
//! Drafts are the court's internal papers: only people of the drafting court see them.

use super::letters::{letter_text, org_code, reply_line, visible_paragraphs};
use crate::AppState;
use crate::error::ApiError;
use crate::http::PageUser;
use crate::http::access::readable;
use crate::http::extract::csrf_refused;
use crate::http::page::{Layout, error_at, error_page, redirect, render};
use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use tianping_domain::access::may_sign_letters;
use tianping_domain::case::{Visibility, visibility};
use tianping_domain::clock::local_date as bj_date;
use tianping_domain::document::{letter_title, reply_by_at_signing};
use tianping_store::clocks::{LETTER_KINDS, LetterDraft, NewLetter};
use tianping_store::user::Session;

/// The longest note a president may return a draft with, in characters.
const MAX_NOTE_CHARS: usize = 500;

#[derive(Template)]
#[template(path = "letter_draft.html")]
struct DraftPage {
    layout: Layout,
    d: LetterDraft,
    kind_zh: &'static str,
    title: String,
    issuer_org: String,
    drafted_at: String,
    decided_at: String,
    /// The letter as it would be issued today.
    paragraphs: Vec<String>,
    reply_line: String,
    /// What this reader may do.
    can_sign: bool,
    can_withdraw: bool,
    can_redraft: bool,
    /// The return note as typed (kept when refused).
    note: String,
    error: Option<(String, String)>,
}

impl DraftPage {
    fn field_error(&self, field: &str) -> String {
        error_at(&self.error, field)
    }
}

/// The draft if this person may see it: of a case they read, drafted in their own court.
async fn visible_draft(st: &AppState, s: &Session, id: &str) -> Result<LetterDraft, Response> {
    let hidden = || error_page(StatusCode::NOT_FOUND, "送签稿不存在或不在您的权限范围内");
    let Ok(id) = id.parse::<i64>() else {
        return Err(hidden());
    };
    let d = match st.store.letter_draft(id).await {
        Ok(Some(d)) => d,
        Ok(None) => return Err(hidden()),
        Err(e) => {
            return Err(error_page(
                StatusCode::INTERNAL_SERVER_ERROR,
                &ApiError::from(e).message,
            ));
        }
    };
    if d.org_id != s.org.id || readable(st, s, d.case_id).await.is_err() {
        return Err(hidden());
    }
    Ok(d)
}

async fn draft_page(
    st: &AppState,
    s: &Session,
    d: LetterDraft,
    note: String,
    error: Option<(String, String)>,
) -> Response {
    let row = match readable(st, s, d.case_id).await {
        Ok(r) => r,
        Err(e) => return error_page(e.status, &e.message),
    };
    let full = visibility(
        row.confidentiality,
        &crate::view::clearance_for_row(s, &row),
    ) == Visibility::Full;
    let text = match letter_text(st, d.case_id, d.body.trim()).await {
        Ok(t) => t,
        Err(e) => return error_page(e.status, &e.message),
    };
    let today = bj_date(st.now());
    let reply = chrono::NaiveDate::parse_from_str(&d.reply_by, "%Y-%m-%d")
        .ok()
        .map(|r| reply_by_at_signing(r, today));
    let kind_zh = LETTER_KINDS
        .iter()
        .find(|k| k.0 == d.kind)
        .map_or("函", |k| k.1);
    let pending = d.state == "pending";
    let mine = d.drafted_by_id == s.user.id;
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let mut r = render(&DraftPage {
        layout: Layout::new(s, "/todo"),
        kind_zh,
        title: letter_title(&d.case_number, kind_zh),
        issuer_org: s.org.name.clone(),
        drafted_at: crate::view::local(&d.drafted_at),
        decided_at: d
            .decided_at
            .as_deref()
            .map(crate::view::local)
            .unwrap_or_default(),
        paragraphs: visible_paragraphs(&text, full, row.confidentiality.zh()),
        reply_line: reply_line(reply, &s.org.name),
        can_sign: pending && may_sign_letters(s.user.role, s.org.kind),
        can_withdraw: pending && mine,
        can_redraft: d.state == "returned" && mine,
        note,
        error,
        d,
    });
    *r.status_mut() = status;
    r
}

/// `GET /letters/drafts/{id}`.
pub async fn draft_view(
    State(st): State<AppState>,
    PageUser(s): PageUser,
    Path(id): Path<String>,
) -> Response {
    match visible_draft(&st, &s, &id).await {
        Ok(d) => draft_page(&st, &s, d, String::new(), None).await,
        Err(r) => r,
    }
}

#[derive(Deserialize, Default)]
pub struct DraftForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    note: String,
}

/// What was asked of a draft no longer pending.
fn not_pending(d: &LetterDraft) -> Response {
    error_page(
        StatusCode::CONFLICT,
        &format!("该送签稿{}，不能再办理", d.state_zh()),
    )
}

/// `POST /letters/drafts/{id}/sign`: a president of the court signs; the letter is numbered and
/// issued now, with the clocks as they stand and a reply deadline still ahead.
pub async fn draft_sign(
    State(st): State<AppState>,
    PageUser(s): PageUser,
    Path(id): Path<String>,
    Form(f): Form<DraftForm>,
) -> Response {
    if let Some(refused) = csrf_refused(&f.csrf, &s) {
        return refused;
    }
    let d = match visible_draft(&st, &s, &id).await {
        Ok(d) => d,
        Err(r) => return r,
    };
    if !may_sign_letters(s.user.role, s.org.kind) {
        let e = ApiError::forbidden("签发函件（院领导签发）");
        return error_page(e.status, &e.message);
    }
    if d.state != "pending" {
        return not_pending(&d);
    }
    let text = match letter_text(&st, d.case_id, d.body.trim()).await {
        Ok(t) => t,
        Err(e) => return error_page(e.status, &e.message),
    };
    let today = bj_date(st.now());
    let reply_by = chrono::NaiveDate::parse_from_str(&d.reply_by, "%Y-%m-%d").map_or_else(
        |_| tianping_domain::document::default_reply_by(today),
        |r| reply_by_at_signing(r, today),
    );
    let code = org_code(&s);
    let letter = NewLetter {
        kind: &d.kind,
        case_id: d.case_id,
        warning_id: d.warning_id,
        org_id: &d.org_id,
        org_code: &code,
        issued_by: s.user.id,
        addressee: &d.addressee,
        reply_by,
        body: &text,
    };
    match st.store.sign_letter_draft(d.id, &letter, st.now()).await {
        Ok(Some(l)) => {
            tracing::info!(by = %s.user.username, draft = d.id, letter = l.id, "letter signed");
            redirect(&format!("/letters/{}", l.id))
        }
        Ok(None) => not_pending(&d),
        Err(e) => error_page(
            StatusCode::INTERNAL_SERVER_ERROR,
            &ApiError::from(e).message,
        ),
    }
}

/// `POST /letters/drafts/{id}/return`: a president returns the draft with a note (required).
pub async fn draft_return(
    State(st): State<AppState>,
    PageUser(s): PageUser,
    Path(id): Path<String>,
    Form(f): Form<DraftForm>,
) -> Response {
    if let Some(refused) = csrf_refused(&f.csrf, &s) {
        return refused;
    }
    let d = match visible_draft(&st, &s, &id).await {
        Ok(d) => d,
        Err(r) => return r,
    };
    if !may_sign_letters(s.user.role, s.org.kind) {
        let e = ApiError::forbidden("退回送签稿（院领导签发）");
        return error_page(e.status, &e.message);
    }
    if d.state != "pending" {
        return not_pending(&d);
    }
    let note = f.note.trim();
    let refuse = |why: &str| (String::from("note"), why.to_string());
    if note.is_empty() {
        let e = refuse("请写明退回意见，拟稿人据此修改");
        return draft_page(&st, &s, d, f.note.clone(), Some(e)).await;
    }
    if note.chars().count() > MAX_NOTE_CHARS {
        let e = refuse(&format!(
            "退回意见不能超过 {MAX_NOTE_CHARS} 字（现为 {} 字）",
            note.chars().count()
        ));
        return draft_page(&st, &s, d, f.note.clone(), Some(e)).await;
    }
    close(
        &st,
        &s,
        &d,
        Some(note),
        &format!("/letters/drafts/{}", d.id),
    )
    .await
}

/// `POST /letters/drafts/{id}/withdraw`: the drafter takes back a pending draft.
pub async fn draft_withdraw(
    State(st): State<AppState>,
    PageUser(s): PageUser,
    Path(id): Path<String>,
    Form(f): Form<DraftForm>,
) -> Response {
    if let Some(refused) = csrf_refused(&f.csrf, &s) {
        return refused;
    }
    let d = match visible_draft(&st, &s, &id).await {
        Ok(d) => d,
        Err(r) => return r,
    };
    if d.drafted_by_id != s.user.id {
        let e = ApiError::forbidden("撤回他人拟制的送签稿");
        return error_page(e.status, &e.message);
    }
    if d.state != "pending" {
        return not_pending(&d);
    }
    close(&st, &s, &d, None, &format!("/cases/{}#letters", d.case_id)).await
}

/// Returns (with a note) or withdraws (without) a pending draft, then goes to `then`.
async fn close(
    st: &AppState,
    s: &Session,
    d: &LetterDraft,
    note: Option<&str>,
    then: &str,
) -> Response {
    match st
        .store
        .close_letter_draft(d.id, s.user.id, note, st.now())
        .await
    {
        Ok(true) => redirect(then),
        Ok(false) => not_pending(d),
        Err(e) => error_page(
            StatusCode::INTERNAL_SERVER_ERROR,
            &ApiError::from(e).message,
        ),
    }
}

/// The returned draft a new letter form starts from (`from_draft`), if it is the person's own,
/// of this case.
pub(super) async fn returned_draft(
    st: &AppState,
    s: &Session,
    case_id: i64,
    id: &str,
) -> Option<LetterDraft> {
    let id = id.trim().parse::<i64>().ok()?;
    let d = st.store.letter_draft(id).await.ok()??;
    (d.case_id == case_id && d.drafted_by_id == s.user.id && d.state == "returned").then_some(d)
}
