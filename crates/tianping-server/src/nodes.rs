//! Process nodes (流程节点, issue 26): the 审管办's silent watch over how cases flow. Each case's
//! nodes — 分案, 送达, 排期, 开庭, 宣判, 送达, 归档; 执行通知, 财产查控, 处置 — are computed beside
//! its clocks from the flows in `rules/nodes.toml`; this page lists the late ones of the reader's
//! region (still waited for, or reached late) and the median time per node per court. Late nodes
//! reach the 审管办's 待办, and a judge's only where the flow says so.
//!
//! Pages: `/nodes` (tabs `overdue`, `late`, `medians`). The API: `GET /api/v1/process-nodes`.

use crate::AppState;
use crate::error::{ApiError, Code};
use crate::http::PageUser;
use crate::http::access::read_scope;
use crate::http::extract::CurrentUser;
use crate::http::page::{Layout, api_error_page, render};
use askama::Template;
use axum::extract::{Query, State};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use chrono::NaiveDate;
use serde::Deserialize;
use serde_json::json;
use tianping_domain::access::watches_nodes;
use tianping_domain::case::{REDACTED, Visibility, visibility};
use tianping_domain::nodes::{Flows, Mark};
use tianping_domain::todo::{Task, TaskKind};
use tianping_store::nodes::{LateNode, Lateness, NodeQuery};
use tianping_store::user::Session;

pub fn router() -> Router<AppState> {
    Router::new().route("/nodes", get(page))
}

pub fn api_router() -> Router<AppState> {
    Router::new().route("/process-nodes", get(api_list))
}

const PAGE: i64 = 100;

#[derive(Debug, Default, Deserialize, Clone, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct NodeParams {
    /// overdue：已超时未完成（默认）；late：超时完成；medians：节点用时（仅页面）
    pub view: Option<String>,
    /// 法院（组织代码）
    pub org: Option<String>,
    /// 流程代码，如 civil_first
    pub flow: Option<String>,
    /// 节点，如 complaint_served
    pub node: Option<String>,
    pub page: Option<String>,
}

fn today(st: &AppState) -> NaiveDate {
    tianping_domain::clock::local_date(st.now())
}

/// The reader's region, if they watch nodes.
fn scope(s: &Session) -> Result<String, ApiError> {
    if !watches_nodes(s.user.role, s.org.kind) {
        return Err(ApiError::new(
            Code::Forbidden,
            "只有审管办、院庭长和政法委查看流程节点",
        ));
    }
    read_scope(s)
        .map(|f| f.region_prefix)
        .ok_or_else(|| ApiError::new(Code::Forbidden, "无权查看案件"))
}

/// A query parameter that is not understood (400, naming the parameter).
fn bad(field: &str, message: String) -> ApiError {
    ApiError::new(Code::Invalid, message).with_details(json!({ "field": field }))
}

fn mark_of(v: Option<&str>) -> Result<Option<Mark>, ApiError> {
    match v.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => serde_json::from_value(serde_json::Value::String(v.into()))
            .map(Some)
            .map_err(|_| bad("node", format!("没有“{v}”这个节点"))),
    }
}

fn query(st: &AppState, s: &Session, p: &NodeParams) -> Result<NodeQuery, ApiError> {
    let flows = &st.store.clockwork().flows;
    let flow = p.flow.clone().filter(|f| !f.trim().is_empty());
    if let Some(f) = &flow
        && flows.by_code(f).is_none()
    {
        return Err(bad("flow", format!("没有“{f}”这个流程")));
    }
    let page = match p.page.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
        None => 1,
        Some(v) => v
            .parse::<i64>()
            .ok()
            .filter(|n| *n >= 1)
            .ok_or_else(|| bad("page", format!("页码“{v}”无效")))?,
    };
    Ok(NodeQuery {
        region_prefix: scope(s)?,
        org_id: p.org.clone().filter(|o| !o.trim().is_empty()),
        flow,
        mark: mark_of(p.node.as_deref())?,
        lateness: if p.view.as_deref() == Some("late") {
            Lateness::ReachedLate
        } else {
            Lateness::Overdue
        },
        today: today(st),
        limit: PAGE,
        offset: (page - 1) * PAGE,
    })
}

