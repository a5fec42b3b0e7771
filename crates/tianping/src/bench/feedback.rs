//! `tianping bench feedback`: the public's ratings (司法公正码). (a) Ratings accepted per second
//! through the public endpoint — `POST /r/{token}` with JSON through the whole application
//! in-process (signature, token lookup, the rating's check, the write with its ledger leaf and,
//! for a bad rating with a phone, the supervision item it opens) — beside the plain insert of the
//! same rows, one autocommitted `INSERT` each (what storing a rating costs the database alone);
//! target ≥ 0.5 of it. (b) The 司法公正感受度 index over `--ratings` ratings of 杭州's courts
//! across eight quarters: p50/p95 of the quarter's index by court for the city, by judge for one
//! court and by kind of case, beside a plain `COUNT(*)` of the same quarter's ratings; target p95
//! < 100 ms. SQLite always; PostgreSQL too when a server is given (databases created and dropped).

use super::{fresh, percentile, scratch_dir};
use crate::demo;
use anyhow::{Context, Result, bail};
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use chrono::{Duration, Utc};
use sqlx::Executor;
use std::sync::Arc;
use std::time::Instant;
use tianping_ledger::{LogKey, Scope, Token};
use tianping_server::{AppState, SystemClock};
use tianping_store::Store;
use tianping_store::feedback::{IndexBy, NewToken, TokenRow, quarter_bounds};
use tower::ServiceExt;

const KINDS: &[&str] = &["civil", "criminal", "administrative", "execution"];

struct Figures {
    label: &'static str,
    totals_rows: usize,
    rebuild_s: f64,
    endpoint_per_s: f64,
    plain_per_s: f64,
    index: Vec<(&'static str, f64, f64)>,
    count_p95: f64,
}

/// The anchor: one rating inserted as it is, in a statement of its own (autocommitted) — what
/// storing a rating costs the database alone, without any check, ledger leaf or totals.
async fn plain_insert(store: &Store, t: &TokenRow, level: i64) -> Result<()> {
    sqlx::query(
        "INSERT INTO feedback_ratings (token_row, court_id, region_path, case_id, case_kind, judge, level, aspects, comment, follow_up, rated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, '', '', $8, $9)",
    )
    .bind(t.id)
    .bind(&t.court_id)
    .bind(&t.court_path)
    .bind(t.case_id)
    .bind(t.case_kind.as_deref().unwrap_or(""))
    .bind(t.case_judge.as_deref().unwrap_or(""))
    .bind(level)
    .bind(if level <= 2 { "review" } else { "none" })
    .bind(tianping_store::ts(Utc::now()))
    .execute(store.pool())
    .await?;
    Ok(())
}

type FillRow<'a> = (&'a TokenRow, i64, &'a str, &'a str, chrono::DateTime<Utc>);

