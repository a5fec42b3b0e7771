//! The holiday calendar: the years in force, and a system administrator's import of a year
//! (the generation of the rules in force moves with it).

use crate::AppState;
use crate::error::ApiError;
use crate::http::PageUser;
use crate::http::extract::csrf_refused;
use crate::http::page::{Layout, error_page, render};
use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use tianping_domain::calendar::notice::{HOLIDAYS, HolidayEntry, notice_toml};
use tianping_domain::rules::ClockKey;
use tianping_store::user::Session;

#[derive(Template)]
#[template(path = "calendar.html")]
struct CalendarPage {
    layout: Layout,
    years: Vec<(i32, usize, usize)>,
    last_year: i32,
    text: String,
    error: Option<String>,
    done: Option<String>,
    /// A change to published years waits for the administrator's confirmation.
    confirm: Option<Replacing>,
    /// The notice form as typed: the year, and one row per holiday.
    notice_year: String,
    notice_rows: Vec<NoticeRow>,
    /// A refusal of the notice's year field.
    year_error: String,
}

/// One holiday of the notice form as typed, with the error of its field if refused.
#[derive(Default, Clone)]
pub struct NoticeRow {
    pub name: String,
    pub from: String,
    pub to: String,
    pub work: String,
    pub error_field: String,
    pub error: String,
}

impl NoticeRow {
    fn error_at(&self, field: &str) -> &str {
        if self.error_field == field {
            &self.error
        } else {
            ""
        }
    }
}

impl CalendarPage {
    fn clock_name(&self, key: &str) -> &'static str {
        ClockKey::parse(key).map_or("期限", ClockKey::zh)
    }
}

/// What importing calendar years would do before it is saved: the published years it replaces
/// (finding M7) and the due dates it moves.
pub struct Replacing {
    /// The years being imported.
    pub imported: Vec<i32>,
    /// Of them, the published ones replaced: year, rest days and make-up working days before and
    /// after (empty for new years only).
    pub years: Vec<(i32, usize, usize, usize, usize)>,
    /// The first moved clocks, and how many move in all.
    pub moved: Vec<tianping_store::clocks::MovedPreview>,
    pub total: usize,
}

/// The published years an import would change, with their day counts before and after.
pub fn replaced_years(
    old: &tianping_domain::calendar::Calendar,
    new: &tianping_domain::calendar::Calendar,
    years: &[i32],
) -> Vec<(i32, usize, usize, usize, usize)> {
    years
        .iter()
        .filter_map(|y| {
            let (a, b) = (old.year(*y)?, new.year(*y)?);
            (a != b).then_some((*y, a.rest.len(), b.rest.len(), a.work.len(), b.work.len()))
        })
        .collect()
}

fn calendar_page_for(
    st: &AppState,
    s: &Session,
    text: String,
    error: Option<String>,
    done: Option<String>,
) -> Response {
    render(&calendar_page_data(st, s, text, error, done))
}

fn calendar_page_data(
    st: &AppState,
    s: &Session,
    text: String,
    error: Option<String>,
    done: Option<String>,
) -> CalendarPage {
    let cw = st.store.clockwork();
    let next = cw
        .calendar
        .last_year()
        .map_or(String::new(), |y| (y + 1).to_string());
    CalendarPage {
        layout: Layout::new(s, "/admin/calendar"),
        years: cw
            .calendar
            .years()
            .map(|(y, a)| (y, a.rest.len(), a.work.len()))
            .rev()
            .collect(),
        last_year: cw.calendar.last_year().unwrap_or(0),
        text,
        error,
        done,
        confirm: None,
        notice_year: next,
        notice_rows: HOLIDAYS
            .iter()
            .map(|h| NoticeRow {
                name: h.to_string(),
                ..NoticeRow::default()
            })
            .collect(),
        year_error: String::new(),
    }
}

pub async fn calendar_page(State(st): State<AppState>, PageUser(s): PageUser) -> Response {
    if !tianping_domain::access::operates_the_system(s.user.role) {
        return error_page(StatusCode::FORBIDDEN, "当前角色无权维护节假日安排");
    }
    calendar_page_for(&st, &s, String::new(), None, None)
}

