//! The clock worker end to end, as processes: `tianping worker --once` delivers warnings to a real
//! SMTP server (aiosmtpd, started here as its own process) and we read what arrived; delivery
//! failures are retried with backoff; two worker processes on one PostgreSQL database handle
//! every due clock once and send every mail once.

use std::io::Write;
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

mod common;
use common::{add_court, certificates, ok, tianping};

/// A real SMTP server process writing each message into a Maildir.
struct Sink {
    child: Child,
    port: u16,
    maildir: PathBuf,
}

impl Sink {
    fn start(maildir: &Path, port: Option<u16>) -> Sink {
        let port = port.unwrap_or_else(|| {
            std::net::TcpListener::bind("127.0.0.1:0")
                .expect("free port")
                .local_addr()
                .expect("addr")
                .port()
        });
        let mut cmd = Command::new("python3");
        cmd.args(["-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{port}")])
            .args(["-c", "aiosmtpd.handlers.Mailbox"])
            .arg(maildir);
        Sink::spawn(cmd, port, maildir)
    }

    /// A relay that requires STARTTLS and a login (`smtp_tls_relay.py`), with the certificate
    /// and key given, on a free port.
    fn tls_relay(maildir: &Path, cert: &Path, key: &Path, user: &str, password: &str) -> Sink {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .expect("free port")
            .local_addr()
            .expect("addr")
            .port();
        let mut cmd = Command::new("python3");
        cmd.arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/smtp_tls_relay.py"))
            .arg(port.to_string())
            .arg(maildir)
            .arg(cert)
            .arg(key)
            .args([user, password]);
        Sink::spawn(cmd, port, maildir)
    }

    fn spawn(mut cmd: Command, port: u16, maildir: &Path) -> Sink {
        let mut child = cmd
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("python3 with aiosmtpd (run scripts/install-test-deps.sh)");
        for _ in 0..100 {
            if TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return Sink {
                    child,
                    port,
                    maildir: maildir.to_path_buf(),
                };
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = child.kill();
        let _ = child.wait();
        panic!(
            "aiosmtpd did not start on port {port}: is it installed (scripts/install-test-deps.sh)?"
        );
    }

    fn stop(mut self) -> u16 {
        let _ = self.child.kill();
        let _ = self.child.wait();
        self.port
    }

    /// Every message received: (to, subject, body), decoded by Python's `email` package.
    fn messages(&self) -> Vec<(String, String, String)> {
        let script = r#"
import email, email.policy, json, os, sys
d = os.path.join(sys.argv[1], "new")
for n in sorted(os.listdir(d)) if os.path.isdir(d) else []:
    with open(os.path.join(d, n), "rb") as f:
        m = email.message_from_binary_file(f, policy=email.policy.default)
    print(json.dumps([str(m["To"]), str(m["Subject"]), m.get_body().get_content()], ensure_ascii=False))
"#;
        let out = Command::new("python3")
            .args(["-c", script])
            .arg(&self.maildir)
            .output()
            .expect("python3");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(|l| serde_json::from_str::<(String, String, String)>(l).expect("json"))
            .collect()
    }
}

