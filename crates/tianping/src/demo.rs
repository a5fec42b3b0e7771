//! A deterministic, seeded synthetic province (浙江): every agency of every region, users for
//! every role, and years of cases with realistic mixes, durations, adjournments, suspensions,
//! excluded periods, extensions, appeals, remands, execution outcomes, custody files and minors.
//! The same seed and the same `now` give the same province.

use chrono::{DateTime, Datelike, Duration, FixedOffset, NaiveDate, TimeZone, Utc};
use std::collections::HashMap;
use tianping_domain::event::{
    Approver, Disposition, EventBody, ExcludedKind, Filing, PeriodUnit, ZhongbenChecklist,
};
use tianping_domain::org::OrgRef;
use tianping_domain::{
    AgencyKind, CaseKind, Clearance, Confidentiality, EventRecord, Level, Party, PartyKind, Role,
};
use tianping_store::org::Org;

/// SplitMix64: small, fast, and reproducible across platforms.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next_u64() % n }
    }
    pub fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + i64::try_from(self.below(u64::try_from(hi - lo + 1).unwrap_or(1))).unwrap_or(0)
    }
    pub fn chance(&mut self, p: f64) -> bool {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }
    pub fn pick<'a, T>(&mut self, v: &'a [T]) -> &'a T {
        &v[usize::try_from(self.below(v.len() as u64)).unwrap_or(0)]
    }
    /// Picks by weight.
    pub fn weighted<'a, T>(&mut self, v: &'a [(T, u32)]) -> &'a T {
        let total: u64 = v.iter().map(|(_, w)| u64::from(*w)).sum();
        let mut x = self.below(total);
        for (t, w) in v {
            if x < u64::from(*w) {
                return t;
            }
            x -= u64::from(*w);
        }
        &v[v.len() - 1].0
    }
}

/// (division code, name)
type County = (&'static str, &'static str);
/// (division code, name, counties)
type City = (&'static str, &'static str, &'static [County]);

const CITIES: &[City] = &[
    (
        "3301",
        "杭州市",
        &[
            ("330102", "上城区"),
            ("330105", "拱墅区"),
            ("330106", "西湖区"),
            ("330108", "滨江区"),
            ("330109", "萧山区"),
        ],
    ),
    (
        "3302",
        "宁波市",
        &[
            ("330203", "海曙区"),
            ("330205", "江北区"),
            ("330212", "鄞州区"),
        ],
    ),
    (
        "3303",
        "温州市",
        &[
            ("330302", "鹿城区"),
            ("330303", "龙湾区"),
            ("330304", "瓯海区"),
        ],
    ),
];

fn kind_prefix(k: AgencyKind) -> &'static str {
    match k {
        AgencyKind::Court => "court",
        AgencyKind::Procuratorate => "proc",
        AgencyKind::Police => "police",
        AgencyKind::JusticeBureau => "justice",
        AgencyKind::PeoplesCongress => "pc",
        AgencyKind::PoliticalLegalCommittee => "plc",
    }
}

pub fn org_id(kind: AgencyKind, region: &str) -> String {
    format!("{}-{region}", kind_prefix(kind))
}

fn org_name(kind: AgencyKind, level: Level, city: &str, county: &str) -> String {
    match (level, kind) {
        (Level::Province, AgencyKind::Court) => "浙江省高级人民法院".into(),
        (Level::Province, AgencyKind::Procuratorate) => "浙江省人民检察院".into(),
        (Level::Province, AgencyKind::Police) => "浙江省公安厅".into(),
        (Level::Province, AgencyKind::JusticeBureau) => "浙江省司法厅".into(),
        (Level::Province, AgencyKind::PeoplesCongress) => "浙江省人大常委会".into(),
        (Level::Province, AgencyKind::PoliticalLegalCommittee) => "中共浙江省委政法委员会".into(),
        (Level::City, AgencyKind::Court) => format!("{city}中级人民法院"),
        (Level::City, AgencyKind::Procuratorate) => format!("{city}人民检察院"),
        (Level::City, AgencyKind::Police) => format!("{city}公安局"),
        (Level::City, AgencyKind::JusticeBureau) => format!("{city}司法局"),
        (Level::City, AgencyKind::PeoplesCongress) => format!("{city}人大常委会"),
        (Level::City, AgencyKind::PoliticalLegalCommittee) => format!("中共{city}委政法委员会"),
        (Level::County, AgencyKind::Court) => format!("{city}{county}人民法院"),
        (Level::County, AgencyKind::Procuratorate) => format!("{city}{county}人民检察院"),
        (Level::County, AgencyKind::Police) => format!("{city}公安局{county}分局"),
        (Level::County, AgencyKind::JusticeBureau) => format!("{city}{county}司法局"),
        (Level::County, AgencyKind::PeoplesCongress) => format!("{city}{county}人大常委会"),
        (Level::County, AgencyKind::PoliticalLegalCommittee) => {
            format!("中共{city}{county}委政法委员会")
        }
    }
}

/// The 书记员 the demo records on a court's trial assignments: 上城's, who has a login (`clerk`).
const SC_CLERK: &str = "冯晓燕";

fn clerk_of(court: &str) -> Option<String> {
    (court == org_id(AgencyKind::Court, "330102")).then(|| SC_CLERK.to_string())
}

/// The province's organisations and each court's judges.
pub struct Province {
    pub orgs: Vec<Org>,
    pub judges: HashMap<String, Vec<String>>,
    pub basic_courts: Vec<String>,
    pub intermediate_courts: Vec<String>,
    pub high_court: String,
}

