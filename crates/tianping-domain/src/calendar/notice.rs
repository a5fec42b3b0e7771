//! A year's arrangement as the State Council's notice (国务院办公厅关于某年部分节假日安排的通知)
//! states it — for each holiday, the days off from the first to the last and the weekend days
//! worked to make up for it — turned into the calendar's document, which [`super::Calendar::import`]
//! then checks like any other. The administrator fills in the notice; nobody types TOML.

use chrono::{Datelike, NaiveDate};

/// The holidays a notice arranges, in its order.
pub const HOLIDAYS: [&str; 7] = [
    "元旦",
    "春节",
    "清明节",
    "劳动节",
    "端午节",
    "中秋节",
    "国庆节",
];

/// The longest a holiday's days off run (国庆节 and 春节 are 7–9 days).
const MAX_DAYS_OFF: i64 = 15;

/// One holiday of the notice as typed: its name, the first and last day off, and the make-up
/// working days (dates separated by commas, 、 or spaces; `2027-02-07` or `2月7日`).
#[derive(Debug, Clone, Default)]
pub struct HolidayEntry {
    pub name: String,
    pub from: String,
    pub to: String,
    pub work: String,
}

/// Where the notice was refused: the holiday's row (0-based; `None` for the year) and field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoticeError {
    pub row: Option<usize>,
    /// `year`, `from`, `to` or `work`.
    pub field: &'static str,
    pub message: String,
}

fn at_field(row: Option<usize>, field: &'static str, message: String) -> NoticeError {
    NoticeError {
        row,
        field,
        message,
    }
}

/// A date of `year` as typed: `2027-02-07`, `2027/2/7` or `2月7日`.
fn date_of(year: i32, typed: &str) -> Option<NaiveDate> {
    let t = typed.trim();
    if let Some(rest) = t.strip_suffix('日')
        && let Some((m, d)) = rest.split_once('月')
    {
        let m = m.trim_start_matches(&format!("{year}年")).trim();
        return NaiveDate::from_ymd_opt(year, m.parse().ok()?, d.trim().parse().ok()?);
    }
    let parts: Vec<&str> = t.split(['-', '/', '.']).collect();
    match parts.as_slice() {
        [y, m, d] => NaiveDate::from_ymd_opt(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?),
        _ => None,
    }
}

