//! 典型案例 over HTTP: a court head proposes a closed 拒执 case (an open case and a state-secret
//! case refused with the field named), the parties come out named as published judgments name
//! them, the proposer may not approve their own proposal, the procuratorate's head and the
//! court's president approve, the case appears on the public page and leads the similar-case
//! results as a typical case; a return needs its reason and frees the case for a new proposal.

use crate::common::*;

fn now() -> chrono::DateTime<Utc> {
    chrono::DateTime::parse_from_rfc3339("2026-11-10T10:00:00+08:00")
        .expect("time")
        .with_timezone(&Utc)
}

const REFUSAL: &str = "（2026）浙0102刑初30号";
const OPEN: &str = "（2026）浙0102刑初31号";
const SECRET: &str = "（2026）浙0102刑初32号";
const CIVIL: &str = "（2026）浙0102民初40号";

const SUMMARY: &str = "被执行人钱大有（身份证号33010219800101123X，电话13905710000）在民事判决生效后，将名下车辆低价转让给其亲属，拒不履行给付货款义务。上城法院将线索移送公安机关，钱大有被以拒不执行判决、裁定罪判处有期徒刑一年，申请执行人孙小梅的债权全部实现。";

fn proposal<'a>(case: &'a str, title: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("case_number", case),
        ("category", "refusal_to_execute"),
        ("title", title),
        ("summary", SUMMARY),
        (
            "significance",
            "本案是法院与检察院、公安机关协作打击拒执犯罪的典型，对有能力履行而转移财产的被执行人依法追究刑事责任。",
        ),
        ("text", ""),
    ]
}