/// Imports one or more years of the State Council arrangement — from the notice form (`notice`
/// = 1: the year and each holiday's days off and make-up working days) or as the calendar's
/// document — and re-computes open clocks once the administrator has seen the due dates that
/// move; the moved due dates are listed for the case offices.
pub async fn calendar_submit(
    State(st): State<AppState>,
    PageUser(s): PageUser,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    let field = |k: &str| {
        form.iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    if let Some(refused) = csrf_refused(&field("csrf"), &s) {
        return refused;
    }
    if !tianping_domain::access::operates_the_system(s.user.role) {
        return error_page(StatusCode::FORBIDDEN, "当前角色无权维护节假日安排");
    }
    let mut f = CalendarForm {
        toml: field("toml"),
        confirm: field("confirm"),
        notice: None,
    };
    if field("notice") == "1" {
        let rows: Vec<NoticeRow> = (0..HOLIDAYS.len())
            .map(|i| NoticeRow {
                name: HOLIDAYS[i].to_string(),
                from: field(&format!("from_{i}")),
                to: field(&format!("to_{i}")),
                work: field(&format!("work_{i}")),
                ..NoticeRow::default()
            })
            .collect();
        let entries: Vec<HolidayEntry> = rows
            .iter()
            .map(|r| HolidayEntry {
                name: r.name.clone(),
                from: r.from.clone(),
                to: r.to.clone(),
                work: r.work.clone(),
            })
            .collect();
        let year = field("year");
        match notice_toml(&year, &entries) {
            Ok(doc) => {
                f.toml = doc;
                f.notice = Some((year, rows));
            }
            Err(e) => {
                // Refused for what was typed: the form again, everything kept, the error at its
                // field.
                let mut page = calendar_page_data(&st, &s, String::new(), None, None);
                page.notice_year = year;
                page.notice_rows = rows;
                match e.row {
                    Some(i) => {
                        if let Some(r) = page.notice_rows.get_mut(i) {
                            r.error_field = e.field.to_string();
                            r.error = e.message.clone();
                        }
                    }
                    None => page.year_error = e.message.clone(),
                }
                page.error = Some(e.message);
                let mut r = render(&page);
                *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
                return r;
            }
        }
    }
    calendar_import(&st, &s, f).await
}

/// What was submitted: the calendar's document (typed, or made from the notice form, which is
/// kept to show again if the import is refused).
struct CalendarForm {
    toml: String,
    /// `1` when the administrator confirmed the due dates that move.
    confirm: String,
    notice: Option<(String, Vec<NoticeRow>)>,
}

/// The page again after a refused import, with what was typed.
fn refused(st: &AppState, s: &Session, f: CalendarForm, error: String) -> Response {
    let mut page = calendar_page_data(st, s, String::new(), Some(error), None);
    match f.notice {
        Some((year, rows)) => {
            page.notice_year = year;
            page.notice_rows = rows;
        }
        None => page.text = f.toml,
    }
    let mut r = render(&page);
    *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    r
}

async fn calendar_import(st: &AppState, s: &Session, f: CalendarForm) -> Response {
    let mut cw = (*st.store.clockwork()).clone();
    let years = match cw.calendar.import(&f.toml) {
        Ok(y) if y.is_empty() => {
            return refused(st, s, f, "没有找到 [[year]] 年度表".into());
        }
        Ok(y) => y,
        Err(e) => return refused(st, s, f, e.zh()),
    };
    let now = st.now();
    // Nothing is saved before the administrator has seen which due dates move: a published year
    // replaced, or a new year whose holidays move provisional due dates (finding M7; issue 22).
    // An import that moves nothing and replaces nothing is saved at once.
    let replacing = replaced_years(&st.store.clockwork().calendar, &cw.calendar, &years);
    if f.confirm != "1" {
        let moved = match st.store.preview_clockwork(&cw, now).await {
            Ok(m) => m,
            Err(e) => return error_page(ApiError::from(e).status, "无法预览期限变动"),
        };
        if !replacing.is_empty() || !moved.is_empty() {
            let total = moved.len();
            let mut page = calendar_page_data(st, s, f.toml, None, None);
            page.confirm = Some(Replacing {
                imported: years.clone(),
                years: replacing,
                moved: moved.into_iter().take(200).collect(),
                total,
            });
            return render(&page);
        }
    }
    for y in &years {
        // Each year is stored on its own, so that a later import replaces only that year.
        let one = match year_table(&f.toml, *y) {
            Ok(t) => t,
            Err(e) => return refused(st, s, f, e),
        };
        if let Err(e) = st
            .store
            .store_calendar_year(*y, &one, &format!("user:{}", s.user.username), now)
            .await
        {
            return error_page(
                StatusCode::INTERNAL_SERVER_ERROR,
                &ApiError::from(e).message,
            );
        }
    }
    // Storing a year moved the database's generation: the store put the new calendar in force.
    let report = match st.store.apply_clockwork_change(now).await {
        Ok(r) => r.unwrap_or_default(),
        Err(e) => {
            return error_page(
                StatusCode::INTERNAL_SERVER_ERROR,
                &ApiError::from(e).message,
            );
        }
    };
    tracing::info!(user = %s.user.username, ?years, moved = report.moved, "calendar years imported");
    let names: Vec<String> = years.iter().map(|y| y.to_string()).collect();
    calendar_page_for(
        st,
        s,
        String::new(),
        None,
        Some(format!(
            "已导入 {} 年节假日安排；重新计算 {} 件未结案件的 {} 项期限，其中 {} 项届满日发生变化（见“期限变动”）。",
            names.join("、"),
            report.cases,
            report.clocks,
            report.moved
        )),
    )
}

/// The `[[year]]` table of `year` from a calendar document, as its own document.
pub fn year_table(text: &str, year: i32) -> Result<String, String> {
    let v: toml::Value = toml::from_str(text).map_err(|e| format!("日历格式错误：{e}"))?;
    let one = v
        .get("year")
        .and_then(|y| y.as_array())
        .and_then(|ys| {
            ys.iter()
                .find(|y| y.get("year").and_then(|n| n.as_integer()) == Some(year as i64))
        })
        .ok_or_else(|| format!("没有 {year} 年的 [[year]] 表"))?;
    let mut doc = toml::map::Map::new();
    doc.insert("year".into(), toml::Value::Array(vec![one.clone()]));
    toml::to_string(&toml::Value::Table(doc)).map_err(|e| e.to_string())
}