const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭",
    "何", "林", "罗", "高", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹", "彭", "曾",
    "肖", "田", "董", "潘", "袁", "蔡", "蒋", "余", "于", "杜", "叶", "程", "魏", "苏", "吕", "丁",
    "沈", "任",
];
const GIVEN: &[&str] = &[
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明",
    "超", "秀英", "霞", "平", "刚", "桂英", "建华", "晓东", "海燕", "志强", "文博", "雨涵", "子轩",
    "欣怡", "浩然", "梓涵", "建国", "玉兰", "春梅", "国庆", "丹", "鹏", "婷", "辉",
];
const FIRMS: &[&str] = &[
    "西湖科技",
    "钱塘贸易",
    "之江建设",
    "甬港物流",
    "瓯江制造",
    "天目山农业",
    "运河文化",
    "东海水产",
    "江南置业",
    "新安电子",
];
const FIRM_SUFFIX: &[&str] = &["有限公司", "股份有限公司", "有限责任公司"];
const CIVIL_CAUSES: &[(&str, u32)] = &[
    ("民间借贷纠纷", 18),
    ("金融借款合同纠纷", 12),
    ("买卖合同纠纷", 12),
    ("信用卡纠纷", 8),
    ("离婚纠纷", 8),
    ("机动车交通事故责任纠纷", 8),
    ("房屋租赁合同纠纷", 6),
    ("劳动争议", 6),
    ("物业服务合同纠纷", 5),
    ("建设工程施工合同纠纷", 4),
    ("追索劳动报酬纠纷", 4),
    ("侵害商标权纠纷", 3),
    ("健康权纠纷", 3),
    ("继承纠纷", 3),
];
const CHARGES: &[(&str, u32)] = &[
    ("危险驾驶罪", 20),
    ("盗窃罪", 16),
    ("诈骗罪", 12),
    ("帮助信息网络犯罪活动罪", 10),
    ("故意伤害罪", 8),
    ("开设赌场罪", 5),
    ("寻衅滋事罪", 5),
    ("走私、贩卖、运输、制造毒品罪", 5),
    ("掩饰、隐瞒犯罪所得罪", 5),
    ("交通肇事罪", 4),
    ("非法吸收公众存款罪", 3),
    ("抢劫罪", 2),
];
const ADMIN_DEFENDANTS: &[&str] = &[
    "市场监督管理局",
    "自然资源和规划局",
    "人力资源和社会保障局",
    "公安局",
    "住房和城乡建设局",
    "生态环境局",
];

fn person(rng: &mut Rng) -> String {
    format!("{}{}", rng.pick(SURNAMES), rng.pick(GIVEN))
}

fn firm(rng: &mut Rng, city: &str) -> String {
    format!(
        "{}{}{}",
        city.trim_end_matches('市'),
        rng.pick(FIRMS),
        rng.pick(FIRM_SUFFIX)
    )
}

pub fn province(seed: u64) -> Province {
    let mut rng = Rng::new(seed ^ 0x0005_EED0_F0A6);
    let mut orgs = vec![];
    let mut judges = HashMap::new();
    let mut basic = vec![];
    let mut intermediate = vec![];
    let mut add = |kind: AgencyKind,
                   level: Level,
                   region: &str,
                   path: &str,
                   parent: Option<String>,
                   city: &str,
                   county: &str,
                   court_code: Option<String>| {
        orgs.push(Org {
            id: org_id(kind, region),
            parent_id: parent,
            name: org_name(kind, level, city, county),
            kind,
            level,
            region_code: region.to_string(),
            region_path: path.to_string(),
            court_code,
        });
    };
    for k in AgencyKind::ALL {
        add(
            k,
            Level::Province,
            "33",
            "/33/",
            None,
            "",
            "",
            (k == AgencyKind::Court).then(|| "浙".to_string()),
        );
    }
    for (ci, (city_code, city, counties)) in CITIES.iter().enumerate() {
        let cpath = format!("/33/{city_code}/");
        for k in AgencyKind::ALL {
            add(
                k,
                Level::City,
                city_code,
                &cpath,
                Some(org_id(k, "33")),
                city,
                "",
                (k == AgencyKind::Court).then(|| format!("浙{:02}", ci + 1)),
            );
        }
        intermediate.push(org_id(AgencyKind::Court, city_code));
        for (code, county) in counties.iter() {
            let path = format!("{cpath}{code}/");
            for k in AgencyKind::ALL {
                add(
                    k,
                    Level::County,
                    code,
                    &path,
                    Some(org_id(k, city_code)),
                    city,
                    county,
                    (k == AgencyKind::Court).then(|| format!("浙{}", &code[2..])),
                );
            }
            basic.push(org_id(AgencyKind::Court, code));
        }
    }
    // 杭州互联网法院 (浙0192): a basic court under the 杭州 intermediate court.
    orgs.push(Org {
        id: "court-330192".into(),
        parent_id: Some(org_id(AgencyKind::Court, "3301")),
        name: "杭州互联网法院".into(),
        kind: AgencyKind::Court,
        level: Level::County,
        region_code: "330192".into(),
        region_path: "/33/3301/330192/".into(),
        court_code: Some("浙0192".into()),
    });
    basic.push("court-330192".into());
    let high = org_id(AgencyKind::Court, "33");
    for o in &orgs {
        if o.kind == AgencyKind::Court {
            let n = match o.level {
                Level::County => 12,
                Level::City => 10,
                Level::Province => 8,
            };
            let mut names: Vec<String> = vec![];
            while names.len() < n {
                let p = person(&mut rng);
                if !names.contains(&p) {
                    names.push(p);
                }
            }
            judges.insert(o.id.clone(), names);
        }
    }
    Province {
        orgs,
        judges,
        basic_courts: basic,
        intermediate_courts: intermediate,
        high_court: high,
    }
}

/// One demo login per role.
pub struct DemoUser {
    pub username: &'static str,
    pub display_name: String,
    pub org_id: String,
    pub role: Role,
    pub clearance: Clearance,
}