/// The index's ratings, filled in multi-row statements in one transaction (the benchmark's data,
/// not ledgered; the totals are rebuilt after).
async fn fill_rows(store: &Store, rows: &[FillRow<'_>]) -> Result<()> {
    const COLS: usize = 10;
    let sqlite = store.backend() == tianping_store::Backend::Sqlite;
    let mut tx = store.pool().begin().await?;
    for chunk in rows.chunks(2000) {
        let mut sql = String::from(
            "INSERT INTO feedback_ratings (token_row, court_id, region_path, case_kind, judge, level, aspects, comment, follow_up, rated_at) VALUES ",
        );
        for i in 0..chunk.len() {
            if i > 0 {
                sql.push_str(", ");
            }
            let marks: Vec<String> = (1..=COLS)
                .map(|k| {
                    if sqlite {
                        "?".to_string()
                    } else {
                        format!("${}", i * COLS + k)
                    }
                })
                .collect();
            sql.push_str(&format!("({})", marks.join(", ")));
        }
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for (t, level, judge, kind, at) in chunk {
            q = q
                .bind(t.id)
                .bind(t.court_id.clone())
                .bind(t.court_path.clone())
                .bind(kind.to_string())
                .bind(judge.to_string())
                .bind(*level)
                .bind("")
                .bind("")
                .bind(if *level <= 2 { "review" } else { "none" })
                .bind(tianping_store::ts(*at));
        }
        q.execute(&mut *tx).await?;
    }
    tx.commit().await?;
    Ok(())
}

fn hex(id: &[u8; 16]) -> String {
    id.iter().map(|b| format!("{b:02x}")).collect()
}

async fn issue(store: &Store, court: &str, n: usize, tag: u8) -> Result<Vec<(TokenRow, [u8; 16])>> {
    let issuer = store
        .user_by_username("bench-issuer")
        .await?
        .context("issuer")?;
    let mut out = Vec::with_capacity(n);
    let expires = Utc::now() + Duration::days(365);
    for i in 0..n {
        let mut id = [tag; 16];
        id[..8].copy_from_slice(&(i as u64).to_be_bytes());
        store
            .issue_feedback_token(
                &NewToken {
                    token_id: &hex(&id),
                    scope: "case_party",
                    court_id: court,
                    case_id: None,
                    label: "原告",
                    expires_at: expires,
                },
                &issuer,
                Utc::now(),
            )
            .await?;
        let row = store.feedback_token(&hex(&id)).await?.context("token")?;
        out.push((row, id));
    }
    Ok(out)
}

async fn run_on(label: &'static str, store: &Store, n: usize, fill: usize) -> Result<Figures> {
    let courts: Vec<(String, String)> = sqlx::query_as(
        "SELECT id, region_path FROM orgs WHERE kind = 'court' AND region_path LIKE '/33/3301/%' ORDER BY id",
    )
    .fetch_all(store.pool())
    .await?;
    if courts.is_empty() {
        bail!("the province has no courts of 杭州");
    }
    let court = &courts[0].0;
    store
        .insert_user(
            &tianping_store::user::NewUser {
                username: "bench-issuer".into(),
                display_name: "立案庭书记员".into(),
                org_id: court.clone(),
                role: tianping_domain::Role::Clerk,
                clearance: Default::default(),
                email: None,
                password_hash: "!".into(),
            },
            Utc::now(),
        )
        .await?;
    let key = LogKey::from_seed("bench.tianping.test/feedback", [8; 32])
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let app = tianping_server::router(AppState {
        store: store.clone(),
        clock: Arc::new(SystemClock),
        policy: tianping_server::auth::Policy {
            totp_required: vec![],
            ..tianping_server::auth::Policy::default()
        }
        .with_limits(tianping_server::rate::RateLimits {
            login_per_addr: 0,
            api_per_addr: 0,
            per_user: 0,
        }),
        ledger: tianping_server::ledger::LedgerIdentity {
            origin: "bench.tianping.test".into(),
            verifier: LogKey::from_seed("bench.tianping.test", [7; 32])
                .map_err(|e| anyhow::anyhow!("{e}"))?
                .verifier(),
            witnesses: vec![],
        },
        library: Arc::new(tianping_server::similar::Library::in_memory()),
        feedback: tianping_server::feedback::Codes::new(
            LogKey::from_seed("bench.tianping.test/feedback", [8; 32])
                .map_err(|e| anyhow::anyhow!("{e}"))?,
            "http://127.0.0.1",
        ),
    });

    // (a) the public endpoint: one code per rating, a realistic mix (one in twenty bad with a
    // phone, which opens a supervision item).
    let codes = issue(store, court, n, 0xA1).await?;
    let bodies: Vec<String> = (0..n)
        .map(|i| match i % 20 {
            0 => r#"{"rating":1,"aspects":["efficiency"],"comment":"开庭一再推迟","phone":"13857102000"}"#.to_string(),
            1 | 2 => r#"{"rating":2,"comment":"等待时间太长"}"#.to_string(),
            3..=5 => r#"{"rating":3}"#.to_string(),
            _ => r#"{"rating":5,"aspects":["fairness","attitude"]}"#.to_string(),
        })
        .collect();
    let tokens: Vec<String> = codes
        .iter()
        .map(|(row, id)| {
            let expires = chrono::DateTime::parse_from_rfc3339(&row.expires_at)
                .map(|t| t.timestamp())
                .unwrap_or_default();
            key.sign_token(&Token {
                id: *id,
                scope: Scope::CaseParty,
                expires,
            })
        })
        .collect();
    let t = Instant::now();
    for (tok, body) in tokens.iter().zip(&bodies) {
        let req = Request::builder()
            .method("POST")
            .uri(format!("/r/{tok}"))
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.clone()))?;
        let res = app.clone().oneshot(req).await?;
        if res.status() != StatusCode::CREATED {
            bail!("{label}: POST /r/… answered {}", res.status());
        }
    }
    let endpoint_per_s = n as f64 / t.elapsed().as_secs_f64();
    let plain_codes = issue(store, court, n, 0xB2).await?;
    let t = Instant::now();
    for (i, (row, _)) in plain_codes.iter().enumerate() {
        let level = match i % 20 {
            0 => 1,
            1 | 2 => 2,
            3..=5 => 3,
            _ => 5,
        };
        plain_insert(store, row, level).await?;
    }
    let plain_per_s = n as f64 / t.elapsed().as_secs_f64();

    // (b) the index at scale: ratings spread over the courts, eight quarters, judges and kinds.
    let now = Utc::now();
    let mut court_tokens = vec![];
    for (k, (c, _)) in courts.iter().enumerate() {
        court_tokens.push(issue(store, c, 1, 0xC0 + k as u8).await?.remove(0).0);
    }
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let judges: Vec<String> = (0..40).map(|j| format!("法官{j:02}")).collect();
    let chunk = 50_000;
    let mut done = 0;
    while done < fill {
        let m = chunk.min(fill - done);
        let rows: Vec<(u64, u64, u64, u64, i64)> = (0..m)
            .map(|_| (next(), next(), next(), next(), (next() % 730) as i64))
            .collect();
        let owned: Vec<FillRow<'_>> = rows
            .iter()
            .map(|(a, b, c, d, days)| {
                let level = [5, 5, 5, 5, 4, 4, 4, 3, 2, 1][(*a % 10) as usize];
                (
                    &court_tokens[(*b % court_tokens.len() as u64) as usize],
                    level,
                    judges[(*c % judges.len() as u64) as usize].as_str(),
                    KINDS[(*d % KINDS.len() as u64) as usize],
                    now - Duration::days(*days) - Duration::minutes((*a % 1440) as i64),
                )
            })
            .collect();
        fill_rows(store, &owned).await?;
        done += m;
    }
    let t = Instant::now();
    let rows = store.rebuild_feedback_totals(Utc::now()).await?;
    let rebuild_s = t.elapsed().as_secs_f64();
    store.analyze().await?;
    let (_, _, from, to) = {
        let (y, q, _, _) = tianping_store::feedback::quarter_of(now - Duration::days(100));
        quarter_bounds(y, q)
    };
    let city = "/33/3301/";
    // A basic court (the longest region path): its judges.
    let one = courts
        .iter()
        .map(|c| c.1.clone())
        .max_by_key(String::len)
        .unwrap_or_default();
    let runs = 30;
    let mut index = vec![];
    for (name, prefix, by) in [
        ("city_by_court", city, IndexBy::Court),
        ("court_by_judge", one.as_str(), IndexBy::Judge),
        ("city_by_kind", city, IndexBy::CaseKind),
    ] {
        let mut ms = vec![];
        for _ in 0..runs {
            let t = Instant::now();
            let rows = store.feedback_index(prefix, from, to, by).await?;
            ms.push(t.elapsed().as_secs_f64() * 1000.0);
            if rows.is_empty() {
                bail!("{label}: empty index for {name}");
            }
        }
        let p50 = percentile(&mut ms.clone(), 0.5);
        index.push((name, p50, percentile(&mut ms, 0.95)));
    }
    let mut ms = vec![];
    for _ in 0..runs {
        let t = Instant::now();
        let _: (i64,) = sqlx::query_as(
            "SELECT COUNT(*) FROM feedback_ratings WHERE region_path >= $1 AND region_path < $2 AND rated_at >= $3 AND rated_at < $4",
        )
        .bind(city)
        .bind(tianping_store::case::prefix_end(city))
        .bind(tianping_store::ts(from))
        .bind(tianping_store::ts(to))
        .fetch_one(store.pool())
        .await?;
        ms.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    Ok(Figures {
        label,
        totals_rows: rows,
        rebuild_s,
        endpoint_per_s,
        plain_per_s,
        index,
        count_p95: percentile(&mut ms, 0.95),
    })
}

