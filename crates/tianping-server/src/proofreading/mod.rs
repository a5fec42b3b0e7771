//! 文书校对: a judge uploads a draft judgment (DOCX or text) on the case page; the proofreader
//! (`tianping_domain::proofread`) marks each finding where it is, with its reason in Chinese and a
//! one-click fix where one exists; the judge marks each finding fixed or not applicable with a
//! reason. Unresolved findings block nothing; the court's case office, president and division
//! chiefs read them counted by judge and court. The page and the API read the same rows; the
//! domain decides who acts and what is valid.

use crate::AppState;
use crate::error::{ApiError, Code};
use crate::http::PageUser;
use crate::http::extract::UploadForm;
use crate::http::extract::{csrf_refused, parse_id};
use crate::http::page::{Layout, api_error_page, error_page, redirect, render};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;
use tianping_domain::Confidentiality;
use tianping_domain::access::{proofreads_drafts, reads_proofreading};
use tianping_domain::proofread::review::{self, Act, Segment, Status};
use tianping_domain::proofread::{Kind, Record, proofread_case};
use tianping_store::case::CaseRow;
use tianping_store::proofreading::{DraftRow, FindingRow, NewDraft, Resolution};
use tianping_store::user::Session;

mod api;
pub use api::{ActBody, DraftBody};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/proofreading", get(overview))
        .route("/cases/{id}/proofreading", get(case_page).post(upload))
        .route("/proofreading/{draft}/findings/{seq}", post(act))
        .route("/proofreading/{draft}/text", get(download))
}

pub fn api_router() -> Router<AppState> {
    Router::new()
        .route("/proofreading", get(api::counts))
        .route(
            "/cases/{id}/proofreading",
            get(api::drafts).post(api::upload),
        )
        .route("/proofreading/{draft}", get(api::draft))
        .route("/proofreading/{draft}/findings/{seq}", post(api::act))
}

/// The most characters a draft may hold (a long judgment runs to some 60,000).
pub const MAX_CHARS: usize = 300_000;

fn kind_zh(kind: &str) -> &'static str {
    Kind::ALL
        .into_iter()
        .find(|k| k.as_str() == kind)
        .map_or("其他", Kind::zh)
}

fn advisory(kind: &str) -> bool {
    Kind::ALL
        .into_iter()
        .find(|k| k.as_str() == kind)
        .is_some_and(Kind::advisory)
}

/// A draft's file name as the reader sees it: withheld on a confidential case they may not read
/// whole (the uploader may have named it after a party).
fn shown_name(d: &DraftRow, words: bool) -> String {
    if words {
        d.file_name.clone()
    } else {
        "文稿（本案不公开，名称不予显示）".into()
    }
}

/// Whether the reader may see the words of a case of this confidentiality.
fn words_for(s: &Session, row: &CaseRow) -> bool {
    row.confidentiality == Confidentiality::Public
        || crate::view::clearance_for_row(s, row).allows(row.confidentiality)
}

/// A case the session may read, with whether they may upload drafts to it: their own court's
/// case, a role that writes judgments, and the clearance to read its words.
async fn case_for(st: &AppState, s: &Session, id: i64) -> Result<(CaseRow, bool), ApiError> {
    let row = crate::http::access::readable(st, s, id).await?;
    let uploads = proofreads_drafts(s.user.role, s.org.kind)
        && row.org_id == s.org.id
        && row.agency_kind == tianping_domain::AgencyKind::Court.as_str()
        && words_for(s, &row);
    Ok((row, uploads))
}

/// A case the session may upload a draft to (see [`case_for`]); refused otherwise.
async fn case_to_upload(st: &AppState, s: &Session, id: i64) -> Result<CaseRow, ApiError> {
    match case_for(st, s, id).await? {
        (row, true) => Ok(row),
        (_, false) => Err(ApiError::new(
            Code::ActForbidden,
            "只有本院承办本案的审判人员可以上传文稿校对",
        )
        .with_status(StatusCode::FORBIDDEN)),
    }
}

