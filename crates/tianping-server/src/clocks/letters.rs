//! Reminder letters (提示函、督办函、警示函) a court's case office or president issues on a case
//! whose clock warns: the form (kept with its error next to the field when refused), and the
//! letter in 公文 form (GB/T 9704-2012) as a page to print on A4 and as a Word document.

use super::ClockView;
use super::board::may_issue_letters;
use crate::AppState;
use crate::docx::{Align, Docx, Font, Para};
use crate::error::{ApiError, Code};
use crate::http::access::readable;
use crate::http::extract::{csrf_refused, parse_id};
use crate::http::page::{Layout, error_page, render};
use crate::http::{CurrentUser, PageUser};
use askama::Template;
use axum::Form;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;
use tianping_domain::access::letter_needs_signature;
use tianping_domain::case::{Visibility, visibility};
use tianping_domain::clock::local_date as bj_date;
use tianping_domain::document::{
    MAX_REPLY_DAYS, check_addressee, check_reply_by, date_zh, default_reply_by, letter_title,
};
use tianping_domain::rules::ClockKey;
use tianping_store::case::CaseRow;
use tianping_store::clocks::{LETTER_KINDS, Letter, LetterDraft, NewLetter, signed_kind};
use tianping_store::user::Session;

#[derive(Deserialize, utoipa::ToSchema)]
pub struct LetterInput {
    pub kind: String,
    #[serde(default)]
    pub warning_id: Option<i64>,
    /// 主送机关; empty: the case's court (or 本院承办部门 when it is the issuer's own).
    #[serde(default)]
    pub addressee: String,
    /// The reply deadline, YYYY-MM-DD; empty: seven days after today.
    #[serde(default)]
    pub reply_by: String,
    #[serde(default)]
    pub body: String,
}

/// Whom a letter on this case is sent to unless the issuer says otherwise.
pub(super) fn default_addressee(s: &Session, row: &CaseRow) -> String {
    if s.org.id == row.org_id {
        match &row.judge {
            Some(j) => format!("本院承办部门（承办人：{j}）"),
            None => "本院承办部门".to_string(),
        }
    } else {
        row.org_name.clone()
    }
}

/// What a submitted letter became: issued, or a draft gone to a president for signature.
pub(super) enum Issued {
    Letter(Letter),
    Draft(LetterDraft),
}

async fn issue(
    st: &AppState,
    s: &Session,
    case_id: i64,
    input: &LetterInput,
) -> Result<Issued, ApiError> {
    if !may_issue_letters(s) {
        return Err(ApiError::forbidden("制发提示函、督办函、警示函"));
    }
    let row = readable(st, s, case_id).await?;
    if !LETTER_KINDS.iter().any(|k| k.0 == input.kind) {
        return Err(ApiError::new(
            Code::InvalidLetterKind,
            format!(
                "文书种类“{}”无效，应为 reminder、supervision 或 warning",
                input.kind
            ),
        )
        .with_details(json!({ "field": "kind" })));
    }
    if let Some(w) = input.warning_id
        && st.store.warning_case(w).await? != Some(case_id)
    {
        return Err(ApiError::new(Code::InvalidWarning, "所附预警不属于本案")
            .with_details(json!({ "field": "warning_id" })));
    }
    let body = input.body.trim();
    if body.chars().count() > 4000 {
        return Err(ApiError::new(Code::LetterTooLong, "正文不能超过 4000 字")
            .with_details(json!({ "field": "body" })));
    }
    let today = bj_date(st.now());
    let reply_by = check_reply_by(&input.reply_by, today)
        .map_err(|e| ApiError::invalid_field(Code::InvalidReplyBy, e.field(), e.to_string()))?;
    let addressee = check_addressee(&input.addressee, &default_addressee(s, &row))
        .map_err(|e| ApiError::invalid_field(Code::InvalidAddressee, e.field(), e.to_string()))?;
    let code = org_code(s);
    let letter = |body| NewLetter {
        kind: &input.kind,
        case_id: row.id,
        warning_id: input.warning_id,
        org_id: &s.org.id,
        org_code: &code,
        issued_by: s.user.id,
        addressee: &addressee,
        reply_by,
        body,
    };
    if letter_needs_signature(s.user.role, s.org.kind, signed_kind(&input.kind)) {
        // The words as typed go to the president; the clocks are written in at signing.
        let d = st.store.draft_letter(&letter(body), st.now()).await?;
        return Ok(Issued::Draft(d));
    }
    let text = letter_text(st, case_id, body).await?;
    Ok(Issued::Letter(
        st.store.issue_letter(&letter(&text), st.now()).await?,
    ))
}

