//! `tianping bench pages`: the server time of every list page a person works in (待办, cases, the
//! 四类案件 tab, the warnings board, supervision, referrals, quality, judgments, …) for the demo's
//! logins at their own scope, over the demo province loaded into PostgreSQL (a database created and
//! dropped) or SQLite. Each request goes through the whole application in-process — session,
//! access checks, queries, rendering — without the network; the anchor, measured in the same run
//! and the same way, is `GET /api/v1/me` (a session lookup and a small JSON answer every page also
//! pays).

use super::percentile;
use crate::demo;
use anyhow::{Context, Result, bail};
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use chrono::Utc;
use std::sync::Arc;
use std::time::Instant;
use tianping_server::{AppState, SystemClock};
use tianping_store::Store;
use tower::ServiceExt;

const PASSWORD: &str = "bench-pages-Tp1";

/// The logins timed and the pages each works in (their own default scope: what they open).
const PAGES: &[(&str, &[&str])] = &[
    (
        "caseoffice",
        &[
            "/todo",
            "/cases",
            "/cases?flag=four_categories",
            "/cases?sort=filed_at",
            "/warnings",
            "/warnings?category=overdue",
            "/warnings?line=execution",
            "/warnings?line=trial&category=overdue",
            "/clock-changes",
            "/supervision",
            "/quality",
            "/quality/cases?counter=received",
            "/judgments",
            "/api/v1/cases",
            "/api/v1/me/todo",
            "/feedback",
            "/feedback/ratings?bad=1",
            "/evaluations",
            "/evaluations/1",
            "/evaluations/experts",
            "/nodes",
            "/nodes?view=late",
            "/nodes?view=medians",
            "/risks",
            "/risks?view=report",
        ],
    ),
    (
        "judge",
        &[
            "/todo",
            "/cases",
            "/warnings",
            "/refusals",
            "/typical",
            "/deputies/cases",
            "/evaluations",
        ],
    ),
    ("president_city", &["/todo", "/warnings?line=execution"]),
    (
        "president",
        &["/todo", "/cases", "/warnings", "/supervision", "/typical"],
    ),
    (
        "plc",
        &[
            "/todo",
            "/cases",
            "/warnings",
            "/referrals",
            "/interference",
            "/evaluations",
            "/nodes",
            "/risks",
        ],
    ),
    ("npc", &["/todo", "/cases", "/quality", "/projects"]),
    (
        "deputy",
        &[
            "/todo",
            "/feedback",
            "/deputies/cases",
            "/deputies/invitations",
            "/deputies/suggestions",
            "/campaigns/1",
        ],
    ),
    (
        "npc_hz",
        &[
            "/todo",
            "/deputies",
            "/deputies/surveys/1",
            "/deputies/invitations",
        ],
    ),
    (
        "prosecutor_city",
        &[
            "/todo",
            "/cases",
            "/supervision",
            "/evaluations/self-checks",
            "/evaluations/self-checks?standing=overdue",
        ],
    ),
    ("police_legal", &["/todo", "/cases", "/incidents/samples"]),
    ("auditor", &["/ledger"]),
    (
        "justice",
        &[
            "/todo",
            "/supervisors",
            "/supervisors/report",
            "/supervisor-activities",
        ],
    ),
    ("supervisor", &["/todo", "/supervisor-activities"]),
    (
        "prosecutor",
        &[
            "/todo",
            "/evaluations/self-checks",
            "/supervisor-activities",
            "/refusals",
            "/deputies/suggestions",
        ],
    ),
    ("prosecutor_inv", &["/todo", "/typical"]),
    ("police", &["/todo", "/refusals"]),
    ("evaluator", &["/todo", "/evaluations"]),
];

struct Row {
    user: &'static str,
    path: &'static str,
    p50: f64,
    p95: f64,
}

async fn send(app: &axum::Router, req: Request<Body>) -> Result<(StatusCode, Vec<u8>, f64)> {
    let t = Instant::now();
    let res = app.clone().oneshot(req).await?;
    let status = res.status();
    let bytes = axum::body::to_bytes(res.into_body(), 64 << 20).await?;
    Ok((status, bytes.to_vec(), t.elapsed().as_secs_f64() * 1000.0))
}

async fn login(app: &axum::Router, user: &str) -> Result<String> {
    let body = serde_json::json!({"username": user, "password": PASSWORD}).to_string();
    let req = Request::post("/api/v1/session")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body))?;
    let res = app.clone().oneshot(req).await?;
    if res.status() != StatusCode::OK {
        bail!("login {user}: {}", res.status());
    }
    let cookie = res
        .headers()
        .get(header::SET_COOKIE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .context("no session cookie")?
        .to_string();
    Ok(cookie)
}

async fn time_get(app: &axum::Router, cookie: &str, path: &str, runs: usize) -> Result<Vec<f64>> {
    let mut times = vec![];
    // Two warm-up requests (statement caches, the page's first allocation).
    for i in 0..runs + 2 {
        let req = Request::get(path)
            .header(header::COOKIE, cookie)
            .body(Body::empty())?;
        let (status, body, ms) = send(app, req).await?;
        if status != StatusCode::OK {
            bail!(
                "GET {path}: {status} {}",
                String::from_utf8_lossy(&body)
                    .chars()
                    .take(200)
                    .collect::<String>()
            );
        }
        if i >= 2 {
            times.push(ms);
        }
    }
    Ok(times)
}