/// A late node as a reader of it sees it.
pub(crate) struct NodeLine {
    pub case_id: i64,
    pub case_number: String,
    pub court: String,
    pub judge: String,
    pub flow: String,
    pub node: String,
    pub standard: String,
    pub source: String,
    pub started: String,
    pub due: String,
    pub done: String,
    pub days_over: i64,
    pub standing: &'static str,
}

fn day_zh(t: chrono::DateTime<chrono::Utc>) -> String {
    tianping_domain::clock::local_date(t).to_string()
}

pub(crate) fn node_line(flows: &Flows, s: &Session, n: &LateNode, today: NaiveDate) -> NodeLine {
    let vis = visibility(
        n.confidentiality,
        &crate::view::clearance_for(s, &n.org_id, n.judge.as_deref(), &[], None),
    );
    let judge = match vis {
        Visibility::Withhold => REDACTED.to_string(),
        _ => n.judge.clone().unwrap_or_default(),
    };
    let flow = flows.by_code(&n.flow);
    let node = flow.and_then(|f| f.node(n.mark));
    NodeLine {
        case_id: n.case_id,
        case_number: n.case_number.clone(),
        court: n.org_name.clone(),
        judge,
        flow: flow.map_or_else(|| n.flow.clone(), |f| f.name.clone()),
        node: node.map_or_else(|| n.mark.as_str().to_string(), |x| x.name.clone()),
        standard: match (flow, node) {
            (Some(f), Some(x)) => x.standard_zh(f),
            _ => String::new(),
        },
        source: node.map(|x| x.source.clone()).unwrap_or_default(),
        started: day_zh(n.node.started),
        due: n.node.due.map(|d| d.to_string()).unwrap_or_default(),
        done: n.node.done.map(day_zh).unwrap_or_default(),
        days_over: n.node.days_over(today),
        standing: n.node.standing(today).zh_for(n.node.due.is_some()),
    }
}

struct MedianLine {
    court: String,
    flow: String,
    node: String,
    standard: String,
    count: i64,
    median: i64,
    late: i64,
    late_rate: String,
}

#[derive(Template)]
#[template(path = "nodes.html")]
struct NodesPage {
    layout: Layout,
    view: String,
    total: i64,
    /// False past [`tianping_store::COUNT_CAP`] nodes (`total` is the cap).
    total_exact: bool,
    lines: Vec<NodeLine>,
    medians: Vec<MedianLine>,
    window: String,
    flows: Vec<(String, String)>,
    nodes: Vec<(String, String)>,
    courts: Vec<(String, String)>,
    params: NodeParams,
    page: i64,
    pages: i64,
}

impl NodesPage {
    fn href(&self, page: i64) -> String {
        let enc = crate::http::page::enc;
        format!(
            "/nodes?view={}&org={}&flow={}&node={}&page={page}",
            enc(&self.view),
            enc(self.params.org.as_deref().unwrap_or("")),
            enc(self.params.flow.as_deref().unwrap_or("")),
            enc(self.params.node.as_deref().unwrap_or("")),
        )
    }
    fn selected(&self, field: &str, v: &str) -> bool {
        let cur = match field {
            "org" => self.params.org.as_deref(),
            "flow" => self.params.flow.as_deref(),
            _ => self.params.node.as_deref(),
        };
        cur == Some(v)
    }
}

async fn page(
    State(st): State<AppState>,
    PageUser(s): PageUser,
    Query(p): Query<NodeParams>,
) -> axum::response::Response {
    match page_inner(&st, &s, p).await {
        Ok(r) => r,
        Err(e) => api_error_page(e),
    }
}

