//! The expert pool (评查专家库) of an office that runs evaluations: its experts with their kind
//! and recorded relationships, adding one by login and taking one out.

use super::CsrfForm;
use crate::AppState;
use crate::error::{ApiError, Code};
use crate::http::PageUser;
use crate::http::extract::{csrf_refused, parse_id};
use crate::http::page::{Layout, api_error_page, redirect, render};
use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use tianping_domain::access::runs_evaluations;
use tianping_store::evaluation::{EXPERT_KINDS, ExpertRow};
use tianping_store::user::Session;

#[derive(Default, Clone, serde::Deserialize)]
pub(crate) struct ExpertForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    relations: String,
}

#[derive(Template)]
#[template(path = "evaluation_experts.html")]
struct ExpertsPage {
    layout: Layout,
    experts: Vec<ExpertRow>,
    kinds: &'static [(&'static str, &'static str)],
    errors: Vec<(String, String)>,
    form: ExpertForm,
}

impl ExpertsPage {
    fn error_of(&self, field: &str) -> String {
        crate::http::page::errors_of(&self.errors, field)
    }
}

async fn experts(
    st: &AppState,
    s: &Session,
    form: ExpertForm,
    errors: Vec<(String, String)>,
) -> axum::response::Response {
    if !runs_evaluations(s.user.role, s.org.kind) {
        return api_error_page(ApiError::forbidden("管理评查专家库"));
    }
    let experts = match st.store.evaluation_experts(&s.org.id).await {
        Ok(e) => e,
        Err(e) => return api_error_page(e.into()),
    };
    let mut res = render(&ExpertsPage {
        layout: Layout::new(s, "/evaluations/experts"),
        experts,
        kinds: EXPERT_KINDS,
        errors: errors.clone(),
        form,
    });
    if !errors.is_empty() {
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    res
}

pub(crate) async fn experts_page(
    State(st): State<AppState>,
    PageUser(s): PageUser,
) -> axum::response::Response {
    let form = ExpertForm {
        kind: "judge".into(),
        ..ExpertForm::default()
    };
    experts(&st, &s, form, vec![]).await
}

pub(crate) async fn expert_submit(
    State(st): State<AppState>,
    PageUser(s): PageUser,
    Form(f): Form<ExpertForm>,
) -> axum::response::Response {
    if let Some(r) = csrf_refused(&f.csrf, &s) {
        return r;
    }
    if !runs_evaluations(s.user.role, s.org.kind) {
        return api_error_page(ApiError::forbidden("管理评查专家库"));
    }
    if f.username.trim().is_empty() {
        return experts(
            &st,
            &s,
            f,
            vec![("username".into(), "请填写专家的登录账号".into())],
        )
        .await;
    }
    match st
        .store
        .add_evaluation_expert(
            &s.org.id,
            &f.username,
            &f.kind,
            &f.relations,
            &s.user,
            st.now(),
        )
        .await
    {
        Ok(_) => redirect("/evaluations/experts"),
        Err(e) => {
            let e = ApiError::from(e);
            if e.code == Code::Internal {
                return api_error_page(e);
            }
            let field = match e.code {
                Code::InvalidKind => "kind",
                Code::FieldTooLong => "relations",
                _ => "username",
            };
            experts(&st, &s, f, vec![(field.into(), e.message)]).await
        }
    }
}

pub(crate) async fn expert_remove(
    State(st): State<AppState>,
    PageUser(s): PageUser,
    Path(id): Path<String>,
    Form(f): Form<CsrfForm>,
) -> axum::response::Response {
    if let Some(r) = csrf_refused(&f.csrf, &s) {
        return r;
    }
    if !runs_evaluations(s.user.role, s.org.kind) {
        return api_error_page(ApiError::forbidden("管理评查专家库"));
    }
    let run = async {
        let id = parse_id(&id, "评查专家")?;
        st.store
            .remove_evaluation_expert(id, &s.org.id, &s.user, st.now())
            .await?;
        Ok::<_, ApiError>(redirect("/evaluations/experts"))
    };
    run.await.unwrap_or_else(api_error_page)
}
