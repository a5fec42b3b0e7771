//! The demo's people's supervisors (人民监督员): 上城区司法局's pool, a year of the procuratorate's
//! activities of every kind with their draws, attendance and opinions, and the work waiting
//! today — an activity to draw for, a draw waiting for two parties' reveals, an invitation the
//! `supervisor` login has not answered, an opinion the procuratorate has not answered.

use super::{PROSECUTOR, org_id};
use anyhow::{Context, Result};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use tianping_domain::AgencyKind;
use tianping_domain::draw::{Outcome, Setup, Source, SourceValue, commitment};
use tianping_domain::people_supervisors::rules;
use tianping_store::Store;
use tianping_store::people_supervisors::{Assessed, Drawn, NewActivity, NewSupervisor};

/// The numbers the two parties still to reveal committed to, for whoever tries the demo.
pub const PENDING_REVEALS: [(&str, &str); 2] =
    [("上城区司法局", "4711"), ("上城区人大常委会", "2718")];

const JUSTICE: &str = "卫科长";

/// (name, gender, birth, profession, expertise, education)
const POOL: &[(&str, &str, &str, &str, &str, &str)] = &[
    (
        "蒋监督员",
        "女",
        "1978-04-12",
        "社区工作者",
        "法律、社会工作",
        "本科",
    ),
    ("陈立群", "男", "1969-09-03", "退休教师", "教育", "大专"),
    ("王雅琴", "女", "1982-01-25", "律师", "法律", "硕士研究生"),
    ("刘建国", "男", "1965-11-30", "个体工商户", "", "高中"),
    ("杨晓燕", "女", "1986-07-14", "会计师", "财会", "本科"),
    ("赵志强", "男", "1975-03-08", "工程师", "建筑工程", "本科"),
    ("黄丽娟", "女", "1980-12-19", "医生", "医学", "硕士研究生"),
    ("周海涛", "男", "1972-05-27", "企业法务", "法律", "本科"),
    (
        "吴佳慧",
        "女",
        "1990-08-02",
        "高校教师",
        "法律",
        "博士研究生",
    ),
    ("徐明辉", "男", "1968-02-16", "退休干部", "", "大专"),
    ("孙静", "女", "1984-10-09", "银行职员", "金融", "本科"),
    ("胡振华", "男", "1977-06-21", "村委会主任", "", "高中"),
    ("朱敏", "女", "1988-09-18", "记者", "新闻", "本科"),
    (
        "高建平",
        "男",
        "1971-01-05",
        "环保工程师",
        "环境保护",
        "本科",
    ),
    ("林秀英", "女", "1966-04-28", "退休护士", "医学", "中专"),
    ("何宇", "男", "1992-12-11", "软件工程师", "信息技术", "本科"),
    (
        "郭丽",
        "女",
        "1979-07-07",
        "人民调解员",
        "法律、调解",
        "大专",
    ),
    (
        "马骏",
        "男",
        "1983-03-23",
        "注册会计师",
        "财会、审计",
        "硕士研究生",
    ),
    (
        "罗晓梅",
        "女",
        "1976-08-30",
        "居委会副主任",
        "社会工作",
        "大专",
    ),
    ("梁志远", "男", "1970-10-14", "律师", "法律", "本科"),
    (
        "宋雪",
        "女",
        "1987-05-06",
        "心理咨询师",
        "心理",
        "硕士研究生",
    ),
    ("郑国庆", "男", "1974-10-01", "企业管理者", "金融", "本科"),
    ("谢婷", "女", "1991-02-20", "公益组织负责人", "", "本科"),
];

/// An identity number for a demo person (GB 11643 check digit, 上城 area code).
fn id_number(birth: &str, n: usize) -> String {
    const W: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    const C: &[u8; 11] = b"10X98765432";
    let body = format!("330102{}{:03}", birth.replace('-', ""), 100 + n * 2);
    let sum: u32 = body
        .bytes()
        .zip(W)
        .map(|(b, w)| u32::from(b - b'0') * w)
        .sum();
    format!("{body}{}", C[(sum % 11) as usize] as char)
}

/// Twenty distinct numbers of 1…80 standing for a 快乐8 period's draw (the demo has no real
/// results): a xorshift generator seeded by the period.
fn lottery(period: u32) -> Vec<String> {
    let mut x = u64::from(period).wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut out: Vec<u64> = vec![];
    while out.len() < 20 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let n = x % 80 + 1;
        if !out.contains(&n) {
            out.push(n);
        }
    }
    out.sort_unstable();
    out.iter().map(u64::to_string).collect()
}

