//! `tianping backup` and `tianping restore` as an operator uses them, on SQLite and on a real
//! PostgreSQL: a backup of a store with a ledger, restored into a new store whose verification
//! passes with the same root as the original's; a backup never overwrites a file, a restore never
//! writes over a store, and a backup restores only to its own kind of store.

use std::io::Write;
use std::process::Command;

mod common;
use common::{add_court, ok, run};

fn tianping(dir: &std::path::Path) -> Command {
    let mut c = common::tianping();
    c.env("TIANPING_LEDGER_KEY", dir.join("ledger.key"));
    c
}

/// The root `ledger verify` (or a restore's verification) printed.
fn root_of(out: &str) -> String {
    out.split("root ")
        .nth(1)
        .and_then(|r| r.split(';').next())
        .unwrap_or_else(|| panic!("no root in {out}"))
        .to_string()
}

/// A store at `url` with a court and 30 filed cases, and its verified root.
fn seeded(dir: &std::path::Path, url: &str) -> String {
    ok(tianping(dir).args(["migrate", "--database-url", url]));
    add_court(&mut tianping(dir), url);
    let file = dir.join("e.jsonl");
    let mut f = std::fs::File::create(&file).expect("file");
    for i in 1..=30 {
        writeln!(f, r#"{{"source":"s","source_event_id":"{i}","case_number":"（2026）浙0102民初{i}号","occurred_at":"2026-03-02T09:00:00+08:00","kind":"filed","cause":"买卖合同纠纷"}}"#).expect("w");
    }
    drop(f);
    ok(tianping(dir)
        .args(["import", "--database-url", url])
        .arg(&file));
    // The log's key, created on first use (and kept apart from the backups).
    ok(tianping(dir).args(["ledger", "key"]));
    let out = ok(tianping(dir).args(["ledger", "verify", "--database-url", url]));
    assert!(out.contains("OK: the store matches the log"), "{out}");
    root_of(&out)
}

fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("tp_backup_{name}_{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("dir");
    dir
}

#[test]
fn a_sqlite_backup_restores_into_a_new_store_that_verifies_with_the_same_root() {
    let dir = temp_dir("sqlite");
    let url = format!("sqlite://{}", dir.join("t.db").display());
    let root = seeded(&dir, &url);
    let copy = dir.join("t.backup");
    let out = ok(tianping(&dir)
        .args(["backup", "--database-url", &url, "--out"])
        .arg(&copy));
    assert!(out.contains(&format!("root {root}")), "{out}");
    // Never over a file.
    let (code, _, err) = run(tianping(&dir)
        .args(["backup", "--database-url", &url, "--out"])
        .arg(&copy));
    assert_ne!(code, 0);
    assert!(err.contains("already exists"), "{err}");

    let restored = format!("sqlite://{}", dir.join("r.db").display());
    let out = ok(tianping(&dir)
        .args(["restore", "--to", &restored, "--from"])
        .arg(&copy));
    assert!(out.contains("OK: the store matches the log"), "{out}");
    assert_eq!(root_of(&out), root);
    // Never over a store; a SQLite backup does not restore into PostgreSQL.
    let (code, _, err) = run(tianping(&dir)
        .args(["restore", "--to", &restored, "--from"])
        .arg(&copy));
    assert_ne!(code, 0);
    assert!(err.contains("never writes over a store"), "{err}");
    let (code, _, err) = run(tianping(&dir)
        .args([
            "restore",
            "--to",
            "postgres://postgres@127.0.0.1:5432/tianping_never",
            "--from",
        ])
        .arg(&copy));
    assert_ne!(code, 0);
    assert!(err.contains("is a SQLite backup"), "{err}");
    // A restored copy changed behind the ledger's back fails its verification (exit 4).
    let tampered = dir.join("x.db");
    std::fs::copy(&copy, dir.join("x.backup")).expect("copy");
    let (code, _, err) = run(Command::new("sqlite3")
        .arg(dir.join("x.backup"))
        .arg("UPDATE orgs SET name = '杭州市某区人民法院' WHERE id = 'court-330102';"));
    assert_eq!(code, 0, "{err}");
    let (code, out, _) = run(tianping(&dir)
        .args([
            "restore",
            "--to",
            &format!("sqlite://{}", tampered.display()),
            "--from",
        ])
        .arg(dir.join("x.backup")));
    assert_eq!(code, 4, "{out}");
    assert!(out.contains("FAILED"), "{out}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_postgres_dump_restores_into_a_new_database_that_verifies_with_the_same_root() {
    let base = std::env::var("TIANPING_TEST_POSTGRES_URL")
        .expect("TIANPING_TEST_POSTGRES_URL names a PostgreSQL server for the tests");
    let server = base.rsplit_once('/').map_or(base.as_str(), |(s, _)| s);
    let pid = std::process::id();
    let (source_db, target_db) = (
        format!("tianping_backup_src_{pid}"),
        format!("tianping_backup_dst_{pid}"),
    );
    let psql = |sql: &str| {
        ok(Command::new("psql")
            .arg(format!("{server}/postgres"))
            .args(["-v", "ON_ERROR_STOP=1", "-qc", sql]))
    };
    psql(&format!("DROP DATABASE IF EXISTS {source_db}"));
    psql(&format!("DROP DATABASE IF EXISTS {target_db}"));
    psql(&format!("CREATE DATABASE {source_db}"));
    let dir = temp_dir("postgres");
    let url = format!("{server}/{source_db}");
    let root = seeded(&dir, &url);
    let dump = dir.join("t.dump");
    ok(tianping(&dir)
        .args(["backup", "--database-url", &url, "--out"])
        .arg(&dump));
    let target = format!("{server}/{target_db}");
    let out = ok(tianping(&dir)
        .args(["restore", "--to", &target, "--from"])
        .arg(&dump));
    assert!(out.contains("OK: the store matches the log"), "{out}");
    assert_eq!(root_of(&out), root);
    // The restored database now holds a store: a second restore into it is refused.
    let (code, _, err) = run(tianping(&dir)
        .args(["restore", "--to", &target, "--from"])
        .arg(&dump));
    assert_ne!(code, 0);
    assert!(err.contains("never writes over a store"), "{err}");
    psql(&format!("DROP DATABASE {source_db} WITH (FORCE)"));
    psql(&format!("DROP DATABASE {target_db} WITH (FORCE)"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn migrate_store_moves_a_sqlite_store_into_postgres_with_the_same_root() {
    let base = std::env::var("TIANPING_TEST_POSTGRES_URL")
        .expect("TIANPING_TEST_POSTGRES_URL names a PostgreSQL server for the tests");
    let server = base.rsplit_once('/').map_or(base.as_str(), |(s, _)| s);
    let target_db = format!("tianping_move_{}", std::process::id());
    let psql = |sql: &str| {
        ok(Command::new("psql")
            .arg(format!("{server}/postgres"))
            .args(["-v", "ON_ERROR_STOP=1", "-qc", sql]))
    };
    psql(&format!("DROP DATABASE IF EXISTS {target_db}"));
    psql(&format!("CREATE DATABASE {target_db}"));
    let dir = temp_dir("move");
    let url = format!("sqlite://{}", dir.join("t.db").display());
    let root = seeded(&dir, &url);
    // A signed checkpoint moves with the log.
    ok(tianping(&dir).args(["ledger", "checkpoint", "--database-url", &url]));
    let target = format!("{server}/{target_db}");
    let out = ok(tianping(&dir).args(["migrate-store", "--from", &url, "--to", &target]));
    assert!(
        out.contains("the target's root equals the source's"),
        "{out}"
    );
    assert!(out.contains("OK: the store matches the log"), "{out}");
    // The moved store is the store: verified on its own, and it takes new events with new ids.
    let out = ok(tianping(&dir).args(["ledger", "verify", "--database-url", &target]));
    assert!(out.contains("OK: the store matches the log"), "{out}");
    assert_eq!(root_of(&out), root);
    let file = dir.join("more.jsonl");
    std::fs::write(&file, r#"{"source":"s","source_event_id":"31","case_number":"（2026）浙0102民初31号","occurred_at":"2026-03-03T09:00:00+08:00","kind":"filed","cause":"买卖合同纠纷"}"#).expect("write");
    ok(tianping(&dir)
        .args(["import", "--database-url", &target])
        .arg(&file));
    let out = ok(tianping(&dir).args(["ledger", "verify", "--database-url", &target]));
    assert!(out.contains("OK: the store matches the log"), "{out}");
    assert_ne!(root_of(&out), root, "the new event is a new leaf");
    // Never into a database that holds a store.
    let (code, _, err) =
        run(tianping(&dir).args(["migrate-store", "--from", &url, "--to", &target]));
    assert_ne!(code, 0);
    assert!(err.contains("already holds tables"), "{err}");
    psql(&format!("DROP DATABASE {target_db} WITH (FORCE)"));
    let _ = std::fs::remove_dir_all(&dir);
}