/// The issuing unit's code in a document number (机关代字).
pub(super) fn org_code(s: &Session) -> String {
    s.org
        .court_code
        .clone()
        .unwrap_or_else(|| s.org.name.clone())
}

/// A letter's text: the issuer's words, then each open clock of the case with its due date, how
/// much is left, and its law — as they stand now.
pub(super) async fn letter_text(
    st: &AppState,
    case_id: i64,
    typed: &str,
) -> Result<String, ApiError> {
    let today = bj_date(st.now());
    let clocks = st.store.clocks_of_case(case_id, st.now()).await?;
    let mut text = String::new();
    if !typed.is_empty() {
        text.push_str(typed);
        text.push_str("\n\n");
    }
    let cw = st.store.clockwork();
    for c in clocks
        .iter()
        .filter(|c| c.status.is_open() && c.key != ClockKey::LongPending)
    {
        let v = ClockView::new(c, today);
        let citation = c
            .rule
            .as_deref()
            .and_then(|t| cw.rules.rule(t))
            .map_or("", |r| r.citation_zh.as_str());
        let due = chrono::NaiveDate::parse_from_str(&v.due, "%Y-%m-%d")
            .map_or_else(|_| v.due.clone(), date_zh);
        text.push_str(&format!(
            "{}：届满日 {}（{}）；依据：{}\n",
            v.name, due, v.left_zh, citation
        ));
    }
    Ok(text.trim_end().to_string())
}

pub async fn api_issue_letter(
    State(st): State<AppState>,
    headers: HeaderMap,
    CurrentUser(s): CurrentUser,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Result<Response, ApiError> {
    crate::http::extract::check_csrf(&headers, &s)?;
    let id = parse_id(&id, "案件")?;
    let input: LetterInput = serde_json::from_slice(&body)
        .map_err(|e| ApiError::new(Code::LetterMalformed, format!("JSON 无效：{e}")))?;
    Ok(match issue(&st, &s, id, &input).await? {
        Issued::Letter(l) => (StatusCode::CREATED, Json(l)).into_response(),
        Issued::Draft(d) => (StatusCode::CREATED, Json(d)).into_response(),
    })
}

/// The letter form as typed (kept as typed when the letter is refused).
#[derive(Deserialize, Default)]
pub struct LetterForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    warning_id: String,
    #[serde(default)]
    addressee: String,
    #[serde(default)]
    reply_by: String,
    #[serde(default)]
    body: String,
}

#[derive(Template)]
#[template(path = "letter_form.html")]
struct LetterFormPage {
    layout: Layout,
    case_id: i64,
    case_number: String,
    form: LetterForm,
    kinds: Vec<(&'static str, &'static str)>,
    /// The latest reply deadline the form accepts, for the date picker.
    reply_max: String,
    reply_min: String,
    max_days: u64,
    /// Whether the person signs letters themselves (a president).
    signs: bool,
    error: Option<(String, String)>,
}

impl LetterFormPage {
    fn field_error(&self, field: &str) -> String {
        crate::http::page::error_at(&self.error, field)
    }
}

