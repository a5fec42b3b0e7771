//! Excel downloads: one worksheet with a title row, a header row and text rows.

use crate::http::page::{enc, error_page};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

/// One worksheet: a title row, a header row (with column widths) and text rows.
pub struct Sheet<'a> {
    pub name: &'a str,
    pub title: String,
    pub headers: &'a [(&'a str, u16)],
    pub rows: Vec<Vec<String>>,
}

fn workbook(sheet: &Sheet<'_>) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name(sheet.name)?;
    let bold = Format::new().set_bold();
    ws.write_string_with_format(0, 0, &sheet.title, &bold)?;
    for (c, (h, w)) in sheet.headers.iter().enumerate() {
        ws.write_string_with_format(1, c as u16, *h, &bold)?;
        ws.set_column_width(c as u16, *w)?;
    }
    for (r, row) in sheet.rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            ws.write_string(r as u32 + 2, c as u16, v)?;
        }
    }
    wb.save_to_buffer()
}

pub fn xlsx_download(sheet: Sheet<'_>, ascii_name: &str, zh_name: &str) -> Response {
    match workbook(&sheet) {
        Ok(bytes) => (
            [
                (
                    header::CONTENT_TYPE,
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string(),
                ),
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
            .into_response(),
        Err(e) => {
            tracing::error!(error = %e, "xlsx export failed");
            error_page(StatusCode::INTERNAL_SERVER_ERROR, "导出失败，已记录日志")
        }
    }
}
