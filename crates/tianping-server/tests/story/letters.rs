//! A 督办函 from the board to the case, as a 公文: the form offers the defaults a case office types
//! (主送机关, a reply deadline a week out), keeps everything typed when a field is refused and says
//! why next to it, and the issued letter reads — on the page and in the Word document — with its
//! number in 〔〕, the title, 主送机关, the clocks' due dates and citations in Chinese, the reply
//! deadline and the date written 2026年3月3日. A reader without the case's clearance sees neither
//! page nor document of another court's letter.

use crate::common::*;
use std::io::Read;
use tianping_store::Actor;

const CASE: &str = "（2025）浙0102民初1号";

fn docx_text(r: &Resp) -> String {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(&r.bytes)).expect("a docx is a zip");
    let mut doc = String::new();
    zip.by_name("word/document.xml")
        .expect("document part")
        .read_to_string(&mut doc)
        .expect("xml");
    doc
}

/// Where a redirect goes.
fn location(r: &Resp) -> String {
    r.headers
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string()
}

/// The (kind, link) of each task on the person's 待办.
async fn todo(c: &Client) -> Vec<(String, String)> {
    let t = c.get("/api/v1/me/todo").await.json();
    t["items"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|i| {
                    (
                        i["kind"].as_str().unwrap_or("").to_string(),
                        i["link"].as_str().unwrap_or("").to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// A form posted with the session's CSRF token.
async fn post_form(c: &Client, path: String, fields: &[(&str, &str)]) -> Resp {
    let mut f = vec![("csrf", c.csrf.as_str())];
    f.extend_from_slice(fields);
    c.send(
        "POST",
        &path,
        Some(form(&f)),
        false,
        "application/x-www-form-urlencoded",
    )
    .await
}

/// 批量发函 of the chosen warnings, as the board's form posts it.
async fn bulk(c: &Client, ids: Vec<i64>) -> Resp {
    let mut f: Vec<(String, String)> = vec![
        ("csrf".into(), c.csrf.clone()),
        ("kind".into(), "supervision".into()),
        ("back".into(), "/warnings?category=overdue".into()),
    ];
    f.extend(ids.into_iter().map(|i| ("ids".to_string(), i.to_string())));
    let pairs: Vec<(&str, &str)> = f.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    c.send(
        "POST",
        "/warnings/letters",
        Some(form(&pairs)),
        false,
        "application/x-www-form-urlencoded",
    )
    .await
}

async fn story(db: &TestDb) {
    let s = &db.store;
    let label = db.label;
    load_fixture_orgs(s).await.expect("orgs");
    add_user(
        s,
        "office",
        "sc-court",
        Role::CaseOffice,
        Clearance::default(),
    )
    .await;
    s.insert_user(
        &tianping_store::user::NewUser {
            username: "pres".into(),
            display_name: "周院长".into(),
            org_id: "sc-court".into(),
            role: Role::President,
            clearance: Clearance::default(),
            email: Some("pres@court.example".into()),
            password_hash: tianping_server::auth::hash_password(PW).expect("hash"),
        },
        Utc::now(),
    )
    .await
    .expect("president");
    add_user(
        s,
        "other",
        "xh-court",
        Role::CaseOffice,
        Clearance::default(),
    )
    .await;
    let lines = vec![
        ev(
            "c1",
            CASE,
            "2025-01-02T09:00:00+08:00",
            "filed",
            json!({"cause": "买卖合同纠纷"}),
        ),
        ev(
            "c2",
            CASE,
            "2025-01-03T09:00:00+08:00",
            "assigned",
            json!({"judge": "王法官"}),
        ),
    ];
    // 2026-03-03 10:00 Beijing time.
    let now = Utc
        .with_ymd_and_hms(2026, 3, 3, 2, 0, 0)
        .single()
        .expect("date");
    let r = s
        .ingest(&numbered(lines), &Actor::system("t"), now)
        .await
        .expect("ingest");
    assert!(r.rejected.is_empty(), "[{label}] {:?}", r.rejected);
    s.poll(now, 1000).await.expect("poll");
    let (case_id,): (i64,) = sqlx::query_as("SELECT id FROM cases")
        .fetch_one(s.pool())
        .await
        .expect("case");
    let (warning,): (i64,) = sqlx::query_as("SELECT id FROM warnings WHERE category = 'overdue'")
        .fetch_one(s.pool())
        .await
        .expect("warning");

    let app = app(s, now);
    let office = Client::as_user(&app, "office").await;

    // From the board: the form with the warning attached and the defaults filled in.
    let page = office
        .get(&format!(
            "/cases/{case_id}/letters/new?warning_id={warning}&kind=supervision"
        ))
        .await;
    assert_eq!(page.status, StatusCode::OK, "[{label}] {}", page.body);
    assert!(
        page.body.contains("本院承办部门（承办人：王法官）"),
        "[{label}]"
    );
    assert!(
        page.body.contains(r#"value="2026-03-10""#),
        "[{label}] a week out"
    );
    assert!(
        page.body
            .contains(r#"<option value="supervision" selected>"#),
        "[{label}]"
    );

    // A deadline in the past: refused on the same page, the error at the field, the words kept.
    let words = "请于五日内说明超期原因。";
    let post = |reply_by: &'static str| {
        let office = &office;
        async move {
            office
                .send(
                    "POST",
                    &format!("/cases/{case_id}/letters"),
                    Some(form(&[
                        ("csrf", &office.csrf),
                        ("kind", "supervision"),
                        ("warning_id", &warning.to_string()),
                        ("addressee", "本院民事审判第一庭"),
                        ("reply_by", reply_by),
                        ("body", words),
                    ])),
                    false,
                    "application/x-www-form-urlencoded",
                )
                .await
        }
    };
    let refused = post("2026-03-01").await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "[{label}]"
    );
    assert!(
        refused.body.contains(r#"<span class="field-error" id="reply-by-error">反馈期限2026年3月1日不能早于明天</span>"#),
        "[{label}] {}",
        refused.body
    );
    assert!(refused.body.contains(words), "[{label}] the body kept");
    assert!(
        refused.body.contains(r#"value="本院民事审判第一庭""#),
        "[{label}]"
    );
    assert!(refused.body.contains(r#"value="2026-03-01""#), "[{label}]");
    assert_eq!(
        s.letters_of_case(case_id).await.expect("letters").len(),
        0,
        "[{label}] nothing issued"
    );
    // Through the API the same refusal is a stable code naming the field.
    let api = office
        .post_json(
            &format!("/api/v1/cases/{case_id}/letters"),
            &json!({"kind": "supervision", "reply_by": "下周五"}),
        )
        .await;
    assert_eq!(api.status, StatusCode::UNPROCESSABLE_ENTITY, "[{label}]");
    assert_eq!(api.code(), "invalid_reply_by", "[{label}]");
    assert_eq!(
        api.json()["error"]["details"]["field"],
        "reply_by",
        "[{label}]"
    );

    // A 督办函 speaks for the court: the office's goes to the president as a draft (送签稿),
    // acknowledging the warning it came from; nothing is numbered yet.
    let drafted = post("2026-03-10").await;
    assert_eq!(
        drafted.status,
        StatusCode::SEE_OTHER,
        "[{label}] {}",
        drafted.body
    );
    let draft_url = location(&drafted);
    assert!(
        draft_url.starts_with("/letters/drafts/"),
        "[{label}] {draft_url}"
    );
    assert!(
        s.letters_of_case(case_id)
            .await
            .expect("letters")
            .is_empty()
    );
    let (acked,): (Option<String>,) =
        sqlx::query_as("SELECT acknowledged_at FROM warnings WHERE id = $1")
            .bind(warning)
            .fetch_one(s.pool())
            .await
            .expect("warning");
    assert!(
        acked.is_some(),
        "[{label}] the draft acknowledged its warning"
    );
    let president = Client::as_user(&app, "pres").await;
    let (pres_id,): (i64,) = sqlx::query_as("SELECT id FROM users WHERE username = 'pres'")
        .fetch_one(s.pool())
        .await
        .expect("president id");
    let (told,): (i64,) = sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM task_notices WHERE user_id = $1 AND line LIKE '函件待签发%') \
         + (SELECT COUNT(*) FROM outbox WHERE user_id = $1 AND subject LIKE '【待办】函件待签发%')",
    )
    .bind(pres_id)
    .fetch_one(s.pool())
    .await
    .expect("told");
    assert_eq!(
        told, 1,
        "[{label}] the president is told of the letter to sign"
    );
    assert!(
        todo(&president)
            .await
            .contains(&("sign_letter".to_string(), draft_url.clone())),
        "[{label}] the draft waits on the president's 待办"
    );
    // The office cannot sign its own draft; another court's office does not see it.
    let r = post_form(&office, format!("{draft_url}/sign"), &[]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "[{label}]");
    let other = Client::as_user(&app, "other").await;
    assert_eq!(
        other.get(&draft_url).await.status,
        StatusCode::NOT_FOUND,
        "[{label}]"
    );
    // The president sees the letter as it would go out today, and returns it: a note is needed.
    let page = president.get(&draft_url).await;
    assert_eq!(page.status, StatusCode::OK, "[{label}]");
    for want in [
        words,
        "届满日 2025年7月2日",
        "（签发时编号）",
        "id=\"sign-draft\"",
    ] {
        assert!(
            page.body.contains(want),
            "[{label}] draft page lacks {want}"
        );
    }
    let r = post_form(&president, format!("{draft_url}/return"), &[("note", "  ")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "[{label}]");
    assert!(r.body.contains("请写明退回意见"), "[{label}] {}", r.body);
    let r = post_form(
        &president,
        format!("{draft_url}/return"),
        &[("note", "请写明承办人及超期天数")],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "[{label}] {}", r.body);
    assert!(
        !todo(&president)
            .await
            .iter()
            .any(|(k, _)| k == "sign_letter"),
        "[{label}]"
    );
    assert!(
        todo(&office)
            .await
            .contains(&("redraft_letter".to_string(), draft_url.clone())),
        "[{label}] the returned draft waits on the drafter's 待办"
    );
    // Drafted again from the returned one: the form starts from what was typed.
    let draft_id = draft_url.trim_start_matches("/letters/drafts/").to_string();
    let again = office
        .get(&format!(
            "/cases/{case_id}/letters/new?kind=supervision&from_draft={draft_id}"
        ))
        .await;
    assert!(again.body.contains(words), "[{label}] {}", again.body);
    assert!(
        again.body.contains(r#"value="本院民事审判第一庭""#),
        "[{label}]"
    );
    let drafted = post("2026-03-10").await;
    let draft_url = location(&drafted);
    assert!(
        !todo(&office)
            .await
            .iter()
            .any(|(k, _)| k == "redraft_letter"),
        "[{label}]"
    );
    // Signed: numbered in 〔〕 now, the drafter and signer named.
    let r = post_form(&president, format!("{draft_url}/sign"), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "[{label}] {}", r.body);
    let again = post_form(&president, format!("{draft_url}/sign"), &[]).await;
    assert_eq!(again.status, StatusCode::CONFLICT, "[{label}] signed once");
    let letters = s.letters_of_case(case_id).await.expect("letters");
    assert_eq!(letters.len(), 1, "[{label}]");
    let l = &letters[0];
    assert_eq!(location(&r), format!("/letters/{}", l.id), "[{label}]");
    assert_eq!(l.number, "浙0102审管督〔2026〕1号", "[{label}]");
    assert!(
        office
            .get(&format!("/letters/{}", l.id))
            .await
            .body
            .contains("（拟稿人：office-name；签发人：周院长；"),
        "[{label}]"
    );

    let page = office.get(&format!("/letters/{}", l.id)).await;
    assert_eq!(page.status, StatusCode::OK, "[{label}]");
    for want in [
        "浙0102审管督〔2026〕1号",
        "关于（2025）浙0102民初1号案件办理期限的督办函",
        "本院民事审判第一庭：",
        words,
        "届满日 2025年7月2日",
        "《中华人民共和国民事诉讼法》",
        "于2026年3月10日前将办理情况书面反馈",
        "2026年3月3日",
        "下载 Word 文书",
    ] {
        assert!(
            page.body.contains(want),
            "[{label}] page lacks {want}: {}",
            page.body
        );
    }

    let doc = office.get(&format!("/letters/{}.docx", l.id)).await;
    assert_eq!(doc.status, StatusCode::OK, "[{label}]");
    let ct = doc
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    assert!(ct.contains("wordprocessingml"), "[{label}] {ct}");
    let cd = doc
        .headers
        .get(header::CONTENT_DISPOSITION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    assert!(
        cd.starts_with("attachment;") && cd.contains("filename*=UTF-8''"),
        "[{label}] {cd}"
    );
    let xml = docx_text(&doc);
    for want in [
        "浙0102审管督〔2026〕1号",
        "关于（2025）浙0102民初1号案件办理期限的督办函",
        "本院民事审判第一庭：",
        words,
        "2026年3月3日",
        r#"w:color w:val="C00000""#,
    ] {
        assert!(xml.contains(want), "[{label}] document lacks {want}");
    }

    // Another court's case office sees neither the letter nor its document, nor the form.
    for path in [
        format!("/letters/{}", l.id),
        format!("/letters/{}.docx", l.id),
    ] {
        let r = other.get(&path).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "[{label}] {path}");
        assert!(!r.body.contains(words), "[{label}]");
    }
    let form_page = other.get(&format!("/cases/{case_id}/letters/new")).await;
    assert!(
        matches!(
            form_page.status,
            StatusCode::FORBIDDEN | StatusCode::NOT_FOUND
        ),
        "[{label}] {}",
        form_page.status
    );

    // 批量发函 from the board: every warning of the case chosen gives one letter for the case
    // (the next number), each acknowledging its warning; another court's warning is refused by
    // name, and another court's office issues nothing here.
    let all: Vec<(i64,)> = sqlx::query_as("SELECT id FROM warnings ORDER BY id")
        .fetch_all(s.pool())
        .await
        .expect("warnings");
    let ids: Vec<i64> = all.iter().map(|w| w.0).collect();
    assert!(!ids.is_empty(), "[{label}]");
    let r = bulk(&other, ids.clone()).await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "[{label}] {}",
        r.body
    );
    assert!(r.body.contains("未制发"), "[{label}] {}", r.body);
    assert_eq!(s.letters_of_case(case_id).await.expect("letters").len(), 1);
    let r = bulk(&office, ids).await;
    assert_eq!(r.status, StatusCode::OK, "[{label}] {}", r.body);
    assert!(
        r.body.contains("督办函 1 份已送院领导签发"),
        "[{label}] {}",
        r.body
    );
    assert!(
        r.body.contains("/warnings?category=overdue"),
        "[{label}] back to the same board"
    );
    let pending: Vec<_> = s
        .drafts_of_case(case_id)
        .await
        .expect("drafts")
        .into_iter()
        .filter(|d| d.state == "pending")
        .collect();
    assert_eq!(pending.len(), 1, "[{label}] one draft for the case");
    // A president issues a 督办函 without another's signature: numbered at once.
    let all: Vec<(i64,)> = sqlx::query_as("SELECT id FROM warnings ORDER BY id")
        .fetch_all(s.pool())
        .await
        .expect("warnings");
    let r = bulk(&president, all.iter().map(|w| w.0).collect()).await;
    assert!(
        r.body.contains("浙0102审管督〔2026〕2号"),
        "[{label}] {}",
        r.body
    );
    let (open,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM warnings WHERE acknowledged_at IS NULL")
            .fetch_one(s.pool())
            .await
            .expect("open");
    assert!(
        open < all.len() as i64,
        "[{label}] the letter acknowledged a warning"
    );
}

#[tokio::test]
async fn a_letter_is_a_document_fit_to_send_on_both_stores() {
    for db in TestDb::all().await.expect("databases") {
        story(&db).await;
        db.cleanup().await.expect("cleanup");
    }
}
