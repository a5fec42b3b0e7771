//! Crash test: `kill -9` the server in the middle of a write load, several times, on both stores.
//! After each restart every acknowledged write is present, `tianping ledger verify` passes (the
//! whole store against the log), and there is no half-written leaf: every leaf names a record
//! and every record has its leaf.

use std::process::{Child, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

mod common;
use common::{add_court, add_user, free_port, http, ok, tianping};

const PASSWORD: &str = "crash-test-password-1";

fn start(url: &str, key: &str, port: u16) -> Child {
    let child = tianping()
        .args([
            "serve",
            "--database-url",
            url,
            "--listen",
            &format!("127.0.0.1:{port}"),
        ])
        .env("TIANPING_WORKER", "false")
        .env("TIANPING_LEDGER_KEY", key)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("serve");
    let mut child = child;
    let t = Instant::now();
    while t.elapsed() < Duration::from_secs(30) {
        if matches!(http(port, "GET", "/healthz", &[], ""), Ok((200, _, _))) {
            return child;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("the server did not start on port {port}");
}

fn login(port: u16) -> (String, String) {
    let (status, head, body) = http(
        port,
        "POST",
        "/api/v1/session",
        &[],
        &format!(r#"{{"username":"zhang","password":"{PASSWORD}"}}"#),
    )
    .expect("login");
    assert_eq!(status, 200, "{body}");
    let cookie = head
        .lines()
        .find_map(|l| {
            l.strip_prefix("set-cookie: ")
                .or_else(|| l.strip_prefix("Set-Cookie: "))
        })
        .and_then(|c| c.split(';').next())
        .expect("cookie")
        .to_string();
    let v: serde_json::Value = serde_json::from_str(&body).expect("json");
    (cookie, v["csrf_token"].as_str().expect("csrf").to_string())
}

fn setup(url: &str) {
    ok(tianping().args(["migrate", "--database-url", url]));
    add_court(&mut tianping(), url);
    add_user(url, "zhang", "张法官", "court-330102", "judge", PASSWORD);
}

/// Three writers post batches of ten filings until the server dies; returns the acknowledged
/// source event ids.
fn load_then_kill(
    port: u16,
    round: usize,
    server: &mut Child,
    kill_after: Duration,
) -> Vec<String> {
    let (cookie, csrf) = login(port);
    let acked = Arc::new(Mutex::new(Vec::<String>::new()));
    let mut writers = vec![];
    for t in 0..3usize {
        let (cookie, csrf, acked) = (cookie.clone(), csrf.clone(), acked.clone());
        writers.push(std::thread::spawn(move || {
            for k in 0.. {
                let ids: Vec<(String, usize)> = (0..10)
                    .map(|i| {
                        let n = round * 300_000 + t * 100_000 + k * 10 + i + 1;
                        (format!("r{round}-w{t}-{k}-{i}"), n)
                    })
                    .collect();
                let batch: Vec<String> = ids
                    .iter()
                    .map(|(id, n)| format!(
                        r#"{{"source":"crash","source_event_id":"{id}","case_number":"（2026）浙0102民初{n}号","occurred_at":"2026-03-02T09:00:00+08:00","kind":"filed","cause":"买卖合同纠纷"}}"#
                    ))
                    .collect();
                let body = format!("[{}]", batch.join(","));
                match http(port, "POST", "/api/v1/events/batch", &[("Cookie", &cookie), ("X-CSRF-Token", &csrf)], &body) {
                    Ok((200, _, b)) => {
                        let v: serde_json::Value = serde_json::from_str(&b).expect("json");
                        assert_eq!(v["accepted"], 10, "{b}");
                        acked.lock().expect("lock").extend(ids.into_iter().map(|x| x.0));
                    }
                    // Refused while the server was up: concurrent writers must not fail.
                    Ok((status, _, b)) => panic!("writer {t}: status {status}: {b}"),
                    // The server died mid-request: this batch was never acknowledged.
                    Err(_) => return k,
                }
            }
            unreachable!()
        }));
    }
    std::thread::sleep(kill_after);
    server.kill().expect("kill -9");
    server.wait().expect("reaped");
    let batches: usize = writers.into_iter().map(|w| w.join().expect("writer")).sum();
    assert!(
        batches > 0,
        "round {round}: nothing was written before the kill"
    );
    acked.lock().expect("lock").clone()
}

fn crash_rounds(url: &str, dir: &std::path::Path, label: &str) {
    setup(url);
    let key = dir.join("ledger.key").display().to_string();
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let mut total = 0usize;
    for round in 0..3 {
        let port = free_port();
        let mut server = start(url, &key, port);
        let acked = load_then_kill(
            port,
            round,
            &mut server,
            Duration::from_millis(600 + 400 * round as u64),
        );
        total += acked.len();
        // Every acknowledged write is there after the crash.
        let present: i64 = rt.block_on(async {
            let s = tianping_store::Store::connect(url).await.expect("connect");
            let mut n = 0i64;
            for part in acked.chunks(500) {
                let list = part.iter().map(|id| format!("'{id}'")).collect::<Vec<_>>().join(",");
                n += sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(format!(
                    "SELECT COUNT(*) FROM events WHERE source = 'crash' AND source_event_id IN ({list})"
                )))
                .fetch_one(s.pool())
                .await
                .expect("count");
            }
            s.close().await;
            n
        });
        assert_eq!(
            present as usize,
            acked.len(),
            "{label} round {round}: acknowledged writes lost"
        );
        // The whole store matches the log: no half-written leaf, no record without its leaf.
        let out = tianping()
            .args(["ledger", "verify", "--database-url", url])
            .env("TIANPING_LEDGER_KEY", &key)
            .output()
            .expect("verify");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{label} round {round}: {text}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(text.contains("OK: the store matches the log"), "{text}");
        // A checkpoint after each round: the next round's log must extend it.
        ok(tianping()
            .args(["ledger", "checkpoint", "--database-url", url])
            .env("TIANPING_LEDGER_KEY", &key));
    }
    assert!(
        total >= 30,
        "{label}: only {total} writes acknowledged over three rounds"
    );
}

#[test]
fn kill_dash_nine_mid_write_loses_no_acknowledged_write_and_the_log_verifies() {
    let dir = std::env::temp_dir().join(format!("tp_crash_{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("dir");
    let url = format!("sqlite://{}", dir.join("crash.db").display());
    crash_rounds(&url, &dir, "sqlite");

    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let pg = rt
        .block_on(tianping_store::testing::TestDb::postgres())
        .expect("postgres");
    if let Some(db) = pg {
        // A fresh, empty database: `setup` migrates it.
        let url = db.url.clone();
        let pgdir = dir.join("pg");
        std::fs::create_dir_all(&pgdir).expect("dir");
        crash_rounds(&url, &pgdir, "postgres");
        rt.block_on(db.cleanup()).expect("cleanup");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