pub fn users(p: &Province) -> Vec<DemoUser> {
    let sc = org_id(AgencyKind::Court, "330102");
    let judge = p
        .judges
        .get(&sc)
        .and_then(|j| j.first())
        .cloned()
        .unwrap_or_else(|| "承办法官".into());
    let cleared = Clearance(vec![
        Confidentiality::Minors,
        Confidentiality::Privacy,
        Confidentiality::TradeSecret,
    ]);
    let u = |username, name: &str, org: String, role, clearance: Clearance| DemoUser {
        username,
        display_name: name.to_string(),
        org_id: org,
        role,
        clearance,
    };
    vec![
        u(
            "judge",
            &judge,
            sc.clone(),
            Role::Judge,
            Clearance::default(),
        ),
        u(
            "clerk",
            SC_CLERK,
            sc.clone(),
            Role::Clerk,
            Clearance::default(),
        ),
        u(
            "chief",
            "钱庭长",
            sc.clone(),
            Role::DivisionChief,
            Clearance::default(),
        ),
        u(
            "president",
            "孙院长",
            sc.clone(),
            Role::President,
            cleared.clone(),
        ),
        u(
            "caseoffice",
            "周主任",
            org_id(AgencyKind::Court, "3301"),
            Role::CaseOffice,
            cleared.clone(),
        ),
        u(
            "prosecutor",
            "吴检察官",
            org_id(AgencyKind::Procuratorate, "330102"),
            Role::Judge,
            Clearance::default(),
        ),
        u(
            "police",
            "郑警官",
            org_id(AgencyKind::Police, "330102"),
            Role::Judge,
            Clearance::default(),
        ),
        u(
            "plc",
            "冯书记",
            org_id(AgencyKind::PoliticalLegalCommittee, "3301"),
            Role::PlcSupervisor,
            Clearance::default(),
        ),
        u(
            "npc",
            "陈主任",
            org_id(AgencyKind::PeoplesCongress, "33"),
            Role::PcSupervisor,
            Clearance::default(),
        ),
        u(
            "npc_hz",
            "蒋委员",
            org_id(AgencyKind::PeoplesCongress, "3301"),
            Role::PcSupervisor,
            Clearance::default(),
        ),
        u(
            "deputy",
            "褚代表",
            org_id(AgencyKind::PeoplesCongress, "3301"),
            Role::Deputy,
            Clearance::default(),
        ),
        u(
            "justice",
            "卫科长",
            org_id(AgencyKind::JusticeBureau, "330102"),
            Role::JusticeAdmin,
            Clearance::default(),
        ),
        u(
            "supervisor",
            "蒋监督员",
            org_id(AgencyKind::JusticeBureau, "330102"),
            Role::PeopleSupervisor,
            Clearance::default(),
        ),
        u(
            "sysadmin",
            "沈工程师",
            p.high_court.clone(),
            Role::Sysadmin,
            Clearance::default(),
        ),
        u(
            "secadmin",
            "韩保密员",
            p.high_court.clone(),
            Role::Secadmin,
            Clearance::default(),
        ),
        u(
            "auditor",
            "杨审计员",
            p.high_court.clone(),
            Role::Auditor,
            Clearance::default(),
        ),
    ]
}

struct Gen<'a> {
    rng: Rng,
    p: &'a Province,
    now: DateTime<Utc>,
    out: Vec<EventRecord>,
    seq: HashMap<(String, &'static str, i32), u32>,
    next_id: u64,
    court_code: HashMap<String, String>,
    city_of: HashMap<String, String>,
    last_at: HashMap<String, DateTime<FixedOffset>>,
    bj: FixedOffset,
}

/// A president's (院长, 检察长, 局长) decision for `org` (resolved from the directory on import).
fn president(name: &str, org: &str) -> Approver {
    Approver {
        name: name.to_string(),
        role: Role::President,
        org: Some(OrgRef::id(org)),
    }
}

