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