/// A draft the session may read: its uploader, or a reader of the case who may upload drafts to
/// it or reads the court's proofreading; 404 otherwise.
async fn draft_for(
    st: &AppState,
    s: &Session,
    id: i64,
) -> Result<(DraftRow, Vec<FindingRow>, CaseRow), ApiError> {
    let (draft, findings) = st
        .store
        .proofread_draft(id)
        .await?
        .ok_or_else(|| ApiError::not_found("文稿"))?;
    let (row, uploads) = case_for(st, s, draft.case_id)
        .await
        .map_err(|_| ApiError::not_found("文稿"))?;
    let may = draft.uploaded_by == s.user.id
        || uploads
        || (reads_proofreading(s.user.role, s.org.kind)
            && row.region_path.starts_with(&s.org.region_path));
    if !may {
        return Err(ApiError::not_found("文稿"));
    }
    Ok((draft, findings, row))
}

/// The case page's line: `None` when the reader neither uploads drafts of the case nor reads any.
pub(crate) async fn case_summary(
    st: &AppState,
    s: &Session,
    row: &CaseRow,
) -> Result<Option<String>, ApiError> {
    if row.agency_kind != tianping_domain::AgencyKind::Court.as_str() {
        return Ok(None);
    }
    let uploads =
        proofreads_drafts(s.user.role, s.org.kind) && row.org_id == s.org.id && words_for(s, row);
    let reads = reads_proofreading(s.user.role, s.org.kind)
        && row.region_path.starts_with(&s.org.region_path);
    let drafts: Vec<DraftRow> = st
        .store
        .proofread_drafts_of_case(row.id)
        .await?
        .into_iter()
        .filter(|d| d.uploaded_by == s.user.id || uploads || reads)
        .collect();
    Ok(match drafts.first() {
        Some(d) => Some(format!(
            "已上传文稿 {} 份；最近一份“{}”（{} 于 {} 上传）发现问题 {} 处，待处理 {} 处。",
            drafts.len(),
            shown_name(d, words_for(s, row)),
            d.uploaded_by_name,
            crate::view::local(&d.uploaded_at),
            d.findings,
            d.open
        )),
        None if uploads => {
            Some("尚未上传文稿。裁判文书签发前可上传文稿，核对案号、引用法条、刑期计算等。".into())
        }
        None => None,
    })
}

/// 待办: the user's drafts with findings still open (no due date: they block nothing).
pub(crate) async fn tasks(
    st: &AppState,
    s: &Session,
) -> Result<Vec<tianping_domain::todo::Task>, ApiError> {
    if !proofreads_drafts(s.user.role, s.org.kind) {
        return Ok(vec![]);
    }
    Ok(st
        .store
        .proofread_drafts_by(s.user.id, 200)
        .await?
        .into_iter()
        .filter(|d| d.open > 0)
        .map(|d| tianping_domain::todo::Task {
            kind: tianping_domain::todo::TaskKind::ResolveProofreading,
            title: format!("{}：{}（{} 条待处理）", d.case_number, d.file_name, d.open),
            href: format!("/cases/{}/proofreading?draft={}", d.case_id, d.id),
            due: None,
            quick_act: None,
        })
        .collect())
}

/// A finding as the page shows it.
struct FindingView {
    seq: i64,
    kind_zh: &'static str,
    advisory: bool,
    text: String,
    message: String,
    suggestion: String,
    status: Status,
    applied: bool,
    reason: String,
    resolved: String,
}

fn finding_view(f: &FindingRow) -> FindingView {
    FindingView {
        seq: f.seq,
        kind_zh: kind_zh(&f.kind),
        advisory: advisory(&f.kind),
        text: f.text.clone(),
        message: f.message.clone(),
        suggestion: f.suggestion.clone().unwrap_or_default(),
        status: f.status,
        applied: f.applied,
        reason: f.reason.clone(),
        resolved: match (&f.resolved_by, &f.resolved_at) {
            (Some(by), Some(at)) => format!("{by} {}", crate::view::local(at)),
            _ => String::new(),
        },
    }
}

/// A piece of the draft for the page: plain text, or a mark (its finding's number and status).
struct Piece {
    text: String,
    seq: i64,
    class: &'static str,
}

fn pieces(draft: &DraftRow, findings: &[FindingRow]) -> Vec<Piece> {
    let marks: Vec<review::Mark> = findings.iter().map(FindingRow::mark).collect();
    review::segments(&draft.body, &marks)
        .into_iter()
        .map(|s| match s {
            Segment::Plain(text) => Piece {
                text,
                seq: 0,
                class: "",
            },
            Segment::Marked { seq, text, applied } => {
                let status = findings
                    .iter()
                    .find(|f| f.seq == seq)
                    .map_or(Status::Open, |f| f.status);
                Piece {
                    text,
                    seq,
                    class: match (applied, status) {
                        (true, _) => "applied",
                        (false, Status::Open) => "open",
                        (false, Status::Fixed) => "fixed",
                        (false, Status::NotApplicable) => "set-aside",
                    },
                }
            }
        })
        .collect()
}