async fn form_page(
    st: &AppState,
    s: &Session,
    case_id: i64,
    mut form: LetterForm,
    error: Option<ApiError>,
) -> Response {
    if !may_issue_letters(s) {
        let e = ApiError::forbidden("制发提示函、督办函、警示函");
        return error_page(e.status, &e.message);
    }
    let row = match readable(st, s, case_id).await {
        Ok(r) => r,
        Err(e) => return error_page(e.status, &e.message),
    };
    let today = bj_date(st.now());
    if error.is_none() {
        // A new form: the defaults a case office would type.
        if form.addressee.trim().is_empty() {
            form.addressee = default_addressee(s, &row);
        }
        if form.reply_by.trim().is_empty() {
            form.reply_by = default_reply_by(today).format("%Y-%m-%d").to_string();
        }
        if form.kind.is_empty() {
            form.kind = "reminder".into();
        }
    }
    let status = match &error {
        Some(_) => StatusCode::UNPROCESSABLE_ENTITY,
        None => StatusCode::OK,
    };
    let page = LetterFormPage {
        layout: Layout::new(s, "/warnings"),
        case_id: row.id,
        case_number: row.case_number.clone(),
        form,
        kinds: LETTER_KINDS.iter().map(|k| (k.0, k.1)).collect(),
        reply_min: today
            .succ_opt()
            .unwrap_or(today)
            .format("%Y-%m-%d")
            .to_string(),
        reply_max: today
            .checked_add_days(chrono::Days::new(MAX_REPLY_DAYS))
            .unwrap_or(today)
            .format("%Y-%m-%d")
            .to_string(),
        max_days: MAX_REPLY_DAYS,
        signs: tianping_domain::access::may_sign_letters(s.user.role, s.org.kind),
        error: error.map(|e| {
            let f = match e.field() {
                "" => "form".to_string(),
                f => f.to_string(),
            };
            (f, e.message)
        }),
    };
    let mut r = render(&page);
    *r.status_mut() = status;
    r
}

#[derive(Deserialize)]
pub struct NewLetterQuery {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    warning_id: String,
    /// A returned draft of the person's to start from.
    #[serde(default)]
    from_draft: String,
}

/// The form for a new letter on a case (from the case page, or from a warning on the board, or
/// from a returned draft to draft again).
pub async fn letter_new(
    State(st): State<AppState>,
    PageUser(s): PageUser,
    Path(id): Path<String>,
    Query(q): Query<NewLetterQuery>,
) -> Response {
    let Ok(id) = id.parse::<i64>() else {
        return error_page(StatusCode::NOT_FOUND, "案件不存在");
    };
    let form = LetterForm {
        kind: if LETTER_KINDS.iter().any(|k| k.0 == q.kind) {
            q.kind
        } else {
            String::new()
        },
        warning_id: q
            .warning_id
            .trim()
            .parse::<i64>()
            .map_or(String::new(), |w| w.to_string()),
        ..LetterForm::default()
    };
    let form = match super::drafts::returned_draft(&st, &s, id, &q.from_draft).await {
        Some(d) => {
            let today = bj_date(st.now());
            let reply_by = chrono::NaiveDate::parse_from_str(&d.reply_by, "%Y-%m-%d")
                .ok()
                .filter(|r| *r > today)
                .map_or(String::new(), |_| d.reply_by.clone());
            LetterForm {
                kind: d.kind,
                warning_id: d.warning_id.map_or(String::new(), |w| w.to_string()),
                addressee: d.addressee,
                reply_by,
                body: d.body,
                ..LetterForm::default()
            }
        }
        None => form,
    };
    form_page(&st, &s, id, form, None).await
}

