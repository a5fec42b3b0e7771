//! People's supervisors over HTTP: the justice bureau appoints (term limits and bars refused),
//! the procuratorate asks for supervisors, the bureau fixes a draw before its seed exists and
//! records the reveals (a wrong one refused) and the public numbers, a recusal sends the next
//! alternate, the supervisors accept, attend and file an opinion, the procuratorate answers it
//! with reasons, and an auditor re-checks the draw — on its page and from its exported record.

use crate::common::*;
use tianping_domain::AgencyKind;
use tianping_domain::draw::{Record, commitment, verify};
use tianping_store::org::Org;

fn as_refs(f: &[(String, String)]) -> Vec<(&str, &str)> {
    f.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}

fn bj(s: &str) -> chrono::DateTime<Utc> {
    chrono::DateTime::parse_from_rfc3339(&format!("{s}+08:00"))
        .expect("time")
        .with_timezone(&Utc)
}

/// The id a redirect (303 to `/…/{id}`) points at.
fn created(r: &Resp) -> i64 {
    let loc = r
        .headers
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_else(|| panic!("no redirect: {} {}", r.status, r.body));
    loc.rsplit('/')
        .next()
        .and_then(|x| x.split('#').next())
        .and_then(|x| x.parse().ok())
        .unwrap_or_else(|| panic!("no id in {loc}"))
}

#[allow(clippy::too_many_arguments)]
async fn appoint(
    c: &Client,
    name: &str,
    birth: &str,
    id: &str,
    education: &str,
    expertise: &str,
    term_no: &str,
    username: &str,
    extra: &[(&str, &str)],
) -> Resp {
    let mut f = vec![
        ("name", name),
        ("gender", "女"),
        ("birth", birth),
        ("id_number", id),
        ("phone", "13700000000"),
        ("email", ""),
        ("education", education),
        ("profession", "律师"),
        ("expertise", expertise),
        ("appointed_by", "设区的市级司法行政机关"),
        ("term_no", term_no),
        ("term_start", "2026-01-01"),
        ("username", username),
    ];
    f.extend_from_slice(extra);
    post_form(c, "/supervisors", &f).await
}

