//! A Word document (DOCX, Office Open XML) written by hand: the few parts a 公文 needs — paragraphs
//! with alignment, first-line indent, fixed line spacing and an optional rule beneath, runs in a
//! Chinese font, size and colour — on A4 with the margins of GB/T 9704-2012. Word, WPS and
//! LibreOffice open it; nothing else is embedded.

use std::io::{Read, Write};
use zip::write::SimpleFileOptions;

/// Why a DOCX could not be read.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ReadError {
    #[error("not a zip archive")]
    NotZip,
    #[error("no word/document.xml")]
    NoDocument,
    #[error("word/document.xml is not UTF-8")]
    NotUtf8,
    #[error("the document has no text")]
    Empty,
}

impl ReadError {
    /// For the person who uploaded it.
    pub fn zh(&self) -> &'static str {
        match self {
            ReadError::NotZip | ReadError::NoDocument => "不是有效的 Word 文档（DOCX）",
            ReadError::NotUtf8 => "文档内容编码无法识别",
            ReadError::Empty => "文档中没有文字",
        }
    }
}

/// A DOCX's body text: the runs' `<w:t>` of each paragraph, paragraphs on their own lines.
pub fn read_text(bytes: &[u8]) -> Result<String, ReadError> {
    let mut zip =
        zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(|_| ReadError::NotZip)?;
    let mut xml = String::new();
    zip.by_name("word/document.xml")
        .map_err(|_| ReadError::NoDocument)?
        .read_to_string(&mut xml)
        .map_err(|_| ReadError::NotUtf8)?;
    let mut out = String::new();
    let mut rest = xml.as_str();
    while let Some(i) = rest.find('<') {
        let Some(j) = rest[i..].find('>') else { break };
        let tag = &rest[i + 1..i + j];
        rest = &rest[i + j + 1..];
        if tag == "w:t" || tag.starts_with("w:t ") {
            let end = rest.find("</w:t>").unwrap_or(rest.len());
            out.push_str(&unescape(&rest[..end]));
            rest = &rest[end..];
        } else if tag == "/w:p" {
            out.push('\n');
        } else if tag == "w:tab/" {
            out.push('\t');
        }
    }
    if out.trim().is_empty() {
        return Err(ReadError::Empty);
    }
    Ok(out)
}

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

/// Fonts a 公文 uses (the East Asian font of a run; Latin text falls back to Times New Roman).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Font {
    /// 方正小标宋简体: the issuing authority's mark and the title.
    XiaoBiaoSong,
    /// 仿宋_GB2312: the body.
    FangSong,
    /// 黑体: first-level headings.
    HeiTi,
}

impl Font {
    fn name(self) -> &'static str {
        match self {
            Font::XiaoBiaoSong => "方正小标宋简体",
            Font::FangSong => "仿宋_GB2312",
            Font::HeiTi => "黑体",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    Left,
    Center,
    Right,
    /// Justified on both sides (正文).
    Both,
}

/// One paragraph: a single run of text in one font, size and colour.
#[derive(Debug, Clone)]
pub struct Para {
    pub text: String,
    pub font: Font,
    /// Size in points (三号 16, 二号 22).
    pub size_pt: u32,
    pub bold: bool,
    /// `RRGGBB`, or black.
    pub color: Option<&'static str>,
    pub align: Align,
    /// First-line indent in characters of this paragraph's size (正文: 2).
    pub indent_chars: u32,
    /// A rule beneath the paragraph in this colour (the red line under the authority's mark).
    pub rule_below: Option<&'static str>,
    /// Space after the paragraph, in points.
    pub space_after_pt: u32,
}

impl Para {
    /// A body paragraph: 仿宋 三号, justified, indented two characters.
    pub fn body(text: impl Into<String>) -> Para {
        Para {
            text: text.into(),
            font: Font::FangSong,
            size_pt: 16,
            bold: false,
            color: None,
            align: Align::Both,
            indent_chars: 2,
            rule_below: None,
            space_after_pt: 0,
        }
    }
    pub fn align(mut self, a: Align) -> Para {
        self.align = a;
        if a != Align::Both {
            self.indent_chars = 0;
        }
        self
    }
    pub fn font(mut self, f: Font, size_pt: u32) -> Para {
        self.font = f;
        self.size_pt = size_pt;
        self
    }
    pub fn color(mut self, c: &'static str) -> Para {
        self.color = Some(c);
        self
    }
    pub fn rule_below(mut self, c: &'static str) -> Para {
        self.rule_below = Some(c);
        self
    }
    pub fn space_after(mut self, pt: u32) -> Para {
        self.space_after_pt = pt;
        self
    }
}

/// A document being written.
#[derive(Debug, Default)]
pub struct Docx {
    title: String,
    body: String,
}

fn escape(s: &str, out: &mut String) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            // Characters XML 1.0 does not allow (control characters other than tab).
            c if (c as u32) < 0x20 && c != '\t' => {}
            c => out.push(c),
        }
    }
}

