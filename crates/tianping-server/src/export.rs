//! Excel downloads: one worksheet with a title row, a header row and the rows — dates as dates
//! and numbers as numbers (so a reader can sort, filter and sum them), the header frozen and
//! filterable, printed landscape, one page wide, the header repeated on every page.

use crate::http::page::{enc, error_page};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

/// One worksheet: a title row, a header row (with column widths) and the rows, written as the
/// pages show them; each value that reads as a date, a time, a number or a percentage is stored
/// as one.
pub struct Sheet<'a> {
    pub name: &'a str,
    pub title: String,
    pub headers: &'a [(&'a str, u16)],
    pub rows: Vec<Vec<String>>,
}

/// What a cell's text is, for Excel.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Typed {
    Text,
    /// `YYYY-MM-DD`.
    Date(u16, u8, u8),
    /// `YYYY-MM-DD HH:MM`.
    DateTime(u16, u8, u8, u16, u8),
    /// A plain number; `decimals` after the point.
    Number(f64, usize),
    /// `66.7%`: the fraction.
    Percent(f64),
}

fn typed(v: &str) -> Typed {
    let b = v.as_bytes();
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    let num = |r: std::ops::Range<usize>| v[r].parse::<u16>().unwrap_or(0);
    if b.len() >= 10
        && digits(0..4)
        && b[4] == b'-'
        && digits(5..7)
        && b[7] == b'-'
        && digits(8..10)
    {
        let (y, m, d) = (num(0..4), num(5..7) as u8, num(8..10) as u8);
        if b.len() == 10 {
            return Typed::Date(y, m, d);
        }
        if b.len() == 16 && b[10] == b' ' && digits(11..13) && b[13] == b':' && digits(14..16) {
            return Typed::DateTime(y, m, d, num(11..13), num(14..16) as u8);
        }
        return Typed::Text;
    }
    let (body, percent) = match v.strip_suffix('%') {
        Some(x) => (x, true),
        None => (v, false),
    };
    let unsigned = body.strip_prefix('-').unwrap_or(body);
    let (int, frac) = unsigned.split_once('.').unwrap_or((unsigned, ""));
    // Leading zeros, long digit strings (identity numbers) and empty parts stay text.
    let plain = !int.is_empty()
        && int.len() <= 12
        && int.bytes().all(|c| c.is_ascii_digit())
        && (int == "0" || !int.starts_with('0'))
        && frac.bytes().all(|c| c.is_ascii_digit())
        && !(unsigned.contains('.') && frac.is_empty());
    match (plain, body.parse::<f64>()) {
        (true, Ok(n)) if percent => Typed::Percent(n / 100.0),
        (true, Ok(n)) => Typed::Number(n, frac.len()),
        _ => Typed::Text,
    }
}

/// The number formats typed cells are written with.
pub struct CellFormats {
    date: rust_xlsxwriter::Format,
    datetime: rust_xlsxwriter::Format,
    percent: rust_xlsxwriter::Format,
    integer: rust_xlsxwriter::Format,
    decimal: rust_xlsxwriter::Format,
}

impl Default for CellFormats {
    fn default() -> Self {
        use rust_xlsxwriter::Format;
        CellFormats {
            date: Format::new().set_num_format("yyyy-mm-dd"),
            datetime: Format::new().set_num_format("yyyy-mm-dd hh:mm"),
            percent: Format::new().set_num_format("0.0%"),
            integer: Format::new().set_num_format("0"),
            decimal: Format::new().set_num_format("0.0#"),
        }
    }
}

/// Writes `v` as what it reads as: a date, a time, a number, a percentage, else text.
pub fn write_typed(
    ws: &mut rust_xlsxwriter::Worksheet,
    f: &CellFormats,
    r: u32,
    c: u16,
    v: &str,
) -> Result<(), rust_xlsxwriter::XlsxError> {
    use rust_xlsxwriter::ExcelDateTime;
    match typed(v) {
        Typed::Date(y, m, d) => match ExcelDateTime::from_ymd(y, m, d) {
            Ok(x) => ws.write_datetime_with_format(r, c, &x, &f.date)?,
            Err(_) => ws.write_string(r, c, v)?,
        },
        Typed::DateTime(y, m, d, h, min) => {
            match ExcelDateTime::from_ymd(y, m, d).and_then(|x| x.and_hms(h, min, 0)) {
                Ok(x) => ws.write_datetime_with_format(r, c, &x, &f.datetime)?,
                Err(_) => ws.write_string(r, c, v)?,
            }
        }
        Typed::Number(n, 0) => ws.write_number_with_format(r, c, n, &f.integer)?,
        Typed::Number(n, _) => ws.write_number_with_format(r, c, n, &f.decimal)?,
        Typed::Percent(n) => ws.write_number_with_format(r, c, n, &f.percent)?,
        Typed::Text => ws.write_string(r, c, v)?,
    };
    Ok(())
}

