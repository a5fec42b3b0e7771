//! Hand-worked checks on a real judgment (LeCaRD candidate 8, MIT: 江西省南昌市青山湖区人民法院
//! （2018）赣0111刑初485号, 交通肇事) as published, and with one error planted per kind.

use super::*;

/// The judgment as published (its appended statutes cut).
const REAL: &str = "江西省南昌市青山湖区人民法院 刑事判决书 （2018）赣0111刑初485号 公诉机关南昌市青山湖区人民检察院。 被告人应国平，男，1976年11月16日出生于江西省南昌县，汉族，初中文化，司机，家住江西省南昌县。2018年3月19日因涉嫌犯交通肇事罪被刑事拘留，同年3月29日被逮捕。现羁押于南昌市第一看守所。 辩护人许明刚，江西恒红律师事务所律师。 南昌市青山湖区人民检察院以湖检公诉刑诉（2018）461号起诉书指控被告人应国平犯交通肇事罪，于2018年8月27日向本院提起公诉。本院依法组成合议庭，公开开庭审理了本案。南昌市青山湖区人民检察院指派检察员贾莉萍出庭支持公诉，被告人应国平及其辩护人许明刚到庭参加诉讼。现已审理终结。 经审理查明，2017年8月15日16时25分许，被告人应国平驾驶牌号赣E×××××重型自卸货车（核定载重15550KG，实际载重72390KG，超载365.5％）在本市青山湖区冶金大道10KV联红线观田支线039号段由北向南行驶时，与被害人吉某同向骑行的自行车发生碰撞，致吉某受伤（后经鉴定，吉某损伤程度为重伤二级）。事故发生后，应国平当场拨打了报警电话和“120”。经交警部门认定，应国平负本次交通事故的全部责任。 2018年3月19日，被告人应国平经公安机关电话传唤后自行到案接受调查，如实供述了上述事实。 上述事实，被告人应国平在开庭审理过程中亦无异议，且有公诉机关向法庭提交并经当庭举证、质证的被害人吉某的陈述，受案登记表，证人罗某、谢某、李某的证言，现场勘查笔录、现场图、现场照片，车辆过磅单，鉴定意见，户籍证明，归案经过，被告人应国平的供述等证据证实，足以认定。 本院认为，被告人应国平违反交通运输管理法规，驾驶严重超载货车因而发生重大事故，致一人重伤二级，并负事故的全部责任，其行为已构成交通肇事罪。但其在案发后主动报警且在尚未受到讯问、未被采取强制措施时，接到公安机关电话通知后主动到案接受调查并如实供述罪行，具有自首情节，依法可从轻处罚。公诉机关的指控，事实清楚，证据确实、充分，适用法律正确，指控罪名成立。关于辩护人所提被告人应国平具有自首情节、系初犯、偶犯、具有真诚悔罪表现的辩护意见，与事实、证据及法律规定相符，本院予以采纳。但其所提被告人应国平主观恶性不大，具有被迫的因素存在的辩护意见，经查，被告人应国平作为货车驾驶员，其已经预见到其货车严重超载（超载365.5％）可能发生危害公共安全的结果，但轻信能够避免，以致发生了一人重伤二级的法律后果。故上述辩护意见，本院不予采纳。依照《中华人民共和国刑法》第一百三十三条、第六十七条第一款及最高人民法院《关于审理交通肇事刑事案件具体应用法律若干问题的解释》第二条第二款第（五）项、最高人民法院《关于处理自首和立功具体应用法律若干问题的解释》第一条之规定，判决如下： 被告人应国平犯交通肇事罪，判处有期徒刑一年五个月。 （刑期从判决执行之日起计算。判决执行以前先行羁押的，羁押一日折抵刑期一日，即自2018年3月19日起至2019年8月18日止） 如不服本判决，可在接到判决书的第二日起十日内，通过本院或者直接向江西省南昌市中级人民法院提出上诉。书面上诉的，应当提交上诉状正本一份，副本二份。 审判长彭鹤龄 人民陪审员张晓华 人民陪审员万丽平 二〇一八年九月十八日 书记员刘珏";