impl Gen<'_> {
    fn number(&mut self, court: &str, code: &'static str, year: i32) -> String {
        let n = self.seq.entry((court.to_string(), code, year)).or_insert(0);
        *n += 1;
        let n = *n;
        format!(
            "（{year}）{}{code}{n}号",
            self.court_code.get(court).map_or("浙", String::as_str)
        )
    }

    /// An office-hours instant on `day`.
    fn at(&mut self, day: NaiveDate) -> DateTime<FixedOffset> {
        let minutes = self.rng.range(8 * 60 + 30, 17 * 60);
        let naive = day.and_hms_opt(0, 0, 0).unwrap_or_default() + Duration::minutes(minutes);
        self.bj
            .from_local_datetime(&naive)
            .single()
            .unwrap_or_else(|| self.bj.from_utc_datetime(&naive))
    }

    /// Emits an event if it lies in the past; returns whether it did. Times within a case never go
    /// backwards.
    fn emit(&mut self, number: &str, day: NaiveDate, body: EventBody) -> bool {
        let mut at = self.at(day);
        if let Some(last) = self.last_at.get(number)
            && at <= *last
        {
            at = *last + Duration::minutes(self.rng.range(5, 90));
        }
        if at.with_timezone(&Utc) > self.now - Duration::hours(1) {
            return false;
        }
        self.next_id += 1;
        self.last_at.insert(number.to_string(), at);
        self.out.push(EventRecord {
            source: "demo".into(),
            source_event_id: format!("d{}", self.next_id),
            case_number: number.to_string(),
            occurred_at: at,
            corrects: None,
            body,
        });
        true
    }

    fn judge_of(&mut self, court: &str) -> String {
        let js = self.p.judges.get(court).cloned().unwrap_or_default();
        if js.is_empty() {
            "承办法官".into()
        } else {
            self.rng.pick(&js).clone()
        }
    }

    fn panel(&mut self, court: &str, judge: &str) -> Vec<String> {
        let js = self.p.judges.get(court).cloned().unwrap_or_default();
        let mut v = vec![judge.to_string()];
        while v.len() < 3 && js.len() >= 3 {
            let j = self.rng.pick(&js).clone();
            if !v.contains(&j) {
                v.push(j);
            }
        }
        v
    }

    fn filing(&mut self, cause: &str, parties: Vec<Party>) -> Filing {
        let conf = if parties.iter().any(|p| p.minor) {
            Some(Confidentiality::Minors)
        } else if self.rng.chance(0.01) {
            Some(Confidentiality::Privacy)
        } else if self.rng.chance(0.006) {
            Some(Confidentiality::TradeSecret)
        } else {
            None
        };
        Filing {
            case_kind: None,
            org_id: None,
            cause: cause.to_string(),
            charges: vec![],
            parties,
            confidentiality: conf,
            summary_procedure: false,
            fast_track: false,
            small_claims: false,
            in_custody: false,
            foreign_related: false,
            claim_amount_yuan: None,
            origin_case_number: None,
        }
    }

    fn natural(&mut self, role: &str) -> Party {
        Party {
            name: person(&mut self.rng),
            role: role.into(),
            kind: PartyKind::Natural,
            minor: false,
        }
    }

    fn legal_or_natural(&mut self, role: &str, court: &str, p_legal: f64) -> Party {
        if self.rng.chance(p_legal) {
            let city = self
                .city_of
                .get(court)
                .cloned()
                .unwrap_or_else(|| "杭州市".into());
            Party {
                name: firm(&mut self.rng, &city),
                role: role.into(),
                kind: PartyKind::Legal,
                minor: false,
            }
        } else {
            self.natural(role)
        }
    }

    /// Assignment, hearings, adjournments, suspensions, excluded periods, extensions; returns the
    /// closing day (if reached) after applying the case's own delays.
    #[allow(clippy::too_many_arguments)]
    fn trial_course(
        &mut self,
        n: &str,
        court: &str,
        filed: NaiveDate,
        base_days: i64,
        panel: bool,
        kind_excluded: ExcludedKind,
        allow_extension: bool,
    ) -> (NaiveDate, bool) {
        let judge = self.judge_of(court);
        let pnl = if panel {
            self.panel(court, &judge)
        } else {
            vec![]
        };
        let mut day = filed + Duration::days(self.rng.range(1, 3));
        if !self.emit(
            n,
            day,
            EventBody::Assigned {
                judge: judge.clone(),
                panel: pnl,
                division: None,
                clerk: clerk_of(court),
            },
        ) {
            return (day, false);
        }
        let mut extra = 0;
        let hearing = day + Duration::days(self.rng.range(7, 30).min(base_days.max(8) - 1));
        let hearing_at = self.at(hearing);
        if !self.emit(n, day, EventBody::HearingScheduled { hearing_at }) {
            return (day, false);
        }
        // Now and then a party complains about the judge (四类案件 category 4).
        if self.rng.chance(0.01)
            && !self.emit(
                n,
                day,
                EventBody::ComplaintReceived {
                    against: judge.clone(),
                    summary: "当事人来信反映承办法官庭前私下会见对方代理人".into(),
                },
            )
        {
            return (day, false);
        }
        day = hearing;
        if self.rng.chance(0.15) {
            if !self.emit(
                n,
                day,
                EventBody::Adjourned {
                    reason: "当事人申请延期举证".into(),
                },
            ) {
                return (day, false);
            }
            day += Duration::days(self.rng.range(10, 30));
            extra += 20;
        }
        if !self.emit(n, day, EventBody::HearingHeld) {
            return (day, false);
        }
        if self.rng.chance(0.05) {
            let president_name = self
                .p
                .judges
                .get(court)
                .and_then(|j| j.last())
                .cloned()
                .unwrap_or_default();
            day += Duration::days(2);
            if !self.emit(
                n,
                day,
                EventBody::Suspended {
                    reason: "本案须以另一案的审理结果为依据".into(),
                    approver: president(&president_name, court),
                },
            ) {
                return (day, false);
            }
            let len = self.rng.range(30, 120);
            day += Duration::days(len);
            extra += len;
            if !self.emit(n, day, EventBody::Resumed) {
                return (day, false);
            }
        }
        if self.rng.chance(0.08) {
            day += Duration::days(1);
            if !self.emit(
                n,
                day,
                EventBody::ExcludedPeriodStarted {
                    period: kind_excluded,
                    reason: "委托鉴定机构鉴定".into(),
                    approver: None,
                },
            ) {
                return (day, false);
            }
            let len = self.rng.range(25, 100);
            day += Duration::days(len);
            extra += len;
            if !self.emit(
                n,
                day,
                EventBody::ExcludedPeriodEnded {
                    period: kind_excluded,
                },
            ) {
                return (day, false);
            }
        }
        let long = self.rng.chance(0.03);
        let mut total = base_days + extra + if long { self.rng.range(300, 800) } else { 0 };
        if allow_extension && (long || self.rng.chance(0.05)) {
            let president_name = self
                .p
                .judges
                .get(court)
                .and_then(|j| j.last())
                .cloned()
                .unwrap_or_default();
            let req = (filed + Duration::days(base_days.saturating_sub(20).max(1)))
                .max(day + Duration::days(1));
            if !self.emit(
                n,
                req,
                EventBody::ExtensionRequested {
                    amount: 6,
                    unit: PeriodUnit::Month,
                    reason: "案情复杂，需要延长审理期限".into(),
                },
            ) {
                return (req, false);
            }
            if !self.emit(
                n,
                req + Duration::days(3),
                EventBody::ExtensionApproved {
                    approver: president(&president_name, court),
                    amount: 6,
                    unit: PeriodUnit::Month,
                },
            ) {
                return (req, false);
            }
            day = req + Duration::days(3);
            total += 60;
        }
        let close = (filed + Duration::days(total)).max(day + Duration::days(1));
        (close, true)
    }

    fn civil_first(&mut self, court: &str, filed: NaiveDate, origin: Option<String>) {
        let n = self.number(court, "民初", filed.year());
        let cause = (*self.rng.weighted(CIVIL_CAUSES)).to_string();
        let mut parties = vec![
            self.legal_or_natural("原告", court, 0.3),
            self.legal_or_natural("被告", court, 0.25),
        ];
        if (cause == "离婚纠纷" || cause == "健康权纠纷") && self.rng.chance(0.2) {
            let mut child = self.natural("第三人");
            child.minor = true;
            parties.push(child);
        }
        let mut f = self.filing(&cause, parties);
        f.summary_procedure = origin.is_none() && self.rng.chance(0.65);
        // A few claims are very large (a 四类案件 threshold in rules/flag-rules.toml).
        let claim = if self.rng.chance(0.003) {
            self.rng.range(100, 900) * 1_000_000
        } else {
            self.rng.range(3, 800) * 1000
        };
        f.claim_amount_yuan = Some(claim);
        f.origin_case_number = origin;
        let summary = f.summary_procedure;
        if !self.emit(&n, filed, EventBody::Filed(f)) {
            return;
        }
        let base = if summary {
            self.rng.range(25, 85)
        } else {
            self.rng.range(60, 170)
        };
        let (mut close, ok) = self.trial_course(
            &n,
            court,
            filed,
            base,
            !summary,
            ExcludedKind::Appraisal,
            !summary,
        );
        if !ok {
            return;
        }
        if summary && self.rng.chance(0.12) {
            let d = close
                - Duration::days(
                    self.rng
                        .range(5, 20)
                        .min((close - filed).num_days().max(2) - 1),
                );
            if !self.emit(
                &n,
                d.max(filed + Duration::days(1)),
                EventBody::ProcedureConverted {
                    from: "summary".into(),
                    to: "ordinary".into(),
                },
            ) {
                return;
            }
            close += Duration::days(self.rng.range(20, 90));
        }
        let d = *self.rng.weighted(&[
            (Disposition::Judgment, 45),
            (Disposition::Mediation, 30),
            (Disposition::Withdrawal, 20),
            (Disposition::Dismissal, 5),
        ]);
        // Awards lie between 20% and 100% of the claim.
        let amount = if d == Disposition::Judgment {
            Some(claim * self.rng.range(20, 100) / 100)
        } else {
            None
        };
        if !self.emit(
            &n,
            close,
            EventBody::Closed {
                disposition: d,
                sentence_months: None,
                amount_yuan: amount,
            },
        ) {
            return;
        }
        if d == Disposition::Judgment && self.rng.chance(0.15) {
            let ad = close + Duration::days(self.rng.range(5, 14));
            if self.emit(
                &n,
                ad,
                EventBody::Appealed {
                    by: "一方当事人".into(),
                },
            ) {
                let inter = self
                    .p
                    .orgs
                    .iter()
                    .find(|o| o.id == court)
                    .and_then(|o| o.parent_id.clone())
                    .unwrap_or_default();
                let filed2 = ad + Duration::days(self.rng.range(20, 45));
                self.second_instance(
                    &inter,
                    "民终",
                    filed2,
                    n.clone(),
                    court.to_string(),
                    cause.clone(),
                );
            }
        }
    }

    fn second_instance(
        &mut self,
        court: &str,
        code: &'static str,
        filed: NaiveDate,
        origin: String,
        origin_court: String,
        cause: String,
    ) {
        // Appeals from the high court go to the SPC, outside the province.
        if !self.court_code.contains_key(court) {
            return;
        }
        let n = self.number(court, code, filed.year());
        let criminal = code == "刑终";
        let parties = if criminal {
            vec![self.natural("上诉人（原审被告人）")]
        } else {
            vec![
                self.natural("上诉人"),
                self.legal_or_natural("被上诉人", court, 0.3),
            ]
        };
        let mut f = self.filing(&cause, parties);
        f.origin_case_number = Some(origin.clone());
        if !self.emit(&n, filed, EventBody::Filed(f)) {
            return;
        }
        let base = self.rng.range(30, 85);
        let (close, ok) = self.trial_course(
            &n,
            court,
            filed,
            base,
            true,
            ExcludedKind::PublicNotice,
            !criminal,
        );
        if !ok {
            return;
        }
        let d = *self.rng.weighted(&[
            (Disposition::Upheld, 72),
            (Disposition::Amended, 12),
            (Disposition::RemandedForRetrial, 7),
            (Disposition::Mediation, 5),
            (Disposition::Withdrawal, 4),
        ]);
        if !self.emit(
            &n,
            close,
            EventBody::Closed {
                disposition: d,
                sentence_months: None,
                amount_yuan: None,
            },
        ) {
            return;
        }
        if d == Disposition::RemandedForRetrial && !criminal {
            let retrial = close + Duration::days(self.rng.range(7, 20));
            let new_no = self.number(&origin_court, "民初", retrial.year());
            // The next 民初 number is taken by the retrial itself, filed under that number.
            if let Some(s) = self
                .seq
                .get_mut(&(origin_court.clone(), "民初", retrial.year()))
            {
                *s -= 1;
            }
            if self.emit(
                &origin,
                retrial,
                EventBody::Remanded {
                    new_case_number: Some(new_no),
                },
            ) {
                self.civil_first(&origin_court, retrial, Some(origin));
            }
        }
    }

    fn execution(&mut self, court: &str, filed: NaiveDate) {
        let n = self.number(court, "执", filed.year());
        let parties = vec![
            self.legal_or_natural("申请执行人", court, 0.4),
            self.legal_or_natural("被执行人", court, 0.3),
        ];
        let cause = *self.rng.weighted(CIVIL_CAUSES);
        let mut f = self.filing(cause, parties);
        f.claim_amount_yuan = Some(self.rng.range(5, 600) * 1000);
        if !self.emit(&n, filed, EventBody::Filed(f)) {
            return;
        }
        let judge = self.judge_of(court);
        let mut day = filed + Duration::days(self.rng.range(1, 3));
        if !self.emit(
            &n,
            day,
            EventBody::Assigned {
                judge,
                panel: vec![],
                division: Some("执行局".into()),
                clerk: None,
            },
        ) {
            return;
        }
        let found = self.rng.chance(0.45);
        for i in 0..self.rng.range(1, 3) {
            day += Duration::days(self.rng.range(5, 30));
            let channel = if i == 0 {
                "网络执行查控系统"
            } else {
                "现场调查"
            };
            if !self.emit(
                &n,
                day,
                EventBody::PropertySearched {
                    channel: channel.into(),
                    found,
                },
            ) {
                return;
            }
        }
        if found {
            let close = day + Duration::days(self.rng.range(20, 150));
            self.emit(
                &n,
                close,
                EventBody::Closed {
                    disposition: Disposition::ExecutionCompleted,
                    sentence_months: None,
                    amount_yuan: None,
                },
            );
        } else if self.rng.chance(0.8) {
            let close =
                (filed + Duration::days(self.rng.range(95, 200))).max(day + Duration::days(1));
            let full = ZhongbenChecklist {
                property_report_done: true,
                consumption_restricted: true,
                assets_investigated: true,
                whereabouts_and_obstruction_handled: true,
                applicant_interviewed: true,
                applicant_confirmed_or_president_approved: true,
                ruling_served: true,
            };
            let unpaid = Some(self.rng.range(5, 600) * 1000);
            if self.emit(
                &n,
                close,
                EventBody::ExecutionTerminated {
                    checklist: full,
                    unpaid_amount_yuan: unpaid,
                },
            ) && self.rng.chance(0.06)
            {
                let d = close + Duration::days(self.rng.range(60, 300));
                self.emit(&n, d, EventBody::ExecutionRestored);
            }
        }
    }

    fn criminal_first(&mut self, court: &str, filed: NaiveDate) {
        let n = self.number(court, "刑初", filed.year());
        let charge = (*self.rng.weighted(CHARGES)).to_string();
        let mut accused = self.natural("被告人");
        accused.minor = self.rng.chance(0.05);
        let mut f = self.filing(&charge, vec![accused]);
        f.charges = vec![charge.clone()];
        // Most defendants in public prosecutions are held (no holiday roll-over for their limit).
        f.in_custody = self.rng.chance(0.7);
        if !self.emit(&n, filed, EventBody::Filed(f)) {
            return;
        }
        let base = self.rng.range(20, 55);
        let panel = self.rng.chance(0.4);
        let (mut close, ok) = self.trial_course(
            &n,
            court,
            filed,
            base,
            panel,
            ExcludedKind::PsychiatricAppraisal,
            false,
        );
        if !ok {
            return;
        }
        if self.rng.chance(0.03) {
            let d = close - Duration::days(1).min(close - filed);
            if !self.emit(
                &n,
                d,
                EventBody::ReturnedForSupplementaryInvestigation {
                    reason: "检察院建议补充侦查".into(),
                },
            ) {
                return;
            }
            close = d + Duration::days(self.rng.range(20, 30));
            if !self.emit(
                &n,
                close,
                EventBody::ResubmittedAfterSupplementaryInvestigation,
            ) {
                return;
            }
            close += Duration::days(self.rng.range(15, 40));
        }
        let months = u32::try_from(self.rng.range(2, 60)).unwrap_or(6);
        if self.emit(
            &n,
            close,
            EventBody::Closed {
                disposition: Disposition::Judgment,
                sentence_months: Some(months),
                amount_yuan: None,
            },
        ) && self.rng.chance(0.1)
        {
            let ad = close + Duration::days(self.rng.range(3, 9));
            if self.emit(
                &n,
                ad,
                EventBody::Appealed {
                    by: "被告人".into(),
                },
            ) {
                let inter = self
                    .p
                    .orgs
                    .iter()
                    .find(|o| o.id == court)
                    .and_then(|o| o.parent_id.clone())
                    .unwrap_or_default();
                let filed2 = ad + Duration::days(self.rng.range(10, 30));
                self.second_instance(
                    &inter,
                    "刑终",
                    filed2,
                    n.clone(),
                    court.to_string(),
                    charge.clone(),
                );
            }
        }
    }

    fn administrative(&mut self, court: &str, filed: NaiveDate) {
        let n = self.number(court, "行初", filed.year());
        let city = self.city_of.get(court).cloned().unwrap_or_default();
        let def = format!("{city}{}", self.rng.pick(ADMIN_DEFENDANTS));
        let parties = vec![
            self.natural("原告"),
            Party {
                name: def,
                role: "被告".into(),
                kind: PartyKind::Legal,
                minor: false,
            },
        ];
        let f = self.filing("行政处罚", parties);
        if !self.emit(&n, filed, EventBody::Filed(f)) {
            return;
        }
        let base = self.rng.range(60, 170);
        let (close, ok) =
            self.trial_course(&n, court, filed, base, true, ExcludedKind::Appraisal, true);
        if ok {
            let d = *self.rng.weighted(&[
                (Disposition::Judgment, 60),
                (Disposition::Withdrawal, 30),
                (Disposition::Dismissal, 10),
            ]);
            self.emit(
                &n,
                close,
                EventBody::Closed {
                    disposition: d,
                    sentence_months: None,
                    amount_yuan: None,
                },
            );
        }
    }

    fn custody_file(&mut self, county: &str, filed: NaiveDate) {
        let police = org_id(AgencyKind::Police, county);
        let proc_ = org_id(AgencyKind::Procuratorate, county);
        let year = filed.year();
        self.next_id += 0;
        let seq = {
            let s = self.seq.entry((police.clone(), "公", year)).or_insert(0);
            *s += 1;
            *s
        };
        let pn = format!("浙公{county}刑立字〔{year}〕{seq}号");
        let charge = (*self.rng.weighted(CHARGES)).to_string();
        let mut suspect = self.natural("犯罪嫌疑人");
        suspect.minor = self.rng.chance(0.04);
        let mut f = self.filing(&charge, vec![suspect]);
        f.case_kind = Some(CaseKind::Police);
        f.org_id = Some(police.clone());
        f.charges = vec![charge.clone()];
        if !self.emit(&pn, filed, EventBody::Filed(f.clone())) {
            return;
        }
        let mut day = filed;
        if !self.emit(
            &pn,
            day,
            EventBody::Summoned {
                extended_to_24h: false,
            },
        ) {
            return;
        }
        // Detained at the end of the summons (within its 12 hours, CrimPL art. 119).
        if !self.emit(&pn, day, EventBody::Detained) {
            return;
        }
        // 提请批捕 within 3 days; roving or gang cases get the 4-day extension first (art. 91).
        if self.rng.chance(0.2) {
            let ask = day + Duration::days(1);
            if !self.emit(
                &pn,
                ask,
                EventBody::ExtensionRequested {
                    amount: 4,
                    unit: PeriodUnit::Day,
                    reason: "流窜作案、结伙作案，需延长提请批准逮捕时间".into(),
                },
            ) || !self.emit(
                &pn,
                ask,
                EventBody::ExtensionApproved {
                    approver: president("公安局长", &police),
                    amount: 4,
                    unit: PeriodUnit::Day,
                },
            ) {
                return;
            }
            day += Duration::days(self.rng.range(4, 7));
        } else {
            day += Duration::days(self.rng.range(1, 3));
        }
        if !self.emit(&pn, day, EventBody::ArrestRequested) {
            return;
        }
        day += Duration::days(self.rng.range(2, 7));
        let approver = president("检察长", &proc_);
        if self.rng.chance(0.12) {
            if self.emit(
                &pn,
                day,
                EventBody::ArrestRefused {
                    approver,
                    reason: "不构成犯罪或证据不足".into(),
                },
            ) {
                self.emit(
                    &pn,
                    day,
                    EventBody::Released {
                        reason: "不批准逮捕".into(),
                    },
                );
            }
            return;
        }
        if !self.emit(&pn, day, EventBody::ArrestApproved { approver }) {
            return;
        }
        let arrested = day;
        let gap = self.rng.range(40, 85);
        // Complex cases: the higher procuratorate extends custody by a month (CrimPL art. 156).
        if gap > 55 {
            let ask = arrested + Duration::days(45);
            if !self.emit(
                &pn,
                ask,
                EventBody::ExtensionRequested {
                    amount: 1,
                    unit: PeriodUnit::Month,
                    reason: "案情复杂、期限届满不能终结".into(),
                },
            ) || !self.emit(
                &pn,
                ask + Duration::days(3),
                EventBody::ExtensionApproved {
                    approver: president("检察长", &org_id(AgencyKind::Procuratorate, &county[..4])),
                    amount: 1,
                    unit: PeriodUnit::Month,
                },
            ) {
                return;
            }
        }
        day += Duration::days(gap);
        if !self.emit(
            &pn,
            day,
            EventBody::Closed {
                disposition: Disposition::Transfer,
                sentence_months: None,
                amount_yuan: None,
            },
        ) {
            return;
        }
        // The procuratorate's review file.
        let review_year = day.year();
        let s2 = {
            let s = self
                .seq
                .entry((proc_.clone(), "检", review_year))
                .or_insert(0);
            *s += 1;
            *s
        };
        let qn = format!("浙检{county}刑诉〔{review_year}〕{s2}号");
        let mut g = f;
        g.case_kind = Some(CaseKind::Prosecution);
        g.org_id = Some(proc_);
        day += Duration::days(1);
        if !self.emit(&qn, day, EventBody::Filed(g))
            || !self.emit(&qn, day, EventBody::ProsecutionReviewStarted)
        {
            return;
        }
        if self.rng.chance(0.15) {
            day += Duration::days(self.rng.range(15, 28));
            if !self.emit(
                &qn,
                day,
                EventBody::ReturnedForSupplementaryInvestigation {
                    reason: "部分事实不清、证据不足".into(),
                },
            ) {
                return;
            }
            day += Duration::days(self.rng.range(20, 30));
            if !self.emit(
                &qn,
                day,
                EventBody::ResubmittedAfterSupplementaryInvestigation,
            ) {
                return;
            }
        }
        day += Duration::days(self.rng.range(10, 30));
        if self.rng.chance(0.9) {
            self.emit(&qn, day, EventBody::Indicted);
        } else {
            self.emit(
                &qn,
                day,
                EventBody::NotProsecuted {
                    reason: "犯罪情节轻微".into(),
                },
            );
        }
    }
}

