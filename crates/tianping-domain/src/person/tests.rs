//! Hand-worked paths: the dates below were computed by hand from the statutes cited.

use super::*;
use crate::Role;
use crate::timeline::Approver;

fn at(s: &str) -> DateTime<Utc> {
    let full = if s.len() == 10 {
        format!("{s}T09:00:00+08:00")
    } else {
        format!("{s}:00+08:00")
    };
    DateTime::parse_from_rfc3339(&full)
        .unwrap()
        .with_timezone(&Utc)
}

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn approver() -> Approver {
    Approver {
        name: "钱检察长".into(),
        role: Role::President,
        org: None,
    }
}

fn track(
    number: &str,
    kind: CaseKind,
    code: Option<&str>,
    filed: &str,
    held: bool,
    events: Vec<(&str, EventBody)>,
) -> Track {
    let events: Vec<(DateTime<Utc>, EventBody)> =
        events.into_iter().map(|(t, e)| (at(t), e)).collect();
    let closed = events.iter().rev().find_map(|(t, e)| match e {
        EventBody::Closed { disposition, .. } => Some((*t, *disposition)),
        EventBody::Indicted => Some((*t, Disposition::Indictment)),
        _ => None,
    });
    Track {
        case_number: number.into(),
        org_name: format!("{number}的机关"),
        kind,
        procedure: match kind {
            CaseKind::Police => Procedure::Investigation,
            CaseKind::Prosecution => Procedure::ProsecutionReview,
            _ => Procedure::FirstInstance,
        },
        type_code: code.map(str::to_string),
        filed_at: at(filed),
        closed_at: closed.map(|c| c.0),
        disposition: closed.map(|c| c.1),
        held_at_filing: held,
        events,
    }
}

fn closed(disposition: Disposition, months: Option<u32>, penalty: Option<Penalty>) -> EventBody {
    EventBody::Closed {
        disposition,
        sentence_months: months,
        amount_yuan: None,
        penalty,
    }
}

#[test]
fn identity_numbers_are_checked() {
    assert_eq!(
        check_id(" 11010519491231002x ").unwrap(),
        "11010519491231002X"
    );
    assert_eq!(
        check_id("330102199003071230").unwrap(),
        "330102199003071230"
    );
    assert!(
        check_id("330102199003071231")
            .unwrap_err()
            .contains("校验码应为 0")
    );
    assert!(
        check_id("330102199002301230")
            .unwrap_err()
            .contains("出生日期")
    );
    assert!(
        check_id("33010219900307")
            .unwrap_err()
            .contains("实为 14 位")
    );
    assert!(check_id("3301021990030712A0").is_err());
    assert_eq!(check_id("330102900307123").unwrap(), "330102900307123");
    assert_eq!(mask_id("330102199003071230"), "330102********1230");
}

/// 拘留 2025-03-01 → 逮捕 03-10 → police transfer 05-09 → the procuratorate files the held
/// suspect only on 05-12 (72 hours no file covers) → 起诉 06-05 → the court files 06-06 →
/// judgment 08-15: 有期徒刑二年.
fn three_agencies() -> Vec<Track> {
    vec![
        track(
            "浙公0102刑立字〔2025〕1号",
            CaseKind::Police,
            None,
            "2025-03-01",
            false,
            vec![
                (
                    "2025-03-01",
                    EventBody::Summoned {
                        extended_to_24h: false,
                    },
                ),
                ("2025-03-01T20:00", EventBody::Detained),
                ("2025-03-04", EventBody::ArrestRequested),
                (
                    "2025-03-10",
                    EventBody::ArrestApproved {
                        approver: approver(),
                    },
                ),
                ("2025-05-09", closed(Disposition::Transfer, None, None)),
            ],
        ),
        track(
            "浙检0102刑诉〔2025〕1号",
            CaseKind::Prosecution,
            None,
            "2025-05-12",
            true,
            vec![
                ("2025-05-12", EventBody::ProsecutionReviewStarted),
                ("2025-06-05", EventBody::Indicted),
            ],
        ),
        track(
            "（2025）浙0102刑初1号",
            CaseKind::Criminal,
            Some("刑初"),
            "2025-06-06",
            true,
            vec![("2025-08-15", closed(Disposition::Judgment, Some(24), None))],
        ),
    ]
}