async fn page_inner(
    st: &AppState,
    s: &Session,
    p: NodeParams,
) -> Result<axum::response::Response, ApiError> {
    let view = match p.view.as_deref() {
        Some("late") => "late",
        Some("medians") => "medians",
        _ => "overdue",
    }
    .to_string();
    let q = query(st, s, &p)?;
    let cw = st.store.clockwork();
    let flows = &cw.flows;
    let today = q.today;
    let (mut total, mut lines, mut medians) = (tianping_store::Total::exact(0), vec![], vec![]);
    let since = st.now() - chrono::Duration::days(365);
    if view == "medians" {
        let mut all = st.store.node_medians(&q.region_prefix, since).await?;
        // By court, then in the order of the flows and their nodes.
        all.sort_by(|a, b| {
            a.org_name.cmp(&b.org_name).then(
                flows
                    .order(&a.flow, a.mark)
                    .cmp(&flows.order(&b.flow, b.mark)),
            )
        });
        for m in all {
            if q.org_id.as_ref().is_some_and(|o| *o != m.org_id)
                || q.flow.as_ref().is_some_and(|f| *f != m.flow)
                || q.mark.is_some_and(|x| x != m.mark)
            {
                continue;
            }
            let flow = flows.by_code(&m.flow);
            let node = flow.and_then(|f| f.node(m.mark));
            medians.push(MedianLine {
                court: m.org_name.clone(),
                flow: flow.map_or_else(|| m.flow.clone(), |f| f.name.clone()),
                node: node.map_or_else(|| m.mark.as_str().into(), |x| x.name.clone()),
                standard: match (flow, node) {
                    (Some(f), Some(x)) => x.standard_zh(f),
                    _ => String::new(),
                },
                count: m.count,
                median: m.median_days,
                late: m.late,
                late_rate: format!("{:.1}%", 100.0 * m.late as f64 / m.count.max(1) as f64),
            });
        }
    } else {
        let (n, rows) = st.store.late_nodes(&q).await?;
        total = n;
        lines = rows.iter().map(|r| node_line(flows, s, r, today)).collect();
    }
    let courts = st
        .store
        .orgs_in(&q.region_prefix)
        .await?
        .into_iter()
        .filter(|o| o.kind == tianping_domain::AgencyKind::Court)
        .map(|o| (o.id, o.name))
        .collect();
    let mut nodes: Vec<(String, String)> = vec![];
    for f in &flows.flows {
        for n in f.nodes.iter().filter(|n| n.after.is_some()) {
            let k = n.mark.as_str().to_string();
            if !nodes.iter().any(|(x, _)| *x == k) {
                nodes.push((k, n.name.clone()));
            }
        }
    }
    let page = q.offset / PAGE + 1;
    Ok(render(&NodesPage {
        layout: Layout::new(s, "/nodes"),
        view,
        total: total.count,
        total_exact: total.exact,
        lines,
        medians,
        window: format!("{} 至 {}", tianping_domain::clock::local_date(since), today),
        flows: flows
            .flows
            .iter()
            .map(|f| (f.code.clone(), f.name.clone()))
            .collect(),
        nodes,
        courts,
        params: p,
        page,
        pages: (total.count + PAGE - 1) / PAGE,
    })
    .into_response())
}

/// `GET /api/v1/process-nodes`: the late nodes of the reader's region, a page at a time.
pub(crate) async fn api_list(
    State(st): State<AppState>,
    CurrentUser(s): CurrentUser,
    Query(p): Query<NodeParams>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let q = query(&st, &s, &p)?;
    let (total, rows) = st.store.late_nodes(&q).await?;
    let cw = st.store.clockwork();
    let items: Vec<_> = rows
        .iter()
        .map(|r| {
            let l = node_line(&cw.flows, &s, r, q.today);
            json!({
                "case_id": l.case_id,
                "case_number": l.case_number,
                "court": l.court,
                "judge": l.judge,
                "flow": r.flow,
                "flow_zh": l.flow,
                "node": r.mark.as_str(),
                "node_zh": l.node,
                "standard": l.standard,
                "source": l.source,
                "started": l.started,
                "due": l.due,
                "done": if l.done.is_empty() { None } else { Some(l.done) },
                "days_over": l.days_over,
                "standing": l.standing,
            })
        })
        .collect();
    Ok(Json(
        json!({ "total": total.count, "total_exact": total.exact, "items": items }),
    ))
}