fn print(f: &Figures, fill: usize) {
    println!(
        "{}: public endpoint {:.0} ratings/s beside plain insert {:.0}/s (ratio {:.2}, target ≥ 0.5)",
        f.label,
        f.endpoint_per_s,
        f.plain_per_s,
        f.endpoint_per_s / f.plain_per_s
    );
    for (name, p50, p95) in &f.index {
        println!(
            "{}: index {name} at {fill} ratings: p50 {p50:.1} ms, p95 {p95:.1} ms (target < 100 ms)",
            f.label
        );
    }
    println!(
        "{}: anchor COUNT(*) of the quarter's ratings p95 {:.1} ms; the index's totals: {} rows, rebuilt from every rating in {:.1} s",
        f.label, f.count_p95, f.totals_rows, f.rebuild_s
    );
}

pub(super) async fn run(n: usize, fill: usize, postgres_url: Option<String>) -> Result<()> {
    let province = demo::province(42);
    let dir = scratch_dir()?;
    println!("bench feedback: {n} ratings through the endpoint, index over {fill} ratings");
    let store = fresh(
        &format!("sqlite://{}", dir.join("fb.db").display()),
        &province,
    )
    .await?;
    let mut all = vec![run_on("sqlite", &store, n, fill).await?];
    store.close().await;
    let _ = std::fs::remove_dir_all(&dir);
    match &postgres_url {
        None => println!(
            "!!!!! SKIPPED PostgreSQL: pass --postgres-url or set TIANPING_TEST_POSTGRES_URL !!!!!"
        ),
        Some(admin_url) => {
            sqlx::any::install_default_drivers();
            let admin = sqlx::any::AnyPoolOptions::new()
                .max_connections(1)
                .connect(admin_url)
                .await?;
            let name = format!(
                "tianping_bench_fb_{}_{}",
                std::process::id(),
                Utc::now().timestamp()
            );
            admin
                .execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                .await?;
            let url = tianping_store::testing::replace_db(admin_url, &name);
            let result = async {
                let store = fresh(&url, &province).await?;
                let f = run_on("postgres", &store, n, fill).await;
                store.close().await;
                f
            }
            .await;
            admin
                .execute(sqlx::AssertSqlSafe(format!(
                    "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                )))
                .await?;
            all.push(result?);
        }
    }
    for f in &all {
        print(f, fill);
    }
    let mut line = String::from("RESULT feedback");
    for f in &all {
        line.push_str(&format!(
            " {l}_endpoint_per_s={:.0} {l}_plain_per_s={:.0} {l}_ratio={:.2}",
            f.endpoint_per_s,
            f.plain_per_s,
            f.endpoint_per_s / f.plain_per_s,
            l = f.label
        ));
        for (name, _, p95) in &f.index {
            line.push_str(&format!(" {}_{name}_p95_ms={p95:.1}", f.label));
        }
        line.push_str(&format!(" {}_count_p95_ms={:.1}", f.label, f.count_p95));
    }
    line.push_str(&format!(" ratings={fill}"));
    println!("{line}");
    Ok(())
}