#[test]
fn a_path_through_three_agencies_with_a_gap_at_a_handover() {
    let p = path(&three_agencies(), at("2025-09-01"));
    let names: Vec<&str> = p.stages.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["侦查", "审查起诉", "一审"]);
    let holds: Vec<Hold> = p.spells.iter().map(|s| s.hold).collect();
    assert_eq!(
        holds,
        [
            Hold::Summons,
            Hold::Detention,
            Hold::Arrest,
            Hold::Held,
            Hold::Held
        ]
    );
    // Police transfer 05-09 09:00 → procuratorate 05-12 09:00: 72 hours held with no file.
    assert_eq!(p.gaps.len(), 1, "{:?}", p.gaps);
    assert_eq!(p.gaps[0].hours, 72);
    assert!(p.findings[0].contains("72 小时"), "{:?}", p.findings);
    // Held every day from 03-01 to 09-01 (the gap days too): 31+30+31+30+31+31+1 = 185.
    assert_eq!(p.custody_days, 185);
    assert!(p.held_now);
    // 刑期折抵: continuously held since 03-01, so two years from 03-01 → 2027-02-28.
    let c = p.credit.unwrap();
    assert_eq!(c.first_day, Some(d("2025-03-01")));
    assert_eq!(c.custody_days, 168); // 03-01 … 08-15
    assert_eq!(c.end, d("2027-02-28"));
    assert!(c.lines.iter().any(|l| l.contains("刑法第四十七条")));
    // Arrested on 03-10 and still held: the procuratorate owes a 羁押必要性审查 until one is
    // recorded.
    assert_eq!(p.tasks.len(), 1);
    assert!(p.tasks[0].contains("第九十五条"));
    let mut t = three_agencies();
    t[1].events.push((
        at("2025-05-20"),
        EventBody::CustodyReviewed {
            keep: true,
            note: String::new(),
        },
    ));
    assert!(path(&t, at("2025-09-01")).tasks.is_empty());
}

#[test]
fn custody_interrupted_by_bail_credits_only_the_days_held() {
    // Held 2025-01-01 … 01-31 (31 days), bail from 01-31, judged 06-30 while free: one year
    // from 06-30 ends 2026-06-29, less 31 days → 2026-05-29.
    let tracks = vec![
        track(
            "浙公0102刑立字〔2025〕2号",
            CaseKind::Police,
            None,
            "2025-01-01",
            false,
            vec![
                ("2025-01-01T10:00", EventBody::Detained),
                (
                    "2025-01-31T10:00",
                    EventBody::BailGranted { approver: None },
                ),
                ("2025-03-01", closed(Disposition::Transfer, None, None)),
            ],
        ),
        track(
            "（2025）浙0102刑初2号",
            CaseKind::Criminal,
            Some("刑初"),
            "2025-04-02",
            false,
            vec![("2025-06-30", closed(Disposition::Judgment, Some(12), None))],
        ),
    ];
    let p = path(&tracks, at("2025-07-01"));
    assert!(p.gaps.is_empty());
    assert!(!p.held_now);
    assert_eq!(p.custody_days, 31);
    let c = p.credit.unwrap();
    assert_eq!(c.credited_days, 31);
    assert_eq!(c.end, d("2026-05-29"));
    assert!(c.lines.iter().any(|l| l.contains("裁判时未在押")));
    // 管制 of one year with the same custody: two days per day held → 2026-06-29 − 62 days.
    let mut t = tracks.clone();
    t[1].events = vec![(
        at("2025-06-30"),
        closed(
            Disposition::Judgment,
            Some(12),
            Some(Penalty::PublicSurveillance),
        ),
    )];
    let c = path(&t, at("2025-07-01")).credit.unwrap();
    assert_eq!(c.credited_days, 62);
    assert_eq!(c.end, d("2026-04-28"));
}

