//! Projections of cases and events for one viewer. Redaction happens here, once, for every page and
//! API response: parties are masked and personal details withheld unless the viewer is cleared for
//! the case's confidentiality level.

use crate::error::{ApiError, Code};
use chrono::{DateTime, FixedOffset, TimeZone, Utc};
use serde::Serialize;
use serde_json::json;
use tianping_domain::case::{REDACTED, Visibility, visibility};
use tianping_domain::event::CaseState;
use tianping_domain::history::{Recorded, superseded_by};
use tianping_domain::{CaseKind, Clearance, EventBody, Party, Procedure, Stage};
use tianping_store::case::{CaseRow, EventRow};

/// China Standard Time; no daylight saving since 1991.
pub fn beijing() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600)
        .unwrap_or_else(|| FixedOffset::east_opt(0).expect("zero offset is valid"))
}

/// A stored UTC instant shown in Beijing time.
pub fn local(ts: &str) -> String {
    DateTime::parse_from_rfc3339(ts)
        .map(|t| {
            t.with_timezone(&beijing())
                .format("%Y-%m-%d %H:%M")
                .to_string()
        })
        .unwrap_or_else(|_| ts.to_string())
}

pub fn local_date(ts: &str) -> String {
    local(ts).chars().take(10).collect()
}

/// A stored instant, parsed.
pub fn parse_utc(ts: &str) -> Option<DateTime<chrono::Utc>> {
    DateTime::parse_from_rfc3339(ts)
        .ok()
        .map(|t| t.with_timezone(&chrono::Utc))
}

/// A limit stored as the instant it ends (midnight after its last day) shown as its last day
/// in Beijing time.
pub fn local_date_before(ts: &str) -> String {
    parse_utc(ts)
        .map(|t| {
            (t - chrono::Duration::seconds(1))
                .with_timezone(&beijing())
                .format("%Y-%m-%d")
                .to_string()
        })
        .unwrap_or_else(|| ts.to_string())
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CaseView {
    pub id: i64,
    pub case_number: String,
    pub court: String,
    pub kind: String,
    pub kind_zh: String,
    pub procedure: String,
    pub procedure_zh: String,
    pub stage: String,
    pub stage_zh: String,
    pub type_code: Option<String>,
    pub type_name: Option<String>,
    pub title: String,
    pub cause: String,
    pub judge: Option<String>,
    pub confidentiality: String,
    pub confidentiality_zh: String,
    pub redacted: bool,
    pub status: String,
    pub status_zh: String,
    pub filed_at: String,
    pub closed_at: Option<String>,
    pub disposition_zh: Option<String>,
    pub event_count: i64,
    /// 四类案件：有效的标记情形及监督、检索情况（仅对有标记的案件）
    #[serde(skip_serializing_if = "Option::is_none")]
    pub four_categories: Option<FourCategories>,
    /// 最临近届满的在途期限（列表中给出；各期限均已停止时无）
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nearest_clock: Option<NearestClockView>,
    /// 在押：本案有正在计算的羁押期限
    #[serde(default)]
    pub in_custody: bool,
}

/// The open clock of a case nearest its limit, as the case list shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct NearestClockView {
    /// 期限名称，如“审理期限”
    pub name: String,
    /// 届满日（北京时间，YYYY-MM-DD）
    pub due: String,
    /// 距届满日的天数（负数为已超期）
    pub days_left: i64,
    /// “剩 12 天”“今日届满”“超期 30 天”
    pub left_zh: String,
    /// 预警级别：overdue（已超期）、due_today、custody、nearing（临近）；无预警时无
    #[serde(skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
}

impl NearestClockView {
    pub fn new(
        c: &tianping_store::clocks::NearestClock,
        today: chrono::NaiveDate,
    ) -> NearestClockView {
        let due = chrono::NaiveDate::parse_from_str(&c.due_date, "%Y-%m-%d").ok();
        let days_left = due.map_or(0, |d| (d - today).num_days());
        NearestClockView {
            name: tianping_domain::rules::ClockKey::parse(&c.clock_key)
                .map_or_else(|| "期限".to_string(), |k| k.zh().to_string()),
            due: c.due_date.clone(),
            days_left,
            left_zh: match days_left {
                d if d < 0 => format!("超期 {} 天", -d),
                0 => "今日届满".to_string(),
                d => format!("剩 {d} 天"),
            },
            category: c.category.clone(),
        }
    }
}