fn kinds(text: &str) -> Vec<&'static str> {
    proofread(text).iter().map(|f| f.kind.as_str()).collect()
}

fn only(text: &str, kind: Kind) -> Finding {
    let f = proofread(text);
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_eq!(f[0].kind, kind, "{f:#?}");
    // The offsets are characters and point at the finding's own text.
    let at: String = text
        .chars()
        .skip(f[0].start)
        .take(f[0].end - f[0].start)
        .collect();
    assert_eq!(at, f[0].text);
    f[0].clone()
}

fn chars(s: &str) -> usize {
    s.chars().count()
}

#[test]
fn the_published_judgment_has_no_finding() {
    assert_eq!(DocKind::of(REAL), DocKind::CriminalJudgment);
    assert!(proofread(REAL).is_empty(), "{:#?}", proofread(REAL));
}

#[test]
fn a_wrong_end_of_term_is_found_with_its_fix() {
    // 2018-03-19 + 1 year 5 months = 2019-08-19, less a day: 2019-08-18 (as published).
    let planted = REAL.replace("至2019年8月18日止", "至2019年9月18日止");
    let f = only(&planted, Kind::CustodyCredit);
    assert_eq!(f.text, "2019年9月18日");
    assert_eq!(f.suggestion.as_deref(), Some("2019年8月18日"));
    assert_eq!(f.rule, "J09");
    let at = planted.find("2019年9月18日").expect("planted");
    assert_eq!(f.start, chars(&planted[..at]));
    assert_eq!(f.end, f.start + chars("2019年9月18日"));
    assert!(f.message.contains("有期徒刑1年5个月"), "{}", f.message);
    // A wrong term with the right dates: the same finding.
    let planted = REAL.replace("判处有期徒刑一年五个月", "判处有期徒刑一年六个月");
    assert_eq!(
        only(&planted, Kind::CustodyCredit).suggestion.as_deref(),
        Some("2019年9月18日")
    );
}

#[test]
fn an_appeal_period_of_a_civil_judgment_in_a_criminal_one_is_found() {
    let planted = REAL.replace("第二日起十日内", "第二日起十五日内");
    let f = only(&planted, Kind::AppealNotice);
    assert_eq!(f.text, "十五日");
    assert_eq!(f.suggestion.as_deref(), Some("十日"));
    assert!(
        f.message.contains("刑事诉讼法》第二百三十条"),
        "{}",
        f.message
    );
}

#[test]
fn an_arrest_before_detention_and_a_prosecution_after_the_signature_are_found() {
    let planted = REAL.replace("同年3月29日被逮捕", "同年3月9日被逮捕");
    let f = only(&planted, Kind::DateOrder);
    assert_eq!(f.text, "同年3月9日");
    assert!(
        f.message.contains("早于刑事拘留日期（2018年3月19日）"),
        "{}",
        f.message
    );
    let planted = REAL.replace(
        "于2018年8月27日向本院提起公诉",
        "于2018年10月27日向本院提起公诉",
    );
    let f = only(&planted, Kind::DateOrder);
    assert_eq!(f.text, "2018年10月27日");
    assert!(
        f.message.contains("晚于判决日期（2018年9月18日）"),
        "{}",
        f.message
    );
}

#[test]
fn a_case_type_that_does_not_fit_the_document_is_found() {
    let planted = REAL.replace("赣0111刑初485号", "赣0111民初485号");
    let f = only(&planted, Kind::CaseNumberFormat);
    assert_eq!(f.text, "（2018）赣0111民初485号");
    assert!(
        f.message.contains("“民初”与文书种类“刑事判决书”不符"),
        "{}",
        f.message
    );
    let planted = REAL.replace("（2018）赣0111刑初485号", "（2018）赣0111刑初号");
    assert_eq!(kinds(&planted), ["case_number_format"]);
}

#[test]
fn a_judgment_without_its_reasoning_is_found() {
    let planted = REAL.replace("本院认为，", "");
    let f = only(&planted, Kind::SectionMissing);
    assert!(f.message.contains("缺少“本院认为”部分"), "{}", f.message);
    assert_eq!(f.start, 0);
}

