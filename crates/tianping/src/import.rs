//! `tianping import FILE`: JSONL (one event per line) or CSV, streamed in batches through the
//! single write path with a progress bar. A malformed line is reported with its line number and
//! reason; everything else goes on (see `tianping_store::ingest` for the atomicity contract).
//!
//! CSV columns: `source,source_event_id,case_number,kind,occurred_at,corrects,payload`, where
//! `payload` is a JSON object with the event's remaining fields (may be empty for events without
//! fields).

use anyhow::{Context, Result, bail};
use chrono::{DateTime, Utc};
use indicatif::{ProgressBar, ProgressStyle};
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use tianping_domain::EventRecord;
use tianping_store::{Actor, IngestReport, Numbered, Rejection, Store};

const BATCH: usize = 20_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Jsonl,
    Csv,
}

impl Format {
    pub fn from_path(p: &Path) -> Result<Format> {
        match p
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            Some("jsonl") | Some("ndjson") | Some("json") => Ok(Format::Jsonl),
            Some("csv") => Ok(Format::Csv),
            _ => bail!(
                "cannot tell the format of {} from its extension: use .jsonl or .csv, or pass --format",
                p.display()
            ),
        }
    }
}

fn malformed(line: u64, reason: String) -> Rejection {
    Rejection {
        line,
        source_event_id: String::new(),
        case_number: String::new(),
        code: "malformed",
        field: String::new(),
        reason,
    }
}

/// Turns one CSV record into an event record.
pub fn csv_record(rec: &csv::StringRecord) -> std::result::Result<EventRecord, String> {
    let get = |i: usize, name: &str| {
        rec.get(i)
            .map(str::trim)
            .ok_or_else(|| format!("missing column {name}"))
    };
    let mut obj = match get(6, "payload")? {
        "" => serde_json::Map::new(),
        p => match serde_json::from_str::<serde_json::Value>(p) {
            Ok(serde_json::Value::Object(m)) => m,
            Ok(_) => return Err("column payload must be a JSON object".into()),
            Err(e) => return Err(format!("column payload: {e}")),
        },
    };
    for (i, name) in [
        (0, "source"),
        (1, "source_event_id"),
        (2, "case_number"),
        (3, "kind"),
        (4, "occurred_at"),
    ] {
        let v = get(i, name)?;
        if v.is_empty() && name != "source" {
            return Err(format!("column {name} is empty"));
        }
        if !v.is_empty() {
            obj.insert(name.into(), serde_json::Value::String(v.into()));
        }
    }
    if let Ok(c) = get(5, "corrects")
        && !c.is_empty()
    {
        obj.insert("corrects".into(), serde_json::Value::String(c.into()));
    }
    serde_json::from_value(serde_json::Value::Object(obj)).map_err(|e| e.to_string())
}

/// Imports a file; returns the merged report.
/// Opens a file for import behind a progress bar over its bytes (hidden when `quiet`).
pub fn progress_reader(
    path: &Path,
    quiet: bool,
) -> Result<(ProgressBar, indicatif::ProgressBarIter<std::fs::File>)> {
    let file = std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
    let bar = if quiet {
        ProgressBar::hidden()
    } else {
        ProgressBar::new(size)
    };
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {wide_bar} {bytes}/{total_bytes} {msg}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let reader = bar.wrap_read(file);
    Ok((bar, reader))
}

