//! Shared by the server's integration suites: the application over a store at a fixed instant,
//! a client with a session cookie and CSRF token, users, events and form bodies.
#![allow(dead_code, unused_imports)]

pub use axum::Router;
pub use axum::body::Body;
pub use axum::http::{Request, StatusCode, header};
pub use chrono::{TimeZone, Utc};
pub use serde_json::{Value, json};
pub use std::sync::Arc;
pub use tianping_domain::{Clearance, Confidentiality, Role};
pub use tianping_server::{AppState, FixedClock, auth, router};
pub use tianping_store::Store;
pub use tianping_store::testing::{TestDb, load_fixture_orgs};
pub use tianping_store::user::NewUser;
pub use tower::ServiceExt;

pub const PW: &str = "correct horse 1";
pub const ORIGIN: &str = "tianping.test/ledger";

pub fn log_key() -> tianping_ledger::LogKey {
    tianping_ledger::LogKey::from_seed(ORIGIN, [5; 32]).expect("key")
}

/// The application over a store, at a fixed instant. Its users log in with a password alone:
/// the second factor the policy requires of the 三员 is tested on its own (security.rs).
pub fn app(s: &Store, now: chrono::DateTime<Utc>) -> Router {
    app_with(
        s,
        now,
        auth::Policy {
            totp_required: vec![],
            ..auth::Policy::default()
        },
    )
}

/// The same with a given login policy (lockout, rate limits).
pub fn app_with(s: &Store, now: chrono::DateTime<Utc>, policy: auth::Policy) -> Router {
    router(AppState {
        policy,
        ..state(s, now)
    })
}

/// The server's state at `now` (for what runs beside the routes: sweeps, re-runs).
pub fn state(s: &Store, now: chrono::DateTime<Utc>) -> AppState {
    AppState {
        store: s.clone(),
        clock: Arc::new(FixedClock(now)),
        policy: auth::Policy::default(),
        ledger: identity(),
        library: Arc::new(tianping_server::similar::Library::in_memory()),
        feedback: feedback_codes(),
    }
}

/// The court's rating-code key in tests (a fixed seed) and the address printed in codes.
pub fn feedback_key() -> tianping_ledger::LogKey {
    tianping_ledger::LogKey::from_seed("court.test/feedback", [9; 32]).expect("seed key")
}

pub const PUBLIC_URL: &str = "https://tianping.court.test";

pub fn feedback_codes() -> tianping_server::feedback::Codes {
    tianping_server::feedback::Codes::new(feedback_key(), PUBLIC_URL)
}

pub fn identity() -> tianping_server::ledger::LedgerIdentity {
    tianping_server::ledger::LedgerIdentity {
        origin: ORIGIN.into(),
        verifier: log_key().verifier(),
        witnesses: vec![witness_key(0).verifier(), witness_key(1).verifier()],
    }
}

/// The witnesses' own keys (kept by the 人大常委会 and the 政法委, never by the server).
pub fn witness_key(i: usize) -> tianping_ledger::LogKey {
    let name = ["杭州市人大常委会", "中共杭州市委政法委员会"][i];
    tianping_ledger::LogKey::from_seed(name, [40 + i as u8; 32]).expect("witness key")
}

pub struct Client {
    pub app: Router,
    pub cookie: Option<String>,
    pub csrf: String,
}

pub struct Resp {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: String,
    pub bytes: Vec<u8>,
}

impl Resp {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
    /// The text of an Excel download: every XML part of the workbook (shared strings, sheets),
    /// so a test can look for a string the way a person opening the file would see it.
    pub fn xlsx_text(&self) -> String {
        use std::io::Read;
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(&self.bytes))
            .unwrap_or_else(|e| panic!("not an xlsx ({e}): {} bytes", self.bytes.len()));
        let mut out = String::new();
        for i in 0..zip.len() {
            let mut f = zip.by_index(i).expect("zip entry");
            if f.name().is_ok_and(|n| n.ends_with(".xml")) {
                f.read_to_string(&mut out).expect("xml text");
            }
        }
        out
    }

    pub fn code(&self) -> String {
        self.json()["error"]["code"]
            .as_str()
            .unwrap_or("")
            .to_string()
    }
}

impl Client {
    pub fn anonymous(app: &Router) -> Client {
        Client {
            app: app.clone(),
            cookie: None,
            csrf: String::new(),
        }
    }

