//! Several `tianping serve` processes on one PostgreSQL database behind HAProxy (issue 28): a
//! session works on any node; an organisation added through one node is in force on the other
//! within one poll; the singleton work is led by one node at a time, and when the leader is
//! killed with `kill -9` the other takes over within `leader_seconds` while the load balancer
//! keeps serving.

mod common;

use common::{add_user, free_port, http, ok, run, tianping};
use std::path::Path;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};
use tianping_store::testing::TestDb;

/// Seconds between leadership checks (and polls) in this test.
const LEADER_SECONDS: u64 = 1;

struct Node {
    child: Child,
    port: u16,
    log: std::path::PathBuf,
}

impl Node {
    fn start(dir: &Path, url: &str, name: &str) -> Node {
        let port = free_port();
        let log = dir.join(format!("{name}.log"));
        let child = tianping()
            .args([
                "serve",
                "--database-url",
                url,
                "--listen",
                &format!("127.0.0.1:{port}"),
            ])
            .env("TIANPING_LOG", "info")
            .env("TIANPING_WORKER", "true")
            .env("TIANPING_POLL_SECONDS", LEADER_SECONDS.to_string())
            .env("TIANPING_LEADER_SECONDS", LEADER_SECONDS.to_string())
            .env("TIANPING_TOTP_REQUIRED_ROLES", "")
            // Every node signs with the same keys: they are one service.
            .env("TIANPING_LEDGER_KEY", dir.join("ledger.key"))
            .env("TIANPING_FEEDBACK_KEY", dir.join("feedback.key"))
            // The log goes to stdout.
            .stdout(std::fs::File::create(&log).expect("log"))
            .stderr(Stdio::null())
            .spawn()
            .expect("serve");
        let t = Instant::now();
        while !matches!(http(port, "GET", "/healthz", &[], ""), Ok((200, _, _))) {
            assert!(
                t.elapsed() < Duration::from_secs(60),
                "{name} started: {}",
                std::fs::read_to_string(&log).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        Node { child, port, log }
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// HAProxy in the foreground, round robin over the nodes, checking each node's /healthz.
struct Balancer {
    child: Child,
    port: u16,
}

impl Balancer {
    fn start(dir: &Path, nodes: &[&Node]) -> Balancer {
        let port = free_port();
        let mut cfg = format!(
            "global\n  maxconn 512\ndefaults\n  mode http\n  timeout connect 2s\n  timeout client 30s\n  timeout server 30s\n  retries 3\n  option redispatch\n\
             frontend tianping\n  bind 127.0.0.1:{port}\n  default_backend nodes\n\
             backend nodes\n  balance roundrobin\n  option httpchk GET /healthz\n"
        );
        for (i, n) in nodes.iter().enumerate() {
            cfg.push_str(&format!(
                "  server node{i} 127.0.0.1:{} check inter 300ms fall 1 rise 1\n",
                n.port
            ));
        }
        let file = dir.join("haproxy.cfg");
        std::fs::write(&file, cfg).expect("haproxy.cfg");
        let child = std::process::Command::new("haproxy")
            .args(["-db", "-f"])
            .arg(&file)
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(dir.join("haproxy.log")).expect("log"))
            .spawn()
            .expect("haproxy runs (scripts/install-test-deps.sh installs it)");
        let t = Instant::now();
        while !matches!(http(port, "GET", "/healthz", &[], ""), Ok((200, _, _))) {
            assert!(
                t.elapsed() < Duration::from_secs(20),
                "haproxy started: {}",
                std::fs::read_to_string(dir.join("haproxy.log")).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        Balancer { child, port }
    }
}

impl Drop for Balancer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Logs in at `port`: (session cookie, CSRF token), or the failed response's status and body.
fn login(port: u16, username: &str, password: &str) -> Result<(String, String), (u16, String)> {
    let body = format!(r#"{{"username":"{username}","password":"{password}"}}"#);
    let (status, head, text) = http(port, "POST", "/api/v1/session", &[], &body).expect("login");
    if status != 200 {
        return Err((status, text));
    }
    let cookie = head
        .lines()
        .find_map(|l| {
            l.strip_prefix("set-cookie: ")
                .or_else(|| l.strip_prefix("Set-Cookie: "))
        })
        .and_then(|c| c.split(';').next())
        .unwrap_or_default()
        .to_string();
    let v: serde_json::Value = serde_json::from_str(&text).expect("json");
    let csrf = v["csrf_token"].as_str().unwrap_or_default().to_string();
    Ok((cookie, csrf))
}

/// The pid in the leading session's name (`tianping serve PID ADDR`), if any process leads.
async fn leader_pid(store: &tianping_store::Store) -> Option<u32> {
    let name = store.singleton_leader().await.expect("leader")?;
    name.split(' ').nth(2).and_then(|p| p.parse().ok())
}

#[tokio::test]
async fn two_servers_behind_haproxy_share_sessions_and_hand_over_leadership() {
    if run(std::process::Command::new("haproxy").arg("-v")).0 != 0 {
        panic!("haproxy is missing: scripts/install-test-deps.sh installs it");
    }
    let Some(db) = TestDb::postgres().await.expect("database") else {
        return;
    };
    let dir = std::env::temp_dir().join(format!("tp_several_{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("dir");
    let url = db.url.clone();
    ok(tianping().args([
        "org",
        "add",
        "--database-url",
        &url,
        "--id",
        "hz-court",
        "--name",
        "杭州市中级人民法院",
        "--kind",
        "court",
        "--level",
        "city",
        "--region-path",
        "/33/3301/",
        "--court-code",
        "浙01",
    ]));
    let password = "several-servers-password-1";
    add_user(
        &url,
        "admin",
        "系统管理员",
        "hz-court",
        "sysadmin",
        password,
    );

    let a = Node::start(&dir, &url, "a");
    let b = Node::start(&dir, &url, "b");
    let lb = Balancer::start(&dir, &[&a, &b]);

    // A session made through the balancer works on every node and through the balancer (round
    // robin: consecutive requests alternate between the nodes).
    let (cookie, csrf) = login(lb.port, "admin", password).expect("login through haproxy");
    for port in [a.port, b.port, lb.port, lb.port, lb.port, lb.port] {
        let (status, _, body) =
            http(port, "GET", "/api/v1/me", &[("Cookie", &cookie)], "").expect("me");
        assert_eq!(status, 200, "the session works on port {port}: {body}");
    }

    // An organisation added through node a is in force on node b within one poll: a judge of it
    // logs in there.
    let org = r#"{"id":"lp-court","name":"杭州市临平区人民法院","parent_id":"hz-court","kind":"court","level":"county","region_code":"330113","court_code":"浙0113"}"#;
    let (status, _, body) = http(
        a.port,
        "POST",
        "/api/v1/admin/orgs",
        &[("Cookie", &cookie), ("X-CSRF-Token", &csrf)],
        org,
    )
    .expect("add org");
    assert_eq!(status, 201, "{body}");
    add_user(&url, "lp_judge", "临平法官", "lp-court", "judge", password);
    let added = Instant::now();
    let judge = loop {
        match login(b.port, "lp_judge", password) {
            Ok(s) => break s,
            Err(e) => assert!(
                added.elapsed() < Duration::from_secs(LEADER_SECONDS * 3 + 2),
                "the new court's judge logs in on the other node within one poll: {e:?}"
            ),
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let (status, _, body) =
        http(b.port, "GET", "/api/v1/cases", &[("Cookie", &judge.0)], "").expect("cases");
    assert_eq!(status, 200, "{body}");

    // One node leads the singleton work; the other follows.
    let t = Instant::now();
    let leader = loop {
        if let Some(p) = leader_pid(&db.store).await {
            break p;
        }
        assert!(t.elapsed() < Duration::from_secs(10), "a node leads");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let (mut dead, survivor) = if leader == a.pid() { (a, b) } else { (b, a) };
    assert_eq!(leader, dead.pid(), "the leader is one of the two nodes");
    tokio::time::sleep(Duration::from_secs(LEADER_SECONDS * 2)).await;
    assert_eq!(
        leader_pid(&db.store).await,
        Some(leader),
        "leadership stays put while the leader lives"
    );
    assert!(dead.log().contains("leading the singleton work"));
    assert!(survivor.log().contains("following"), "{}", survivor.log());
    assert!(!survivor.log().contains("leading the singleton work"));

    // kill -9 the leader: the survivor leads within the configured time, and the balancer keeps
    // serving the session.
    let killed = Instant::now();
    dead.child.kill().expect("kill -9");
    let _ = dead.child.wait();
    let took = loop {
        if leader_pid(&db.store).await == Some(survivor.pid()) {
            break killed.elapsed();
        }
        assert!(
            killed.elapsed() < Duration::from_secs(LEADER_SECONDS + 5),
            "the survivor took over: {}",
            survivor.log()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    // Within one check (leader_seconds), with room for a machine busy with the other tests.
    assert!(
        took <= Duration::from_secs(LEADER_SECONDS + 3),
        "takeover within leader_seconds (+3 s): {took:?}"
    );
    let t = Instant::now();
    while !survivor.log().contains("leading the singleton work") {
        assert!(t.elapsed() < Duration::from_secs(5), "{}", survivor.log());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    for _ in 0..6 {
        let (status, _, body) =
            http(lb.port, "GET", "/api/v1/me", &[("Cookie", &cookie)], "").expect("me");
        assert_eq!(status, 200, "the balancer serves from the survivor: {body}");
    }
    eprintln!(
        "leadership taken over {} ms after kill -9",
        took.as_millis()
    );

    drop(lb);
    drop(survivor);
    drop(dead);
    let _ = std::fs::remove_dir_all(&dir);
    db.cleanup().await.expect("cleanup");
}

/// `tianping bench failover`, short: a synchronous standby made here takes over after `kill -9`
/// of the primary (promoted), the servers write on through HAProxy by themselves, no acknowledged
/// event is missing on the standby and its ledger verifies; the servers' dashboards read from
/// the standby meanwhile.
#[test]
fn the_standby_takes_over_with_every_acknowledged_write() {
    assert!(
        Path::new("/usr/bin/pg_createcluster").exists(),
        "pg_createcluster (Debian's postgresql-common) makes the clusters of this test"
    );
    let out = ok(tianping().args([
        "bench",
        "failover",
        "--servers",
        "2",
        "--writers",
        "4",
        "--before",
        "2",
        "--after",
        "4",
    ]));
    let result = out
        .lines()
        .find(|l| l.starts_with("RESULT failover "))
        .unwrap_or_else(|| panic!("a RESULT line: {out}"));
    let field = |k: &str| -> String {
        result
            .split(' ')
            .find_map(|kv| kv.strip_prefix(&format!("{k}=")))
            .unwrap_or_default()
            .to_string()
    };
    assert_eq!(field("lost"), "0", "{out}");
    assert_eq!(field("verify"), "ok", "{out}");
    let acked: u64 = field("acked").parse().expect("acked");
    assert!(acked > 0, "{out}");
    // The dashboard, read from the standby (`database_read_url`), answered all along while the
    // primary lived, through the servers' own read connections on the standby.
    let reads: u64 = field("reads").parse().expect("reads");
    assert!(reads > 0, "{out}");
    assert_eq!(field("read_errors_before_kill"), "0", "{out}");
    let readers: u64 = field("replica_connections")
        .parse()
        .expect("replica_connections");
    assert!(readers >= 1, "{out}");
    eprintln!("{result}");
}