impl Drop for Sink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A court, its judge (with an e-mail address) and `n` criminal cases accepted two months before
/// the day after tomorrow, the defendant held: due in two days, so "custody expiring" (urgent) now.
/// Returns the due date.
fn setup(url: &str, dir: &Path, n: usize) -> chrono::NaiveDate {
    let due = test_now().date_naive() + chrono::Duration::days(2);
    let accepted = due
        .checked_sub_months(chrono::Months::new(2))
        .expect("date");
    let assigned = accepted + chrono::Duration::days(1);
    ok(tianping().args(["migrate", "--database-url", url]));
    add_court(&mut tianping(), url);
    let mut c = tianping();
    c.args([
        "user",
        "add",
        "--database-url",
        url,
        "--username",
        "zhang",
        "--name",
        "张法官",
        "--org",
        "court-330102",
        "--role",
        "judge",
        "--email",
        "zhang@court.test",
    ]);
    ok(&mut c);
    let file = dir.join("cases.jsonl");
    let mut f = std::fs::File::create(&file).expect("file");
    for i in 1..=n {
        writeln!(f, r#"{{"source":"t","source_event_id":"f{i}","case_number":"（2025）浙0102刑初{i}号","occurred_at":"{accepted}T09:00:00+08:00","kind":"filed","cause":"盗窃罪","in_custody":true,"parties":[{{"name":"赵某{i}","role":"被告人"}}]}}"#).expect("w");
        writeln!(f, r#"{{"source":"t","source_event_id":"a{i}","case_number":"（2025）浙0102刑初{i}号","occurred_at":"{assigned}T09:00:00+08:00","kind":"assigned","judge":"张法官"}}"#).expect("w");
    }
    drop(f);
    ok(tianping()
        .args(["import", "--database-url", url])
        .arg(&file));
    due
}

fn worker(url: &str, port: u16, now: &str) -> Command {
    let mut c = tianping();
    c.args(["worker", "--once", "--database-url", url, "--now", now])
        .env("TIANPING_SMTP_HOST", "127.0.0.1")
        .env("TIANPING_SMTP_PORT", port.to_string())
        // The plain sink runs on this machine; the STARTTLS relay has its own test below.
        .env("TIANPING_SMTP_SECURITY", "none");
    c
}

fn count(out: &str, what: &str) -> usize {
    // "fired=3 warnings=9 … sent=3 failed=0 errors=0"
    out.split_whitespace()
        .find_map(|w| w.strip_prefix(&format!("{what}=")))
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no {what}= in {out:?}"))
}

/// The test's "now": at least 10:00 Beijing time today (digests go out after 08:00) and never
/// before the import, which records clocks at the real time.
fn test_now() -> chrono::DateTime<chrono::FixedOffset> {
    let bj = chrono::FixedOffset::east_opt(8 * 3600).expect("offset");
    let real = chrono::Utc::now().with_timezone(&bj) + chrono::Duration::minutes(1);
    let ten = real
        .date_naive()
        .and_hms_opt(10, 0, 0)
        .and_then(|t| t.and_local_timezone(bj).single())
        .expect("10:00");
    real.max(ten)
}

fn rfc(t: chrono::DateTime<chrono::FixedOffset>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
}

#[test]
fn warnings_reach_a_real_smtp_server_and_failed_mail_is_retried() {
    let dir = std::env::temp_dir().join(format!("tp_mail_{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("dir");
    let url = format!("sqlite://{}", dir.join("t.db").display());
    let due = setup(&url, &dir, 2);
    let t0 = test_now();
    let sink = Sink::start(&dir.join("maildir"), None);

    // Two urgent mails (custody expiring) at once, and the judge's morning digest of the rest
    // (nearing, extension window): it is past 08:00.
    let out = ok(&mut worker(&url, sink.port, &rfc(t0)));
    assert_eq!(count(&out, "sent"), 3, "{out}");
    let got = sink.messages();
    assert_eq!(got.len(), 3, "{got:?}");
    let digest = got
        .iter()
        .find(|m| m.1.contains("期限提醒"))
        .expect("digest");
    assert!(
        digest.2.contains("（2025）浙0102刑初1号") && digest.2.contains("临近届满"),
        "{}",
        digest.2
    );
    let (to, subject, body) = got.iter().find(|m| m.1.contains("羁押")).expect("urgent");
    assert!(to.contains("zhang@court.test"), "{to}");
    assert!(
        subject.contains("羁押期限将届满") && subject.contains("浙0102刑初"),
        "{subject}"
    );
    assert!(
        body.contains(&due.format("%Y年%m月%d日").to_string())
            && body.contains("刑事诉讼法第九十八条"),
        "{body}"
    );
    assert!(
        body.contains("不顺延"),
        "the why lines travel with the mail: {body}"
    );

    // The same instant again: nothing new is sent.
    let out = ok(&mut worker(
        &url,
        sink.port,
        &rfc(t0 + chrono::Duration::minutes(5)),
    ));
    assert_eq!(count(&out, "sent"), 0, "{out}");
    assert_eq!(sink.messages().len(), 3);

    // The SMTP server goes away; the overdue warnings cannot be delivered and wait in the outbox.
    let port = sink.stop();
    let late = t0 + chrono::Duration::days(3);
    let out = ok(&mut worker(&url, port, &rfc(late)));
    assert_eq!(count(&out, "sent"), 0, "{out}");
    assert_eq!(count(&out, "failed"), 2, "{out}");
    // Back again: after the backoff the retries go through.
    let sink = Sink::start(&dir.join("maildir"), Some(port));
    let out = ok(&mut worker(
        &url,
        sink.port,
        &rfc(late + chrono::Duration::minutes(30)),
    ));
    assert_eq!(count(&out, "sent"), 2, "{out}");
    let got = sink.messages();
    assert_eq!(got.len(), 5);
    assert!(
        got.iter().filter(|m| m.1.contains("已超期")).count() == 2,
        "{got:?}"
    );
    drop(sink);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn two_worker_processes_on_one_postgres_send_every_mail_once() {
    let Some(db) = tianping_store::testing::TestDb::postgres()
        .await
        .expect("postgres")
    else {
        return;
    };
    let dir = std::env::temp_dir().join(format!("tp_mail_pg_{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("dir");
    setup(&db.url, &dir, 200);
    let t0 = rfc(test_now());
    let sink = Sink::start(&dir.join("maildir"), None);
    let a = worker(&db.url, sink.port, &t0)
        .stdout(Stdio::piped())
        .spawn()
        .expect("worker a");
    let b = worker(&db.url, sink.port, &t0)
        .stdout(Stdio::piped())
        .spawn()
        .expect("worker b");
    let (a, b) = (
        a.wait_with_output().expect("a"),
        b.wait_with_output().expect("b"),
    );
    assert!(a.status.success() && b.status.success());
    let (a, b) = (
        String::from_utf8_lossy(&a.stdout).into_owned(),
        String::from_utf8_lossy(&b.stdout).into_owned(),
    );
    assert_eq!(count(&a, "fired") + count(&b, "fired"), 200, "{a} | {b}");
    // 200 urgent mails and one digest, however the two processes shared the work.
    assert_eq!(count(&a, "sent") + count(&b, "sent"), 201, "{a} | {b}");
    let got = sink.messages();
    let mut subjects: Vec<&str> = got.iter().map(|m| m.1.as_str()).collect();
    subjects.sort();
    subjects.dedup();
    assert_eq!(
        (got.len(), subjects.len()),
        (201, 201),
        "every mail exactly once"
    );
    assert_eq!(got.iter().filter(|m| m.1.contains("期限提醒")).count(), 1);
    let sent = db.store.mails(None, 1000).await.expect("outbox");
    assert!(sent.iter().all(|m| m.sent_at.is_some()), "outbox drained");
    drop(sink);
    let _ = std::fs::remove_dir_all(&dir);
    db.cleanup().await.expect("cleanup");
}

/// Courts' relays require STARTTLS and a login: mail goes through with both, and is refused (kept
/// in the outbox for retry) with a wrong password or without TLS.
#[test]
fn mail_reaches_a_relay_that_requires_starttls_and_a_login() {
    let dir = std::env::temp_dir().join(format!("tp_mail_tls_{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("dir");
    let url = format!("sqlite://{}", dir.join("t.db").display());
    setup(&url, &dir, 1);
    let (ca, cert, key) = certificates(&dir);
    let relay = Sink::tls_relay(
        &dir.join("maildir"),
        &cert,
        &key,
        "tianping",
        "relay-secret",
    );
    let t0 = test_now();
    let run = |security: &str, password: &str, at: chrono::DateTime<chrono::FixedOffset>| {
        let mut c = tianping();
        c.args([
            "worker",
            "--once",
            "--database-url",
            &url,
            "--now",
            &rfc(at),
        ])
        .env("TIANPING_SMTP_HOST", "127.0.0.1")
        .env("TIANPING_SMTP_PORT", relay.port.to_string())
        .env("TIANPING_SMTP_SECURITY", security)
        .env("TIANPING_SMTP_USERNAME", "tianping")
        .env("TIANPING_SMTP_PASSWORD", password)
        .env("TIANPING_SMTP_CA_FILE", &ca);
        c
    };
    // A wrong password: refused by the relay, the mail waits.
    let out = ok(&mut run("starttls", "wrong", t0));
    assert_eq!(count(&out, "sent"), 0, "{out}");
    assert!(count(&out, "failed") >= 1, "{out}");
    assert!(
        !out.contains("relay-secret") && !out.contains("wrong"),
        "no password printed: {out}"
    );
    // STARTTLS with the right login: delivered after the backoff.
    let out = ok(&mut run(
        "starttls",
        "relay-secret",
        t0 + chrono::Duration::minutes(30),
    ));
    assert!(count(&out, "sent") >= 1, "{out}");
    let got = relay.messages();
    assert!(
        !got.is_empty() && got[0].0.contains("zhang@court.test"),
        "{got:?}"
    );
    // A login is never sent without TLS: the configuration is refused outright.
    let mut c = run("none", "relay-secret", t0 + chrono::Duration::hours(2));
    let out = c.output().expect("runs");
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("only over TLS"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    drop(relay);
    let _ = std::fs::remove_dir_all(&dir);
}
