//! The auditor's trails (三员: the auditor reads, changes nothing): who read which confidential
//! case in full, on what basis (clearance, or need-to-know by assignment), from which page or API,
//! and when; and what the administrators did (credentials issued and revoked, second factors
//! reset, calendar years imported).

use crate::AppState;
use crate::error::ApiError;
use crate::http::page::{Layout, error_page, render};
use crate::http::{CurrentUser, PageUser};
use crate::view::local;
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;
use tianping_domain::Confidentiality;
use tianping_domain::access::may_audit;
use tianping_store::audit::{AdminAction, ConfidentialRead};
use tianping_store::user::Session;

pub fn router() -> Router<AppState> {
    Router::new().route("/audit/reads", get(page))
}

pub fn api_router() -> Router<AppState> {
    Router::new()
        .route("/audit/confidential-reads", get(api_reads))
        .route("/audit/admin-actions", get(api_admin_actions))
}

fn check(s: &Session) -> Result<(), ApiError> {
    if may_audit(s.user.role) {
        Ok(())
    } else {
        Err(ApiError::forbidden("查看涉密案件查阅记录（仅安全审计员）"))
    }
}

#[derive(Template)]
#[template(path = "audit_reads.html")]
struct ReadsPage {
    layout: Layout,
    reads: Vec<ConfidentialRead>,
    actions: Vec<AdminAction>,
}

impl ReadsPage {
    fn when(&self, t: &str) -> String {
        local(t)
    }
    fn level(&self, c: &str) -> &'static str {
        Confidentiality::parse(c).map_or("涉密", Confidentiality::zh)
    }
    fn basis(&self, b: &str) -> &'static str {
        if b == "assignment" {
            "承办或监管本案"
        } else {
            "查阅权限"
        }
    }
    fn via(&self, v: &str) -> &'static str {
        match v {
            "case_page" => "案件页面",
            "api" => "接口",
            "similar" => "类案检索",
            "similar_report" => "类案检索报告",
            _ => "其他",
        }
    }
}

pub async fn page(State(st): State<AppState>, PageUser(s): PageUser) -> Response {
    if let Err(e) = check(&s) {
        return error_page(e.status, &e.message);
    }
    let loaded = async {
        Ok::<_, tianping_store::StoreError>((
            st.store.confidential_reads(500).await?,
            st.store.admin_actions(500).await?,
        ))
    }
    .await;
    match loaded {
        Ok((reads, actions)) => render(&ReadsPage {
            layout: Layout::new(&s, "/audit/reads"),
            reads,
            actions,
        }),
        Err(e) => {
            let e = ApiError::from(e);
            error_page(e.status, &e.message)
        }
    }
}

pub async fn api_reads(
    State(st): State<AppState>,
    CurrentUser(s): CurrentUser,
) -> Result<Json<serde_json::Value>, ApiError> {
    check(&s)?;
    Ok(Json(
        json!({ "items": st.store.confidential_reads(1000).await? }),
    ))
}

pub async fn api_admin_actions(
    State(st): State<AppState>,
    CurrentUser(s): CurrentUser,
) -> Result<Json<serde_json::Value>, ApiError> {
    check(&s)?;
    Ok(Json(
        json!({ "items": st.store.admin_actions(1000).await? }),
    ))
}
