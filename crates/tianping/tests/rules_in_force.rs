//! The rules in force are one snapshot for every process on a store: the configured rule tables
//! (`rules_dir`), the calendar years imported into the database and its organisation directory.
//! Whatever command writes a clock computes it from that snapshot (issue 20).

mod common;

use common::{add_court, add_user, free_port, http, ok, run, tianping};
use std::process::Stdio;
use std::time::{Duration, Instant};
use tianping_store::Store;

/// The stored trial clock of a case: (due date, provisional).
async fn trial_clock(url: &str, number: &str) -> (String, bool) {
    use sqlx::Row;
    let store = Store::connect(url).await.expect("connect");
    let rows = sqlx::query(
        "SELECT c.clock_key, c.due_date, c.provisional FROM clocks c JOIN cases k ON k.id = c.case_id \
         WHERE k.case_number = $1",
    )
    .bind(number)
    .fetch_all(store.pool())
    .await
    .expect("clocks");
    let rows: Vec<(String, Option<String>, i64)> = rows
        .iter()
        .map(|r| {
            (
                r.try_get(0).expect("key"),
                r.try_get(1).expect("due"),
                r.try_get(2).expect("provisional"),
            )
        })
        .collect();
    store.close().await;
    let (_, due, provisional) = rows
        .iter()
        .find(|(k, _, _)| k == "trial")
        .unwrap_or_else(|| panic!("{number} has a trial clock: {rows:?}"));
    (due.clone().expect("a due date"), *provisional != 0)
}

fn filed(dir: &std::path::Path, name: &str, n: u32) -> String {
    let p = dir.join(name);
    std::fs::write(
        &p,
        format!(
            r#"{{"source":"s","source_event_id":"f{n}","case_number":"（2026）浙0102民初{n}号","occurred_at":"2026-08-31T09:00:00+08:00","kind":"filed","cause":"买卖合同纠纷"}}"#
        ) + "\n",
    )
    .expect("write");
    p.display().to_string()
}

