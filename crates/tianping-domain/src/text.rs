//! Reading one line of an import file as text (pure: the caller reads the bytes).

/// The UTF-8 byte-order mark some editors write before line 1.
pub const BOM: &[u8] = b"\xEF\xBB\xBF";

/// One line's bytes as text: a BOM is dropped from line 1, a `\n` or `\r\n` ending is dropped.
/// `Err(position)` (1-based byte) when the line is not valid UTF-8.
pub fn line_text(bytes: &[u8], first_line: bool) -> Result<&str, usize> {
    let mut b = bytes;
    if first_line {
        b = b.strip_prefix(BOM).unwrap_or(b);
    }
    b = b.strip_suffix(b"\n").unwrap_or(b);
    b = b.strip_suffix(b"\r").unwrap_or(b);
    std::str::from_utf8(b).map_err(|e| e.valid_up_to() + 1)
}

#[cfg(test)]
mod tests {
    use super::line_text;

    #[test]
    fn lines() {
        assert_eq!(line_text(b"\xEF\xBB\xBF{}\r\n", true), Ok("{}"));
        assert_eq!(line_text(b"\xEF\xBB\xBF{}\n", false), Ok("\u{feff}{}"));
        assert_eq!(line_text(b"ab\xFFc\n", false), Err(3));
        assert_eq!(line_text(b"", false), Ok(""));
    }
}
