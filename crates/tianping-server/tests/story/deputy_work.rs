//! The deputies' other work over HTTP: invitations (视察、旁听庭审、见证执行), suggestions that
//! become procuratorial recommendations and come back, and surveys answered by login and by a
//! signed link — each on both stores.

use super::deputies::location;
use crate::common::*;

fn now() -> chrono::DateTime<Utc> {
    chrono::DateTime::parse_from_rfc3339("2026-11-10T10:00:00+08:00")
        .expect("time")
        .with_timezone(&Utc)
}

/// Invitations over HTTP: 上城's case office invites two deputies to a hearing (a past time and no
/// deputy refused, named); one deputy accepts, the other declines; another deputy cannot answer
/// for them and a judge cannot invite; once it has begun (the clock moved on) the deputy who came
/// leaves an opinion — one attendance in the year's tally — and the office records the other's
/// absence only once.
async fn invitations_story(db: &TestDb) {
    let s = &db.store;
    let label = db.label;
    load_fixture_orgs(s).await.expect("orgs");
    for (u, org, role) in [
        ("pc", "hz-pc", Role::PcSupervisor),
        ("dep", "hz-pc", Role::Deputy),
        ("dep2", "hz-pc", Role::Deputy),
        ("dep3", "hz-pc", Role::Deputy),
        ("sc_office", "sc-court", Role::CaseOffice),
        ("sc_judge", "sc-court", Role::Judge),
    ] {
        add_user(s, u, org, role, Clearance::default()).await;
    }
    let app = app(s, now());
    let pc = Client::as_user(&app, "pc").await;
    for (name, user, town) in [
        ("褚建华", "dep", "湖滨街道"),
        ("卫国强", "dep2", "清波街道"),
        ("韩立新", "dep3", "小营街道"),
    ] {
        let r = post_form(
            &pc,
            "/deputies",
            &[
                ("name", name),
                ("level", "city"),
                ("constituency", "上城区第1选区"),
                ("township", town),
                ("username", user),
            ],
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "[{label}] {}", r.body);
    }
    let office = Client::as_user(&app, "sc_office").await;
    let deputies = office.get("/api/v1/deputies").await.json()["deputies"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let id_of = |name: &str| {
        deputies
            .iter()
            .find(|d| d["name"] == name)
            .and_then(|d| d["id"].as_i64())
            .map(|i| i.to_string())
            .expect("registered")
    };
    let (chu, wei) = (id_of("褚建华"), id_of("卫国强"));
    let invite = |when: &'static str, who: Vec<String>| {
        let mut f: Vec<(&'static str, String)> = vec![
            ("kind", "hearing".into()),
            ("title", "邀请人大代表旁听民间借贷纠纷案件庭审".into()),
            ("place", "上城区人民法院第三法庭".into()),
            ("starts_at", when.into()),
        ];
        f.extend(who.into_iter().map(|d| ("deputy", d)));
        f
    };
    let r = send_invite(&office, &invite("2026-11-01T09:30", vec![])).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "[{label}]");
    assert!(
        r.body.contains("活动时间应晚于现在") && r.body.contains("请至少邀请一名代表"),
        "[{label}] {}",
        r.body
    );
    let judge = Client::as_user(&app, "sc_judge").await;
    let r = send_invite(&judge, &invite("2026-11-20T09:30", vec![chu.clone()])).await;
    assert_eq!(
        r.status,
        StatusCode::FORBIDDEN,
        "[{label}] a judge does not invite"
    );
    let r = send_invite(
        &office,
        &invite("2026-11-20T09:30", vec![chu.clone(), wei.clone()]),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "[{label}] {}", r.body);
    let url = location(&r);

    let dep = Client::as_user(&app, "dep").await;
    let dep2 = Client::as_user(&app, "dep2").await;
    let dep3 = Client::as_user(&app, "dep3").await;
    assert!(
        dep.get("/todo")
            .await
            .body
            .contains("视察、旁听庭审等邀请待答复"),
        "[{label}]"
    );
    assert_eq!(
        dep3.get(&url).await.status,
        StatusCode::NOT_FOUND,
        "[{label}] not invited"
    );
    let lines = s
        .deputy_invitees(
            url.rsplit('/')
                .next()
                .and_then(|x| x.parse().ok())
                .expect("id"),
        )
        .await
        .expect("lines");
    let line_of = |name: &str| {
        lines
            .iter()
            .find(|l| l.deputy_name == name)
            .map(|l| l.id.to_string())
            .expect("line")
    };
    let (chu_line, wei_line) = (line_of("褚建华"), line_of("卫国强"));
    assert_eq!(
        act(&dep, &url, &wei_line, "accept", "").await.status,
        StatusCode::FORBIDDEN,
        "[{label}] only for themselves"
    );
    assert_eq!(
        act(&dep, &url, &chu_line, "accept", "").await.status,
        StatusCode::SEE_OTHER,
        "[{label}]"
    );
    assert_eq!(
        act(&dep2, &url, &wei_line, "decline", "").await.status,
        StatusCode::SEE_OTHER,
        "[{label}]"
    );
    let r = act(&dep, &url, &chu_line, "opinion", "程序规范").await;
    assert!(
        r.body.contains("活动开始后方可填写意见"),
        "[{label}] {}",
        r.body
    );

    // After it began.
    let later = now() + chrono::Duration::days(12);
    let app2 = crate::common::app(s, later);
    let dep = Client::as_user(&app2, "dep").await;
    let office = Client::as_user(&app2, "sc_office").await;
    assert!(
        dep.get("/todo").await.body.contains("参加活动后待提出意见"),
        "[{label}]"
    );
    let r = act(&dep, &url, &chu_line, "accept", "").await;
    assert!(r.body.contains("活动已开始"), "[{label}] {}", r.body);
    let r = act(&dep, &url, &chu_line, "opinion", "").await;
    assert!(r.body.contains("请填写意见或建议"), "[{label}] {}", r.body);
    let r = act(
        &dep,
        &url,
        &chu_line,
        "opinion",
        "庭审程序规范，建议加强对当事人的诉讼指导",
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "[{label}] {}", r.body);
    let r = act(&office, &url, &wei_line, "absent", "").await;
    assert!(
        r.body.contains("目前“已婉拒”"),
        "[{label}] a declined deputy is not absent: {}",
        r.body
    );
    let page = office.get("/deputies/invitations?year=2026").await;
    assert!(
        page.body.contains("2026 年代表参加人次（共 1 人次）"),
        "[{label}] {}",
        page.body
    );
    let page = office.get(&url).await;
    assert!(
        page.body.contains("建议加强对当事人的诉讼指导"),
        "[{label}]"
    );
}

