//! `tianping import-judgments FILE`: prior judgments for similar-case retrieval, one JSON object
//! per line (gzip accepted, by the `.gz` extension), in the schema of LeCaRD's candidates:
//! `{"cid": "…", "text": "…", "fact"?, "reasoning"?, "judgment"?, "title"?, "doc_name"?,
//! "charges"?: […]}` (`id` may stand for `cid`). A malformed line is reported with its line
//! number and field and skipped; everything else is stored, in batches, idempotently by
//! (source, id).

use anyhow::{Context, Result};
use chrono::{DateTime, Utc};
use indicatif::ProgressBar;
use serde::Deserialize;
use std::io::{BufReader, Read};
use std::path::Path;
use tianping_store::Store;
use tianping_store::judgments::{JudgmentImport, NewJudgment};

const BATCH: usize = 500;

#[derive(Deserialize)]
struct Line {
    #[serde(alias = "id")]
    cid: Option<serde_json::Value>,
    text: Option<String>,
    #[serde(default)]
    fact: Option<String>,
    #[serde(default)]
    reasoning: Option<String>,
    #[serde(default)]
    judgment: Option<String>,
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    doc_name: Option<String>,
    #[serde(default)]
    charges: Vec<String>,
}

/// A refused line: where and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    pub line: u64,
    pub field: &'static str,
    pub reason: String,
}

fn parse(line: &str, n: u64) -> std::result::Result<NewJudgment, Refused> {
    let refuse = |field: &'static str, reason: String| Refused {
        line: n,
        field,
        reason,
    };
    let l: Line = serde_json::from_str(line).map_err(|e| refuse("", format!("not JSON: {e}")))?;
    let id = match l.cid {
        Some(serde_json::Value::String(s)) if !s.trim().is_empty() => s.trim().to_string(),
        Some(serde_json::Value::Number(x)) => x.to_string(),
        _ => return Err(refuse("cid", "missing: every judgment needs its id".into())),
    };
    let text = l
        .text
        .filter(|t| !t.trim().is_empty())
        .ok_or_else(|| refuse("text", "missing or empty: the judgment's full text".into()))?;
    let title = l
        .title
        .or(l.doc_name)
        .filter(|t| !t.trim().is_empty())
        .unwrap_or_else(|| text.chars().take(30).collect());
    Ok(NewJudgment {
        source_id: id,
        title,
        text,
        fact: l.fact,
        reasoning: l.reasoning,
        judgment: l.judgment,
        charges: l.charges,
    })
}

/// The slice of LeCaRD's candidates the demo ships (451 criminal judgments of the demo's common
/// charges; `data/judgments/`, MIT licence beside it).
const DEMO_SLICE: &[u8] = include_bytes!("../../../data/judgments/lecard-slice.jsonl.gz");

/// Imports the demo's slice of real judgments.
pub async fn import_demo_slice(
    store: &Store,
    now: DateTime<Utc>,
) -> Result<(JudgmentImport, Vec<Refused>)> {
    import_reader(
        store,
        Box::new(flate2::read::GzDecoder::new(DEMO_SLICE)),
        "lecard",
        now,
        &ProgressBar::hidden(),
    )
    .await
}

pub async fn import_file(
    store: &Store,
    path: &Path,
    source: &str,
    now: DateTime<Utc>,
    quiet: bool,
) -> Result<(JudgmentImport, Vec<Refused>)> {
    let (bar, raw) = crate::import::progress_reader(path, quiet)?;
    let reader: Box<dyn Read> = if path.extension().is_some_and(|e| e == "gz") {
        Box::new(flate2::read::GzDecoder::new(raw))
    } else {
        Box::new(raw)
    };
    import_reader(store, reader, source, now, &bar).await
}

async fn import_reader(
    store: &Store,
    reader: Box<dyn Read>,
    source: &str,
    now: DateTime<Utc>,
    bar: &ProgressBar,
) -> Result<(JudgmentImport, Vec<Refused>)> {
    let mut total = JudgmentImport::default();
    let mut refused = vec![];
    let mut batch = Vec::with_capacity(BATCH);
    for line in crate::lines::lines(BufReader::new(reader)) {
        let (n, line) = line.context("reading the file")?;
        let line = match line {
            Ok(l) => l,
            Err(reason) => {
                refused.push(Refused {
                    line: n,
                    field: "line",
                    reason,
                });
                continue;
            }
        };
        if line.trim().is_empty() {
            continue;
        }
        match parse(&line, n) {
            Ok(j) => batch.push(j),
            Err(r) => refused.push(r),
        }
        if batch.len() >= BATCH {
            let r = store
                .import_judgments(source, &batch, now)
                .await
                .with_context(|| format!("storing the judgments before line {n}"))?;
            total.inserted += r.inserted;
            total.duplicates += r.duplicates;
            bar.set_message(format!("{} stored", total.inserted));
            batch.clear();
        }
    }
    let r = store.import_judgments(source, &batch, now).await?;
    total.inserted += r.inserted;
    total.duplicates += r.duplicates;
    bar.finish_and_clear();
    Ok((total, refused))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_lines_name_their_line_and_field() {
        assert_eq!(parse("{", 3).unwrap_err().line, 3);
        assert_eq!(parse(r#"{"text": "x"}"#, 1).unwrap_err().field, "cid");
        assert_eq!(
            parse(r#"{"cid": "1", "text": " "}"#, 1).unwrap_err().field,
            "text"
        );
        let ok = parse(
            r#"{"cid": 7, "text": "某某人民法院 刑事判决书", "charges": ["盗窃罪"]}"#,
            1,
        )
        .unwrap();
        assert_eq!(ok.source_id, "7");
        assert_eq!(ok.charges, vec!["盗窃罪"]);
    }
}