async fn story(db: &TestDb) {
    let s = &db.store;
    let label = db.label;
    load_fixture_orgs(s).await.expect("orgs");
    for (id, name, kind, code) in [
        (
            "sc-justice",
            "上城区司法局",
            AgencyKind::JusticeBureau,
            "330102",
        ),
        (
            "xh-proc",
            "西湖区人民检察院",
            AgencyKind::Procuratorate,
            "330106",
        ),
    ] {
        s.insert_org(
            &Org {
                id: id.into(),
                parent_id: None,
                name: name.into(),
                kind,
                level: tianping_domain::Level::County,
                region_code: code.into(),
                region_path: format!("/33/3301/{code}/"),
                court_code: None,
            },
            Utc::now(),
        )
        .await
        .expect("org");
    }
    s.insert_org(
        &Org {
            id: "hz-proc".into(),
            parent_id: None,
            name: "杭州市人民检察院".into(),
            kind: AgencyKind::Procuratorate,
            level: tianping_domain::Level::City,
            region_code: "3301".into(),
            region_path: "/33/3301/".into(),
            court_code: None,
        },
        Utc::now(),
    )
    .await
    .expect("org");
    add_user(
        s,
        "city_prosecutor",
        "hz-proc",
        Role::CaseOffice,
        Clearance::default(),
    )
    .await;
    add_user(
        s,
        "justice",
        "sc-justice",
        Role::JusticeAdmin,
        Clearance::default(),
    )
    .await;
    add_user(
        s,
        "lay1",
        "sc-justice",
        Role::PeopleSupervisor,
        Clearance::default(),
    )
    .await;
    add_user(
        s,
        "lay2",
        "sc-justice",
        Role::PeopleSupervisor,
        Clearance::default(),
    )
    .await;
    add_user(
        s,
        "lay3",
        "sc-justice",
        Role::PeopleSupervisor,
        Clearance::default(),
    )
    .await;
    add_user(
        s,
        "prosecutor",
        "sc-proc",
        Role::DivisionChief,
        Clearance::default(),
    )
    .await;
    add_user(
        s,
        "xh_prosecutor",
        "xh-proc",
        Role::DivisionChief,
        Clearance::default(),
    )
    .await;
    add_user(
        s,
        "auditor",
        "zj-court",
        Role::Auditor,
        Clearance::default(),
    )
    .await;
    let t0 = bj("2026-04-01T09:00:00");
    for u in ["lay1", "lay2", "prosecutor"] {
        let id = s.user_by_username(u).await.expect("ok").expect("user").id;
        s.set_notification_preferences(id, Some(&format!("{u}@example.test")), "immediately", t0)
            .await
            .expect("mail");
    }
    let app0 = app(s, t0);
    let justice = Client::as_user(&app0, "justice").await;

    // Appointment: each refusal names its field and nothing is stored.
    let r = appoint(
        &justice,
        "连任者",
        "1980-01-01",
        "330102198001010018",
        "本科",
        "法律",
        "3",
        "",
        &[],
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "[{label}]");
    assert!(
        r.body.contains("连续任职不得超过 2 届"),
        "[{label}] {}",
        r.body
    );
    let r = appoint(
        &justice,
        "年轻人",
        "2004-06-01",
        "330102200406010016",
        "初中",
        "",
        "1",
        "",
        &[("bars", "criminal_punishment"), ("serving_staff", "on")],
    )
    .await;
    for why in [
        "年满 23 周岁",
        "高中以上学历",
        "在职工作人员",
        "曾因犯罪受过刑事处罚",
    ] {
        assert!(r.body.contains(why), "[{label}] {why}: {}", r.body);
    }
    let r = appoint(
        &justice,
        "错号",
        "1980-01-01",
        "330102198001010012",
        "本科",
        "",
        "1",
        "",
        &[],
    )
    .await;
    assert!(
        r.body.contains("身份证号“330102198001010012”无效"),
        "[{label}]"
    );
    let r = appoint(
        &justice,
        "错号",
        "1980-01-01",
        "330102198001010018",
        "本科",
        "",
        "1",
        "",
        &[("phone", "0571-8700123")],
    )
    .await;
    assert!(
        r.body.contains("手机号码“0571-8700123”无效"),
        "[{label}] {}",
        r.body
    );
    let r = appoint(
        &justice,
        "他人账号",
        "1980-01-01",
        "330102198001010018",
        "本科",
        "",
        "1",
        "prosecutor",
        &[],
    )
    .await;
    assert!(
        r.body.contains("本单位没有角色为人民监督员的账号"),
        "[{label}]"
    );
    assert!(
        s.supervisors("/").await.expect("ok").is_empty(),
        "[{label}]"
    );

    // Five appointed: three with legal expertise (two log in themselves), two others.
    let people = [
        ("钱律师", "330102198001010018", "法律", "lay1"),
        ("孙教授", "330102197505050027", "法律、财会", "lay2"),
        ("李会计", "330102197306060011", "财会", ""),
        ("周医生", "330102198207070016", "医学", "lay3"),
        ("吴法务", "330102198508080015", "法律", ""),
    ];
    let mut ids = vec![];
    for (name, id, exp, user) in people {
        let r = appoint(
            &justice,
            name,
            "1980-01-01",
            id,
            "本科",
            exp,
            "1",
            user,
            &[],
        )
        .await;
        assert_eq!(
            r.status,
            StatusCode::SEE_OTHER,
            "[{label}] {name}: {}",
            r.body
        );
        ids.push(created(&r));
    }
    let r = appoint(
        &justice,
        "重复",
        "1980-01-01",
        "330102198001010018",
        "本科",
        "",
        "1",
        "",
        &[],
    )
    .await;
    assert!(r.body.contains("已有在任人民监督员档案"), "[{label}]");
    let list = justice.get("/supervisors").await;
    assert!(list.body.contains("在任 5 人"), "[{label}]");
    assert!(list.body.contains("2030-12-31"), "[{label}] five-year term");

    // The procuratorate asks; the justice bureau may not.
    let pros = Client::as_user(&app0, "prosecutor").await;
    let request = |kind: &'static str, starts: &'static str, required: &'static str| {
        vec![
            ("kind", kind),
            ("title", "张某某拟不起诉案公开审查"),
            ("starts_at", starts),
            ("place", "上城区人民检察院听证室"),
            ("required", required),
            ("expertise", "法律"),
            ("case_number", ""),
            ("summary", "犯罪嫌疑人张某某涉嫌盗窃，拟作相对不起诉。"),
        ]
    };
    let r = post_form(
        &pros,
        "/supervisor-activities",
        &request("nonsense", "2026-04-08T09:30", "2"),
    )
    .await;
    assert!(r.body.contains("请选择监督活动类别"), "[{label}]");
    let r = post_form(
        &pros,
        "/supervisor-activities",
        &request("hearing_non_prosecution", "2026-03-08T09:30", "2"),
    )
    .await;
    assert!(r.body.contains("活动时间应晚于现在"), "[{label}]");
    let r = post_form(
        &pros,
        "/supervisor-activities",
        &request("hearing_non_prosecution", "2026-04-08T09:30", "2"),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "[{label}] {}", r.body);
    let activity = created(&r);
    // A mandatory hearing nobody draws for: flagged once held.
    let r = post_form(
        &pros,
        "/supervisor-activities",
        &request("hearing_detention", "2026-04-05T09:30", "1"),
    )
    .await;
    let forgotten = created(&r);
    let r = post_form(
        &justice,
        "/supervisor-activities",
        &request("hearing_non_prosecution", "2026-04-08T09:30", "2"),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "[{label}]");
    // The same through the API, with stable error codes.
    let body = |kind: &str| {
        json!({"kind": kind, "title": "检察建议公开宣告", "starts_at": "2026-04-20T10:00", "place": "第二会议室",
               "required": 2, "summary": "拟向有关部门制发检察建议。"})
    };
    let r = pros
        .post_json("/api/v1/supervisor-activities", &body("nonsense"))
        .await;
    assert_eq!(
        (r.status, r.code().as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, "invalid_kind"),
        "[{label}]"
    );
    assert_eq!(r.json()["error"]["details"]["field"], "kind", "[{label}]");
    let r = pros
        .post_json("/api/v1/supervisor-activities", &body("recommendation"))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "[{label}] {}", r.body);
    let r = justice
        .post_json("/api/v1/supervisor-activities", &body("recommendation"))
        .await;
    assert_eq!(r.code(), "forbidden", "[{label}]");
    let listed = pros.get("/api/v1/supervisor-activities").await.json();
    assert_eq!(
        listed["items"].as_array().map(Vec::len),
        Some(3),
        "[{label}] {listed}"
    );
    // Another district's procuratorate does not see it.
    let xh = Client::as_user(&app0, "xh_prosecutor").await;
    assert_eq!(
        xh.get(&format!("/supervisor-activities/{activity}"))
            .await
            .status,
        StatusCode::NOT_FOUND,
        "[{label}]"
    );

    // The setup: the pool is the three with legal expertise; two to draw, one alternate; the
    // bureau and the procuratorate commit to numbers, and a public lottery follows.
    let page = justice
        .get(&format!("/supervisor-activities/{activity}"))
        .await;
    let draw_label = format!("人民监督员抽选-{activity}-1");
    assert!(page.body.contains(&draw_label), "[{label}]");
    for (name, ..) in &people {
        let legal = ["钱律师", "孙教授", "吴法务"].contains(name);
        assert_eq!(
            page.body.contains(name),
            legal,
            "[{label}] {name} in the pool"
        );
    }
    let c_bureau = commitment(&draw_label, "上城区司法局", "4711");
    let c_pros = commitment(&draw_label, "上城区人民检察院", "0815");
    let r = post_form(
        &justice,
        &format!("/supervisor-activities/{activity}/draw"),
        &[
            ("alternates", "1"),
            ("public", "中国福利彩票3D第2026088期开奖号码"),
            ("party_1", "上城区司法局"),
            ("commitment_1", &c_bureau),
            ("party_2", "上城区人民检察院"),
            ("commitment_2", &c_pros),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "[{label}] {}", r.body);
    let draws = s.supervisor_draws(activity).await.expect("ok");
    assert_eq!(draws.len(), 1);
    let d = draws[0].id;
    assert_eq!(draws[0].state, "awaiting");
    // A second setup while this one waits is refused.
    let r = post_form(
        &justice,
        &format!("/supervisor-activities/{activity}/draw"),
        &[("alternates", "1"), ("public", "另一期")],
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "[{label}]");
    assert_eq!(s.supervisor_draws(activity).await.expect("ok").len(), 1);

    let values = format!("/supervisor-draws/{d}/values");
    let r = post_form(
        &justice,
        &values,
        &[
            ("what", "reveal"),
            ("party", "上城区人民检察院"),
            ("number", "816"),
        ],
    )
    .await;
    assert!(
        r.body.contains("与其事先提交的承诺值不符"),
        "[{label}] {}",
        r.body
    );
    let r = post_form(
        &pros,
        &values,
        &[
            ("what", "reveal"),
            ("party", "上城区人民检察院"),
            ("number", "0815"),
        ],
    )
    .await;
    assert_eq!(
        r.status,
        StatusCode::FORBIDDEN,
        "[{label}] only the bureau records values"
    );
    for (party, n) in [("上城区人民检察院", "0815"), ("上城区司法局", "4711")] {
        let r = post_form(
            &justice,
            &values,
            &[("what", "reveal"), ("party", party), ("number", n)],
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "[{label}] {}", r.body);
    }
    assert_eq!(
        s.supervisor_draw(d).await.expect("ok").expect("draw").state,
        "awaiting"
    );
    let r = post_form(
        &justice,
        &values,
        &[("what", "public"), ("source_no", "1"), ("numbers", "3 8 1")],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "[{label}] {}", r.body);
    let drawn = s.supervisor_draw(d).await.expect("ok").expect("draw");
    assert_eq!(drawn.state, "drawn", "[{label}]");
    let page = justice
        .get(&format!("/supervisor-activities/{activity}"))
        .await;
    assert!(page.body.contains("1.3.8./815.4711./"), "[{label}] the key");

    // Two invited, one alternate; the invited with a login were mailed.
    let inv = s.supervisor_invitations(activity).await.expect("ok");
    let states: Vec<&str> = inv.iter().map(|i| i.state.as_str()).collect();
    assert_eq!(states, ["invited", "invited", "alternate"], "[{label}]");
    // Each invited supervisor is also sent a text message (queued for the gateway, the bureau
    // told to phone until it went); the alternate is not, yet.
    let texts = s
        .invitation_texts(&inv.iter().map(|i| i.id).collect::<Vec<_>>())
        .await
        .expect("ok");
    assert!(
        texts.contains_key(&inv[0].id) && texts.contains_key(&inv[1].id),
        "[{label}] {texts:?}"
    );
    assert!(!texts.contains_key(&inv[2].id), "[{label}]");
    let queued = s.claim_texts(Utc::now(), 10).await.expect("claim");
    assert!(
        queued
            .iter()
            .any(|m| m.recipient == "13700000000" && m.body.contains("受邀于")),
        "[{label}] {queued:?}"
    );
    assert!(
        justice
            .get(&format!("/supervisor-activities/{activity}"))
            .await
            .body
            .contains("短信通知"),
        "[{label}]"
    );
    let login_of = |sid: i64| {
        people
            .iter()
            .zip(&ids)
            .find(|(_, id)| **id == sid)
            .map(|((_, _, _, u), _)| *u)
            .unwrap_or("")
    };
    for i in &inv {
        let user = login_of(i.supervisor_id);
        if user.is_empty() || i.state != "invited" {
            continue;
        }
        let uid = s
            .user_by_username(user)
            .await
            .expect("ok")
            .expect("user")
            .id;
        let mails = s.mails_to_user(uid, 10).await.expect("mails");
        assert!(
            mails
                .iter()
                .any(|m| m.body.contains("受邀于 2026年04月08日 09:30")),
            "[{label}] {user} told"
        );
    }

    // The bureau decides a recusal of the first pick: the alternate is sent (补派).
    let first = &inv[0];
    let act = |id: i64| format!("/supervisor-invitations/{id}/act");
    let r = post_form(
        &justice,
        &act(first.id),
        &[("act", "recuse"), ("reason", "")],
    )
    .await;
    assert!(r.body.contains("须写明理由"), "[{label}]");
    let r = post_form(
        &justice,
        &act(first.id),
        &[("act", "recuse"), ("reason", "系被不起诉人近亲属")],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "[{label}] {}", r.body);
    let inv = s.supervisor_invitations(activity).await.expect("ok");
    let states: Vec<&str> = inv.iter().map(|i| i.state.as_str()).collect();
    assert_eq!(states, ["recused", "invited", "invited"], "[{label}]");
    assert_eq!(inv[2].reason, "补派", "[{label}]");

    // Each invited answers: themselves when they log in, through the bureau otherwise; nobody
    // answers for another supervisor.
    let mut clients = std::collections::BTreeMap::new();
    for u in ["lay1", "lay2", "lay3"] {
        clients.insert(u, Client::as_user(&app0, u).await);
    }
    let lay3 = &clients["lay3"];
    assert_eq!(
        lay3.get(&format!("/supervisor-activities/{activity}"))
            .await
            .status,
        StatusCode::NOT_FOUND,
        "[{label}] a supervisor not drawn does not see the activity"
    );
    for i in &inv[1..] {
        let user = login_of(i.supervisor_id);
        let who = if user.is_empty() {
            &justice
        } else {
            &clients[user]
        };
        let other = if user == "lay1" { "lay2" } else { "lay1" };
        if !user.is_empty()
            && login_of(inv[1].supervisor_id) != other
            && login_of(inv[2].supervisor_id) != other
        {
            let r = post_form(&clients[other], &act(i.id), &[("act", "accept")]).await;
            assert_eq!(
                r.status,
                StatusCode::NOT_FOUND,
                "[{label}] not drawn: not seen"
            );
        }
        let r = post_form(who, &act(i.id), &[("act", "accept")]).await;
        assert_eq!(
            r.status,
            StatusCode::SEE_OTHER,
            "[{label}] {user}: {}",
            r.body
        );
    }
    // The day before the hearing those coming are reminded, once; not a week before.
    assert_eq!(
        s.remind_supervisors(t0).await.expect("remind"),
        0,
        "[{label}]"
    );
    let eve = bj("2026-04-07T12:00:00");
    assert_eq!(
        s.remind_supervisors(eve).await.expect("remind"),
        2,
        "[{label}]"
    );
    assert_eq!(
        s.remind_supervisors(eve).await.expect("remind"),
        0,
        "[{label}]"
    );
    let reminded = inv[1..]
        .iter()
        .map(|i| login_of(i.supervisor_id))
        .find(|u| !u.is_empty())
        .expect("a drawn supervisor logs in");
    let rid = s
        .user_by_username(reminded)
        .await
        .expect("ok")
        .expect("u")
        .id;
    assert!(
        s.mails_to_user(rid, 20)
            .await
            .expect("ok")
            .iter()
            .any(|m| m.body.contains("提醒：您将于 04月08日 09:30")),
        "[{label}] {reminded} reminded"
    );
    // Attendance waits for the activity.
    let r = post_form(&pros, &act(inv[1].id), &[("act", "attend")]).await;
    assert!(r.body.contains("活动尚未开始"), "[{label}]");

    // A week later: the hearing was held; the procuratorate records who came.
    let t1 = bj("2026-04-08T12:00:00");
    let app1 = app(s, t1);
    let pros = Client::as_user(&app1, "prosecutor").await;
    let justice = Client::as_user(&app1, "justice").await;
    for i in &inv[1..] {
        let r = post_form(&pros, &act(i.id), &[("act", "attend")]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "[{label}] {}", r.body);
    }
    let list = pros.get("/supervisor-activities").await;
    assert!(
        list.body.contains("已举行，2 名人民监督员到场"),
        "[{label}]"
    );
    assert_eq!(
        list.body.matches("应当邀请而无人民监督员参加").count(),
        1,
        "[{label}] only the hearing nobody drew for is flagged"
    );
    assert!(
        list.body
            .contains(&format!("/supervisor-activities/{forgotten}")),
        "[{label}]"
    );

    // A supervisor who attended files an opinion; the prosecutor is told and must answer.
    let author = inv[1..]
        .iter()
        .map(|i| login_of(i.supervisor_id))
        .find(|u| !u.is_empty())
        .expect("a drawn supervisor logs in");
    let lay = Client::as_user(&app1, author).await;
    let home = lay.get("/todo").await;
    assert!(
        home.body.contains("监督意见待提出"),
        "[{label}] {}",
        home.body
    );
    let r = post_form(
        &lay,
        &format!("/supervisor-activities/{activity}/opinions"),
        &[("content", " ")],
    )
    .await;
    assert!(r.body.contains("请填写监督意见"), "[{label}]");
    let r = post_form(
        &lay,
        &format!("/supervisor-activities/{activity}/opinions"),
        &[("content", "建议充分听取被害人意见后再作决定。")],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "[{label}] {}", r.body);
    let opinion = s.opinions_of_activity(activity).await.expect("ok")[0].clone();
    let pid = s
        .user_by_username("prosecutor")
        .await
        .expect("ok")
        .expect("u")
        .id;
    assert!(
        s.mails_to_user(pid, 10)
            .await
            .expect("ok")
            .iter()
            .any(|m| m.subject.contains("人民监督员意见待答复")),
        "[{label}] the prosecutor is told"
    );
    let todo = pros.get("/todo").await;
    assert!(todo.body.contains("人民监督员意见待答复"), "[{label}]");
    assert!(
        todo.body.contains("2026-05-08"),
        "[{label}] due thirty days on: {}",
        todo.body
    );

    let answer = format!("/supervisor-opinions/{}/answer", opinion.id);
    // The city procuratorate reads the district's activity but does not answer for it.
    let city = Client::as_user(&app1, "city_prosecutor").await;
    assert_eq!(
        city.get(&format!("/supervisor-activities/{activity}"))
            .await
            .status,
        StatusCode::OK,
        "[{label}]"
    );
    let r = post_form(&city, &answer, &[("answer", "adopted"), ("reason", "")]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "[{label}]");
    let r = post_form(&pros, &answer, &[("answer", "not_adopted"), ("reason", "")]).await;
    assert!(r.body.contains("不予采纳的，应当说明理由"), "[{label}]");
    let r = post_form(&lay, &answer, &[("answer", "adopted"), ("reason", "")]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "[{label}]");
    let r = post_form(
        &pros,
        &answer,
        &[
            ("answer", "partly_adopted"),
            ("reason", "已听取被害人意见，仍作不起诉。"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "[{label}] {}", r.body);
    let r = post_form(&pros, &answer, &[("answer", "adopted"), ("reason", "")]).await;
    assert!(r.body.contains("已经答复"), "[{label}]");
    let page = lay.get(&format!("/supervisor-activities/{activity}")).await;
    assert!(page.body.contains("部分采纳"), "[{label}]");
    assert!(
        !page.body.contains("关联案件"),
        "[{label}] no case link for a supervisor"
    );

    // A supervisor raises an opinion on their own initiative with their district's procuratorate
    // (not another district's); the procuratorate answers it like any other.
    let r = post_form(
        &lay,
        "/supervisor-activities/own",
        &[("org_id", "xh-proc"), ("title", "x"), ("content", "y")],
    )
    .await;
    assert!(r.body.contains("请选择本辖区的人民检察院"), "[{label}]");
    let r = post_form(
        &lay,
        "/supervisor-activities/own",
        &[
            ("org_id", "sc-proc"),
            ("title", "听证室无障碍设施"),
            ("content", "建议听证室增设无障碍通道。"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "[{label}] {}", r.body);
    let own = created(&r);
    let page = pros.get(&format!("/supervisor-activities/{own}")).await;
    assert!(
        page.body.contains("人民监督员主动提出") && page.body.contains("增设无障碍通道"),
        "[{label}]"
    );
    assert!(
        !page.body.contains("司法局尚未抽选"),
        "[{label}] nothing to draw"
    );
    assert!(
        pros.get("/todo").await.body.contains("听证室无障碍设施"),
        "[{label}]"
    );
    let r = pros
        .post_json("/api/v1/supervisor-activities", &json!({"kind": "own_initiative", "title": "t", "starts_at": "2026-05-01T09:00", "place": "p", "required": 1, "summary": "s"}))
        .await;
    assert_eq!(
        r.code(),
        "invalid_kind",
        "[{label}] the procuratorate does not ask for these"
    );

    // The file counts it: attended once, one opinion adopted in part.
    let sid = inv[1..]
        .iter()
        .find(|i| login_of(i.supervisor_id) == author)
        .expect("author")
        .supervisor_id;
    let file = justice.get(&format!("/supervisors/{sid}")).await;
    assert!(file.body.contains("参加 1 次"), "[{label}] {}", file.body);
    assert!(file.body.contains("采纳（含部分采纳）1 条"), "[{label}]");

    // The auditor re-checks the draw on its page and from the record.
    let auditor = Client::as_user(&app1, "auditor").await;
    let v = auditor.get(&format!("/supervisor-draws/{d}/verify")).await;
    assert!(v.body.contains("复核一致"), "[{label}] {}", v.body);
    let rec: Record = serde_json::from_str(
        &auditor
            .get(&format!("/api/v1/supervisor-draws/{d}"))
            .await
            .body,
    )
    .expect("record");
    assert_eq!(
        verify(&rec).expect("verifies").key,
        "1.3.8./815.4711./",
        "[{label}]"
    );
    let mut forged = rec.clone();
    forged.outcome.picks.swap(0, 1);
    assert!(
        verify(&forged).is_err(),
        "[{label}] a changed result is caught"
    );

    let cid = s
        .user_by_username("city_prosecutor")
        .await
        .expect("ok")
        .expect("u")
        .id;
    s.set_notification_preferences(cid, Some("city@hz.example"), "immediately", t1)
        .await
        .expect("prefs");
    // An opinion left unanswered past its day is reported to both sides, once.
    let r = post_form(
        &lay,
        &format!("/supervisor-activities/{activity}/opinions"),
        &[("content", "建议书面告知被不起诉人申诉权利。")],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "[{label}]");
    // (This one and the one raised on her own initiative.)
    let late = bj("2026-05-20T09:00:00");
    assert_eq!(
        s.escalate_overdue_opinions(late).await.expect("escalate"),
        2,
        "[{label}]"
    );
    assert_eq!(
        s.escalate_overdue_opinions(late).await.expect("escalate"),
        0,
        "[{label}]"
    );
    assert!(
        s.mails_to_user(pid, 20)
            .await
            .expect("ok")
            .iter()
            .any(|m| m.body.contains("至今未答复")),
        "[{label}] the prosecutor is told it is overdue"
    );
    let app2 = app(s, late);
    // (A new login ends the bureau's earlier session.)
    let justice = Client::as_user(&app2, "justice").await;
    let todo = justice.get("/todo").await;
    assert!(
        todo.body.contains("意见逾期未答复"),
        "[{label}] the bureau follows it up"
    );

    // The city procuratorate is told too, and raises it as a supervision item with the district
    // responsible — once; the district cannot raise its own.
    assert!(
        s.mails_to_user(cid, 20)
            .await
            .expect("ok")
            .iter()
            .any(|m| m.body.contains("至今未答复")),
        "[{label}] the procuratorate above is told"
    );
    let late_opinion = s.opinions_of_activity(activity).await.expect("ok")[1].clone();
    let supervise = format!("/supervisor-opinions/{}/supervise", late_opinion.id);
    let pros2 = Client::as_user(&app2, "prosecutor").await;
    let r = post_form(&pros2, &supervise, &[]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "[{label}]");
    let city2 = Client::as_user(&app2, "city_prosecutor").await;
    assert!(
        city2.get("/todo").await.body.contains("下级院未按期答复"),
        "[{label}] in the city's 待办"
    );
    let page = city2
        .get(&format!("/supervisor-activities/{activity}"))
        .await;
    assert!(
        page.body
            .contains(&format!("supervise-{}", late_opinion.id))
            && !page.body.contains(&format!("supervise-{}", opinion.id)),
        "[{label}] only the unanswered, overdue opinion may be raised"
    );
    let r = post_form(
        &city2,
        &format!("/supervisor-opinions/{}/supervise", opinion.id),
        &[],
    )
    .await;
    assert!(
        r.body.contains("已经答复，无需督办"),
        "[{label}] {}",
        r.body
    );
    let r = post_form(&city2, &supervise, &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "[{label}] {}", r.body);
    let item = created(&r);
    let row = s.item(item).await.expect("ok").expect("item");
    assert_eq!(row.source, "supervisor_opinion", "[{label}]");
    assert_eq!(
        row.responsible_org_id.as_deref(),
        Some("sc-proc"),
        "[{label}]"
    );
    assert!(
        row.description.contains("书面告知被不起诉人申诉权利"),
        "[{label}]"
    );
    let r = post_form(&city2, &supervise, &[]).await;
    assert!(r.body.contains("已立督办事项"), "[{label}] {}", r.body);
    assert!(
        !city2
            .get("/todo")
            .await
            .body
            .contains(&format!("opinion-{}", late_opinion.id)),
        "[{label}] raised: no longer waiting in the city's 待办"
    );
    let page = pros2
        .get(&format!("/supervisor-activities/{activity}"))
        .await;
    assert!(
        page.body.contains(&format!("/supervision/{item}")),
        "[{label}] the district sees the item on the opinion"
    );
    let page = pros2.get(&format!("/supervision/{item}")).await;
    assert_eq!(page.status, StatusCode::OK, "[{label}] and reads it");
    assert!(
        page.body.contains(&format!(
            "/supervisor-activities/{activity}#opinion-{}",
            late_opinion.id
        )),
        "[{label}] the item links back to the opinion"
    );

    // Training and admonitions go on file; a second admonition in the term calls for a decision.
    let records = format!("/supervisors/{}/records", ids[4]);
    let r = post_form(
        &justice,
        &records,
        &[
            ("kind", "training"),
            ("on", "2026-03-15"),
            ("note", "人民监督员履职能力培训"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "[{label}] {}", r.body);
    let r = post_form(
        &justice,
        &records,
        &[("kind", "admonition"), ("on", "2027-01-01"), ("note", "x")],
    )
    .await;
    assert!(
        r.body.contains("日期不能晚于今天"),
        "[{label}] {}",
        r.status
    );
    for on in ["2026-03-20", "2026-04-02"] {
        let r = post_form(
            &justice,
            &records,
            &[
                ("kind", "admonition"),
                ("on", on),
                ("note", "无正当理由不参加监督活动"),
            ],
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "[{label}] {}", r.body);
    }
    let file = justice.get(&format!("/supervisors/{}", ids[4])).await;
    assert!(file.body.contains("本届任期内已诫勉 2 次"), "[{label}]");
    assert!(
        justice
            .get("/todo")
            .await
            .body
            .contains("人民监督员待作免职决定"),
        "[{label}]"
    );

    // The annual assessment: 优秀 within its share (one of five), 不称职 removes and bars.
    let grade = |id: i64| format!("grade_{id}");
    let mut fields: Vec<(String, String)> = ids
        .iter()
        .map(|id| (grade(*id), "competent".to_string()))
        .collect();
    fields.push(("year".into(), "2026".into()));
    fields[0].1 = "excellent".into();
    fields[1].1 = "excellent".into();
    let r = post_form(&justice, "/supervisors/assessments", &as_refs(&fields)).await;
    assert!(r.body.contains("5 人中至多 1 人"), "[{label}] {}", r.body);
    fields[1].1 = "competent".into();
    fields[3].1 = "incompetent".into();
    let r = post_form(&justice, "/supervisors/assessments", &as_refs(&fields)).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "[{label}] {}", r.body);
    let barred = s.supervisor(ids[3]).await.expect("ok").expect("file");
    assert_eq!(
        (barred.status.as_str(), barred.barred),
        ("removed", 1),
        "[{label}]"
    );
    let report = justice.get("/supervisors/report?year=2026").await;
    assert!(report.body.contains("年度考核已完成"), "[{label}]");
    assert!(
        report.body.contains("不称职") && report.body.contains("优秀"),
        "[{label}]"
    );

    // The allowance for the year is paid against attendance: one activity earns one rate, no
    // more; the file and the report show what was paid.
    let rate = tianping_domain::people_supervisors::rules()
        .allowance
        .per_activity_yuan;
    let pay = format!("/supervisors/{sid}/allowances");
    let over = (rate + 1).to_string();
    let r = post_form(
        &justice,
        &pay,
        &[
            ("year", "2026"),
            ("amount", &over),
            ("paid_on", "2026-05-18"),
            ("pay_note", "转账凭证 0518-01"),
        ],
    )
    .await;
    assert!(
        r.body.contains(&format!("至多还可发放 {rate} 元")),
        "[{label}] {}",
        r.body
    );
    let r = post_form(
        &justice,
        &pay,
        &[
            ("year", "2026"),
            ("amount", "abc"),
            ("paid_on", "2026-05-18"),
            ("pay_note", "x"),
        ],
    )
    .await;
    assert!(r.body.contains("应为整数"), "[{label}]");
    let r = post_form(
        &justice,
        &pay,
        &[
            ("year", "2026"),
            ("amount", &rate.to_string()),
            ("paid_on", "2026-05-18"),
            ("pay_note", "转账凭证 0518-01"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "[{label}] {}", r.body);
    let file = justice.get(&format!("/supervisors/{sid}")).await;
    assert!(
        file.body.contains("转账凭证 0518-01") && file.body.contains("allowance-years"),
        "[{label}]"
    );
    let r = post_form(
        &justice,
        &pay,
        &[
            ("year", "2026"),
            ("amount", "1"),
            ("paid_on", "2026-05-19"),
            ("pay_note", "重复"),
        ],
    )
    .await;
    assert!(
        r.body.contains("至多还可发放 0 元"),
        "[{label}] paid in full"
    );
    let report = justice.get("/supervisors/report?year=2026").await;
    assert!(
        report.body.contains(&format!("{rate} 元</td></tr>")),
        "[{label}] the report shows it paid"
    );
    let lay2 = Client::as_user(&app2, "lay1").await;
    assert_eq!(
        post_form(
            &lay2,
            &pay,
            &[
                ("year", "2026"),
                ("amount", "1"),
                ("paid_on", "2026-05-18"),
                ("pay_note", "x")
            ]
        )
        .await
        .status,
        StatusCode::FORBIDDEN,
        "[{label}] a supervisor does not pay themselves"
    );

    // Removal for a failed assessment bars the person for good.
    let r = post_form(
        &justice,
        &format!("/supervisors/{}/remove", ids[2]),
        &[("reason", "2026年度考核不称职"), ("barred", "on")],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "[{label}] {}", r.body);
    let r = appoint(
        &justice,
        "李会计",
        "1980-01-01",
        "330102197306060011",
        "本科",
        "",
        "1",
        "",
        &[],
    )
    .await;
    assert!(r.body.contains("不得再任"), "[{label}] {}", r.body);
}

#[tokio::test]
async fn people_supervisors_from_appointment_to_answered_opinion_on_both_stores() {
    for db in TestDb::all().await.expect("databases") {
        story(&db).await;
        db.cleanup().await.expect("cleanup");
    }
}
