//! The demo's deputies at work: 杭州's 人大 registered deputies in the towns and streets of its
//! five districts (the `deputy` login is 褚代表 of 上城's 湖滨街道); 杭州's intermediate court runs
//! a 终本库出清 campaign begun four months ago, with history — cases its courts' systems reported
//! paid, settled or terminated, and cases 上城's execution judge gave to deputies, some cleared
//! with their help (和解, 履行, 恢复执行), some still open: three on 褚代表's home page, one of them
//! already logged and waiting for the court's result (the `judge` login's 待办), and one given to
//! a deputy of 清波街道 three days ago.

use anyhow::{Context, Result};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use tianping_domain::AgencyKind;
use tianping_domain::deputies::{Action, Level, Outcome, result_event};
use tianping_domain::event::{EventBody, EventRecord, ZhongbenExit};
use tianping_store::deputies::{NewAssignment, NewCampaign, NewDeputy};
use tianping_store::{Actor, Numbered, Store};

/// (district code, towns and streets).
const TOWNS: &[(&str, &[&str])] = &[
    (
        "330102",
        &[
            "湖滨街道",
            "清波街道",
            "小营街道",
            "望江街道",
            "紫阳街道",
            "南星街道",
            "凯旋街道",
        ],
    ),
    (
        "330105",
        &["米市巷街道", "湖墅街道", "小河街道", "大关街道", "半山街道"],
    ),
    (
        "330106",
        &[
            "北山街道",
            "西溪街道",
            "灵隐街道",
            "翠苑街道",
            "文新街道",
            "转塘街道",
            "三墩镇",
        ],
    ),
    ("330108", &["西兴街道", "长河街道", "浦沿街道"]),
    (
        "330109",
        &["城厢街道", "北干街道", "蜀山街道", "新塘街道", "瓜沥镇"],
    ),
];

const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭",
    "何", "高", "林", "罗", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹",
];
const GIVEN: &[&str] = &[
    "建华", "丽萍", "国强", "秀英", "志明", "海燕", "伟东", "晓红", "永康", "美玲", "立新", "雪梅",
    "文斌", "春燕", "德胜", "慧敏", "振宇", "玉兰", "宏伟", "静怡",
];

fn district_name(code: &str) -> &'static str {
    match code {
        "330102" => "上城区",
        "330105" => "拱墅区",
        "330106" => "西湖区",
        "330108" => "滨江区",
        _ => "萧山区",
    }
}

/// The 终本 cases of a court in the database before `before`, with the day each entered it,
/// oldest first.
async fn in_zhongben(
    store: &Store,
    court: &str,
    before: NaiveDate,
) -> Result<Vec<(i64, String, NaiveDate)>> {
    let rows: Vec<(i64, String, String)> = sqlx::query_as(
        "SELECT id, case_number, state FROM cases WHERE org_id = $1 AND kind = 'execution' AND status = 'closed' ORDER BY closed_at, id",
    )
    .bind(court)
    .fetch_all(store.pool())
    .await?;
    let mut out = vec![];
    for (id, number, state) in rows {
        let s: tianping_domain::CaseState = serde_json::from_str(&state)?;
        let since = s
            .zhongben_spells
            .last()
            .filter(|x| x.to.is_none())
            .map(|x| tianping_domain::clock::local_date(x.from));
        if let Some(d) = since.filter(|d| s.zhongben && *d < before) {
            out.push((id, number, d));
        }
    }
    Ok(out)
}