/// A sheet to work in: the rows above the data (title, header) frozen and printed on every page,
/// the header filterable, printed landscape and one page wide.
pub fn finish_sheet(
    ws: &mut rust_xlsxwriter::Worksheet,
    header_row: u32,
    last_row: u32,
    cols: u16,
) -> Result<(), rust_xlsxwriter::XlsxError> {
    ws.set_freeze_panes(header_row + 1, 0)?;
    ws.autofilter(header_row, 0, last_row.max(header_row), cols.max(1) - 1)?;
    ws.set_repeat_rows(0, header_row)?;
    ws.set_landscape();
    ws.set_print_fit_to_pages(1, 0);
    Ok(())
}

fn workbook(sheet: &Sheet<'_>) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name(sheet.name)?;
    let bold = Format::new().set_bold();
    let formats = CellFormats::default();
    ws.write_string_with_format(0, 0, &sheet.title, &bold)?;
    for (c, (h, w)) in sheet.headers.iter().enumerate() {
        ws.write_string_with_format(1, c as u16, *h, &bold)?;
        ws.set_column_width(c as u16, *w)?;
    }
    for (r, row) in sheet.rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            write_typed(ws, &formats, r as u32 + 2, c as u16, v)?;
        }
    }
    finish_sheet(
        ws,
        1,
        sheet.rows.len() as u32 + 1,
        sheet.headers.len() as u16,
    )?;
    wb.save_to_buffer()
}

pub fn xlsx_download(sheet: Sheet<'_>, ascii_name: &str, zh_name: &str) -> Response {
    match workbook(&sheet) {
        Ok(bytes) => attachment(
            bytes,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            ascii_name,
            zh_name,
        ),
        Err(e) => {
            tracing::error!(error = %e, "xlsx export failed");
            error_page(StatusCode::INTERNAL_SERVER_ERROR, "导出失败，已记录日志")
        }
    }
}

/// A Word document as a download, named in Chinese (with an ASCII fallback).
pub fn docx_download(doc: crate::docx::Docx, ascii_name: &str, zh_name: &str) -> Response {
    match doc.finish() {
        Ok(bytes) => attachment(
            bytes,
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            ascii_name,
            zh_name,
        ),
        Err(e) => {
            tracing::error!(error = %e, "docx export failed");
            error_page(
                StatusCode::INTERNAL_SERVER_ERROR,
                &format!("生成 Word 文书失败：{e}"),
            )
        }
    }
}

/// A file to download: RFC 5987, the Chinese name with an ASCII fallback.
fn attachment(bytes: Vec<u8>, content_type: &str, ascii_name: &str, zh_name: &str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!(
                    "attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{}",
                    enc(zh_name)
                ),
            ),
        ],
        bytes,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_that_read_as_dates_and_numbers_are_stored_as_such() {
        assert_eq!(typed("2026-12-03"), Typed::Date(2026, 12, 3));
        assert_eq!(
            typed("2026-12-03 09:05"),
            Typed::DateTime(2026, 12, 3, 9, 5)
        );
        assert_eq!(typed("42"), Typed::Number(42.0, 0));
        assert_eq!(typed("-3.5"), Typed::Number(-3.5, 1));
        assert_eq!(typed("66.7%"), Typed::Percent(0.667));
        for text in [
            "（2025）浙0102民初1号",
            "330102199001011234",
            "0571",
            "2026-12-03 至 2026-12-31",
            "1.",
            "",
            "—",
            "剩余 3 日",
        ] {
            assert_eq!(typed(text), Typed::Text, "{text}");
        }
    }
}
