//! The auditor's ledger over HTTP.

use crate::common::*;

/// The auditor's ledger over HTTP: only the auditor sees it (not even the system administrator,
/// 三员 separation); proofs come back verified; a kept checkpoint is checked against the log;
/// bad input gets stable codes.
async fn ledger_story(db: &TestDb) {
    let s = &db.store;
    let label = db.label;
    load_fixture_orgs(s).await.expect("orgs");
    add_user(
        s,
        "auditor",
        "zj-court",
        Role::Auditor,
        Clearance::default(),
    )
    .await;
    add_user(s, "admin", "zj-court", Role::Sysadmin, Clearance::default()).await;
    add_user(s, "sc_judge", "sc-court", Role::Judge, Clearance::default()).await;
    let now = Utc
        .with_ymd_and_hms(2026, 6, 1, 0, 0, 0)
        .single()
        .expect("date");
    let app = app(s, now);
    let judge = Client::as_user(&app, "sc_judge").await;
    let filing = ev(
        "L1",
        "（2026）浙0102民初77号",
        "2026-05-01T09:00:00+08:00",
        "filed",
        json!({"cause": "借款合同纠纷", "parties": [{"name": "甲", "role": "原告"}]}),
    );
    assert_eq!(
        judge.post_json("/api/v1/events", &filing).await.status,
        StatusCode::CREATED
    );
    let first = s
        .checkpoint(&log_key(), ORIGIN, now)
        .await
        .expect("checkpoint");
    let more = ev(
        "L2",
        "（2026）浙0102民初77号",
        "2026-05-02T09:00:00+08:00",
        "assigned",
        json!({"judge": "张法官"}),
    );
    assert_eq!(
        judge.post_json("/api/v1/events", &more).await.status,
        StatusCode::CREATED
    );
    s.checkpoint(&log_key(), ORIGIN, now)
        .await
        .expect("checkpoint");

    for (who, c) in [
        ("judge", &judge),
        ("admin", &Client::as_user(&app, "admin").await),
    ] {
        let r = c.get("/api/v1/ledger").await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{label} {who}: {}", r.body);
        assert_eq!(r.code(), "forbidden");
        assert_eq!(
            c.get("/ledger").await.status,
            StatusCode::FORBIDDEN,
            "{label} {who}"
        );
        assert_eq!(
            c.get("/ledger/leaves/0").await.status,
            StatusCode::FORBIDDEN
        );
    }
    assert_eq!(
        Client::anonymous(&app).get("/api/v1/ledger").await.status,
        StatusCode::UNAUTHORIZED
    );

    let auditor = Client::as_user(&app, "auditor").await;
    let sum = auditor.get("/api/v1/ledger").await.json();
    let size = sum["size"].as_u64().expect("size");
    assert!(size >= 5, "{label}: {sum}");
    let cps = sum["checkpoints"].as_array().expect("checkpoints");
    assert_eq!(cps.len(), 2);
    assert_eq!(cps[0]["signature_ok"], true);
    assert_eq!(cps[0]["extends_previous"], true, "{label}: {sum}");
    for i in [0, size / 2, size - 1] {
        let p = auditor
            .get(&format!("/api/v1/ledger/leaves/{i}/proof"))
            .await
            .json();
        assert_eq!(p["verified"], true, "{label} leaf {i}: {p}");
    }
    let r = auditor
        .get(&format!("/api/v1/ledger/leaves/{size}/proof"))
        .await;
    assert_eq!(
        (r.status, r.code().as_str()),
        (StatusCode::BAD_REQUEST, "leaf_out_of_range")
    );
    let rec = auditor.get("/api/v1/ledger/records/events/1").await.json();
    assert_eq!(rec["leaves"][0]["verified"], true, "{label}: {rec}");
    let r = auditor.get("/api/v1/ledger/records/passwords/1").await;
    assert_eq!(r.code(), "unknown_table");
    let c = auditor
        .get("/api/v1/ledger/consistency?first=1")
        .await
        .json();
    assert_eq!(c["verified"], true, "{label}: {c}");
    let r = auditor
        .get(&format!("/api/v1/ledger/consistency?first={}", size + 1))
        .await;
    assert_eq!(r.code(), "size_out_of_range");

    // A checkpoint a supervising body kept: consistent; forged by another key: refused; no CSRF
    // header: refused.
    let w = auditor
        .send(
            "POST",
            "/api/v1/ledger/witness",
            Some(first.note.clone()),
            true,
            "text/plain",
        )
        .await
        .json();
    assert_eq!(w["ok"], true, "{label}: {w}");
    let forged = tianping_ledger::LogKey::from_seed(ORIGIN, [6; 32])
        .expect("key")
        .sign(&tianping_ledger::Checkpoint {
            origin: ORIGIN.into(),
            size: first.size,
            root: tianping_ledger::leaf_hash(b"x"),
        });
    let w = auditor
        .send(
            "POST",
            "/api/v1/ledger/witness",
            Some(forged.clone()),
            true,
            "text/plain",
        )
        .await
        .json();
    assert_eq!(
        (w["ok"].as_bool(), w["code"].as_str()),
        (Some(false), Some("witness_signature"))
    );
    let r = auditor
        .send(
            "POST",
            "/api/v1/ledger/witness",
            Some(first.note.clone()),
            false,
            "text/plain",
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    // Witnesses cosign. The 人大常委会 cosigns the first checkpoint, then the second after
    // checking that it extends the first; the auditor registers both notes. The 政法委 cosigns
    // the second as well; its note carries the 人大's line too, which is taken once.
    let renda = witness_key(0);
    let zfw = witness_key(1);
    let log = log_key().verifier();
    let cosign = |note: &str,
                  prev: Option<&str>,
                  proof: &[tianping_ledger::Hash],
                  k: &tianping_ledger::LogKey| {
        tianping_ledger::witness::cosign(k, &log, ORIGIN, note, prev, proof).expect("cosign")
    };
    let post = |note: String| {
        let a = &auditor;
        async move {
            a.send(
                "POST",
                "/api/v1/ledger/cosignatures",
                Some(note),
                true,
                "text/plain",
            )
            .await
        }
    };
    let first_by_renda = cosign(&first.note, None, &[], &renda);
    let r = post(first_by_renda.clone()).await;
    assert_eq!(r.status, StatusCode::OK, "{label}: {}", r.body);
    assert_eq!(r.json()["added"], json!(["杭州市人大常委会"]), "{label}");
    let second = &auditor.get("/api/v1/ledger").await.json()["checkpoints"][0];
    let second_note = second["note"].as_str().expect("note").to_string();
    let proof: Vec<tianping_ledger::Hash> = auditor
        .get(&format!(
            "/api/v1/ledger/consistency?first={}&second={}",
            first.size, second["size"]
        ))
        .await
        .json()["proof"]
        .as_array()
        .expect("proof")
        .iter()
        .map(|h| tianping_ledger::Hash::from_hex(h.as_str().unwrap_or("")).expect("hash"))
        .collect();
    let second_by_renda = cosign(&second_note, Some(&first_by_renda), &proof, &renda);
    let both = cosign(&second_by_renda, None, &[], &zfw);
    let r = post(both.clone()).await;
    assert_eq!(r.status, StatusCode::OK, "{label}: {}", r.body);
    assert_eq!(
        r.json()["witnesses"],
        json!(["杭州市人大常委会", "中共杭州市委政法委员会"]),
        "{label}: {}",
        r.body
    );
    // Again: nothing added.
    let r = post(both.clone()).await;
    assert_eq!(r.json()["added"], json!([]), "{label}: {}", r.body);
    let sum = auditor.get("/api/v1/ledger").await.json();
    assert_eq!(
        sum["checkpoints"][0]["witnesses"],
        json!(["杭州市人大常委会", "中共杭州市委政法委员会"]),
        "{label}: {sum}"
    );
    assert_eq!(
        sum["checkpoints"][1]["witnesses"],
        json!(["杭州市人大常委会"])
    );
    assert_eq!(sum["witness_keys"].as_array().map(Vec::len), Some(2));
    // The log's own signature still opens the stored notes.
    assert_eq!(sum["checkpoints"][0]["signature_ok"], true, "{label}");
    // Refused: a cosignature moved onto another checkpoint; a note without any registered
    // witness; a checkpoint the log never stored; another role; no CSRF header.
    let line = both
        .lines()
        .find(|l| l.contains("中共杭州市委政法委员会"))
        .expect("line");
    let r = post(format!("{}{line}\n", first.note)).await;
    assert_eq!(
        (r.status, r.code().as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, "cosignature_invalid"),
        "{label}: {}",
        r.body
    );
    assert!(
        r.body
            .contains("中共杭州市委政法委员会的见证签名校验未通过"),
        "{}",
        r.body
    );
    let r = post(first.note.clone()).await;
    assert_eq!(r.code(), "no_cosignature", "{label}: {}", r.body);
    let elsewhere = log_key().sign(&tianping_ledger::Checkpoint {
        origin: ORIGIN.into(),
        size: 3,
        root: tianping_ledger::leaf_hash(b"never stored"),
    });
    let r = post(cosign(&elsewhere, None, &[], &renda)).await;
    assert_eq!(r.code(), "checkpoint_unknown", "{label}: {}", r.body);
    let r = post(forged.clone()).await;
    assert_eq!(r.code(), "checkpoint_not_signed", "{label}: {}", r.body);
    let r = judge
        .send(
            "POST",
            "/api/v1/ledger/cosignatures",
            Some(both.clone()),
            true,
            "text/plain",
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{label}");
    let r = auditor
        .send(
            "POST",
            "/api/v1/ledger/cosignatures",
            Some(both.clone()),
            false,
            "text/plain",
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{label}");
    // The verifier names who cosigned; a cosignature changed in the database is a finding.
    let keys = [renda.verifier(), zfw.verifier()];
    let opts = tianping_store::ledger::VerifyOptions {
        key: Some(&log),
        origin: ORIGIN,
        records: false,
        witnesses: &[],
        witness_keys: &keys,
    };
    let rep = s.verify_ledger(&opts).await.expect("verify");
    assert!(rep.ok(), "{label}: {:?}", rep.findings);
    let tally: Vec<(String, u64)> = rep
        .cosigned
        .iter()
        .map(|c| (c.witness.clone(), c.checkpoints))
        .collect();
    assert_eq!(
        tally,
        vec![
            ("杭州市人大常委会".to_string(), 2),
            ("中共杭州市委政法委员会".to_string(), 1)
        ],
        "{label}"
    );
    let cps = s.checkpoints(10).await.expect("checkpoints");
    let tampered = cps[0].note.replacen(&line[line.len() - 8..], "AAAAAAA=", 1);
    sqlx::query("UPDATE ledger_checkpoints SET note = $1 WHERE id = $2")
        .bind(&tampered)
        .bind(cps[0].id)
        .execute(s.pool())
        .await
        .expect("tamper");
    let rep = s.verify_ledger(&opts).await.expect("verify");
    assert_eq!(
        rep.findings.iter().map(|f| f.code).collect::<Vec<_>>(),
        vec!["cosignature_invalid"],
        "{label}: {:?}",
        rep.findings
    );

    // Pages.
    let page = auditor.get("/ledger").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("防篡改账本")
            && page
                .body
                .contains(&sum["root"].as_str().unwrap_or("?").to_string())
    );
    assert!(
        page.body.contains("中共杭州市委政法委员会（签名无效）")
            && page.body.contains("登记见证签名"),
        "{label}"
    );
    // The form: a note without a registered witness is refused next to the field, kept for
    // correction.
    let form = post_form(
        &auditor,
        "/ledger/cosignatures",
        &[("note", first.note.as_str())],
    )
    .await;
    assert_eq!(form.status, StatusCode::UNPROCESSABLE_ENTITY, "{label}");
    assert!(
        form.body.contains("检查点上没有已登记见证机构")
            && form.body.contains(&first.size.to_string()),
        "{label}: {}",
        form.body
    );
    let leaf = auditor.get("/ledger/leaves/0").await;
    assert!(leaf.body.contains("验证通过"), "{label}: {}", leaf.body);
    let found = auditor.get("/ledger/find?table=events&key=1").await;
    assert_eq!(found.status, StatusCode::SEE_OTHER);
    let bad = auditor.get("/ledger/find?index=abc").await;
    assert!(bad.body.contains("不是非负整数"));

    // Who did what to which case, beside the hashes: both events, by the judge who recorded
    // them, each with its leaf; the recent leaves say the same.
    let trail = auditor
        .get("/ledger/case?number=%EF%BC%882026%EF%BC%89%E6%B5%990102%E6%B0%91%E5%88%9D77%E5%8F%B7")
        .await;
    assert_eq!(trail.status, StatusCode::OK, "{label}: {}", trail.body);
    let rows: Vec<&str> = trail
        .body
        .split("<tr>")
        .skip(2)
        .filter(|r| r.contains("程序事件入库"))
        .collect();
    assert_eq!(rows.len(), 2, "{label}: {}", trail.body);
    assert!(
        rows.iter()
            .all(|r| r.contains("sc_judge-name（sc_judge）") && r.contains("/ledger/leaves/")),
        "{label}: {rows:?}"
    );
    assert!(page.body.contains("sc_judge-name（sc_judge）"), "{label}");
    assert!(page.body.contains("（2026）浙0102民初77号"), "{label}");
    let none = auditor.get("/ledger/case?number=%E6%97%A0").await;
    assert_eq!(none.status, StatusCode::NOT_FOUND, "{label}");
    assert!(none.body.contains("没有案号为“无”的案件"), "{label}");
    assert_eq!(
        judge.get("/ledger/case?number=x").await.status,
        StatusCode::FORBIDDEN,
        "{label}"
    );
}

#[tokio::test]
async fn the_auditor_sees_and_checks_the_ledger_on_both_stores() {
    for db in TestDb::all().await.expect("databases") {
        ledger_story(&db).await;
        db.cleanup().await.expect("cleanup");
    }
}