pub async fn letter_submit(
    State(st): State<AppState>,
    PageUser(s): PageUser,
    Path(id): Path<String>,
    Form(f): Form<LetterForm>,
) -> Response {
    if let Some(refused) = csrf_refused(&f.csrf, &s) {
        return refused;
    }
    let Ok(id) = id.parse::<i64>() else {
        return error_page(StatusCode::NOT_FOUND, "案件不存在");
    };
    let input = LetterInput {
        kind: f.kind.clone(),
        warning_id: f.warning_id.trim().parse().ok(),
        addressee: f.addressee.clone(),
        reply_by: f.reply_by.clone(),
        body: f.body.clone(),
    };
    match issue(&st, &s, id, &input).await {
        Ok(Issued::Letter(l)) => crate::http::page::redirect(&format!("/letters/{}", l.id)),
        Ok(Issued::Draft(d)) => crate::http::page::redirect(&format!("/letters/drafts/{}", d.id)),
        Err(e) if matches!(e.status, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND) => {
            error_page(e.status, &e.message)
        }
        // Refused for what was typed: the form again, everything kept, the error at its field.
        Err(e) if e.status.is_client_error() => form_page(&st, &s, id, f, Some(e)).await,
        Err(e) => error_page(e.status, &e.message),
    }
}

/// A letter as its reader sees it, the same on the page and in the Word document.
struct LetterDoc {
    l: Letter,
    kind_zh: &'static str,
    title: String,
    issuer_org: String,
    addressee: String,
    paragraphs: Vec<String>,
    reply_line: String,
    issued_zh: String,
    /// `（拟稿人：…；签发人：…；本函已记入案件记录）`.
    meta: String,
}

async fn letter_doc(st: &AppState, s: &Session, id: i64) -> Result<LetterDoc, Response> {
    let hidden = || error_page(StatusCode::NOT_FOUND, "文书不存在或不在您的权限范围内");
    let l = match st.store.letter(id).await {
        Ok(Some(l)) => l,
        Ok(None) => return Err(hidden()),
        Err(e) => {
            return Err(error_page(
                StatusCode::INTERNAL_SERVER_ERROR,
                &ApiError::from(e).message,
            ));
        }
    };
    let Ok(row) = readable(st, s, l.case_id).await else {
        return Err(hidden());
    };
    // The issuer's own words may name a party: a reader without the case's clearance sees the
    // clock lines the system wrote, not those words.
    let full = visibility(
        row.confidentiality,
        &crate::view::clearance_for_row(s, &row),
    ) == Visibility::Full;
    let issuer_org = st
        .store
        .org_directory()
        .await
        .ok()
        .and_then(|d| d.get(&l.org_id).map(|o| o.name.clone()))
        .unwrap_or_else(|| l.org_id.clone());
    let kind_zh = LETTER_KINDS
        .iter()
        .find(|k| k.0 == l.kind)
        .map_or("函", |k| k.1);
    let paragraphs = visible_paragraphs(&l.body, full, row.confidentiality.zh());
    let reply = l
        .reply_by
        .as_deref()
        .and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok());
    let reply_line = reply_line(reply, &issuer_org);
    let meta = match st.store.draft_of_letter(l.id).await {
        Ok(Some(d)) => format!(
            "（拟稿人：{}；签发人：{}；本函已记入案件记录）",
            d.drafted_by, l.issued_by
        ),
        _ => format!("（签发人：{}；本函已记入案件记录）", l.issued_by),
    };
    let issued_zh = tianping_store::parse_ts(&l.issued_at)
        .map(|t| date_zh(bj_date(t)))
        .unwrap_or_else(|_| l.issued_at.chars().take(10).collect());
    Ok(LetterDoc {
        title: letter_title(&l.case_number, kind_zh),
        addressee: l
            .addressee
            .clone()
            .unwrap_or_else(|| default_addressee(s, &row)),
        kind_zh,
        issuer_org,
        paragraphs,
        reply_line,
        issued_zh,
        meta,
        l,
    })
}

/// A letter's paragraphs as a reader sees them: the issuer's own words may name a party, so a
/// reader without the case's clearance (`full` false) sees the clock lines the system wrote and a
/// note in place of those words.
pub(super) fn visible_paragraphs(body: &str, full: bool, confidentiality_zh: &str) -> Vec<String> {
    let mut paragraphs = vec![];
    let mut withheld = false;
    for x in body.lines().filter(|x| !x.trim().is_empty()) {
        if full || x.contains("：届满日 ") {
            paragraphs.push(x.trim().to_string());
        } else if !withheld {
            withheld = true;
            paragraphs.push(format!(
                "（本案为“{confidentiality_zh}”案件，函件中的说明文字仅对有相应权限的人员显示。）"
            ));
        }
    }
    paragraphs
}

