use super::*;

#[test]
fn shipped_rules_parse_and_every_trial_type_code_has_a_default() {
    let rs = RuleSet::shipped().unwrap();
    assert!(rs.rules.len() >= 70, "{}", rs.rules.len());
    assert_eq!(rs.long_pending.len(), 3);
    for r in rs.rules.iter().filter(|r| r.clock.is_some()) {
        assert!(!r.citation.is_empty());
    }
    let none = |_: Flag| false;
    let on: NaiveDate = "2025-06-01".parse().unwrap();
    for code in [
        "民初", "民终", "刑初", "刑终", "行初", "行终", "执", "执恢", "执异", "执复",
    ] {
        let kind = case_type::lookup(code).unwrap().kind;
        assert!(
            rs.choose(ClockKey::Trial, kind, Some(code), &none, on)
                .is_some(),
            "no default rule for {code}"
        );
    }
    let summary = |f: Flag| f == Flag::Summary;
    assert_eq!(
        rs.choose(ClockKey::Trial, CaseKind::Civil, Some("民初"), &summary, on)
            .unwrap()
            .id,
        "civ.first.summary"
    );
    // crim.retrial inherits nothing; crim.confiscation inherits the first-instance limit.
    assert_eq!(
        rs.rule("crim.confiscation").unwrap().base,
        Some(Period::new(2, Unit::Month))
    );
}

#[test]
fn errors_name_the_rule_and_field() {
    let bad = LIMITS_TOML.replacen(
        "excluded_period_kinds = [\"public_notice\", \"appraisal\", \"party_settlement\"",
        "excluded_period_kinds = [\"public_notise\", \"appraisal\", \"party_settlement\"",
        1,
    );
    let err = RuleSet::parse(&bad).unwrap_err().to_string();
    assert!(
        err.contains("civ.first.ordinary") && err.contains("public_notise"),
        "{err}"
    );
    let bad = LIMITS_TOML.replacen("type_codes = [\"民初\"]", "type_codes = [\"民X\"]", 1);
    let err = RuleSet::parse(&bad).unwrap_err().to_string();
    assert!(err.contains("type_codes") && err.contains("民X"), "{err}");
    let bad = LIMITS_TOML.replacen(
        "holiday_rollover = \"yes\"",
        "holiday_rollover = \"maybe\"",
        1,
    );
    assert!(RuleSet::parse(&bad).is_err());
    let bad = format!("{LIMITS_TOML}\n[[rule]]\nid = \"x\"\nname_zh = \"x\"\nfoo = 1\n");
    let err = RuleSet::parse(&bad).unwrap_err().to_string();
    assert!(err.contains("foo"), "{err}");
}

#[test]
fn versions_select_by_date_and_may_not_overlap() {
    let extra = "\n[[rule]]\nid = \"civ.first.ordinary\"\nversion = 2\nname_zh = \"民事一审普通程序审限\"\nclock = \"trial\"\ncase_kind = \"civil\"\nprocedure = \"p\"\nstage = \"trial\"\ntype_codes = [\"民初\"]\nstart_event = \"filing\"\nbase = { amount = 5, unit = \"month\" }\nextensions = []\nexcluded_period_kinds = []\nrestart_events = []\nholiday_rollover = \"yes\"\ncitation = \"test\"\nverified = false\neffective_from = \"2030-01-01\"\n";
    let err = RuleSet::parse(&format!("{LIMITS_TOML}{extra}"))
        .unwrap_err()
        .to_string();
    assert!(err.contains("in force on the same days"), "{err}");
    let v1_end = LIMITS_TOML.replacen(
        "id = \"civ.first.ordinary\"\n",
        "id = \"civ.first.ordinary\"\neffective_to = \"2029-12-31\"\n",
        1,
    );
    let rs = RuleSet::parse(&format!("{v1_end}{extra}")).unwrap();
    let none = |_: Flag| false;
    let pick = |d: &str| {
        rs.choose(
            ClockKey::Trial,
            CaseKind::Civil,
            Some("民初"),
            &none,
            d.parse().unwrap(),
        )
        .unwrap()
        .tag()
    };
    assert_eq!(pick("2029-12-31"), "civ.first.ordinary@1");
    assert_eq!(pick("2030-01-01"), "civ.first.ordinary@2");
}
