//! The demo's case quality evaluation (评查): 杭州中院's 审管办 (the `caseoffice` login) keeps an
//! expert pool — judges of the district courts (西湖's first is the `judge_xh` login), two of its
//! own cleared for minors' and privacy cases, and the third-party evaluator — and ran last
//! quarter's 常规评查 across the city as a cross evaluation: most cases scored and confirmed, a
//! few 瑕疵 with their supervision items, one objected and re-checked, a few still with their
//! evaluators. Its 裁判文书专项评查 has one case of the `judge` login scored yesterday (its 待办:
//! accept or object). 杭州市委政法委 (the `plc` login) runs a 重点评查 of the courts' closed cases
//! that ran late, were flagged or rated badly, with a pool of the third-party evaluator (the
//! `evaluator` login, 严律师, who has cases waiting) and two scholars.

use anyhow::{Context, Result};
use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use sqlx::Row;
use tianping_domain::evaluation::review::{Act, Stage};
use tianping_domain::evaluation::{Deduction, PlanKind, Signal, rules, score};
use tianping_domain::{AgencyKind, Clearance, Confidentiality, Role};
use tianping_store::Store;
use tianping_store::evaluation::{ActInput, EvalCaseRow, PlanInput};
use tianping_store::user::{NewUser, User};

/// Problems evaluators find, by item of the court case sheet.
const PROBLEMS: &[(&str, &str)] = &[
    ("1.3", "立案信息中诉讼标的额录入错误"),
    ("2.1", "公告送达前未穷尽直接送达、邮寄送达等方式"),
    ("2.3", "延长审限审批表在期限届满后补签"),
    ("2.4", "庭审笔录未记载被告最后陈述"),
    ("3.1", "借款交付事实仅凭借条认定，未审查转账凭证"),
    ("3.3", "违约金计算基数有误，多判一万二千元"),
    ("4.2", "未回应被告关于诉讼时效的抗辩"),
    ("4.3", "引用已失效的《中华人民共和国合同法》条文"),
    ("5.1", "判决书错别字三处"),
    ("5.2", "判决书当事人住所与起诉状不一致"),
    ("6.1", "结案后超过三个月未归档"),
];

/// Problems of judgments, by item of the 裁判文书评查表: (item, points, note).
const DOC_PROBLEMS: &[(&str, u32, &str)] = &[
    (
        "1.2",
        4,
        "判决书载明的被告住所与起诉状、送达地址确认书不一致",
    ),
    ("2.2", 8, "未回应被告关于诉讼时效已过的抗辩，说理不充分"),
    ("3.1", 5, "引用已失效的《中华人民共和国合同法》第二百零六条"),
    ("1.1", 3, "落款日期与宣判笔录记载的日期不一致"),
];

fn quarter_start(d: NaiveDate) -> NaiveDate {
    let m = (d.month0() / 3) * 3 + 1;
    NaiveDate::from_ymd_opt(d.year(), m, 1).unwrap_or(d)
}

/// The deductions of the `i`th case: none, a few small ones, or (every seventh) a substantive
/// error that makes it 瑕疵.
fn deductions(i: usize) -> Vec<Deduction> {
    let sheet = rules().sheet("court_case", 1);
    let mut out = vec![];
    let n = [0, 1, 2, 1, 3, 0, 2][i % 7];
    for k in 0..n {
        let (code, note) = PROBLEMS[(i * 3 + k * 5) % PROBLEMS.len()];
        if out.iter().any(|d: &Deduction| d.item == code) {
            continue;
        }
        let max = sheet
            .and_then(|s| s.item(code))
            .map_or(1, |(_, it)| it.points);
        out.push(Deduction {
            item: code.into(),
            points: (max / 2).max(1),
            note: note.into(),
        });
    }
    if i % 7 == 6 {
        out.retain(|d| !d.item.starts_with('3'));
        out.retain(|d| d.item != "2.4");
        out.push(Deduction {
            item: "2.4".into(),
            points: 6,
            note: "庭审笔录未记载被告最后陈述".into(),
        });
        out.push(Deduction {
            item: "3.1".into(),
            points: 12,
            note: "借款交付事实仅凭借条认定，未审查转账凭证，认定事实不清".into(),
        });
        out.push(Deduction {
            item: "3.2".into(),
            points: 8,
            note: "适用法律错误：民间借贷利率保护上限适用有误".into(),
        });
    }
    out
}