#[derive(Template)]
#[template(path = "proofreading_case.html")]
struct CasePage {
    layout: Layout,
    case_id: i64,
    case_number: String,
    uploads: bool,
    drafts: Vec<DraftLine>,
    /// The draft shown (0: none yet).
    draft_id: i64,
    draft_name: String,
    draft_by: String,
    draft_at: String,
    /// The reader may act on the findings (the uploader).
    acts: bool,
    /// The words are withheld from this reader (a confidential case).
    withheld: String,
    pieces: Vec<Piece>,
    findings: Vec<FindingView>,
    open: i64,
    errors: Vec<(String, String)>,
    typed_text: String,
    /// The finding the errors are about (an act refused) and the reason typed.
    error_seq: i64,
    typed_reason: String,
}

impl CasePage {
    fn error_of(&self, field: &str) -> String {
        crate::http::page::errors_of(&self.errors, field)
    }
    fn act_error(&self, seq: &i64) -> String {
        if *seq == self.error_seq {
            self.errors
                .iter()
                .map(|(_, m)| m.as_str())
                .collect::<Vec<_>>()
                .join("；")
        } else {
            String::new()
        }
    }
}

struct DraftLine {
    id: i64,
    case_id: i64,
    case_number: String,
    file_name: String,
    by: String,
    at: String,
    findings: i64,
    open: i64,
}

