//! The auditor's view of the ledger (三员: `auditor` only): size, root, signed checkpoints and the
//! consistency of each with the next, the latest leaves, inclusion proofs for any leaf or record,
//! and a check of a checkpoint kept elsewhere (a witness) against the live log. Pages and JSON.
//!
//! Every proof shown is verified here with the same code an outside verifier uses
//! (`tianping_ledger::verify_inclusion` / `verify_consistency`), and the page says so.

use crate::AppState;
use crate::error::{ApiError, Code};
use crate::http::page::{Layout, error_page, render};
use crate::http::{CurrentUser, PageUser};
use askama::Template;
use axum::Json;
use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use tianping_ledger::{Hash, VerifierKey, leaf_hash, verify_consistency, verify_inclusion};
use tianping_store::ledger::{CheckpointRow, ConsistencyProof, InclusionProof, LeafRow};
use tianping_store::user::Session;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/ledger", get(ledger_page))
        .route("/ledger/witness", post(witness_submit))
        .route("/ledger/cosignatures", post(cosign_submit))
        .route("/ledger/find", get(find))
        .route("/ledger/case", get(case_trail_page))
        .route("/ledger/leaves/{index}", get(leaf_page))
        .route("/ledger/checkpoints/{id}", get(checkpoint_download))
}

pub fn api_router() -> Router<AppState> {
    Router::new()
        .route("/ledger", get(api_summary))
        .route("/ledger/leaves/{index}/proof", get(api_inclusion))
        .route("/ledger/records/{table}/{key}", get(api_record))
        .route("/ledger/consistency", get(api_consistency))
        .route("/ledger/witness", post(api_witness))
        .route("/ledger/cosignatures", post(api_cosign))
}

/// The ledger's public identity, as the server shows it.
#[derive(Clone)]
pub struct LedgerIdentity {
    pub origin: String,
    pub verifier: VerifierKey,
    /// The witnesses' public keys (configuration `witness_keys`): whose cosignatures are taken
    /// and shown.
    pub witnesses: Vec<VerifierKey>,
}

const FORBIDDEN_ZH: &str = "只有安全审计员可以查看防篡改账本";

fn auditor_only(s: &Session) -> Result<(), ApiError> {
    if tianping_domain::access::may_audit(s.user.role) {
        Ok(())
    } else {
        Err(ApiError::forbidden(FORBIDDEN_ZH))
    }
}

fn hashes(v: &[String]) -> Vec<Hash> {
    v.iter().filter_map(|h| Hash::from_hex(h)).collect()
}

/// Whether an inclusion proof from the store verifies.
fn inclusion_ok(p: &InclusionProof) -> bool {
    match Hash::from_hex(&p.root) {
        Some(root) => verify_inclusion(
            p.index,
            p.size,
            &leaf_hash(p.leaf_data.as_bytes()),
            &hashes(&p.proof),
            &root,
        )
        .is_ok(),
        None => false,
    }
}

fn consistency_ok(c: &ConsistencyProof) -> bool {
    match (
        Hash::from_hex(&c.first_root),
        Hash::from_hex(&c.second_root),
    ) {
        (Some(a), Some(b)) => {
            verify_consistency(c.first, &a, c.second, &b, &hashes(&c.proof)).is_ok()
        }
        _ => false,
    }
}

/// A checkpoint with whether it opens with the log key and extends the previous one.
#[derive(Serialize, utoipa::ToSchema)]
pub struct CheckpointView {
    pub id: i64,
    pub size: u64,
    pub root: String,
    pub created_at: String,
    pub created_at_local: String,
    pub signature_ok: bool,
    /// Consistency with the previous (older) checkpoint: None for the oldest.
    pub extends_previous: Option<bool>,
    /// The registered witnesses whose cosignature verifies (see `witness_keys`).
    pub witnesses: Vec<String>,
    /// Registered witnesses with a cosignature line that does not verify.
    pub witnesses_invalid: Vec<String>,
    pub note: String,
}

