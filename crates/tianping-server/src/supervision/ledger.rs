//! The 整改台账: every supervision item the user may see with its rectification and the opener's
//! judgement of it, as an Excel workbook (sortable, with a header row) and as a Word document in
//! 公文 form to send with a report.

use super::bj;
use super::catalogue::catalogue_view;
use super::items::{item_line, visible_items};
use crate::AppState;
use crate::docx::{Align, Docx, Font, Para};
use crate::export::{Sheet, xlsx_download};
use crate::http::PageUser;
use crate::http::page::{api_error_page, error_page};
use crate::view::local;
use axum::extract::State;
use axum::response::Response;
use tianping_store::user::Session;

/// The Excel columns and their widths.
const HEADERS: [(&str, u16); 17] = [
    ("编号", 16),
    ("来源", 10),
    ("检察监督事项", 36),
    ("问题", 36),
    ("案号", 24),
    ("督办单位", 24),
    ("责任单位", 24),
    ("状态", 10),
    ("本阶段期限", 12),
    ("是否超期", 8),
    ("整改期限", 12),
    ("立项日期", 12),
    ("销号日期", 12),
    ("回访", 22),
    ("整改材料（件）", 10),
    ("整改措施", 36),
    ("核验意见", 30),
];

/// The 整改台账's rows — every item the user may see, with its latest rectification (整改措施)
/// and the opener's latest judgement of it (核验意见) — in the Excel columns ([`HEADERS`]).
async fn ledger_rows(st: &AppState, s: &Session) -> Result<Vec<Vec<String>>, Response> {
    let items = match visible_items(st, s).await {
        Ok(i) => i,
        Err(e) => return Err(error_page(e.status, &e.message)),
    };
    let now = st.now();
    // Each item's latest rectification and the opener's latest judgement of it.
    let mut notes: Vec<(String, String)> = Vec::with_capacity(items.len());
    for i in &items {
        let steps = match st.store.item_steps(i.id).await {
            Ok(x) => x,
            Err(e) => return Err(api_error_page(e.into())),
        };
        let last = |actions: &[&str]| {
            steps
                .iter()
                .rev()
                .find(|x| actions.contains(&x.action.as_str()))
                .map(|x| {
                    format!(
                        "{}（{} {}）",
                        x.note,
                        x.actor.clone().unwrap_or_default(),
                        local(&x.at).get(..10).unwrap_or("")
                    )
                })
                .unwrap_or_default()
        };
        notes.push((last(&["submit"]), last(&["verify", "return"])));
    }
    Ok(items
        .iter()
        .zip(notes)
        .map(|(i, (measures, review))| {
            let l = item_line(i, now);
            // A procuratorial item's situation and the instrument it was raised by.
            let situation = catalogue_view(st, i)
                .map(|c| format!("{}：{}（{}）", c.category, c.zh, c.instrument))
                .unwrap_or_default();
            vec![
                l.number,
                l.source_zh.to_string(),
                situation,
                l.title,
                l.case_number,
                l.org_name,
                l.responsible,
                l.state_zh.to_string(),
                l.stage_due,
                if l.overdue {
                    "超期".into()
                } else {
                    String::new()
                },
                l.rectify_due,
                l.opened_at,
                l.closed_at,
                l.revisit,
                l.evidence.to_string(),
                measures,
                review,
            ]
        })
        .collect())
}

/// The 整改台账 as an Excel workbook.
pub async fn ledger_export(State(st): State<AppState>, PageUser(s): PageUser) -> Response {
    let rows = match ledger_rows(&st, &s).await {
        Ok(r) => r,
        Err(e) => return e,
    };
    let today = st.now().with_timezone(&bj()).date_naive();
    xlsx_download(
        Sheet {
            name: "整改台账",
            title: format!("{} 整改台账（{today} 导出）", s.org.name),
            headers: &HEADERS,
            rows,
        },
        &format!("rectification-{today}.xlsx"),
        &format!("整改台账-{today}.xlsx"),
    )
}

/// The Word document's columns: (Excel column, width share).
const DOC_COLUMNS: [(usize, u32); 8] = [
    (0, 4),
    (3, 6),
    (4, 5),
    (6, 4),
    (7, 2),
    (10, 3),
    (15, 6),
    (16, 5),
];

/// `GET /supervision/ledger.docx`: the 整改台账 as a Word document — the title, the unit and date,
/// one table with 整改措施 and 核验意见 — on A4.
pub async fn ledger_docx(State(st): State<AppState>, PageUser(s): PageUser) -> Response {
    let rows = match ledger_rows(&st, &s).await {
        Ok(r) => r,
        Err(e) => return e,
    };
    let today = st.now().with_timezone(&bj()).date_naive();
    let title = format!("{}整改台账", s.org.name);
    let mut doc = Docx::new(title.clone());
    doc.push(
        Para::body(title.clone())
            .font(Font::XiaoBiaoSong, 22)
            .align(Align::Center)
            .space_after(6),
    );
    doc.push(
        Para::body(format!(
            "（截至{}，共{}项）",
            tianping_domain::document::date_zh(today),
            rows.len()
        ))
        .align(Align::Center),
    );
    let headers: Vec<&str> = DOC_COLUMNS.iter().map(|(c, _)| HEADERS[*c].0).collect();
    let widths: Vec<u32> = DOC_COLUMNS.iter().map(|(_, w)| *w).collect();
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            DOC_COLUMNS
                .iter()
                .map(|(c, _)| r.get(*c).cloned().unwrap_or_default())
                .collect()
        })
        .collect();
    doc.table(&headers, &widths, &cells, 10);
    doc.blank();
    doc.push(Para::body(s.org.name.clone()).align(Align::Right));
    doc.push(Para::body(tianping_domain::document::date_zh(today)).align(Align::Right));
    crate::export::docx_download(
        doc,
        &format!("rectification-{today}.docx"),
        &format!("整改台账-{today}.docx"),
    )
}