/// Four more 终本 cases of 上城 (filed ten months ago, 终本 seven months ago): the generator's
/// draw leaves 上城 few, and its deputies' cases should not depend on the draw.
async fn more_zhongben_cases(store: &Store, now: DateTime<Utc>) -> Result<()> {
    let today = tianping_domain::clock::local_date(now);
    let checklist = tianping_domain::event::ZhongbenChecklist {
        property_report_done: true,
        consumption_restricted: true,
        assets_investigated: true,
        whereabouts_and_obstruction_handled: true,
        applicant_interviewed: true,
        applicant_confirmed_or_president_approved: true,
        ruling_served: true,
    };
    let mut records = vec![];
    for (i, cause) in [
        "民间借贷纠纷",
        "买卖合同纠纷",
        "租赁合同纠纷",
        "劳务合同纠纷",
    ]
    .iter()
    .enumerate()
    {
        let number = format!(
            "（{}）浙0102执88{:02}号",
            (today - Duration::days(300)).format("%Y"),
            i + 1
        );
        if store.case_id_by_number(&number).await?.is_some() {
            continue;
        }
        let filed = noon(today - Duration::days(300 + i as i64 * 5));
        let closed = noon(today - Duration::days(200 + i as i64 * 5));
        let bodies = [
            (
                filed,
                EventBody::Filed(tianping_domain::event::Filing {
                    cause: format!("{cause}执行"),
                    claim_amount_yuan: Some(80_000 + i as i64 * 45_000),
                    ..Default::default()
                }),
            ),
            (
                closed,
                EventBody::ExecutionTerminated {
                    checklist: checklist.clone(),
                    unpaid_amount_yuan: Some(60_000 + i as i64 * 40_000),
                },
            ),
        ];
        for (k, (at, body)) in bodies.into_iter().enumerate() {
            records.push(Numbered {
                line: records.len() as u64 + 1,
                record: EventRecord {
                    source: "sc-cms".into(),
                    source_event_id: format!("demo-deputies-{i}-{k}"),
                    case_number: number.clone(),
                    occurred_at: at.fixed_offset(),
                    corrects: None,
                    body,
                },
            });
        }
    }
    let r = store.ingest(&records, &Actor::system("demo"), now).await?;
    anyhow::ensure!(r.rejected.is_empty(), "上城's 终本 cases: {:?}", r.rejected);
    Ok(())
}

fn noon(d: NaiveDate) -> DateTime<Utc> {
    tianping_domain::clock::local_midnight(d) + Duration::hours(12)
}

