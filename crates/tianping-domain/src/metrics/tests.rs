use super::*;

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
}

const Q: Period = Period {
    from: NaiveDate::from_ymd_opt(2026, 1, 1).expect("date"),
    to: NaiveDate::from_ymd_opt(2026, 3, 31).expect("date"),
};

fn case(kind: CaseKind, procedure: Procedure, filed: &str, closed: Option<&str>) -> CaseFacts {
    CaseFacts {
        kind,
        procedure,
        filed: d(filed),
        closed: closed.map(d),
        disposition: closed.map(|_| Disposition::Judgment),
        small_claims: false,
        appealed: false,
        limit: if closed.is_some() {
            LimitOutcome::Met
        } else {
            LimitOutcome::Open
        },
        claim_amount_yuan: None,
        amount_yuan: None,
        has_origin: false,
        extra_procedures: 0,
        zhongben: vec![],
        guided: false,
        evaluated: vec![],
        proofread: vec![],
    }
}

/// A hand-built court: the numbers in the comments are worked out by hand.
fn fixture() -> Vec<CaseFacts> {
    use CaseKind::*;
    use Procedure::*;
    let mut v = vec![];
    // 1. Old civil case, pending since 2024-11-10 (> 12 and > 18 months by 2026-03-31? 16.7
    //    months: over 12, not over 18), still pending.
    v.push(case(Civil, FirstInstance, "2024-11-10", None));
    // 2. Old civil case filed 2025-12-01, closed in Q by mediation on 2026-01-20 (50 days).
    let mut c = case(Civil, FirstInstance, "2025-12-01", Some("2026-01-20"));
    c.disposition = Some(Disposition::Mediation);
    v.push(c);
    // 3. New civil case filed 2026-01-05, judgment 2026-03-06 (60 days), appealed.
    let mut c = case(Civil, FirstInstance, "2026-01-05", Some("2026-03-06"));
    c.appealed = true;
    v.push(c);
    // 4. New civil case filed 2026-02-01, closed 2026-03-31 late (58 days), not appealed.
    let mut c = case(Civil, FirstInstance, "2026-02-01", Some("2026-03-31"));
    c.limit = LimitOutcome::Late;
    v.push(c);
    // 5. New small-claims case filed 2026-02-10, closed 2026-02-20 (10 days): not appealable.
    let mut c = case(Civil, FirstInstance, "2026-02-10", Some("2026-02-20"));
    c.small_claims = true;
    v.push(c);
    // 6. New criminal case filed 2026-03-01, pending.
    v.push(case(Criminal, FirstInstance, "2026-03-01", None));
    // 7. Second instance filed 2025-12-20, amended 2026-02-15 (57 days).
    let mut c = case(Civil, SecondInstance, "2025-12-20", Some("2026-02-15"));
    c.disposition = Some(Disposition::Amended);
    v.push(c);
    // 8. Second instance filed 2026-01-10, remanded 2026-03-10 (59 days).
    let mut c = case(Civil, SecondInstance, "2026-01-10", Some("2026-03-10"));
    c.disposition = Some(Disposition::RemandedForRetrial);
    v.push(c);
    // 9. Execution filed 2025-10-01, 终本 2026-01-31 (122 days): applied 100,000, paid 20,000.
    let mut c = case(
        CaseKind::Execution,
        Procedure::Execution,
        "2025-10-01",
        Some("2026-01-31"),
    );
    c.disposition = Some(Disposition::ExecutionTerminatedThisRound);
    c.claim_amount_yuan = Some(100_000);
    c.amount_yuan = Some(20_000);
    c.zhongben = vec![Stay::open(d("2026-01-31"))];
    v.push(c);
    // 10. Execution filed 2026-01-15, completed 2026-03-15 (59 days): applied 50,000, paid 50,000.
    let mut c = case(
        CaseKind::Execution,
        Procedure::Execution,
        "2026-01-15",
        Some("2026-03-15"),
    );
    c.disposition = Some(Disposition::ExecutionCompleted);
    c.claim_amount_yuan = Some(50_000);
    c.amount_yuan = Some(50_000);
    v.push(c);
    // 11. Closed before Q (2025-12-31): counts for nothing in Q.
    v.push(case(Civil, FirstInstance, "2025-09-01", Some("2025-12-31")));
    // 12. Filed after Q: counts for nothing in Q.
    v.push(case(Civil, FirstInstance, "2026-04-01", None));
    // 13. Very old administrative case filed 2022-12-01, pending (> 36 months).
    v.push(case(Administrative, FirstInstance, "2022-12-01", None));
    // 14. Execution filed 2024-03-01, 终本 2024-09-30, restored 2026-02-10 (pending again):
    //     in the 终本 database at the start of Q, out in Q. It is pending on 2026-03-31 and
    //     over 18 (not 36) months old.
    let mut c = case(
        CaseKind::Execution,
        Procedure::Execution,
        "2024-03-01",
        None,
    );
    c.zhongben = vec![Stay::ended(
        d("2024-09-30"),
        d("2026-02-10"),
        ZhongbenExit::Restored,
        false,
    )];
    v.push(c);
    v
}

