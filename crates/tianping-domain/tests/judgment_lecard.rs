//! `tianping_domain::judgment` on real judgments from LeCaRD (fixtures in `tests/lecard/`, MIT
//! licence beside them); every expected value below was read off the text by hand.

use tianping_domain::judgment::{
    ArticleRef, Penalty, Sentence, charges, cited_articles, sections, sentences,
};

const CRIMINAL_LAW: &str = "中华人民共和国刑法";

fn art(
    law: &str,
    article: u32,
    suffix: Option<u32>,
    paragraph: Option<u32>,
    item: Option<u32>,
) -> ArticleRef {
    ArticleRef {
        law: law.into(),
        article,
        suffix,
        paragraph,
        item,
    }
}

fn law(article: u32) -> ArticleRef {
    art(CRIMINAL_LAW, article, None, None, None)
}

fn para(article: u32, p: u32) -> ArticleRef {
    art(CRIMINAL_LAW, article, None, Some(p), None)
}

fn sentence(defendant: &str, charge: Option<&str>, penalty: Penalty) -> Sentence {
    Sentence {
        defendant: Some(defendant.into()),
        charge: charge.map(str::to_string),
        penalty,
        probation_months: None,
        fine_yuan: None,
        combined: false,
    }
}

#[test]
fn drunk_driving_with_probation_and_a_fine() {
    // 3696: （2017）粤0303刑初1778号, 危险驾驶 (刑法第一百三十三条之一).
    let text = include_str!("lecard/3696.txt");
    let s = sections(text);
    assert!(
        s.reasoning
            .starts_with("本院认为被告人郭某建的行为已构成危险驾驶罪")
    );
    assert!(s.judgment.starts_with("被告人郭某建犯危险驾驶罪"));
    assert_eq!(
        cited_articles(text),
        vec![
            art(CRIMINAL_LAW, 133, Some(1), None, None),
            para(67, 3),
            law(72),
            law(73)
        ]
    );
    assert_eq!(charges(s.judgment), vec!["危险驾驶罪"]);
    let mut want = sentence(
        "郭某建",
        Some("危险驾驶罪"),
        Penalty::Detention { months: 1 },
    );
    want.probation_months = Some(6);
    want.fine_yuan = Some(10_000);
    assert_eq!(sentences(s.judgment), vec![want]);
    assert_eq!(cited_articles(text)[0].label(), "《刑法》第133条之一");
}

#[test]
fn two_crimes_punished_together() {
    // 7536: （2018）浙0784刑初669号, 强奸 5 years, 抢劫 4 years and ¥1,000, 决定执行 8 years.
    let text = include_str!("lecard/7536.txt");
    let s = sections(text);
    assert!(s.fact.starts_with("经审理查明"));
    assert_eq!(charges(s.judgment), vec!["强奸罪", "抢劫罪"]);
    assert_eq!(
        cited_articles(s.reasoning),
        vec![law(236), law(263), law(69), para(67, 3), law(52), law(53)]
    );
    let got = sentences(s.judgment);
    let mut robbery = sentence("胡涛", Some("抢劫罪"), Penalty::FixedTerm { months: 48 });
    robbery.fine_yuan = Some(1_000);
    let mut total = sentence("胡涛", None, Penalty::FixedTerm { months: 96 });
    total.fine_yuan = Some(1_000);
    total.combined = true;
    assert_eq!(
        got,
        vec![
            sentence("胡涛", Some("强奸罪"), Penalty::FixedTerm { months: 60 }),
            robbery,
            total
        ]
    );
}

#[test]
fn death_with_reprieve_on_appeal_citing_two_laws() {
    // 21121: （2014）浙刑一终字第230号, 故意杀人, 死刑缓期二年执行; cites 刑事诉讼法 §225 ¶1 (2).
    let text = include_str!("lecard/21121.txt");
    let s = sections(text);
    assert_eq!(
        cited_articles(s.reasoning),
        vec![
            law(232),
            para(67, 3),
            para(57, 1),
            law(48),
            art("中华人民共和国刑事诉讼法", 225, None, Some(1), Some(2)),
        ]
    );
    assert_eq!(charges(s.judgment), vec!["故意杀人罪"]);
    assert_eq!(
        sentences(s.judgment),
        vec![sentence(
            "张朝君",
            Some("故意杀人罪"),
            Penalty::Death { reprieve: true }
        )]
    );
}

#[test]
fn drug_sale_with_a_misprinted_numeral_and_two_paragraphs() {
    // 26394: （2016）渝0116刑初1024号, 贩卖毒品 six months, fine 壹仠元 (仠 misprinted for 仟).
    let text = include_str!("lecard/26394.txt");
    let s = sections(text);
    assert_eq!(
        cited_articles(s.reasoning),
        vec![
            para(347, 1),
            para(347, 4),
            para(67, 3),
            law(52),
            law(53),
            law(64)
        ]
    );
    let mut want = sentence("罗建", Some("贩卖毒品罪"), Penalty::FixedTerm { months: 6 });
    want.fine_yuan = Some(1_000);
    assert_eq!(sentences(s.judgment), vec![want]);
}

#[test]
fn two_defendants_each_with_a_fine_in_ten_thousands() {
    // 9593: 张志朋 14 years and ¥5万, 李勇 5 years and ¥1万, both 盗窃.
    let text = include_str!("lecard/9593.txt");
    let s = sections(text);
    let mut a = sentence("张志朋", Some("盗窃罪"), Penalty::FixedTerm { months: 168 });
    a.fine_yuan = Some(50_000);
    let mut b = sentence("李勇", Some("盗窃罪"), Penalty::FixedTerm { months: 60 });
    b.fine_yuan = Some(10_000);
    assert_eq!(sentences(s.judgment), vec![a, b]);
    assert_eq!(charges(s.judgment), vec!["盗窃罪"]);
}

#[test]
fn bribery_by_a_non_state_employee() {
    // 18056: 非国家工作人员受贿, four years; 第一百六十三条第一款 and 第六十四条 in the operative part.
    let text = include_str!("lecard/18056.txt");
    let s = sections(text);
    assert_eq!(charges(s.judgment), vec!["非国家工作人员受贿罪"]);
    assert_eq!(cited_articles(s.judgment), vec![para(163, 1), law(64)]);
    assert_eq!(
        sentences(s.judgment),
        vec![sentence(
            "唐克飞",
            Some("非国家工作人员受贿罪"),
            Penalty::FixedTerm { months: 48 }
        )]
    );
}
