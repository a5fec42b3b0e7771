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

/// A fresh SQLite store in a new directory named `name`, with the court: (dir, url).
fn store(name: &str) -> (std::path::PathBuf, String) {
    let dir = std::env::temp_dir().join(format!("{name}_{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("dir");
    let url = format!("sqlite://{}", dir.join("t.db").display());
    ok(tianping(&dir).args(["migrate", "--database-url", &url]));
    add_court(&mut tianping(&dir), &url);
    (dir, url)
}

/// Imports the filings of cases `from..=to` of the court.
fn import(dir: &std::path::Path, url: &str, from: u32, to: u32) {
    let file = dir.join(format!("e{from}.jsonl"));
    let mut f = std::fs::File::create(&file).expect("file");
    for i in from..=to {
        writeln!(f, r#"{{"source":"s","source_event_id":"{i}","case_number":"（2026）浙0102民初{i}号","occurred_at":"2026-03-02T09:00:00+08:00","kind":"filed","cause":"买卖合同纠纷"}}"#).expect("w");
    }
    drop(f);
    ok(tianping(dir)
        .args(["import", "--database-url", url])
        .arg(&file));
}

#[test]
fn checkpoints_bundles_and_verification_from_the_command_line() {
    let (dir, url) = store("tp_ledger_cli");
    import(&dir, &url, 1, 40);

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

/// A supervising body cosigns checkpoints as a witness, from the command line: it makes its own
/// key and gives the platform the public half; it cosigns a first checkpoint, then a later one
/// only with the proof that the later extends the first (a checkpoint of a rewritten log is
/// refused); the operator registers the cosigned notes, and `ledger verify` names who cosigned.
#[test]
fn a_witness_cosigns_checkpoints_and_the_verifier_names_it() {
    let (dir, url) = store("tp_ledger_witness");
    import(&dir, &url, 1, 10);
    let log_key = ok(tianping(&dir).args(["ledger", "key"]))
        .trim()
        .to_string();

    // The 人大常委会's own key: created once, then only read.
    let wkey = dir.join("renda.key");
    let public = ok(tianping(&dir)
        .args([
            "ledger",
            "witness-key",
            "--name",
            "杭州市人大常委会",
            "--out",
        ])
        .arg(&wkey))
    .trim()
    .to_string();
    assert!(public.starts_with("杭州市人大常委会+"), "{public}");
    let again = ok(tianping(&dir)
        .args([
            "ledger",
            "witness-key",
            "--name",
            "杭州市人大常委会",
            "--out",
        ])
        .arg(&wkey));
    assert_eq!(again.trim(), public);

    let cp1 = dir.join("cp1.txt");
    ok(tianping(&dir)
        .args(["ledger", "checkpoint", "--database-url", &url, "--out"])
        .arg(&cp1));
    let cosign = |cp: &std::path::Path, prev: Option<(&std::path::Path, &std::path::Path)>| {
        let out = cp.with_extension("renda.txt");
        let mut c = tianping(&dir);
        c.args(["ledger", "cosign", "--log-key", &log_key, "--key"])
            .arg(&wkey)
            .arg("--checkpoint")
            .arg(cp)
            .arg("--out")
            .arg(&out);
        if let Some((p, proof)) = prev {
            c.arg("--previous").arg(p).arg("--proof").arg(proof);
        }
        (run(&mut c), out)
    };
    let ((code, _, err), cp1_signed) = cosign(&cp1, None);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("杭州市人大常委会 cosigned the checkpoint"),
        "{err}"
    );

    import(&dir, &url, 11, 20);
    let cp2 = dir.join("cp2.txt");
    ok(tianping(&dir)
        .args(["ledger", "checkpoint", "--database-url", &url, "--out"])
        .arg(&cp2));
    let size = |p: &std::path::Path| -> u64 {
        std::fs::read_to_string(p)
            .expect("note")
            .lines()
            .nth(1)
            .expect("size line")
            .parse()
            .expect("size")
    };
    let (first, second) = (size(&cp1), size(&cp2));
    let proof = dir.join("proof.json");
    std::fs::write(
        &proof,
        ok(tianping(&dir).args([
            "ledger",
            "consistency",
            "--database-url",
            &url,
            "--first",
            &first.to_string(),
        ])),
    )
    .expect("proof");
    // A proof between the wrong sizes is refused, saying which are needed.
    let wrong = dir.join("wrong.json");
    std::fs::write(
        &wrong,
        ok(tianping(&dir).args([
            "ledger",
            "consistency",
            "--database-url",
            &url,
            "--first",
            "1",
        ])),
    )
    .expect("proof");
    let ((code, _, err), _) = cosign(&cp2, Some((&cp1_signed, &wrong)));
    assert_ne!(code, 0);
    assert!(err.contains(&format!("{first} → {second}")), "{err}");
    let ((code, _, err), cp2_signed) = cosign(&cp2, Some((&cp1_signed, &proof)));
    assert_eq!(code, 0, "{err}");

    // A checkpoint of a rewritten log, signed with the log's (stolen) key: the witness refuses.
    let forged = std::fs::read_to_string(&cp2).expect("cp2");
    let key_text = std::fs::read_to_string(dir.join("ledger.key")).expect("key");
    let log = tianping_ledger::LogKey::parse_private(&key_text).expect("log key");
    let rewritten = log.sign(&tianping_ledger::Checkpoint {
        origin: "tianping.local/ledger".into(),
        size: second,
        root: tianping_ledger::leaf_hash(b"rewritten"),
    });
    assert_ne!(forged, rewritten);
    let fork = dir.join("fork.txt");
    std::fs::write(&fork, rewritten).expect("fork");
    let ((code, _, err), _) = cosign(&fork, Some((&cp1_signed, &proof)));
    assert_ne!(code, 0);
    assert!(
        err.contains("not cosigned") && err.contains("not proved to extend"),
        "{err}"
    );

    // Registered with the platform, whose configuration lists the witness's public key.
    let with_witness = |c: &mut Command| {
        c.env("TIANPING_WITNESS_KEYS", &public);
    };
    for note in [&cp1_signed, &cp2_signed] {
        let mut c = tianping(&dir);
        with_witness(&mut c);
        let out = ok(c
            .args([
                "ledger",
                "register-cosignature",
                "--database-url",
                &url,
                "--note",
            ])
            .arg(note));
        assert!(out.contains("added 杭州市人大常委会"), "{out}");
    }
    let mut c = tianping(&dir);
    with_witness(&mut c);
    let out = ok(c.args(["ledger", "verify", "--database-url", &url]));
    assert!(
        out.contains(&format!(
            "witness 杭州市人大常委会: cosigned 2 of the 2 checkpoints, the latest at {second} leaves"
        )) && out.contains("OK: the store matches the log"),
        "{out}"
    );
    // Without the configuration, the key can be given to the verifier.
    let out = ok(tianping(&dir).args([
        "ledger",
        "verify",
        "--log-only",
        "--database-url",
        &url,
        "--witness-key",
        &public,
    ]));
    assert!(
        out.contains("witness 杭州市人大常委会: cosigned 2"),
        "{out}"
    );
    // A note no registered witness signed is refused.
    let mut c = tianping(&dir);
    with_witness(&mut c);
    let (code, _, err) = run(c
        .args([
            "ledger",
            "register-cosignature",
            "--database-url",
            &url,
            "--note",
        ])
        .arg(&cp2));
    assert_ne!(code, 0);
    assert!(err.contains("no_cosignature"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}
