use super::*;

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

#[test]
fn the_shipped_sheets_add_up_and_grade_per_organisation_kind() {
    let r = rules();
    let s = r.sheet_on("court_case", d("2026-06-01")).unwrap();
    assert_eq!(s.total(), 100);
    let weights: Vec<(String, u32)> = s
        .sections
        .iter()
        .map(|x| (x.name.clone(), x.points()))
        .collect();
    assert_eq!(
        weights,
        [
            ("立案", 5),
            ("程序", 30),
            ("实体", 30),
            ("裁判文书", 15),
            ("文书制作", 15),
            ("归档", 5)
        ]
        .map(|(n, p)| (n.to_string(), p))
    );
    assert!(
        r.sheet_on("court_case", d("2025-12-31")).is_none(),
        "not yet in force"
    );
    assert_eq!(r.grade(AgencyKind::Court, 90).unwrap().name, "优秀");
    assert_eq!(r.grade(AgencyKind::Court, 74).unwrap().name, "瑕疵");
    assert_eq!(r.grade(AgencyKind::Court, 10).unwrap().name, "不合格");
    assert_eq!(r.grade(AgencyKind::Procuratorate, 85).unwrap().name, "合格");
    assert_eq!(
        r.grade(AgencyKind::Procuratorate, 65).unwrap().name,
        "基本合格"
    );
    assert!(r.grade(AgencyKind::Procuratorate, 65).unwrap().opens_item);
    assert_eq!(r.sheets_for(AgencyKind::Court, d("2026-06-01")).len(), 3);
    assert_eq!(
        r.sheets_for(AgencyKind::Procuratorate, d("2026-06-01"))
            .len(),
        1
    );
    assert_eq!(r.triggers.len(), Signal::ALL.len());
}

#[test]
fn a_new_version_applies_from_its_day_and_the_old_stays_readable() {
    let text = RULES_TOML.replace(
        "id = \"trial\"\nversion = 1\neffective = \"2026-01-01\"",
        "id = \"trial\"\nversion = 2\neffective = \"2027-01-01\"",
    );
    let mut r = Rules::parse(&text).unwrap();
    r.sheets
        .extend(rules().sheets.iter().filter(|s| s.id == "trial").cloned());
    assert_eq!(r.sheet_on("trial", d("2026-12-31")).unwrap().version, 1);
    assert_eq!(r.sheet_on("trial", d("2027-01-01")).unwrap().version, 2);
    assert!(r.sheet("trial", 1).is_some());
}

#[test]
fn bad_rules_are_refused_naming_the_sheet() {
    let e = Rules::parse(&RULES_TOML.replace("points = 12", "points = 11")).unwrap_err();
    assert!(e.contains("court_case") && e.contains("99"), "{e}");
    let e = Rules::parse(&RULES_TOML.replace("code = \"1.3\"", "code = \"1.2\"")).unwrap_err();
    assert!(e.contains("1.2 twice"), "{e}");
    let e = Rules::parse(&RULES_TOML.replace("signal = \"flagged\"", "signal = \"rumour\""))
        .unwrap_err();
    assert!(e.contains("rumour"), "{e}");
    let e = Rules::parse(&RULES_TOML.replace(
        "{ name = \"不合格\", min = 0",
        "{ name = \"不合格\", min = 1",
    ))
    .unwrap_err();
    assert!(e.contains("start at 0"), "{e}");
}

fn ded(item: &str, points: u32, note: &str) -> Deduction {
    Deduction {
        item: item.into(),
        points,
        note: note.into(),
    }
}

