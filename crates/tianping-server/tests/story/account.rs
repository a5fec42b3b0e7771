//! A person changes their own password: a refusal is shown at its field on the account page (and
//! as a stable code through the API), nothing changes until every rule holds; then the new password
//! logs in, the old one does not, the person's other logins end and the one they used stays.
//! Guessing the current password through an open session stops after a few tries.

use crate::common::*;

async fn story(db: &TestDb) {
    let s = &db.store;
    let label = db.label;
    load_fixture_orgs(s).await.expect("orgs");
    add_user(s, "judge", "sc-court", Role::Judge, Clearance::default()).await;
    add_user(s, "judge2", "sc-court", Role::Judge, Clearance::default()).await;
    let now = Utc
        .with_ymd_and_hms(2026, 3, 3, 2, 0, 0)
        .single()
        .expect("date");
    let app = app(s, now);
    let here = Client::as_user(&app, "judge").await;
    let elsewhere = Client::as_user(&app, "judge").await;

    let post = |current: &str, new: &str, repeat: &str| {
        here.send(
            "POST",
            "/account/security/password",
            Some(form(&[
                ("csrf", &here.csrf),
                ("current_password", current),
                ("new_password", new),
                ("repeat_password", repeat),
            ])),
            false,
            "application/x-www-form-urlencoded",
        )
    };
    let new_pw = "Shangcheng-2026-spring";
    for (current, new, repeat, field, words) in [
        (
            "not-mine-at-all",
            new_pw,
            new_pw,
            "current-password-error",
            "当前密码不正确",
        ),
        (
            PW,
            "short",
            "short",
            "new-password-error",
            "新密码至少 10 个字符",
        ),
        (
            PW,
            "my-judge-pass-1",
            "my-judge-pass-1",
            "new-password-error",
            "新密码不能包含用户名",
        ),
        (
            PW,
            new_pw,
            "Shangcheng-2026-sprin",
            "repeat-password-error",
            "两次输入的新密码不一致",
        ),
    ] {
        let r = post(current, new, repeat).await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "[{label}] {words}"
        );
        assert!(
            r.body.contains(&format!(r#"id="{field}">{words}"#)),
            "[{label}] {words} at {field}"
        );
        // Passwords typed are never written back into the page.
        assert!(
            !r.body.contains(new) && !r.body.contains(current),
            "[{label}]"
        );
    }
    // Nothing changed: the old password still logs in.
    let (_, r) = Client::login(&app, "judge", PW).await;
    assert_eq!(r.status, StatusCode::OK, "[{label}]");

    let r = post(PW, new_pw, new_pw).await;
    assert_eq!(r.status, StatusCode::OK, "[{label}] {}", r.body);
    assert!(r.body.contains("密码已修改"), "[{label}]");
    assert!(
        r.body.contains("其他地方的 2 个登录已退出"),
        "[{label}] {}",
        r.body
    );
    let (_, r) = Client::login(&app, "judge", PW).await;
    assert_eq!(
        r.status,
        StatusCode::UNAUTHORIZED,
        "[{label}] the old password"
    );
    let (_, r) = Client::login(&app, "judge", new_pw).await;
    assert_eq!(r.status, StatusCode::OK, "[{label}] the new password");
    assert_eq!(
        here.get("/api/v1/me").await.status,
        StatusCode::OK,
        "[{label}]"
    );
    assert_eq!(
        elsewhere.get("/api/v1/me").await.status,
        StatusCode::UNAUTHORIZED,
        "[{label}] the other login ended"
    );

    // The API (another judge: five tries a minute each): a stable code naming the field; then
    // the limit on guesses.
    let fresh = Client::as_user(&app, "judge2").await;
    let r = fresh
        .post_json(
            "/api/v1/me/password",
            &json!({"current_password": PW, "new_password": PW}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "[{label}]");
    assert_eq!(r.code(), "password_rejected", "[{label}]");
    assert_eq!(
        r.json()["error"]["details"]["field"],
        "new_password",
        "[{label}]"
    );
    let mut limited = false;
    for _ in 0..6 {
        let r = fresh
            .post_json(
                "/api/v1/me/password",
                &json!({"current_password": "guess-guess-1", "new_password": "Another-pass-2026"}),
            )
            .await;
        if r.status == StatusCode::TOO_MANY_REQUESTS {
            limited = true;
            break;
        }
        assert_eq!(r.code(), "wrong_password", "[{label}]");
    }
    assert!(limited, "[{label}] guesses are limited");
}

#[tokio::test]
async fn a_person_changes_their_own_password_on_both_stores() {
    for db in TestDb::all().await.expect("databases") {
        story(&db).await;
        db.cleanup().await.expect("cleanup");
    }
}
