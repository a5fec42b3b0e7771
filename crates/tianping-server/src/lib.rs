//! Tianping's web server: the JSON API under `/api/v1` and the server-rendered Chinese UI. Every
//! handler checks the role and the organisation subtree; every case projection is redacted by the
//! viewer's clearance.

pub mod account;
pub mod accounts;
pub mod audit;
pub mod auth;
pub mod cases;
pub mod clocks;
pub mod deputies;
pub mod dishonest;
pub mod docx;
pub mod error;
pub mod evaluation;
pub mod export;
pub mod feedback;
pub mod http;
pub mod incidents;
pub mod judgments;
pub mod ledger;
pub mod mailbox;
pub mod metrics;
pub mod nodes;
pub mod openapi;
pub mod people_supervisors;
pub mod persons;
mod proofreading;
pub mod rate;
pub mod refusal;
pub mod risk_points;
pub mod session;
pub mod similar;
pub mod supervision;
pub mod system_clients;
pub mod todo;
pub mod typical;
pub mod view;

use axum::extract::{DefaultBodyLimit, MatchedPath, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Router, extract::Request};
use chrono::{DateTime, Utc};
use std::sync::Arc;
use tianping_store::Store;
use tracing::Instrument;

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
    /// The key that signs the public's rating codes and where the public reaches the server.
    pub feedback: feedback::Codes,
}

impl AppState {
    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }
}

/// The API's limit per client address.
async fn api_rate(State(st): State<AppState>, req: Request, next: Next) -> Response {
    let (parts, body) = req.into_parts();
    let addr = http::extract::client_addr(&parts);
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

/// A path under `/api/v1` that names no operation.
async fn api_not_found() -> Response {
    ApiError::new(
        error::Code::NotFound,
        "没有这个接口（接口列表见 /api/docs/）",
    )
    .into_response()
}

/// Every API answer is JSON: a rejection the framework writes as plain text (a query string or
/// path segment that does not parse, an unsupported method, a body too large) becomes the API's
/// error envelope with a stable code and a Chinese message; the framework's own words go into
/// `details.reason`.
async fn api_json_errors(req: Request, next: Next) -> Response {
    let res = next.run(req).await;
    let status = res.status();
    let is_json = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("application/json"));
    if !status.is_client_error() || is_json {
        return res;
    }
    let bytes = axum::body::to_bytes(res.into_body(), 64 * 1024)
        .await
        .unwrap_or_default();
    let reason = String::from_utf8_lossy(&bytes).into_owned();
    let (code, zh) = match status {
        StatusCode::BAD_REQUEST if reason.starts_with("Failed to deserialize query") => {
            (error::Code::InvalidQuery, "查询参数无效")
        }
        StatusCode::BAD_REQUEST => (error::Code::InvalidId, "路径中的编号无效"),
        StatusCode::NOT_FOUND => (error::Code::NotFound, "没有这个接口"),
        StatusCode::METHOD_NOT_ALLOWED => (error::Code::MethodNotAllowed, "该接口不支持此请求方法"),
        StatusCode::PAYLOAD_TOO_LARGE => (error::Code::BodyTooLarge, "请求体过大"),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => (
            error::Code::ContentTypeJsonRequired,
            "请求须为 application/json",
        ),
        _ => (error::Code::BodyMalformed, "请求体字段不符合要求"),
    };
    ApiError::new(code, zh)
        .with_status(status)
        .with_details(serde_json::json!({ "reason": reason }))
        .into_response()
}

/// One span per request: the method, the route as registered (ids are not logged), the user once
/// the session is known (`http::extract::CurrentUser` records it), then the status and the
/// duration when the response is ready. A server error is logged at error level — the store error
/// behind it was logged where it became a 500 (`ApiError::internal`), inside this span.
async fn trace_request(req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", MatchedPath::as_str)
        .to_owned();
    let span = tracing::info_span!(
        "request",
        method = %req.method(),
        route = %route,
        user = tracing::field::Empty,
    );
    let started = std::time::Instant::now();
    let res = next.run(req).instrument(span.clone()).await;
    let status = res.status().as_u16();
    let ms = (started.elapsed().as_secs_f64() * 1000.0 * 10.0).round() / 10.0;
    if res.status().is_server_error() {
        tracing::error!(parent: &span, status, ms, "request failed");
    } else {
        tracing::info!(parent: &span, status, ms, "request");
    }
    res
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
    // A handler may set a narrower exception of its own (the vendored API docs need inline styles).
    if !h.contains_key("content-security-policy") {
        h.insert(
            "content-security-policy",
            HeaderValue::from_static("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'"),
        );
    }
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    res
}