/// Suggestions both ways over HTTP: a deputy suggests to 上城's procuratorate (thin content and
/// another region's procuratorate refused); the prosecutor takes it as a lead and issues a
/// recommendation to the district's ecology bureau (no addressee refused) — its reply due in two
/// months; a court does not read it. Two months and a day later the reply is overdue
/// (the prosecutor's 待办), the recommendation goes to the 人大, whose staff record their follow-up;
/// the organ replies, not adopting; the result is reported back and the deputy reads every step.
async fn suggestions_story(db: &TestDb) {
    let s = &db.store;
    let label = db.label;
    load_fixture_orgs(s).await.expect("orgs");
    for (u, org, role) in [
        ("pc", "hz-pc", Role::PcSupervisor),
        ("dep", "hz-pc", Role::Deputy),
        ("sc_proc", "sc-proc", Role::Judge),
        ("xh_judge", "xh-court", Role::Judge),
    ] {
        add_user(s, u, org, role, Clearance::default()).await;
    }
    let app = app(s, now());
    let pc = Client::as_user(&app, "pc").await;
    let r = post_form(
        &pc,
        "/deputies",
        &[
            ("name", "褚建华"),
            ("level", "city"),
            ("constituency", "上城区第1选区"),
            ("township", "湖滨街道"),
            ("username", "dep"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "[{label}] {}", r.body);
    let dep = Client::as_user(&app, "dep").await;
    let content = "上城区某河道沿岸有餐饮店长期将油污直排入河，河水发黑发臭，周边居民多次反映未果，建议检察机关依法督促有关部门履行监管职责。";
    let r = post_form(
        &dep,
        "/deputies/suggestions",
        &[
            ("procuratorate", "sc-proc"),
            ("field", "ecology"),
            ("title", "关于督促整治河道污染的建议"),
            ("content", "河水发臭"),
        ],
    )
    .await;
    assert!(r.body.contains("建议内容至少"), "[{label}] {}", r.body);
    let r = post_form(
        &dep,
        "/deputies/suggestions",
        &[
            ("procuratorate", "zj-court"),
            ("field", "ecology"),
            ("title", "关于督促整治河道污染的建议"),
            ("content", content),
        ],
    )
    .await;
    assert!(
        r.body.contains("请选择本辖区的检察机关"),
        "[{label}] {}",
        r.body
    );
    let r = post_form(
        &dep,
        "/deputies/suggestions",
        &[
            ("procuratorate", "sc-proc"),
            ("field", "ecology"),
            ("title", "关于督促整治河道污染的建议"),
            ("content", content),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "[{label}] {}", r.body);
    let url = location(&r);

    let proc = Client::as_user(&app, "sc_proc").await;
    let xh = Client::as_user(&app, "xh_judge").await;
    assert!(
        proc.get("/todo").await.body.contains("代表建议待审查"),
        "[{label}]"
    );
    assert_eq!(
        xh.get(&url).await.status,
        StatusCode::FORBIDDEN,
        "[{label}] a court does not read suggestions"
    );
    let r = post_form(
        &proc,
        &format!("{url}/step"),
        &[("step", "accept"), ("on", "2026-11-10")],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "[{label}] {}", r.body);
    let r = post_form(
        &proc,
        &format!("{url}/step"),
        &[
            ("step", "recommend"),
            ("on", "2026-11-10"),
            ("text", "建议依法履行监管职责，督促沿河餐饮店整改"),
        ],
    )
    .await;
    assert!(r.body.contains("请填写被建议单位"), "[{label}] {}", r.body);
    let r = post_form(
        &proc,
        &format!("{url}/step"),
        &[
            ("step", "recommend"),
            ("on", "2026-11-10"),
            ("agency", "杭州市生态环境局上城分局"),
            ("text", "建议依法履行监管职责，督促沿河餐饮店整改"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "[{label}] {}", r.body);
    let page = dep.get(&url).await;
    assert!(
        page.body.contains("2027-01-10 前书面回复")
            && page.body.contains("杭州市生态环境局上城分局"),
        "[{label}] the deputy sees the recommendation and its clock"
    );
    assert!(!page.body.contains("id=\"step-form\""), "[{label}]");

    // Two months and a day later: overdue; handed to the 人大, which follows it up.
    let later = crate::common::app(s, now() + chrono::Duration::days(62));
    let proc = Client::as_user(&later, "sc_proc").await;
    let pc = Client::as_user(&later, "pc").await;
    assert!(
        proc.get("/todo").await.body.contains("检察建议回复已逾期"),
        "[{label}]"
    );
    let page = proc.get(&url).await;
    assert!(
        page.body.contains("已逾期 1 日") && page.body.contains("id=\"hand-form\""),
        "[{label}] {}",
        page.body
    );
    let r = post_form(&proc, &format!("{url}/hand"), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "[{label}] {}", r.body);
    assert!(
        pc.get("/todo")
            .await
            .body
            .contains("移送人大的检察建议待跟踪监督"),
        "[{label}]"
    );
    let r = post_form(&proc, &format!("{url}/follow"), &[("note", "x")]).await;
    assert_eq!(
        r.status,
        StatusCode::FORBIDDEN,
        "[{label}] the procuratorate does not follow up for the 人大"
    );
    let r = post_form(
        &pc,
        &format!("{url}/follow"),
        &[("note", "已列入常委会执法检查重点，约谈生态环境分局")],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "[{label}] {}", r.body);
    // The organ replies late, not adopting; the result goes back to the deputy.
    let r = post_form(
        &proc,
        &format!("{url}/step"),
        &[
            ("step", "reply"),
            ("on", "2027-01-11"),
            ("adopted", "no"),
            ("text", "已约谈商户，暂无执法依据"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "[{label}] {}", r.body);
    let r = post_form(
        &proc,
        &format!("{url}/step"),
        &[("step", "report_back"), ("on", "2027-01-11")],
    )
    .await;
    assert!(
        r.body.contains("请填写向代表反馈的办理结果"),
        "[{label}] {}",
        r.body
    );
    let r = post_form(
        &proc,
        &format!("{url}/step"),
        &[
            ("step", "report_back"),
            ("on", "2027-01-11"),
            (
                "text",
                "被建议单位未采纳，本院已将检察建议移送人大常委会监督，并拟提起行政公益诉讼",
            ),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "[{label}] {}", r.body);
    let dep = Client::as_user(&later, "dep").await;
    let page = dep.get(&url).await;
    for want in [
        "办理结果已反馈代表",
        "未采纳",
        "已列入常委会执法检查重点",
        "拟提起行政公益诉讼",
    ] {
        assert!(
            page.body.contains(want),
            "[{label}] the deputy reads {want}"
        );
    }
    let api = dep.get("/api/v1/deputy-suggestions").await.json();
    assert_eq!(
        api["suggestions"][0]["stage"], "reported_back",
        "[{label}] {api}"
    );
    assert_eq!(
        api["suggestions"][0]["handed_to_congress"], true,
        "[{label}] {api}"
    );
}

/// A survey over HTTP: the 人大 sends a questionnaire (a question without options named by its
/// line) to the city's deputies of 上城区; one deputy answers logged in (a missing choice named
/// next to its question; a second answer refused), another through their signed link without
/// logging in (a forged link refused); the 人大 reads the tallies per question and per district and
/// downloads them; a court cannot.
async fn surveys_story(db: &TestDb) {
    let s = &db.store;
    let label = db.label;
    load_fixture_orgs(s).await.expect("orgs");
    for (u, org, role) in [
        ("pc", "hz-pc", Role::PcSupervisor),
        ("dep", "hz-pc", Role::Deputy),
        ("sc_judge", "sc-court", Role::Judge),
    ] {
        add_user(s, u, org, role, Clearance::default()).await;
    }
    let app = app(s, now());
    let pc = Client::as_user(&app, "pc").await;
    for (name, user, constituency, town) in [
        ("褚建华", "dep", "上城区第1选区", "湖滨街道"),
        ("卫国强", "", "上城区第2选区", "清波街道"),
        ("韩立新", "", "西湖区第1选区", "北山街道"),
    ] {
        let r = post_form(
            &pc,
            "/deputies",
            &[
                ("name", name),
                ("level", "city"),
                ("constituency", constituency),
                ("township", town),
                ("username", user),
            ],
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "[{label}] {}", r.body);
    }
    let bad = "单选：总体评价\n- 满意\n\n问答：意见和建议";
    let r = post_form(
        &pc,
        "/deputies/surveys",
        &[
            ("title", "院长走访联络站前的意见征询"),
            ("area", "上城区"),
            ("closes_on", "2026-11-30"),
            ("questions", bad),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "[{label}]");
    assert!(
        r.body.contains("第 1 行：“单选”题至少需要两个选项"),
        "[{label}] {}",
        r.body
    );
    let good = "单选：您对法院执行工作的总体评价\n- 满意\n- 基本满意\n- 不满意\n\n评分：对检察机关公益诉讼工作的评价\n\n问答：意见和建议";
    let r = post_form(
        &pc,
        "/deputies/surveys",
        &[
            ("title", "院长走访联络站前的意见征询"),
            ("area", "上城区"),
            ("closes_on", "2026-11-30"),
            ("questions", good),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "[{label}] {}", r.body);
    let url = location(&r);
    let id: i64 = url
        .rsplit('/')
        .next()
        .and_then(|x| x.parse().ok())
        .expect("id");
    let sent = s.survey(id).await.expect("survey").expect("exists");
    assert_eq!(
        sent.sent, 2,
        "[{label}] 上城区's two deputies, not 西湖区's"
    );

    let dep = Client::as_user(&app, "dep").await;
    assert!(
        dep.get("/todo").await.body.contains("问卷待填写"),
        "[{label}]"
    );
    let r = post_form(&dep, &format!("{url}/answer"), &[("q1", "4")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "[{label}]");
    assert!(r.body.contains("请选择"), "[{label}] {}", r.body);
    let r = post_form(
        &dep,
        &format!("{url}/answer"),
        &[("q0", "1"), ("q1", "4"), ("q2", "建议执行案件信息更公开")],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "[{label}] {}", r.body);
    let r = post_form(&dep, &format!("{url}/answer"), &[("q0", "0"), ("q1", "5")]).await;
    assert!(r.status.is_client_error(), "[{label}] once: {}", r.status);

    // 卫国强 has no login: his signed link.
    let wei = s
        .survey_recipients(id)
        .await
        .expect("lines")
        .into_iter()
        .find(|l| l.deputy_name == "卫国强")
        .expect("line");
    let link = feedback_codes().survey_link(
        id,
        wei.deputy_id,
        (now() + chrono::Duration::days(30)).timestamp(),
    );
    let path = link.strip_prefix(PUBLIC_URL).expect("link").to_string();
    let anon = Client::anonymous(&app);
    let page = anon.get(&path).await;
    assert!(
        page.body.contains("卫国强代表") && page.body.contains("id=\"answer-form\""),
        "[{label}] {}",
        page.body
    );
    let forged = format!("{}A", &path[..path.len() - 1]);
    assert_eq!(
        anon.get(&forged).await.status,
        StatusCode::NOT_FOUND,
        "[{label}]"
    );
    let r = anon
        .send(
            "POST",
            &path,
            Some(form(&[("q0", "0"), ("q1", "3")])),
            false,
            "application/x-www-form-urlencoded",
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "[{label}] {}", r.body);
    assert!(r.body.contains("您已填写这份问卷"), "[{label}]");

    // The 人大's results: per question and per district; the Excel; a court may not.
    let res = pc
        .get(&format!("/api/v1/deputy-surveys/{id}/results"))
        .await
        .json();
    assert_eq!(res["answered"], 2, "[{label}] {res}");
    assert_eq!(
        res["questions"][0]["options"][0]["count"], 1,
        "[{label}] {res}"
    );
    assert_eq!(
        res["questions"][0]["options"][1]["count"], 1,
        "[{label}] {res}"
    );
    assert_eq!(res["questions"][1]["mean"], 3.5, "[{label}] {res}");
    assert_eq!(
        res["questions"][2]["texts"][0], "建议执行案件信息更公开",
        "[{label}] {res}"
    );
    assert_eq!(
        res["questions"][0]["areas"][0]["area"], "上城区",
        "[{label}] {res}"
    );
    let page = pc.get(&url).await;
    assert!(
        page.body.contains("class=\"hbar\"") && page.body.contains("平均分 <b>3.50</b>"),
        "[{label}]"
    );
    // A question's results open a supervision item: the form comes filled in with the survey.
    let item = page
        .body
        .split("href=\"")
        .filter_map(|x| x.split('"').next())
        .find(|h| h.starts_with("/supervision?source=deputy_suggestion"))
        .expect("a link to the item form")
        .replace("&#38;", "&")
        .replace("&amp;", "&");
    // (A browser does not send the fragment.)
    let item = item.split('#').next().unwrap_or_default().to_string();
    let form = pc.get(&item).await;
    assert!(
        form.body
            .contains("代表问卷“院长走访联络站前的意见征询”第 1 题反映的问题"),
        "[{label}] {}",
        form.body
    );
    let xl = pc.get(&format!("{url}/results.xlsx")).await;
    assert!(xl.xlsx_text().contains("基本满意"), "[{label}]");
    let judge = Client::as_user(&app, "sc_judge").await;
    assert_eq!(
        judge.get(&url).await.status,
        StatusCode::FORBIDDEN,
        "[{label}]"
    );
}

async fn send_invite(c: &Client, f: &[(&'static str, String)]) -> Resp {
    let v: Vec<(&str, &str)> = f.iter().map(|(k, x)| (*k, x.as_str())).collect();
    post_form(c, "/deputies/invitations", &v).await
}

async fn act(c: &Client, url: &str, line: &str, act: &str, opinion: &str) -> Resp {
    post_form(
        c,
        &format!("{url}/act"),
        &[("line", line), ("act", act), ("opinion", opinion)],
    )
    .await
}

#[tokio::test]
async fn deputies_are_invited_answer_for_themselves_and_are_counted_on_both_stores() {
    for db in TestDb::all().await.expect("databases") {
        invitations_story(&db).await;
        db.cleanup().await.expect("cleanup");
    }
}

#[tokio::test]
async fn a_suggestion_becomes_a_recommendation_with_its_clock_and_comes_back_on_both_stores() {
    for db in TestDb::all().await.expect("databases") {
        suggestions_story(&db).await;
        db.cleanup().await.expect("cleanup");
    }
}

#[tokio::test]
async fn a_survey_is_sent_answered_by_login_and_by_link_and_tallied_on_both_stores() {
    for db in TestDb::all().await.expect("databases") {
        surveys_story(&db).await;
        db.cleanup().await.expect("cleanup");
    }
}