#[test]
fn figures_and_capitals_that_differ_are_found() {
    let planted = REAL.replace(
        "判处有期徒刑一年五个月。",
        "判处有期徒刑一年五个月，赔偿被害人吉某医疗费12345.60元（大写：壹万贰仟叁佰肆拾伍元陆角）、护理费3000元（大写：叁仟伍佰元整）。",
    );
    let f = only(&planted, Kind::AmountMismatch);
    assert_eq!(f.text, "3000元（大写：叁仟伍佰元整");
    assert!(
        f.message.contains("小写为3000元") && f.message.contains("为3500元"),
        "{}",
        f.message
    );
    assert_eq!(capital_fen("壹万贰仟叁佰肆拾伍元陆角"), Some(1_234_560));
    assert_eq!(capital_fen("伍万元整"), Some(5_000_000));
    assert_eq!(capital_fen("壹佰零伍元零伍分"), Some(10_505));
}

#[test]
fn an_identity_number_with_a_wrong_check_digit_is_found() {
    // 11010519491231002X is the standard's own example (GB 11643-1999).
    let ok = REAL.replace(
        "男，1976年11月16日出生",
        "男，公民身份号码11010519491231002X，1976年11月16日出生",
    );
    assert!(proofread(&ok).is_empty(), "{:#?}", proofread(&ok));
    let planted = ok.replace("11010519491231002X", "110105194912310021");
    let f = only(&planted, Kind::IdNumberChecksum);
    assert!(f.message.contains("校验码应为 X"), "{}", f.message);
    let planted = ok.replace("11010519491231002X", "11010519491331002X");
    assert!(
        only(&planted, Kind::IdNumberChecksum)
            .message
            .contains("出生日期")
    );
}

#[test]
fn dates_read_in_both_numerals() {
    assert_eq!(
        date_at("二〇一八年九月十八日", None),
        Some((
            NaiveDate::from_ymd_opt(2018, 9, 18).expect("d"),
            chars_bytes("二〇一八年九月十八日")
        ))
    );
    assert_eq!(
        date_at("同年3月29日被逮捕", NaiveDate::from_ymd_opt(2018, 1, 1)).map(|(d, _)| d),
        NaiveDate::from_ymd_opt(2018, 3, 29)
    );
    assert_eq!(date_at("3月29日", None), None);
    // 同月 is the month written last.
    assert_eq!(
        date_at("同月26日被刑事拘留", NaiveDate::from_ymd_opt(2015, 9, 24)).map(|(d, _)| d),
        NaiveDate::from_ymd_opt(2015, 9, 26)
    );
}

fn chars_bytes(s: &str) -> usize {
    s.len()
}

#[test]
fn a_term_written_with_you_reads_the_same_and_a_custody_break_is_not_checked() {
    // 一年又五个月 is 一年五个月: the published dates stand.
    let you = REAL.replace("判处有期徒刑一年五个月", "判处有期徒刑一年又五个月");
    assert!(proofread(&you).is_empty(), "{:#?}", proofread(&you));
    // Released on bail between detention and arrest: the period may run longer than the term
    // from the first day, so a later end is not a finding.
    let bail = REAL
        .replace(
            "同年3月29日被逮捕",
            "同年3月22日被取保候审，同年5月29日被逮捕",
        )
        .replace("至2019年8月18日止", "至2019年10月26日止");
    assert!(proofread(&bail).is_empty(), "{:#?}", proofread(&bail));
}

// --- J07: citations and charges --------------------------------------------------------------

#[test]
fn an_article_no_version_had_is_found() {
    let planted = REAL.replace("第六十七条第一款", "第四百六十七条第一款");
    let f = only(&planted, Kind::CitationNonexistent);
    assert_eq!(f.text, "第四百六十七条第一款");
    assert_eq!(f.rule, "J07");
    assert!(f.message.contains("第四百五十二条"), "{}", f.message);
    // A 之X no amendment created.
    let planted = REAL.replace("第一百三十三条、", "第一百三十三条、第一百三十三条之九、");
    assert_eq!(
        only(&planted, Kind::CitationNonexistent).text,
        "第一百三十三条之九"
    );
}

