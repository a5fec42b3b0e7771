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

    // Issued: numbered in 〔〕, acknowledging the warning it came from.
    let issued = post("2026-03-10").await;
    assert_eq!(
        issued.status,
        StatusCode::SEE_OTHER,
        "[{label}] {}",
        issued.body
    );
    let letters = s.letters_of_case(case_id).await.expect("letters");
    assert_eq!(letters.len(), 1, "[{label}]");
    let l = &letters[0];
    assert_eq!(l.number, "浙0102审管督〔2026〕1号", "[{label}]");
    let (acked,): (Option<String>,) =
        sqlx::query_as("SELECT acknowledged_at FROM warnings WHERE id = $1")
            .bind(warning)
            .fetch_one(s.pool())
            .await
            .expect("warning");
    assert!(
        acked.is_some(),
        "[{label}] the letter acknowledged its warning"
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
    let other = Client::as_user(&app, "other").await;
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
    assert!(r.body.contains("已制发督办函 1 份"), "[{label}] {}", r.body);
    assert!(
        r.body.contains("浙0102审管督〔2026〕2号"),
        "[{label}] {}",
        r.body
    );
    assert!(
        r.body.contains("/warnings?category=overdue"),
        "[{label}] back to the same board"
    );
    let letters = s.letters_of_case(case_id).await.expect("letters");
    assert_eq!(letters.len(), 2, "[{label}] one letter for the case");
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