pub async fn import_file(
    store: &Store,
    path: &Path,
    format: Format,
    now: DateTime<Utc>,
    quiet: bool,
) -> Result<IngestReport> {
    let (bar, reader) = progress_reader(path, quiet)?;
    let actor = Actor::system(format!(
        "import:{}",
        path.file_name().and_then(|n| n.to_str()).unwrap_or("file")
    ));
    let mut report = IngestReport::default();
    let mut batch: Vec<Numbered> = Vec::with_capacity(BATCH);
    let flush = async |batch: &mut Vec<Numbered>, report: &mut IngestReport| -> Result<()> {
        if batch.is_empty() {
            return Ok(());
        }
        let first = batch.first().map_or(0, |n| n.line);
        let r = store
            .ingest(batch, &actor, now)
            .await
            .with_context(|| format!("writing the batch starting at line {first}"))?;
        report.merge(r);
        batch.clear();
        Ok(())
    };
    match format {
        Format::Jsonl => {
            for line in crate::lines::lines(BufReader::new(reader)) {
                let (n, line) = line.context("reading the file")?;
                let line = match line {
                    Ok(l) => l,
                    Err(e) => {
                        report.rejected.push(malformed(n, e));
                        continue;
                    }
                };
                if line.trim().is_empty() {
                    continue;
                }
                match serde_json::from_str::<EventRecord>(&line) {
                    Ok(record) => batch.push(Numbered { line: n, record }),
                    Err(e) => report
                        .rejected
                        .push(malformed(n, format!("JSON 无效：{e}"))),
                }
                if batch.len() >= BATCH {
                    flush(&mut batch, &mut report).await?;
                    bar.set_message(format!(
                        "accepted {} rejected {}",
                        report.accepted,
                        report.rejected.len()
                    ));
                }
            }
        }
        Format::Csv => {
            // A UTF-8 byte-order mark before the header is skipped.
            let mut reader = BufReader::new(reader);
            if reader.fill_buf()?.starts_with(b"\xEF\xBB\xBF") {
                reader.consume(3);
            }
            let mut rdr = csv::ReaderBuilder::new()
                .has_headers(true)
                .flexible(true)
                .from_reader(Box::new(reader) as Box<dyn Read>);
            let headers = rdr.headers().context("reading the CSV header")?.clone();
            let expected = [
                "source",
                "source_event_id",
                "case_number",
                "kind",
                "occurred_at",
                "corrects",
                "payload",
            ];
            let got: Vec<&str> = headers.iter().map(str::trim).collect();
            if got != expected {
                bail!(
                    "line 1: CSV header must be {}, got {}",
                    expected.join(","),
                    got.join(",")
                );
            }
            for rec in rdr.records() {
                match rec {
                    Ok(r) => {
                        let n = r.position().map_or(0, |p| p.line());
                        match csv_record(&r) {
                            Ok(record) => batch.push(Numbered { line: n, record }),
                            Err(e) => report.rejected.push(malformed(n, e)),
                        }
                    }
                    Err(e) => {
                        let n = e.position().map_or(0, |p| p.line());
                        report.rejected.push(malformed(n, format!("CSV 无效：{e}")));
                    }
                }
                if batch.len() >= BATCH {
                    flush(&mut batch, &mut report).await?;
                    bar.set_message(format!(
                        "accepted {} rejected {}",
                        report.accepted,
                        report.rejected.len()
                    ));
                }
            }
        }
    }
    flush(&mut batch, &mut report).await?;
    // The batches' changes to the metric totals, folded now rather than at the next worker
    // tick (the dashboards are exact either way; folded, they read fewer rows).
    store
        .fold_metrics(now)
        .await
        .context("adding the imported events to the metric totals")?;
    bar.finish_and_clear();
    report.rejected.sort_by_key(|r| r.line);
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_rows_become_events() {
        let mut rdr = csv::ReaderBuilder::new().has_headers(false).from_reader(
            "s,e1,（2026）浙0102民初1号,suspended,2026-03-05T09:00:00+08:00,,\"{\"\"reason\"\":\"\"等待\"\",\"\"approver\"\":{\"\"name\"\":\"\"院长\"\",\"\"role\"\":\"\"president\"\"}}\"\n\
             s,e2,（2026）浙0102民初1号,resumed,2026-03-06T09:00:00+08:00,,\n\
             s,e3,（2026）浙0102民初1号,resumed,,,\n"
                .as_bytes(),
        );
        let rows: Vec<_> = rdr.records().map(|r| r.expect("row")).collect();
        assert_eq!(csv_record(&rows[0]).map(|r| r.body.kind()), Ok("suspended"));
        assert_eq!(csv_record(&rows[1]).map(|r| r.body.kind()), Ok("resumed"));
        assert_eq!(
            csv_record(&rows[2]).err().as_deref(),
            Some("column occurred_at is empty")
        );
    }
}

#[cfg(test)]
mod file_tests {
    use super::*;
    use chrono::TimeZone;
    use tianping_store::testing::{TestDb, load_fixture_orgs};

    const GOOD_AND_BAD: &str = r#"{"source":"f","source_event_id":"1","case_number":"（2026）浙0102民初1号","occurred_at":"2026-03-02T09:00:00+08:00","kind":"filed","cause":"买卖合同纠纷"}
{"source":"f","source_event_id":"2","case_number":"（2026）浙0102民初1号","occurred_at":"2026-03-03T09:00:00+08:00","kind":"assigned","judge":"张法官"}
this is not json

{"source":"f","source_event_id":"3","case_number":"（2026）浙0102民初1号","occurred_at":"2026-03-04T09:00:00+08:00","kind":"excluded_period_ended","period":"appraisal"}
{"source":"f","source_event_id":"4","case_number":"（2026）浙0102民初1号","occurred_at":"2026-03-04T09:00:00+08:00","kind":"hearing_held","extra_field":1}
{"source":"f","source_event_id":"5","case_number":"（2026）浙0102民初1号","occurred_at":"2026-03-05T09:00:00+08:00","kind":"hearing_held"}
"#;

