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

async fn reset(c: &Client, user: &str, new: &str, repeat: &str) -> Resp {
    c.send(
        "POST",
        &format!("/admin/users/{user}/password"),
        Some(form(&[
            ("csrf", &c.csrf),
            ("new_password", new),
            ("repeat_password", repeat),
        ])),
        false,
        "application/x-www-form-urlencoded",
    )
    .await
}

/// The system administrator helps someone locked out or without their password: lifts the lock,
/// or sets a temporary password that ends every login of theirs and must be replaced before
/// anything else. The security administrator does neither, nobody does it to their own account,
/// and the auditor reads both acts.
async fn administrators_help(db: &TestDb) {
    let s = &db.store;
    let label = db.label;
    load_fixture_orgs(s).await.expect("orgs");
    add_user(s, "judge", "sc-court", Role::Judge, Clearance::default()).await;
    add_user(s, "admin", "zj-court", Role::Sysadmin, Clearance::default()).await;
    add_user(s, "sec", "zj-court", Role::Secadmin, Clearance::default()).await;
    let now = Utc
        .with_ymd_and_hms(2026, 3, 3, 2, 0, 0)
        .single()
        .expect("date");
    let app = app(s, now);
    let admin = Client::as_user(&app, "admin").await;
    let sec = Client::as_user(&app, "sec").await;
    let judge = Client::as_user(&app, "judge").await;

    // Five wrong passwords lock the judge out (from this client); the list says so and offers
    // the system administrator 解除锁定.
    for _ in 0..5 {
        let (_, r) = Client::login(&app, "judge", "not-the-password").await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "[{label}]");
    }
    let (_, r) = Client::login(&app, "judge", PW).await;
    assert_ne!(r.status, StatusCode::OK, "[{label}] locked");
    let page = admin.get("/admin/users").await;
    assert!(page.body.contains("已锁定"), "[{label}]");
    assert!(
        page.body.contains("/admin/users/judge/unlock"),
        "[{label}] the system administrator is offered the unlock"
    );
    assert!(
        !sec.get("/admin/users")
            .await
            .body
            .contains("/admin/users/judge/unlock"),
        "[{label}] the security administrator is not"
    );
    assert_eq!(
        sec.post_json("/api/v1/admin/users/judge/unlock", &json!({}))
            .await
            .status,
        StatusCode::FORBIDDEN,
        "[{label}]"
    );
    let r = admin
        .send(
            "POST",
            "/admin/users/judge/unlock",
            Some(form(&[("csrf", &admin.csrf)])),
            false,
            "application/x-www-form-urlencoded",
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "[{label}] {}", r.body);
    assert!(r.body.contains("已解除“judge”的登录锁定"), "[{label}]");
    let (_, r) = Client::login(&app, "judge", PW).await;
    assert_eq!(r.status, StatusCode::OK, "[{label}] unlocked");

    // A temporary password: refused at its field when it breaks the rules (nothing typed shown
    // again), for the security administrator, and for one's own account.
    let temp = "Temp-Reset-2026";
    let r = reset(&admin, "judge", "judge-12345678", "judge-12345678").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "[{label}]");
    assert!(r.body.contains("新密码不能包含用户名"), "[{label}]");
    assert!(!r.body.contains("judge-12345678"), "[{label}]");
    let r = reset(&admin, "judge", temp, "Temp-Reset-2025").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "[{label}]");
    assert!(r.body.contains("两次输入的新密码不一致"), "[{label}]");
    assert_eq!(
        reset(&sec, "judge", temp, temp).await.status,
        StatusCode::FORBIDDEN,
        "[{label}] the security administrator resets second factors, not passwords"
    );
    let r = admin
        .post_json(
            "/api/v1/admin/users/admin/password",
            &json!({"password": "Own-Reset-2026x"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "[{label}] not one's own");
    let r = admin
        .post_json(
            "/api/v1/admin/users/judge/password",
            &json!({"password": "short"}),
        )
        .await;
    assert_eq!(r.code(), "password_too_short", "[{label}]");
    assert_eq!(
        r.json()["error"]["details"]["field"],
        "new_password",
        "[{label}]"
    );
    // Nothing changed yet.
    assert_eq!(judge.get("/api/v1/me").await.status, StatusCode::OK);

    let r = reset(&admin, "judge", temp, temp).await;
    assert_eq!(r.status, StatusCode::OK, "[{label}] {}", r.body);
    assert!(r.body.contains("已为“judge”设置临时密码"), "[{label}]");
    assert!(r.body.contains("待改密"), "[{label}]");
    assert_eq!(
        judge.get("/api/v1/me").await.status,
        StatusCode::UNAUTHORIZED,
        "[{label}] every login of the judge ended"
    );
    let (_, r) = Client::login(&app, "judge", PW).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "[{label}] old password");

    // With the temporary password the judge reaches only 账户安全 until choosing their own.
    let (fresh, r) = Client::login(&app, "judge", temp).await;
    assert_eq!(r.status, StatusCode::OK, "[{label}]");
    let r = fresh.get("/todo").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "[{label}]");
    assert_eq!(
        r.headers.get("location").and_then(|v| v.to_str().ok()),
        Some("/account/security"),
        "[{label}]"
    );
    assert_eq!(
        fresh.get("/api/v1/cases").await.code(),
        "password_change_required",
        "[{label}]"
    );
    let page = fresh.get("/account/security").await;
    assert!(
        page.body.contains("系统管理员已为您设置临时密码"),
        "[{label}]"
    );
    assert!(page.body.contains("临时密码"), "[{label}]");
    let own = "Shangcheng-own-26";
    let r = fresh
        .post_json(
            "/api/v1/me/password",
            &json!({"current_password": temp, "new_password": own}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "[{label}] {}", r.body);
    assert_eq!(fresh.get("/todo").await.status, StatusCode::OK, "[{label}]");
    assert!(
        !fresh
            .get("/account/security")
            .await
            .body
            .contains("系统管理员已为您设置临时密码"),
        "[{label}]"
    );
    assert!(
        !admin.get("/admin/users").await.body.contains("待改密"),
        "[{label}]"
    );

    // The auditor's record: both acts, by whom, to whom.
    let acts = s.admin_actions(50).await.expect("actions");
    for what in ["account_unlocked", "password_reset"] {
        assert!(
            acts.iter()
                .any(|a| a.action == what && a.target == "judge" && a.actor == "user:admin"),
            "[{label}] {what}: {acts:?}"
        );
    }
}

#[tokio::test]
async fn administrators_unlock_and_reset_passwords_on_both_stores() {
    for db in TestDb::all().await.expect("databases") {
        administrators_help(&db).await;
        db.cleanup().await.expect("cleanup");
    }
}