#[test]
fn an_article_cited_before_its_amendment_took_effect_is_found() {
    // 第一百三十三条之二 (妨害安全驾驶罪) came with 修正案（十一）, in force 2021-03-01; the
    // judgment is of 2018.
    let planted = REAL.replace("第一百三十三条、", "第一百三十三条、第一百三十三条之二、");
    let f = only(&planted, Kind::CitationNotInForce);
    assert!(f.message.contains("刑法修正案（十一）"), "{}", f.message);
    assert!(f.message.contains("2021年3月1日"), "{}", f.message);
    // The civil code from 2021, cited in 2018.
    let planted = REAL.replace(
        "第六十七条第一款及",
        "第六十七条第一款、《中华人民共和国民法典》第一千一百七十九条及",
    );
    assert_eq!(
        only(&planted, Kind::CitationNotInForce).text,
        "第一千一百七十九条"
    );
}

#[test]
fn an_article_rewritten_between_the_act_and_the_judgment_is_pointed_out() {
    // 第一百三十三条之一 (危险驾驶) was rewritten by 修正案（九）, in force 2015-11-01; the act of
    // 2015-08-15, the judgment of 2018.
    let planted = REAL
        .replace(
            "第一百三十三条、",
            "第一百三十三条、第一百三十三条之一第一款、",
        )
        .replace("2017年8月15日16时25分许", "2015年8月15日16时25分许");
    let f = only(&planted, Kind::CitationChanged);
    assert_eq!(f.text, "第一百三十三条之一第一款");
    assert!(f.kind.advisory());
    assert!(f.message.contains("刑法修正案（九）"), "{}", f.message);
    assert!(f.message.contains("从旧兼从轻"), "{}", f.message);
    assert!(f.message.contains("2015年8月15日"), "{}", f.message);
    // Acts after the amendment: nothing to point out; a birth date is not an act.
    let later = planted.replace("2015年8月15日16时25分许", "2016年8月15日16时25分许");
    assert_eq!(kinds(&later), Vec::<&str>::new());
    let born = later.replace(
        "经审理查明，",
        "经审理查明，被告人应国平（2009年1月1日出生）",
    );
    assert_eq!(kinds(&born), Vec::<&str>::new());
}

#[test]
fn a_charge_without_its_article_is_found() {
    let planted = REAL.replace("第一百三十三条、", "第二百六十四条、");
    let f = only(&planted, Kind::ChargeArticleMismatch);
    assert_eq!(f.text, "交通肇事罪");
    assert!(f.message.contains("第一百三十三条"), "{}", f.message);
}

// --- J09: 数罪并罚 ---------------------------------------------------------------------------------

const TWO_CHARGES: &str = "被告人应国平犯交通肇事罪，判处有期徒刑一年五个月；犯妨害公务罪，判处有期徒刑一年，决定执行有期徒刑二年。";

fn with_operative(operative: &str) -> String {
    REAL.replace("第一百三十三条、", "第一百三十三条、第二百七十七条、")
        .replace(
            "第一百三十三条、第二百七十七条、第六十七条",
            "第一百三十三条、第一百三十三条之一、第二百七十七条、第六十七条",
        )
        .replace(
            "被告人应国平犯交通肇事罪，判处有期徒刑一年五个月。",
            operative,
        )
}

#[test]
fn a_combined_term_within_the_law_is_not_found() {
    assert_eq!(kinds(&with_operative(TWO_CHARGES)), Vec::<&str>::new());
    // 有期徒刑 with 拘役: only the 有期徒刑 is served.
    let mixed = "被告人应国平犯交通肇事罪，判处有期徒刑一年五个月；犯危险驾驶罪，判处拘役二个月，并处罚金人民币二千元，决定执行有期徒刑一年五个月，并处罚金人民币二千元。";
    assert_eq!(kinds(&with_operative(mixed)), Vec::<&str>::new());
}

