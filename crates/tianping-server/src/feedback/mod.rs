//! The public's ratings (司法公正码, issue 24): the codes a court issues for a case's parties and
//! its windows (`codes`), the public rating page anyone with a code opens without logging in
//! (`public`), and the court's side — the 司法公正感受度 index with its drill-down, the ratings,
//! and the decisions on them (`index`). Who may do what is decided in
//! [`tianping_domain::access`]; a rating's rules are [`tianping_domain::feedback`]; the token is
//! [`tianping_ledger::token`], signed with the feedback key (never the ledger's).
//!
//! Pages: `/r/{token}` (public; `GET` the form, `POST` a rating as a form or JSON),
//! `/r/{token}/qr.svg`, `/cases/{id}/feedback-codes` (issue and print), `/feedback/windows`,
//! `/feedback` (the index), `/feedback/ratings`, `/feedback/ratings/{id}` (and its decision).
//! The API: `POST /api/v1/cases/{id}/feedback-tokens`, `GET /api/v1/feedback/index`,
//! `GET /api/v1/feedback/ratings`.

pub(crate) mod codes;
pub(crate) mod index;
mod public;

use crate::AppState;
use crate::error::ApiError;
use axum::Router;
use axum::routing::{get, post};
use std::sync::Arc;
use tianping_ledger::{LogKey, VerifierKey};

/// What the server needs to issue and check rating codes.
#[derive(Clone)]
pub struct Codes {
    key: Arc<LogKey>,
    verifier: VerifierKey,
    /// Where the public reaches this server (`https://…`, no trailing slash): the codes' URLs.
    base_url: String,
}

impl Codes {
    pub fn new(key: LogKey, base_url: &str) -> Codes {
        Codes {
            verifier: key.verifier(),
            key: Arc::new(key),
            base_url: base_url.trim_end_matches('/').to_string(),
        }
    }
    /// The public URL of a token.
    pub fn url(&self, token: &str) -> String {
        format!("{}/r/{token}", self.base_url)
    }
    pub fn verifier(&self) -> &VerifierKey {
        &self.verifier
    }
    /// A deputy's signed link to answer a survey (`/s/{token}`), valid until `expires` (Unix
    /// time): the token's id holds the survey's and the deputy's ids.
    pub fn survey_link(&self, survey: i64, deputy: i64, expires: i64) -> String {
        let mut id = [0u8; 16];
        id[..8].copy_from_slice(&survey.to_be_bytes());
        id[8..].copy_from_slice(&deputy.to_be_bytes());
        let token = self.key.sign_token(&tianping_ledger::Token {
            id,
            scope: tianping_ledger::Scope::SurveyAnswer,
            expires,
        });
        format!("{}/s/{token}", self.base_url)
    }
    /// The survey and deputy of a signed survey link, if it verifies and has not expired.
    pub fn open_survey_link(&self, token: &str, now: i64) -> Option<(i64, i64)> {
        let t = self.verifier.open_token(token, now).ok()?;
        if t.scope != tianping_ledger::Scope::SurveyAnswer {
            return None;
        }
        let survey = i64::from_be_bytes(t.id[..8].try_into().ok()?);
        let deputy = i64::from_be_bytes(t.id[8..].try_into().ok()?);
        Some((survey, deputy))
    }
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/r/{token}",
            get(public::rate_page).post(public::rate_submit),
        )
        .route("/r/{token}/qr.svg", get(public::qr_svg))
        .route(
            "/cases/{id}/feedback-codes",
            get(codes::case_codes_page).post(codes::case_code_submit),
        )
        .route(
            "/feedback/windows",
            get(codes::windows_page).post(codes::window_code_submit),
        )
        .route("/feedback", get(index::index_page))
        .route("/feedback/ratings", get(index::ratings_page))
        .route("/feedback/ratings/{id}", get(index::rating_page))
        .route("/feedback/ratings/{id}/decide", post(index::decide_submit))
}

pub fn api_router() -> Router<AppState> {
    Router::new()
        .route("/cases/{id}/feedback-tokens", post(codes::api_issue))
        .route("/feedback/index", get(index::api_index))
        .route("/feedback/ratings", get(index::api_ratings))
}

/// The token's text of an issued code: signed again from its row (Ed25519 signatures are
/// deterministic, so the same row always gives the same token; only its id is stored).
pub fn token_text(key: &LogKey, t: &tianping_store::feedback::TokenRow) -> Option<String> {
    use tianping_ledger::{Scope, Token};
    let mut id = [0u8; 16];
    if t.token_id.len() != 32 {
        return None;
    }
    for (i, b) in id.iter_mut().enumerate() {
        *b = u8::from_str_radix(t.token_id.get(i * 2..i * 2 + 2)?, 16).ok()?;
    }
    let expires = chrono::DateTime::parse_from_rfc3339(&t.expires_at)
        .ok()?
        .timestamp();
    let scope = if t.scope == "window" {
        Scope::Window
    } else {
        Scope::CaseParty
    };
    Some(key.sign_token(&Token { id, scope, expires }))
}

/// What the public's ratings put in a person's 待办: for the court's case-management office and
/// its heads, each bad rating left without a contact that nobody has reviewed yet (the bad ones
/// with a contact are supervision items, in their own 待办).
pub(crate) async fn tasks(
    st: &AppState,
    s: &tianping_store::user::Session,
) -> Result<Vec<tianping_domain::todo::Task>, ApiError> {
    use tianping_domain::todo::{Task, TaskKind};
    if !tianping_domain::access::reads_ratings(s.user.role, s.org.kind) {
        return Ok(vec![]);
    }
    let (rows, _) = st
        .store
        .ratings(&tianping_store::feedback::RatingFilter {
            region_prefix: s.org.region_path.clone(),
            unreviewed: true,
            limit: 50,
            ..Default::default()
        })
        .await?;
    Ok(rows
        .iter()
        .map(|r| Task {
            kind: TaskKind::ReviewRating,
            title: format!(
                "{}：{}{}",
                r.court_name,
                tianping_domain::feedback::Level::from_score(r.level)
                    .map_or("差评", tianping_domain::feedback::Level::zh),
                r.case_number
                    .as_deref()
                    .map(|n| format!("（{n}）"))
                    .unwrap_or_else(|| format!("（窗口：{}）", r.label))
            ),
            href: format!("/feedback/ratings/{}#decisions", r.id),
            due: None,
            quick_act: None,
        })
        .collect())
}

/// A QR code of `text` as an SVG document, dark modules on white, with a quiet zone.
pub(crate) fn qr_svg_of(text: &str) -> Option<String> {
    use qrcode::render::svg;
    let code =
        qrcode::QrCode::with_error_correction_level(text.as_bytes(), qrcode::EcLevel::M).ok()?;
    Some(
        code.render::<svg::Color<'_>>()
            .min_dimensions(200, 200)
            .quiet_zone(true)
            .dark_color(svg::Color("#000000"))
            .light_color(svg::Color("#ffffff"))
            .build(),
    )
}

/// The SVG inline in a page (its XML declaration dropped).
pub(crate) fn qr_inline(text: &str) -> String {
    qr_svg_of(text)
        .map(|s| match s.find("<svg") {
            Some(i) => s[i..].to_string(),
            None => s,
        })
        .unwrap_or_default()
}
