//! The checks every event passes before it is folded: approvers named, required text present,
//! text and lists within their limits, a filing date within the registry's range.

use super::EventBody;
use super::EventRejection;
use crate::timeline::Approver;
use chrono::{DateTime, Utc};

/// How far in the future an event may claim to have happened (clock skew between systems).
pub(crate) const FUTURE_SKEW_MINUTES: i64 = 10;

pub(crate) fn need_approver(a: &Approver, field: &str) -> Result<(), EventRejection> {
    if a.name.trim().is_empty() {
        return Err(EventRejection::new(
            "approver_missing",
            format!("{field}.name"),
            "批准人姓名不能为空",
        ));
    }
    if !a.role.approves() {
        return Err(EventRejection::new(
            "approver_role_invalid",
            format!("{field}.role"),
            format!(
                "“{}”无审批权限，须由庭长或院长（部门负责人、检察长、公安机关负责人）批准",
                a.role.zh()
            ),
        ));
    }
    Ok(())
}

pub(crate) fn non_empty(v: &str, field: &str) -> Result<(), EventRejection> {
    if v.trim().is_empty() {
        Err(EventRejection::new("field_empty", field, "不能为空"))
    } else {
        Ok(())
    }
}

/// The longest text a field may hold, in characters, by field name (others: [`MAX_TEXT`]).
const TEXT_LIMITS: &[(&str, usize)] = &[
    ("cause", 200),
    ("name", 100),
    ("role", 50),
    ("judge", 50),
    ("clerk", 50),
    ("id", 128),
    ("division", 100),
    ("by", 100),
    ("against", 100),
    ("channel", 100),
    ("from", 50),
    ("to", 50),
    ("new_case_number", 64),
    ("origin_case_number", 64),
];

/// The longest free text (reasons, summaries) an event may carry.
pub const MAX_TEXT: usize = 2000;

/// The most items a list may hold, by field name (others: [`MAX_ITEMS`]).
const ITEM_LIMITS: &[(&str, usize)] = &[("parties", 200), ("panel", 20), ("charges", 30)];

pub const MAX_ITEMS: usize = 50;

/// Bounds every text and list of an event (the low finding: a 50 MB cause, a 10 MB reason,
/// 100,000 parties): refused with the field named, e.g. `parties[3].name`.
pub fn check_sizes(body: &EventBody) -> Result<(), EventRejection> {
    fn walk(v: &serde_json::Value, field: &str, path: &str) -> Result<(), EventRejection> {
        use serde_json::Value;
        match v {
            Value::String(t) => {
                let max = TEXT_LIMITS
                    .iter()
                    .find(|(f, _)| *f == field)
                    .map_or(MAX_TEXT, |(_, n)| *n);
                let n = t.chars().count();
                if n > max {
                    return Err(EventRejection::new(
                        "field_too_long",
                        path,
                        format!("不能超过 {max} 个字符（现为 {n} 个）"),
                    ));
                }
            }
            Value::Array(items) => {
                let max = ITEM_LIMITS
                    .iter()
                    .find(|(f, _)| *f == field)
                    .map_or(MAX_ITEMS, |(_, n)| *n);
                if items.len() > max {
                    return Err(EventRejection::new(
                        "too_many_items",
                        path,
                        format!("不能超过 {max} 项（现为 {} 项）", items.len()),
                    ));
                }
                for (i, x) in items.iter().enumerate() {
                    walk(x, field, &format!("{path}[{i}]"))?;
                }
            }
            Value::Object(m) => {
                for (k, x) in m {
                    let p = if path.is_empty() {
                        k.clone()
                    } else {
                        format!("{path}.{k}")
                    };
                    walk(x, k, &p)?;
                }
            }
            _ => {}
        }
        Ok(())
    }
    match serde_json::to_value(body) {
        Ok(v) => walk(&v, "", ""),
        Err(_) => Ok(()),
    }
}

/// The earliest year an event may claim: Tianping records the People's Republic's cases.
pub const EARLIEST_YEAR: i32 = 1949;

/// Bounds a filing's date (finding M6): not before [`EARLIEST_YEAR`], and within a year of the
/// 案号's year (the 收案年度) when the number has one. The future is bounded by [`CaseState::open`].
pub fn check_filing_date(
    occurred_at: DateTime<Utc>,
    case_year: Option<i64>,
) -> Result<(), EventRejection> {
    use chrono::Datelike;
    let y = occurred_at.year();
    if y < EARLIEST_YEAR {
        return Err(EventRejection::new(
            "date_out_of_range",
            "occurred_at",
            format!("立案时间 {y} 年早于 {EARLIEST_YEAR} 年，不是有效日期"),
        ));
    }
    if let Some(cy) = case_year
        && (i64::from(y) < cy - 1 || i64::from(y) > cy + 1)
    {
        return Err(EventRejection::new(
            "date_case_year_mismatch",
            "occurred_at",
            format!("立案时间在 {y} 年，与案号年度（{cy}）不符"),
        ));
    }
    Ok(())
}
