//! A deterministic, seeded synthetic province (浙江): every agency of every region, users for
//! every role, and years of cases with realistic mixes, durations, adjournments, suspensions,
//! excluded periods, extensions, appeals, remands, execution outcomes, custody files and minors.
//! The same seed and the same `now` give the same province.

mod cases;
mod courses;
mod deputies;
mod dishonest;
mod evaluations;
mod feedback;
mod load;
mod nodes;
mod proofreading;
mod prosecution;
mod refusal;
mod rulings;
mod seed;
mod self_checks;
mod supervisors;
mod typical;

pub use cases::generate;
pub use deputies::seed_deputies;
pub use dishonest::seed_dishonest;
pub use evaluations::seed_evaluations;
pub use feedback::seed_feedback;
pub use load::{LoadOptions, load};
pub use proofreading::seed_proofreading;
pub use refusal::seed_refusals;
pub use rulings::seed_rulings;
pub use seed::{seed_pending_accounts, seed_supervision, seed_system_clients, seed_workplace};
pub use self_checks::seed_self_checks;
pub use supervisors::{PENDING_REVEALS, seed_people_supervisors};
pub use typical::seed_typical;

use cases::person;
use std::collections::HashMap;
use tianping_domain::{AgencyKind, Clearance, Confidentiality, Level, Role};
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

/// The demo's 上城 prosecutor and police officer: the files of their units name them as the
/// handler (承办人), so the clocks' first warnings reach their logins.
pub(crate) const PROSECUTOR: &str = "吴检察官";
pub(crate) const POLICE_OFFICER: &str = "郑警官";

/// The handler a demo police or procuratorate file names: the demo logins in 上城, nobody named
/// elsewhere.
/// Ingests event lines written as JSON (as an agency's system sends them) as the demo; `what`
/// names them in the error if one is refused.
pub(crate) async fn ingest_json(
    store: &tianping_store::Store,
    lines: Vec<serde_json::Value>,
    now: chrono::DateTime<chrono::Utc>,
    what: &str,
) -> anyhow::Result<()> {
    let records: Vec<tianping_store::Numbered> = lines
        .into_iter()
        .enumerate()
        .map(|(i, v)| {
            Ok(tianping_store::Numbered {
                line: i as u64 + 1,
                record: serde_json::from_value(v)?,
            })
        })
        .collect::<anyhow::Result<_>>()?;
    let r = store
        .ingest(&records, &tianping_store::Actor::system("demo"), now)
        .await?;
    if let Some(x) = r.rejected.first() {
        anyhow::bail!("{what} was refused: {} {}", x.code, x.reason);
    }
    Ok(())
}

pub(crate) fn handler_of(org: &str) -> Option<String> {
    if org == org_id(AgencyKind::Police, "330102") {
        Some(POLICE_OFFICER.into())
    } else if org == org_id(AgencyKind::Procuratorate, "330102") {
        Some(PROSECUTOR.into())
    } else {
        None
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
    let xh = org_id(AgencyKind::Court, "330106");
    let xh_judge = p
        .judges
        .get(&xh)
        .and_then(|j| j.first())
        .cloned()
        .unwrap_or_else(|| "西湖法官".into());
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
        // A judge of 西湖 in 中院's pool of evaluators (cross evaluation of the other courts).
        u("judge_xh", &xh_judge, xh, Role::Judge, Clearance::default()),
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
            "president_city",
            "陈院长",
            org_id(AgencyKind::Court, "3301"),
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
            PROSECUTOR,
            org_id(AgencyKind::Procuratorate, "330102"),
            Role::Judge,
            Clearance::default(),
        ),
        u(
            "police",
            POLICE_OFFICER,
            org_id(AgencyKind::Police, "330102"),
            Role::Judge,
            Clearance::default(),
        ),
        // The police 法制 unit of the city bureau (reviews every county's files) and a prosecutor
        // of 侦查监督 who reads the police files of the district (立案监督, 侦查活动监督).
        u(
            "police_legal",
            "许法制",
            org_id(AgencyKind::Police, "3301"),
            Role::CaseOffice,
            Clearance::default(),
        ),
        u(
            "prosecutor_inv",
            "何检察官",
            org_id(AgencyKind::Procuratorate, "330102"),
            Role::DivisionChief,
            Clearance::default(),
        ),
        // The city procuratorate's case management office: it reads the districts' files and
        // receives their 同步备案审查 (撤回起诉, 重罪轻判) while the 抗诉 period runs.
        u(
            "prosecutor_city",
            "孙检察官",
            org_id(AgencyKind::Procuratorate, "3301"),
            Role::CaseOffice,
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
        // A third-party evaluator (a lawyer) the city's 政法委 engaged for its cross evaluation.
        u(
            "evaluator",
            "严律师",
            org_id(AgencyKind::PoliticalLegalCommittee, "3301"),
            Role::Evaluator,
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

#[cfg(test)]
mod tests;