#[test]
fn designated_residence_counts_two_days_for_one() {
    // 指定居所监视居住 01-01 … 01-10 (10 days → 5), then held from 拘留 01-11 through the
    // judgment: one year from 01-11 ends 2026-01-10, less 5 → 2026-01-05 (CrimPL art. 76).
    let tracks = vec![
        track(
            "浙公0102刑立字〔2025〕3号",
            CaseKind::Police,
            None,
            "2025-01-01",
            false,
            vec![
                (
                    "2025-01-01",
                    EventBody::ResidentialSurveillance {
                        designated_residence: true,
                        approver: None,
                    },
                ),
                ("2025-01-11", EventBody::Detained),
                ("2025-03-01", closed(Disposition::Transfer, None, None)),
            ],
        ),
        track(
            "（2025）浙0102刑初3号",
            CaseKind::Criminal,
            Some("刑初"),
            "2025-03-01T15:00",
            true,
            vec![("2025-06-30", closed(Disposition::Judgment, Some(12), None))],
        ),
    ];
    let c = path(&tracks, at("2025-07-01")).credit.unwrap();
    assert_eq!(c.residence_days, 10);
    assert_eq!(c.credited_days, c.custody_days + 5);
    assert_eq!(c.end, d("2026-01-05"));
}

#[test]
fn an_upheld_appeal_keeps_the_first_instance_sentence_and_a_non_prosecution_frees() {
    let mut t = three_agencies();
    t.push(track(
        "（2025）浙01刑终9号",
        CaseKind::Criminal,
        Some("刑终"),
        "2025-09-10",
        true,
        vec![("2025-10-20", closed(Disposition::Upheld, None, None))],
    ));
    let p = path(&t, at("2025-11-01"));
    assert_eq!(p.stages.last().unwrap().name, "二审");
    let c = p.credit.unwrap();
    assert_eq!(c.months, 24);
    assert_eq!(c.judged_on, d("2025-10-20"));
    assert_eq!(c.end, d("2027-02-28"));
    // Not prosecuted: the person is released with the file's close.
    let t = vec![track(
        "浙检0102刑诉〔2025〕5号",
        CaseKind::Prosecution,
        None,
        "2025-05-12",
        true,
        vec![(
            "2025-06-01",
            EventBody::NotProsecuted {
                reason: "犯罪情节轻微".into(),
            },
        )],
    )];
    let p = path(&t, at("2025-07-01"));
    assert!(!p.held_now);
    assert_eq!(p.custody_days, 21);
    assert!(p.credit.is_none());
}

#[test]
fn days_of_liuzhi_are_credited_like_custody() {
    // 留置 from 2025-01-10; the commission transfers on 03-03 (先行拘留), 逮捕 03-12, indicted
    // 03-31; the court, holding the defendant, sentences to one year on 06-30. Held every day
    // from 01-10: one year from 01-10 ends 2026-01-09 (刑法 art. 47; 监察法 art. 50).
    let tracks = vec![
        track(
            "检察院监察移送案",
            CaseKind::Prosecution,
            None,
            "2025-03-03",
            false,
            vec![
                (
                    "2025-03-03T10:00",
                    EventBody::SupervisionCommissionTransfer {
                        retained: true,
                        retained_since: Some(d("2025-01-10")),
                    },
                ),
                (
                    "2025-03-12T10:00",
                    EventBody::ArrestApproved {
                        approver: approver(),
                    },
                ),
                ("2025-03-31", EventBody::Indicted),
            ],
        ),
        track(
            "（2025）浙0102刑初9号",
            CaseKind::Criminal,
            Some("刑初"),
            "2025-03-31T10:00",
            true,
            vec![(
                "2025-06-30",
                closed(Disposition::Judgment, Some(12), Some(Penalty::FixedTerm)),
            )],
        ),
    ];
    let p = path(&tracks, at("2025-07-01"));
    let holds: Vec<Hold> = p.spells.iter().map(|s| s.hold).collect();
    assert_eq!(
        holds,
        [
            Hold::Retention,
            Hold::PreDetention,
            Hold::Arrest,
            Hold::Held
        ]
    );
    assert!(p.gaps.is_empty(), "{:?}", p.gaps);
    let c = p.credit.expect("judged");
    assert_eq!(c.first_day, Some(d("2025-01-10")));
    assert_eq!(c.end, d("2026-01-09"));
    assert_eq!(Hold::Retention.zh(), "留置（监察机关）");
}