fn day(s: &str) -> Result<NaiveDate> {
    s.parse().with_context(|| format!("demo date {s}"))
}

struct Seeder<'a> {
    store: &'a Store,
    justice_org: String,
    proc_org: String,
    region: String,
    ids: Vec<i64>,
    year: u32,
    lottery: u32,
}

impl Seeder<'_> {
    /// An activity of `kind` at `starts`, asked a fortnight before.
    #[allow(clippy::too_many_arguments)]
    async fn activity(
        &self,
        kind: &str,
        title: &str,
        place: &str,
        starts: DateTime<Utc>,
        required: u32,
        expertise: &str,
        summary: &str,
    ) -> Result<i64> {
        let k = rules()
            .activity(kind)
            .with_context(|| format!("activity kind {kind}"))?;
        Ok(self
            .store
            .request_activity(
                &NewActivity {
                    org_id: &self.proc_org,
                    region_path: &self.region,
                    kind,
                    mandatory: k.mandatory,
                    title,
                    place,
                    starts_at: starts,
                    case_id: None,
                    summary,
                    required,
                    expertise,
                    requested_by: PROSECUTOR,
                },
                starts - Duration::days(14),
            )
            .await?)
    }

    /// The pool for an activity (with its expertise), as the draw page fixes it.
    async fn pool(&self, expertise: &str) -> Result<Vec<String>> {
        Ok(self
            .store
            .supervisors(&self.region)
            .await?
            .into_iter()
            .filter(|r| r.serving() && (expertise.is_empty() || r.tags().contains(&expertise)))
            .map(|r| r.id.to_string())
            .collect())
    }

    /// Draws for an activity with a 快乐8 draw's twenty numbers (made up here from the period) as
    /// the public source; `want` (a supervisor) is to be among the picks when given — the demo
    /// takes successive periods until one picks them, so that the `supervisor` login has an
    /// invitation waiting (two draws of the year are chosen so; the rest fall as they fall).
    async fn draw(
        &mut self,
        activity: i64,
        expertise: &str,
        count: usize,
        want: Option<i64>,
        at: DateTime<Utc>,
    ) -> Result<(i64, Outcome)> {
        let pool = self.pool(expertise).await?;
        let alternates = pool.len().saturating_sub(count).min(2);
        loop {
            self.lottery += 1;
            let period = self.year * 1000 + self.lottery;
            let setup = Setup::new(
                &format!("人民监督员抽选-{activity}-1"),
                pool.clone(),
                vec![],
                count,
                alternates,
                vec![Source::Public {
                    description: format!("中国福利彩票快乐8第{period}期开奖号码"),
                }],
            )?;
            let numbers = lottery(period);
            let values = vec![SourceValue::Public(numbers)];
            let outcome = setup.draw(&values)?;
            let picked = |id: i64| {
                outcome
                    .picks
                    .iter()
                    .any(|p| !p.alternate && p.member == id.to_string())
            };
            if want.is_some_and(|w| !picked(w)) {
                continue;
            }
            let id = self
                .store
                .set_supervisor_draw(
                    activity,
                    &self.justice_org,
                    &serde_json::to_string(&setup)?,
                    &serde_json::to_string(&setup.blank_values())?,
                    JUSTICE,
                    at - Duration::days(2),
                )
                .await?;
            let drawn: Vec<Drawn> = outcome
                .picks
                .iter()
                .map(|p| {
                    Ok(Drawn {
                        supervisor_id: p.member.parse()?,
                        place: p.order,
                        alternate: p.alternate,
                    })
                })
                .collect::<Result<_>>()?;
            self.store
                .complete_supervisor_draw(
                    id,
                    &serde_json::to_string(&values)?,
                    &serde_json::to_string(&outcome)?,
                    &drawn,
                    at,
                )
                .await?;
            return Ok((id, outcome));
        }
    }

    /// Everyone invited accepts and attends, except: the first pick refuses when `refusal`
    /// (the next alternate comes in its place), and the last pick does not come when `absent`.
    async fn held(
        &self,
        activity: i64,
        refusal: bool,
        absent: bool,
        drawn_at: DateTime<Utc>,
        starts: DateTime<Utc>,
    ) -> Result<Vec<i64>> {
        let inv = self.store.supervisor_invitations(activity).await?;
        if refusal && let Some(first) = inv.first() {
            self.store
                .act_on_invitation(
                    first.id,
                    "invited",
                    "refused",
                    "当日须出差外地，无法参加",
                    &first.name,
                    true,
                    drawn_at + Duration::hours(5),
                )
                .await?;
        }
        let inv = self.store.supervisor_invitations(activity).await?;
        let coming: Vec<_> = inv.iter().filter(|i| i.state == "invited").collect();
        let mut attended = vec![];
        for (n, i) in coming.iter().enumerate() {
            self.store
                .act_on_invitation(
                    i.id,
                    "invited",
                    "accepted",
                    "",
                    &i.name,
                    false,
                    drawn_at + Duration::hours(8),
                )
                .await?;
            let (to, reason) = if absent && n + 1 == coming.len() {
                ("absent", "")
            } else {
                ("attended", "")
            };
            self.store
                .act_on_invitation(
                    i.id,
                    "accepted",
                    to,
                    reason,
                    PROSECUTOR,
                    false,
                    starts + Duration::hours(3),
                )
                .await?;
            if to == "attended" {
                attended.push(i.supervisor_id);
            }
        }
        Ok(attended)
    }
}

