//! Agencies' system clients (业务系统接入): the security administrator issues machine credentials
//! to an agency's own case system, scoped to one organisation's subtree, lists them and revokes
//! them. The token is shown once, when issued; only its SHA-256 is kept. Events a client sends are
//! recorded as `system:<name>` (see `api::EventWriter`).

use crate::AppState;
use crate::auth;
use crate::error::{ApiError, Code};
use crate::http::extract::check_csrf;
use crate::http::extract::csrf_refused;
use crate::http::page::{Layout, error_page, redirect, render};
use crate::http::{CurrentUser, PageUser};
use crate::view::local;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use serde::Deserialize;
use serde_json::json;
use tianping_domain::access::may_manage_system_clients;
use tianping_store::system_client::SystemClient;
use tianping_store::user::Session;

/// Tokens start with this, so a leaked one is recognisable in logs and scanners.
const TOKEN_PREFIX: &str = "tps_";

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/systems", get(page).post(add_submit))
        .route("/admin/systems/{id}/revoke", post(revoke_submit))
}

pub fn api_router() -> Router<AppState> {
    Router::new()
        .route("/admin/system-clients", get(api_list).post(api_add))
        .route("/admin/system-clients/{id}/revoke", post(api_revoke))
}

fn check(s: &Session) -> Result<(), ApiError> {
    if may_manage_system_clients(s.user.role) {
        Ok(())
    } else {
        Err(ApiError::forbidden("管理业务系统接入（仅安全管理员）"))
    }
}

/// Issues a client for `org_id`: returns its id and the token (shown once).
async fn add(
    st: &AppState,
    s: &Session,
    name: &str,
    org_id: &str,
) -> Result<(i64, String), ApiError> {
    check(s)?;
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 64 {
        return Err(ApiError::new(Code::InvalidName, "系统名称须为 1–64 个字符")
            .with_details(json!({ "field": "name" })));
    }
    let org = st
        .store
        .org(org_id.trim())
        .await?
        .filter(|o| o.kind.handles_cases());
    let Some(org) = org else {
        return Err(ApiError::new(
            Code::InvalidOrg,
            format!("单位“{org_id}”不存在或不是办案机关"),
        )
        .with_details(json!({ "field": "org_id" })));
    };
    let token = format!(
        "{TOKEN_PREFIX}{}",
        auth::random_token().map_err(ApiError::internal)?
    );
    let id = st
        .store
        .add_system_client(
            name,
            &org.id,
            &auth::token_hash(&token),
            &s.user.username,
            st.now(),
        )
        .await?
        .ok_or_else(|| {
            ApiError::new(Code::NameTaken, format!("已有名为“{name}”的业务系统"))
                .with_details(json!({ "field": "name" }))
        })?;
    tracing::info!(by = %s.user.username, client = id, org = %org.id, "system client issued");
    Ok((id, token))
}

async fn revoke(st: &AppState, s: &Session, id: &str) -> Result<bool, ApiError> {
    check(s)?;
    let id: i64 = id.parse().map_err(|_| ApiError::not_found("业务系统"))?;
    let done = st
        .store
        .revoke_system_client(id, &s.user.username, st.now())
        .await?;
    tracing::info!(by = %s.user.username, client = id, done, "system client revoked");
    Ok(done)
}

#[derive(Template)]
#[template(path = "systems.html")]
struct SystemsPage {
    layout: Layout,
    clients: Vec<SystemClient>,
    orgs: Vec<(String, String)>,
    /// The token just issued, shown once.
    issued: Option<(String, String)>,
    error: Option<String>,
    name: String,
}

impl SystemsPage {
    fn when(&self, t: &str) -> String {
        local(t)
    }
}

async fn load(st: &AppState, s: &Session) -> Result<SystemsPage, ApiError> {
    check(s)?;
    let orgs = st
        .store
        .orgs_in("/")
        .await?
        .into_iter()
        .filter(|o| o.kind.handles_cases())
        .map(|o| (o.id, o.name))
        .collect();
    Ok(SystemsPage {
        layout: Layout::new(s, "/admin/systems"),
        clients: st.store.system_clients().await?,
        orgs,
        issued: None,
        error: None,
        name: String::new(),
    })
}

pub async fn page(State(st): State<AppState>, PageUser(s): PageUser) -> Response {
    match load(&st, &s).await {
        Ok(p) => render(&p),
        Err(e) => error_page(e.status, &e.message),
    }
}

#[derive(Deserialize)]
pub struct AddForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    org_id: String,
}

pub async fn add_submit(
    State(st): State<AppState>,
    PageUser(s): PageUser,
    Form(f): Form<AddForm>,
) -> Response {
    if let Some(refused) = csrf_refused(&f.csrf, &s) {
        return refused;
    }
    let outcome = add(&st, &s, &f.name, &f.org_id).await;
    match (outcome, load(&st, &s).await) {
        (Ok((_, token)), Ok(mut p)) => {
            p.issued = Some((f.name.trim().to_string(), token));
            render(&p)
        }
        (Err(e), Ok(mut p)) if e.status != StatusCode::FORBIDDEN => {
            p.error = Some(e.message);
            p.name = f.name;
            render(&p)
        }
        (Err(e), _) | (_, Err(e)) => error_page(e.status, &e.message),
    }
}

#[derive(Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

pub async fn revoke_submit(
    State(st): State<AppState>,
    PageUser(s): PageUser,
    Path(id): Path<String>,
    Form(f): Form<CsrfForm>,
) -> Response {
    if let Some(refused) = csrf_refused(&f.csrf, &s) {
        return refused;
    }
    match revoke(&st, &s, &id).await {
        Ok(_) => redirect("/admin/systems"),
        Err(e) => error_page(e.status, &e.message),
    }
}

pub async fn api_list(
    State(st): State<AppState>,
    CurrentUser(s): CurrentUser,
) -> Result<Json<serde_json::Value>, ApiError> {
    check(&s)?;
    Ok(Json(json!({ "items": st.store.system_clients().await? })))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct AddInput {
    name: String,
    org_id: String,
}

pub async fn api_add(
    State(st): State<AppState>,
    headers: HeaderMap,
    CurrentUser(s): CurrentUser,
    body: axum::body::Bytes,
) -> Result<(StatusCode, Json<serde_json::Value>), ApiError> {
    check_csrf(&headers, &s)?;
    let i: AddInput = serde_json::from_slice(&body)
        .map_err(|e| ApiError::new(Code::InvalidJson, format!("JSON 无效：{e}")))?;
    let (id, token) = add(&st, &s, &i.name, &i.org_id).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "id": id, "name": i.name.trim(), "org_id": i.org_id.trim(), "token": token })),
    ))
}

pub async fn api_revoke(
    State(st): State<AppState>,
    headers: HeaderMap,
    CurrentUser(s): CurrentUser,
    Path(id): Path<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    check_csrf(&headers, &s)?;
    let changed = revoke(&st, &s, &id).await?;
    Ok(Json(json!({ "revoked": true, "changed": changed })))
}
