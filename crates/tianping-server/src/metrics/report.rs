//! The quarterly report for the 人大 and 政法委 — the quarter's metrics against the same days a
//! year before, the pendency of open cases, the supervision items opened or closed — as a page
//! to print and as a Word document in 公文 form.

use super::{Bar, MetricsQuery, Tile, compute, quarter_of};
use crate::AppState;
use crate::docx::{Align, Docx, Font, Para};
use crate::error::ApiError;
use crate::http::PageUser;
use crate::http::page::{error_page, render};
use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use serde::Deserialize;

#[derive(Deserialize, Default)]
pub struct ReportQuery {
    #[serde(default)]
    org: String,
    #[serde(default)]
    quarter: String,
}

pub struct ItemSummary {
    pub number: String,
    pub title: String,
    pub source_zh: &'static str,
    pub responsible: String,
    pub state_zh: &'static str,
    pub opened: String,
    pub closed: String,
}

#[derive(Template)]
#[template(path = "quality_report.html")]
struct ReportPage {
    org_name: String,
    quarter: String,
    from: String,
    to: String,
    prev_from: String,
    prev_to: String,
    set_version: String,
    tiles: Vec<Tile>,
    bars: Vec<Bar>,
    max_count: usize,
    pending_total: usize,
    items: Vec<ItemSummary>,
    opened: usize,
    closed: usize,
    generated: String,
    by: String,
    /// The same report's query, for its Word download.
    docx_query: String,
}

/// "2026-Q4" as a report's title says it: "2026年第四季度", and "（截至2026年12月4日）" while
/// the quarter runs.
fn quarter_zh(q: &str, until: Option<chrono::NaiveDate>) -> String {
    let name = match q.split_once("-Q") {
        Some((y, n)) => {
            let n = match n {
                "1" => "一",
                "2" => "二",
                "3" => "三",
                _ => "四",
            };
            format!("{y}年第{n}季度")
        }
        None => q.to_string(),
    };
    match until {
        Some(d) => format!("{name}（截至{}）", d.format("%Y年%-m月%-d日")),
        None => name,
    }
}

/// The quarterly report for the 人大 and 政法委: printable HTML with the quarter's metrics, the
/// pendency chart and the supervision items opened or closed in the quarter.
pub async fn report(
    State(st): State<AppState>,
    PageUser(s): PageUser,
    Query(rq): Query<ReportQuery>,
) -> Response {
    match report_data(&st, &s, &rq).await {
        Ok(page) => render(&page),
        Err(r) => r,
    }
}

/// What the report says, the same on the page and in the Word document.
async fn report_data(
    st: &AppState,
    s: &tianping_store::user::Session,
    rq: &ReportQuery,
) -> Result<ReportPage, Response> {
    let quarter = if rq.quarter.trim().is_empty() {
        quarter_of(tianping_domain::clock::local_date(st.now()))
    } else {
        rq.quarter.trim().to_string()
    };
    let (from, to) = match crate::view::quarter_range(&quarter) {
        Ok(x) => x,
        Err(e) => return Err(error_page(e.status, &e.message)),
    };
    // A quarter not yet ended is reported to today, and compared with the same days a year
    // before (the title says 截至).
    let today = tianping_domain::clock::local_date(st.now());
    let end = tianping_domain::clock::local_date(to) - chrono::Duration::days(1);
    let (from_d, to_d) = (tianping_domain::clock::local_date(from), end.min(today));
    let quarter_zh = quarter_zh(&quarter, (to_d < end).then_some(to_d));
    let q = MetricsQuery {
        org: rq.org.clone(),
        from: from_d.to_string(),
        to: to_d.to_string(),
        ..Default::default()
    };
    let c = match compute(st, s, &q).await {
        Ok(c) => c,
        Err(e) => return Err(error_page(e.status, &e.message)),
    };
    let region =
        c.r.scope
            .region_prefix
            .clone()
            .unwrap_or_else(|| c.r.scope.scope.region_prefix.clone());
    let (f, t) = (tianping_store::ts(from), tianping_store::ts(to));
    let dir = match st.store.org_directory().await {
        Ok(d) => d,
        Err(e) => return Err(error_page(ApiError::from(e).status, "读取单位失败")),
    };
    let in_q = |x: &Option<String>| {
        x.as_deref()
            .is_some_and(|x| x >= f.as_str() && x < t.as_str())
    };
    let items: Vec<ItemSummary> = st
        .store
        .items_in(&region)
        .await
        .unwrap_or_default()
        .into_iter()
        .filter(|i| in_q(&Some(i.opened_at.clone())) || in_q(&i.closed_at))
        .filter(|i| tianping_store::supervision::can_read_item(i, &s.user, &s.org, &dir))
        .map(|i| ItemSummary {
            number: i.number.clone(),
            title: i.title.clone(),
            source_zh: tianping_domain::supervision::ItemSource::parse(&i.source)
                .map_or("—", |x| x.zh()),
            responsible: i.responsible_org_name.clone().unwrap_or_default(),
            state_zh: i.state().zh(),
            opened: crate::view::local(&i.opened_at),
            closed: i
                .closed_at
                .as_deref()
                .map(crate::view::local)
                .unwrap_or_default(),
        })
        .collect();
    let opened = items.iter().filter(|i| !i.opened.is_empty()).count();
    let closed = items.iter().filter(|i| !i.closed.is_empty()).count();
    Ok(ReportPage {
        org_name: c.r.org_name.clone(),
        quarter: quarter_zh,
        from: c.r.period.from.to_string(),
        to: c.r.period.to.to_string(),
        prev_from: c.prev.from.to_string(),
        prev_to: c.prev.to.to_string(),
        set_version: crate::view::version_zh(&c.set_version),
        tiles: c.tiles,
        bars: c.bars,
        max_count: c.max_count,
        pending_total: c.pending_total,
        opened,
        closed,
        items,
        docx_query: format!(
            "?org={}&quarter={}",
            crate::http::page::enc(&rq.org),
            crate::http::page::enc(&quarter)
        ),
        generated: crate::view::local(&tianping_store::ts(st.now())),
        by: format!("{}（{}）", s.user.display_name, s.org.name),
    })
}