async fn story(db: &TestDb) {
    let s = &db.store;
    let label = db.label;
    load_fixture_orgs(s).await.expect("orgs");
    for (u, org, role) in [
        ("sc_chief", "sc-court", Role::DivisionChief),
        ("sc_president", "sc-court", Role::President),
        ("proc_head", "sc-proc", Role::DivisionChief),
        ("police", "sc-police", Role::Judge),
        ("xh_chief", "xh-court", Role::DivisionChief),
    ] {
        add_user(s, u, org, role, Clearance::default()).await;
    }
    let parties = json!([
        {"name": "钱大有", "role": "被告人", "id_number": "33010219800101123X"},
    ]);
    let charges = json!(["拒不执行判决、裁定罪"]);
    let events = vec![
        ev(
            "t1",
            REFUSAL,
            "2026-03-02T09:00:00+08:00",
            "filed",
            json!({"cause": "拒不执行判决、裁定", "charges": charges, "parties": parties}),
        ),
        ev(
            "t2",
            REFUSAL,
            "2026-05-20T09:00:00+08:00",
            "closed",
            json!({"disposition": "judgment", "sentence_months": 12}),
        ),
        ev(
            "t3",
            OPEN,
            "2026-09-02T09:00:00+08:00",
            "filed",
            json!({"cause": "拒不执行判决、裁定", "charges": charges}),
        ),
        ev(
            "t4",
            SECRET,
            "2026-03-02T09:00:00+08:00",
            "filed",
            json!({"cause": "涉密", "confidentiality": "state_secret"}),
        ),
        ev(
            "t5",
            SECRET,
            "2026-05-02T09:00:00+08:00",
            "closed",
            json!({"disposition": "judgment"}),
        ),
        ev(
            "t6",
            CIVIL,
            "2026-03-02T09:00:00+08:00",
            "filed",
            json!({"cause": "买卖合同纠纷"}),
        ),
        ev(
            "t7",
            CIVIL,
            "2026-06-02T09:00:00+08:00",
            "closed",
            json!({"disposition": "mediation"}),
        ),
    ];
    let r = s
        .ingest(
            &numbered(events),
            &tianping_store::Actor::system("cms"),
            now(),
        )
        .await
        .expect("ingest");
    assert!(r.rejected.is_empty(), "{:?}", r.rejected);
    // Ordinary judgments of the same charge in the library.
    let ordinary: Vec<_> = (1..=3)
        .map(|i| tianping_store::judgments::NewJudgment {
            source_id: format!("o{i}"),
            title: format!("某拒不执行判决案 {i}"),
            text: format!("被告人某{i}在判决生效后拒不履行给付义务，转移财产。本院认为，被告人构成拒不执行判决、裁定罪。判决如下：被告人某{i}犯拒不执行判决、裁定罪，判处有期徒刑{i}年。"),
            charges: vec!["拒不执行判决、裁定罪".into()],
            ..Default::default()
        })
        .collect();
    s.import_judgments("lecard", &ordinary, now())
        .await
        .expect("import");
    let app = app(s, now());
    let chief = Client::as_user(&app, "sc_chief").await;
    let president = Client::as_user(&app, "sc_president").await;
    let proc = Client::as_user(&app, "proc_head").await;
    let police = Client::as_user(&app, "police").await;
    let xh = Client::as_user(&app, "xh_chief").await;
    let anon = Client::anonymous(&app);
    assert_eq!(chief.get("/typical").await.status, StatusCode::OK);
    assert_eq!(police.get("/typical").await.status, StatusCode::FORBIDDEN);

    // Refused, each next to its field, with what was typed kept.
    let r = post_form(&chief, "/typical", &proposal(OPEN, "钱某拒执案")).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "[{label}]");
    assert!(r.body.contains("尚未结案"), "[{label}] {}", r.body);
    assert!(r.body.contains("钱某拒执案"), "[{label}] kept");
    let r = post_form(&chief, "/typical", &proposal(SECRET, "涉密案件")).await;
    assert!(r.body.contains("涉国家秘密"), "[{label}] {}", r.body);
    let mut short = proposal(REFUSAL, "短");
    short[3] = ("summary", "太短");
    let r = post_form(&chief, "/typical", &short).await;
    assert!(
        r.body.contains("标题至少 5 字") && r.body.contains("基本案情至少 30 字"),
        "[{label}] {}",
        r.body
    );
    let r = post_form(&xh, "/typical", &proposal(REFUSAL, "钱大有拒不执行判决案")).await;
    assert!(r.body.contains("只能推荐本辖区"), "[{label}] {}", r.body);

    // Proposed: the parties named as published judgments name them, numbers removed.
    let r = post_form(
        &chief,
        "/typical",
        &proposal(REFUSAL, "钱大有拒不执行判决案"),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "[{label}] {}", r.body);
    let page_url = r
        .headers
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .expect("redirect")
        .to_string();
    let id = page_url.rsplit('/').next().expect("id").to_string();
    let page = chief.get(&page_url).await;
    assert!(
        page.body.contains("钱某拒不执行判决案")
            && page.body.contains("被执行人钱某（身份证号××，电话××）"),
        "[{label}] {}",
        page.body
    );
    for hidden in ["钱大有", "33010219800101123X", "13905710000"] {
        assert!(!page.body.contains(hidden), "[{label}] {hidden}");
    }
    // 孙小梅 is not a party of the file: the approvers are asked to check such names.
    assert!(page.body.contains("请核对"), "[{label}]");
    let r = post_form(
        &chief,
        "/typical",
        &proposal(REFUSAL, "钱大有拒不执行判决案"),
    )
    .await;
    assert!(r.body.contains("已被推荐为典型案例"), "[{label}]");

    // The proposer does not approve their own proposal.
    let r = post_form(&chief, &format!("/typical/{id}/approve"), &[]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "[{label}]");
    assert!(r.body.contains("推荐人不能审核"), "[{label}] {}", r.body);
    // The procuratorate's head has it in 待办 and approves; not yet public.
    assert!(
        proc.get("/api/v1/me/todo")
            .await
            .body
            .contains("approve_typical"),
        "[{label}]"
    );
    let r = post_form(&proc, &format!("/typical/{id}/approve"), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "[{label}] {}", r.body);
    let r = post_form(&proc, &format!("/typical/{id}/approve"), &[]).await;
    assert!(
        r.body.contains("检察院一方已审核同意"),
        "[{label}] {}",
        r.body
    );
    assert_eq!(
        anon.get(&format!("/public/typical/{id}")).await.status,
        StatusCode::NOT_FOUND,
        "[{label}] not public before both approve"
    );
    // The court's president approves: released.
    let r = post_form(&president, &format!("/typical/{id}/approve"), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "[{label}] {}", r.body);
    let page = president.get(&page_url).await;
    assert!(page.body.contains("已联合发布"), "[{label}]");
    let public = anon.get("/public/typical").await;
    assert!(
        public.body.contains("钱某拒不执行判决案")
            && public.body.contains("上城区人民法院、")
            && public.body.contains("人民检察院"),
        "[{label}] {}",
        public.body
    );
    let one = anon.get(&format!("/public/typical/{id}")).await;
    assert_eq!(one.status, StatusCode::OK);
    assert!(!one.body.contains("钱大有"), "[{label}]");
    assert!(one.body.contains(REFUSAL), "[{label}] a public case's 案号");
    let api = chief.get("/api/v1/typical-cases").await;
    assert_eq!(api.json()["typical_cases"][0]["stage"], "published");
    assert_eq!(
        police.get("/api/v1/typical-cases").await.code(),
        "forbidden"
    );
    assert!(
        !proc
            .get("/api/v1/me/todo")
            .await
            .body
            .contains("approve_typical"),
        "[{label}] done"
    );

    // In the judgment library, marked as a typical case.
    let library = chief.get("/judgments").await;
    assert!(
        library.body.contains("钱某拒不执行判决案")
            && library
                .body
                .contains("<span class=\"tag finding\">典型案例</span>"),
        "[{label}] {}",
        library.body
    );
    // The similar-case library: the typical case leads among judgments of the same charge.
    let open_id = s
        .case_id_by_number(OPEN)
        .await
        .expect("case")
        .expect("exists");
    let q = "被执行人在判决生效后转移财产，拒不履行给付义务";
    let r = chief
        .get(&format!(
            "/api/v1/cases/{open_id}/similar?facts={}&charges={}",
            form(&[("x", q)]).trim_start_matches("x="),
            form(&[("x", "拒不执行判决、裁定罪")]).trim_start_matches("x=")
        ))
        .await;
    assert_eq!(r.status, StatusCode::OK, "[{label}] {}", r.body);
    let v = r.json();
    assert_eq!(v["results"][0]["tier"], "typical", "[{label}] {v}");
    assert!(
        v["results"][0]["why"]
            .as_str()
            .is_some_and(|w| w.starts_with("典型案例")),
        "[{label}] {v}"
    );
    assert_eq!(v["results"][1]["tier"], "judgment", "[{label}] {v}");

    // A return needs its reason, and frees the case for a new proposal.
    let mut civil = proposal(CIVIL, "买卖合同纠纷自动履行案");
    civil[1] = ("category", "voluntary_performance");
    let r = post_form(&chief, "/typical", &civil).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "[{label}] {}", r.body);
    let civil_url = r
        .headers
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .expect("redirect")
        .to_string();
    let r = post_form(&proc, &format!("{civil_url}/return"), &[("reason", " ")]).await;
    assert!(r.body.contains("退回须写明理由"), "[{label}] {}", r.body);
    let r = post_form(
        &proc,
        &format!("{civil_url}/return"),
        &[("reason", "本案系调解结案，典型性不足")],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "[{label}] {}", r.body);
    let page = chief.get(&civil_url).await;
    assert!(
        page.body.contains("已退回") && page.body.contains("典型性不足"),
        "[{label}]"
    );
    let r = post_form(&president, &format!("{civil_url}/approve"), &[]).await;
    assert!(
        r.body.contains("已退回，不能再审核"),
        "[{label}] {}",
        r.body
    );
    let r = post_form(&chief, "/typical", &civil).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "[{label}] proposed again");
    // Another court's heads do not see 上城's proposals.
    assert_eq!(xh.get(&page_url).await.status, StatusCode::NOT_FOUND);

    let rep = s
        .verify_ledger(&tianping_store::ledger::VerifyOptions {
            key: None,
            origin: ORIGIN,
            records: true,
            witnesses: &[],
            witness_keys: &[],
        })
        .await
        .expect("verify");
    assert!(rep.ok(), "[{label}] {:?}", rep.findings);
}

#[tokio::test]
async fn a_typical_case_is_proposed_anonymised_approved_by_both_sides_and_leads_similar_cases_on_both_stores()
 {
    for db in TestDb::all().await.expect("databases") {
        story(&db).await;
        db.cleanup().await.expect("cleanup");
    }
}