/// Seeds the pool, the year's activities and today's waiting work; `supervisor` is the login
/// whose file is 蒋监督员's.
pub async fn seed_people_supervisors(store: &Store, now: DateTime<Utc>) -> Result<()> {
    let justice_org = org_id(AgencyKind::JusticeBureau, "330102");
    let proc_org = org_id(AgencyKind::Procuratorate, "330102");
    let region = store
        .org(&justice_org)
        .await?
        .context("上城区司法局")?
        .region_path;
    let login = store
        .user_by_username("supervisor")
        .await?
        .context("the supervisor login")?
        .id;
    use chrono::Datelike;
    let year = tianping_domain::clock::local_date(now).year();
    let jan1 = |y: i32| NaiveDate::from_ymd_opt(y, 1, 1).context("January 1");
    let year_start = tianping_domain::clock::local_midnight(jan1(year)?);
    let appointed = year_start - Duration::days(400);
    let mut ids = vec![];
    for (n, (name, gender, birth, profession, expertise, education)) in POOL.iter().enumerate() {
        let start = jan1(year - 1)?;
        let email = format!("lay{}@demo.tianping.test", n + 1);
        let id = store
            .appoint_supervisor(
                &NewSupervisor {
                    org_id: &justice_org,
                    region_path: &region,
                    user_id: (n == 0).then_some(login),
                    name,
                    gender,
                    birth_date: day(birth)?,
                    id_number: &id_number(birth, n),
                    phone: &format!("1385710{:04}", 2000 + n * 37),
                    email: (n % 2 == 0).then_some(email.as_str()),
                    education,
                    profession,
                    expertise,
                    appointed_by: "设区的市级司法行政机关",
                    term_no: if n % 5 == 1 { 2 } else { 1 },
                    term_start: start,
                    term_end: tianping_domain::people_supervisors::term_end(rules(), start),
                    created_by: JUSTICE,
                },
                appointed,
            )
            .await?;
        ids.push(id);
    }
    // One who will fail last year's assessment: on file, never drawn again.
    let removed = store
        .appoint_supervisor(
            &NewSupervisor {
                org_id: &justice_org,
                region_path: &region,
                user_id: None,
                name: "钱某某",
                gender: "男",
                birth_date: day("1973-09-09")?,
                id_number: &id_number("1973-09-09", 40),
                phone: "13857100001",
                email: None,
                education: "高中",
                profession: "个体工商户",
                expertise: "",
                appointed_by: "设区的市级司法行政机关",
                term_no: 1,
                term_start: jan1(year - 1)?,
                term_end: tianping_domain::people_supervisors::term_end(rules(), jan1(year - 1)?),
                created_by: JUSTICE,
            },
            appointed,
        )
        .await?;
    // Last year's assessment: four 优秀 of twenty-four (the 20% cap), 钱某某 不称职 — removed
    // and barred by it; this spring's training for everyone; one admonition on file.
    let assessed = year_start + Duration::days(20);
    let mut grades: Vec<Assessed> = ids
        .iter()
        .enumerate()
        .map(|(n, id)| Assessed {
            supervisor_id: *id,
            grade: match n {
                2 | 7 | 16 | 19 => "excellent",
                3 => "basically_competent",
                _ => "competent",
            },
            removes: false,
        })
        .collect();
    grades.push(Assessed {
        supervisor_id: removed,
        grade: "incompetent",
        removes: true,
    });
    store
        .assess_supervisors(year - 1, &grades, JUSTICE, assessed)
        .await?;
    let training = tianping_domain::clock::local_date(now - Duration::days(260));
    for id in &ids {
        store
            .record_supervisor_entry(
                *id,
                "training",
                training,
                "人民监督员履职能力培训（检察听证实务）",
                JUSTICE,
                tianping_domain::clock::local_midnight(training) + Duration::hours(17),
            )
            .await?;
    }
    store
        .record_supervisor_entry(
            ids[3],
            "admonition",
            tianping_domain::clock::local_date(now - Duration::days(165)),
            "两次接到通知后无正当理由未参加监督活动，经谈话诫勉",
            JUSTICE,
            now - Duration::days(165),
        )
        .await?;
    let me = ids[0];
    let mut s = Seeder {
        store,
        justice_org,
        proc_org,
        region,
        ids,
        year: u32::try_from(year).unwrap_or(2026),
        lottery: 100,
    };

    // A year of activities, one of every kind and more hearings, oldest first.
    // (kind, title, place, days ago, supervisors, expertise, the opinion a supervisor gave)
    let past: &[(&str, &str, &str, i64, u32, &str, &str)] = &[
        (
            "hearing_petition",
            "李某不服不起诉决定刑事申诉公开审查",
            "听证室",
            320,
            3,
            "",
            "同意维持原不起诉决定，建议加强对申诉人的释法说理。",
        ),
        (
            "hearing_non_prosecution",
            "陈某某涉嫌危险驾驶拟不起诉公开审查",
            "听证室",
            300,
            3,
            "",
            "建议进一步听取被害人意见，并就赔偿谅解情况作出说明。",
        ),
        (
            "circuit_inspection",
            "上城区看守所巡回检察",
            "上城区看守所",
            280,
            2,
            "",
            "建议对监区通风和医疗条件问题形成书面检察建议并跟踪落实。",
        ),
        (
            "hearing_detention",
            "张某某羁押必要性审查公开审查",
            "听证室",
            250,
            3,
            "法律",
            "羁押必要性已明显降低，建议变更为取保候审。",
        ),
        (
            "prosecution",
            "王某某诈骗案出庭支持公诉",
            "上城区人民法院第三法庭",
            230,
            2,
            "",
            "出庭举证质证规范，建议庭后向旁听群众开展以案释法。",
        ),
        (
            "pronouncement",
            "不起诉决定书公开宣告",
            "听证室",
            200,
            2,
            "",
            "宣告程序规范，建议同步告知被不起诉人申诉权利的行使方式。",
        ),
        (
            "hearing_arrest",
            "某公司负责人涉嫌合同诈骗审查逮捕公开听证",
            "听证室",
            180,
            2,
            "财会",
            "资金往来证据尚需补强，建议在作出决定前核实对账情况。",
        ),
        (
            "recommendation",
            "校园周边食品安全检察建议研究",
            "第二会议室",
            150,
            2,
            "",
            "建议明确整改时限，并邀请家长代表参与落实情况回访。",
        ),
        (
            "quality_evaluation",
            "上半年不起诉案件质量评查",
            "案件管理中心",
            120,
            2,
            "法律",
            "部分案件不起诉理由说理简略，建议统一说理要素。",
        ),
        (
            "hearing_administrative",
            "某餐饮店不服行政处罚行政诉讼监督公开听证",
            "听证室",
            100,
            3,
            "",
            "处罚程序存在瑕疵，建议向行政机关提出改进工作的检察建议。",
        ),
        (
            "standardisation",
            "刑事执行检察司法规范化检查",
            "第一会议室",
            80,
            2,
            "",
            "台账记录完整，建议对减刑假释案件公示情况开展专项检查。",
        ),
        (
            "briefing",
            "前三季度检察工作情况通报会",
            "报告厅",
            60,
            3,
            "",
            "建议在通报中增加群众关心的典型案例。",
        ),
        (
            "hearing_other",
            "邻里纠纷引发轻伤害案公开听证",
            "听证室",
            40,
            3,
            "",
            "双方已达成和解，建议依法从宽处理并做好矛盾化解回访。",
        ),
        (
            "other",
            "未成年人观护基地回访",
            "上城区未成年人观护基地",
            25,
            2,
            "",
            "建议为观护对象增加职业技能培训内容。",
        ),
        (
            "hearing_non_prosecution",
            "赵某某涉嫌盗窃拟不起诉公开审查",
            "听证室",
            9,
            3,
            "",
            "被害人损失已全部退赔，同意作不起诉处理，建议对犯罪嫌疑人开展训诫教育。",
        ),
    ];
    let mut n_opinion = 0;
    for (i, (kind, title, place, days_ago, required, expertise, opinion)) in past.iter().enumerate()
    {
        let starts = tianping_domain::clock::local_midnight(tianping_domain::clock::local_date(
            now - Duration::days(*days_ago),
        )) + Duration::hours(9)
            + Duration::minutes(30);
        let id = s
            .activity(
                kind,
                title,
                &format!("上城区人民检察院{place}").replace("上城区人民检察院上城区", "上城区"),
                starts,
                *required,
                expertise,
                "案件基本情况、拟处理意见及主要证据摘要，已隐去当事人身份信息。",
            )
            .await?;
        let drawn_at = starts - Duration::days(5);
        // 蒋监督员 took part in the latest (her opinion on it waits for its answer).
        let last = i + 1 == past.len();
        let want = last.then_some(me);
        s.draw(id, expertise, *required as usize, want, drawn_at)
            .await?;
        let attended = s
            .held(id, i % 4 == 1, i % 6 == 2 && !last, drawn_at, starts)
            .await?;
        // About half the activities bring an opinion; the latest one waits for its answer.
        let author = if attended.contains(&me) {
            Some(me)
        } else {
            attended.first().copied()
        };
        if let Some(author) = author.filter(|_| i % 2 == 0 || i + 1 == past.len()) {
            let filed = starts + Duration::hours(6);
            let due = rules().answer_due(filed);
            let o = store
                .file_supervisor_opinion(id, author, opinion, due, filed)
                .await?;
            n_opinion += 1;
            // The one forty days ago was left unanswered past its day: the district's 待办 shows
            // it overdue, and the city procuratorate may raise it as a supervision item.
            if i + 1 < past.len() && *days_ago != 40 {
                let (answer, reason) = match n_opinion % 3 {
                    0 => (
                        "partly_adopted",
                        "已补充听取被害人意见；赔偿谅解情况已在不起诉决定书中载明。",
                    ),
                    1 => ("adopted", "已采纳并落实。"),
                    _ => (
                        "not_adopted",
                        "经审查，现有证据不足以支持变更强制措施，已向人民监督员当面说明。",
                    ),
                };
                store
                    .answer_supervisor_opinion(
                        o,
                        answer,
                        reason,
                        PROSECUTOR,
                        filed + Duration::days(9),
                    )
                    .await?;
            }
        }
    }

    // The first half-year's allowances were paid in July (银行代发): for every activity each
    // supervisor attended before July; the second half is still owed.
    let july = NaiveDate::from_ymd_opt(year, 7, 10).context("July 10")?;
    if tianping_domain::clock::local_date(now) > july {
        let mid = tianping_domain::clock::local_midnight(
            NaiveDate::from_ymd_opt(year, 7, 1).context("July 1")?,
        );
        for id in &s.ids {
            let held: Vec<i64> = store
                .activities_of_supervisor(*id)
                .await?
                .into_iter()
                .filter(|a| {
                    tianping_store::parse_ts(&a.starts_at).is_ok_and(|t| t >= year_start && t < mid)
                })
                .map(|a| a.id)
                .collect();
            let n = store
                .invitations_of_supervisor(*id)
                .await?
                .iter()
                .filter(|i| i.state == "attended" && held.contains(&i.activity_id))
                .count() as u32;
            if n == 0 {
                continue;
            }
            store
                .pay_supervisor_allowance(
                    &tianping_store::people_supervisors::NewAllowance {
                        supervisor_id: *id,
                        year,
                        paid_on: july,
                        amount_yuan: rules().allowance_earned(n),
                        note: "上半年履职补贴（银行代发）",
                        paid_by: JUSTICE,
                    },
                    tianping_domain::clock::local_midnight(july) + Duration::hours(10),
                )
                .await?;
        }
    }

    // Opinions supervisors raised on their own initiative (2019 规定 art. 17), answered.
    for (n, (days_ago, title, content, answer, reason)) in [
        (
            210,
            "检察服务大厅窗口设置",
            "建议在检察服务大厅增设律师阅卷预约专用窗口，减少排队时间。",
            "adopted",
            "已于次月增设律师阅卷预约窗口。",
        ),
        (
            70,
            "不起诉决定公开方式",
            "建议不起诉决定书在依法隐去个人信息后在门户网站公开，便于群众监督。",
            "partly_adopted",
            "拟不起诉案件的公开审查结果将定期公开；涉及未成年人的不起诉决定依法不公开。",
        ),
    ]
    .into_iter()
    .enumerate()
    {
        let at = now - Duration::days(days_ago);
        let activity = store
            .raise_supervisor_opinion(
                &NewActivity {
                    org_id: &s.proc_org,
                    region_path: &s.region,
                    kind: tianping_domain::people_supervisors::OWN_INITIATIVE,
                    mandatory: false,
                    title,
                    place: "—",
                    starts_at: at,
                    case_id: None,
                    summary: "人民监督员主动提出的监督意见。",
                    required: 0,
                    expertise: "",
                    requested_by: POOL[6 + n * 5].0,
                },
                s.ids[6 + n * 5],
                content,
                rules().answer_due(at),
                at,
            )
            .await?;
        let o = store.opinions_of_activity(activity).await?;
        if let Some(o) = o.first() {
            store
                .answer_supervisor_opinion(
                    o.id,
                    answer,
                    reason,
                    PROSECUTOR,
                    at + Duration::days(12),
                )
                .await?;
        }
    }

    // Today's work. An activity in ten days waits for its draw (司法局).
    let soon = |days: i64| {
        tianping_domain::clock::local_midnight(tianping_domain::clock::local_date(
            now + Duration::days(days),
        )) + Duration::hours(9)
            + Duration::minutes(30)
    };
    s.activity(
        "recommendation",
        "辖区电动自行车充电安全检察建议公开宣告",
        "上城区人民检察院第二会议室",
        soon(10),
        2,
        "",
        "就辖区小区电动自行车集中充电设施不足问题拟向有关部门制发检察建议，邀请人民监督员参加宣告和落实跟踪。",
    )
    .await?;
    // A hearing in six days: the draw is fixed; the procuratorate has revealed its number,
    // the bureau and the 人大 have not (commit–reveal).
    let hearing = s
        .activity(
            "hearing_non_prosecution",
            "孙某某涉嫌帮助信息网络犯罪活动拟不起诉公开审查",
            "上城区人民检察院听证室",
            soon(6),
            3,
            "",
            "犯罪嫌疑人系在校学生，出租本人银行卡供他人使用，涉案流水较小，认罪认罚并退出违法所得，拟作相对不起诉。",
        )
        .await?;
    let label = format!("人民监督员抽选-{hearing}-1");
    let parties = [
        ("上城区司法局", PENDING_REVEALS[0].1),
        ("上城区人民检察院", "0815"),
        ("上城区人大常委会", PENDING_REVEALS[1].1),
    ];
    let setup = Setup::new(
        &label,
        s.pool("").await?,
        vec![(
            s.ids[2].to_string(),
            "系犯罪嫌疑人所在学校的兼职法律顾问，申请回避".to_string(),
        )],
        3,
        2,
        vec![Source::CommitReveal {
            parties: parties
                .iter()
                .map(|(p, n)| (p.to_string(), commitment(&label, p, n)))
                .collect(),
        }],
    )?;
    let mut values = setup.blank_values();
    setup.reveal(&mut values, "上城区人民检察院", "0815")?;
    let draw = store
        .set_supervisor_draw(
            hearing,
            &s.justice_org,
            &serde_json::to_string(&setup)?,
            &serde_json::to_string(&setup.blank_values())?,
            JUSTICE,
            now - Duration::hours(20),
        )
        .await?;
    store
        .give_draw_values(
            draw,
            &serde_json::to_string(&values)?,
            now - Duration::hours(3),
        )
        .await?;
    // A circuit inspection in four days: drawn yesterday, 蒋监督员 has not answered yet.
    let inspection = s
        .activity(
            "circuit_inspection",
            "上城区社区矫正工作巡回检察",
            "上城区社区矫正管理局",
            soon(4),
            2,
            "",
            "检查社区矫正对象监督管理、教育帮扶和脱管漏管情况，邀请人民监督员全程参与。",
        )
        .await?;
    s.draw(inspection, "", 2, Some(me), now - Duration::days(1))
        .await?;
    Ok(())
}
