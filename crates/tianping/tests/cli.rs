//! The binary's subcommands end to end, as an operator runs them: migrate, rules check, user add,
//! import (exit status 2 and `FILE:LINE` diagnostics on bad lines; idempotent re-import).

use std::io::Write;
use std::process::{Command, Stdio};

fn tianping() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_tianping"));
    c.env_remove("TIANPING_DATABASE_URL")
        .env("TIANPING_LOG", "warn");
    c
}

fn run(c: &mut Command) -> (i32, String, String) {
    let out = c.output().expect("runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn operator_commands() {
    let dir = std::env::temp_dir().join(format!("tp_cli_{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let url = format!("sqlite://{}", dir.join("t.db").display());

    let (code, out, _) = run(tianping().args(["migrate", "--database-url", &url]));
    assert_eq!(code, 0);
    assert!(out.contains("applied 0001_registry"), "{out}");
    let (_, out, _) = run(tianping().args(["migrate", "--database-url", &url]));
    assert!(out.contains("up to date"));

    let (code, out, _) = run(tianping().args(["rules", "check"]));
    assert_eq!(code, 0);
    assert!(out.contains("type codes") && out.contains("[S]"), "{out}");
    assert!(
        out.contains(
            "procuratorial catalogue catalogue-1: 29 situations in 5 lines of work, 6 instruments"
        ),
        "{out}"
    );

    // No organisation yet: user add fails with a clear message and a non-zero status.
    let (code, _, err) = run(tianping().args([
        "user",
        "add",
        "--database-url",
        &url,
        "--username",
        "u1",
        "--name",
        "甲",
        "--org",
        "court-x",
        "--role",
        "judge",
    ]));
    assert_ne!(code, 0);
    assert!(
        err.contains("court-x") && err.contains("does not exist"),
        "{err}"
    );
    let (code, _, err) = run(tianping().args([
        "user",
        "add",
        "--database-url",
        &url,
        "--username",
        "u1",
        "--name",
        "甲",
        "--org",
        "court-x",
        "--role",
        "emperor",
    ]));
    assert_ne!(code, 0);
    assert!(err.contains("unknown role"), "{err}");

    // Import needs the court in the directory: without it every filing names the unknown court.
    let file = dir.join("e.jsonl");
    let mut f = std::fs::File::create(&file).expect("file");
    writeln!(f, r#"{{"source":"s","source_event_id":"1","case_number":"（2026）浙0102民初1号","occurred_at":"2026-03-02T09:00:00+08:00","kind":"filed","cause":"买卖合同纠纷"}}"#).expect("w");
    writeln!(f, "{{not json").expect("w");
    drop(f);
    let (code, out, err) = run(tianping()
        .args(["import", "--database-url", &url])
        .arg(&file));
    assert_eq!(code, 2, "rejected lines give status 2: {out} {err}");
    assert!(
        err.contains("e.jsonl:1: court_unknown") && err.contains("e.jsonl:2: malformed"),
        "{err}"
    );
    assert!(
        out.contains("0 accepted") && out.contains("2 rejected"),
        "{out}"
    );

    // Unknown file format and a password from stdin that is too short.
    let (code, _, err) = run(tianping().args(["import", "--database-url", &url, "x.txt"]));
    assert_ne!(code, 0);
    assert!(err.contains(".jsonl or .csv"), "{err}");
    let mut child = tianping()
        .args([
            "user",
            "add",
            "--database-url",
            &url,
            "--username",
            "u2",
            "--name",
            "乙",
            "--org",
            "o",
            "--role",
            "judge",
            "--password-stdin",
        ])
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(b"short\n")
        .expect("write");
    let out = child.wait_with_output().expect("wait");
    assert!(String::from_utf8_lossy(&out.stderr).contains("at least 10 characters"));

    // With the court in the tree, users and events go in; a re-import adds nothing.
    let (code, _, err) = run(tianping().args([
        "org",
        "add",
        "--database-url",
        &url,
        "--id",
        "court-330102",
        "--name",
        "杭州市上城区人民法院",
        "--kind",
        "court",
        "--level",
        "county",
        "--region-path",
        "/33/3301/330102/",
        "--court-code",
        "浙01X2",
    ]));
    assert_ne!(code, 0);
    assert!(err.contains("法院代字"), "{err}");
    let (code, out, err) = run(tianping().args([
        "org",
        "add",
        "--database-url",
        &url,
        "--id",
        "court-330102",
        "--name",
        "杭州市上城区人民法院",
        "--kind",
        "court",
        "--level",
        "county",
        "--region-path",
        "/33/3301/330102/",
        "--court-code",
        "浙0102",
    ]));
    assert_eq!(code, 0, "{out} {err}");
    let (_, out, _) = run(tianping().args(["org", "list", "--database-url", &url]));
    assert!(
        out.contains("court-330102") && out.contains("浙0102"),
        "{out}"
    );
    let (code, out, err) = run(tianping().args([
        "user",
        "add",
        "--database-url",
        &url,
        "--username",
        "u1",
        "--name",
        "甲",
        "--org",
        "court-330102",
        "--role",
        "judge",
    ]));
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("added user u1") && out.contains("password: Tp-"),
        "{out}"
    );
    let good = dir.join("good.jsonl");
    std::fs::write(
        &good,
        std::fs::read_to_string(&file)
            .expect("read")
            .lines()
            .next()
            .expect("line"),
    )
    .expect("write");
    let (code, out, _) = run(tianping()
        .args(["import", "--database-url", &url])
        .arg(&good));
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("1 accepted"), "{out}");
    let (code, out, _) = run(tianping()
        .args(["import", "--database-url", &url])
        .arg(&good));
    assert_eq!(code, 0);
    assert!(out.contains("0 accepted, 1 duplicates"), "{out}");

    // The demo never loads into (or wipes) a database that already holds data.
    let (code, _, err) = run(tianping().args([
        "demo",
        "--cases",
        "10",
        "--database-url",
        &url,
        "--listen",
        "127.0.0.1:0",
    ]));
    assert_ne!(code, 0);
    assert!(err.contains("only into an empty database"), "{err}");

    // Secrets are not printed: a bad PostgreSQL URL's password never reaches the output.
    let (code, out, err) = run(tianping().args([
        "migrate",
        "--database-url",
        "postgres://u:s3cret-pw@127.0.0.1:1/db",
    ]));
    assert_ne!(code, 0);
    assert!(
        !out.contains("s3cret-pw") && !err.contains("s3cret-pw"),
        "{err}"
    );
    let _ = std::fs::remove_dir_all(dir);
}

/// Finding M7: `calendar import` stored years −5, 0 and 99999 and silently replaced a published
/// year with an empty one (moving due dates).
#[test]
fn m7_calendar_import_refuses_bad_years_and_replaces_only_with_replace() {
    let dir = std::env::temp_dir().join(format!("tp_cli_cal_{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let url = format!("sqlite://{}", dir.join("t.db").display());
    let (code, _, _) = run(tianping().args(["migrate", "--database-url", &url]));
    assert_eq!(code, 0);
    let write = |name: &str, text: &str| {
        let p = dir.join(name);
        std::fs::write(&p, text).expect("write");
        p.display().to_string()
    };
    for (name, text, says) in [
        ("neg.toml", "[[year]]\nyear = -5\nrest = []\n", "-5"),
        ("huge.toml", "[[year]]\nyear = 99999\nrest = []\n", "99999"),
        ("empty.toml", "[[year]]\nyear = 2025\n", "no rest day"),
    ] {
        let f = write(name, text);
        let (code, _, err) =
            run(tianping().args(["calendar", "import", &f, "--database-url", &url]));
        assert_ne!(code, 0, "{name}");
        assert!(err.contains(says), "{name}: {err}");
    }
    // A changed 2025 (one holiday only) needs --replace.
    let one = write(
        "one.toml",
        "[[year]]\nyear = 2025\nrest = [ { date = 2025-01-01, holiday = \"元旦\" } ]\n",
    );
    let (code, _, err) = run(tianping().args(["calendar", "import", &one, "--database-url", &url]));
    assert_ne!(code, 0);
    assert!(err.contains("--replace") && err.contains("2025"), "{err}");
    let (_, out, _) = run(tianping().args(["calendar", "show", "--database-url", &url]));
    assert!(
        out.lines()
            .any(|l| l.starts_with("2025:") && !l.contains("(imported)")),
        "nothing imported: {out}"
    );
    let (code, out, err) = run(tianping().args([
        "calendar",
        "import",
        &one,
        "--replace",
        "--database-url",
        &url,
    ]));
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("2025"), "{out}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// `tianping draw`: the RFC 3797 example from the command line, and an exported draw re-checked
/// offline — a published result changed after the fact exits 4 and says which pick differs.
#[test]
fn draws_are_rechecked_offline() {
    use tianping_domain::draw::{Record, Setup, Source, SourceValue, commitment};
    let (code, out, _) = run(tianping().args([
        "draw",
        "rfc3797",
        "--pool",
        "25",
        "--count",
        "16",
        "--key",
        "9319./2.5.8.10.12./9.18.26.34.41.45./",
    ]));
    assert_eq!(code, 0);
    assert_eq!(out.trim(), "17 7 2 16 25 23 8 24 19 13 22 5 18 9 1 4");

    let pool: Vec<String> = (1..=23).map(|i| format!("杭州-{i:02}")).collect();
    let setup = Setup::new(
        "2026-抽-0007",
        pool,
        vec![("杭州-05".into(), "回避：系案件当事人近亲属".into())],
        3,
        2,
        vec![
            Source::Public {
                description: "中国福利彩票双色球第2026142期开奖号码".into(),
            },
            Source::CommitReveal {
                parties: vec![
                    (
                        "杭州市司法局".into(),
                        commitment("2026-抽-0007", "杭州市司法局", "7741029"),
                    ),
                    (
                        "杭州市人民检察院".into(),
                        commitment("2026-抽-0007", "杭州市人民检察院", "55310"),
                    ),
                ],
            },
        ],
    )
    .expect("setup");
    let values = vec![
        SourceValue::Public(
            ["4", "9", "13", "22", "27", "31", "8"]
                .map(String::from)
                .to_vec(),
        ),
        SourceValue::Reveals(vec![
            ("杭州市司法局".into(), Some("7741029".into())),
            ("杭州市人民检察院".into(), Some("55310".into())),
        ]),
    ];
    let outcome = setup.draw(&values).expect("draws");
    let mut record = Record {
        setup,
        values,
        outcome,
    };
    let dir = std::env::temp_dir().join(format!("tp_draw_{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let file = dir.join("draw.json");
    std::fs::write(&file, serde_json::to_string_pretty(&record).expect("json")).expect("write");
    let (code, out, err) = run(tianping().args(["draw", "verify"]).arg(&file));
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("OK"), "{out}");
    assert!(out.contains(&record.outcome.picks[0].member), "{out}");
    assert!(
        !out.contains("杭州-05 "),
        "the excluded member is never drawn: {out}"
    );

    record.outcome.picks.swap(1, 2);
    std::fs::write(&file, serde_json::to_string_pretty(&record).expect("json")).expect("write");
    let (code, _, err) = run(tianping().args(["draw", "verify"]).arg(&file));
    assert_eq!(code, 4);
    assert!(err.contains("NOT VERIFIED: pick 2"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}