/// `GET /quality/report.docx`: the report as a Word document in 公文 form — the title, 主送机关,
/// the opening, a heading and a table per part, the 落款 and 成文日期 — for the 人大 and 政法委.
pub async fn report_docx(
    State(st): State<AppState>,
    PageUser(s): PageUser,
    Query(rq): Query<ReportQuery>,
) -> Response {
    let r = match report_data(&st, &s, &rq).await {
        Ok(r) => r,
        Err(e) => return e,
    };
    let title = format!("{}{}审判执行质效与监督工作报告", r.org_name, r.quarter);
    let mut doc = Docx::new(title.clone());
    doc.push(
        Para::body(title.clone())
            .font(Font::XiaoBiaoSong, 22)
            .align(Align::Center)
            .space_after(12),
    );
    doc.push(Para::body("人大常委会、党委政法委：").align(Align::Left));
    doc.push(Para::body(format!(
        "现将{}{}审判执行质效与监督工作情况报告如下。统计期间{}至{}，同比期间{}至{}，指标口径为{}。",
        r.org_name,
        r.quarter,
        date_zh(&r.from),
        date_zh(&r.to),
        date_zh(&r.prev_from),
        date_zh(&r.prev_to),
        r.set_version
    )));
    let heading = |text: &str| Para::body(text).font(Font::HeiTi, 16);
    doc.push(heading("一、主要质效指标"));
    let rows: Vec<Vec<String>> = r
        .tiles
        .iter()
        .map(|t| {
            vec![
                t.zh.clone(),
                if t.value == "—" {
                    t.value.clone()
                } else {
                    format!("{} {}", t.value, t.unit)
                },
                t.previous.clone(),
                t.change.clone(),
                t.parts
                    .iter()
                    .map(|(zh, n, _)| format!("{zh} {n}"))
                    .collect::<Vec<_>>()
                    .join("；"),
            ]
        })
        .collect();
    doc.table(
        &["指标", "本期", "去年同期", "同比", "构成"],
        &[5, 3, 3, 3, 7],
        &rows,
        12,
    );
    doc.push(heading(&format!(
        "二、未结案件审理时长分布（截至{}，共{}件）",
        date_zh(&r.to),
        r.pending_total
    )));
    let rows: Vec<Vec<String>> = r
        .bars
        .iter()
        .map(|b| vec![b.label.to_string(), b.count.to_string()])
        .collect();
    doc.table(
        &["已审理时长（自立案日起）", "案件数（件）"],
        &[3, 2],
        &rows,
        12,
    );
    doc.push(heading(&format!(
        "三、本季度督办事项（新立{}件，销号{}件）",
        r.opened, r.closed
    )));
    if r.items.is_empty() {
        doc.push(Para::body("本季度没有新立或销号的督办事项。"));
    } else {
        let rows: Vec<Vec<String>> = r
            .items
            .iter()
            .map(|i| {
                vec![
                    i.number.clone(),
                    i.source_zh.to_string(),
                    i.title.clone(),
                    i.responsible.clone(),
                    i.state_zh.to_string(),
                    i.opened.chars().take(10).collect(),
                    i.closed.chars().take(10).collect(),
                ]
            })
            .collect();
        doc.table(
            &["编号", "来源", "问题", "责任单位", "状态", "立项", "销号"],
            &[4, 2, 6, 4, 2, 3, 3],
            &rows,
            10,
        );
    }
    doc.push(Para::body(
        "各项指标的计算口径及其依据见导出表“依据”列；注明“依据待核实”的口径系本平台选取，尚待有关部门核实。",
    ));
    doc.blank();
    doc.push(Para::body(r.org_name.clone()).align(Align::Right));
    let today = tianping_domain::clock::local_date(st.now());
    doc.push(Para::body(tianping_domain::document::date_zh(today)).align(Align::Right));
    crate::export::docx_download(doc, "quality-report.docx", &format!("{title}.docx"))
}

/// `2026-10-01` as 公文 write it: 2026年10月1日 (as given if it is not a date).
fn date_zh(d: &str) -> String {
    chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d")
        .map_or_else(|_| d.to_string(), tianping_domain::document::date_zh)
}