/// Generates the event stream of `cases` primary cases filed over the three years before `now`.
/// Appeals, remands and the procuratorate's files add cases of their own.
pub fn generate(p: &Province, cases: usize, seed: u64, now: DateTime<Utc>) -> Vec<EventRecord> {
    let bj = tianping_server::view::beijing();
    let mut g = Gen {
        rng: Rng::new(seed),
        p,
        now,
        out: Vec::with_capacity(cases * 8),
        seq: HashMap::new(),
        next_id: 0,
        court_code: p
            .orgs
            .iter()
            .filter_map(|o| o.court_code.clone().map(|c| (o.id.clone(), c)))
            .collect(),
        city_of: HashMap::new(),
        last_at: HashMap::new(),
        bj,
    };
    for o in &p.orgs {
        let city = CITIES
            .iter()
            .find(|(c, _, _)| o.region_path.starts_with(&format!("/33/{c}/")))
            .map_or("杭州市", |(_, n, _)| n);
        g.city_of.insert(o.id.clone(), city.to_string());
    }
    let today = now.with_timezone(&bj).date_naive();
    let span = 3 * 365;
    let counties: Vec<String> = CITIES
        .iter()
        .flat_map(|(_, _, cs)| cs.iter().map(|(c, _)| c.to_string()))
        .collect();
    for _ in 0..cases {
        let filed = today - Duration::days(g.rng.range(1, span));
        let level =
            *g.rng
                .weighted(&[(Level::County, 86), (Level::City, 12), (Level::Province, 2)]);
        match level {
            Level::County => {
                let court = g.rng.pick(&p.basic_courts).clone();
                let what = *g
                    .rng
                    .weighted(&[(0u8, 52), (1, 27), (2, 8), (3, 3), (4, 5)]);
                match what {
                    0 => g.civil_first(&court, filed, None),
                    1 => g.execution(&court, filed),
                    2 => g.criminal_first(&court, filed),
                    3 => g.administrative(&court, filed),
                    _ => {
                        let county = g.rng.pick(&counties).clone();
                        g.custody_file(&county, filed);
                    }
                }
            }
            Level::City => {
                let court = g.rng.pick(&p.intermediate_courts).clone();
                match *g.rng.weighted(&[(0u8, 40), (1, 30), (2, 30)]) {
                    0 => g.civil_first(&court, filed, None),
                    1 => g.execution(&court, filed),
                    _ => g.administrative(&court, filed),
                }
            }
            Level::Province => {
                let court = p.high_court.clone();
                g.civil_first(&court, filed, None);
            }
        }
    }
    g.out
}

