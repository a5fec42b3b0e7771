//! Request tracing: each request is logged once with its method, its route as registered (not the
//! path with ids), the user once the session is known, the status and the duration; a store
//! error that becomes a 500 is logged with its cause inside the request's span.

mod common;
use common::*;
use std::sync::Mutex;

/// The log lines written while the test runs (this thread's subscriber).
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("log buffer").extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    fn lines(&self) -> Vec<String> {
        String::from_utf8_lossy(&self.0.lock().expect("log buffer"))
            .lines()
            .map(str::to_string)
            .collect()
    }
}

#[tokio::test(flavor = "current_thread")]
async fn each_request_is_one_line_with_route_user_status_and_duration() {
    let log = Captured::default();
    let writer = log.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .with_max_level(tracing::Level::INFO)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let db = TestDb::sqlite().await.expect("sqlite");
    let s = &db.store;
    load_fixture_orgs(s).await.expect("orgs");
    add_user(s, "judge", "sc-court", Role::Judge, Clearance::default()).await;
    let app = app(s, Utc.with_ymd_and_hms(2026, 3, 2, 2, 0, 0).unwrap());
    let c = Client::as_user(&app, "judge").await;

    let r = c.get("/api/v1/cases/12345").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
    let lines = log.lines();
    let case_line = lines
        .iter()
        .find(|l| l.contains("route=/api/v1/cases/{id}") && l.contains("status="))
        .unwrap_or_else(|| panic!("no line for the case route in {lines:#?}"));
    assert!(case_line.contains("method=GET"), "{case_line}");
    assert!(case_line.contains("status=404"), "{case_line}");
    assert!(case_line.contains("ms="), "{case_line}");
    assert!(
        !case_line.contains("12345"),
        "ids are not logged: {case_line}"
    );
    let judge = s
        .user_by_username("judge")
        .await
        .expect("user")
        .expect("judge");
    assert!(
        case_line.contains(&format!("user={}", judge.id)),
        "the user is in the span: {case_line}"
    );
    let login_line = lines
        .iter()
        .find(|l| l.contains("route=/api/v1/session") && l.contains("status="))
        .unwrap_or_else(|| panic!("no line for the login in {lines:#?}"));
    assert!(login_line.contains("status=200"), "{login_line}");

    // A store that fails under a request: the cause is logged inside the request's span, and the
    // request's own line says it failed.
    sqlx::query("DROP TABLE cases")
        .execute(s.pool())
        .await
        .expect("drop");
    let r = c.get("/api/v1/cases").await;
    assert_eq!(r.status, StatusCode::INTERNAL_SERVER_ERROR, "{}", r.body);
    assert_eq!(r.code(), "internal");
    let lines = log.lines();
    let cause = lines
        .iter()
        .find(|l| l.contains("internal error") && l.contains("route=/api/v1/cases"))
        .unwrap_or_else(|| panic!("no logged cause in {lines:#?}"));
    assert!(cause.contains("ERROR"), "{cause}");
    assert!(
        cause.contains("cases"),
        "the database's message names the table: {cause}"
    );
    let failed = lines
        .iter()
        .find(|l| l.contains("request failed"))
        .unwrap_or_else(|| panic!("no failed request line in {lines:#?}"));
    assert!(failed.contains("status=500"), "{failed}");
    db.cleanup().await.expect("cleanup");
}