#[test]
fn a_combined_term_above_the_sum_or_the_wrong_kind_is_found() {
    let planted =
        with_operative(&TWO_CHARGES.replace("决定执行有期徒刑二年", "决定执行有期徒刑二年八个月"));
    let f = only(&planted, Kind::SentenceArithmetic);
    assert_eq!(f.text, "决定执行有期徒刑二年八个月");
    assert!(f.message.contains("2年5个月"), "{}", f.message);
    // Below the longest single term.
    let planted =
        with_operative(&TWO_CHARGES.replace("决定执行有期徒刑二年", "决定执行有期徒刑一年"));
    assert!(
        only(&planted, Kind::SentenceArithmetic)
            .message
            .contains("最高刑期1年5个月以上")
    );
    // 拘役 served where a 有期徒刑 was imposed.
    let mixed = "被告人应国平犯交通肇事罪，判处有期徒刑一年五个月；犯危险驾驶罪，判处拘役二个月，决定执行拘役六个月。";
    let f = only(&with_operative(mixed), Kind::SentenceArithmetic);
    assert!(f.message.contains("执行有期徒刑"), "{}", f.message);
}

#[test]
fn the_cap_of_twenty_years_under_a_sum_of_thirty_five_is_found() {
    let op = "被告人应国平犯交通肇事罪，判处有期徒刑十五年；犯妨害公务罪，判处有期徒刑十年，决定执行有期徒刑二十二年。";
    let f = only(&with_operative(op), Kind::SentenceArithmetic);
    assert!(f.message.contains("不能超过二十年"), "{}", f.message);
    // At 35 years or more the cap is 25.
    let op = "被告人应国平犯交通肇事罪，判处有期徒刑十五年；犯妨害公务罪，判处有期徒刑十五年；犯危险驾驶罪，判处有期徒刑五年，决定执行有期徒刑二十二年。";
    assert_eq!(kinds(&with_operative(op)), Vec::<&str>::new());
}

// --- typos -----------------------------------------------------------------------------------------

#[test]
fn a_sound_alike_slip_in_a_judgment_is_found_with_its_fix() {
    let planted = REAL.replacen("证据确实", "证据确时", 1);
    let f = only(&planted, Kind::Typo);
    assert_eq!(f.text, "时");
    assert_eq!(f.suggestion.as_deref(), Some("实"));
    let at = planted.find("确时").expect("planted") + "确".len();
    assert_eq!(f.start, chars(&planted[..at]));
    // A figure is never changed: 二 and 一 look alike, but a wrong guess there changes the term.
    let figure = REAL.replace("判处有期徒刑一年五个月", "判处有期徒刑二年五个月");
    assert!(!kinds(&figure).contains(&"typo"));
}

#[test]
fn a_name_slipped_in_the_operative_part_is_found_with_its_fix() {
    let planted = REAL.replace(
        "被告人应国平犯交通肇事罪，判处",
        "被告人应国萍犯交通肇事罪，判处",
    );
    let f = only(&planted, Kind::NameInconsistent);
    assert_eq!(f.text, "应国萍");
    assert_eq!(f.suggestion.as_deref(), Some("应国平"));
    assert_eq!(f.rule, "J04");
}

#[test]
fn a_name_slipped_in_the_heading_is_found_once_there() {
    let planted = REAL.replace("被告人应国平，男", "被告人应国萍，男");
    let f = only(&planted, Kind::NameInconsistent);
    assert_eq!(f.text, "应国萍");
    assert_eq!(f.suggestion.as_deref(), Some("应国平"));
    assert!(f.message.contains("疑首部有误"), "{}", f.message);
    assert!(f.start < chars(&REAL[..REAL.find("辩护人").unwrap()]));
}

#[test]
fn another_person_of_another_name_is_not_a_slip() {
    // 应国华 does not sound or look like 应国平: someone else, not a slip.
    let other = REAL.replace(
        "被告人应国平犯交通肇事罪，判处",
        "被告人应国华犯交通肇事罪，判处",
    );
    assert!(!kinds(&other).contains(&"name_inconsistent"));
    // Names written with 某 are the publisher's, not the court's.
    let anon = REAL
        .replace("应国平", "应某某")
        .replace("被告人应某某犯交通肇事罪", "被告人吴某某犯交通肇事罪");
    assert!(!kinds(&anon).contains(&"name_inconsistent"));
}