/// The notice as the calendar's document (one `[[year]]` table), or where it is wrong. Rows
/// left empty are holidays the notice does not arrange; at least one must be filled.
pub fn notice_toml(year: &str, entries: &[HolidayEntry]) -> Result<String, NoticeError> {
    let y: i32 = year
        .trim()
        .parse()
        .ok()
        .filter(|y| (i64::from(*y) >= super::FIRST_YEAR) && (i64::from(*y) <= super::LAST_YEAR))
        .ok_or_else(|| {
            at_field(
                None,
                "year",
                format!(
                    "年份“{}”无效，应为 {}–{} 之间的四位年份",
                    year.trim(),
                    super::FIRST_YEAR,
                    super::LAST_YEAR
                ),
            )
        })?;
    let mut rest = vec![];
    let mut work = vec![];
    for (i, e) in entries.iter().enumerate() {
        let name = e.name.trim();
        if e.from.trim().is_empty() && e.to.trim().is_empty() && e.work.trim().is_empty() {
            continue;
        }
        let day = |typed: &str, field: &'static str, what: &str| {
            if typed.trim().is_empty() {
                return Err(at_field(Some(i), field, format!("请填写{name}的{what}")));
            }
            let d = date_of(y, typed).ok_or_else(|| {
                at_field(
                    Some(i),
                    field,
                    format!(
                        "{name}的{what}“{}”不是有效日期，应如 {y}-10-01",
                        typed.trim()
                    ),
                )
            })?;
            if d.year() != y {
                return Err(at_field(
                    Some(i),
                    field,
                    format!("{name}的{what} {d} 不在 {y} 年内"),
                ));
            }
            Ok(d)
        };
        let from = day(&e.from, "from", "放假开始日期")?;
        let to = day(&e.to, "to", "放假结束日期")?;
        if to < from {
            return Err(at_field(
                Some(i),
                "to",
                format!("{name}的放假结束日期 {to} 早于开始日期 {from}"),
            ));
        }
        if (to - from).num_days() + 1 > MAX_DAYS_OFF {
            return Err(at_field(
                Some(i),
                "to",
                format!(
                    "{name}放假 {} 天，超过 {MAX_DAYS_OFF} 天，请核对起止日期",
                    (to - from).num_days() + 1
                ),
            ));
        }
        for k in 0..=(to - from).num_days() {
            rest.push((from + chrono::Duration::days(k), name.to_string()));
        }
        for typed in e
            .work
            .split([',', '，', '、', ';', '；', ' ', '\u{3000}'])
            .filter(|x| !x.trim().is_empty())
        {
            let d = date_of(y, typed).ok_or_else(|| {
                at_field(
                    Some(i),
                    "work",
                    format!("{name}的调休上班日“{}”不是有效日期", typed.trim()),
                )
            })?;
            work.push((d, name.to_string()));
        }
    }
    if rest.is_empty() {
        return Err(at_field(
            Some(0),
            "from",
            "请至少填写一个节日的放假起止日期".into(),
        ));
    }
    let quote = |s: &str| s.replace('\\', "\\\\").replace('"', "\\\"");
    let mut doc = format!("[[year]]\nyear = {y}\nrest = [\n");
    for (d, n) in &rest {
        doc.push_str(&format!(
            "  {{ date = {d}, holiday = \"{}\" }},\n",
            quote(n)
        ));
    }
    doc.push_str("]\nwork = [\n");
    for (d, n) in &work {
        doc.push_str(&format!("  {{ date = {d}, for = \"{}\" }},\n", quote(n)));
    }
    doc.push_str("]\n");
    Ok(doc)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::Calendar;

    fn e(name: &str, from: &str, to: &str, work: &str) -> HolidayEntry {
        HolidayEntry {
            name: name.into(),
            from: from.into(),
            to: to.into(),
            work: work.into(),
        }
    }

    #[test]
    fn a_notice_becomes_a_year_the_calendar_accepts() {
        // 2026's 国庆节 and 中秋节 as the notice has them: 10月1日至8日放假, 9月28日、10月10日上班.
        let doc = notice_toml(
            "2026",
            &[
                e("元旦", "2026-01-01", "2026-01-03", "1月4日"),
                e("国庆节", "10月1日", "2026/10/8", "2026-09-20、10月10日"),
            ],
        )
        .unwrap_or_default();
        let mut c = Calendar::default();
        assert_eq!(c.import(&doc), Ok(vec![2026]), "{doc}");
        let y = c.year(2026).cloned().unwrap_or_default();
        assert_eq!(y.rest.len(), 3 + 8);
        assert_eq!(
            y.rest
                .get(&NaiveDate::from_ymd_opt(2026, 10, 8).unwrap_or_default()),
            Some(&"国庆节".to_string())
        );
        assert_eq!(y.work.len(), 3);
    }

    #[test]
    fn a_wrong_field_is_named_with_its_row() {
        let err = |year: &str, rows: &[HolidayEntry]| notice_toml(year, rows).err();
        assert_eq!(err("27", &[]).map(|e| e.field), Some("year"));
        assert_eq!(
            err("2027", &[]).map(|e| (e.row, e.field)),
            Some((Some(0), "from"))
        );
        let r = err(
            "2027",
            &[
                e("元旦", "", "", ""),
                e("春节", "2027-02-10", "2027-02-05", ""),
            ],
        );
        assert_eq!(r.as_ref().map(|e| (e.row, e.field)), Some((Some(1), "to")));
        assert!(r.is_some_and(|e| e.message.contains("早于开始日期")));
        let r = err("2027", &[e("春节", "2027-02-30", "2027-03-01", "")]);
        assert_eq!(r.as_ref().map(|e| e.field), Some("from"));
        let r = err("2027", &[e("春节", "2027-02-05", "2027-02-11", "2月7号")]);
        assert_eq!(r.map(|e| e.field), Some("work"));
        let r = err("2027", &[e("国庆节", "2026-10-01", "2026-10-07", "")]);
        assert!(r.is_some_and(|e| e.message.contains("不在 2027 年内")));
        let r = err("2027", &[e("春节", "2027-01-01", "2027-02-01", "")]);
        assert!(r.is_some_and(|e| e.message.contains("超过 15 天")));
    }
}