async fn healthz(State(st): State<AppState>) -> Response {
    match st.store.ping().await {
        // A server whose rule files are not those in force must not take traffic: its pages and
        // API would compute other due dates than the stored ones.
        Ok(_) => match st.store.rules_conflict().await {
            Ok(Some(c)) => (StatusCode::SERVICE_UNAVAILABLE, c.to_string()).into_response(),
            Ok(None) => (StatusCode::OK, "ok").into_response(),
            Err(e) => (
                StatusCode::SERVICE_UNAVAILABLE,
                format!("database unavailable: {e}"),
            )
                .into_response(),
        },
        Err(e) => (
            StatusCode::SERVICE_UNAVAILABLE,
            format!("database unavailable: {e}"),
        )
            .into_response(),
    }
}

async fn metrics(State(st): State<AppState>) -> Response {
    let read = async {
        Ok::<_, tianping_store::StoreError>((
            st.store.counts().await?,
            (
                st.store.pending_metrics().await?,
                st.store.metric_changes_set_aside().await?,
            ),
        ))
    };
    match read.await {
        Ok(((cases, events), (pending, set_aside))) => (
            [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
            format!(
                "# HELP tianping_cases Cases in the registry.\n# TYPE tianping_cases gauge\ntianping_cases {cases}\n\
                 # HELP tianping_events Procedural events stored.\n# TYPE tianping_events gauge\ntianping_events {events}\n\
                 # HELP tianping_metric_changes_pending Changes of the quality totals not yet folded.\n# TYPE tianping_metric_changes_pending gauge\ntianping_metric_changes_pending {pending}\n\
                 # HELP tianping_metric_changes_set_aside Changes of the quality totals that did not read (run ledger verify, then rebuild-metrics).\n# TYPE tianping_metric_changes_set_aside gauge\ntianping_metric_changes_set_aside {set_aside}\n\
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
        .route("/assets/app.css", get(http::page::stylesheet))
        .merge(session::router())
        .merge(todo::router())
        .merge(account::router())
        .merge(cases::router())
        .merge(persons::router())
        .merge(incidents::router())
        .merge(people_supervisors::router())
        .merge(feedback::router())
        .merge(dishonest::router())
        .merge(typical::router())
        .merge(refusal::router())
        .merge(deputies::router())
        .merge(evaluation::router())
        .merge(proofreading::router())
        .merge(nodes::router())
        .merge(risk_points::router())
        .merge(clocks::router())
        .merge(supervision::router())
        .merge(similar::router())
        .merge(metrics::router())
        .merge(judgments::router())
        .merge(ledger::router())
        .merge(mailbox::router())
        .merge(system_clients::router())
        .merge(audit::router())
        .merge(accounts::router())
        .merge(openapi::router())
        .nest(
            "/api/v1",
            Router::new()
                .merge(session::api_router())
                .merge(todo::api_router())
                .merge(account::api_router())
                .merge(cases::api_router())
                .merge(persons::api_router())
                .merge(incidents::api_router())
                .merge(people_supervisors::api_router())
                .merge(feedback::api_router())
                .merge(dishonest::api_router())
                .merge(typical::api_router())
                .merge(refusal::api_router())
                .merge(deputies::api_router())
                .merge(evaluation::api_router())
                .merge(proofreading::api_router())
                .merge(nodes::api_router())
                .merge(risk_points::api_router())
                .merge(clocks::api_router())
                .merge(supervision::api_router())
                .merge(similar::api_router())
                .merge(metrics::api_router())
                .merge(ledger::api_router())
                .merge(mailbox::api_router())
                .merge(system_clients::api_router())
                .merge(audit::api_router())
                .merge(accounts::api_router())
                .merge(openapi::api_router())
                .fallback(api_not_found)
                .layer(middleware::from_fn_with_state(state.clone(), api_rate))
                .layer(middleware::from_fn(api_json_errors)),
        )
        .route_layer(middleware::from_fn(trace_request))
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