async fn measure(store: &Store, runs: usize) -> Result<(Vec<Row>, f64)> {
    let app = tianping_server::router(AppState {
        store: store.clone(),
        clock: Arc::new(SystemClock),
        // One person's requests back to back: no second factor, no rate limit in the way.
        policy: tianping_server::auth::Policy {
            totp_required: vec![],
            ..tianping_server::auth::Policy::default()
        }
        .with_limits(tianping_server::rate::RateLimits {
            login_per_addr: 1_000_000,
            api_per_addr: 1_000_000,
            per_user: 1_000_000,
        }),
        ledger: tianping_server::ledger::LedgerIdentity {
            origin: "bench.tianping.test".into(),
            verifier: tianping_ledger::LogKey::from_seed("bench.tianping.test", [7; 32])
                .map_err(|e| anyhow::anyhow!("{e}"))?
                .verifier(),
            witnesses: vec![],
        },
        library: Arc::new(tianping_server::similar::Library::in_memory()),
        feedback: tianping_server::feedback::Codes::new(
            tianping_ledger::LogKey::from_seed("bench.tianping.test/feedback", [8; 32])
                .map_err(|e| anyhow::anyhow!("{e}"))?,
            "http://127.0.0.1",
        ),
    });
    let mut rows = vec![];
    let mut anchor = vec![];
    for (user, paths) in PAGES {
        let cookie = login(&app, user).await?;
        anchor.extend(time_get(&app, &cookie, "/api/v1/me", runs).await?);
        for path in *paths {
            let mut t = time_get(&app, &cookie, path, runs).await?;
            rows.push(Row {
                user,
                path,
                p50: percentile(&mut t, 0.5),
                p95: percentile(&mut t, 0.95),
            });
        }
    }
    Ok((rows, percentile(&mut anchor, 0.95)))
}

pub(super) async fn run(
    cases: usize,
    runs: usize,
    postgres_url: Option<String>,
    keep_database: Option<String>,
    seed: u64,
) -> Result<()> {
    let dir = std::env::temp_dir().join(format!("tianping-bench-pages-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let (url, db) = match &postgres_url {
        Some(admin_url) => {
            let db = super::BenchDb::open(admin_url, "pages", keep_database.as_deref()).await?;
            (db.url.clone(), Some(db))
        }
        None if keep_database.is_some() => bail!("--keep-database needs a PostgreSQL server"),
        None => (format!("sqlite://{}", dir.join("pages.db").display()), None),
    };
    let backend = if db.is_some() { "PostgreSQL" } else { "SQLite" };
    let result = async {
        let store = Store::connect(&url).await?;
        store.migrate().await?;
        let t = Instant::now();
        let no_password = || -> Result<String> { Ok(PASSWORD.to_string()) };
        let loaded_before = keep_database.is_some() && store.counts().await?.0 > 0;
        if loaded_before {
            eprintln!("timing the demo kept from an earlier run (not loaded again)");
            store.analyze().await?;
        } else {
            demo::load(
                &store,
                &demo::LoadOptions {
                    seed,
                    cases,
                    password: Some(PASSWORD),
                    new_password: &no_password,
                    digest_hour: 7,
                },
                Utc::now(),
            )
            .await?;
        }
        let (n_cases, n_events) = store.counts().await?;
        eprintln!(
            "demo loaded into {backend}: {n_cases} cases, {n_events} events in {:.0} s",
            t.elapsed().as_secs_f64()
        );
        let out = measure(&store, runs).await?;
        store.close().await;
        anyhow::Ok((out, n_cases))
    }
    .await;
    if let Some(db) = db {
        db.finish().await?;
    }
    let _ = std::fs::remove_dir_all(&dir);
    let ((rows, anchor_p95), n_cases) = result?;

    println!("\nPage server time, {backend}, {n_cases} cases, {runs} requests each (ms)");
    println!("{:<16} {:<32} {:>8} {:>8}", "login", "page", "p50", "p95");
    for r in &rows {
        println!(
            "{:<16} {:<32} {:>8.1} {:>8.1}",
            r.user, r.path, r.p50, r.p95
        );
    }
    println!(
        "{:<16} {:<32} {:>8} {:>8.1}",
        "(anchor)", "/api/v1/me", "", anchor_p95
    );
    let worst = rows
        .iter()
        .max_by(|a, b| a.p95.total_cmp(&b.p95))
        .context("no pages timed")?;
    let over = rows.iter().filter(|r| r.p95 > 300.0).count();
    println!(
        "RESULT pages backend={} cases={n_cases} worst_p95_ms={:.1} worst={}:{} over_300ms={over} of={} anchor_p95_ms={anchor_p95:.1}",
        backend.to_lowercase(),
        worst.p95,
        worst.user,
        worst.path.replace(' ', "%20"),
        rows.len()
    );
    Ok(())
}