/// Agencies' case systems already connected (业务系统接入), so the security administrator's page
/// has real entries: 杭州's intermediate court, the 上城 court, procuratorate and police; one old
/// system revoked. Their tokens are random and never shown (a real agency gets its token when the
/// security administrator issues it).
/// Accounts the system administrator opened this week that wait for the security administrator's
/// grant (三员分立): the security administrator's morning work. `password_hash` is the demo
/// password's hash; the accounts cannot log in until granted.
pub async fn seed_pending_accounts(
    store: &tianping_store::Store,
    password_hash: &str,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    let pending = [
        (
            "xh_newjudge",
            "邱思远",
            org_id(AgencyKind::Court, "330106"),
            Role::Judge,
        ),
        (
            "gs_newoffice",
            "方静怡",
            org_id(AgencyKind::Procuratorate, "330105"),
            Role::CaseOffice,
        ),
    ];
    for (i, (username, name, org, role)) in pending.into_iter().enumerate() {
        store
            .open_account(
                &tianping_store::user::NewUser {
                    username: username.into(),
                    display_name: name.into(),
                    org_id: org,
                    role,
                    clearance: Clearance::default(),
                    email: Some(format!("{username}@demo.tianping.test")),
                    password_hash: password_hash.into(),
                },
                "sysadmin",
                now - Duration::hours(20 - i as i64),
            )
            .await?;
    }
    Ok(())
}