/// The 待办 of late nodes: the 审管办's of its region (silently: not the judge's), and a judge's
/// own where the flow tells them.
pub(crate) async fn tasks(
    st: &AppState,
    s: &Session,
) -> Result<(Vec<Task>, Option<(TaskKind, usize)>), ApiError> {
    let today = today(st);
    let cw = st.store.clockwork();
    let flows = &cw.flows;
    let task = |n: &LateNode| {
        let l = node_line(flows, s, n, today);
        Task {
            kind: TaskKind::LateNode,
            title: format!(
                "{} {}（{}，已超时 {} 日）",
                l.case_number, l.node, l.court, l.days_over
            ),
            href: format!("/cases/{}", n.case_id),
            due: n.node.due.and_then(|d| {
                d.and_hms_opt(0, 0, 0)
                    .and_then(|t| {
                        t.and_local_timezone(tianping_domain::clock::beijing())
                            .single()
                    })
                    .map(|t| t.with_timezone(&chrono::Utc))
            }),
            quick_act: None,
        }
    };
    if s.user.role == tianping_domain::Role::CaseOffice && watches_nodes(s.user.role, s.org.kind) {
        let q = NodeQuery {
            region_prefix: scope(s)?,
            org_id: None,
            flow: None,
            mark: None,
            lateness: Lateness::Overdue,
            today,
            limit: 50,
            offset: 0,
        };
        let (total, rows) = st.store.late_nodes(&q).await?;
        return Ok((
            rows.iter().map(task).collect(),
            // Past the cap the count says "more than" by being one over it (see `todo`).
            Some((
                TaskKind::LateNode,
                usize::try_from(total.count + i64::from(!total.exact)).unwrap_or(0),
            )),
        ));
    }
    if s.user.role == tianping_domain::Role::Judge
        && s.org.kind == tianping_domain::AgencyKind::Court
    {
        let rows = st
            .store
            .judge_late_nodes(&s.org.id, &s.user.display_name, today)
            .await?;
        return Ok((rows.iter().map(task).collect(), None));
    }
    Ok((vec![], None))
}

/// A node of the case page.
pub(crate) struct CaseNode {
    pub name: String,
    pub standard: String,
    pub source: String,
    pub started: String,
    pub due: String,
    pub done: String,
    pub standing: &'static str,
    pub late: bool,
    pub days_taken: String,
}

/// The case's process nodes the reader sees: all of them for those who watch nodes, the nodes
/// whose flow tells the judge for anyone else who reads the case.
pub(crate) async fn of_case(
    st: &AppState,
    s: &Session,
    case_id: i64,
) -> Result<(String, Vec<CaseNode>), ApiError> {
    let watches = watches_nodes(s.user.role, s.org.kind);
    let cw = st.store.clockwork();
    let today = today(st);
    let mut flow_name = String::new();
    let mut out = vec![];
    let mut nodes = st.store.nodes_of_case(case_id).await?;
    nodes.sort_by_key(|(code, n)| cw.flows.order(code, n.mark));
    for (code, n) in nodes {
        if !watches && !n.tell_judge {
            continue;
        }
        let flow = cw.flows.by_code(&code);
        let node = flow.and_then(|f| f.node(n.mark));
        if let Some(f) = flow {
            flow_name = f.name.clone();
        }
        let standing = n.standing(today);
        out.push(CaseNode {
            name: node.map_or_else(|| n.mark.as_str().into(), |x| x.name.clone()),
            standard: match (flow, node) {
                (Some(f), Some(x)) => x.standard_zh(f),
                _ => String::new(),
            },
            source: node.map(|x| x.source.clone()).unwrap_or_default(),
            started: day_zh(n.started),
            due: n.due.map(|d| d.to_string()).unwrap_or_default(),
            done: n.done.map(day_zh).unwrap_or_default(),
            standing: standing.zh_for(n.due.is_some()),
            late: standing.late(),
            days_taken: n.days_taken().map(|d| d.to_string()).unwrap_or_default(),
        });
    }
    Ok((flow_name, out))
}