fn draft_line(d: &DraftRow, words: bool) -> DraftLine {
    DraftLine {
        id: d.id,
        case_id: d.case_id,
        case_number: d.case_number.clone(),
        file_name: shown_name(d, words),
        by: d.uploaded_by_name.clone(),
        at: crate::view::local(&d.uploaded_at),
        findings: d.findings,
        open: d.open,
    }
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
pub struct DraftParams {
    /// 要查看的文稿编号（默认最近一次上传的）
    #[serde(default)]
    pub draft: Option<i64>,
}

struct Shown {
    errors: Vec<(String, String)>,
    typed_text: String,
    error_seq: i64,
    typed_reason: String,
}

async fn show(
    st: &AppState,
    s: &Session,
    case_id: i64,
    draft: Option<i64>,
    shown: Shown,
) -> Result<Response, ApiError> {
    let (row, uploads) = case_for(st, s, case_id).await?;
    let all = st.store.proofread_drafts_of_case(case_id).await?;
    let visible: Vec<&DraftRow> = all
        .iter()
        .filter(|d| {
            d.uploaded_by == s.user.id
                || uploads
                || (reads_proofreading(s.user.role, s.org.kind)
                    && row.region_path.starts_with(&s.org.region_path))
        })
        .collect();
    if !uploads && visible.is_empty() && !reads_proofreading(s.user.role, s.org.kind) {
        return Err(ApiError::forbidden("文书校对"));
    }
    let chosen = match draft {
        Some(id) => visible.iter().find(|d| d.id == id).copied(),
        None => visible.first().copied(),
    };
    let words = words_for(s, &row);
    let mut page = CasePage {
        layout: Layout::new(s, "/proofreading"),
        case_id,
        case_number: row.case_number.clone(),
        uploads,
        drafts: visible.iter().map(|d| draft_line(d, words)).collect(),
        draft_id: 0,
        draft_name: String::new(),
        draft_by: String::new(),
        draft_at: String::new(),
        acts: false,
        withheld: String::new(),
        pieces: vec![],
        findings: vec![],
        open: 0,
        errors: shown.errors.clone(),
        typed_text: shown.typed_text,
        error_seq: shown.error_seq,
        typed_reason: shown.typed_reason,
    };
    if let Some(d) = chosen {
        let (d, findings) = st
            .store
            .proofread_draft(d.id)
            .await?
            .ok_or_else(|| ApiError::not_found("文稿"))?;
        page.draft_id = d.id;
        page.draft_name = shown_name(&d, words);
        page.draft_by = d.uploaded_by_name.clone();
        page.draft_at = crate::view::local(&d.uploaded_at);
        page.acts = d.uploaded_by == s.user.id;
        page.open = d.open;
        if words {
            page.pieces = pieces(&d, &findings);
            page.findings = findings.iter().map(finding_view).collect();
        } else {
            page.withheld = format!("本案{}，文稿内容不予显示。", row.confidentiality.zh());
            page.findings = findings
                .iter()
                .map(|f| FindingView {
                    text: String::new(),
                    message: String::new(),
                    suggestion: String::new(),
                    reason: String::new(),
                    ..finding_view(f)
                })
                .collect();
        }
    }
    let mut res = render(&page);
    if !shown.errors.is_empty() {
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res)
}

async fn case_page(
    State(st): State<AppState>,
    PageUser(s): PageUser,
    Path(id): Path<String>,
    Query(p): Query<DraftParams>,
) -> Response {
    let run = async {
        let id = parse_id(&id, "案件")?;
        show(
            &st,
            &s,
            id,
            p.draft,
            Shown {
                errors: vec![],
                typed_text: String::new(),
                error_seq: 0,
                typed_reason: String::new(),
            },
        )
        .await
    };
    run.await.unwrap_or_else(api_error_page)
}

/// The text of an upload: a DOCX's paragraphs or UTF-8 text; the refusal names the field.
fn text_of(file_name: &str, bytes: &[u8]) -> Result<String, (String, String)> {
    let lower = file_name.to_lowercase();
    let text = if bytes.starts_with(b"PK") || lower.ends_with(".docx") {
        crate::docx::read_text(bytes)
            .map_err(|e| ("file".to_string(), format!("“{file_name}”{}", e.zh())))?
    } else if lower.ends_with(".txt") || lower.is_empty() {
        String::from_utf8(bytes.to_vec()).map_err(|e| {
            (
                "file".to_string(),
                format!(
                    "“{file_name}”不是 UTF-8 编码的文本（第 {} 字节起无法识别），请另存为 UTF-8 文本或 Word 文档",
                    e.utf8_error().valid_up_to() + 1
                ),
            )
        })?
    } else {
        return Err((
            "file".into(),
            format!("“{file_name}”的格式不受支持，请上传 Word 文档（.docx）或纯文本（.txt）"),
        ));
    };
    check_length(&text, "file")?;
    Ok(text)
}

fn check_length(text: &str, field: &str) -> Result<(), (String, String)> {
    let n = text.chars().count();
    if text.trim().is_empty() {
        return Err((field.into(), "文稿中没有文字".into()));
    }
    if n > MAX_CHARS {
        return Err((
            field.into(),
            format!("文稿过长（{n} 字），一次最多校对 {MAX_CHARS} 字"),
        ));
    }
    Ok(())
}

/// Proofreads and records a draft; the new draft's id.
async fn record(
    st: &AppState,
    s: &Session,
    row: &CaseRow,
    file_name: &str,
    text: &str,
) -> Result<i64, ApiError> {
    // Line ends as Windows writes them are one character fewer to count.
    let text = text.replace("\r\n", "\n");
    // The draft is checked against what the platform records of the case: its 案号, the
    // judgment it continues, its parties.
    let state = match st.store.case_by_id(row.id).await? {
        Some((_, state)) => serde_json::from_str::<tianping_domain::CaseState>(&state).ok(),
        None => None,
    };
    let findings = proofread_case(
        &text,
        &Record {
            case_number: Some(row.case_number.as_str()),
            origin_case_number: state.as_ref().and_then(|s| s.origin_case_number.as_deref()),
            parties: state.as_ref().map_or(&[], |s| s.parties.as_slice()),
        },
    );
    let name = if file_name.trim().is_empty() {
        "粘贴的文稿".to_string()
    } else {
        file_name.trim().chars().take(120).collect()
    };
    Ok(st
        .store
        .record_proofread_draft(
            &NewDraft {
                case_id: row.id,
                org_id: &row.org_id,
                file_name: &name,
                body: &text,
                findings: &findings,
            },
            &s.user,
            st.now(),
        )
        .await?)
}

/// The upload form (multipart: csrf, file, text).
async fn upload(
    State(st): State<AppState>,
    PageUser(s): PageUser,
    Path(id): Path<String>,
    req: axum::extract::Request,
) -> Response {
    let Ok(id) = id.parse::<i64>() else {
        return error_page(StatusCode::NOT_FOUND, "案件不存在");
    };
    let form = match UploadForm::read(req, &st).await {
        Ok(f) => f,
        Err(r) => return r,
    };
    let (csrf, pasted) = (form.field("csrf"), form.field("text"));
    // A file field left empty sends no bytes: the pasted text is read instead.
    let file: Option<(String, Vec<u8>)> = form
        .file
        .filter(|f| !f.bytes.is_empty())
        .map(|f| (f.name, f.bytes));
    if let Some(r) = csrf_refused(&csrf, &s) {
        return r;
    }
    let run = async {
        let row = case_to_upload(&st, &s, id).await?;
        let got = match &file {
            Some((name, bytes)) => text_of(name, bytes).map(|t| (name.clone(), t)),
            None if !pasted.trim().is_empty() => {
                check_length(&pasted, "text").map(|()| (String::new(), pasted.clone()))
            }
            None => Err((
                "file".to_string(),
                "请选择要校对的文稿或粘贴文稿内容".to_string(),
            )),
        };
        match got {
            Ok((name, text)) => {
                let draft = record(&st, &s, &row, &name, &text).await?;
                Ok(redirect(&format!("/cases/{id}/proofreading?draft={draft}")))
            }
            Err(e) => {
                show(
                    &st,
                    &s,
                    id,
                    None,
                    Shown {
                        errors: vec![e],
                        typed_text: pasted.clone(),
                        error_seq: 0,
                        typed_reason: String::new(),
                    },
                )
                .await
            }
        }
    };
    run.await.unwrap_or_else(api_error_page)
}

/// An act on a finding: the domain's refusal (field, message, forbidden) or done.
async fn perform(
    st: &AppState,
    s: &Session,
    draft_id: i64,
    seq: i64,
    act: &str,
    reason: &str,
) -> Result<Result<(), review::Refusal>, ApiError> {
    let (draft, findings, _) = draft_for(st, s, draft_id).await?;
    let f = findings
        .iter()
        .find(|f| f.seq == seq)
        .ok_or_else(|| ApiError::not_found("校对意见"))?;
    let Some(a) = Act::parse(act) else {
        return Ok(Err(review::Refusal {
            field: "act",
            message: format!("操作“{act}”无效（应为 apply_fix、fixed 或 not_applicable）"),
            forbidden: false,
        }));
    };
    let marks: Vec<review::Mark> = findings.iter().map(FindingRow::mark).collect();
    let mut status = match review::decide(
        a,
        f.status,
        draft.uploaded_by == s.user.id,
        f.suggestion.is_some(),
        reason,
    ) {
        Ok(x) => x,
        Err(r) => return Ok(Err(r)),
    };
    let applied = a == Act::ApplyFix;
    if applied && !review::fix_fits(&f.mark(), &marks) {
        return Ok(Err(review::Refusal {
            field: "act",
            message: "该处文字已被另一处修改替换，请在文稿中手工修改后标记“已修改”".into(),
            forbidden: false,
        }));
    }
    if a != Act::NotApplicable {
        status = Status::Fixed;
    }
    st.store
        .resolve_proofread_finding(
            draft_id,
            seq,
            &Resolution {
                status,
                applied,
                reason: if a == Act::NotApplicable { reason } else { "" },
            },
            &s.user,
            st.now(),
        )
        .await?;
    Ok(Ok(()))
}

#[derive(Debug, Default, Deserialize)]
struct ActForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    act: String,
    #[serde(default)]
    reason: String,
}

