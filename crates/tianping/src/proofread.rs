//! `tianping proofread FILE…`: proofreads judgments (UTF-8 text or DOCX) with the domain's checks
//! (`tianping_domain::proofread`) and prints each finding — where it is, why, the fix — or, with
//! `--json`, one JSON object per document: `{"id", "findings": [{"kind", "rule", "start", "end",
//! "text", "message", "suggestion"}]}`, offsets in characters.

use anyhow::{Context, Result, bail};
use std::path::Path;
use tianping_domain::proofread::{Finding, proofread};

/// The text of a document: a DOCX's paragraphs (one per line), or the file as UTF-8 text.
pub(crate) fn document_text(path: &Path) -> Result<String> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    if bytes.starts_with(b"PK") {
        return tianping_server::docx::read_text(&bytes)
            .with_context(|| format!("{} (DOCX)", path.display()));
    }
    String::from_utf8(bytes).map_err(|e| {
        anyhow::anyhow!(
            "{}: not UTF-8 text (invalid byte at offset {}); save it as UTF-8 text or DOCX",
            path.display(),
            e.utf8_error().valid_up_to()
        )
    })
}

fn line(f: &Finding) -> String {
    let fix = f
        .suggestion
        .as_deref()
        .map_or(String::new(), |s| format!("（建议改为“{s}”）"));
    format!(
        "  第{}–{}字 [{} {}] “{}”：{}{fix}",
        f.start + 1,
        f.end,
        f.rule,
        f.kind.as_str(),
        f.text,
        f.message
    )
}

/// Proofreads each file; a file that cannot be read is reported and the others go on.
pub(crate) fn run(files: &[std::path::PathBuf], json: bool) -> Result<()> {
    let mut failed = 0;
    for path in files {
        let id = path.file_name().map_or_else(
            || path.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        let text = match document_text(path) {
            Ok(t) => t,
            Err(e) => {
                eprintln!("{e:#}");
                failed += 1;
                continue;
            }
        };
        let findings = proofread(&text);
        if json {
            println!("{}", serde_json::json!({ "id": id, "findings": findings }));
        } else {
            println!("{id}：{} 处", findings.len());
            for f in &findings {
                println!("{}", line(f));
            }
        }
    }
    if failed > 0 {
        bail!("{failed} of {} files could not be read", files.len());
    }
    Ok(())
}