fn totals() -> Totals {
    Totals::of(&fixture(), &Q)
}

fn value(id: &str) -> Option<f64> {
    let set = MetricSet::builtin().expect("shipped metrics parse");
    set.in_force(id, Q.to).expect(id).compute(&totals())
}

fn close(a: Option<f64>, b: f64) {
    let a = a.expect("a value");
    assert!((a - b).abs() < 1e-9, "{a} ≠ {b}");
}

#[test]
fn counters_by_hand() {
    let t = totals();
    use Counter as C;
    // New: 3, 4, 5, 6, 8, 10 = 6. Closed in Q: 2, 3, 4, 5, 7, 8, 9, 10 = 8.
    assert_eq!(t.get(C::Received), 6);
    assert_eq!(t.get(C::Closed), 8);
    // Pending at the start: 1, 2, 7, 9, 13, 14 = 6. At the end: 1, 6, 13, 14 = 4.
    assert_eq!(t.get(C::PendingAtStart), 6);
    assert_eq!(t.get(C::PendingAtEnd), 4);
    // 50 + 60 + 58 + 10 + 57 + 59 + 122 + 59 = 475 days.
    assert_eq!(t.get(C::ClosedDays), 475);
    assert_eq!(t.get(C::ClosedWithLimit), 8);
    assert_eq!(t.get(C::ClosedLate), 1);
    // First instance closed: 2, 3, 4, 5 = 4; appealable: 3, 4 = 2 (2 mediated, 5 small claims).
    assert_eq!(t.get(C::FirstInstanceClosed), 4);
    assert_eq!(t.get(C::AppealableClosed), 2);
    assert_eq!(t.get(C::Appealed), 1);
    assert_eq!(t.get(C::SecondInstanceClosed), 2);
    assert_eq!(t.get(C::SecondInstanceAmended), 1);
    assert_eq!(t.get(C::SecondInstanceRemanded), 1);
    assert_eq!(t.get(C::CivilFirstInstanceClosed), 4);
    assert_eq!(t.get(C::CivilFirstInstanceMediatedOrWithdrawn), 1);
    assert_eq!(t.get(C::ExecutionClosed), 2);
    assert_eq!(t.get(C::ZhongbenClosed), 1);
    assert_eq!(t.get(C::ExecutionAppliedYuan), 150_000);
    assert_eq!(t.get(C::ExecutionPaidYuan), 70_000);
    // Pending on 2026-03-31: 1 (filed 2024-11-10: 16+ months), 6 (1 month), 13 (40 months),
    // 14 (filed 2024-03-01: 25 months).
    assert_eq!(t.get(C::PendingOver6Months), 3);
    assert_eq!(t.get(C::PendingOver12Months), 3);
    assert_eq!(t.get(C::PendingOver18Months), 2);
    assert_eq!(t.get(C::PendingOver36Months), 1);
    // 终本 database: 14 in at the start and out on 02-10; 9 in on 01-31 and still in.
    assert_eq!(t.get(C::ZhongbenStockAtStart), 1);
    assert_eq!(t.get(C::ZhongbenEntered), 1);
    assert_eq!(t.get(C::ZhongbenLeft), 1);
    assert_eq!(t.get(C::ZhongbenStockAtEnd), 1);
}