fn act(c: &EvalCaseRow, act: Act, deds: &[Deduction]) -> Result<ActInput> {
    let r = rules();
    let sheet = r
        .sheet(&c.sheet_id, u32::try_from(c.sheet_version).unwrap_or(1))
        .context("sheet")?;
    let (total, grade, passes, opens) = match act {
        Act::Score | Act::Recheck => {
            let s = score(sheet, deds, r).map_err(|e| anyhow::anyhow!("{e:?}"))?;
            (
                Some(s.total),
                Some(s.grade.name.clone()),
                s.grade.passes,
                act == Act::Recheck && s.grade.opens_item,
            )
        }
        _ => {
            let g = r
                .scale(AgencyKind::Court)
                .iter()
                .find(|g| Some(g.name.as_str()) == c.grade.as_deref());
            (
                None,
                None,
                g.is_some_and(|g| g.passes),
                act != Act::Object && g.is_some_and(|g| g.opens_item),
            )
        }
    };
    let json: Vec<serde_json::Value> = deds
        .iter()
        .map(|d| serde_json::json!({"item": d.item, "points": d.points, "note": d.note}))
        .collect();
    let shown = if matches!(act, Act::Score | Act::Recheck) {
        deds.to_vec()
    } else {
        serde_json::from_str::<Vec<serde_json::Value>>(c.deductions.as_deref().unwrap_or("[]"))
            .unwrap_or_default()
            .iter()
            .map(|v| Deduction {
                item: v["item"].as_str().unwrap_or_default().into(),
                points: u32::try_from(v["points"].as_u64().unwrap_or(0)).unwrap_or(0),
                note: v["note"].as_str().unwrap_or_default().into(),
            })
            .collect()
    };
    Ok(ActInput {
        id: c.id,
        act,
        deductions: matches!(act, Act::Score | Act::Recheck)
            .then(|| serde_json::to_string(&json))
            .transpose()?,
        score: total,
        grade,
        passes,
        opens_item: opens,
        note: match act {
            Act::Object => "送达问题系当事人拒收所致，已留置送达并拍照存卷，不应扣分；庭审笔录另页记载了最后陈述。".into(),
            Act::Recheck => "经复核，留置送达材料齐全，撤销第2.1项扣分；其余扣分维持。".into(),
            _ => String::new(),
        },
        problems: shown
            .iter()
            .map(|d| tianping_domain::evaluation::problem(sheet, &d.item, d.points, &d.note))
            .collect(),
    })
}

async fn user_of(store: &Store, id: Option<i64>) -> Result<User> {
    store
        .user_by_id(id.context("an evaluator")?)
        .await?
        .context("the evaluator's account")
}

/// The account of a case's judge (by name within the court), if the demo has one.
async fn judge_of(store: &Store, c: &EvalCaseRow) -> Result<Option<User>> {
    let Some(name) = &c.case_judge else {
        return Ok(None);
    };
    let row = sqlx::query("SELECT id FROM users WHERE org_id = $1 AND display_name = $2 AND role = 'judge' ORDER BY id LIMIT 1")
        .bind(&c.case_org_id)
        .bind(name)
        .fetch_optional(store.pool())
        .await?;
    match row {
        Some(r) => Ok(store.user_by_id(r.try_get("id")?).await?),
        None => Ok(None),
    }
}