#[test]
fn an_appendix_that_repeats_another_number_is_found() {
    let appended = format!("{REAL} 文书附页：（2018）赣0111刑初458号案件所适用的法条：");
    let f = only(&appended, Kind::CaseNumberMismatch);
    assert_eq!(f.text, "（2018）赣0111刑初458号");
    assert_eq!(f.suggestion.as_deref(), Some("（2018）赣0111刑初485号"));
    let same = format!("{REAL} 文书附页：（2018）赣0111刑初485号案件所适用的法条：");
    assert!(proofread(&same).is_empty());
}

fn party(name: &str, role: &str) -> crate::case::Party {
    crate::case::Party {
        name: name.into(),
        role: role.into(),
        kind: crate::case::PartyKind::Natural,
        minor: false,
        id_number: None,
    }
}

#[test]
fn the_draft_is_checked_against_the_record_of_its_case() {
    let parties = [party("应国平", "被告人"), party("吉某", "被害人")];
    let record = Record {
        case_number: Some("(2018)赣0111刑初485号"),
        origin_case_number: None,
        parties: &parties,
    };
    // The same number written with half-width brackets, the same defendant: nothing.
    assert!(proofread_case(REAL, &record).is_empty());
    let other = Record {
        case_number: Some("（2018）赣0111刑初584号"),
        ..record
    };
    let f = proofread_case(REAL, &other);
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_eq!(f[0].kind, Kind::CaseNumberMismatch);
    assert_eq!(f[0].text, "（2018）赣0111刑初485号");
    assert_eq!(f[0].suggestion.as_deref(), Some("（2018）赣0111刑初584号"));
    // The record's defendant is 应国华: the draft's 应国平 is the one to check.
    let parties = [party("应国华", "被告人")];
    let f = proofread_case(
        REAL,
        &Record {
            parties: &parties,
            ..record
        },
    );
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_eq!(f[0].kind, Kind::NameInconsistent);
    assert_eq!(f[0].text, "应国平");
    assert_eq!(f[0].suggestion.as_deref(), Some("应国华"));
}

#[test]
fn an_appeal_naming_another_judgment_than_its_origin_is_found() {
    let appeal = "江西省南昌市中级人民法院 刑事裁定书 （2019）赣01刑终12号 原公诉机关南昌市青山湖区人民检察院。 上诉人（原审被告人）应国平，男，1976年11月16日出生。 江西省南昌市青山湖区人民法院审理南昌市青山湖区人民检察院指控原审被告人应国平犯交通肇事罪一案，于2018年9月18日作出（2018）赣0111刑初458号刑事判决。";
    let parties = [party("应国平", "上诉人")];
    let record = Record {
        case_number: Some("（2019）赣01刑终12号"),
        origin_case_number: Some("（2018）赣0111刑初485号"),
        parties: &parties,
    };
    let f: Vec<Finding> = proofread_case(appeal, &record)
        .into_iter()
        .filter(|f| f.kind == Kind::CaseNumberMismatch)
        .collect();
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_eq!(f[0].text, "（2018）赣0111刑初458号");
    assert_eq!(f[0].suggestion.as_deref(), Some("（2018）赣0111刑初485号"));
    let right = appeal.replace("刑初458号", "刑初485号");
    assert!(
        !proofread_case(&right, &record)
            .iter()
            .any(|f| f.kind == Kind::CaseNumberMismatch || f.kind == Kind::NameInconsistent)
    );
}

/// The closing clause of a civil money judgment, signed on `signed` (in Chinese numerals).
fn civil(article: &str, signed: &str) -> String {
    format!(
        "浙江省杭州市上城区人民法院 民事判决书 （2023）浙0102民初1号 原告甲公司，住所地杭州市。被告乙公司，住所地杭州市。\
         本院认为，被告应当支付货款。依照《中华人民共和国民法典》第五百七十九条之规定，判决如下：\
         被告乙公司于本判决生效之日起十日内支付原告甲公司货款50000元。\
         如果未按本判决指定的期间履行给付金钱义务，应当依照《中华人民共和国民事诉讼法》{article}之规定，加倍支付迟延履行期间的债务利息。\
         如不服本判决，可以在判决书送达之日起十五日内，向本院递交上诉状，上诉于浙江省杭州市中级人民法院。 审判员 李某 {signed} 书记员 王某"
    )
}