#[test]
fn every_metric_by_hand() {
    close(value("closure_to_intake"), 8.0 / 6.0);
    close(value("closure_rate"), 8.0 / 12.0 * 100.0);
    close(value("closed_within_limit"), 7.0 / 8.0 * 100.0);
    close(value("average_days"), 475.0 / 8.0);
    close(value("pending_over_12_months_ratio"), 3.0 / 4.0 * 100.0);
    close(value("appeal_rate"), 50.0);
    close(value("acceptance_rate"), 75.0);
    close(value("second_instance_amended_rate"), 50.0);
    close(value("second_instance_remanded_rate"), 50.0);
    close(value("mediation_withdrawal_rate"), 25.0);
    close(value("execution_paid_rate"), 70_000.0 / 150_000.0 * 100.0);
    close(value("zhongben_rate"), 50.0);
    close(value("received"), 6.0);
    close(value("closed"), 8.0);
    close(value("pending"), 4.0);
    let set = MetricSet::builtin().expect("parse");
    close(value("pending_over_12_months"), 3.0);
    close(value("pending_over_18_months"), 2.0);
    close(value("pending_over_36_months"), 1.0);
    // No new disputes without an origin in Q other than 3, 4, 5, 6, 8, 10 (none has an origin
    // in the fixture): 件 6 / 案 6.
    close(value("court_case_to_proceeding"), 1.0);
    assert_eq!(value("procuratorate_case_to_proceeding"), None);
    // 终本库: out 1 / (at the start 1 + in 1) = 50 %; 1 in the database at the end.
    close(value("zhongben_clearance_rate"), 50.0);
    close(value("zhongben_stock"), 1.0);
    // No police file in the fixture: see `guided_investigation_rate_by_hand`.
    assert_eq!(value("guided_investigation_rate"), None);
    // Only restorations in the fixture: none substantive, none with a deputy's help (see
    // `zhongben_exits_by_hand`).
    close(value("zhongben_substantive_clearance_rate"), 0.0);
    close(value("zhongben_deputy_share"), 0.0);
    // No evaluation in the fixture: see `the_evaluation_pass_rate_counts_grades_made_final_in_the_period`.
    assert_eq!(value("evaluation_pass_rate"), None);
    // No draft proofread in the fixture: see
    // `the_proofreading_resolution_rate_counts_findings_open_and_found_against_those_resolved`.
    assert_eq!(value("proofread_resolution_rate"), None);
    assert_eq!(set.ids().len(), 27, "a test for every shipped metric above");
}

