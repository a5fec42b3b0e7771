//! 文书校对 through the API: the same rows and the same decisions as the pages.

use super::{
    DraftRow, FindingRow, advisory, case_for, case_to_upload, check_length, draft_for, kind_zh,
    perform, record, text_of, words_for,
};
use crate::AppState;
use crate::error::{ApiError, Code};
use crate::http::CurrentUser;
use crate::http::extract::{check_csrf, json_body, parse_id};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use serde::Deserialize;
use serde_json::{Value, json};
use tianping_domain::access::reads_proofreading;
use tianping_domain::proofread::review;
use tianping_store::user::Session;

fn finding_json(f: &FindingRow, words: bool) -> Value {
    json!({
        "seq": f.seq,
        "kind": f.kind,
        "kind_zh": kind_zh(&f.kind),
        "rule": f.rule,
        "advisory": advisory(&f.kind),
        "start": f.start,
        "end": f.end,
        "text": if words { json!(f.text) } else { Value::Null },
        "message": if words { json!(f.message) } else { Value::Null },
        "suggestion": if words { json!(f.suggestion) } else { Value::Null },
        "status": f.status.as_str(),
        "status_zh": f.status.zh(),
        "applied": f.applied,
        "reason": if words { json!(f.reason) } else { Value::Null },
        "resolved_by": f.resolved_by,
        "resolved_at": f.resolved_at,
    })
}

fn draft_json(d: &DraftRow, words: bool) -> Value {
    json!({
        "id": d.id,
        "case_id": d.case_id,
        "case_number": d.case_number,
        "file_name": super::shown_name(d, words),
        "uploaded_by": d.uploaded_by_name,
        "uploaded_at": d.uploaded_at,
        "findings": d.findings,
        "open": d.open,
    })
}

async fn draft_full(st: &AppState, s: &Session, id: i64) -> Result<Value, ApiError> {
    let (d, findings, row) = draft_for(st, s, id).await?;
    let words = words_for(s, &row);
    let marks: Vec<review::Mark> = findings.iter().map(FindingRow::mark).collect();
    let mut v = draft_json(&d, words);
    v["text"] = if words {
        json!(review::current_text(&d.body, &marks))
    } else {
        Value::Null
    };
    v["uploaded_text"] = if words { json!(d.body) } else { Value::Null };
    v["acts_open_to_you"] = json!(d.uploaded_by == s.user.id);
    v["findings"] = json!(
        findings
            .iter()
            .map(|f| finding_json(f, words))
            .collect::<Vec<_>>()
    );
    Ok(v)
}

pub(super) async fn counts(
    State(st): State<AppState>,
    CurrentUser(s): CurrentUser,
) -> Result<Json<Value>, ApiError> {
    if !reads_proofreading(s.user.role, s.org.kind) {
        return Err(ApiError::forbidden("查看文书校对统计"));
    }
    let rows = st.store.proofread_counts(&s.org.region_path).await?;
    Ok(Json(json!({
        "judges": rows.iter().map(|r| json!({
            "court_id": r.org_id,
            "court": r.org_name,
            "judge": r.judge,
            "drafts": r.drafts,
            "findings": r.findings,
            "open": r.open,
            "not_applicable": r.not_applicable,
        })).collect::<Vec<_>>(),
    })))
}

pub(super) async fn drafts(
    State(st): State<AppState>,
    CurrentUser(s): CurrentUser,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let id = parse_id(&id, "案件")?;
    let (row, uploads) = case_for(&st, &s, id).await?;
    let reads = reads_proofreading(s.user.role, s.org.kind)
        && row.region_path.starts_with(&s.org.region_path);
    let drafts: Vec<Value> = st
        .store
        .proofread_drafts_of_case(id)
        .await?
        .iter()
        .filter(|d| d.uploaded_by == s.user.id || uploads || reads)
        .map(|d| draft_json(d, words_for(&s, &row)))
        .collect();
    Ok(Json(json!({ "drafts": drafts })))
}

/// A draft to proofread through the API: its text, or a DOCX in base64.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct DraftBody {
    /// 文件名（可省略）
    #[serde(default)]
    pub file_name: String,
    /// 文稿全文（与 docx_base64 二选一）
    #[serde(default)]
    pub text: String,
    /// Word 文档（.docx）的 Base64 编码
    #[serde(default)]
    pub docx_base64: String,
}

pub(super) async fn upload(
    State(st): State<AppState>,
    headers: HeaderMap,
    CurrentUser(s): CurrentUser,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    check_csrf(&headers, &s)?;
    let id = parse_id(&id, "案件")?;
    let b: DraftBody = json_body(&body)?;
    let row = case_to_upload(&st, &s, id).await?;
    let invalid = |(field, message): (String, String)| {
        ApiError::invalid_field(Code::Invalid, &field, message)
    };
    let text = if !b.docx_base64.trim().is_empty() {
        use base64::Engine;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(b.docx_base64.trim())
            .map_err(|_| {
                invalid((
                    "docx_base64".into(),
                    "docx_base64 不是有效的 Base64 编码".into(),
                ))
            })?;
        let name = if b.file_name.is_empty() {
            "文稿.docx"
        } else {
            &b.file_name
        };
        text_of(name, &bytes).map_err(|(_, m)| invalid(("docx_base64".into(), m)))?
    } else {
        check_length(&b.text, "text").map_err(invalid)?;
        b.text.clone()
    };
    let draft = record(&st, &s, &row, &b.file_name, &text).await?;
    Ok((StatusCode::CREATED, Json(draft_full(&st, &s, draft).await?)))
}

pub(super) async fn draft(
    State(st): State<AppState>,
    CurrentUser(s): CurrentUser,
    Path(draft): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let id = parse_id(&draft, "文稿")?;
    Ok(Json(draft_full(&st, &s, id).await?))
}

/// An act on a finding through the API.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct ActBody {
    /// apply_fix（一键修改）、fixed（已在文稿中修改）或 not_applicable（不适用）
    #[serde(default)]
    pub act: String,
    /// 不适用的理由（标记不适用时必填）
    #[serde(default)]
    pub reason: String,
}

pub(super) async fn act(
    State(st): State<AppState>,
    headers: HeaderMap,
    CurrentUser(s): CurrentUser,
    Path((draft, seq)): Path<(String, String)>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    check_csrf(&headers, &s)?;
    let draft = parse_id(&draft, "文稿")?;
    let seq = parse_id(&seq, "校对意见")?;
    let b: ActBody = json_body(&body)?;
    match perform(&st, &s, draft, seq, b.act.trim(), &b.reason).await? {
        Ok(()) => Ok(Json(draft_full(&st, &s, draft).await?)),
        Err(r) if r.forbidden => {
            Err(ApiError::new(Code::ActForbidden, r.message).with_status(StatusCode::FORBIDDEN))
        }
        Err(r) => Err(ApiError::invalid_field(Code::Invalid, r.field, r.message)),
    }
}
