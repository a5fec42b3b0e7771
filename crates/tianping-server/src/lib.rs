//! Tianping's web server: the JSON API under `/api/v1` and the server-rendered Chinese UI. Every
//! handler checks the role and the organisation subtree; every case projection is redacted by the
//! viewer's clearance.

pub mod account;
pub mod accounts;
pub mod api;
pub mod audit;
pub mod auth;
pub mod clocks;
pub mod error;
pub mod export;
pub mod judgments;
pub mod ledger;
pub mod mailbox;
pub mod metrics;
pub mod pages;
pub mod rate;
pub mod similar;
pub mod supervision;
pub mod system_clients;
pub mod view;

use axum::extract::{DefaultBodyLimit, FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Router, extract::Request};
use chrono::{DateTime, Utc};
use std::sync::Arc;
use tianping_store::Store;
use tianping_store::user::Session;

use crate::error::ApiError;

/// The injected clock: nothing in the server calls `Utc::now()` directly.
pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<Utc>;
}

pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock fixed at one instant (tests, reproducible demos).
pub struct FixedClock(pub DateTime<Utc>);

impl Clock for FixedClock {
    fn now(&self) -> DateTime<Utc> {
        self.0
    }
}

#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub clock: Arc<dyn Clock>,
    pub policy: auth::Policy,
    /// The ledger's origin and public key (checkpoints are signed by the worker, not here).
    pub ledger: ledger::LedgerIdentity,
    /// The library of prior judgments for similar-case retrieval (index opened on first use).
    pub library: Arc<similar::Library>,
}

impl AppState {
    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }
}

/// The logged-in user of a request, from the session cookie.
pub struct CurrentUser(pub Session);

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let token = parts
            .headers
            .get(header::COOKIE)
            .and_then(|v| v.to_str().ok())
            .and_then(|c| auth::cookie(c, auth::SESSION_COOKIE))
            .filter(|t| !t.is_empty())
            .ok_or_else(ApiError::unauthenticated)?;
        let session = state
            .store
            .session(&auth::token_hash(token), state.now())
            .await?
            .ok_or_else(ApiError::unauthenticated)?;
        let limiter = &state.policy.limiter;
        limiter
            .take(
                &format!("user:{}", session.user.id),
                limiter.limits.per_user,
                state.now(),
            )
            .map_err(ApiError::rate_limited)?;
        // A role that must have a second factor reaches only enrolment until it has one.
        // (Inside `/api/v1` the router sees the path without its prefix: read the original.)
        let path = parts
            .extensions
            .get::<axum::extract::OriginalUri>()
            .map_or_else(|| parts.uri.path().to_string(), |u| u.path().to_string());
        if state.policy.totp_required.contains(&session.user.role)
            && session.user.totp_secret.is_none()
            && !account::ENROLMENT_PATHS.iter().any(|p| path.starts_with(p))
        {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "second_factor_required",
                "本角色须先设置双因素认证（动态验证码），请在“账户安全”中完成设置",
            ));
        }
        Ok(CurrentUser(session))
    }
}

/// The address a request came from (for login throttling and rate limits): the peer of the TCP
/// connection, or `unknown` when the server runs without connection info (tests).
pub struct ClientAddr(pub String);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientAddr(client_addr(parts)))
    }
}

pub(crate) fn client_addr(parts: &Parts) -> String {
    parts
        .extensions
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map_or_else(|| "unknown".to_string(), |c| c.0.ip().to_string())
}

/// For pages: the logged-in user, or a redirect to the login page.
pub struct PageUser(pub Session);

impl FromRequestParts<AppState> for PageUser {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        match CurrentUser::from_request_parts(parts, state).await {
            Ok(CurrentUser(s)) => Ok(PageUser(s)),
            Err(e) if e.code == "unauthenticated" => {
                Err((StatusCode::SEE_OTHER, [(header::LOCATION, "/login")]).into_response())
            }
            Err(e) if e.code == "second_factor_required" => Err((
                StatusCode::SEE_OTHER,
                [(header::LOCATION, "/account/security")],
            )
                .into_response()),
            Err(e) => Err(pages::error_page(e.status, &e.message)),
        }
    }
}

/// The API's limit per client address.
async fn api_rate(State(st): State<AppState>, req: Request, next: Next) -> Response {
    let (parts, body) = req.into_parts();
    let addr = client_addr(&parts);
    let limiter = &st.policy.limiter;
    if let Err(secs) = limiter.take(
        &format!("api:{addr}"),
        limiter.limits.api_per_addr,
        st.now(),
    ) {
        tracing::warn!(client = %addr, "API rate limit");
        return ApiError::rate_limited(secs).into_response();
    }
    next.run(Request::from_parts(parts, body)).await
}

/// Login attempts per client address (pages and API).
pub(crate) fn login_rate(st: &AppState, addr: &str) -> Result<(), ApiError> {
    let limiter = &st.policy.limiter;
    limiter
        .take(
            &format!("login:{addr}"),
            limiter.limits.login_per_addr,
            st.now(),
        )
        .map_err(|secs| {
            tracing::warn!(client = %addr, "login rate limit");
            ApiError::rate_limited(secs)
        })
}

async fn security_headers(req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    h.insert("x-frame-options", HeaderValue::from_static("DENY"));
    h.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    h.insert("referrer-policy", HeaderValue::from_static("same-origin"));
    h.insert(
        "content-security-policy",
        HeaderValue::from_static("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'"),
    );
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    res
}