async fn checkpoint_views(st: &AppState, limit: i64) -> Result<Vec<CheckpointView>, ApiError> {
    let id = &st.ledger;
    let rows: Vec<CheckpointRow> = st.store.checkpoints(limit + 1).await?;
    let mut out = vec![];
    for (i, c) in rows.iter().enumerate().take(limit as usize) {
        let signature_ok = id
            .verifier
            .open_for(&id.origin, &c.note)
            .is_ok_and(|cp| cp.size == c.size && cp.root.to_hex() == c.root);
        let extends_previous = match rows.get(i + 1) {
            None => None,
            Some(prev) if prev.size > c.size => Some(false),
            Some(prev) => Some(
                st.store
                    .consistency_proof(prev.size, c.size)
                    .await
                    .map(|p| {
                        p.first_root == prev.root && p.second_root == c.root && consistency_ok(&p)
                    })
                    .unwrap_or(false),
            ),
        };
        let who = tianping_ledger::cosigners(&c.note, &id.witnesses);
        out.push(CheckpointView {
            witnesses: who.signed,
            witnesses_invalid: who.invalid,
            id: c.id,
            size: c.size,
            root: c.root.clone(),
            created_at_local: crate::view::local(&c.created_at),
            created_at: c.created_at.clone(),
            signature_ok,
            extends_previous,
            note: c.note.clone(),
        });
    }
    Ok(out)
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct LedgerSummary {
    pub origin: String,
    pub verifier_key: String,
    /// The registered witnesses' public keys (`name+id+key`).
    pub witness_keys: Vec<String>,
    pub size: u64,
    pub root: String,
    pub checkpoints: Vec<CheckpointView>,
}

async fn summary(st: &AppState) -> Result<LedgerSummary, ApiError> {
    let head = st.store.ledger_head().await?;
    Ok(LedgerSummary {
        origin: st.ledger.origin.clone(),
        verifier_key: st.ledger.verifier.to_text(),
        witness_keys: st
            .ledger
            .witnesses
            .iter()
            .map(VerifierKey::to_text)
            .collect(),
        size: head.size,
        root: head.root,
        checkpoints: checkpoint_views(st, 20).await?,
    })
}

// ---------------------------------------------------------------- JSON API

/// `GET /api/v1/ledger`: size, root, verifier key, the latest checkpoints.
pub async fn api_summary(
    State(st): State<AppState>,
    CurrentUser(s): CurrentUser,
) -> Result<Json<LedgerSummary>, ApiError> {
    auditor_only(&s)?;
    Ok(Json(summary(&st).await?))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SizeQuery {
    pub size: Option<u64>,
}

fn proof_json(p: &InclusionProof) -> Value {
    json!({
        "index": p.index,
        "size": p.size,
        "leaf_data": p.leaf_data,
        "leaf_hash": p.leaf_hash,
        "root": p.root,
        "proof": p.proof,
        "verified": inclusion_ok(p),
    })
}

async fn inclusion(
    st: &AppState,
    index: u64,
    size: Option<u64>,
) -> Result<InclusionProof, ApiError> {
    let head = st.store.ledger_head().await?;
    if index >= head.size || size.is_some_and(|s| s > head.size || s <= index) {
        return Err(ApiError::new(
            Code::LeafOutOfRange,
            format!(
                "叶子序号 {index} 或树规模 {} 超出账本范围（共 {} 个叶子）",
                size.map_or("—".to_string(), |s| s.to_string()),
                head.size
            ),
        )
        .with_details(json!({ "field": "index", "size": head.size })));
    }
    Ok(st.store.inclusion_proof(index, size).await?)
}

/// `GET /api/v1/ledger/leaves/{index}/proof?size=N`: the inclusion proof (default: current size).
pub async fn api_inclusion(
    State(st): State<AppState>,
    CurrentUser(s): CurrentUser,
    Path(index): Path<u64>,
    Query(q): Query<SizeQuery>,
) -> Result<Json<Value>, ApiError> {
    auditor_only(&s)?;
    let p = inclusion(&st, index, q.size).await?;
    Ok(Json(proof_json(&p)))
}

/// `GET /api/v1/ledger/records/{table}/{key}`: every leaf naming a record, each with its proof.
pub async fn api_record(
    State(st): State<AppState>,
    CurrentUser(s): CurrentUser,
    Path((table, key)): Path<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    auditor_only(&s)?;
    let leaves = record_leaves(&st, &table, &key).await?;
    let mut out = vec![];
    for l in &leaves {
        let p = st.store.inclusion_proof(l.index, None).await?;
        out.push(proof_json(&p));
    }
    Ok(Json(
        json!({ "record": format!("{table}/{key}"), "leaves": out }),
    ))
}

async fn record_leaves(st: &AppState, table: &str, key: &str) -> Result<Vec<LeafRow>, ApiError> {
    if tianping_store::ledger::entity(table).is_none() {
        return Err(
            ApiError::new(Code::UnknownTable, format!("“{table}”不是记入账本的数据表"))
                .with_details(json!({ "field": "table" })),
        );
    }
    Ok(st.store.ledger_leaves_of(table, key.trim()).await?)
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ConsistencyQuery {
    /// Required; optional here so that a caller who may not read the ledger is told so first.
    #[serde(default)]
    pub first: Option<u64>,
    pub second: Option<u64>,
}

/// `GET /api/v1/ledger/consistency?first=A&second=B`: proof that the log at B extends the log
/// at A (default B: the current size).
pub async fn api_consistency(
    State(st): State<AppState>,
    CurrentUser(s): CurrentUser,
    Query(q): Query<ConsistencyQuery>,
) -> Result<Json<Value>, ApiError> {
    auditor_only(&s)?;
    let Some(first) = q.first else {
        return Err(
            ApiError::new(Code::InvalidQuery, "缺少参数 first（较早的树规模）")
                .with_details(json!({ "field": "first" })),
        );
    };
    let head = st.store.ledger_head().await?;
    let second = q.second.unwrap_or(head.size);
    if first > second || second > head.size {
        return Err(ApiError::new(
            Code::SizeOutOfRange,
            format!(
                "树规模须满足 first ≤ second ≤ {}，收到 first={} second={second}",
                head.size, first
            ),
        )
        .with_details(json!({ "field": "first" })));
    }
    let p = st.store.consistency_proof(first, second).await?;
    Ok(Json(json!({
        "first": p.first, "first_root": p.first_root,
        "second": p.second, "second_root": p.second_root,
        "proof": p.proof, "verified": consistency_ok(&p),
    })))
}

/// What checking a witness's checkpoint against the live log found.
#[derive(Serialize, utoipa::ToSchema)]
pub struct WitnessCheck {
    pub ok: bool,
    pub code: &'static str,
    pub size: Option<u64>,
    pub message: String,
}

async fn check_witness(st: &AppState, note: &str) -> Result<WitnessCheck, ApiError> {
    let id = &st.ledger;
    let note = normal_note(note);
    let cp = match id.verifier.open_for(&id.origin, &note) {
        Ok(cp) => cp,
        Err(e) => {
            return Ok(WitnessCheck {
                ok: false,
                code: "witness_signature",
                size: None,
                message: format!(
                    "签名校验未通过：该检查点不是本账本密钥签发的，或内容已被改动（{e}）"
                ),
            });
        }
    };
    let head = st.store.ledger_head().await?;
    if cp.size > head.size {
        return Ok(WitnessCheck {
            ok: false,
            code: "witness_beyond_log",
            size: Some(cp.size),
            message: format!(
                "检查点记载 {} 个叶子，现有账本只有 {} 个：账本被截断",
                cp.size, head.size
            ),
        });
    }
    let p = st.store.consistency_proof(cp.size, head.size).await?;
    let ok = p.first_root == cp.root.to_hex() && consistency_ok(&p);
    Ok(WitnessCheck {
        ok,
        code: if ok { "ok" } else { "witness_mismatch" },
        size: Some(cp.size),
        message: if ok {
            format!(
                "一致：现有账本（{} 个叶子）是该检查点（{} 个叶子）的延续，此前记录未被改动",
                head.size, cp.size
            )
        } else {
            format!(
                "不一致：现有账本前 {} 个叶子的根哈希与检查点不符，历史记录被改写",
                cp.size
            )
        },
    })
}

/// `POST /api/v1/ledger/witness` with the signed note as the body (text/plain).
pub async fn api_witness(
    State(st): State<AppState>,
    CurrentUser(s): CurrentUser,
    headers: axum::http::HeaderMap,
    body: String,
) -> Result<Json<WitnessCheck>, ApiError> {
    auditor_only(&s)?;
    crate::http::extract::check_csrf(&headers, &s)?;
    Ok(Json(check_witness(&st, &body).await?))
}

/// What registering a witness's cosigned checkpoint did.
#[derive(Serialize, utoipa::ToSchema)]
pub struct CosignResult {
    pub checkpoint_id: i64,
    pub size: u64,
    /// The witnesses whose cosignature this note added.
    pub added: Vec<String>,
    /// Every registered witness that has now cosigned the checkpoint.
    pub witnesses: Vec<String>,
    pub message: String,
}

/// A pasted note with Unix line ends and a final newline.
fn normal_note(note: &str) -> String {
    let note = note.replace("\r\n", "\n");
    if note.ends_with('\n') {
        note
    } else {
        format!("{note}\n")
    }
}

/// Takes the registered witnesses' cosignatures from a checkpoint note (as a witness returns it
/// from `tianping ledger cosign`) into the stored checkpoint.
async fn register_cosignatures(st: &AppState, note: &str) -> Result<CosignResult, ApiError> {
    let id = &st.ledger;
    let r = st
        .store
        .register_cosignatures(
            &normal_note(note),
            &id.verifier,
            &id.origin,
            &id.witnesses,
            st.now(),
        )
        .await?;
    let message = if r.added.is_empty() {
        format!(
            "第 {} 号检查点（{} 个叶子）已有这些见证签名，未作改动",
            r.checkpoint_id, r.size
        )
    } else {
        format!(
            "已登记{}对第 {} 号检查点（{} 个叶子）的见证签名；现有见证：{}",
            r.added.join("、"),
            r.checkpoint_id,
            r.size,
            r.witnesses.join("、")
        )
    };
    tracing::info!(checkpoint = r.checkpoint_id, size = r.size, added = ?r.added, "witness cosignatures registered");
    Ok(CosignResult {
        checkpoint_id: r.checkpoint_id,
        size: r.size,
        added: r.added,
        witnesses: r.witnesses,
        message,
    })
}

/// `POST /api/v1/ledger/cosignatures` with the cosigned note as the body (text/plain).
pub async fn api_cosign(
    State(st): State<AppState>,
    CurrentUser(s): CurrentUser,
    headers: axum::http::HeaderMap,
    body: String,
) -> Result<Json<CosignResult>, ApiError> {
    auditor_only(&s)?;
    crate::http::extract::check_csrf(&headers, &s)?;
    Ok(Json(register_cosignatures(&st, &body).await?))
}

// ---------------------------------------------------------------- pages

#[derive(Template)]
#[template(path = "ledger.html")]
struct LedgerPage {
    layout: Layout,
    sum: LedgerSummary,
    recent: Vec<tianping_store::ledger::TrailLine>,
    witness: Option<WitnessCheck>,
    note_text: String,
    /// The outcome of registering cosignatures: (ok, message).
    cosign: Option<(bool, String)>,
    cosign_text: String,
}

pub async fn ledger_page(State(st): State<AppState>, PageUser(s): PageUser) -> Response {
    ledger_page_for(&st, &s, None, String::new()).await
}

async fn ledger_page_for(
    st: &AppState,
    s: &Session,
    witness: Option<WitnessCheck>,
    note_text: String,
) -> Response {
    ledger_page_with(st, s, witness, note_text, None, String::new()).await
}

async fn ledger_page_with(
    st: &AppState,
    s: &Session,
    witness: Option<WitnessCheck>,
    note_text: String,
    cosign: Option<(bool, String)>,
    cosign_text: String,
) -> Response {
    if auditor_only(s).is_err() {
        return error_page(StatusCode::FORBIDDEN, FORBIDDEN_ZH);
    }
    let sum = match summary(st).await {
        Ok(x) => x,
        Err(e) => return error_page(e.status, &e.message),
    };
    let recent = match async { st.store.trail_of(st.store.ledger_recent(20).await?).await }.await {
        Ok(x) => x,
        Err(e) => {
            return error_page(
                StatusCode::INTERNAL_SERVER_ERROR,
                &ApiError::from(e).message,
            );
        }
    };
    render(&LedgerPage {
        layout: Layout::new(s, "/ledger"),
        sum,
        recent,
        witness,
        note_text,
        cosign,
        cosign_text,
    })
}

#[derive(Deserialize)]
pub struct CaseTrailQuery {
    #[serde(default)]
    number: String,
}

#[derive(Template)]
#[template(path = "ledger_case.html")]
struct CaseTrailPage {
    layout: Layout,
    number: String,
    case_id: Option<i64>,
    lines: Vec<tianping_store::ledger::TrailLine>,
    error: Option<String>,
}

/// `GET /ledger/case?number=（2026）浙0102刑初1号`: everything written about one case, oldest
/// first — when, who, what, which record — each line with its leaf, to prove it.
pub async fn case_trail_page(
    State(st): State<AppState>,
    PageUser(s): PageUser,
    Query(q): Query<CaseTrailQuery>,
) -> Response {
    if auditor_only(&s).is_err() {
        return error_page(StatusCode::FORBIDDEN, FORBIDDEN_ZH);
    }
    let number = q.number.trim().to_string();
    let mut page = CaseTrailPage {
        layout: Layout::new(&s, "/ledger"),
        number: number.clone(),
        case_id: None,
        lines: vec![],
        error: None,
    };
    if number.is_empty() {
        return render(&page);
    }
    let found = match st.store.case_id_by_number(&number).await {
        Ok(x) => x,
        Err(e) => {
            return error_page(
                StatusCode::INTERNAL_SERVER_ERROR,
                &ApiError::from(e).message,
            );
        }
    };
    let Some(id) = found else {
        page.error = Some(format!(
            "没有案号为“{number}”的案件，请核对案号（含括号和“号”字）"
        ));
        let mut r = render(&page);
        *r.status_mut() = StatusCode::NOT_FOUND;
        return r;
    };
    match st.store.case_trail(id).await {
        Ok(lines) => {
            page.case_id = Some(id);
            page.lines = lines;
            render(&page)
        }
        Err(e) => error_page(
            StatusCode::INTERNAL_SERVER_ERROR,
            &ApiError::from(e).message,
        ),
    }
}

#[derive(Deserialize)]
pub struct WitnessForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    note: String,
}

/// A form of the ledger page refused: a stale CSRF token, or not the auditor.
fn form_refused(csrf: &str, s: &Session) -> Option<Response> {
    crate::http::extract::csrf_refused(csrf, s).or_else(|| {
        auditor_only(s)
            .is_err()
            .then(|| error_page(StatusCode::FORBIDDEN, FORBIDDEN_ZH))
    })
}

pub async fn witness_submit(
    State(st): State<AppState>,
    PageUser(s): PageUser,
    Form(f): Form<WitnessForm>,
) -> Response {
    if let Some(r) = form_refused(&f.csrf, &s) {
        return r;
    }
    if f.note.trim().is_empty() {
        let w = WitnessCheck {
            ok: false,
            code: "witness_empty",
            size: None,
            message: "请粘贴检查点全文（含签名行）".into(),
        };
        return ledger_page_for(&st, &s, Some(w), f.note).await;
    }
    match check_witness(&st, &f.note).await {
        Ok(w) => ledger_page_for(&st, &s, Some(w), f.note).await,
        Err(e) => error_page(e.status, &e.message),
    }
}

/// `POST /ledger/cosignatures` (form): registers a witness's cosigned checkpoint.
pub async fn cosign_submit(
    State(st): State<AppState>,
    PageUser(s): PageUser,
    Form(f): Form<WitnessForm>,
) -> Response {
    if let Some(r) = form_refused(&f.csrf, &s) {
        return r;
    }
    let outcome = if f.note.trim().is_empty() {
        (
            false,
            "请粘贴见证机构签名后的检查点全文（含全部签名行）".to_string(),
        )
    } else {
        match register_cosignatures(&st, &f.note).await {
            Ok(r) => (true, r.message),
            Err(e) if e.status.is_client_error() => (false, e.message),
            Err(e) => return error_page(e.status, &e.message),
        }
    };
    let text = if outcome.0 { String::new() } else { f.note };
    let mut r = ledger_page_with(&st, &s, None, String::new(), Some(outcome.clone()), text).await;
    if !outcome.0 && r.status() == StatusCode::OK {
        *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    r
}

#[derive(Template)]
#[template(path = "ledger_leaf.html")]
struct LeafPage {
    layout: Layout,
    /// Who wrote the leaf and the case its record belongs to.
    who: Option<tianping_store::ledger::TrailLine>,
    leaf: LeafRow,
    proof: InclusionProof,
    verified: bool,
    /// Proofs against each checkpoint that contains the leaf: (checkpoint id, size, ok).
    against: Vec<(i64, u64, bool)>,
    history: Vec<LeafRow>,
}

pub async fn leaf_page(
    State(st): State<AppState>,
    PageUser(s): PageUser,
    Path(index): Path<u64>,
) -> Response {
    if auditor_only(&s).is_err() {
        return error_page(StatusCode::FORBIDDEN, FORBIDDEN_ZH);
    }
    let proof = match inclusion(&st, index, None).await {
        Ok(p) => p,
        Err(e) => return error_page(StatusCode::NOT_FOUND, &e.message),
    };
    let leaf = match st.store.ledger_leaf(index).await {
        Ok(Some(l)) => l,
        _ => return error_page(StatusCode::NOT_FOUND, "账本中没有这个叶子"),
    };
    let mut against = vec![];
    if let Ok(cps) = st.store.checkpoints(5).await {
        for c in cps.iter().filter(|c| c.size > index) {
            let ok = match st.store.inclusion_proof(index, Some(c.size)).await {
                Ok(p) => p.root == c.root && inclusion_ok(&p),
                Err(_) => false,
            };
            against.push((c.id, c.size, ok));
        }
    }
    let history = st
        .store
        .ledger_leaves_of(&leaf.entity, &leaf.reference)
        .await
        .unwrap_or_default();
    let verified = inclusion_ok(&proof);
    // Who wrote it, and the case it is about (to see everything written about that case).
    let who = st
        .store
        .trail_of(vec![leaf.clone()])
        .await
        .ok()
        .and_then(|mut t| t.pop());
    render(&LeafPage {
        layout: Layout::new(&s, "/ledger"),
        who,
        leaf,
        proof,
        verified,
        against,
        history,
    })
}

#[derive(Deserialize)]
pub struct FindQuery {
    #[serde(default)]
    index: String,
    #[serde(default)]
    table: String,
    #[serde(default)]
    key: String,
}

/// `GET /ledger/find?index=N` or `?table=events&key=12`: to the leaf (the latest of a record).
pub async fn find(
    State(st): State<AppState>,
    PageUser(s): PageUser,
    Query(q): Query<FindQuery>,
) -> Response {
    if auditor_only(&s).is_err() {
        return error_page(StatusCode::FORBIDDEN, FORBIDDEN_ZH);
    }
    if !q.index.trim().is_empty() {
        return match q.index.trim().parse::<u64>() {
            Ok(i) => crate::http::page::redirect(&format!("/ledger/leaves/{i}")),
            Err(_) => error_page(
                StatusCode::BAD_REQUEST,
                &format!("叶子序号“{}”不是非负整数", q.index.trim()),
            ),
        };
    }
    match record_leaves(&st, q.table.trim(), &q.key).await {
        Ok(leaves) => match leaves.last() {
            Some(l) => crate::http::page::redirect(&format!("/ledger/leaves/{}", l.index)),
            None => error_page(
                StatusCode::NOT_FOUND,
                &format!("账本中没有记录 {}/{}", q.table.trim(), q.key.trim()),
            ),
        },
        Err(e) => error_page(e.status, &e.message),
    }
}

/// `GET /ledger/checkpoints/{id}`: the signed note as a text file, for a witness to keep.
pub async fn checkpoint_download(
    State(st): State<AppState>,
    PageUser(s): PageUser,
    Path(id): Path<i64>,
) -> Response {
    if auditor_only(&s).is_err() {
        return error_page(StatusCode::FORBIDDEN, FORBIDDEN_ZH);
    }
    let rows = st.store.checkpoints(i64::MAX).await.unwrap_or_default();
    match rows.into_iter().find(|c| c.id == id) {
        Some(c) => (
            [
                (
                    header::CONTENT_TYPE,
                    "text/plain; charset=utf-8".to_string(),
                ),
                (
                    header::CONTENT_DISPOSITION,
                    format!(
                        "attachment; filename=\"checkpoint-{}-{}.txt\"",
                        c.id, c.size
                    ),
                ),
            ],
            c.note,
        )
            .into_response(),
        None => error_page(StatusCode::NOT_FOUND, "没有这个检查点"),
    }
}