// A4 and the GB/T 9704-2012 margins, in twentieths of a point: 天头 37 mm, 订口 28 mm, the type
// area 156 × 225 mm.
const PAGE_W: u32 = 11906;
const PAGE_H: u32 = 16838;
const MARGIN_TOP: u32 = 2098;
const MARGIN_BOTTOM: u32 = 1984;
const MARGIN_LEFT: u32 = 1588;
const MARGIN_RIGHT: u32 = 1474;
/// 22 lines to the page: a fixed line pitch of 28.9 pt.
const LINE_TWIPS: u32 = 578;

impl Docx {
    pub fn new(title: impl Into<String>) -> Docx {
        Docx {
            title: title.into(),
            body: String::new(),
        }
    }

    pub fn push(&mut self, p: Para) {
        let b = &mut self.body;
        b.push_str("<w:p><w:pPr>");
        if let Some(c) = p.rule_below {
            b.push_str(&format!(
                r#"<w:pBdr><w:bottom w:val="single" w:sz="12" w:space="6" w:color="{c}"/></w:pBdr>"#
            ));
        }
        // Titles and the authority's mark are larger than the pitch: let their lines grow.
        if p.size_pt > 16 {
            b.push_str(&format!(
                r#"<w:spacing w:after="{}" w:line="{}" w:lineRule="atLeast"/>"#,
                p.space_after_pt * 20,
                LINE_TWIPS
            ));
        } else {
            b.push_str(&format!(
                r#"<w:spacing w:after="{}" w:line="{}" w:lineRule="exact"/>"#,
                p.space_after_pt * 20,
                LINE_TWIPS
            ));
        }
        if p.indent_chars > 0 {
            b.push_str(&format!(
                r#"<w:ind w:firstLineChars="{}" w:firstLine="{}"/>"#,
                p.indent_chars * 100,
                p.indent_chars * p.size_pt * 20
            ));
        }
        let jc = match p.align {
            Align::Left => "left",
            Align::Center => "center",
            Align::Right => "right",
            Align::Both => "both",
        };
        b.push_str(&format!(r#"<w:jc w:val="{jc}"/></w:pPr>"#));
        if !p.text.is_empty() {
            let f = p.font.name();
            b.push_str(&format!(
                r#"<w:r><w:rPr><w:rFonts w:ascii="Times New Roman" w:hAnsi="Times New Roman" w:eastAsia="{f}"/>"#
            ));
            if p.bold {
                b.push_str("<w:b/>");
            }
            if let Some(c) = p.color {
                b.push_str(&format!(r#"<w:color w:val="{c}"/>"#));
            }
            let half = p.size_pt * 2;
            b.push_str(&format!(
                r#"<w:sz w:val="{half}"/><w:szCs w:val="{half}"/></w:rPr><w:t xml:space="preserve">"#
            ));
            escape(&p.text, b);
            b.push_str("</w:t></w:r>");
        }
        b.push_str("</w:p>");
    }

    /// A table across the type area: a header row (bold, repeated on each page) and rows, in
    /// 仿宋 `size_pt`, single black borders; `widths` are the columns' shares of the width.
    pub fn table(&mut self, headers: &[&str], widths: &[u32], rows: &[Vec<String>], size_pt: u32) {
        let area = PAGE_W - MARGIN_LEFT - MARGIN_RIGHT;
        let total: u32 = widths.iter().sum::<u32>().max(1);
        let cols: Vec<u32> = widths.iter().map(|w| area * w / total).collect();
        let b = &mut self.body;
        b.push_str(&format!(
            r#"<w:tbl><w:tblPr><w:tblW w:w="{area}" w:type="dxa"/><w:tblLayout w:type="fixed"/><w:tblBorders>"#
        ));
        for side in ["top", "left", "bottom", "right", "insideH", "insideV"] {
            b.push_str(&format!(
                r#"<w:{side} w:val="single" w:sz="4" w:space="0" w:color="000000"/>"#
            ));
        }
        b.push_str(r#"</w:tblBorders><w:tblCellMar><w:left w:w="80" w:type="dxa"/><w:right w:w="80" w:type="dxa"/></w:tblCellMar></w:tblPr><w:tblGrid>"#);
        for w in &cols {
            b.push_str(&format!(r#"<w:gridCol w:w="{w}"/>"#));
        }
        b.push_str("</w:tblGrid>");
        let half = size_pt * 2;
        let row = |cells: &[&str], header: bool, b: &mut String| {
            b.push_str("<w:tr>");
            if header {
                b.push_str("<w:trPr><w:tblHeader/></w:trPr>");
            }
            for (i, text) in cells.iter().enumerate() {
                let w = cols.get(i).copied().unwrap_or(0);
                b.push_str(&format!(
                    r#"<w:tc><w:tcPr><w:tcW w:w="{w}" w:type="dxa"/><w:vAlign w:val="center"/></w:tcPr><w:p><w:pPr><w:spacing w:before="40" w:after="40" w:line="{}" w:lineRule="atLeast"/><w:jc w:val="{}"/></w:pPr><w:r><w:rPr><w:rFonts w:ascii="Times New Roman" w:hAnsi="Times New Roman" w:eastAsia="{}"/>{}<w:sz w:val="{half}"/><w:szCs w:val="{half}"/></w:rPr><w:t xml:space="preserve">"#,
                    size_pt * 20 + 60,
                    if header { "center" } else { "left" },
                    if header { Font::HeiTi.name() } else { Font::FangSong.name() },
                    if header { "<w:b/>" } else { "" },
                ));
                escape(text, b);
                b.push_str("</w:t></w:r></w:p></w:tc>");
            }
            b.push_str("</w:tr>");
        };
        row(headers, true, b);
        for r in rows {
            let cells: Vec<&str> = r.iter().map(String::as_str).collect();
            row(&cells, false, b);
        }
        b.push_str("</w:tbl>");
    }

    /// An empty line of body size.
    pub fn blank(&mut self) {
        self.push(Para::body("").align(Align::Left));
    }

    /// The document as DOCX bytes.
    pub fn finish(self) -> Result<Vec<u8>, zip::result::ZipError> {
        let mut document = String::with_capacity(self.body.len() + 1024);
        document.push_str(
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>"#,
        );
        document.push_str(&self.body);
        document.push_str(&format!(
            r#"<w:sectPr><w:pgSz w:w="{PAGE_W}" w:h="{PAGE_H}"/><w:pgMar w:top="{MARGIN_TOP}" w:right="{MARGIN_RIGHT}" w:bottom="{MARGIN_BOTTOM}" w:left="{MARGIN_LEFT}" w:header="851" w:footer="992" w:gutter="0"/><w:docGrid w:type="lines" w:linePitch="{LINE_TWIPS}"/></w:sectPr></w:body></w:document>"#
        ));
        let mut title = String::new();
        escape(&self.title, &mut title);
        let core = format!(
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>{title}</dc:title><dc:language>zh-CN</dc:language></cp:coreProperties>"#
        );
        let parts: [(&str, &str); 6] = [
            ("[Content_Types].xml", CONTENT_TYPES),
            ("_rels/.rels", RELS),
            ("word/_rels/document.xml.rels", DOCUMENT_RELS),
            ("word/styles.xml", STYLES),
            ("word/document.xml", &document),
            ("docProps/core.xml", &core),
        ];
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let opts =
            SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
        for (name, text) in parts {
            zip.start_file(name, opts)?;
            zip.write_all(text.as_bytes())?;
        }
        Ok(zip.finish()?.into_inner())
    }
}

const CONTENT_TYPES: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/><Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/><Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/></Types>"#;

const RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/></Relationships>"#;

const DOCUMENT_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>"#;

const STYLES: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:styles xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:docDefaults><w:rPrDefault><w:rPr><w:rFonts w:ascii="Times New Roman" w:hAnsi="Times New Roman" w:eastAsia="仿宋_GB2312"/><w:sz w:val="32"/><w:szCs w:val="32"/><w:lang w:val="en-US" w:eastAsia="zh-CN"/></w:rPr></w:rPrDefault><w:pPrDefault><w:pPr><w:spacing w:after="0" w:line="578" w:lineRule="exact"/></w:pPr></w:pPrDefault></w:docDefaults><w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/></w:style></w:styles>"#;

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn a_document_is_a_zip_with_escaped_text() -> Result<(), Box<dyn std::error::Error>> {
        let mut d = Docx::new("关于A&B的函");
        d.push(
            Para::body("某某人民法院")
                .font(Font::XiaoBiaoSong, 26)
                .color("C00000")
                .align(Align::Center)
                .rule_below("C00000"),
        );
        d.push(Para::body("x < y & \u{1}z"));
        let bytes = d.finish()?;
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes))?;
        let mut doc = String::new();
        zip.by_name("word/document.xml")?.read_to_string(&mut doc)?;
        assert!(doc.contains("x &lt; y &amp; z"));
        assert!(doc.contains(r#"w:eastAsia="方正小标宋简体""#));
        assert!(doc.contains(r#"<w:color w:val="C00000"/>"#));
        assert!(doc.contains(r#"w:firstLineChars="200""#));
        assert!(doc.contains(r#"<w:pgSz w:w="11906" w:h="16838"/>"#));
        let mut core = String::new();
        zip.by_name("docProps/core.xml")?
            .read_to_string(&mut core)?;
        assert!(core.contains("关于A&amp;B的函"));
        assert!(zip.by_name("[Content_Types].xml").is_ok());
        Ok(())
    }
}
