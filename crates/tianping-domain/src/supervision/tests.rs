use super::*;
use ItemAction as A;
use ItemState as S;

fn rules() -> SupervisionRules {
    SupervisionRules::builtin().expect("shipped supervision rules parse")
}

const OPENER: ItemActor = ItemActor {
    user_id: 1,
    opener_side: true,
    responsible_side: false,
};
const OTHER_OPENER: ItemActor = ItemActor {
    user_id: 3,
    opener_side: true,
    responsible_side: false,
};
const RECTIFIER: ItemActor = ItemActor {
    user_id: 2,
    opener_side: false,
    responsible_side: true,
};
const OUTSIDER: ItemActor = ItemActor {
    user_id: 9,
    opener_side: false,
    responsible_side: false,
};

fn facts(state: ItemState) -> ItemFacts {
    ItemFacts {
        state,
        rectifier: None,
        evidence: 0,
        revisited: false,
    }
}

fn code(r: Result<ItemState, Refusal>) -> &'static str {
    r.expect_err("refused").code
}

#[test]
fn an_item_runs_the_whole_loop() {
    let mut f = facts(S::Found);
    f.state = item_transition(&f, A::Assign, &OPENER, "").expect("assign");
    assert_eq!(f.state, S::Assigned);
    f.state = item_transition(&f, A::Accept, &RECTIFIER, "").expect("accept");
    assert_eq!(f.state, S::Rectifying);
    f.evidence = 1;
    f.state = item_transition(&f, A::Submit, &RECTIFIER, "已整改").expect("submit");
    f.rectifier = Some(RECTIFIER.user_id);
    assert_eq!(f.state, S::Submitted);
    f.state = item_transition(&f, A::Return, &OPENER, "材料不全").expect("return");
    assert_eq!(f.state, S::Rectifying);
    f.state = item_transition(&f, A::Submit, &RECTIFIER, "已补正").expect("submit again");
    f.state = item_transition(&f, A::Verify, &OPENER, "").expect("verify");
    assert_eq!(f.state, S::Verified);
    f.state = item_transition(&f, A::Close, &OTHER_OPENER, "").expect("close");
    assert_eq!(f.state, S::Closed);
    assert_eq!(
        item_transition(&f, A::Revisit, &OPENER, "回访无异常"),
        Ok(S::Closed)
    );
    f.revisited = true;
    assert_eq!(
        code(item_transition(&f, A::Revisit, &OPENER, "again")),
        "already_revisited"
    );
}

#[test]
fn refused_transitions_name_why() {
    // Closing without evidence.
    let mut f = facts(S::Verified);
    assert_eq!(
        code(item_transition(&f, A::Close, &OPENER, "")),
        "evidence_required"
    );
    // Submitting without evidence, or without a note.
    let r = facts(S::Rectifying);
    assert_eq!(
        code(item_transition(&r, A::Submit, &RECTIFIER, "x")),
        "evidence_required"
    );
    let r = ItemFacts { evidence: 1, ..r };
    assert_eq!(
        code(item_transition(&r, A::Submit, &RECTIFIER, " ")),
        "note_required"
    );
    // Verifying by the rectifier, even when that person is also on the opener's side.
    let both = ItemActor {
        user_id: 2,
        opener_side: true,
        responsible_side: true,
    };
    let s = ItemFacts {
        state: S::Submitted,
        rectifier: Some(2),
        evidence: 1,
        revisited: false,
    };
    assert_eq!(
        code(item_transition(&s, A::Verify, &both, "")),
        "verifier_is_rectifier"
    );
    f.evidence = 1;
    f.rectifier = Some(2);
    assert_eq!(
        code(item_transition(&f, A::Close, &both, "")),
        "verifier_is_rectifier"
    );
    // Acting outside one's side.
    assert_eq!(
        code(item_transition(&facts(S::Found), A::Assign, &RECTIFIER, "")),
        "not_opener_side"
    );
    assert_eq!(
        code(item_transition(&facts(S::Assigned), A::Accept, &OPENER, "")),
        "not_responsible_side"
    );
    assert_eq!(
        code(item_transition(&s, A::Verify, &OUTSIDER, "")),
        "not_opener_side"
    );
    assert_eq!(
        code(item_transition(&s, A::Return, &OPENER, "")),
        "note_required"
    );
    // Reopening a closed item; anything but a revisit on a closed item.
    let c = ItemFacts {
        state: S::Closed,
        ..s
    };
    assert_eq!(
        code(item_transition(&c, A::Reopen, &OPENER, "")),
        "item_closed"
    );
    assert_eq!(
        code(item_transition(&c, A::Assign, &OPENER, "")),
        "item_closed"
    );
    assert_eq!(
        code(item_transition(&facts(S::Found), A::Reopen, &OPENER, "")),
        "wrong_state"
    );
    // Out of order.
    assert_eq!(
        code(item_transition(&facts(S::Found), A::Verify, &OPENER, "")),
        "wrong_state"
    );
}

#[test]
fn every_action_in_every_state_is_decided_without_panicking() {
    for state in ItemState::ALL {
        for action in ItemAction::ALL {
            for actor in [OPENER, RECTIFIER, OUTSIDER] {
                let f = ItemFacts {
                    state,
                    rectifier: Some(2),
                    evidence: 1,
                    revisited: false,
                };
                if let Ok(next) = item_transition(&f, action, &actor, "说明") {
                    assert!(actor.opener_side || actor.responsible_side);
                    if state == S::Closed {
                        assert_eq!(next, S::Closed, "{action:?}");
                    }
                }
            }
        }
    }
}