/// Seeds the pools, the two plans and their history; returns (experts, evaluated cases).
pub async fn seed_evaluations(store: &Store, now: DateTime<Utc>) -> Result<(usize, usize)> {
    let user = |n: &'static str| async move {
        store
            .user_by_username(n)
            .await?
            .with_context(|| format!("demo user {n}"))
    };
    let (office, plc, judge_login) = (
        user("caseoffice").await?,
        user("plc").await?,
        user("judge").await?,
    );
    let dir = store.org_directory().await?;
    let city_court = dir
        .get(&super::org_id(AgencyKind::Court, "3301"))
        .context("杭州中院")?
        .clone();
    let plc_org = dir
        .get(&super::org_id(AgencyKind::PoliticalLegalCommittee, "3301"))
        .context("杭州市委政法委")?
        .clone();
    let today = tianping_domain::clock::local_date(now);
    let at = |days: i64| now - Duration::days(days);

    // 中院's pool: two judges of each district court, and two of its own cleared for minors'
    // and privacy cases.
    let mut experts = 0;
    for code in ["330102", "330105", "330106", "330108", "330109", "3301"] {
        for n in 1..=2 {
            // 西湖's first judge is the `judge_xh` login.
            let username = if code == "330106" && n == 1 {
                "judge_xh".to_string()
            } else {
                format!("{}-j{n}", super::org_id(AgencyKind::Court, code))
            };
            let Some(u) = store.user_by_username(&username).await? else {
                continue;
            };
            // Not the `judge` login: the demo's own evaluated judge evaluates nobody.
            if u.id == judge_login.id {
                continue;
            }
            if code == "3301" {
                store
                    .grant_role(
                        u.id,
                        Role::Judge,
                        &Clearance(vec![Confidentiality::Minors, Confidentiality::Privacy]),
                        "secadmin",
                        at(200),
                    )
                    .await?;
            }
            let relations = if experts == 3 {
                "王某某、李某某"
            } else {
                ""
            };
            store
                .add_evaluation_expert(
                    &city_court.id,
                    &username,
                    "judge",
                    relations,
                    &office,
                    at(120),
                )
                .await?;
            experts += 1;
        }
    }
    // 政法委's pool: the third-party evaluator and two scholars (no login; evaluators of record).
    for (username, name) in [("plc-scholar-1", "邵教授"), ("plc-scholar-2", "蔡研究员")] {
        store
            .insert_user(
                &NewUser {
                    username: username.into(),
                    display_name: name.into(),
                    org_id: plc_org.id.clone(),
                    role: Role::Evaluator,
                    clearance: Clearance::default(),
                    email: None,
                    password_hash: "!login-disabled".into(),
                },
                at(100),
            )
            .await?;
        store
            .add_evaluation_expert(&plc_org.id, username, "scholar", "", &plc, at(100))
            .await?;
        experts += 1;
    }
    // The third-party evaluator serves both pools.
    for (org, by) in [(&plc_org.id, &plc), (&city_court.id, &office)] {
        store
            .add_evaluation_expert(org, "evaluator", "third_party", "", by, at(100))
            .await?;
        experts += 1;
    }

    // 中院's routine plan: last quarter's closed cases of the city's courts, 5% of each judge's.
    let this_q = quarter_start(today);
    let last_q = quarter_start(this_q - Duration::days(1));
    let made = store
        .make_evaluation_plan(
            &PlanInput {
                org_id: city_court.id.clone(),
                region_path: city_court.region_path.clone(),
                kind: PlanKind::Routine,
                title: format!(
                    "{}年第{}季度案件质量常规评查（交叉评查）",
                    last_q.year(),
                    last_q.month0() / 3 + 1
                ),
                agency: AgencyKind::Court,
                sheet_id: "court_case".into(),
                sheet_version: 1,
                closed_from: last_q,
                closed_to: this_q - Duration::days(1),
                percent: 5,
                min_per_judge: 1,
                signals: vec![],
                criteria: String::new(),
                case_numbers: vec![],
                cross: true,
                experts: vec![],
                due: today + Duration::days(20),
                seed: "3f9c2a71d84e0b65c1e7a9d02b4f6e18".into(),
            },
            &office,
            at(25),
        )
        .await?;
    let rows = store.evaluation_cases(made.id).await?;
    let mut evaluated = rows.len();
    let mut objected = false;
    for (i, c) in rows.iter().enumerate() {
        if c.evaluator_id.is_none() {
            continue;
        }
        let own = c.case_judge.as_deref() == Some(judge_login.display_name.as_str())
            && c.case_org_id == judge_login.org_id;
        // A few still with their evaluators.
        if !own && i % 6 == 5 {
            continue;
        }
        let evaluator = user_of(store, c.evaluator_user_id).await?;
        let deds = deductions(i);
        let when = if own { at(1) } else { at(14) };
        store
            .act_on_evaluation(
                &act(c, Act::Score, &deds)?,
                Stage::Assigned,
                &evaluator,
                when,
            )
            .await?;
        if own {
            continue; // the `judge` login's 待办
        }
        let c = store.evaluation_case(c.id).await?.context("scored")?;
        let judge = judge_of(store, &c).await?;
        if !objected && c.grade.as_deref() == Some("瑕疵") && judge.is_some() {
            // Objected and re-checked by another expert.
            let j = judge.context("judge")?;
            let out = store
                .act_on_evaluation(&act(&c, Act::Object, &[])?, Stage::Scored, &j, at(12))
                .await?;
            if out.rechecker.is_some() {
                let c = store.evaluation_case(c.id).await?.context("objected")?;
                let re = user_of(store, c.rechecker_user_id).await?;
                let kept: Vec<Deduction> =
                    deds.iter().filter(|d| d.item != "2.1").cloned().collect();
                store
                    .act_on_evaluation(&act(&c, Act::Recheck, &kept)?, Stage::Objected, &re, at(5))
                    .await?;
            }
            objected = true;
            continue;
        }
        // The rest: accepted by the judge or confirmed by the office after the days passed.
        match (i % 2, judge) {
            (0, Some(j)) => {
                store
                    .act_on_evaluation(&act(&c, Act::Accept, &[])?, Stage::Scored, &j, at(13))
                    .await?
            }
            _ => {
                store
                    .act_on_evaluation(&act(&c, Act::Confirm, &[])?, Stage::Scored, &office, at(3))
                    .await?
            }
        };
    }

    // 中院's 裁判文书专项评查 of 上城's civil judgments this year, the `judge` login's latest
    // among them — scored yesterday: its 待办 is to accept or object.
    let civil: Vec<(String, String)> = sqlx::query_as(
        "SELECT case_number, judge FROM cases WHERE org_id = $1 AND case_number LIKE '%民初%' AND closed_at >= $2 ORDER BY closed_at DESC",
    )
    .bind(&judge_login.org_id)
    .bind(format!("{}-01-01", today.year()))
    .fetch_all(store.pool())
    .await?;
    let own: Option<String> = civil
        .iter()
        .find(|(_, j)| *j == judge_login.display_name)
        .map(|(n, _)| n.clone());
    let mut listed: Vec<String> = civil
        .iter()
        .filter(|(n, _)| Some(n) != own.as_ref())
        .take(5)
        .map(|(n, _)| n.clone())
        .collect();
    listed.extend(own.clone());
    if !listed.is_empty() {
        let made = store
            .make_evaluation_plan(
                &PlanInput {
                    org_id: city_court.id.clone(),
                    region_path: city_court.region_path.clone(),
                    kind: PlanKind::Special,
                    title: format!("{}年民商事裁判文书专项评查", today.year()),
                    agency: AgencyKind::Court,
                    sheet_id: "judgment_document".into(),
                    sheet_version: 1,
                    closed_from: NaiveDate::from_ymd_opt(today.year(), 1, 1).unwrap_or(today),
                    closed_to: today - Duration::days(1),
                    percent: 0,
                    min_per_judge: 0,
                    signals: vec![],
                    criteria: "裁判文书说理是否充分、是否回应当事人诉辩意见，引用法律条文是否准确、现行有效".into(),
                    case_numbers: listed,
                    cross: true,
                    experts: vec![],
                    due: today + Duration::days(15),
                    seed: "6e0f1c2d3b4a59687766554433221100".into(),
                },
                &office,
                at(9),
            )
            .await?;
        let rows = store.evaluation_cases(made.id).await?;
        evaluated += rows.len();
        for (i, c) in rows.iter().enumerate() {
            let Ok(evaluator) = user_of(store, c.evaluator_user_id).await else {
                continue;
            };
            let mine = Some(&c.case_number) == own.as_ref();
            let deds: Vec<Deduction> = DOC_PROBLEMS
                .iter()
                .skip(i % 3)
                .take(if mine { 2 } else { i % 3 })
                .map(|(code, points, note)| Deduction {
                    item: (*code).into(),
                    points: *points,
                    note: (*note).into(),
                })
                .collect();
            let when = if mine { at(1) } else { at(8) };
            store
                .act_on_evaluation(
                    &act(c, Act::Score, &deds)?,
                    Stage::Assigned,
                    &evaluator,
                    when,
                )
                .await?;
            if !mine {
                let c = store.evaluation_case(c.id).await?.context("scored")?;
                store
                    .act_on_evaluation(&act(&c, Act::Confirm, &[])?, Stage::Scored, &office, at(1))
                    .await?;
            }
        }
    }

    // 政法委's focus plan: the courts' closed cases of the last half year that ran late, were
    // flagged or rated badly; the third-party evaluator's cases wait for them.
    let made = store
        .make_evaluation_plan(
            &PlanInput {
                org_id: plc_org.id.clone(),
                region_path: plc_org.region_path.clone(),
                kind: PlanKind::Focus,
                title: format!("{}年下半年重点案件交叉评查", today.year()),
                agency: AgencyKind::Court,
                sheet_id: "court_case".into(),
                sheet_version: 1,
                closed_from: today - Duration::days(183),
                closed_to: today - Duration::days(1),
                percent: 0,
                min_per_judge: 0,
                signals: vec![Signal::Overdue, Signal::Flagged, Signal::BadRating],
                criteria: String::new(),
                case_numbers: vec![],
                cross: true,
                experts: vec![],
                due: today + Duration::days(30),
                seed: "a51d0e6b7c9f2384d1e0b7a6c5f4e3d2".into(),
            },
            &plc,
            at(6),
        )
        .await;
    // A demo with too few cases has none to focus on: the plan is then simply not there.
    if let Ok(made) = made {
        let rows = store.evaluation_cases(made.id).await?;
        evaluated += rows.len();
        for (i, c) in rows.iter().enumerate() {
            let Ok(evaluator) = user_of(store, c.evaluator_user_id).await else {
                continue;
            };
            if evaluator.username == "evaluator" || i % 3 == 0 {
                continue;
            }
            store
                .act_on_evaluation(
                    &act(c, Act::Score, &deductions(i + 3))?,
                    Stage::Assigned,
                    &evaluator,
                    at(2),
                )
                .await?;
        }
    }
    Ok((experts, evaluated))
}