#[test]
fn zhongben_exits_by_hand() {
    // Five execution cases in the 终本 database on 2025-12-31; in Q one is paid in full with a
    // deputy's help, one settled, one terminated, one found wrongly listed; one new 终本 enters
    // on 02-01 and is restored on 03-01 with a deputy's help. One stays in.
    let stay = |from: &str, left: Option<(&str, ZhongbenExit, bool)>| {
        let mut c = case(
            CaseKind::Execution,
            Procedure::Execution,
            "2024-01-02",
            Some(from),
        );
        c.disposition = Some(Disposition::ExecutionTerminatedThisRound);
        c.zhongben = vec![match left {
            Some((day, exit, assisted)) => Stay::ended(d(from), d(day), exit, assisted),
            None => Stay::open(d(from)),
        }];
        c
    };
    let facts = vec![
        stay(
            "2025-06-01",
            Some(("2026-01-10", ZhongbenExit::Performed, true)),
        ),
        stay(
            "2025-06-01",
            Some(("2026-02-10", ZhongbenExit::Settled, false)),
        ),
        stay(
            "2025-06-01",
            Some(("2026-03-10", ZhongbenExit::Terminated, false)),
        ),
        stay(
            "2025-06-01",
            Some(("2026-03-31", ZhongbenExit::Corrected, false)),
        ),
        stay(
            "2026-02-01",
            Some(("2026-03-01", ZhongbenExit::Restored, true)),
        ),
        stay("2025-06-01", None),
        // Left after Q: not counted.
        stay(
            "2025-06-01",
            Some(("2026-04-01", ZhongbenExit::Performed, true)),
        ),
    ];
    let mut t = Totals::default();
    for f in &facts {
        t.add(f, &Q);
    }
    use Counter as C;
    assert_eq!(t.get(C::ZhongbenStockAtStart), 6);
    assert_eq!(t.get(C::ZhongbenEntered), 1);
    assert_eq!(t.get(C::ZhongbenLeft), 5);
    assert_eq!(t.get(C::ZhongbenLeftPerformed), 1);
    assert_eq!(t.get(C::ZhongbenLeftSettled), 1);
    assert_eq!(t.get(C::ZhongbenLeftTerminated), 1);
    assert_eq!(t.get(C::ZhongbenLeftOther), 1);
    assert_eq!(t.get(C::ZhongbenLeftRestored), 1);
    assert_eq!(t.get(C::ZhongbenLeftAssisted), 2);
    assert_eq!(t.get(C::ZhongbenStockAtEnd), 2);
    let set = MetricSet::builtin().expect("parse");
    let v = |id: &str| set.in_force(id, Q.to).expect(id).compute(&t);
    // 5 out of 6 + 1; substantive 2 of 7; deputies helped 2 of 5.
    close(v("zhongben_clearance_rate"), 5.0 / 7.0 * 100.0);
    close(v("zhongben_substantive_clearance_rate"), 2.0 / 7.0 * 100.0);
    close(v("zhongben_deputy_share"), 40.0);
    // Version 2 of 出清率 is in force from 2026-12-01; version 1 before, with the same counters.
    assert_eq!(
        set.in_force("zhongben_clearance_rate", Q.to)
            .map(|m| m.version),
        Some(1)
    );
    assert_eq!(
        set.in_force("zhongben_clearance_rate", d("2026-12-31"))
            .map(|m| m.version),
        Some(2)
    );
}

#[test]
fn guided_investigation_rate_by_hand() {
    // Police files transferred for prosecution in Q: A (guided), B (guided), C (not guided).
    // Not counted: D guided but closed by 撤案 (not a transfer), E transferred before Q, F still
    // under investigation. 2 / 3 = 66.7 %.
    let police = |filed: &str, closed: Option<&str>, d: Disposition, guided: bool| {
        let mut c = case(CaseKind::Police, Procedure::Investigation, filed, closed);
        c.disposition = closed.map(|_| d);
        c.guided = guided;
        c
    };
    let facts = vec![
        police(
            "2025-12-01",
            Some("2026-01-20"),
            Disposition::Transfer,
            true,
        ),
        police(
            "2026-01-05",
            Some("2026-03-02"),
            Disposition::Transfer,
            true,
        ),
        police(
            "2026-01-10",
            Some("2026-02-27"),
            Disposition::Transfer,
            false,
        ),
        police(
            "2026-01-10",
            Some("2026-02-01"),
            Disposition::CaseDropped,
            true,
        ),
        police(
            "2025-10-01",
            Some("2025-12-15"),
            Disposition::Transfer,
            true,
        ),
        police("2026-02-01", None, Disposition::Transfer, true),
    ];
    let t = Totals::of(&facts, &Q);
    assert_eq!(t.get(Counter::PoliceTransferred), 3);
    assert_eq!(t.get(Counter::PoliceTransferredGuided), 2);
    let set = MetricSet::builtin().expect("parse");
    let m = set
        .in_force("guided_investigation_rate", Q.to)
        .expect("shipped");
    close(m.compute(&t), 200.0 / 3.0);
    assert_eq!(m.zh, "引导侦查取证率");
}

#[test]
fn a_completed_execution_without_an_amount_paid_the_applied_amount() {
    let mut c = case(
        CaseKind::Execution,
        Procedure::Execution,
        "2026-01-15",
        Some("2026-03-15"),
    );
    c.disposition = Some(Disposition::ExecutionCompleted);
    c.claim_amount_yuan = Some(8_000);
    assert_eq!(Counter::ExecutionPaidYuan.value(&c, &Q), 8_000);
    c.disposition = Some(Disposition::ExecutionTerminatedThisRound);
    assert_eq!(Counter::ExecutionPaidYuan.value(&c, &Q), 0);
    c.amount_yuan = Some(300);
    assert_eq!(Counter::ExecutionPaidYuan.value(&c, &Q), 300);
}

