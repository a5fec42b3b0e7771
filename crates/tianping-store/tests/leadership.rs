//! Leadership of the singleton work: on PostgreSQL exactly one of several processes' claims leads
//! at a time, the others take over when the leader's session ends, and a leader whose session was
//! ended behind its back steps down at its next check; on SQLite the one process leads.

#![allow(clippy::unwrap_used)]

use tianping_store::Store;
use tianping_store::leadership::Leadership;
use tianping_store::testing::TestDb;

/// Checks `claim` until it leads (a session ended by the server frees its lock a moment later,
/// not at once): whether it led within five seconds.
async fn leads_soon(claim: &mut Leadership) -> bool {
    let t = std::time::Instant::now();
    while t.elapsed() < std::time::Duration::from_secs(5) {
        if claim.check().await {
            return true;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    false
}

#[tokio::test]
async fn one_leader_at_a_time_and_another_takes_over() {
    for db in TestDb::all().await.unwrap() {
        if db.label == "sqlite" {
            let mut only = Leadership::new(&db.store, "node-a");
            assert!(only.check().await, "the one SQLite process leads");
            assert_eq!(db.store.singleton_leader().await.unwrap(), None);
            db.cleanup().await.unwrap();
            continue;
        }
        // Two processes' views: two pools on one database.
        let other = Store::connect(&db.url).await.unwrap();
        let mut a = Leadership::new(&db.store, "node-a");
        let mut b = Leadership::new(&other, "node-b");
        assert_eq!(db.store.singleton_leader().await.unwrap(), None);
        assert!(a.check().await, "the first to try leads");
        assert!(!b.check().await, "the second follows");
        // Checked again and again: the leader stays, the follower stays.
        for _ in 0..3 {
            assert!(a.check().await);
            assert!(!b.check().await);
        }
        assert_eq!(
            db.store.singleton_leader().await.unwrap().as_deref(),
            Some("node-a")
        );

        // The leader goes away: its session ends, the follower leads at its next check.
        a.resign().await;
        assert!(b.check().await, "the follower takes over");
        assert!(b.is_leading());
        assert_eq!(
            db.store.singleton_leader().await.unwrap().as_deref(),
            Some("node-b")
        );

        // A leader whose session is ended behind its back (an operator's pg_terminate_backend, a
        // database restart) notices at its next check and steps down; a fresh claim leads again.
        sqlx::query(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'node-b' AND datname = current_database()",
        )
        .execute(db.store.pool())
        .await
        .unwrap();
        assert!(!b.check().await, "a leader without its session steps down");
        assert!(!b.is_leading());
        let mut c = Leadership::new(&db.store, "node-c");
        assert!(
            leads_soon(&mut c).await,
            "the lock was freed with the session"
        );
        assert!(!b.check().await, "the old leader now follows");
        c.resign().await;
        b.resign().await;
        other.close().await;
        db.cleanup().await.unwrap();
    }
}