#[test]
fn stage_deadlines_come_from_the_rules() {
    let d = rules().deadlines;
    let at = DateTime::parse_from_rfc3339("2026-11-02T00:00:00Z")
        .expect("t")
        .with_timezone(&Utc);
    assert_eq!(
        stage_due(S::Rectifying, at, &d),
        Some(at + Duration::days(30))
    );
    assert_eq!(stage_due(S::Closed, at, &d), None);
}

#[test]
fn president_acts_are_checked_against_the_list() {
    let r = rules();
    assert!(r.check_act("report_progress").is_ok());
    assert!(r.check_act("judicial_committee").is_ok());
    let e = r.check_act("change_decision").expect_err("forbidden");
    assert_eq!(e.code, "act_forbidden");
    assert!(e.zh.contains("直接改变合议庭"), "{}", e.zh);
    assert_eq!(
        r.check_act("indirect_approval")
            .expect_err("forbidden")
            .code,
        "act_forbidden"
    );
    assert_eq!(
        r.check_act("whatever").expect_err("unknown").code,
        "act_unknown"
    );
    assert!(r.acts.iter().all(|a| !a.citation.is_empty()));
}

#[test]
fn bad_supervision_rules_name_the_field() {
    let bad = SUPERVISION_TOML.replace("rectify_days = 30", "rectify_days = 0");
    let e = SupervisionRules::parse(&bad).expect_err("zero days");
    assert!(e.to_string().contains("rectify_days = 0"), "{e}");
}

#[test]
fn referrals_go_both_ways_between_the_two_bodies_only() {
    use AgencyKind as K;
    assert!(check_referral_pair(K::PoliticalLegalCommittee, K::PeoplesCongress).is_ok());
    assert!(check_referral_pair(K::PeoplesCongress, K::PoliticalLegalCommittee).is_ok());
    assert_eq!(
        check_referral_pair(K::Court, K::PeoplesCongress)
            .expect_err("court")
            .code,
        "referral_pair"
    );
}

#[test]
fn a_referral_runs_to_an_accepted_result() {
    use ReferralAction as A;
    use ReferralState as S;
    let s = referral_transition(S::Sent, A::Acknowledge, false, true, false, "").expect("ack");
    let s = referral_transition(s, A::Accept, false, true, false, "").expect("accept");
    assert_eq!(
        referral_transition(s, A::ShareResult, false, true, false, "")
            .expect_err("item open")
            .code,
        "item_not_closed"
    );
    let s = referral_transition(s, A::ShareResult, false, true, true, "").expect("share");
    assert_eq!(
        referral_transition(s, A::AcceptResult, false, true, true, "")
            .expect_err("receiver cannot accept its own result")
            .code,
        "not_sender"
    );
    let s = referral_transition(s, A::AcceptResult, true, false, true, "").expect("accepted");
    assert_eq!(s, S::ResultAccepted);
    assert_eq!(
        referral_transition(S::Sent, A::Acknowledge, true, false, false, "")
            .expect_err("sender")
            .code,
        "not_receiver"
    );
    assert_eq!(
        referral_transition(S::Sent, A::Decline, false, true, false, "")
            .expect_err("no reason")
            .code,
        "note_required"
    );
    assert_eq!(
        referral_transition(S::Declined, A::Accept, false, true, false, "")
            .expect_err("declined")
            .code,
        "wrong_state"
    );
}

#[test]
fn projects_are_led_by_a_supervising_body_and_close_with_the_final_report() {
    use ProjectAction as A;
    use ProjectState as S;
    assert!(check_project_lead(AgencyKind::PeoplesCongress).is_ok());
    assert!(check_project_lead(AgencyKind::Court).is_err());
    assert_eq!(
        project_transition(S::Planning, A::Start, true, false),
        Ok(S::Active)
    );
    assert_eq!(
        project_transition(S::Planning, A::ProgressReport, false, true)
            .expect_err("not started")
            .code,
        "wrong_state"
    );
    assert_eq!(
        project_transition(S::Active, A::ProgressReport, false, true),
        Ok(S::Active)
    );
    assert_eq!(
        project_transition(S::Active, A::FinalReport, false, true)
            .expect_err("member")
            .code,
        "not_project_member"
    );
    assert_eq!(
        project_transition(S::Active, A::FinalReport, true, false),
        Ok(S::Closed)
    );
    assert_eq!(
        project_transition(S::Closed, A::AddTask, true, false)
            .expect_err("closed")
            .code,
        "project_closed"
    );
}

#[test]
fn interference_vocabulary_round_trips() {
    for s in InterferenceSource::ALL {
        assert_eq!(InterferenceSource::parse(s.as_str()), Some(*s));
    }
    for c in InterferenceChannel::ALL {
        assert_eq!(InterferenceChannel::parse(c.as_str()), Some(*c));
    }
    for o in InterferenceOutcome::ALL {
        assert_eq!(InterferenceOutcome::parse(o.as_str()), Some(*o));
    }
    for s in ItemSource::ALL {
        assert_eq!(ItemSource::parse(s.as_str()), Some(s));
    }
}
