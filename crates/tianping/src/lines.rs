//! Reading an import file line by line without letting one bad line take the file down: a UTF-8
//! byte-order mark before line 1 is skipped, `\r\n` endings are accepted, and a line that is not
//! valid UTF-8 is handed back as its own refusal (line number and byte position), so the lines
//! around it are still read (the low finding: one invalid line aborted the whole file).

use std::io::BufRead;

/// One line of a file: its 1-based number and its text, or where its UTF-8 breaks.
pub type Line = (u64, Result<String, String>);

/// The lines of `reader`; IO errors end the iteration with the error.
pub fn lines<R: BufRead>(mut reader: R) -> impl Iterator<Item = std::io::Result<Line>> {
    let mut n = 0u64;
    let mut buf = Vec::new();
    std::iter::from_fn(move || {
        buf.clear();
        match reader.read_until(b'\n', &mut buf) {
            Ok(0) => None,
            Ok(_) => {
                n += 1;
                Some(Ok((
                    n,
                    tianping_domain::text::line_text(&buf, n == 1)
                        .map(str::to_string)
                        .map_err(|at| {
                            format!(
                                "第 {n} 行不是有效的 UTF-8 文本（第 {at} 个字节起）；请以 UTF-8 编码保存文件"
                            )
                        }),
                )))
            }
            Err(e) => Some(Err(e)),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::lines;

    #[test]
    fn bom_crlf_and_a_bad_line_among_good_ones() {
        let data: &[u8] = b"\xEF\xBB\xBF{\"a\":1}\r\n{\"b\":\xFF2}\n\n{\"c\":3}";
        let got: Vec<_> = lines(data).map(|l| l.expect("io")).collect();
        assert_eq!(got.len(), 4);
        assert_eq!(got[0], (1, Ok("{\"a\":1}".to_string())));
        assert!(
            got[1]
                .1
                .as_ref()
                .is_err_and(|e| e.contains("第 2 行") && e.contains("第 6 个字节"))
        );
        assert_eq!(got[2], (3, Ok(String::new())));
        assert_eq!(got[3], (4, Ok("{\"c\":3}".to_string())));
    }
}
