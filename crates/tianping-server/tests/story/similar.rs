//! The judgment library, similar-case retrieval, reports that re-run, deviation warnings.

use crate::common::*;

/// The library of prior judgments: a judge lists them, filters by charge and opens one with what
/// was read from it; a sysadmin may not; an unknown id is 404.
#[tokio::test]
async fn the_judgment_library_lists_filters_and_shows_what_was_read_on_both_stores() {
    for db in TestDb::all().await.expect("databases") {
        let s = &db.store;
        load_fixture_orgs(s).await.expect("orgs");
        add_user(s, "j", "sc-court", Role::Judge, Clearance::default()).await;
        add_user(s, "admin", "zj-court", Role::Sysadmin, Clearance::default()).await;
        let now = Utc
            .with_ymd_and_hms(2026, 6, 1, 0, 0, 0)
            .single()
            .expect("date");
        let batch = [
            (
                "3696",
                include_str!("../../../tianping-domain/tests/lecard/3696.txt"),
            ),
            (
                "7536",
                include_str!("../../../tianping-domain/tests/lecard/7536.txt"),
            ),
        ]
        .map(|(id, text)| tianping_store::judgments::NewJudgment {
            source_id: id.into(),
            title: format!("文书 {id}"),
            text: text.into(),
            ..Default::default()
        });
        s.import_judgments("lecard", &batch, now)
            .await
            .expect("import");
        let app = app(s, now);
        let j = Client::as_user(&app, "j").await;
        let list = j.get("/judgments").await;
        assert_eq!(list.status, StatusCode::OK, "{}", db.label);
        assert!(list.body.contains("共 2 篇") && list.body.contains("裁判文书库"));
        let drunk = j.get("/judgments?charge=危险驾驶罪").await;
        assert!(drunk.body.contains("共 1 篇") && drunk.body.contains("文书 3696"));
        assert!(!drunk.body.contains("文书 7536"));
        let id = s
            .judgment_by_source("lecard", "3696")
            .await
            .expect("read")
            .expect("stored")
            .id;
        let page = j.get(&format!("/judgments/{id}")).await;
        assert_eq!(page.status, StatusCode::OK);
        for want in [
            "拘役1个月",
            "6个月",
            "10000 元",
            "《刑法》第133条之一",
            "深圳市罗湖区人民法院",
        ] {
            assert!(page.body.contains(want), "{want}: {}", page.body);
        }
        let other = s
            .judgment_by_source("lecard", "7536")
            .await
            .expect("read")
            .expect("stored")
            .id;
        let page = j.get(&format!("/judgments/{other}")).await;
        assert!(page.body.contains("有期徒刑8年") && page.body.contains("数罪并罚，决定执行"));
        assert_eq!(
            j.get("/judgments/999999").await.status,
            StatusCode::NOT_FOUND
        );
        let admin = Client::as_user(&app, "admin").await;
        assert_eq!(admin.get("/judgments").await.status, StatusCode::FORBIDDEN);
        db.cleanup().await.expect("cleanup");
    }
}

/// A short judgment of 危险驾驶 as a basic court writes it, with a term of `months` of 拘役.
fn drunk_driving(n: u32, months: &str, alcohol: u32) -> tianping_store::judgments::NewJudgment {
    let text = format!(
        "浙江省杭州市上城区人民法院 刑事判决书 （2019）浙0102刑初{n}号 公诉机关杭州市上城区人民检察院。被告人王{n}，男。\
         经审理查明：2019年3月{n}日晚，被告人王{n}饮酒后驾驶小型轿车行驶，被民警查获，经鉴定其血液中乙醇含量为{alcohol}mg/100ml。\
         本院认为，被告人王{n}在道路上醉酒驾驶机动车，其行为已构成危险驾驶罪。依照《中华人民共和国刑法》第一百三十三条之一之规定，判决如下：\
         被告人王{n}犯危险驾驶罪，判处拘役{months}，并处罚金人民币三千元。 审判员 李某 二〇一九年五月{n}日"
    );
    tianping_store::judgments::NewJudgment {
        source_id: format!("dd{n}"),
        title: format!("王{n}危险驾驶一审刑事判决书"),
        text,
        ..Default::default()
    }
}