#[test]
fn scoring_takes_deductions_per_item_and_grades_the_total() {
    let r = rules();
    let s = r.sheet("court_case", 1).unwrap();
    let full = score(s, &[], r).unwrap();
    assert_eq!((full.total, full.grade.name.as_str()), (100, "优秀"));
    let got = score(
        s,
        &[
            ded("2.1", 4, "公告送达前未穷尽其他送达方式"),
            ded("2.3", 6, "延长审限的审批在期满后补签"),
            ded("3.1", 8, "借款交付事实证据不足"),
            ded("5.1", 2, "判决书错别字两处"),
        ],
        r,
    )
    .unwrap();
    assert_eq!(got.total, 80);
    assert_eq!(got.grade.name, "合格");
    assert_eq!(got.sections[1], ("程序".to_string(), 20, 30));
    assert_eq!(
        problem(s, "5.1", 2, "判决书错别字两处"),
        "第5.1项“无错别字，标点、数字使用规范”扣2分：判决书错别字两处"
    );
    let bad = score(
        s,
        &[
            ded("3.1", 12, "事实不清"),
            ded("3.2", 10, "适用法律错误"),
            ded("2.4", 6, "未给予最后陈述"),
        ],
        r,
    )
    .unwrap();
    assert_eq!((bad.total, bad.grade.name.as_str()), (72, "瑕疵"));
    assert!(bad.grade.opens_item);
}

#[test]
fn wrong_deductions_are_refused_naming_the_item() {
    let r = rules();
    let s = r.sheet("court_case", 1).unwrap();
    let e = score(s, &[ded("9.9", 1, "x")], r).unwrap_err();
    assert!(e[0].message.contains("9.9"));
    let e = score(s, &[ded("1.2", 2, "超过满分")], r).unwrap_err();
    assert!(e[0].message.contains("满分1分"), "{e:?}");
    let e = score(s, &[ded("1.1", 1, "a"), ded("1.1", 2, "b")], r).unwrap_err();
    assert!(
        e[0].message.contains("扣分3分"),
        "two deductions of one item add up: {e:?}"
    );
    let e = score(s, &[ded("1.1", 1, "  ")], r).unwrap_err();
    assert!(e[0].message.contains("理由"));
    let e = score(s, &[ded("1.1", 0, "零分")], r).unwrap_err();
    assert!(e[0].message.contains("大于0"));
}

fn plan<'a>(kind: PlanKind) -> NewPlan<'a> {
    NewPlan {
        kind,
        title: "2026年第四季度常规评查",
        agency: AgencyKind::Court,
        sheet_id: "court_case",
        closed_from: d("2026-07-01"),
        closed_to: d("2026-09-30"),
        percent: 5,
        min_per_judge: 1,
        signals: &[],
        criteria: "",
        case_numbers: &[],
        cross: true,
        due: d("2026-12-31"),
    }
}

#[test]
fn a_plan_is_checked_field_by_field() {
    let r = rules();
    let today = d("2026-12-05");
    assert!(check_plan(&plan(PlanKind::Routine), r, today).is_empty());
    let mut p = plan(PlanKind::Routine);
    p.percent = 0;
    p.title = " ";
    p.closed_to = d("2026-12-06");
    p.due = today;
    let fields: Vec<&str> = check_plan(&p, r, today).iter().map(|e| e.field).collect();
    assert_eq!(fields, ["title", "closed_to", "due", "percent"]);
    let mut p = plan(PlanKind::Routine);
    p.sheet_id = "procuratorate_case";
    assert_eq!(check_plan(&p, r, today)[0].field, "sheet");
    assert_eq!(
        check_plan(&plan(PlanKind::Focus), r, today)[0].field,
        "signals"
    );
    let fields: Vec<&str> = check_plan(&plan(PlanKind::Special), r, today)
        .iter()
        .map(|e| e.field)
        .collect();
    assert_eq!(fields, ["criteria", "case_numbers"]);
}

#[test]
fn a_due_day_only_moves_later() {
    let (cur, today) = (d("2026-12-10"), d("2026-12-12"));
    assert!(check_new_due(cur, d("2026-12-20"), today).is_empty());
    assert!(
        check_new_due(cur, d("2026-12-12"), today)[0]
            .message
            .contains("晚于今天")
    );
    let e = check_new_due(d("2026-12-30"), d("2026-12-20"), today);
    assert!(e[0].message.contains("2026-12-30"), "{e:?}");
}