/// A flagged case's 四类案件 line: what it is flagged for and what has been done about it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FourCategories {
    /// 有效的标记情形（中文）；脱敏显示的案件不列出
    pub situations: Vec<String>,
    /// 院庭长监督措施（已记录的）件数
    pub supervision_acts: i64,
    /// 已保存的类案检索报告份数
    pub retrieval_reports: i64,
    /// 在办案件应当类案检索而尚未检索
    pub retrieval_pending: bool,
}

fn kind_zh(k: &str) -> String {
    CaseKind::parse(k).map_or(k, |k| k.zh()).to_string()
}

fn procedure_zh(p: &str) -> String {
    Procedure::parse(p).map_or(p, |x| x.zh()).to_string()
}

fn stage_zh(s: &str) -> String {
    Stage::parse(s).map_or(s, |x| x.zh()).to_string()
}

fn disposition_zh(d: &str) -> String {
    serde_json::from_value::<tianping_domain::event::Disposition>(serde_json::Value::String(
        d.to_string(),
    ))
    .map(|d| d.zh().to_string())
    .unwrap_or_else(|_| d.to_string())
}

/// The clearance a session reads one case with: its own, or every level when need-to-know
/// applies (the 承办人, panel and 书记员 of the case, and its court's president).
pub fn clearance_for(
    s: &tianping_store::user::Session,
    org_id: &str,
    judge: Option<&str>,
    panel: &[String],
    clerk: Option<&str>,
) -> Clearance {
    let reader = tianping_domain::access::Reader {
        display_name: &s.user.display_name,
        role: s.user.role,
        org_id: &s.org.id,
    };
    let case = tianping_domain::access::Assignment {
        org_id,
        judge,
        panel,
        clerk,
    };
    if tianping_domain::access::needs_to_know(&reader, &case) {
        Clearance::all()
    } else {
        s.user.clearance.clone()
    }
}

/// [`clearance_for`] a case list row (its 承办人; the panel and clerk are not on the row).
pub fn clearance_for_row(s: &tianping_store::user::Session, r: &CaseRow) -> Clearance {
    clearance_for(s, &r.org_id, r.judge.as_deref(), &[], None)
}