/// Reproduced by hand before the fix: after `tianping calendar import` of a 2027 with 03-01 and
/// 03-02 as holidays, `tianping import` of a civil case filed 2026-08-31 stored its trial clock as
/// 2027-03-01, provisional — the built-in calendar — and `serve` did not repair it.
#[tokio::test]
async fn an_import_after_a_calendar_import_counts_with_that_calendar() {
    let dir = std::env::temp_dir().join(format!("tp_in_force_cal_{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("dir");
    let url = format!("sqlite://{}", dir.join("t.db").display());
    ok(tianping().args(["migrate", "--database-url", &url]));
    add_court(&mut tianping(), &url);
    let cal = dir.join("2027.toml");
    std::fs::write(
        &cal,
        "[[year]]\nyear = 2027\nrest = [\n  { date = 2027-03-01, holiday = \"测试假日\" },\n  { date = 2027-03-02, holiday = \"测试假日\" },\n]\n",
    )
    .expect("write");
    ok(tianping().args([
        "calendar",
        "import",
        &cal.display().to_string(),
        "--database-url",
        &url,
    ]));
    let f = filed(&dir, "one.jsonl", 1);
    ok(tianping().args(["import", &f, "--database-url", &url]));
    // Six months from 2026-08-31 is Sunday 2027-02-28; the next working day of the imported 2027
    // is Wednesday 03-03, and the year is known, so the date is not provisional.
    assert_eq!(
        trial_clock(&url, "（2026）浙0102民初1号").await,
        ("2027-03-03".to_string(), false)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// A custom `rules_dir` is in force for `import` as for `serve`: a court that counts the civil
/// ordinary trial in five months (a test table) gets five months from the command line too.
#[tokio::test]
async fn an_import_counts_with_the_configured_rules_dir() {
    let dir = std::env::temp_dir().join(format!("tp_in_force_rules_{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let rules = dir.join("rules");
    std::fs::create_dir_all(rules.join("calendar")).expect("dir");
    let shipped = concat!(env!("CARGO_MANIFEST_DIR"), "/../../rules");
    let limits = std::fs::read_to_string(format!("{shipped}/limits.toml")).expect("limits");
    let at = limits
        .find("id = \"civ.first.ordinary\"")
        .expect("the civil ordinary rule");
    let base = "base = { amount = 6, unit = \"month\" }";
    let off = at + limits[at..].find(base).expect("its base");
    let changed = format!(
        "{}base = {{ amount = 5, unit = \"month\" }}{}",
        &limits[..off],
        &limits[off + base.len()..]
    );
    std::fs::write(rules.join("limits.toml"), changed).expect("write");
    std::fs::copy(
        format!("{shipped}/calendar/cn-holidays.toml"),
        rules.join("calendar/cn-holidays.toml"),
    )
    .expect("copy");
    let url = format!("sqlite://{}", dir.join("t.db").display());
    let with_rules = || {
        let mut c = tianping();
        c.env("TIANPING_RULES_DIR", &rules);
        c
    };
    ok(with_rules().args(["migrate", "--database-url", &url]));
    add_court(&mut with_rules(), &url);
    let f = filed(&dir, "one.jsonl", 2);
    let (code, out, err) = run(with_rules().args(["import", &f, "--database-url", &url]));
    assert_eq!(code, 0, "{out}{err}");
    // Five months from 2026-08-31 is Sunday 2027-01-31: Monday 02-01, provisional (2027 unknown).
    assert_eq!(
        trial_clock(&url, "（2026）浙0102民初2号").await,
        ("2027-02-01".to_string(), true)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// `tianping user add` with a password on stdin.
/// An organisation that `tianping org add` adds while `serve` runs is in force in that server
/// within one poll (worker off): a judge of the new court, added the same way, logs in and
/// reads the case list. Before, the server kept the directory it read first until restarted, and
/// the judge's login failed.
#[test]
fn a_running_server_sees_an_organisation_added_by_another_process_within_one_poll() {
    let dir = std::env::temp_dir().join(format!("tp_in_force_org_{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("dir");
    let url = format!("sqlite://{}", dir.join("t.db").display());
    ok(tianping().args(["migrate", "--database-url", &url]));
    add_court(&mut tianping(), &url);
    let port = free_port();
    let mut server = tianping()
        .args([
            "serve",
            "--database-url",
            &url,
            "--listen",
            &format!("127.0.0.1:{port}"),
        ])
        .env("TIANPING_WORKER", "false")
        .env("TIANPING_POLL_SECONDS", "1")
        .env(
            "TIANPING_LEDGER_KEY",
            dir.join("ledger.key").display().to_string(),
        )
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("serve");
    let t = Instant::now();
    while !matches!(http(port, "GET", "/healthz", &[], ""), Ok((200, _, _))) {
        assert!(t.elapsed() < Duration::from_secs(30), "the server started");
        std::thread::sleep(Duration::from_millis(50));
    }
    ok(tianping().args([
        "org",
        "add",
        "--database-url",
        &url,
        "--id",
        "court-330106",
        "--name",
        "杭州市西湖区人民法院",
        "--kind",
        "court",
        "--level",
        "county",
        "--region-path",
        "/33/3301/330106/",
        "--court-code",
        "浙0106",
    ]));
    let password = "in-force-test-password-1";
    add_user(&url, "wang", "王法官", "court-330106", "judge", password);
    let added = Instant::now();
    let body = format!(r#"{{"username":"wang","password":"{password}"}}"#);
    let (status, head, text) = loop {
        let r = http(port, "POST", "/api/v1/session", &[], &body).expect("login");
        if r.0 == 200 || added.elapsed() > Duration::from_secs(3) {
            break r;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let within = added.elapsed();
    let cookie = head
        .lines()
        .find_map(|l| {
            l.strip_prefix("set-cookie: ")
                .or_else(|| l.strip_prefix("Set-Cookie: "))
        })
        .and_then(|c| c.split(';').next())
        .unwrap_or_default()
        .to_string();
    let cases = http(port, "GET", "/api/v1/cases", &[("Cookie", &cookie)], "").expect("cases");
    let _ = server.kill();
    let _ = server.wait();
    assert_eq!(status, 200, "the new court's judge logs in: {text}");
    assert!(
        within < Duration::from_secs(3),
        "within one poll: {within:?}"
    );
    assert_eq!(cases.0, 200, "{}", cases.2);
    let _ = std::fs::remove_dir_all(&dir);
}
