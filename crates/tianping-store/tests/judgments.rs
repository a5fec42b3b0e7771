//! Prior judgments on both stores: an import reads court, 案号, date, charges, statutes and
//! sentences from real LeCaRD texts (the domain crate's fixtures), and a second import of the same
//! judgments changes nothing.

#![allow(clippy::unwrap_used)]

use chrono::{DateTime, NaiveDate, Utc};
use tianping_domain::judgment::Penalty;
use tianping_store::judgments::{JudgmentImport, NewJudgment};
use tianping_store::testing::TestDb;

fn new(id: &str, text: &str, charges: &[&str]) -> NewJudgment {
    NewJudgment {
        source_id: id.into(),
        title: format!("LeCaRD {id}"),
        text: text.into(),
        charges: charges.iter().map(|c| c.to_string()).collect(),
        ..Default::default()
    }
}

#[tokio::test]
async fn judgments_import_once_with_what_their_texts_say() {
    let now: DateTime<Utc> = DateTime::parse_from_rfc3339("2026-11-22T08:00:00Z")
        .unwrap()
        .with_timezone(&Utc);
    let batch = vec![
        new(
            "3696",
            include_str!("../../tianping-domain/tests/lecard/3696.txt"),
            &["危险驾驶罪"],
        ),
        new(
            "7536",
            include_str!("../../tianping-domain/tests/lecard/7536.txt"),
            &[],
        ),
    ];
    for db in TestDb::all().await.unwrap() {
        let s = &db.store;
        let r = s.import_judgments("lecard", &batch, now).await.unwrap();
        assert_eq!(
            r,
            JudgmentImport {
                inserted: 2,
                duplicates: 0
            },
            "{}",
            db.label
        );
        let again = s.import_judgments("lecard", &batch, now).await.unwrap();
        assert_eq!(
            again,
            JudgmentImport {
                inserted: 0,
                duplicates: 2
            }
        );
        assert_eq!(s.judgment_count().await.unwrap(), 2);

        let j = s
            .judgment_by_source("lecard", "3696")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(j.court.as_deref(), Some("深圳市罗湖区人民法院"));
        assert_eq!(j.case_number.as_deref(), Some("（2017）粤0303刑初1778号"));
        assert_eq!(j.decided_on, NaiveDate::from_ymd_opt(2017, 9, 13));
        assert_eq!(j.charges, vec!["危险驾驶罪"]);
        assert_eq!(j.sentences.len(), 1);
        assert_eq!(j.sentences[0].penalty, Penalty::Detention { months: 1 });
        assert_eq!(j.sentences[0].probation_months, Some(6));
        assert_eq!(j.articles[0].label(), "《刑法》第133条之一");

        let j = s
            .judgment_by_source("lecard", "7536")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            j.charges,
            vec!["强奸罪", "抢劫罪"],
            "read from the operative part"
        );
        assert!(j.fact.starts_with("经审理查明"));
        assert_eq!(j.decided_on, NaiveDate::from_ymd_opt(2018, 7, 4));
        assert!(
            j.sentences
                .iter()
                .any(|x| x.combined && x.penalty == Penalty::FixedTerm { months: 96 })
        );
        assert_eq!(s.judgment(j.id).await.unwrap().unwrap().source_id, "7536");
        db.cleanup().await.unwrap();
    }
}