#[test]
fn case_to_proceeding_ratios_by_hand() {
    use CaseKind::*;
    use Procedure::*;
    // Court: three disputes filed in Q (two first instances, one execution of an old
    // judgment), plus an appeal and a remanded retrial of them: 件 5, 案 2 → 2.5.
    let mut v = vec![
        case(Civil, FirstInstance, "2026-01-05", None),
        case(Civil, FirstInstance, "2026-01-06", None),
    ];
    for (kind, proc_) in [
        (Civil, SecondInstance),
        (Civil, FirstInstance),
        (CaseKind::Execution, Procedure::Execution),
    ] {
        let mut c = case(kind, proc_, "2026-02-01", None);
        c.has_origin = true;
        v.push(c);
    }
    // Procuratorate: two files, one returned twice for supplementary investigation and
    // extended once: 件 (2 + 3) / 案 2 = 2.5.
    let mut a = case(Prosecution, ProsecutionReview, "2026-01-10", None);
    a.extra_procedures = 3;
    v.push(a);
    v.push(case(Prosecution, ProsecutionReview, "2026-03-10", None));
    let t = Totals::of(&v, &Q);
    assert_eq!(t.get(Counter::ReceivedNewDisputes), 2);
    let set = MetricSet::builtin().expect("parse");
    let court = set
        .in_force("court_case_to_proceeding", Q.to)
        .expect("metric");
    assert_eq!(
        t.get(Counter::CourtReceived),
        5,
        "the procuratorate's files are not court 件"
    );
    close(court.compute(&t), 2.5);
    let proc_ = set
        .in_force("procuratorate_case_to_proceeding", Q.to)
        .expect("metric");
    close(proc_.compute(&t), 2.5);
    assert_eq!(t.get(Counter::ProsecutionExtraProcedures), 3);
}

#[test]
fn an_empty_denominator_is_no_value_not_zero() {
    let set = MetricSet::builtin().expect("parse");
    let m = set.in_force("appeal_rate", Q.to).expect("metric");
    assert_eq!(m.compute(&Totals::default()), None);
    let count = set.in_force("received", Q.to).expect("metric");
    assert_eq!(count.compute(&Totals::default()), Some(0.0));
}

#[test]
fn the_drill_down_has_exactly_the_cases_behind_each_count() {
    let cases = fixture();
    let t = totals();
    for c in Counter::ALL {
        let behind = cases.iter().filter(|f| c.contributes(f, &Q)).count() as i64;
        let sum: i64 = cases.iter().map(|f| c.value(f, &Q)).sum();
        assert_eq!(sum, t.get(*c), "{}", c.as_str());
        if !c.is_sum() {
            assert_eq!(behind, t.get(*c), "{}", c.as_str());
        }
    }
}

#[test]
fn versions_take_effect_on_their_date_and_old_reports_keep_theirs() {
    let text = METRICS_TOML.to_string()
        + "\n[[metric]]\nid = \"closure_to_intake\"\nzh = \"结收比\"\nversion = 2\neffective_from = \"2026-07-01\"\nnumerator = [\"closed\"]\ndenominator = [\"pending_at_start\", \"received\"]\nscale = 1\nunit = \"\"\ncitation = \"以受理为分母\"\nmarker = \"U\"\n";
    let set = MetricSet::parse(&text).expect("parse");
    assert_eq!(
        set.in_force("closure_to_intake", d("2026-06-30"))
            .expect("v1")
            .version,
        1
    );
    let v2 = set
        .in_force("closure_to_intake", d("2026-07-01"))
        .expect("v2");
    assert_eq!(v2.version, 2);
    close(v2.compute(&totals()), 8.0 / 12.0);
    close(
        set.version_of("closure_to_intake", 1)
            .expect("v1")
            .compute(&totals()),
        8.0 / 6.0,
    );
    assert_eq!(
        set.ids()
            .iter()
            .filter(|i| **i == "closure_to_intake")
            .count(),
        1
    );
    assert!(set.in_force("closure_to_intake", d("2023-12-31")).is_none());
}