pub async fn seed_system_clients(
    store: &tianping_store::Store,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    let systems = [
        (
            "杭州市中级人民法院审判管理系统",
            org_id(AgencyKind::Court, "3301"),
            false,
        ),
        (
            "上城区人民法院审判管理系统",
            org_id(AgencyKind::Court, "330102"),
            false,
        ),
        (
            "上城区人民检察院检察业务应用系统",
            org_id(AgencyKind::Procuratorate, "330102"),
            false,
        ),
        (
            "杭州市公安局上城区分局执法办案系统",
            org_id(AgencyKind::Police, "330102"),
            false,
        ),
        (
            "上城区人民法院旧审判系统（已停用）",
            org_id(AgencyKind::Court, "330102"),
            true,
        ),
    ];
    for (i, (name, org, revoked)) in systems.into_iter().enumerate() {
        let token = tianping_server::auth::random_token().map_err(|e| anyhow::anyhow!("{e}"))?;
        let at = now - Duration::days(90 - 10 * i as i64);
        let Some(id) = store
            .add_system_client(
                name,
                &org,
                &tianping_server::auth::token_hash(&token),
                "secadmin",
                at,
            )
            .await?
        else {
            continue;
        };
        if revoked {
            store
                .revoke_system_client(id, "secadmin", now - Duration::days(7))
                .await?;
        }
    }
    Ok(())
}