impl CaseView {
    pub fn new(r: &CaseRow, clearance: &Clearance) -> CaseView {
        let vis = visibility(r.confidentiality, clearance);
        let (title, cause, judge) = match vis {
            Visibility::Full => (r.title.clone(), r.cause.clone(), r.judge.clone()),
            Visibility::MaskParties => (r.title_masked.clone(), r.cause.clone(), r.judge.clone()),
            Visibility::Withhold => (
                REDACTED.to_string(),
                REDACTED.to_string(),
                r.judge.as_ref().map(|_| REDACTED.to_string()),
            ),
        };
        CaseView {
            id: r.id,
            case_number: r.case_number.clone(),
            court: r.org_name.clone(),
            kind: r.kind.clone(),
            kind_zh: kind_zh(&r.kind),
            procedure: r.procedure.clone(),
            procedure_zh: procedure_zh(&r.procedure),
            stage: r.stage.clone(),
            stage_zh: stage_zh(&r.stage),
            type_code: r.type_code.clone(),
            type_name: r
                .type_code
                .as_deref()
                .and_then(tianping_domain::case_type::lookup)
                .map(|t| t.name.clone()),
            title,
            cause,
            judge,
            confidentiality: r.confidentiality.as_str().to_string(),
            confidentiality_zh: r.confidentiality.zh().to_string(),
            redacted: vis != Visibility::Full,
            status: r.status.as_str().to_string(),
            status_zh: r.status.zh().to_string(),
            filed_at: local(&r.filed_at),
            closed_at: r.closed_at.as_deref().map(local),
            disposition_zh: r.disposition.as_deref().map(disposition_zh),
            event_count: r.event_count,
            four_categories: None,
            nearest_clock: None,
            in_custody: false,
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct EventView {
    pub id: i64,
    pub source: String,
    pub source_event_id: String,
    pub kind: String,
    pub kind_zh: String,
    pub occurred_at: String,
    pub recorded_at: String,
    pub recorded_by: String,
    pub detail: String,
    pub corrects: Option<String>,
    pub superseded: bool,
}

/// A party as the API shows it: the domain's `Party`, described for the OpenAPI document (the
/// domain crate stays free of API concerns). Names are redacted for readers without clearance.
#[derive(utoipa::ToSchema)]
#[schema(as = Party)]
#[allow(dead_code)]
pub struct PartyDoc {
    name: String,
    /// 原告, 被告, 上诉人, 被告人, 申请执行人, 被执行人, 犯罪嫌疑人 …
    role: String,
    #[schema(pattern = "^(natural|legal)$")]
    kind: String,
    minor: bool,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CaseDetail {
    pub case: CaseView,
    #[schema(value_type = Vec<PartyDoc>)]
    pub parties: Vec<Party>,
    pub charges: Vec<String>,
    pub panel: Vec<String>,
    pub division: Option<String>,
    pub summary_procedure: bool,
    /// A police 警情 (opened by 接警).
    pub incident: bool,
    pub claim_amount_yuan: Option<i64>,
    pub origin_case_number: Option<String>,
    pub events: Vec<EventView>,
}

impl CaseDetail {
    pub fn new(
        row: &CaseRow,
        state_json: &str,
        events: &[EventRow],
        clearance: &Clearance,
    ) -> CaseDetail {
        let vis = visibility(row.confidentiality, clearance);
        let state: Option<CaseState> = serde_json::from_str(state_json).ok();
        let bodies: Vec<Option<EventBody>> = events
            .iter()
            .map(|e| serde_json::from_str(&e.body).ok())
            .collect();
        let recorded: Vec<Recorded> = events
            .iter()
            .zip(&bodies)
            .filter_map(|(e, b)| {
                Some(Recorded {
                    source: e.source.clone(),
                    source_event_id: e.source_event_id.clone(),
                    occurred_at: DateTime::parse_from_rfc3339(&e.occurred_at).ok()?.to_utc(),
                    corrects: e.corrects.clone(),
                    body: b.clone()?,
                })
            })
            .collect();
        let sup = if recorded.len() == events.len() {
            superseded_by(&recorded)
        } else {
            vec![None; events.len()]
        };
        // A police 警情 is opened by 接警, not by 立案.
        let incident = state.as_ref().is_some_and(|s| s.timeline.incident);
        let mut views: Vec<EventView> = events
            .iter()
            .zip(&bodies)
            .zip(&sup)
            .map(|((e, b), s)| {
                let personal = b.as_ref().is_none_or(EventBody::free_text);
                let detail = match (vis, b) {
                    (Visibility::Withhold, _) => REDACTED.to_string(),
                    (Visibility::MaskParties, Some(_)) if personal => REDACTED.to_string(),
                    (_, Some(b)) => b.detail_zh(),
                    (_, None) => String::new(),
                };
                EventView {
                    id: e.id,
                    source: e.source.clone(),
                    source_event_id: e.source_event_id.clone(),
                    kind: e.kind.clone(),
                    kind_zh: if incident && e.kind == "filed" {
                        "接警".to_string()
                    } else {
                        tianping_domain::event::kind_zh(&e.kind).to_string()
                    },
                    occurred_at: local(&e.occurred_at),
                    recorded_at: local(&e.recorded_at),
                    recorded_by: e.recorded_by.clone(),
                    detail,
                    corrects: e.corrects.clone(),
                    superseded: s.is_some(),
                }
            })
            .collect();
        views.sort_by(|a, b| a.occurred_at.cmp(&b.occurred_at).then(a.id.cmp(&b.id)));
        let (parties, charges, panel, division, summary, claim, origin) = match (&state, vis) {
            (Some(s), Visibility::Full) => (
                s.parties.iter().map(Party::shown).collect(),
                s.charges.clone(),
                s.panel.clone(),
                s.division.clone(),
                s.summary_procedure,
                s.claim_amount_yuan,
                s.origin_case_number.clone(),
            ),
            (Some(s), Visibility::MaskParties) => (
                s.parties.iter().map(Party::redacted).collect(),
                s.charges.clone(),
                s.panel.clone(),
                s.division.clone(),
                s.summary_procedure,
                s.claim_amount_yuan,
                s.origin_case_number.clone(),
            ),
            _ => (vec![], vec![], vec![], None, false, None, None),
        };
        CaseDetail {
            case: CaseView::new(row, clearance),
            parties,
            charges,
            panel,
            division,
            summary_procedure: summary,
            claim_amount_yuan: claim,
            origin_case_number: origin,
            incident,
            events: views,
        }
    }
}

/// Where an event came from, as its reader says it: the demo's generated data, an agency's
/// system by its name, or the system's own name for other sources.
pub fn source_zh(source: &str) -> String {
    match source {
        "demo" => "演示数据".into(),
        "web" | "ui" => "页面录入".into(),
        "api" => "接口录入".into(),
        s => s.to_string(),
    }
}

/// Who recorded an event, as its reader says it: an account by its login name, an agency's
/// connected system by its name, a batch import.
pub fn recorder_zh(recorded_by: &str) -> String {
    if let Some(u) = recorded_by.strip_prefix("user:") {
        format!("账号 {u}")
    } else if let Some(sys) = recorded_by.strip_prefix("system:") {
        format!("{sys}（业务系统接入）")
    } else if recorded_by == "demo" {
        "演示数据".into()
    } else {
        format!("批量导入（{recorded_by}）")
    }
}

/// A version id of a definition or a ranking (`metrics-2024-1`, `similar-3：…`) as its reader
/// says it: "2024 年第 1 版", "第 3 版". Anything else is shown as given.
pub fn version_zh(v: &str) -> String {
    let id = v.split('：').next().unwrap_or(v);
    let parts: Vec<&str> = id.split('-').collect();
    match parts.as_slice() {
        [_, y, n] if y.len() == 4 && y.parse::<u32>().is_ok() && n.parse::<u32>().is_ok() => {
            format!("{y} 年第 {n} 版")
        }
        [_, n] if n.parse::<u32>().is_ok() => format!("第 {n} 版"),
        _ => v.to_string(),
    }
}

/// A similar-case ranking version as its reader says it: its number and what it weighs.
pub fn ranking_zh(v: &str) -> String {
    format!(
        "{}（按案情事实用语、全文用语和罪名的相似程度综合排序）",
        version_zh(v)
    )
}

/// "2026-Q4" → [start, end) in Beijing time.
pub fn quarter_range(q: &str) -> Result<(DateTime<Utc>, DateTime<Utc>), ApiError> {
    let bad = || {
        ApiError::new(Code::InvalidQuarter, format!("季度“{q}”格式应为 2026-Q4"))
            .with_details(json!({ "field": "quarter" }))
    };
    let (y, n) = q.trim().split_once("-Q").ok_or_else(bad)?;
    let y: i32 = y.parse().map_err(|_| bad())?;
    let n: u32 = n.parse().map_err(|_| bad())?;
    if !(1..=4).contains(&n) || !(2000..=2100).contains(&y) {
        return Err(bad());
    }
    let start = |y: i32, m: u32| {
        beijing()
            .with_ymd_and_hms(y, m, 1, 0, 0, 0)
            .single()
            .map(|t| t.with_timezone(&Utc))
    };
    let from = start(y, (n - 1) * 3 + 1).ok_or_else(bad)?;
    let to = if n == 4 {
        start(y + 1, 1)
    } else {
        start(y, n * 3 + 1)
    }
    .ok_or_else(bad)?;
    Ok((from, to))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quarters_are_beijing_time() {
        let (a, b) = quarter_range("2026-Q4").expect("q4");
        assert_eq!(tianping_store::ts(a), "2026-09-30T16:00:00Z");
        assert_eq!(tianping_store::ts(b), "2026-12-31T16:00:00Z");
        assert!(quarter_range("2026-Q5").is_err());
        assert!(quarter_range("x").is_err());
    }

    #[test]
    fn identifiers_are_said_in_words() {
        assert_eq!(version_zh("metrics-2024-1"), "2024 年第 1 版");
        assert_eq!(version_zh("similar-3：事实词语 BM25 + …"), "第 3 版");
        assert_eq!(version_zh("自定义口径"), "自定义口径");
        assert!(ranking_zh("similar-3：BM25").starts_with("第 3 版（"));
        assert!(!ranking_zh("similar-3：BM25").contains("BM25"));
        assert_eq!(source_zh("demo"), "演示数据");
        assert_eq!(source_zh("上城法院审判系统"), "上城法院审判系统");
        assert_eq!(recorder_zh("user:judge"), "账号 judge");
        assert_eq!(recorder_zh("system:审判系统"), "审判系统（业务系统接入）");
        assert_eq!(recorder_zh("demo"), "演示数据");
        assert_eq!(recorder_zh("import-2026"), "批量导入（import-2026）");
    }
}

/// The record a request created (`201 Created`): its id.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Created {
    pub id: i64,
}

/// The state a record moved to by an action (督办事项, 移送事项, 联合监督项目).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Moved {
    /// 新的状态代码
    pub state: &'static str,
}