/// The sentence asking for an answer by `reply` to the issuing court's 审判管理办公室.
pub(super) fn reply_line(reply: Option<chrono::NaiveDate>, issuer_org: &str) -> String {
    match reply {
        Some(d) => format!(
            "请承办部门依法在期限内办结，需要延长或扣除期限的，按规定履行审批手续，并于{}前将办理情况书面反馈{}审判管理办公室。",
            date_zh(d),
            issuer_org
        ),
        None => "请承办部门依法在期限内办结，需要延长或扣除期限的，按规定履行审批手续，并将办理情况反馈审判管理办公室。".to_string(),
    }
}

#[derive(Template)]
#[template(path = "letter.html")]
struct LetterPage {
    d: LetterDoc,
}

/// `GET /letters/{id}`: the letter to read and print; `GET /letters/{id}.docx`: as Word.
pub async fn letter_page(
    State(st): State<AppState>,
    PageUser(s): PageUser,
    Path(id): Path<String>,
) -> Response {
    let (id, docx) = match id.strip_suffix(".docx") {
        Some(x) => (x, true),
        None => (id.as_str(), false),
    };
    let Ok(id) = id.parse::<i64>() else {
        return error_page(StatusCode::NOT_FOUND, "文书不存在");
    };
    let d = match letter_doc(&st, &s, id).await {
        Ok(d) => d,
        Err(r) => return r,
    };
    if !docx {
        return render(&LetterPage { d });
    }
    let name = format!("{}.docx", d.l.number);
    crate::export::docx_download(letter_docx(&d), &format!("letter-{id}.docx"), &name)
}

const RED: &str = "C00000";

/// The letter as a 公文 in 信函格式: the issuing authority's mark in red over a red rule, the
/// number at the right, the title, 主送机关, 正文, the reply deadline, the authority and date.
fn letter_docx(d: &LetterDoc) -> Docx {
    let mut doc = Docx::new(format!("{} {}", d.l.number, d.title));
    doc.push(
        Para::body(d.issuer_org.clone())
            .font(Font::XiaoBiaoSong, 26)
            .color(RED)
            .align(Align::Center)
            .rule_below(RED)
            .space_after(6),
    );
    doc.push(Para::body(d.l.number.clone()).align(Align::Right));
    doc.blank();
    doc.push(
        Para::body(d.title.clone())
            .font(Font::XiaoBiaoSong, 22)
            .align(Align::Center),
    );
    doc.blank();
    doc.push(Para::body(format!("{}：", d.addressee)).align(Align::Left));
    for p in &d.paragraphs {
        doc.push(Para::body(p.clone()));
    }
    doc.push(Para::body(d.reply_line.clone()));
    doc.blank();
    doc.blank();
    doc.push(Para::body(d.issuer_org.clone()).align(Align::Right));
    doc.push(Para::body(d.issued_zh.clone()).align(Align::Right));
    doc.blank();
    doc.push(Para::body(d.meta.clone()).align(Align::Left));
    doc
}

/// At most this many letters at once (one per case of the warnings chosen on the board).
const BULK_LETTERS_MAX: usize = 50;

/// A letter issued from the board's selection.
struct IssuedLine {
    /// The letter's page, or the draft's.
    href: String,
    number: String,
    case_number: String,
    addressee: String,
    /// Gone to a president for signature, not yet a letter.
    draft: bool,
}

#[derive(Template)]
#[template(path = "letters_issued.html")]
struct IssuedPage {
    layout: Layout,
    kind_zh: &'static str,
    issued: Vec<IssuedLine>,
    /// How many of them went to a president for signature.
    drafts: usize,
    /// What was not issued, and why (in Chinese).
    refused: Vec<(String, String)>,
    back: String,
}

