//! The public rating page, `/r/{token}`: no login, phone-sized, Chinese, no JavaScript. It names
//! the court and the kind of case — never a party, never the case number, the cause only of a
//! case with nothing to hide — and takes a rating once per party's code (a window's code a few
//! times a day per device). A form post gets a page; a JSON post gets JSON (`201`, `409
//! already_rated`, `400 bad_token`, `410 token_expired`, `422 invalid_rating` with each field).

use super::qr_svg_of;
use crate::AppState;
use crate::error::{ApiError, Code};
use crate::http::extract::ClientAddr;
use askama::Template;
use axum::extract::{FromRequest, Path, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::{Form, Json};
use serde::Deserialize;
use serde_json::json;
use sha2::{Digest as _, Sha256};
use tianping_domain::feedback::{FieldError, FollowUp, Level, RatingInput, check_rating, rules};
use tianping_domain::{CaseKind, Confidentiality};
use tianping_ledger::TokenError;
use tianping_store::feedback::TokenRow;

const DEVICE_COOKIE: &str = "tp_device";

/// A token refused, as the API says it.
fn refused(e: &TokenError) -> ApiError {
    match e {
        TokenError::Expired(_) => ApiError::new(
            Code::TokenExpired,
            "该二维码已过有效期，请向法院索取新的评价码",
        ),
        _ => ApiError::new(
            Code::BadToken,
            "二维码无效：不是本院签发的评价码，或内容已被改动",
        ),
    }
}

/// The code behind a token, checked (signature, expiry) and found.
async fn code(st: &AppState, token: &str) -> Result<TokenRow, ApiError> {
    let t = st
        .feedback
        .verifier()
        .open_token(token, st.now().timestamp())
        .map_err(|e| refused(&e))?;
    match st.store.feedback_token(&t.id_hex()).await? {
        Some(row) if row.scope == t.scope.as_str() => Ok(row),
        _ => Err(ApiError::new(
            Code::BadToken,
            "二维码无效：本院没有签发过这个评价码",
        )),
    }
}

/// What the page says the code is for.
struct Subject {
    court: String,
    what: String,
    cause: Option<String>,
    window: bool,
}

fn subject(t: &TokenRow) -> Subject {
    if t.scope == "window" {
        return Subject {
            court: t.court_name.clone(),
            what: t.label.clone(),
            cause: None,
            window: true,
        };
    }
    let kind = t
        .case_kind
        .as_deref()
        .and_then(CaseKind::parse)
        .unwrap_or(CaseKind::Civil);
    let level = t
        .case_confidentiality
        .as_deref()
        .and_then(Confidentiality::parse)
        // Unknown: hide as much as the strictest level would.
        .unwrap_or(Confidentiality::StateSecret);
    let p =
        tianping_domain::feedback::public_case(&t.court_name, kind, t.case_cause.as_deref(), level);
    Subject {
        court: p.court,
        what: format!("{}（{}）", p.kind, t.label),
        cause: p.cause,
        window: false,
    }
}

#[derive(Template)]
#[template(path = "rate.html")]
struct RatePage {
    token: String,
    court: String,
    what: String,
    cause: Option<String>,
    window: bool,
    levels: Vec<(i64, &'static str, bool)>,
    aspects: Vec<(String, String, bool)>,
    comment: String,
    name: String,
    phone: String,
    errors: Vec<FieldError>,
    /// After a rating, or when there is nothing to rate: the message instead of the form.
    done: Option<String>,
    follow: Option<String>,
}

impl RatePage {
    fn error_of(&self, field: &str) -> String {
        self.errors
            .iter()
            .filter(|e| e.field == field)
            .map(|e| e.message.clone())
            .collect::<Vec<_>>()
            .join("；")
    }
}

fn blank(token: &str, t: &TokenRow) -> RatePage {
    let s = subject(t);
    RatePage {
        token: token.to_string(),
        court: s.court,
        what: s.what,
        cause: s.cause,
        window: s.window,
        levels: Level::ALL
            .iter()
            .map(|l| (l.score(), l.zh(), false))
            .collect(),
        aspects: rules()
            .aspects
            .iter()
            .map(|a| (a.key.clone(), a.zh.clone(), false))
            .collect(),
        comment: String::new(),
        name: String::new(),
        phone: String::new(),
        errors: vec![],
        done: None,
        follow: None,
    }
}

/// A page for the public: its own status, never cached, framed by nothing.
fn page(status: StatusCode, p: &RatePage, set_device: Option<String>) -> Response {
    let mut res = match p.render() {
        Ok(html) => (status, axum::response::Html(html)).into_response(),
        Err(e) => ApiError::internal(e).into_response(),
    };
    if let Some(c) = set_device
        && let Ok(v) = HeaderValue::from_str(&c)
    {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    res
}

#[derive(Template)]
#[template(path = "rate_refused.html")]
struct RefusedPage {
    message: String,
}

fn refused_page(e: ApiError) -> Response {
    let status = e.status;
    match (RefusedPage { message: e.message }).render() {
        Ok(html) => (status, axum::response::Html(html)).into_response(),
        Err(e) => ApiError::internal(e).into_response(),
    }
}

fn device_cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get(header::COOKIE)
        .and_then(|c| c.to_str().ok())
        .and_then(|c| crate::auth::cookie(c, DEVICE_COOKIE))
        .filter(|v| v.len() == 32 && v.bytes().all(|b| b.is_ascii_hexdigit()))
        .map(str::to_string)
}

fn new_device_cookie(st: &AppState) -> Option<String> {
    let mut b = [0u8; 16];
    getrandom::fill(&mut b).ok()?;
    let v: String = b.iter().map(|x| format!("{x:02x}")).collect();
    let secure = if st.policy.cookie_secure {
        "; Secure"
    } else {
        ""
    };
    Some(format!(
        "{DEVICE_COOKIE}={v}; Path=/r; HttpOnly; SameSite=Lax; Max-Age=31536000{secure}"
    ))
}

/// `GET /r/{token}`.
pub(crate) async fn rate_page(
    State(st): State<AppState>,
    headers: HeaderMap,
    Path(token): Path<String>,
) -> Response {
    let t = match code(&st, &token).await {
        Ok(t) => t,
        Err(e) => return refused_page(e),
    };
    let mut p = blank(&token, &t);
    if t.scope == "case_party" && t.rated > 0 {
        p.done = Some("这个评价码已经评价过了，感谢您的参与。".into());
        return page(StatusCode::OK, &p, None);
    }
    let cookie = match device_cookie(&headers) {
        Some(_) => None,
        None if t.scope == "window" => new_device_cookie(&st),
        None => None,
    };
    page(StatusCode::OK, &p, cookie)
}

/// `GET /r/{token}/qr.svg`: the code as a QR image (for printing; the URL is the token's).
pub(crate) async fn qr_svg(State(st): State<AppState>, Path(token): Path<String>) -> Response {
    if let Err(e) = st
        .feedback
        .verifier()
        .open_token(&token, st.now().timestamp())
    {
        return refused(&e).into_response();
    }
    match qr_svg_of(&st.feedback.url(&token)) {
        Some(svg) => (
            [
                (header::CONTENT_TYPE, "image/svg+xml"),
                (header::CACHE_CONTROL, "private, max-age=86400"),
            ],
            svg,
        )
            .into_response(),
        None => ApiError::internal("QR encoding failed").into_response(),
    }
}

/// A rating as JSON.
#[derive(Deserialize, Default, utoipa::ToSchema)]
pub struct RatingJson {
    /// 1 (非常不满意) to 5 (非常满意); required, never assumed.
    #[serde(default)]
    pub rating: Option<i64>,
    #[serde(default)]
    pub aspects: Vec<String>,
    #[serde(default)]
    pub comment: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub phone: String,
}

/// `POST /r/{token}`: a form (`rating`, `aspects` repeated, `comment`, `name`, `phone`) or JSON.
pub(crate) async fn rate_submit(
    State(st): State<AppState>,
    Path(token): Path<String>,
    ClientAddr(addr): ClientAddr,
    req: Request,
) -> Response {
    let json = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    let headers = req.headers().clone();
    let limiter = &st.policy.limiter;
    if let Err(secs) = limiter.take(
        &format!("rate:{addr}"),
        limiter.limits.api_per_addr,
        st.now(),
    ) {
        return ApiError::rate_limited(secs).into_response();
    }
    let t = match code(&st, &token).await {
        Ok(t) => t,
        Err(e) if json => return e.into_response(),
        Err(e) => return refused_page(e),
    };
    let (input, bad_level) = if json {
        match Json::<RatingJson>::from_request(req, &st).await {
            Ok(Json(j)) => (j, false),
            Err(e) => {
                return ApiError::new(Code::BodyMalformed, format!("请求体字段不符合要求：{e}"))
                    .into_response();
            }
        }
    } else {
        match Form::<Vec<(String, String)>>::from_request(req, &st).await {
            Ok(Form(pairs)) => {
                let get = |k: &str| {
                    pairs
                        .iter()
                        .find(|(n, _)| n == k)
                        .map_or(String::new(), |(_, v)| v.clone())
                };
                let raw = get("rating");
                let level = raw.trim().parse::<i64>().ok();
                (
                    RatingJson {
                        rating: level,
                        aspects: pairs
                            .iter()
                            .filter(|(n, _)| n == "aspects")
                            .map(|(_, v)| v.clone())
                            .collect(),
                        comment: get("comment"),
                        name: get("name"),
                        phone: get("phone"),
                    },
                    !raw.trim().is_empty() && level.is_none(),
                )
            }
            Err(e) => return refused_page(ApiError::new(Code::BodyMalformed, e.to_string())),
        }
    };
    let checked = if bad_level {
        Err(vec![FieldError {
            field: "rating",
            message: "满意程度应为 1 至 5".into(),
        }])
    } else {
        check_rating(
            rules(),
            &RatingInput {
                level: input.rating,
                aspects: &input.aspects,
                comment: &input.comment,
                name: &input.name,
                phone: &input.phone,
            },
        )
    };
    let rating = match checked {
        Ok(r) => r,
        Err(errors) if json => {
            let fields: Vec<_> = errors
                .iter()
                .map(|e| json!({ "field": e.field, "message": e.message }))
                .collect();
            let first = errors.first().map_or(String::new(), |e| e.message.clone());
            return ApiError::new(Code::InvalidRating, first)
                .with_details(json!({ "field": errors.first().map(|e| e.field), "fields": fields }))
                .into_response();
        }
        Err(errors) => {
            let mut p = blank(&token, &t);
            for l in &mut p.levels {
                l.2 = Some(l.0) == input.rating;
            }
            for a in &mut p.aspects {
                a.2 = input.aspects.iter().any(|x| x == &a.0);
            }
            p.comment = input.comment;
            p.name = input.name;
            p.phone = input.phone;
            p.errors = errors;
            return page(StatusCode::UNPROCESSABLE_ENTITY, &p, None);
        }
    };
    // The device a window's limit counts: the page's cookie, else the client's address.
    let device = (t.scope == "window").then(|| {
        let basis = device_cookie(&headers).unwrap_or_else(|| format!("addr:{addr}"));
        let d = Sha256::digest(basis.as_bytes());
        d.iter()
            .take(16)
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    });
    let follow = rating.follow_up();
    match st
        .store
        .rate(&t, &rating, device.as_deref(), st.now())
        .await
    {
        Ok(_) => {
            let days = rules().follow_up.callback_working_days;
            let (code, note) = match follow {
                FollowUp::CallBack => (
                    "callback",
                    Some(format!(
                        "我们将在 {days} 个工作日内按您留下的电话与您联系，了解情况并改进工作。"
                    )),
                ),
                FollowUp::Review => (
                    "review",
                    Some("您的意见将由本院审判管理部门逐条复核。如希望得到回复，可重新扫码时留下电话。".into()),
                ),
                FollowUp::None => ("none", None),
            };
            if json {
                return (
                    StatusCode::CREATED,
                    Json(json!({ "status": "accepted", "follow_up": code })),
                )
                    .into_response();
            }
            let mut p = blank(&token, &t);
            p.done = Some("评价已提交，感谢您对法院工作的监督。".into());
            p.follow = note;
            page(StatusCode::CREATED, &p, None)
        }
        Err(e) => {
            let e = ApiError::from(e);
            if json {
                return e.into_response();
            }
            let mut p = blank(&token, &t);
            p.done = Some(e.message.clone());
            page(e.status, &p, None)
        }
    }
}