async fn act(
    State(st): State<AppState>,
    PageUser(s): PageUser,
    Path((draft, seq)): Path<(String, String)>,
    Form(f): Form<ActForm>,
) -> Response {
    if let Some(r) = csrf_refused(&f.csrf, &s) {
        return r;
    }
    let run = async {
        let draft = parse_id(&draft, "文稿")?;
        let seq = parse_id(&seq, "校对意见")?;
        let (d, _, _) = draft_for(&st, &s, draft).await?;
        match perform(&st, &s, draft, seq, &f.act, &f.reason).await? {
            Ok(()) => Ok(redirect(&format!(
                "/cases/{}/proofreading?draft={draft}#f{seq}",
                d.case_id
            ))),
            Err(r) if r.forbidden => {
                Err(ApiError::new(Code::ActForbidden, r.message).with_status(StatusCode::FORBIDDEN))
            }
            Err(r) => {
                show(
                    &st,
                    &s,
                    d.case_id,
                    Some(draft),
                    Shown {
                        errors: vec![(r.field.to_string(), r.message)],
                        typed_text: String::new(),
                        error_seq: seq,
                        typed_reason: f.reason.clone(),
                    },
                )
                .await
            }
        }
    };
    run.await.unwrap_or_else(api_error_page)
}

/// The draft as it reads with the fixes applied, as UTF-8 text.
async fn download(
    State(st): State<AppState>,
    PageUser(s): PageUser,
    Path(draft): Path<String>,
) -> Response {
    let run = async {
        let id = parse_id(&draft, "文稿")?;
        let (d, findings, row) = draft_for(&st, &s, id).await?;
        if !words_for(&s, &row) {
            return Err(ApiError::forbidden("下载本案文稿"));
        }
        let marks: Vec<review::Mark> = findings.iter().map(FindingRow::mark).collect();
        let text = review::current_text(&d.body, &marks);
        let stem = d
            .file_name
            .trim_end_matches(".docx")
            .trim_end_matches(".txt")
            .to_string();
        Ok((
            [
                (
                    header::CONTENT_TYPE,
                    "text/plain; charset=utf-8".to_string(),
                ),
                (
                    header::CONTENT_DISPOSITION,
                    format!(
                        "attachment; filename=\"draft-{id}.txt\"; filename*=UTF-8''{}",
                        crate::http::page::enc(&format!("{stem}（校对后）.txt"))
                    ),
                ),
            ],
            text,
        )
            .into_response())
    };
    run.await.unwrap_or_else(api_error_page)
}