#[test]
fn a_renumbered_article_cited_for_default_interest_is_found_with_its_number_on_the_day() {
    // Signed in 2024: the 2023 revision put it in 第二百六十四条.
    let f = only(
        &civil("第二百五十三条", "二〇二四年三月五日"),
        Kind::CitationRenumbered,
    );
    assert_eq!(f.text, "第二百五十三条");
    assert_eq!(f.suggestion.as_deref(), Some("第二百六十四条"));
    assert!(f.message.contains("2024年1月1日"), "{}", f.message);
    // Signed in 2022: 第二百六十条.
    let f = only(
        &civil("第二百五十三条", "二〇二二年六月一日"),
        Kind::CitationRenumbered,
    );
    assert_eq!(f.suggestion.as_deref(), Some("第二百六十条"));
    // The right number for the day: nothing.
    for (article, signed) in [
        ("第二百五十三条", "二〇二〇年三月五日"),
        ("第二百六十条", "二〇二三年三月五日"),
        ("第二百六十四条", "二〇二四年三月五日"),
    ] {
        let text = civil(article, signed);
        assert!(
            !kinds(&text).contains(&"citation_renumbered"),
            "{article} {signed}: {:#?}",
            proofread(&text)
        );
    }
}

/// A contract judgment with its facts of `facts_on`, citing `cited`, signed on `signed`.
fn contract(facts_on: &str, cited: &str, signed: &str) -> String {
    format!(
        "浙江省杭州市西湖区人民法院 民事判决书 （2022）浙0106民初1号 原告甲公司，住所地杭州市。被告乙公司，住所地杭州市。\
         经审理查明，{facts_on}，原告与被告签订买卖合同，约定被告于收货后三十日内支付货款50000元。原告依约交货，被告至今未付。\
         本院认为，被告未按约支付货款，应当承担违约责任。依照{cited}之规定，判决如下：\
         被告乙公司于本判决生效之日起十日内支付原告甲公司货款50000元。\
         如不服本判决，可以在判决书送达之日起十五日内，向本院递交上诉状，上诉于浙江省杭州市中级人民法院。 审判员 李某 {signed} 书记员 王某"
    )
}

#[test]
fn a_repealed_civil_law_cited_for_facts_after_its_repeal_is_found() {
    // Facts of 2021-06, after 民法典 repealed 合同法 on 2021-01-01.
    let text = contract(
        "2021年6月1日",
        "《中华人民共和国合同法》第一百零七条",
        "二〇二二年三月五日",
    );
    let f = only(&text, Kind::CitationNotInForce);
    assert_eq!(f.text, "第一百零七条");
    assert_eq!(f.rule, "J07");
    for w in [
        "合同法",
        "民法典",
        "第一千二百六十条",
        "2021年1月1日",
        "2021年6月1日",
    ] {
        assert!(f.message.contains(w), "{w}: {}", f.message);
    }
    // Facts of 2020: the old law still decides them (民法典时间效力规定第一条); the code cited
    // for them is right too.
    for (facts, cited) in [
        ("2020年6月1日", "《中华人民共和国合同法》第一百零七条"),
        ("2021年6月1日", "《中华人民共和国民法典》第五百七十七条"),
    ] {
        let text = contract(facts, cited, "二〇二二年三月五日");
        assert!(
            proofread(&text).is_empty(),
            "{facts} {cited}: {:#?}",
            proofread(&text)
        );
    }
    // Signed before the repeal: in force. An article 合同法 never had: nonexistent.
    let text = contract(
        "2019年6月1日",
        "《中华人民共和国合同法》第一百零七条",
        "二〇二〇年三月五日",
    );
    assert!(proofread(&text).is_empty(), "{:#?}", proofread(&text));
    let text = contract(
        "2019年6月1日",
        "《中华人民共和国合同法》第四百五十条",
        "二〇二〇年三月五日",
    );
    assert!(
        only(&text, Kind::CitationNonexistent)
            .message
            .contains("第四百二十八条")
    );
}