async fn healthz(State(st): State<AppState>) -> Response {
    match st.store.ping().await {
        Ok(_) => (StatusCode::OK, "ok").into_response(),
        Err(e) => (
            StatusCode::SERVICE_UNAVAILABLE,
            format!("database unavailable: {e}"),
        )
            .into_response(),
    }
}

async fn metrics(State(st): State<AppState>) -> Response {
    match st.store.counts().await {
        Ok((cases, events)) => (
            [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
            format!(
                "# HELP tianping_cases Cases in the registry.\n# TYPE tianping_cases gauge\ntianping_cases {cases}\n\
                 # HELP tianping_events Procedural events stored.\n# TYPE tianping_events gauge\ntianping_events {events}\n\
                 # HELP tianping_build_info Build information.\n# TYPE tianping_build_info gauge\n\
                 tianping_build_info{{version=\"{}\",backend=\"{}\"}} 1\n",
                env!("CARGO_PKG_VERSION"),
                st.store.backend().as_str()
            ),
        )
            .into_response(),
        Err(e) => ApiError::from(e).into_response(),
    }
}

/// The whole application.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .route("/assets/app.css", get(pages::stylesheet))
        .route("/", get(pages::root))
        .route("/login", get(pages::login_form).post(pages::login_submit))
        .route("/logout", post(pages::logout))
        .route("/home", get(pages::home))
        .route("/cases", get(pages::case_list))
        .route("/cases/{id}", get(pages::case_page))
        .route(
            "/admin/calendar",
            get(clocks::calendar_page).post(clocks::calendar_submit),
        )
        .route("/warnings", get(clocks::board_page))
        .route("/ledger", get(ledger::ledger_page))
        .route("/ledger/witness", post(ledger::witness_submit))
        .route("/ledger/find", get(ledger::find))
        .route("/ledger/leaves/{index}", get(ledger::leaf_page))
        .route("/ledger/checkpoints/{id}", get(ledger::checkpoint_download))
        .route("/warnings/export.xlsx", get(clocks::board_export))
        .route("/warnings/{id}/ack", post(clocks::ack_submit))
        .route("/cases/{id}/letters", post(clocks::letter_submit))
        .route("/letters/{id}", get(clocks::letter_page))
        .route("/clock-changes", get(clocks::changes_page))
        .route("/clock-changes/ack", post(clocks::changes_ack))
        .route("/cases/{id}/flags", post(supervision::flag_submit))
        .route("/cases/{id}/similar", get(similar::page))
        .route(
            "/deviation-warnings/{id}/ack",
            post(similar::acknowledge_submit),
        )
        .route("/cases/{id}/similar/reports", post(similar::save_submit))
        .route(
            "/cases/{id}/similar/reports/{rid}",
            get(similar::report_page),
        )
        .route("/flags/{id}/clear", post(supervision::flag_clear_submit))
        .route("/cases/{id}/acts", post(supervision::act_submit))
        .route("/acts/{id}/answer", post(supervision::answer_submit))
        .route(
            "/interference",
            get(supervision::interference_page).post(supervision::interference_submit),
        )
        .route("/interference/zero", post(supervision::zero_submit))
        .route(
            "/interference/export.xlsx",
            get(supervision::interference_export),
        )
        .route(
            "/supervision",
            get(supervision::ledger_page).post(supervision::item_submit),
        )
        .route("/supervision/export.xlsx", get(supervision::ledger_export))
        .route("/supervision/{id}", get(supervision::item_page))
        .route(
            "/supervision/{id}/actions",
            post(supervision::action_submit),
        )
        .route(
            "/supervision/{id}/evidence",
            post(supervision::evidence_submit),
        )
        .route(
            "/supervision/{id}/evidence/{eid}",
            get(supervision::evidence_download),
        )
        .route(
            "/referrals",
            get(supervision::referrals_page).post(supervision::referral_submit),
        )
        .route("/referrals/{id}", get(supervision::referral_page))
        .route(
            "/referrals/{id}/actions",
            post(supervision::referral_action_submit),
        )
        .route(
            "/projects",
            get(supervision::projects_page).post(supervision::project_submit),
        )
        .route("/projects/{id}", get(supervision::project_page))
        .route(
            "/projects/{id}/actions",
            post(supervision::project_action_submit),
        )
        .route("/quality", get(metrics::dashboard))
        .route("/quality/cases", get(metrics::cases_page))
        .route("/quality/cases.xlsx", get(metrics::cases_export))
        .route("/judgments", get(judgments::list))
        .route("/judgments/{id}", get(judgments::detail))
        .route("/quality/export.xlsx", get(metrics::export))
        .route("/quality/report", get(metrics::report))
        .merge(mailbox::router())
        .merge(system_clients::router())
        .merge(audit::router())
        .merge(account::router())
        .merge(accounts::router())
        .nest(
            "/api/v1",
            api::routes()
                .merge(mailbox::api_router())
                .merge(system_clients::api_router())
                .merge(audit::api_router())
                .merge(account::api_router())
                .merge(accounts::api_router())
                .layer(middleware::from_fn_with_state(state.clone(), api_rate)),
        )
        .layer(DefaultBodyLimit::max(32 * 1024 * 1024))
        .layer(middleware::from_fn(security_headers))
        .with_state(state)
}

/// Serves the application on `listener` until `shutdown` completes.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(
        listener,
        router(state).into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}