pub async fn seed_deputies(store: &Store, now: DateTime<Utc>) -> Result<(usize, usize)> {
    let user = |n: &'static str| async move {
        store
            .user_by_username(n)
            .await?
            .with_context(|| format!("demo user {n}"))
    };
    let (keeper, deputy_login, judge, office) = (
        user("npc_hz").await?,
        user("deputy").await?,
        user("judge").await?,
        user("caseoffice").await?,
    );
    let dir = store.org_directory().await?;
    let congress = dir
        .get(&super::org_id(AgencyKind::PeoplesCongress, "3301"))
        .context("杭州人大")?
        .clone();
    let city_court = dir
        .get(&super::org_id(AgencyKind::Court, "3301"))
        .context("杭州中院")?
        .clone();
    let today = tianping_domain::clock::local_date(now);
    let registered = today - Duration::days(400);
    more_zhongben_cases(store, now).await?;

    // The registry: one or two deputies per town or street; 褚代表 (the login) in 湖滨街道.
    let mut deputies: Vec<(i64, &str, &str)> = vec![];
    let mut n = 0usize;
    for (code, towns) in TOWNS {
        for (i, town) in towns.iter().enumerate() {
            let per = if i % 3 == 0 { 2 } else { 1 };
            for k in 0..per {
                let login = *code == "330102" && i == 0 && k == 0;
                let name = if login {
                    deputy_login
                        .display_name
                        .trim_end_matches("代表")
                        .to_string()
                        + "建华"
                } else {
                    format!(
                        "{}{}",
                        SURNAMES[(n * 7 + 3) % SURNAMES.len()],
                        GIVEN[(n * 11 + k) % GIVEN.len()]
                    )
                };
                n += 1;
                let level = match n % 4 {
                    0 => Level::County,
                    _ => Level::City,
                };
                let id = store
                    .register_deputy(
                        &NewDeputy {
                            name: &name,
                            level,
                            constituency: &format!("{}第{}选区", district_name(code), i + 1),
                            township: town,
                            liaison_station: &format!("{town}人大代表联络站"),
                            user_id: login.then_some(deputy_login.id),
                        },
                        &congress,
                        &keeper,
                        noon(registered),
                    )
                    .await?;
                deputies.push((id, code, town));
            }
        }
    }

    // The campaign: 杭州's courts, begun 120 days ago, ending in 60 days.
    let from = today - Duration::days(120);
    let to = today + Duration::days(60);
    let mut stock = 0usize;
    for code in [
        "3301", "330102", "330105", "330106", "330108", "330109", "330192",
    ] {
        let id = if code == "330192" {
            "court-330192".to_string()
        } else {
            super::org_id(AgencyKind::Court, code)
        };
        stock += in_zhongben(store, &id, from).await?.len();
    }
    let target = i64::try_from((stock / 3).max(12)).unwrap_or(12);
    store
        .open_campaign(
            &NewCampaign {
                title: &format!("杭州市{}年度终本库出清专项行动", today.format("%Y")),
                target,
                from,
                to,
            },
            &city_court,
            &office,
            noon(from) - Duration::days(3),
        )
        .await?;

    // 上城's cases given to deputies of its towns: (days ago given, actions (kind, days ago,
    // what), result (outcome, days ago)).
    type Act = (Action, i64, &'static str);
    type Plan = (i64, &'static [Act], Option<(Outcome, i64)>);
    let plans: [Plan; 10] = [
        (
            100,
            &[
                (
                    Action::Visit,
                    95,
                    "走访被执行人，了解到其经营的餐馆停业，仍有一辆货车，已将线索告知承办法官",
                ),
                (
                    Action::FindAssets,
                    90,
                    "经走访邻里，获悉被执行人在萧山有一处出租商铺，租金按月收取",
                ),
            ],
            Some((Outcome::Left(ZhongbenExit::Restored), 86)),
        ),
        (
            90,
            &[
                (
                    Action::Visit,
                    84,
                    "与被执行人及其家属面谈，释明拒不履行的法律后果",
                ),
                (
                    Action::Mediation,
                    70,
                    "在代表联络站组织双方协商，申请执行人同意减免部分利息，被执行人一次性支付12万元",
                ),
            ],
            Some((Outcome::Left(ZhongbenExit::Settled), 66)),
        ),
        (
            80,
            &[(
                Action::Mediation,
                60,
                "协调被执行人所在单位，约定每月从工资中扣划3000元，现已全部履行",
            )],
            Some((Outcome::Left(ZhongbenExit::Performed), 40)),
        ),
        (
            75,
            &[(
                Action::WitnessEnforcement,
                73,
                "见证法院对被执行人住所的搜查，未发现可供执行财产，现场秩序良好",
            )],
            Some((Outcome::Unresolved, 50)),
        ),
        (
            60,
            &[
                (
                    Action::FindWhereabouts,
                    45,
                    "通过社区网格员查找到被执行人现居住在望江街道某小区",
                ),
                (
                    Action::Mediation,
                    30,
                    "陪同执行干警上门，被执行人表示愿意和解，双方签订分期履行协议并已履行完毕",
                ),
            ],
            Some((Outcome::Left(ZhongbenExit::Settled), 21)),
        ),
        (
            40,
            &[(
                Action::Visit,
                35,
                "走访申请执行人，了解其诉求并告知案件执行进展",
            )],
            Some((Outcome::Left(ZhongbenExit::Performed), 12)),
        ),
        // Open: 褚代表's home page (the first logged, waiting for the court's result).
        (
            20,
            &[(
                Action::Visit,
                6,
                "走访被执行人，其表示愿意与申请执行人协商还款，约定下周在代表联络站面谈",
            )],
            None,
        ),
        (9, &[], None),
        (3, &[], None),
        (
            15,
            &[(
                Action::FindAssets,
                8,
                "获悉被执行人在外地承包工程，已将工程项目名称报告承办法官",
            )],
            None,
        ),
    ];
    let sc = super::org_id(AgencyKind::Court, "330102");
    // Each plan takes the oldest case not yet taken that was in the database before it was given.
    let candidates = in_zhongben(store, &sc, today - Duration::days(4)).await?;
    let mut taken: Vec<i64> = vec![];
    let mut picks = vec![];
    for (ago, _, _) in &plans {
        let given = today - Duration::days(*ago);
        if let Some((id, _, _)) = candidates
            .iter()
            .find(|(id, _, since)| *since < given && !taken.contains(id))
        {
            taken.push(*id);
            picks.push(Some(*id));
        } else {
            picks.push(None);
        }
    }
    // History its courts' systems reported: a quarter of each district's stock cleared over the
    // campaign's days (paid in full, settled, terminated), none with a deputy.
    let mut records = vec![];
    for (ci, code) in ["330102", "330105", "330106", "330108", "330109"]
        .iter()
        .enumerate()
    {
        let court = super::org_id(AgencyKind::Court, code);
        let cases = in_zhongben(store, &court, from).await?;
        // The cases given to deputies are theirs to clear.
        for (j, (_, number, _)) in cases
            .iter()
            .filter(|(id, _, _)| !taken.contains(id))
            .enumerate()
        {
            if j % 4 != 1 {
                continue;
            }
            let reason = [
                ZhongbenExit::Performed,
                ZhongbenExit::Settled,
                ZhongbenExit::Terminated,
                ZhongbenExit::Performed,
                ZhongbenExit::Corrected,
            ][(j + ci) % 5];
            let day = from + Duration::days(((j * 37 + ci * 11) % 118) as i64 + 1);
            records.push(Numbered {
                line: records.len() as u64 + 1,
                record: EventRecord {
                    source: "zj-court-cms".into(),
                    source_event_id: format!("demo-campaign-{code}-{j}"),
                    case_number: number.clone(),
                    occurred_at: noon(day).fixed_offset(),
                    corrects: None,
                    body: EventBody::ZhongbenCleared {
                        reason,
                        deputy_assisted: false,
                    },
                },
            });
        }
    }
    let r = store.ingest(&records, &Actor::system("demo"), now).await?;
    anyhow::ensure!(r.rejected.is_empty(), "campaign history: {:?}", r.rejected);

    let sc_deputies: Vec<&(i64, &str, &str)> =
        deputies.iter().filter(|d| d.1 == "330102").collect();
    let debtors = [
        "钱卫东",
        "孙丽华",
        "李志强",
        "周建国",
        "吴晓燕",
        "郑海波",
        "冯立新",
        "陈美玲",
        "杨德胜",
        "许文斌",
    ];
    let mut given = 0usize;
    for (i, ((ago, acts, result), case)) in plans.iter().zip(&picks).enumerate() {
        let Some(case) = case else { continue };
        // Each action is logged by the deputy who took it, as themselves: the login's deputy
        // takes every case with a log; the newest goes to a deputy of 清波街道 without a login.
        let deputy = if i == 8 && sc_deputies.len() > 2 {
            sc_deputies[2]
        } else {
            sc_deputies[0]
        };
        let day = |d: i64| today - Duration::days(d);
        let id = store
            .assign_deputy(
                &NewAssignment {
                    case_id: *case,
                    deputy_id: deputy.0,
                    debtor: debtors[i],
                    township: deputy.2,
                    note: "被执行人长期拖欠，终本后仍未履行，请协助查找财产线索、促成和解",
                    assigned_on: day(*ago),
                },
                &judge,
                noon(day(*ago)),
            )
            .await?;
        for (what, when, outcome) in acts.iter() {
            store
                .log_deputy_action(
                    id,
                    *what,
                    day(*when),
                    outcome,
                    &deputy_login,
                    noon(day(*when)),
                )
                .await?;
        }
        if let Some((outcome, when)) = result {
            let a = store
                .deputy_assignment(id)
                .await?
                .context("the assignment just written")?;
            let note = if *outcome == Outcome::Unresolved {
                "被执行人确无可供执行财产，继续保留在终本库，定期查控"
            } else {
                ""
            };
            store
                .record_deputy_result(
                    &a,
                    *outcome,
                    day(*when),
                    note,
                    result_event(*outcome, !acts.is_empty()),
                    &Actor::system("demo"),
                    &judge,
                    &sc,
                    now,
                )
                .await?;
        }
        given += 1;
    }
    seed_invitations(store, now, &deputies, &deputy_login).await?;
    seed_suggestions(store, now, &deputies, &deputy_login).await?;
    seed_survey(store, now, &deputies).await?;
    Ok((deputies.len(), given))
}

/// Invitations of the past year and the coming weeks from 上城's court and procuratorate and 杭州's
/// intermediate court: past ones answered (褚代表's with his opinions; the others' attendance and
/// absences recorded by the inviting organisation),
/// two ahead waiting for 褚代表's answer, one he attended and has not yet given his opinion on.
async fn seed_invitations(
    store: &Store,
    now: DateTime<Utc>,
    deputies: &[(i64, &str, &str)],
    login: &tianping_store::user::User,
) -> Result<()> {
    use tianping_domain::deputy_invitations::{Kind, State};
    use tianping_store::deputy_invitations::NewInvitation;
    let dir = store.org_directory().await?;
    let orgs = [
        (super::org_id(AgencyKind::Court, "330102"), "president"),
        (
            super::org_id(AgencyKind::Procuratorate, "330102"),
            "prosecutor_inv",
        ),
        (super::org_id(AgencyKind::Court, "3301"), "caseoffice"),
    ];
    let today = tianping_domain::clock::local_date(now);
    let chu = deputies.first().map(|d| d.0).context("褚代表")?;
    // (org, kind, title, place, days from today, deputies (indices), 褚代表's answer).
    type Plan = (
        usize,
        Kind,
        &'static str,
        &'static str,
        i64,
        &'static [usize],
    );
    let plans: [Plan; 9] = [
        (
            0,
            Kind::Inspection,
            "邀请人大代表视察诉讼服务中心",
            "上城区人民法院诉讼服务中心",
            -300,
            &[0, 1, 2, 3],
        ),
        (
            0,
            Kind::Hearing,
            "邀请人大代表旁听一起民间借贷纠纷案件庭审",
            "上城区人民法院第三法庭",
            -210,
            &[0, 4, 5],
        ),
        (
            0,
            Kind::Enforcement,
            "邀请人大代表见证集中执行行动",
            "湖滨街道",
            -150,
            &[0, 1, 6],
        ),
        (
            1,
            Kind::Hearing,
            "邀请人大代表旁听公益诉讼案件庭审",
            "上城区人民法院第一法庭",
            -120,
            &[2, 3, 7],
        ),
        (
            2,
            Kind::Forum,
            "执行工作座谈会",
            "杭州市中级人民法院第二会议室",
            -90,
            &[0, 5, 8, 9, 10],
        ),
        (
            0,
            Kind::Enforcement,
            "邀请人大代表见证腾退房屋执行",
            "小营街道",
            -40,
            &[0, 3],
        ),
        (
            0,
            Kind::Hearing,
            "邀请人大代表旁听一起劳动争议案件庭审",
            "上城区人民法院第二法庭",
            -3,
            &[0, 1],
        ),
        (
            1,
            Kind::Inspection,
            "邀请人大代表视察检察听证室和12309检察服务中心",
            "上城区人民检察院",
            6,
            &[0, 2, 4],
        ),
        (
            0,
            Kind::Enforcement,
            "邀请人大代表见证拒执被执行人财产查封",
            "清波街道",
            12,
            &[0, 1],
        ),
    ];
    let opinions = [
        "诉讼服务中心导诉清晰，建议增加老年人帮办服务",
        "庭审程序规范，法官释法说理充分",
        "执行干警文明执法，现场秩序良好，建议加大执行宣传",
        "建议对涉民生案件优先执行",
    ];
    for (k, (org, kind, title, place, days, picked)) in plans.iter().enumerate() {
        let (org_id, user) = &orgs[*org];
        let o = dir.get(org_id).context("inviting org")?.clone();
        let by = store
            .user_by_username(user)
            .await?
            .with_context(|| format!("demo user {user}"))?;
        let starts = tianping_domain::clock::local_midnight(today + Duration::days(*days))
            + Duration::hours(9);
        let ids: Vec<i64> = picked
            .iter()
            .filter_map(|i| deputies.get(*i).map(|d| d.0))
            .collect();
        let sent = starts - Duration::days(10);
        let id = store
            .invite_deputies(
                &NewInvitation {
                    kind: *kind,
                    title,
                    place,
                    starts_at: starts,
                    note: "",
                    deputies: &ids,
                },
                &o,
                &by,
                sent.min(now),
            )
            .await?;
        // The past: 褚代表 attended each and gave his opinion, as himself; the others (without a
        // login) are recorded present or absent by the inviting organisation.
        for (j, l) in store.deputy_invitees(id).await?.iter().enumerate() {
            let is_chu = l.deputy_id == chu;
            let who = if is_chu { login } else { &by };
            if *days > 0 {
                continue;
            }
            if *days == -3 && is_chu {
                // Attended three days ago; the opinion still to come (his 待办).
                store
                    .answer_deputy_invitation(l.id, State::Invited, State::Accepted, "", who, sent)
                    .await?;
                continue;
            }
            let (to, opinion) = match (j + k) % 5 {
                _ if is_chu => (State::Attended, opinions[(j + k) % opinions.len()]),
                4 => (State::Absent, ""),
                _ => (State::Attended, ""),
            };
            let at = starts + Duration::hours(3);
            store
                .answer_deputy_invitation(l.id, State::Invited, to, opinion, who, at.min(now))
                .await?;
        }
    }
    Ok(())
}

/// 褚代表's suggestions to 上城's procuratorate: one converted, answered and reported back; one
/// whose recommendation's reply is overdue (the `prosecutor` login's 待办); one not adopted and
/// handed to the 人大 (`npc_hz`'s 待办); one declined with reasons; one just submitted.
async fn seed_suggestions(
    store: &Store,
    now: DateTime<Utc>,
    deputies: &[(i64, &str, &str)],
    login: &tianping_store::user::User,
) -> Result<()> {
    use tianping_domain::deputy_suggestions::{Stage, Step, reply_due, rules};
    use tianping_store::deputy_suggestions::{NewSuggestion, StepRecord};
    let chu = deputies.first().map(|d| d.0).context("褚代表")?;
    let proc = store
        .org_directory()
        .await?
        .get(&super::org_id(AgencyKind::Procuratorate, "330102"))
        .context("上城区人民检察院")?
        .clone();
    let prosecutor = store
        .user_by_username("prosecutor")
        .await?
        .context("demo user prosecutor")?;
    let today = tianping_domain::clock::local_date(now);
    let day = |ago: i64| today - Duration::days(ago);
    // (field, title, content, days ago submitted, steps (step, days ago, text, agency, adopted),
    // handed to the 人大).
    type Steps = &'static [(Step, i64, &'static str, &'static str, Option<bool>)];
    let plans: [(&str, &str, &str, i64, Steps, bool); 5] = [
        (
            "ecology",
            "关于督促整治中河沿岸餐饮油污直排的建议",
            "中河沿岸部分餐饮店长期将油污、泔水直排入河，河水发黑发臭，周边居民多次向代表反映，建议检察机关依法督促有关部门履行监管职责。",
            160,
            &[
                (Step::Accept, 150, "", "", None),
                (
                    Step::Recommend,
                    140,
                    "建议依法查处违法排污行为，督促沿河餐饮店规范设置隔油设施，并建立长效巡查机制。",
                    "杭州市生态环境局上城分局",
                    None,
                ),
                (
                    Step::Reply,
                    95,
                    "已对12家餐饮店立案查处，督促安装隔油设施，建立每周巡查机制，河道水质已明显好转。",
                    "",
                    Some(true),
                ),
                (
                    Step::ReportBack,
                    90,
                    "检察建议已被采纳并整改到位，经回访，河道水质明显改善，居民满意。",
                    "",
                    None,
                ),
            ],
            false,
        ),
        (
            "food_drug",
            "关于加强校园周边食品安全监管的建议",
            "部分中小学校园周边流动摊贩销售“三无”食品和过期零食，学生购买后出现身体不适，建议依法督促加强监管。",
            80,
            &[
                (Step::Accept, 76, "", "", None),
                (
                    Step::Recommend,
                    70,
                    "建议对校园周边流动摊贩开展专项整治，严查“三无”食品和过期食品销售行为。",
                    "杭州市上城区市场监督管理局",
                    None,
                ),
            ],
            false,
        ),
        (
            "state_assets",
            "关于追缴国有土地使用权出让金的建议",
            "某地块土地使用权出让后，受让企业长期拖欠出让金，已超过合同约定期限两年，国有财产面临流失风险，建议检察机关依法监督。",
            150,
            &[
                (Step::Accept, 140, "", "", None),
                (
                    Step::Recommend,
                    130,
                    "建议依法追缴欠缴的土地出让金及违约金，必要时依法收回土地使用权。",
                    "杭州市规划和自然资源局上城分局",
                    None,
                ),
                (
                    Step::Reply,
                    60,
                    "企业经营困难，已同意其分期缴纳，暂不收回土地使用权。",
                    "",
                    Some(false),
                ),
            ],
            true,
        ),
        (
            "other",
            "关于小区物业费纠纷的建议",
            "某小区业主与物业公司因物业费标准长期争执不下，多次引发冲突，建议有关部门协调处理。",
            40,
            &[(
                Step::Decline,
                35,
                "该事项属于业主与物业公司之间的民事纠纷，不属于公益诉讼案件范围，已建议代表转请属地街道和住建部门协调处理。",
                "",
                None,
            )],
            false,
        ),
        (
            "accessibility",
            "关于公共场所无障碍设施建设的建议",
            "辖区部分地铁站出入口、公共卫生间无障碍设施缺失或被占用，残障人士和老年人出行不便，建议依法督促整改。",
            2,
            &[],
            false,
        ),
    ];
    for (field, title, content, ago, steps, handed) in plans {
        let id = store
            .submit_suggestion(
                &NewSuggestion {
                    deputy_id: chu,
                    procuratorate: &proc,
                    field,
                    title,
                    content,
                    on: day(ago),
                },
                login,
                noon(day(ago)),
            )
            .await?;
        let mut stage = Stage::Submitted;
        for (step, when, text, agency, adopted) in steps.iter() {
            let on = day(*when);
            store
                .record_suggestion_step(
                    id,
                    &StepRecord {
                        from: stage,
                        step: *step,
                        on,
                        text,
                        agency,
                        urgent: false,
                        due: (*step == Step::Recommend).then(|| reply_due(rules(), on, false)),
                        adopted: *adopted,
                    },
                    &prosecutor,
                    noon(on),
                )
                .await?;
            stage = step.to();
        }
        if handed {
            store
                .hand_suggestion_to_congress(id, &prosecutor, noon(day(55)))
                .await?;
            // The 人大's follow-up is still to come (`npc_hz`'s 待办).
        }
    }
    Ok(())
}

/// An open survey of 杭州's deputies before the court and procuratorate presidents visit their
/// liaison stations: two thirds have answered through their links; 褚代表 has not (his 待办).
async fn seed_survey(
    store: &Store,
    now: DateTime<Utc>,
    deputies: &[(i64, &str, &str)],
) -> Result<()> {
    use tianping_domain::deputy_surveys::{Answer, parse_questions};
    use tianping_store::deputy_surveys::NewSurvey;
    let keeper = store
        .user_by_username("npc_hz")
        .await?
        .context("demo user npc_hz")?;
    let congress = store
        .org_directory()
        .await?
        .get(&super::org_id(AgencyKind::PeoplesCongress, "3301"))
        .context("杭州人大")?
        .clone();
    let questions = parse_questions(
        "单选：您对本市法院执行工作的总体评价\n- 满意\n- 基本满意\n- 不满意\n\n\
         多选：您认为执行工作最需要改进的方面\n- 查找被执行人财产\n- 执行效率\n- 执行公开\n- 文明执行\n\n\
         评分：您对检察机关公益诉讼工作的评价（1–5 分）\n\n\
         问答：您对法院、检察院工作的意见和建议",
    )
    .map_err(|e| anyhow::anyhow!("demo survey: {e:?}"))?;
    let today = tianping_domain::clock::local_date(now);
    let sent = now - Duration::days(6);
    let ids: Vec<i64> = deputies.iter().map(|d| d.0).collect();
    let id = store
        .send_survey(
            &NewSurvey {
                title: "法院、检察院院长走访代表联络站前的意见征询",
                intro: "请结合您联系群众的情况，对法院、检察院工作提出意见和建议。",
                questions: &questions,
                level: "",
                area: "",
                closes_on: today + Duration::days(10),
                deputies: &ids,
            },
            &congress,
            &keeper,
            sent,
        )
        .await?;
    let opinions = [
        "建议法院加大对拒不履行生效判决行为的惩戒力度",
        "希望检察机关多开展公益诉讼“回头看”",
        "执行案件进展希望能及时告知申请人",
        "",
    ];
    for (i, (deputy, _, _)) in deputies.iter().enumerate().skip(1) {
        if i % 3 == 0 {
            continue;
        }
        let Some(line) = store.survey_recipient(id, *deputy).await? else {
            continue;
        };
        let picks = match i % 4 {
            0 => vec![0, 1],
            1 => vec![1],
            2 => vec![0, 2],
            _ => vec![1, 3],
        };
        let opinion = opinions[i % opinions.len()];
        let answers = vec![
            Answer::Choices(vec![[0, 0, 1, 0, 1, 2][i % 6]]),
            Answer::Choices(picks),
            Answer::Score([4, 5, 3, 4, 5][i % 5]),
            if opinion.is_empty() {
                Answer::Blank
            } else {
                Answer::Text(opinion.into())
            },
        ];
        store
            .answer_survey(
                line.id,
                &answers,
                "link",
                (sent + Duration::hours(3 * i as i64)).min(now),
            )
            .await?;
    }
    Ok(())
}
