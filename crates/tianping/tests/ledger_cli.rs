//! `tianping ledger …` as an operator and a supervising body use it: sign and keep a checkpoint,
//! export a bundle and verify it offline with the kept key and checkpoint; a row changed in the
//! database makes `ledger verify` exit 4 naming the record; a reordered bundle is refused.

use std::io::Write;
use std::process::Command;

mod common;
use common::{add_court, ok, run};

fn tianping(dir: &std::path::Path) -> Command {
    let mut c = common::tianping();
    c.env("TIANPING_LEDGER_KEY", dir.join("ledger.key"));
    c
}

#[test]
fn checkpoints_bundles_and_verification_from_the_command_line() {
    let dir = std::env::temp_dir().join(format!("tp_ledger_cli_{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("dir");
    let url = format!("sqlite://{}", dir.join("t.db").display());
    ok(tianping(&dir).args(["migrate", "--database-url", &url]));
    add_court(&mut tianping(&dir), &url);
    let file = dir.join("e.jsonl");
    let mut f = std::fs::File::create(&file).expect("file");
    for i in 1..=40 {
        writeln!(f, r#"{{"source":"s","source_event_id":"{i}","case_number":"（2026）浙0102民初{i}号","occurred_at":"2026-03-02T09:00:00+08:00","kind":"filed","cause":"买卖合同纠纷"}}"#).expect("w");
    }
    drop(f);
    ok(tianping(&dir)
        .args(["import", "--database-url", &url])
        .arg(&file));

    // The key is created on first use; its public half is what a supervising body keeps.
    let key = ok(tianping(&dir).args(["ledger", "key"]))
        .trim()
        .to_string();
    assert!(key.starts_with("tianping.local/ledger+"), "{key}");
    let cp = dir.join("cp.txt");
    let out = ok(tianping(&dir)
        .args(["ledger", "checkpoint", "--database-url", &url, "--out"])
        .arg(&cp));
    // The organisation, its move of the rules' generation, and the 40 events.
    assert!(out.contains("checkpoint of 42 leaves"), "{out}");
    // A verifier without the key refuses to run rather than minting a new one.
    let (code, _, err) = run(tianping(&dir)
        .args(["ledger", "verify", "--database-url", &url])
        .env("TIANPING_LEDGER_KEY", dir.join("missing.key")));
    assert_ne!(code, 0);
    assert!(
        err.contains("no ledger key at") && err.contains("missing.key"),
        "{err}"
    );
    assert!(!dir.join("missing.key").exists());
    let out = ok(tianping(&dir)
        .args(["ledger", "verify", "--database-url", &url, "--witness"])
        .arg(&cp));
    assert!(out.contains("OK: the store matches the log"), "{out}");

    // Offline: the bundle, the key and the checkpoint kept elsewhere; no database.
    let bundle = dir.join("bundle.jsonl");
    ok(tianping(&dir)
        .args(["ledger", "export", "--database-url", &url, "--out"])
        .arg(&bundle));
    let text = std::fs::read_to_string(&bundle).expect("bundle");
    assert!(!text.contains("salt"), "no salts leave the store");
    let out = ok(tianping(&dir)
        .args(["ledger", "verify", "--key", &key, "--bundle"])
        .arg(&bundle)
        .arg("--witness")
        .arg(&cp));
    assert!(out.contains("OK: the bundle is a consistent log"), "{out}");

    // A reordered bundle is refused, naming the leaf.
    let mut lines: Vec<&str> = text.lines().collect();
    let n = lines.len();
    lines.swap(n - 3, n - 2);
    let bad = dir.join("bad.jsonl");
    std::fs::write(&bad, lines.join("\n")).expect("write");
    let (code, out, _) = run(tianping(&dir)
        .args(["ledger", "verify", "--key", &key, "--bundle"])
        .arg(&bad));
    assert_eq!(code, 4, "{out}");
    assert!(
        out.contains("FIRST MISMATCH: leaf_out_of_place — leaf 39"),
        "{out}"
    );

    // A row changed directly in the database: exit 4, naming the record and its leaf.
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(async {
        let s = tianping_store::Store::connect(&url).await.expect("connect");
        for sql in [
            "DROP TRIGGER events_no_update",
            "UPDATE events SET body = REPLACE(body, '买卖合同纠纷', '借款合同纠纷') WHERE id = 7",
        ] {
            sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_string()))
                .execute(s.pool())
                .await
                .expect(sql);
        }
        s.close().await;
    });
    let (code, out, _) = run(tianping(&dir).args(["ledger", "verify", "--database-url", &url]));
    assert_eq!(code, 4, "{out}");
    assert!(
        out.contains("FIRST MISMATCH: record_differs") && out.contains("events/7"),
        "{out}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