async fn similar_story(db: &TestDb) {
    let (s, label) = (&db.store, &db.label);
    load_fixture_orgs(s).await.expect("orgs");
    add_user(s, "j", "sc-court", Role::Judge, Clearance::default()).await;
    add_user(s, "xh", "xh-court", Role::Judge, Clearance::default()).await;
    add_user(
        s,
        "plc",
        "hz-plc",
        Role::PlcSupervisor,
        Clearance::default(),
    )
    .await;
    add_user(s, "admin", "zj-court", Role::Sysadmin, Clearance::default()).await;
    let now = Utc
        .with_ymd_and_hms(2026, 6, 1, 0, 0, 0)
        .single()
        .expect("date");
    // Two real judgments (LeCaRD) and five short ones of 危险驾驶 with terms of 1–5 months.
    let mut batch: Vec<_> = [
        (
            "3696",
            include_str!("../../../tianping-domain/tests/lecard/3696.txt"),
        ),
        (
            "7536",
            include_str!("../../../tianping-domain/tests/lecard/7536.txt"),
        ),
    ]
    .map(|(id, text)| tianping_store::judgments::NewJudgment {
        source_id: id.into(),
        title: format!("文书 {id}"),
        text: text.into(),
        ..Default::default()
    })
    .into_iter()
    .collect();
    for (n, m, a) in [
        (1, "一个月", 95),
        (2, "二个月", 130),
        (3, "三个月", 160),
        (4, "四个月", 190),
        (5, "五个月", 240),
    ] {
        batch.push(drunk_driving(n, m, a));
    }
    s.import_judgments("lecard", &batch, now)
        .await
        .expect("import");
    let app = app(s, now);
    let j = Client::as_user(&app, "j").await;
    let filing = ev(
        "D1",
        "（2026）浙0102刑初7号",
        "2026-05-01T09:00:00+08:00",
        "filed",
        json!({"cause": "危险驾驶罪", "charges": ["危险驾驶罪"], "parties": [{"name": "赵某", "role": "被告人"}]}),
    );
    let r = j.post_json("/api/v1/events", &filing).await;
    assert_eq!(r.status, StatusCode::CREATED, "{label}: {}", r.body);
    let case_id = s
        .case_id_by_number("（2026）浙0102刑初7号")
        .await
        .expect("lookup")
        .expect("case");

    // The case's own query (cause and charges): the 危险驾驶 judgments first, with their reasons.
    let page = j.get(&format!("/cases/{case_id}/similar")).await;
    assert_eq!(page.status, StatusCode::OK, "{label}: {}", page.body);
    assert!(
        page.body.contains("同罪名：危险驾驶罪") && page.body.contains("拘役"),
        "{}",
        page.body
    );
    assert!(
        page.body.contains("id=\"similar-save\""),
        "a judge of the court may report"
    );
    // A cause is a charge, not facts: no share of facts is shown, and the page says why.
    assert!(
        page.body.contains("id=\"similar-no-facts\"")
            && !page.body.contains("本案事实要素见于该案"),
        "{label}"
    );
    // The case page's three are the retrieval page's first three: the same query, the same list.
    let case_page = j.get(&format!("/cases/{case_id}")).await;
    let linked = |body: &str, from: &str, to: &str| -> Vec<String> {
        let at = body.find(from).expect("list");
        let part = &body[at..];
        let part = &part[..part.find(to).unwrap_or(part.len())];
        part.split("href=\"/judgments/")
            .skip(1)
            .filter_map(|x| x.split('"').next())
            .map(str::to_string)
            .collect()
    };
    let on_case = linked(&case_page.body, "id=\"similar-top\"", "</ol>");
    let on_page = linked(&page.body, "id=\"similar-results\"", "</ol>");
    assert_eq!(on_case.len(), 3, "{label}");
    assert_eq!(on_case[..], on_page[..3], "{label}");
    assert!(page.body.contains("id=\"similar-same\""), "{label}");
    let q = "醉酒驾驶机动车，血液中乙醇含量为200mg/100ml，拟依照《中华人民共和国刑法》第一百三十三条之一第一款第（二）项";
    let r = j
        .get(&format!(
            "/api/v1/cases/{case_id}/similar?facts={}&charges={}",
            form(&[("x", q)]).trim_start_matches("x="),
            form(&[("x", "危险驾驶罪")]).trim_start_matches("x=")
        ))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{label}: {}", r.body);
    let v = r.json();
    let results = v["results"].as_array().expect("results").clone();
    assert!(results.len() >= 6, "{v}");
    for x in &results[..6] {
        assert_eq!(x["shared_charges"], json!(["危险驾驶罪"]), "{v}");
    }
    assert!(
        results[0]["outcome"]
            .as_str()
            .expect("outcome")
            .contains("拘役")
    );
    assert_eq!(
        results.last().expect("last")["shared_charges"],
        json!([]),
        "the other charge last"
    );
    // Why each ranked: the shared facts in words, the same statute (whichever 款), the court's
    // level beside the case's, the year.
    let top = &results[0];
    let words: Vec<&str> = top["shared_words"]
        .as_array()
        .expect("shared_words")
        .iter()
        .filter_map(|w| w.as_str())
        .collect();
    assert!(words.contains(&"乙醇"), "{top}");
    assert_eq!(
        top["shared_articles"],
        json!(["《刑法》第133条之一"]),
        "{top}"
    );
    assert_eq!(top["level"], json!("basic"), "{top}");
    assert_eq!(top["same_level"], json!(true), "{top}");
    // The share of the case's facts the judgment states: a measure of the facts, not relative to
    // the best result.
    let coverage = top["coverage"].as_f64().expect("coverage");
    assert!(coverage > 0.0 && coverage <= 1.0, "{top}");
    let why = top["why"].as_str().expect("why");
    for part in [
        "本案事实要素见于该案",
        "同罪名：危险驾驶罪",
        "共同事实：",
        "同援引法条：《刑法》第133条之一",
        "基层法院（与本案同级），",
    ] {
        assert!(why.contains(part), "{label}: {why}");
    }
    let year = &top["decided_on"].as_str().expect("decided_on")[..4];
    assert!(why.contains(&format!("{year}年裁判")), "{label}: {why}");
    let snapshot = v["snapshot"]["last_judgment_id"]
        .as_u64()
        .expect("snapshot");
    assert_eq!(snapshot, s.max_judgment_id().await.expect("max") as u64);
    // Bad input is named.
    let r = j
        .get(&format!("/api/v1/cases/{case_id}/similar?year_from=abc"))
        .await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::BAD_REQUEST, "invalid_year".into())
    );
    let page = j
        .get(&format!(
            "/cases/{case_id}/similar?year_from=2020&year_to=2019"
        ))
        .await;
    assert!(
        page.body.contains("起始年份 2020 晚于截止年份 2019"),
        "{}",
        page.body
    );
    let page = j
        .get(&format!("/cases/{case_id}/similar?level=intermediate"))
        .await;
    assert!(
        page.body.contains("没有找到相似案件"),
        "no intermediate court judgments"
    );

    // A 四类案件 flag of a mandatory situation leaves a retrieval task on the case.
    let r = j
        .post_json(
            &format!("/api/v1/cases/{case_id}/flags"),
            &json!({"situation": "1.first_case", "reason": "新类型案件"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{label}: {}", r.body);
    let case_page = j.get(&format!("/cases/{case_id}")).await;
    assert!(
        case_page.body.contains("本案应当进行类案检索"),
        "{}",
        case_page.body
    );
    assert!(case_page.body.contains("具有首案效应的新类型案件"));

    // The report: annotations need a reason; the saved report names query, snapshot and ranking.
    let first = results[0]["judgment_id"].as_i64().expect("id").to_string();
    let second = results[1]["judgment_id"].as_i64().expect("id").to_string();
    let (a1, n1, a2, n2) = (
        format!("a_{first}"),
        format!("n_{first}"),
        format!("a_{second}"),
        format!("n_{second}"),
    );
    let snap = snapshot.to_string();
    let base = |note2: &'static str| {
        vec![
            ("csrf", j.csrf.clone()),
            ("facts", q.to_string()),
            ("charges", "危险驾驶罪".to_string()),
            ("snapshot", snap.clone()),
            (a1.as_str(), "refer".to_string()),
            (n1.as_str(), "情节、酒精含量相近".to_string()),
            (a2.as_str(), "not_refer".to_string()),
            (n2.as_str(), note2.to_string()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect::<Vec<(String, String)>>()
    };
    let body = |f: &[(String, String)]| {
        form(
            &f.iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect::<Vec<_>>(),
        )
    };
    let uri = format!("/cases/{case_id}/similar/reports");
    let r = j
        .send(
            "POST",
            &uri,
            Some(body(&base(""))),
            false,
            "application/x-www-form-urlencoded",
        )
        .await;
    // note_required is 422 wherever it is answered (the error code table owns its status).
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{label}: {}",
        r.body
    );
    assert!(
        r.body.contains("第 2 条结果") && r.body.contains("请写明理由"),
        "{}",
        r.body
    );
    let xh = Client::as_user(&app, "xh").await;
    let mut forged = base("酒精含量差异大");
    forged[0].1 = xh.csrf.clone();
    let r = xh
        .send(
            "POST",
            &uri,
            Some(body(&forged)),
            false,
            "application/x-www-form-urlencoded",
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::NOT_FOUND,
        "another county's judge cannot report on the case"
    );
    let plc = Client::as_user(&app, "plc").await;
    assert!(
        !plc.get(&format!("/cases/{case_id}/similar"))
            .await
            .body
            .contains("id=\"similar-save\"")
    );
    forged[0].1 = plc.csrf.clone();
    let r = plc
        .send(
            "POST",
            &uri,
            Some(body(&forged)),
            false,
            "application/x-www-form-urlencoded",
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::FORBIDDEN,
        "{label}: a 政法委 reader cannot write the court's report"
    );
    let r = j
        .send(
            "POST",
            &uri,
            Some(body(&base("酒精含量差异大"))),
            false,
            "application/x-www-form-urlencoded",
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{label}: {}", r.body);
    let to = r
        .headers
        .get("location")
        .and_then(|l| l.to_str().ok())
        .expect("location")
        .to_string();
    let report_id: i64 = to
        .rsplit('/')
        .next()
        .and_then(|x| x.parse().ok())
        .expect("report id");
    let stored = s.report(report_id).await.expect("read").expect("stored");
    assert_eq!(stored.body.case_id, case_id);
    assert_eq!(stored.body.snapshot_last_id as u64, snapshot);
    let api_ids: Vec<i64> = results
        .iter()
        .map(|x| x["judgment_id"].as_i64().expect("id"))
        .collect();
    let kept = |id: i64| {
        stored
            .body
            .results
            .iter()
            .find(|x| x.judgment_id == id)
            .expect("kept")
    };
    assert_eq!(
        kept(api_ids[0]).annotation,
        tianping_store::retrieval::Annotation::Refer
    );
    assert_eq!(kept(api_ids[1]).note, "酒精含量差异大");
    // The report keeps the judgments the judge saw, in the order of the SPC's guidance: by
    // tier (the court's own and its superior's before other courts'), by rank within each.
    let mut ids: Vec<i64> = stored.body.results.iter().map(|x| x.judgment_id).collect();
    let mut sorted_api = api_ids.clone();
    ids.sort_unstable();
    sorted_api.sort_unstable();
    assert_eq!(
        ids, sorted_api,
        "the report keeps the judgments the judge saw"
    );
    let tiers: Vec<tianping_domain::similar::SourceTier> = stored
        .body
        .results
        .iter()
        .map(|x| tianping_domain::similar::SourceTier::from_code(&x.source).expect("tier"))
        .collect();
    assert!(tiers.windows(2).all(|w| w[0] <= w[1]), "{tiers:?}");
    assert!(
        stored
            .body
            .results
            .iter()
            .enumerate()
            .all(|(i, x)| x.rank as usize == i + 1)
    );
    assert_eq!(
        kept(api_ids[0]).shared_articles,
        vec!["《刑法》第133条之一".to_string()]
    );
    assert!(kept(api_ids[0]).shared_words.contains(&"乙醇".to_string()));
    let printed = j.get(&format!("{to}?print=1")).await;
    assert!(
        printed.body.contains("共同事实：") && printed.body.contains("同援引法条："),
        "{}",
        printed.body
    );
    // It ends with its conclusion: no 指导性案例, which result is referred to and why.
    assert!(
        printed.body.contains("检索结论")
            && printed.body.contains("未检索到指导性案例")
            && printed.body.contains("参照 1 件")
            && printed.body.contains("情节、酒精含量相近"),
        "{}",
        printed.body
    );

    // A newer judgment closer to the query does not change what the report re-runs to.
    s.import_judgments("lecard", &[drunk_driving(9, "二个月", 200)], now)
        .await
        .expect("import");
    let live = j
        .get(&format!(
            "/api/v1/cases/{case_id}/similar?facts={}",
            form(&[("x", q)]).trim_start_matches("x=")
        ))
        .await;
    assert_ne!(
        live.json()["snapshot"]["last_judgment_id"].as_u64(),
        Some(snapshot),
        "the index followed the new row"
    );
    let again = tianping_server::similar::rerun(&state(s, now), &stored)
        .await
        .expect("rerun");
    // The same judgments (the report lists them by the guidance's tiers, the re-run by score).
    let mut rerun_ids = again.ids.clone();
    rerun_ids.sort_unstable();
    assert!(
        again.same && rerun_ids == ids,
        "{label}: re-run {:?} vs stored {ids:?}",
        again.ids
    );
    let page = j.get(&to).await;
    assert_eq!(page.status, StatusCode::OK);
    for want in [
        "类案检索报告",
        "结果与本报告一致",
        "参照",
        "不参照：酒精含量差异大",
        "（2026）浙0102刑初7号",
        "第 4 版（按案情事实用语",
    ] {
        assert!(page.body.contains(want), "{want}: {}", page.body);
    }
    let print = j.get(&format!("{to}?print=1")).await;
    assert!(print.body.contains("class=\"report print\""));
    assert_eq!(xh.get(&to).await.status, StatusCode::NOT_FOUND);
    let admin = Client::as_user(&app, "admin").await;
    assert_eq!(admin.get(&to).await.status, StatusCode::FORBIDDEN);
    assert_eq!(
        admin.get(&format!("/cases/{case_id}/similar")).await.status,
        StatusCode::FORBIDDEN
    );
    let case_page = j.get(&format!("/cases/{case_id}")).await;
    assert!(
        !case_page.body.contains("本案应当进行类案检索") && case_page.body.contains("已有检索报告")
    );
    assert!(
        case_page
            .body
            .contains(&format!("类案检索报告 #{report_id}"))
    );

    // The judge writes the 检索结论 under the report: an empty one is refused beside the field.
    let page = j.get(&to).await;
    assert!(page.body.contains("id=\"conclusion-form\""), "{label}");
    let conclude = format!("{to}/conclusion");
    let r = post_form(&j, &conclude, &[("body", "   ")]).await;
    assert!(
        r.body.contains("id=\"conclusion-error\"") && r.body.contains("请写明检索结论"),
        "{label}: {}",
        r.body
    );
    let words = "第1、2号案件与本案同为醉酒驾驶且血液酒精含量相近，量刑可资参照；第3号案件系肇事后逃逸，情节不同，不予参照。";
    let r = post_form(&j, &conclude, &[("body", words)]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{label}: {}", r.body);
    let page = j.get(&to).await;
    let at = page
        .body
        .find("id=\"judge-conclusion\"")
        .unwrap_or_else(|| panic!("{label}: {}", page.body));
    assert!(page.body[at..].contains(words), "{label}");
    let print = j.get(&format!("{to}?print=1")).await;
    assert!(print.body.contains(words), "{label}");
    assert!(!print.body.contains("id=\"conclusion-form\""), "{label}");
    // Through the API, rewritten: the latest is shown, the first stays.
    let api = format!("/api/v1/cases/{case_id}/similar/reports/{report_id}/conclusion");
    let r = j
        .post_json(&api, &json!({"body": "以上类案均予参照。"}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{label}: {}", r.body);
    assert_eq!(r.json()["versions"], 2, "{label}");
    assert_eq!(r.json()["written_by"], "j-name", "{label}: {}", r.body);
    let r = j.post_json(&api, &json!({"body": "长".repeat(3001)})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{label}");
    assert_eq!(
        r.json()["error"]["code"],
        "field_too_long",
        "{label}: {}",
        r.body
    );
    assert_eq!(
        r.json()["error"]["details"]["field"],
        "body",
        "{label}: {}",
        r.body
    );
    let page = j.get(&to).await;
    assert!(
        page.body.contains("以上类案均予参照。") && page.body.contains("第 2 次撰写"),
        "{label}"
    );
    // Another court's judge cannot see the report, nor write under it; an administrator may
    // not write.
    assert_eq!(
        xh.post_json(&api, &json!({"body": "x"})).await.status,
        StatusCode::NOT_FOUND,
        "{label}"
    );
    assert_eq!(
        admin.post_json(&api, &json!({"body": "x"})).await.status,
        StatusCode::FORBIDDEN,
        "{label}"
    );
    assert_eq!(
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM retrieval_conclusions")
            .fetch_one(s.pool())
            .await
            .expect("count"),
        2,
        "{label}"
    );

    // The deviation sweep's first run starts from now (nothing decided yet here).
    let st = state(s, now);
    let rep = tianping_server::similar::sweep_deviations(&st)
        .await
        .expect("sweep");
    assert_eq!((rep.checked, rep.raised), (0, 0), "{label}");

    // Deviation: 12 months of 拘役 against similar judgments of 1–5 months.
    let closed = ev(
        "D2",
        "（2026）浙0102刑初7号",
        "2026-05-20T09:00:00+08:00",
        "closed",
        json!({"disposition": "judgment", "sentence_months": 12}),
    );
    let r = j.post_json("/api/v1/events", &closed).await;
    assert_eq!(r.status, StatusCode::CREATED, "{label}: {}", r.body);
    let case_page = j.get(&format!("/cases/{case_id}")).await;
    assert!(
        case_page.body.contains("量刑偏离提示") && case_page.body.contains("高于"),
        "{}",
        case_page.body
    );
    assert!(
        case_page.body.contains("1个月 至 5个月"),
        "{}",
        case_page.body
    );

    // The sweep raises the warning once and mails it to the court's case office.
    add_user(
        s,
        "office",
        "sc-court",
        Role::CaseOffice,
        Clearance::default(),
    )
    .await;
    add_user(s, "xo", "xh-court", Role::CaseOffice, Clearance::default()).await;
    let office = s.user_by_username("office").await.expect("u").expect("u");
    s.set_notification_preferences(office.id, Some("office@court.test"), "daily", now)
        .await
        .expect("prefs");
    // Starting the sweep again (as the demo does after loading) keeps its cursor: the closing
    // recorded since is still swept.
    s.start_deviation_sweep().await.expect("start");
    let rep = tianping_server::similar::sweep_deviations(&st)
        .await
        .expect("sweep");
    assert_eq!((rep.checked, rep.raised, rep.mails), (1, 1, 1), "{label}");
    let rep = tianping_server::similar::sweep_deviations(&st)
        .await
        .expect("sweep");
    assert_eq!(
        (rep.checked, rep.raised),
        (0, 0),
        "{label}: once per closing"
    );
    let mail = s.mails(Some("office@court.test"), 10).await.expect("mails");
    assert_eq!(mail.len(), 1, "{label}");
    assert_eq!(mail[0].subject, "【量刑偏离预警】（2026）浙0102刑初7号");
    assert!(
        mail[0].body.contains("危险驾驶罪判处 1年，高于")
            && mail[0].body.contains("1个月 至 5个月"),
        "{}",
        mail[0].body
    );
    let case_page = j.get(&format!("/cases/{case_id}")).await;
    assert!(
        case_page.body.contains("id=\"deviation-warnings\"")
            && case_page.body.contains("待审管办签收")
            && !case_page.body.contains("deviation-ack-"),
        "{}",
        case_page.body
    );
    let office_c = Client::as_user(&app, "office").await;
    let open = office_c.get("/api/v1/deviation-warnings").await;
    assert_eq!(open.status, StatusCode::OK, "{}", open.body);
    let w = &open.json()["warnings"][0];
    assert_eq!(w["charge"], "危险驾驶罪");
    assert_eq!(w["decided_months"], 12);
    assert_eq!(w["range_months"], json!([1, 5]));
    let wid = w["id"].as_i64().expect("id");
    // The board has a tab of its own for them, with their number.
    let board = office_c.get("/warnings").await;
    assert!(
        board.body.contains("量刑偏离预警<b>1</b>"),
        "{}",
        board.body
    );
    let tab = office_c.get("/warnings?view=deviation").await;
    assert!(
        tab.body.contains("量刑偏离预警（未签收 1）") && tab.body.contains("危险驾驶罪"),
        "{}",
        tab.body
    );
    assert!(
        !tab.body.contains(r#"id="board""#),
        "the clocks are not on this tab"
    );
    // Only the court's own case office (or president) acknowledges; others cannot cross over.
    let ack = format!("/api/v1/deviation-warnings/{wid}/ack");
    assert_eq!(
        j.post_json(&ack, &json!({})).await.status,
        StatusCode::FORBIDDEN
    );
    let xo = Client::as_user(&app, "xo").await;
    assert_eq!(
        xo.post_json(&ack, &json!({})).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        xo.get("/api/v1/deviation-warnings").await.json()["warnings"],
        json!([])
    );
    assert_eq!(
        admin.post_json(&ack, &json!({})).await.status,
        StatusCode::FORBIDDEN
    );
    let r = office_c.post_json(&ack, &json!({})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["changed"], true);
    assert_eq!(
        office_c.post_json(&ack, &json!({})).await.json()["changed"],
        false
    );
    assert_eq!(
        office_c.get("/api/v1/deviation-warnings").await.json()["warnings"],
        json!([])
    );
    let case_page = j.get(&format!("/cases/{case_id}")).await;
    assert!(
        case_page.body.contains("已签收（office-name"),
        "{}",
        case_page.body
    );

    // A report ranked by an earlier version of the ranking says so on re-running (it cannot be
    // repeated), and keeps its own list. (Written into the row directly, as an older release would
    // have stored it.)
    sqlx::query("UPDATE retrieval_reports SET ranking_version = $1 WHERE id = $2")
        .bind("similar-2：旧版")
        .bind(report_id)
        .execute(s.pool())
        .await
        .expect("older report");
    let page = j.get(&to).await;
    assert!(
        page.body
            .contains("本报告按排序方法第 2 版生成，现行排序方法为第 4 版")
            && page.body.contains("无法按原版本重新检索")
            && page.body.contains("（2026）浙0102刑初7号"),
        "{}",
        page.body
    );
}

#[tokio::test]
async fn similar_cases_are_retrieved_reported_and_rerun_on_both_stores() {
    for db in TestDb::all().await.expect("databases") {
        similar_story(&db).await;
        db.cleanup().await.expect("cleanup");
    }
}

/// A theft judgment of 上城's court: a term served, or suspended.
fn theft(n: u32, term: &str) -> tianping_store::judgments::NewJudgment {
    let text = format!(
        "浙江省杭州市上城区人民法院 刑事判决书 （2025）浙0102刑初{n}号 公诉机关杭州市上城区人民检察院。被告人钱{n}，男。\
         经审理查明：2025年2月{n}日凌晨，被告人钱{n}撬开小区地下车库内电动自行车的车锁，窃得电动自行车一辆，经鉴定价值人民币三千二百元。\
         本院认为，被告人钱{n}以非法占有为目的，秘密窃取他人财物，数额较大，其行为已构成盗窃罪。依照《中华人民共和国刑法》第二百六十四条之规定，判决如下：\
         被告人钱{n}犯盗窃罪，判处{term}，并处罚金人民币二千元。 审判员 孙某 二〇二五年五月{n}日"
    );
    tianping_store::judgments::NewJudgment {
        source_id: format!("theft{n}"),
        title: format!("钱{n}盗窃一审刑事判决书"),
        text,
        ..Default::default()
    }
}

/// Files a pending theft case of 上城 through the API (with `extra` fields); returns its id.
async fn file_theft(
    j: &Client,
    s: &tianping_store::Store,
    id: &str,
    number: &str,
    extra: serde_json::Value,
) -> i64 {
    let mut fields = json!({"cause": "盗窃罪", "charges": ["盗窃罪"], "parties": [{"name": "吴某", "role": "被告人"}]});
    if let (Some(f), Some(e)) = (fields.as_object_mut(), extra.as_object()) {
        f.extend(e.clone());
    }
    let r = j
        .post_json(
            "/api/v1/events",
            &ev(id, number, "2026-05-03T09:00:00+08:00", "filed", fields),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    s.case_id_by_number(number)
        .await
        .expect("lookup")
        .expect("case")
}

async fn conflict_story(db: &TestDb) {
    let (s, label) = (&db.store, &db.label);
    load_fixture_orgs(s).await.expect("orgs");
    add_user(s, "j", "sc-court", Role::Judge, Clearance::default()).await;
    let now = Utc
        .with_ymd_and_hms(2026, 6, 1, 0, 0, 0)
        .single()
        .expect("date");
    // Three of the court's own rulings on the same facts: two terms served, one suspended.
    let batch = vec![
        theft(11, "有期徒刑八个月"),
        theft(12, "有期徒刑七个月，缓刑一年"),
        theft(13, "有期徒刑九个月"),
    ];
    s.import_judgments("lecard", &batch, now)
        .await
        .expect("import");
    let app = app(s, now);
    let j = Client::as_user(&app, "j").await;
    let filing = ev(
        "T1",
        "（2026）浙0102刑初21号",
        "2026-05-01T09:00:00+08:00",
        "filed",
        json!({"cause": "盗窃罪", "charges": ["盗窃罪"], "parties": [{"name": "孙某", "role": "被告人"}]}),
    );
    let r = j.post_json("/api/v1/events", &filing).await;
    assert_eq!(r.status, StatusCode::CREATED, "{label}: {}", r.body);
    let case_id = s
        .case_id_by_number("（2026）浙0102刑初21号")
        .await
        .expect("lookup")
        .expect("case");
    // The first search builds the index.
    assert_eq!(
        j.get(&format!("/cases/{case_id}/similar")).await.status,
        StatusCode::OK
    );
    let page = j.get(&format!("/cases/{case_id}")).await;
    let at = page
        .body
        .find("id=\"similar-conflict\"")
        .unwrap_or_else(|| panic!("{label}: no conflict raised: {}", page.body));
    let block = &page.body[at..];
    let block = &block[..block.find("</div>").expect("end")];
    // Side by side: the suspended sentence and the longest term served.
    assert!(
        block.contains("（2025）浙0102刑初12号")
            && block.contains("（2025）浙0102刑初13号")
            && block.contains("未判处实刑")
            && block.contains("实刑 9个月"),
        "{label}: {block}"
    );
    assert!(block.contains("id=\"conflict-flag\""), "{label}: {block}");
    // Flagged from there: a 四类案件 of 类案冲突, with the reason the system wrote.
    let reason = block
        .split("name=\"reason\" value=\"")
        .nth(1)
        .and_then(|x| x.split('"').next())
        .expect("reason")
        .replace("&#x2F;", "/");
    let r = post_form(
        &j,
        &format!("/cases/{case_id}/flags"),
        &[
            ("situation", "3.similar_conflict"),
            ("reason", reason.as_str()),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{label}: {}", r.body);
    let flags = s.case_flags(case_id).await.expect("flags");
    assert!(
        flags
            .iter()
            .any(|f| f.situation == "3.similar_conflict" && f.cleared_at.is_none()),
        "{label}"
    );

    // Rulings that differ within the rule's bounds: no conflict.
    let calm = ev(
        "T2",
        "（2026）浙0102刑初22号",
        "2026-05-02T09:00:00+08:00",
        "filed",
        json!({"cause": "危险驾驶罪", "charges": ["危险驾驶罪"], "parties": [{"name": "周某", "role": "被告人"}]}),
    );
    s.import_judgments(
        "lecard",
        &[
            drunk_driving(31, "二个月", 150),
            drunk_driving(32, "三个月", 160),
        ],
        now,
    )
    .await
    .expect("import");
    assert_eq!(
        j.post_json("/api/v1/events", &calm).await.status,
        StatusCode::CREATED
    );
    let calm_id = s
        .case_id_by_number("（2026）浙0102刑初22号")
        .await
        .expect("lookup")
        .expect("case");
    let page = j.get(&format!("/cases/{calm_id}")).await;
    assert!(page.body.contains("id=\"similar-top\""), "{label}");
    assert!(!page.body.contains("id=\"similar-conflict\""), "{label}");

    // The sweep finds a conflict without anyone opening the case, and flags it once.
    let third_id = file_theft(&j, s, "T3", "（2026）浙0102刑初23号", json!({})).await;
    // A confidential theft case: a flag's reason would name its charge to every reader of it.
    let private_id = file_theft(
        &j,
        s,
        "T4",
        "（2026）浙0102刑初24号",
        json!({"confidentiality": "privacy"}),
    )
    .await;
    let st = state(s, now);
    let mut cursor = 0;
    let rep = tianping_server::similar::conflict::sweep_conflicts(&st, &mut cursor)
        .await
        .expect("sweep");
    // T1 was flagged by hand; T2's rulings agree; T3 is flagged; T4 is not read.
    assert_eq!((rep.checked, rep.raised), (2, 1), "{label}: {rep:?}");
    assert!(
        s.case_flags(private_id).await.expect("flags").is_empty(),
        "{label}"
    );
    assert_eq!(cursor, 0, "{label}: every pending case read");
    let flags = s.case_flags(third_id).await.expect("flags");
    let f = flags
        .iter()
        .find(|f| f.situation == "3.similar_conflict")
        .unwrap_or_else(|| panic!("{label}: {flags:?}"));
    assert_eq!(f.source, "rule", "{label}");
    assert_eq!(
        f.flagged_by,
        tianping_server::similar::conflict::SWEEP_BY,
        "{label}"
    );
    assert!(
        f.reason.contains("（2025）浙0102刑初12号") && f.reason.contains("（2025）浙0102刑初13号"),
        "{label}: {}",
        f.reason
    );
    let rep = tianping_server::similar::conflict::sweep_conflicts(&st, &mut cursor)
        .await
        .expect("sweep");
    assert_eq!((rep.checked, rep.raised), (1, 0), "{label}: {rep:?}");
    // The case page says so instead of offering the flag.
    let page = j.get(&format!("/cases/{third_id}")).await;
    assert!(page.body.contains("id=\"similar-conflict\""), "{label}");
    assert!(page.body.contains("id=\"conflict-flagged\""), "{label}");
    assert!(!page.body.contains("id=\"conflict-flag\""), "{label}");
    // Flagged by hand, T1 says who flagged it.
    let page = j.get(&format!("/cases/{case_id}")).await;
    assert!(page.body.contains("id=\"conflict-flagged\""), "{label}");
}

#[tokio::test]
async fn a_conflict_between_the_courts_rulings_is_raised_on_a_pending_case_on_both_stores() {
    for db in TestDb::all().await.expect("databases") {
        conflict_story(&db).await;
        db.cleanup().await.expect("cleanup");
    }
}
