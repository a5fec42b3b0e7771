//! Text messages end to end, as processes: `tianping sms send` queues one, `tianping worker
//! --once` hands it to a gateway (`sms_gateway.py`, a real HTTP server started here as its own
//! process, standing in for a province's SMS platform, which cannot run here) — retried after
//! the gateway fails, never sent twice, over plain HTTP on this machine and over HTTPS with the
//! gateway's own CA; a gateway that is down is given up on for the tick; a token is never sent in
//! the clear to another machine.

use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

mod common;
use common::{certificates, ok, run, tianping};

const TOKEN: &str = "gateway-token-7f3a";

/// A gateway process; killed when dropped.
struct Gateway {
    child: Child,
    port: u16,
    out: PathBuf,
}

impl Gateway {
    fn start(dir: &Path, fail: u32, tls: Option<(&Path, &Path)>) -> Gateway {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .expect("free port")
            .local_addr()
            .expect("addr")
            .port();
        // A file of its own, even when the system hands out an earlier gateway's port again.
        static STARTED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = STARTED.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let out = dir.join(format!("received-{n}-{port}.jsonl"));
        let mut cmd = Command::new("python3");
        cmd.arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/sms_gateway.py"))
            .arg(port.to_string())
            .arg(&out)
            .arg(TOKEN)
            .arg(fail.to_string());
        if let Some((cert, key)) = tls {
            cmd.arg(cert).arg(key);
        }
        let mut child = cmd
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("python3");
        for _ in 0..100 {
            if TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return Gateway { child, port, out };
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = child.kill();
        let _ = child.wait();
        panic!("the gateway did not start on port {port}");
    }

    /// The messages it accepted.
    fn received(&self) -> Vec<serde_json::Value> {
        std::fs::read_to_string(&self.out)
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).expect("a JSON line"))
            .collect()
    }
}

impl Drop for Gateway {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn count(out: &str, what: &str) -> usize {
    out.split_whitespace()
        .find_map(|w| w.strip_prefix(&format!("{what}=")))
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no {what}= in {out:?}"))
}

/// One worker tick at `now` against the gateway at `url`.
fn tick(db: &str, url: &str, ca: Option<&Path>, now: chrono::DateTime<chrono::Utc>) -> String {
    let mut c = tianping();
    c.args([
        "worker",
        "--once",
        "--database-url",
        db,
        "--now",
        &now.to_rfc3339(),
    ])
    .env("TIANPING_SMS_URL", url)
    .env("TIANPING_SMS_TOKEN", TOKEN);
    if let Some(ca) = ca {
        c.env("TIANPING_SMS_CA_FILE", ca);
    }
    ok(&mut c)
}

#[test]
fn texts_reach_the_gateway_once_after_a_failure_over_http_and_https() {
    let dir = std::env::temp_dir().join(format!("tp_sms_{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("dir");
    let db = format!("sqlite://{}", dir.join("t.db").display());

    // A number that is not a mobile one is refused, naming why; nothing is queued.
    let (code, _, err) =
        run(tianping().args(["sms", "send", "--database-url", &db, "--to", "0571-8700123"]));
    assert_ne!(code, 0);
    assert!(err.contains("not a mobile number"), "{err}");

    // Plain HTTP to this machine; the gateway is busy the first time.
    let gw = Gateway::start(&dir, 1, None);
    let url = format!("http://127.0.0.1:{}/v1/messages", gw.port);
    let out = ok(tianping().args([
        "sms",
        "send",
        "--database-url",
        &db,
        "--to",
        "+86 138-5710-2000",
        "--text",
        "【天平】测试短信",
    ]));
    assert!(out.contains("queued for 13857102000"), "{out}");
    let t0 = chrono::Utc::now() + chrono::Duration::seconds(1);
    let out = tick(&db, &url, None, t0);
    assert_eq!(
        (count(&out, "texts_sent"), count(&out, "texts_failed")),
        (0, 1),
        "{out}"
    );
    assert!(gw.received().is_empty());
    // Retried after its backoff (two minutes after one failure), then never again.
    let out = tick(&db, &url, None, t0 + chrono::Duration::minutes(3));
    assert_eq!(count(&out, "texts_sent"), 1, "{out}");
    let got = gw.received();
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0]["to"], "13857102000");
    assert_eq!(got[0]["text"], "【天平】测试短信");
    assert!(
        got[0]["id"]
            .as_str()
            .is_some_and(|i| i.starts_with("tianping-"))
    );
    let out = tick(&db, &url, None, t0 + chrono::Duration::minutes(30));
    assert_eq!(count(&out, "texts_sent"), 0, "{out}");
    assert_eq!(gw.received().len(), 1, "sent once");
    drop(gw);

    // HTTPS with the gateway's own CA: refused without it, sent with it.
    let (ca, cert, key) = certificates(&dir);
    let gw = Gateway::start(&dir, 0, Some((&cert, &key)));
    let url = format!("https://127.0.0.1:{}/v1/messages", gw.port);
    ok(tianping().args(["sms", "send", "--database-url", &db, "--to", "13957103000"]));
    let t1 = t0 + chrono::Duration::hours(1);
    let out = tick(&db, &url, None, t1);
    assert_eq!(
        count(&out, "texts_failed"),
        1,
        "an unknown CA is not trusted: {out}"
    );
    let out = tick(&db, &url, Some(&ca), t1 + chrono::Duration::minutes(3));
    assert_eq!(count(&out, "texts_sent"), 1, "{out}");
    let got = gw.received();
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0]["to"], "13957103000");
    assert!(
        got[0]["text"]
            .as_str()
            .is_some_and(|t| t.contains("短信网关测试")),
        "{got:?}"
    );
    drop(gw);

    // A gateway that is down is given up on for the tick after three failures in a row.
    for n in 0..5 {
        ok(tianping().args([
            "sms",
            "send",
            "--database-url",
            &db,
            "--to",
            &format!("1395710300{n}"),
        ]));
    }
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("free port")
        .local_addr()
        .expect("addr")
        .port();
    let out = tick(
        &db,
        &format!("http://127.0.0.1:{closed}/v1/messages"),
        None,
        t1 + chrono::Duration::hours(1),
    );
    assert_eq!(
        (count(&out, "texts_sent"), count(&out, "texts_failed")),
        (0, 3),
        "{out}"
    );

    // The token is not sent in the clear to another machine: the worker refuses to start.
    let (code, out, err) = run(tianping()
        .args(["worker", "--once", "--database-url", &db])
        .env("TIANPING_SMS_URL", "http://sms.gateway.example/v1/messages")
        .env("TIANPING_SMS_TOKEN", TOKEN));
    assert_ne!(code, 0, "{out}");
    assert!(err.contains("only over https://"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}