/// Supervision work already under way in the demo: an item the city court's case office opened
/// from an overdue clock and assigned to the 上城 court, a record of a leading cadre asking about a
/// case, and a joint supervision project of the provincial 人大 with the 杭州 政法委.
pub async fn seed_supervision(
    store: &tianping_store::Store,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    use anyhow::Context;
    use tianping_domain::supervision::{
        InterferenceChannel, InterferenceOutcome, InterferenceSource, ProjectAction,
    };
    use tianping_store::supervision::{NewInterference, NewItem};
    let who = |name: &'static str| async move {
        let u = store
            .user_by_username(name)
            .await?
            .with_context(|| format!("demo user {name}"))?;
        let o = store
            .org(&u.org_id)
            .await?
            .with_context(|| format!("org of {name}"))?;
        anyhow::Ok((u, o))
    };
    let sc = org_id(AgencyKind::Court, "330102");
    let case: Option<(i64, String)> = sqlx::query_as(
        "SELECT c.id, c.case_number FROM clocks k JOIN cases c ON c.id = k.case_id WHERE k.org_id = $1 AND k.status = 'overdue' ORDER BY c.id LIMIT 1",
    )
    .bind(&sc)
    .fetch_optional(store.pool())
    .await?;
    let (u, o) = who("caseoffice").await?;
    let _ = store
        .open_item(
            &NewItem {
                source: tianping_domain::supervision::ItemSource::OverdueClock,
                source_ref: case.as_ref().map(|c| format!("{} 审限超期", c.1)),
                case_id: case.as_ref().map(|c| c.0),
                title: "上城法院超审限未结案件清理".into(),
                description: "审限已届满仍未结案，请查明原因、依法办结并报送结案情况。".into(),
                responsible_org_id: Some(sc.clone()),
                rectify_due_at: None,
                referral_id: None,
                project_id: None,
            },
            &u,
            &o,
            now,
        )
        .await?;
    if let Some((id, _)) = &case {
        let (j, jo) = who("judge").await?;
        let _ = store
            .record_interference(
                &NewInterference {
                    case_id: Some(*id),
                    source: InterferenceSource::Leader,
                    person_name: "王某".into(),
                    person_unit: "某区某局".into(),
                    person_position: "副局长".into(),
                    channel: InterferenceChannel::Phone,
                    occurred_at: now - chrono::Duration::days(3),
                    content: "来电询问案件进展，请求“关照”一方当事人".into(),
                    materials: String::new(),
                    outcome: InterferenceOutcome::Refused,
                    response: "当场拒绝，告知通过诉讼服务中心依法反映".into(),
                },
                &j,
                &jo,
                now,
            )
            .await?;
    }
    let (n, no) = who("npc").await?;
    if let Ok(pid) = store
        .create_project(
            "执行积案联合监督",
            "省人大常委会牵头，会同杭州市委政法委，对上城法院终本案件开展阅卷、走访和座谈。",
            &n,
            &no,
            now,
        )
        .await?
    {
        for org in [org_id(AgencyKind::PoliticalLegalCommittee, "3301"), sc] {
            let _ = store
                .act_on_project(
                    pid,
                    ProjectAction::AddMember,
                    "",
                    Some(&org),
                    None,
                    None,
                    &[],
                    &n,
                    &no,
                    now,
                )
                .await?;
        }
        let _ = store
            .act_on_project(
                pid,
                ProjectAction::Start,
                "",
                None,
                None,
                None,
                &[],
                &n,
                &no,
                now,
            )
            .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_and_valid() {
        let now = Utc
            .with_ymd_and_hms(2026, 11, 22, 2, 0, 0)
            .single()
            .expect("date");
        let p = province(7);
        let a = generate(&p, 300, 7, now);
        let b = generate(&p, 300, 7, now);
        assert_eq!(a, b, "same seed, same province");
        assert!(a.len() > 1500, "about 6+ events a case, got {}", a.len());
        assert!(a.iter().all(|e| e.occurred_at.with_timezone(&Utc) <= now));
        let kinds: std::collections::HashSet<&str> = a.iter().map(|e| e.body.kind()).collect();
        for k in [
            "filed",
            "assigned",
            "hearing_held",
            "closed",
            "property_searched",
            "detained",
            "arrest_approved",
            "indicted",
        ] {
            assert!(kinds.contains(k), "missing {k}");
        }
        assert_eq!(users(&p).len(), 16);
        assert!(
            Role::ALL
                .iter()
                .all(|r| users(&p).iter().any(|u| u.role == *r)),
            "one login per role"
        );
    }
}
