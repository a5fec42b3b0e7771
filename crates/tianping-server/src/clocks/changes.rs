//! Moved due dates: clocks a change of rules or calendar moved, for the case office to see and
//! acknowledge.

use super::board::AckForm;
use crate::AppState;
use crate::error::ApiError;
use crate::http::access::read_scope;
use crate::http::extract::csrf_refused;
use crate::http::page::{Layout, error_page, render};
use crate::http::{CurrentUser, PageUser};
use askama::Template;
use axum::Form;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::json;
use tianping_store::user::Session;

#[derive(Template)]
#[template(path = "changes.html")]
struct ChangesPage {
    layout: Layout,
    changes: Vec<tianping_store::clocks::ClockChange>,
    pending: usize,
    can_ack: bool,
}

fn may_ack_changes(s: &Session) -> bool {
    tianping_domain::access::may_acknowledge_changes(s.user.role, s.org.kind)
}

pub async fn changes_page(State(st): State<AppState>, PageUser(s): PageUser) -> Response {
    let Some(scope) = read_scope(&s) else {
        return error_page(StatusCode::FORBIDDEN, "当前角色无权查看期限变动");
    };
    match st
        .store
        .clock_changes(&scope.region_prefix, scope.agency_kind, 500)
        .await
    {
        Ok(changes) => render(&ChangesPage {
            layout: Layout::new(&s, "/clock-changes"),
            pending: changes.iter().filter(|c| !c.acknowledged).count(),
            changes,
            can_ack: may_ack_changes(&s),
        }),
        Err(e) => error_page(
            StatusCode::INTERNAL_SERVER_ERROR,
            &ApiError::from(e).message,
        ),
    }
}

pub async fn api_changes(
    State(st): State<AppState>,
    CurrentUser(s): CurrentUser,
) -> Result<Json<serde_json::Value>, ApiError> {
    let scope = read_scope(&s).ok_or_else(|| ApiError::forbidden("查看期限变动"))?;
    Ok(Json(
        json!({ "items": st.store.clock_changes(&scope.region_prefix, scope.agency_kind, 500).await? }),
    ))
}

pub async fn changes_ack(
    State(st): State<AppState>,
    PageUser(s): PageUser,
    Form(f): Form<AckForm>,
) -> Response {
    if let Some(refused) = csrf_refused(&f.csrf, &s) {
        return refused;
    }
    if !may_ack_changes(&s) {
        return error_page(StatusCode::FORBIDDEN, "当前角色无权确认期限变动");
    }
    let Some(scope) = read_scope(&s) else {
        return error_page(StatusCode::FORBIDDEN, "当前角色无权确认期限变动");
    };
    match st
        .store
        .acknowledge_changes(&scope.region_prefix, s.org.kind, s.user.id, st.now())
        .await
    {
        Ok(_) => crate::http::page::redirect("/clock-changes"),
        Err(e) => error_page(
            StatusCode::INTERNAL_SERVER_ERROR,
            &ApiError::from(e).message,
        ),
    }
}