#[test]
fn the_fixture_pre_aggregated_gives_the_same_totals() {
    let cases = fixture();
    let all: Vec<Contribution> = cases.iter().flat_map(|f| f.contributions()).collect();
    let before = Cumulative::on(Q.from.pred_opt().expect("day"), &all);
    let end = Cumulative::on(Q.to, &all);
    assert_eq!(Totals::from_cumulative(&before, &end), totals());
    // Case 13 (filed 2022-12-01) is over 36 months from 2025-12-02 on: +1 that day.
    let over36 = column_index(Column::PendingOver(36));
    assert!(
        all.iter()
            .any(|c| c.column == over36 && c.day == d("2025-12-02") && c.value == 1)
    );
}

#[test]
fn disposition_names_round_trip_as_serialized() {
    for d in Disposition::ALL {
        let json = serde_json::to_string(&d).expect("serialize");
        assert_eq!(json, format!("\"{}\"", d.as_str()));
        assert_eq!(Disposition::parse(d.as_str()), Some(d));
    }
}

mod pre_aggregation {
    use super::*;
    use proptest::prelude::*;

    fn day(n: i64) -> NaiveDate {
        NaiveDate::from_ymd_opt(2020, 1, 31).expect("date") + chrono::Duration::days(n)
    }

    prop_compose! {
        fn facts()(kind in 0usize..7, proc_ in 0usize..12, filed in 0i64..2000,
                   closed in proptest::option::of(-5i64..1500), disp in proptest::option::of(0usize..15),
                   small in any::<bool>(), appealed in any::<bool>(), limit in 0usize..4,
                   claim in proptest::option::of(0i64..1_000_000), amount in proptest::option::of(0i64..1_000_000),
                   origin in any::<bool>(), extra in 0u32..4, guided in any::<bool>(),
                   spells in proptest::collection::vec((0i64..1200, proptest::option::of(0i64..600)), 0..3),
                   evaluations in proptest::collection::vec((0i64..700, any::<bool>()), 0..3),
                   findings in proptest::collection::vec((0i64..900, proptest::option::of(0i64..90)), 0..4)) -> CaseFacts {
            let kinds = [CaseKind::Criminal, CaseKind::Civil, CaseKind::Administrative, CaseKind::Execution,
                         CaseKind::StateCompensation, CaseKind::Prosecution, CaseKind::Police];
            CaseFacts {
                kind: kinds[kind],
                procedure: Procedure::ALL[proc_],
                filed: day(filed),
                closed: closed.map(|c| day(filed + c)),
                disposition: disp.map(|d| Disposition::ALL[d]),
                small_claims: small,
                appealed,
                limit: [LimitOutcome::None, LimitOutcome::Open, LimitOutcome::Met, LimitOutcome::Late][limit],
                claim_amount_yuan: claim,
                amount_yuan: amount,
                has_origin: origin,
                extra_procedures: extra,
                guided,
                // Evaluations come after closing (a case still open is not evaluated).
                evaluated: {
                    let mut v: Vec<Evaluated> = match closed {
                        Some(c) => evaluations
                            .iter()
                            .map(|(after, passes)| Evaluated { day: day(filed + c.max(0) + after), passes: *passes })
                            .collect(),
                        None => vec![],
                    };
                    v.sort();
                    v
                },
                // Findings on drafts while the case is open, resolved the same day or later.
                proofread: {
                    let mut v: Vec<ProofreadFinding> = findings
                        .iter()
                        .map(|(at, after)| ProofreadFinding {
                            found: day(filed + at),
                            resolved: after.map(|a| day(filed + at + a)),
                        })
                        .collect();
                    v.sort();
                    v
                },
                // Consecutive spells, each after the previous one left.
                zhongben: {
                    let mut at = filed;
                    let mut v = vec![];
                    for (gap, stay) in spells {
                        let from = at + gap;
                        v.push(match stay {
                            Some(s) => Stay::ended(
                                day(from),
                                day(from + s),
                                ZhongbenExit::ALL[(from as usize) % ZhongbenExit::ALL.len()],
                                s % 3 == 0,
                            ),
                            None => Stay::open(day(from)),
                        });
                        match stay {
                            Some(s) => at = from + s,
                            None => break,
                        }
                    }
                    v
                },
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]
        /// For every counter and any period, running sums of the contributions give what the
        /// counting algorithm gives case by case.
        #[test]
        fn every_case_behind_a_counter_is_a_candidate(
            f in facts(), from in -40i64..3600, len in 0i64..800,
        ) {
            let p = Period { from: day(from), to: day(from + len) };
            for c in Counter::ALL {
                if c.contributes(&f, &p) {
                    prop_assert!(c.candidates(&p).admits(&f), "{} {:?}", c.as_str(), f);
                }
            }
        }

        #[test]
        fn running_sums_equal_counting_case_by_case(
            cases in proptest::collection::vec(facts(), 1..40),
            from in -40i64..3600, len in 0i64..800,
        ) {
            let p = Period { from: day(from), to: day(from + len) };
            let all: Vec<Contribution> = cases.iter().flat_map(|f| f.contributions()).collect();
            let before = Cumulative::on(p.from.pred_opt().expect("day"), &all);
            let end = Cumulative::on(p.to, &all);
            prop_assert_eq!(Totals::from_cumulative(&before, &end), Totals::of(&cases, &p));
        }
    }
}

#[test]
fn formulas_read_in_words() {
    let set = MetricSet::builtin().expect("parse");
    assert_eq!(
        set.in_force("closed_within_limit", Q.to)
            .expect("m")
            .formula_zh(),
        "（有法定期限的结案 − 超审限结案） ÷ 有法定期限的结案 × 100"
    );
    assert_eq!(
        set.in_force("closure_to_intake", Q.to)
            .expect("m")
            .formula_zh(),
        "结案 ÷ 新收"
    );
}

#[test]
fn bad_definitions_name_the_metric_and_field() {
    let base = "version = \"v\"\n[[metric]]\nid = \"m\"\nzh = \"m\"\nversion = 1\neffective_from = \"2024-01-01\"\nnumerator = [\"closed\"]\ndenominator = [\"received\"]\nscale = 1\nunit = \"\"\ncitation = \"c\"\nmarker = \"S\"\n";
    assert!(MetricSet::parse(base).is_ok());
    for (from, to, want) in [
        (
            "[\"closed\"]",
            "[\"clsoed\"]",
            "rule `m v1`, field `numerator`: unknown counter `clsoed`",
        ),
        ("\"2024-01-01\"", "\"2024-13-01\"", "field `effective_from`"),
        ("scale = 1", "scale = 0", "field `scale`"),
        ("citation = \"c\"", "citation = \"\"", "field `citation`"),
    ] {
        let e = MetricSet::parse(&base.replacen(from, to, 1)).expect_err(to);
        let msg = e.to_string();
        assert!(msg.contains(want), "{msg} / {want}");
    }
    let twice = format!("{base}{}", &base[base.find("[[metric]]").unwrap_or(0)..]);
    assert!(MetricSet::parse(&twice).is_err(), "same version twice");
}

#[test]
fn units_rank_best_first_with_ties_and_thirds() {
    let v = [
        Some(90.0),
        None,
        Some(70.0),
        Some(90.0),
        Some(50.0),
        Some(80.0),
        Some(60.0),
    ];
    let r = rank(&v, Better::Higher);
    let got: Vec<Option<usize>> = r.iter().map(|x| x.map(|(n, _)| n)).collect();
    assert_eq!(
        got,
        vec![Some(1), None, Some(4), Some(1), Some(6), Some(3), Some(5)]
    );
    // Six ranked: two better, two worse.
    assert_eq!(r[0].map(|x| x.1), Some(Standing::Better));
    assert_eq!(r[3].map(|x| x.1), Some(Standing::Better));
    assert_eq!(r[5].map(|x| x.1), Some(Standing::Middle));
    assert_eq!(r[4].map(|x| x.1), Some(Standing::Worse));
    assert_eq!(r[6].map(|x| x.1), Some(Standing::Worse));
    // Lower is better: the order turns round.
    let r = rank(&[Some(200.0), Some(100.0)], Better::Lower);
    assert_eq!(r[1], Some((1, Standing::Middle)));
    assert_eq!(r[0], Some((2, Standing::Middle)));
}

#[test]
fn a_direction_must_be_higher_or_lower() {
    let text = METRICS_TOML.replacen("better = \"higher\"", "better = \"up\"", 1);
    assert!(MetricSet::parse(&text).is_err());
    let set = MetricSet::parse(METRICS_TOML).expect("shipped");
    assert!(set.metrics.iter().any(|m| m.better == Some(Better::Lower)));
    assert!(
        set.metrics
            .iter()
            .any(|m| m.id == "received" && m.better.is_none())
    );
}

#[test]
fn the_evaluation_pass_rate_counts_grades_made_final_in_the_period() {
    let set = MetricSet::builtin().expect("parse");
    let rate = set.in_force("evaluation_pass_rate", Q.to).expect("defined");
    let mut a = case(
        CaseKind::Civil,
        Procedure::FirstInstance,
        "2025-03-01",
        Some("2025-09-01"),
    );
    // Two evaluations of one case: a 常规 one in the quarter (passed), a 重点 one after it.
    a.evaluated = vec![
        Evaluated {
            day: d("2026-02-10"),
            passes: true,
        },
        Evaluated {
            day: d("2026-04-02"),
            passes: false,
        },
    ];
    let mut b = case(
        CaseKind::Criminal,
        Procedure::FirstInstance,
        "2025-05-01",
        Some("2025-12-20"),
    );
    b.evaluated = vec![Evaluated {
        day: d("2026-03-31"),
        passes: false,
    }];
    let mut c = case(
        CaseKind::Civil,
        Procedure::FirstInstance,
        "2025-05-01",
        Some("2025-12-01"),
    );
    // Made final before the quarter began: not this quarter's.
    c.evaluated = vec![Evaluated {
        day: d("2025-12-31"),
        passes: true,
    }];
    let t = Totals::of(&[a.clone(), b.clone(), c.clone()], &Q);
    assert_eq!(t.get(Counter::Evaluated), 2);
    assert_eq!(t.get(Counter::EvaluatedPassed), 1);
    assert_eq!(rate.compute(&t), Some(50.0));
    // The pre-aggregated path agrees.
    let all: Vec<Contribution> = [a, b, c].iter().flat_map(|f| f.contributions()).collect();
    let before = Cumulative::on(d("2025-12-31"), &all);
    let end = Cumulative::on(Q.to, &all);
    assert_eq!(Totals::from_cumulative(&before, &end), t);
}

#[test]
fn the_proofreading_resolution_rate_counts_findings_open_and_found_against_those_resolved() {
    let set = MetricSet::builtin().expect("parse");
    let rate = set
        .in_force("proofread_resolution_rate", Q.to)
        .expect("defined");
    let mut a = case(
        CaseKind::Criminal,
        Procedure::FirstInstance,
        "2025-10-01",
        None,
    );
    a.proofread = vec![
        // Found before the quarter and still open at its start; resolved in it.
        ProofreadFinding {
            found: d("2025-12-20"),
            resolved: Some(d("2026-01-05")),
        },
        // Found and resolved the same day in the quarter.
        ProofreadFinding {
            found: d("2026-02-01"),
            resolved: Some(d("2026-02-01")),
        },
        // Found in the quarter, never resolved.
        ProofreadFinding {
            found: d("2026-03-10"),
            resolved: None,
        },
        // Found and resolved before the quarter: not this quarter's.
        ProofreadFinding {
            found: d("2025-11-01"),
            resolved: Some(d("2025-11-02")),
        },
    ];
    let t = Totals::of(std::slice::from_ref(&a), &Q);
    assert_eq!(t.get(Counter::ProofreadOpenAtStart), 1);
    assert_eq!(t.get(Counter::ProofreadFound), 2);
    assert_eq!(t.get(Counter::ProofreadResolved), 2);
    assert_eq!(t.get(Counter::ProofreadOpenAtEnd), 1);
    let r = rate.compute(&t).expect("a rate");
    assert!((r - 200.0 / 3.0).abs() < 1e-9, "{r}");
    let all = a.contributions();
    let before = Cumulative::on(d("2025-12-31"), &all);
    let end = Cumulative::on(Q.to, &all);
    assert_eq!(Totals::from_cumulative(&before, &end), t);
}