/// 批量发函 from the warnings board: one letter of the chosen kind for each case of the chosen
/// warnings, with the defaults a case office would type (主送机关, a reply in seven days, the
/// clocks' due dates and their law), each acknowledging its warning. The page lists what was
/// issued, to print or download, and names anything refused.
pub async fn bulk_letters_submit(
    State(st): State<AppState>,
    PageUser(s): PageUser,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    let field = |k: &str| {
        form.iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    if let Some(refused) = csrf_refused(&field("csrf"), &s) {
        return refused;
    }
    if !may_issue_letters(&s) {
        let e = ApiError::forbidden("制发提示函、督办函、警示函");
        return error_page(e.status, &e.message);
    }
    let kind = field("kind");
    let Some((_, kind_zh, _)) = LETTER_KINDS.iter().find(|k| k.0 == kind) else {
        return error_page(StatusCode::UNPROCESSABLE_ENTITY, "请选择要制发的文书种类");
    };
    let ids: Vec<i64> = form
        .iter()
        .filter(|(n, _)| n == "ids")
        .filter_map(|(_, v)| v.parse().ok())
        .collect();
    if ids.is_empty() {
        return error_page(
            StatusCode::UNPROCESSABLE_ENTITY,
            "请先在看板“操作”栏勾选要发函的预警",
        );
    }
    if ids.len() > BULK_LETTERS_MAX {
        return error_page(
            StatusCode::UNPROCESSABLE_ENTITY,
            &format!(
                "一次最多为 {BULK_LETTERS_MAX} 项预警发函，本次勾选了 {} 项",
                ids.len()
            ),
        );
    }
    let mut issued = vec![];
    let mut refused = vec![];
    let mut cases = std::collections::HashSet::new();
    for w in ids {
        let case_id = match st.store.warning_case(w).await {
            Ok(Some(c)) => c,
            Ok(None) => {
                refused.push(("所选预警之一".to_string(), "该预警不存在".to_string()));
                continue;
            }
            Err(e) => {
                return error_page(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    &ApiError::from(e).message,
                );
            }
        };
        // One letter per case, however many of its clocks were chosen.
        if !cases.insert(case_id) {
            continue;
        }
        let input = LetterInput {
            kind: kind.clone(),
            warning_id: Some(w),
            addressee: String::new(),
            reply_by: String::new(),
            body: String::new(),
        };
        match issue(&st, &s, case_id, &input).await {
            Ok(Issued::Letter(l)) => issued.push(IssuedLine {
                href: format!("/letters/{}", l.id),
                number: l.number,
                case_number: l.case_number,
                addressee: l.addressee.unwrap_or_default(),
                draft: false,
            }),
            Ok(Issued::Draft(d)) => issued.push(IssuedLine {
                href: format!("/letters/drafts/{}", d.id),
                number: "送签稿（签发时编号）".into(),
                case_number: d.case_number,
                addressee: d.addressee,
                draft: true,
            }),
            Err(e) if e.status.is_server_error() => return error_page(e.status, &e.message),
            Err(e) => {
                let what = match readable(&st, &s, case_id).await {
                    Ok(row) => row.case_number,
                    Err(_) => "无权查看的案件".to_string(),
                };
                refused.push((what, e.message));
            }
        }
    }
    tracing::info!(by = %s.user.username, kind = %kind, issued = issued.len(), refused = refused.len(), "letters issued from the board");
    let status = if issued.is_empty() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let drafts = issued.iter().filter(|l| l.draft).count();
    let mut r = render(&IssuedPage {
        layout: Layout::new(&s, "/warnings"),
        kind_zh,
        drafts,
        issued,
        refused,
        back: tianping_domain::access::safe_back(&field("back"), "/warnings").to_string(),
    });
    *r.status_mut() = status;
    r
}
