//! The health check a load balancer reads: healthy while the store answers and this server's
//! rule files are those in force; 503 with the reason when another process put other rule files
//! in force (its due dates would differ from the stored ones).

mod common;
use common::*;
use tianping_store::clocks::Clockwork;

#[tokio::test]
async fn a_server_with_other_rule_files_is_unhealthy() {
    let db = TestDb::sqlite().await.expect("sqlite");
    let s = &db.store;
    load_fixture_orgs(s).await.expect("orgs");
    let now = Utc.with_ymd_and_hms(2026, 3, 2, 2, 0, 0).unwrap();
    s.apply_clockwork_change(now).await.expect("rules in force");
    let app = app(s, now);
    let anon = Client::anonymous(&app);
    let r = anon.get("/healthz").await;
    assert_eq!((r.status, r.body.as_str()), (StatusCode::OK, "ok"));

    // The same database now served with other rule files (civil first instance of 7 months).
    let other = Store::connect(&db.url).await.expect("second handle");
    let mut cw = Clockwork::shipped();
    let text = tianping_domain::rules::LIMITS_TOML.replacen(
        "base = { amount = 6, unit = \"month\" }\nextensions = [\n  { by = \"court_president\", amount = 6",
        "version = 2\nbase = { amount = 7, unit = \"month\" }\nextensions = [\n  { by = \"court_president\", amount = 6",
        1,
    );
    cw.rules = tianping_domain::rules::RuleSet::parse(&text).expect("rules");
    other.set_clockwork(cw);
    let app2 = common::app(&other, now);
    let r = Client::anonymous(&app2).get("/healthz").await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE, "{}", r.body);
    assert!(r.body.contains("规则目录"), "{}", r.body);
    // The first server is still healthy.
    assert_eq!(anon.get("/healthz").await.status, StatusCode::OK);
    other.close().await;
}