    #[tokio::test]
    async fn a_file_with_bad_lines_keeps_the_good_ones_on_both_stores() {
        let now = Utc
            .with_ymd_and_hms(2026, 6, 1, 0, 0, 0)
            .single()
            .expect("date");
        let dir = std::env::temp_dir().join(format!("tp_import_{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let jsonl = dir.join("events.jsonl");
        std::fs::write(&jsonl, GOOD_AND_BAD).expect("write");
        let csv = dir.join("events.csv");
        std::fs::write(
            &csv,
            "source,source_event_id,case_number,kind,occurred_at,corrects,payload\n\
             c,1,（2026）浙0106民初1号,filed,2026-03-02T09:00:00+08:00,,\"{\"\"cause\"\":\"\"劳动争议\"\"}\"\n\
             c,2,（2026）浙0106民初1号,hearing_held,not-a-date,,\n\
             c,3,（2026）浙0106民初1号,hearing_held,2026-03-09T09:00:00+08:00,,\n",
        )
        .expect("write");
        for db in TestDb::all().await.expect("dbs") {
            load_fixture_orgs(&db.store).await.expect("orgs");
            let r = import_file(&db.store, &jsonl, Format::Jsonl, now, true)
                .await
                .expect("import");
            let lines: Vec<(u64, &str)> = r.rejected.iter().map(|x| (x.line, x.code)).collect();
            assert_eq!(
                lines,
                vec![
                    (3, "malformed"),
                    (5, "excluded_period_not_open"),
                    (6, "malformed")
                ],
                "[{}]",
                db.label
            );
            assert_eq!(r.accepted, 3, "[{}]", db.label);
            assert_eq!(
                db.store.counts().await.expect("counts"),
                (1, 3),
                "[{}] good lines kept, nothing half-written",
                db.label
            );
            // Re-running the same file adds nothing.
            let again = import_file(&db.store, &jsonl, Format::Jsonl, now, true)
                .await
                .expect("import");
            assert_eq!((again.accepted, again.duplicates), (0, 3), "[{}]", db.label);
            let r = import_file(&db.store, &csv, Format::Csv, now, true)
                .await
                .expect("csv import");
            assert_eq!(
                (
                    r.accepted,
                    r.rejected
                        .iter()
                        .map(|x| (x.line, x.code))
                        .collect::<Vec<_>>()
                ),
                (2, vec![(3, "malformed")]),
                "[{}]",
                db.label
            );
            assert_eq!(
                db.store.counts().await.expect("counts"),
                (2, 5),
                "[{}]",
                db.label
            );
            db.cleanup().await.expect("cleanup");
        }
        let bad_header = dir.join("bad.csv");
        std::fs::write(&bad_header, "a,b,c\n1,2,3\n").expect("write");
        let db = TestDb::sqlite().await.expect("db");
        let e = import_file(&db.store, &bad_header, Format::Csv, now, true)
            .await
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(e.contains("line 1") && e.contains("header"), "{e}");
        db.cleanup().await.expect("cleanup");
        let _ = std::fs::remove_dir_all(dir);
    }

    /// The low finding: a UTF-8 BOM failed line 1 with an unhelpful message, and one invalid
    /// UTF-8 line aborted the whole file.
    #[tokio::test]
    async fn a_bom_and_an_invalid_utf8_line_lose_nothing_else() {
        let now = Utc
            .with_ymd_and_hms(2026, 6, 1, 0, 0, 0)
            .single()
            .expect("date");
        let dir = std::env::temp_dir().join(format!("tp_import_bom_{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let jsonl = dir.join("bom.jsonl");
        let mut bytes = b"\xEF\xBB\xBF".to_vec();
        let lines = GOOD_AND_BAD.lines().take(2).collect::<Vec<_>>();
        bytes.extend_from_slice(lines[0].as_bytes());
        bytes.extend_from_slice(b"\r\n{\"source\":\"f\",\"x\":\"\xFF\xFE\"}\r\n");
        bytes.extend_from_slice(lines[1].as_bytes());
        bytes.push(b'\n');
        std::fs::write(&jsonl, bytes).expect("write");
        let csv = dir.join("bom.csv");
        let mut c = b"\xEF\xBB\xBF".to_vec();
        c.extend_from_slice(
            "source,source_event_id,case_number,kind,occurred_at,corrects,payload\n\
             c,1,（2026）浙0106民初1号,filed,2026-03-02T09:00:00+08:00,,\"{\"\"cause\"\":\"\"劳动争议\"\"}\"\n"
                .as_bytes(),
        );
        std::fs::write(&csv, c).expect("write");
        for db in TestDb::all().await.expect("dbs") {
            load_fixture_orgs(&db.store).await.expect("orgs");
            let r = import_file(&db.store, &jsonl, Format::Jsonl, now, true)
                .await
                .expect("one bad line does not abort the file");
            assert_eq!(r.accepted, 2, "[{}] {:?}", db.label, r.rejected);
            assert_eq!(r.rejected.len(), 1, "[{}]", db.label);
            assert_eq!(r.rejected[0].line, 2);
            assert!(r.rejected[0].reason.contains("UTF-8"), "{:?}", r.rejected);
            let r = import_file(&db.store, &csv, Format::Csv, now, true)
                .await
                .expect("a BOM before the CSV header is fine");
            assert_eq!(r.accepted, 1, "[{}] {:?}", db.label, r.rejected);
            db.cleanup().await.expect("cleanup");
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}