    pub async fn send(
        &self,
        method: &str,
        uri: &str,
        body: Option<String>,
        csrf: bool,
        content_type: &str,
    ) -> Resp {
        let mut b = Request::builder().method(method).uri(uri);
        if let Some(c) = &self.cookie {
            b = b.header(header::COOKIE, c);
        }
        if csrf {
            b = b.header("x-csrf-token", &self.csrf);
        }
        if body.is_some() {
            b = b.header(header::CONTENT_TYPE, content_type);
        }
        let req = b
            .body(body.map_or_else(Body::empty, Body::from))
            .expect("request");
        request(&self.app, req).await
    }

    pub async fn get(&self, uri: &str) -> Resp {
        self.send("GET", uri, None, false, "").await
    }

    pub async fn post_json(&self, uri: &str, v: &Value) -> Resp {
        self.send("POST", uri, Some(v.to_string()), true, "application/json")
            .await
    }

    pub async fn login(app: &Router, username: &str, password: &str) -> (Client, Resp) {
        let mut c = Client::anonymous(app);
        let r = c
            .send(
                "POST",
                "/api/v1/session",
                Some(json!({"username": username, "password": password}).to_string()),
                false,
                "application/json",
            )
            .await;
        if r.status == StatusCode::OK {
            let set = r
                .headers
                .get(header::SET_COOKIE)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            assert!(
                set.contains("HttpOnly") && set.contains("SameSite=Strict"),
                "session cookie flags: {set}"
            );
            c.cookie = set.split(';').next().map(str::to_string);
            c.csrf = r.json()["csrf_token"].as_str().unwrap_or("").to_string();
        }
        (c, r)
    }

    pub async fn as_user(app: &Router, username: &str) -> Client {
        let (c, r) = Client::login(app, username, PW).await;
        assert_eq!(r.status, StatusCode::OK, "login {username}: {}", r.body);
        c
    }
}

pub async fn add_user(s: &Store, username: &str, org: &str, role: Role, clearance: Clearance) {
    let hash = auth::hash_password(PW).expect("hash");
    s.insert_user(
        &NewUser {
            username: username.into(),
            display_name: format!("{username}-name"),
            org_id: org.into(),
            role,
            clearance,
            email: None,
            password_hash: hash,
        },
        Utc::now(),
    )
    .await
    .expect("user");
}

pub fn ev(id: &str, number: &str, at: &str, kind: &str, extra: Value) -> Value {
    let mut v = json!({"source": "sc-cms", "source_event_id": id, "case_number": number, "occurred_at": at, "kind": kind});
    if let (Some(o), Some(e)) = (v.as_object_mut(), extra.as_object()) {
        for (k, x) in e {
            o.insert(k.clone(), x.clone());
        }
    }
    v
}

/// Event lines (as from `ev`) numbered from 1, ready for `Store::ingest`.
pub fn numbered(lines: Vec<Value>) -> Vec<tianping_store::Numbered> {
    lines
        .into_iter()
        .enumerate()
        .map(|(i, v)| tianping_store::Numbered {
            line: i as u64 + 1,
            record: serde_json::from_value(v).expect("record"),
        })
        .collect()
}

/// Percent-encodes a form body.
/// A form post of a logged-in page with the session's CSRF token.
pub async fn post_form(c: &Client, path: &str, fields: &[(&str, &str)]) -> Resp {
    let mut f = vec![("csrf", c.csrf.as_str())];
    f.extend_from_slice(fields);
    c.send(
        "POST",
        path,
        Some(form(&f)),
        false,
        "application/x-www-form-urlencoded",
    )
    .await
}

pub fn form(fields: &[(&str, &str)]) -> String {
    let enc = |s: &str| {
        s.bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() || b"-_.".contains(&b) {
                    (b as char).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect::<String>()
    };
    fields
        .iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// Sends any request (other headers, connection info) to the application.
pub async fn request(app: &Router, req: Request<Body>) -> Resp {
    let res = app.clone().oneshot(req).await.expect("response");
    let status = res.status();
    let headers = res.headers().clone();
    let bytes = axum::body::to_bytes(res.into_body(), 16 << 20)
        .await
        .expect("body");
    Resp {
        status,
        headers,
        body: String::from_utf8_lossy(&bytes).into_owned(),
        bytes: bytes.to_vec(),
    }
}
