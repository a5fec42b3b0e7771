//! The demo's cases: names, firms, causes and charges drawn from the seeded generator, and the
//! events of each case written as a court, procuratorate or police system would record them.

use super::CITIES;
use super::Province;
use super::Rng;
use super::clerk_of;
use chrono::{DateTime, Duration, FixedOffset, NaiveDate, TimeZone, Utc};
use std::collections::HashMap;
use tianping_domain::event::{Approver, EventBody, ExcludedKind, Filing, PeriodUnit};
use tianping_domain::org::OrgRef;
use tianping_domain::{Confidentiality, EventRecord, Level, Party, PartyKind, Role};

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

pub(crate) const CIVIL_CAUSES: &[(&str, u32)] = &[
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

pub(crate) const CHARGES: &[(&str, u32)] = &[
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

pub(crate) const ADMIN_DEFENDANTS: &[&str] = &[
    "市场监督管理局",
    "自然资源和规划局",
    "人力资源和社会保障局",
    "公安局",
    "住房和城乡建设局",
    "生态环境局",
];

pub(crate) fn person(rng: &mut Rng) -> String {
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

pub(crate) struct Gen<'a> {
    pub(super) rng: Rng,
    pub(super) p: &'a Province,
    pub(super) now: DateTime<Utc>,
    pub(super) out: Vec<EventRecord>,
    pub(super) seq: HashMap<(String, &'static str, i32), u32>,
    pub(super) next_id: u64,
    pub(super) court_code: HashMap<String, String>,
    pub(super) city_of: HashMap<String, String>,
    pub(super) last_at: HashMap<String, DateTime<FixedOffset>>,
    pub(super) bj: FixedOffset,
}

/// A president's (院长, 检察长, 局长) decision for `org` (resolved from the directory on import).
pub(crate) fn president(name: &str, org: &str) -> Approver {
    Approver {
        name: name.to_string(),
        role: Role::President,
        org: Some(OrgRef::id(org)),
    }
}

impl Gen<'_> {
    pub(crate) fn number(&mut self, court: &str, code: &'static str, year: i32) -> String {
        let n = self.seq.entry((court.to_string(), code, year)).or_insert(0);
        *n += 1;
        let n = *n;
        format!(
            "（{year}）{}{code}{n}号",
            self.court_code.get(court).map_or("浙", String::as_str)
        )
    }

    /// An office-hours instant on `day`.
    pub(super) fn at(&mut self, day: NaiveDate) -> DateTime<FixedOffset> {
        let minutes = self.rng.range(8 * 60 + 30, 17 * 60);
        let naive = day.and_hms_opt(0, 0, 0).unwrap_or_default() + Duration::minutes(minutes);
        self.bj
            .from_local_datetime(&naive)
            .single()
            .unwrap_or_else(|| self.bj.from_utc_datetime(&naive))
    }

    /// Emits an event if it lies in the past; returns whether it did. Times within a case never go
    /// backwards.
    pub(crate) fn emit(&mut self, number: &str, day: NaiveDate, body: EventBody) -> bool {
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

    /// Names the file's handler (承办人) where the demo has one for `org` (see `handler_of`): true
    /// unless the event was refused.
    pub(crate) fn name_handler(&mut self, number: &str, day: NaiveDate, org: &str) -> bool {
        match super::handler_of(org) {
            Some(judge) => self.emit(
                number,
                day,
                EventBody::Assigned {
                    judge,
                    panel: vec![],
                    division: None,
                    clerk: None,
                },
            ),
            None => true,
        }
    }

    pub(crate) fn judge_of(&mut self, court: &str) -> String {
        let js = self.p.judges.get(court).cloned().unwrap_or_default();
        if js.is_empty() {
            "承办法官".into()
        } else {
            self.rng.pick(&js).clone()
        }
    }

    pub(super) fn panel(&mut self, court: &str, judge: &str) -> Vec<String> {
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

    pub(crate) fn filing(&mut self, cause: &str, parties: Vec<Party>) -> Filing {
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
            private_prosecution: false,
            ruling_appeal: false,
            incident: false,
        }
    }

    pub(crate) fn natural(&mut self, role: &str) -> Party {
        Party {
            name: person(&mut self.rng),
            role: role.into(),
            kind: PartyKind::Natural,
            minor: false,
            id_number: None,
        }
    }

    pub(crate) fn legal_or_natural(&mut self, role: &str, court: &str, p_legal: f64) -> Party {
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
                id_number: None,
            }
        } else {
            self.natural(role)
        }
    }

    /// Assignment, hearings, adjournments, suspensions, excluded periods, extensions; returns the
    /// closing day (if reached) after applying the case's own delays.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn trial_course(
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
                    ground: None,
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
                        // 上城 (the demo's own district) gets a third of the police files, so
                        // its police, procuratorate and court logins share suspects.
                        let county = if g.rng.chance(0.33) {
                            "330102".to_string()
                        } else {
                            g.rng.pick(&counties).clone()
                        };
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
    // 警情 of the last four months in 杭州's districts (上城 most): the police's 接警 → 受案 →
    // 立案 records, some late (有警不录, 有案不立) and some under the procuratorate's 立案监督.
    let hangzhou = ["330102", "330102", "330105", "330106", "330108", "330109"];
    for i in 0..(cases / 12).max(40) {
        // The first few are 上城's 有案不立, which its procuratorate supervises.
        let county = if i < 4 {
            "330102".to_string()
        } else {
            g.rng.pick(&hangzhou).to_string()
        };
        let day = today - Duration::days(g.rng.range(8, 120));
        g.incident(&county, day, i < 4);
    }
    // Cases the 监察委员会 transferred from 留置 (上城 first, its newest still awaiting the
    // procuratorate's decision on 逮捕).
    for i in 0..8 {
        let county = if i < 3 {
            "330102".to_string()
        } else {
            g.rng.pick(&hangzhou).to_string()
        };
        let day = today - Duration::days(if i == 0 { 8 } else { g.rng.range(15, 200) });
        g.commission_transfer(&county, day, i == 0);
    }
    g.lenient_judgment("330102", today);
    let mut out = g.out;
    super::nodes::add(&mut out, seed, now);
    out
}