#[derive(Template)]
#[template(path = "proofreading.html")]
struct OverviewPage {
    layout: Layout,
    own: Vec<DraftLine>,
    writes: bool,
    reads: bool,
    counts: Vec<CountLine>,
    totals: CountLine,
}

struct CountLine {
    court: String,
    judge: String,
    drafts: i64,
    findings: i64,
    open: i64,
    not_applicable: i64,
    resolved_pct: String,
}

fn count_line(
    court: String,
    judge: String,
    drafts: i64,
    findings: i64,
    open: i64,
    na: i64,
) -> CountLine {
    CountLine {
        court,
        judge,
        drafts,
        findings,
        open,
        not_applicable: na,
        resolved_pct: if findings == 0 {
            "—".into()
        } else {
            format!("{:.1}%", (findings - open) as f64 * 100.0 / findings as f64)
        },
    }
}

async fn counts(st: &AppState, s: &Session) -> Result<(Vec<CountLine>, CountLine), ApiError> {
    let rows = st.store.proofread_counts(&s.org.region_path).await?;
    let lines: Vec<CountLine> = rows
        .iter()
        .map(|r| {
            count_line(
                r.org_name.clone(),
                r.judge.clone(),
                r.drafts,
                r.findings,
                r.open,
                r.not_applicable,
            )
        })
        .collect();
    let sum = |f: fn(&CountLine) -> i64| lines.iter().map(f).sum::<i64>();
    let totals = count_line(
        "合计".into(),
        String::new(),
        sum(|l| l.drafts),
        sum(|l| l.findings),
        sum(|l| l.open),
        sum(|l| l.not_applicable),
    );
    Ok((lines, totals))
}

async fn overview(State(st): State<AppState>, PageUser(s): PageUser) -> Response {
    let run = async {
        let writes = proofreads_drafts(s.user.role, s.org.kind);
        let reads = reads_proofreading(s.user.role, s.org.kind);
        if !writes && !reads {
            return Err(ApiError::forbidden("文书校对"));
        }
        let own = if writes {
            st.store
                .proofread_drafts_by(s.user.id, 200)
                .await?
                .iter()
                .map(|d| draft_line(d, true))
                .collect()
        } else {
            vec![]
        };
        let (counts, totals) = if reads {
            counts(&st, &s).await?
        } else {
            (vec![], count_line(String::new(), String::new(), 0, 0, 0, 0))
        };
        Ok(render(&OverviewPage {
            layout: Layout::new(&s, "/proofreading"),
            own,
            writes,
            reads,
            counts,
            totals,
        }))
    };
    run.await.unwrap_or_else(api_error_page)
}
