//! Every SQL write of the store, listed from its source, against the ledger: a statement that
//! writes a recorded column of a ledgered table must sit in a function that appends the leaf
//! through the write path (`Write::record`, `Write::record_all`, or the bulk appender of
//! ingest). Forgetting the leaf compiles; it fails here.
//!
//! The list is built by reading the crate's source: SQL string literals (`INSERT INTO t`,
//! `UPDATE t SET …`, `DELETE FROM t`) and the bulk helpers' table arguments
//! (`bulk_insert(…, "t", …)`). A statement belongs to the function whose `fn` line precedes it.

use std::collections::BTreeMap;
mod source;
use source::{rust_files, without_tests};
use std::path::{Path, PathBuf};
use tianping_store::ledger::{entities, entity};

/// One SQL write found in the source.
#[derive(Debug, Clone)]
struct SqlWrite {
    file: String,
    line: usize,
    function: String,
    table: String,
    /// `insert`, `update`, `delete` (bulk helpers insert).
    kind: &'static str,
    /// For updates: the columns assigned in `SET`.
    sets: Vec<String>,
    /// Whether the enclosing function appends leaves through the write path.
    records: bool,
}

/// Functions that write a ledgered table's recorded columns without recording the leaf
/// themselves, each with the reason it is right. Empty today; an entry needs a reason a reviewer
/// accepts.
const NOT_RECORDED_HERE: &[(&str, &str, &str)] = &[];

/// String literals of Rust source with their byte offsets (comments skipped).
fn literals(src: &str) -> Vec<(usize, String)> {
    let b = src.as_bytes();
    let mut out = vec![];
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'/' if b.get(i + 1) == Some(&b'/') => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'\'' => {
                // A char literal ('"', '\'') or a lifetime: skip a char literal whole.
                if b.get(i + 1) == Some(&b'\\') && b.get(i + 3) == Some(&b'\'') {
                    i += 4;
                } else if b.get(i + 2) == Some(&b'\'') {
                    i += 3;
                } else {
                    i += 1;
                }
            }
            b'"' => {
                let start = i;
                i += 1;
                let mut s = String::new();
                while i < b.len() && b[i] != b'"' {
                    if b[i] == b'\\' {
                        i += 1;
                    }
                    if i < b.len() {
                        s.push(b[i] as char);
                    }
                    i += 1;
                }
                i += 1;
                out.push((start, s));
            }
            _ => i += 1,
        }
    }
    out
}

/// `fn` definitions: (byte offset, name), in order.
fn functions(src: &str) -> Vec<(usize, String)> {
    let mut out = vec![];
    let mut at = 0;
    for line in src.split_inclusive('\n') {
        let t = line.trim_start();
        let t = t.strip_prefix("pub(crate) ").unwrap_or(t);
        let t = t.strip_prefix("pub(super) ").unwrap_or(t);
        let t = t.strip_prefix("pub ").unwrap_or(t);
        let t = t.strip_prefix("async ").unwrap_or(t);
        if let Some(rest) = t.strip_prefix("fn ") {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            out.push((at, name));
        }
        at += line.len();
    }
    out
}

fn ident_after<'a>(s: &'a str, kw: &str) -> Option<(&'a str, &'a str)> {
    let upper = s.to_ascii_uppercase();
    let i = upper.find(kw)?;
    let rest = s[i + kw.len()..].trim_start();
    let n = rest
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(rest.len());
    Some((&rest[..n], &rest[n..]))
}

/// The columns assigned by `SET a = …, b = …` up to `WHERE` / `RETURNING`.
fn set_columns(after_table: &str) -> Vec<String> {
    let upper = after_table.to_ascii_uppercase();
    let Some(s) = upper.find("SET") else {
        return vec![];
    };
    let end = ["WHERE", "RETURNING", "FROM"]
        .iter()
        .filter_map(|k| upper[s..].find(k).map(|e| s + e))
        .min()
        .unwrap_or(after_table.len());
    let clause = &after_table[s + 3..end];
    let mut cols = vec![];
    let mut depth = 0;
    let mut cur = String::new();
    for c in clause.chars() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                cols.push(std::mem::take(&mut cur));
                continue;
            }
            _ => {}
        }
        cur.push(c);
    }
    cols.push(cur);
    cols.iter()
        .filter_map(|a| a.split('=').next())
        .map(|c| c.trim().to_string())
        .filter(|c| !c.is_empty())
        .collect()
}

fn line_of(src: &str, at: usize) -> usize {
    src[..at].matches('\n').count() + 1
}

/// Every SQL write in the files under `dir`.
fn sql_writes(dir: &Path) -> Vec<SqlWrite> {
    let mut files = vec![];
    rust_files(dir, &mut files);
    files.sort();
    let mut out = vec![];
    for f in files {
        let full = std::fs::read_to_string(&f).expect("read source");
        let src = without_tests(&full);
        let fns = functions(src);
        let body_of = |at: usize| -> (String, &str) {
            let k = fns.partition_point(|(o, _)| *o <= at);
            if k == 0 {
                return (String::from("(top level)"), "");
            }
            let start = fns[k - 1].0;
            let end = fns.get(k).map_or(src.len(), |(o, _)| *o);
            (fns[k - 1].1.clone(), &src[start..end])
        };
        let rel = f
            .strip_prefix(dir)
            .unwrap_or(&f)
            .to_string_lossy()
            .into_owned();
        let mut push = |at: usize, table: &str, kind: &'static str, sets: Vec<String>| {
            let (function, body) = body_of(at);
            let records = [".record(", ".record_all(", ".appender()"]
                .iter()
                .any(|m| body.contains(m));
            out.push(SqlWrite {
                file: rel.clone(),
                line: line_of(src, at),
                function,
                table: table.to_string(),
                kind,
                sets,
                records,
            });
        };
        for (at, lit) in literals(src) {
            let upper = lit.to_ascii_uppercase();
            let trimmed = upper.trim_start();
            if trimmed.starts_with("INSERT INTO") || upper.contains(" INSERT INTO ") {
                if let Some((t, _)) = ident_after(&lit, "INSERT INTO") {
                    push(at, t, "insert", vec![]);
                }
            } else if trimmed.starts_with("UPDATE ") {
                if let Some((t, rest)) = ident_after(&lit, "UPDATE") {
                    push(at, t, "update", set_columns(rest));
                }
            } else if trimmed.starts_with("DELETE FROM")
                && let Some((t, _)) = ident_after(&lit, "DELETE FROM")
            {
                push(at, t, "delete", vec![]);
            }
        }
        // The bulk helpers take the table as an argument.
        for helper in ["bulk_insert(", "bulk_write("] {
            let mut from = 0;
            while let Some(i) = src[from..].find(helper) {
                let at = from + i;
                from = at + helper.len();
                let before = &src[..at];
                if before.ends_with("fn ") {
                    continue;
                }
                let args = &src[from..(from + 400).min(src.len())];
                if let Some(q) = args.find('"') {
                    let name: String = args[q + 1..]
                        .chars()
                        .take_while(|c| c.is_alphanumeric() || *c == '_')
                        .collect();
                    let closes_first = args[..q].contains(')');
                    if !name.is_empty() && !closes_first {
                        push(at, &name, "insert", vec![]);
                    }
                }
            }
        }
    }
    out
}

/// Whether a write changes what the ledger records about a row.
fn changes_recorded(w: &SqlWrite) -> bool {
    let Some(e) = entity(&w.table) else {
        return false;
    };
    match w.kind {
        "update" => w.sets.is_empty() || w.sets.iter().any(|c| e.columns.contains(&c.as_str())),
        _ => true,
    }
}

fn store_src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

#[test]
fn every_write_of_a_ledgered_table_records_its_leaf() {
    let writes = sql_writes(&store_src());
    // The scanner sees the writes it must: a sanity floor, and known statements by table.
    assert!(writes.len() > 80, "only {} SQL writes found", writes.len());
    for t in [
        "events",
        "case_flags",
        "supervision_items",
        "users",
        "clock_changes",
    ] {
        assert!(writes.iter().any(|w| w.table == t), "no write of {t} found");
    }
    // The list itself, for a reader (`cargo test --test writes -- --nocapture`).
    for w in &writes {
        let leaf = match (changes_recorded(w), w.records) {
            (false, _) => "not ledgered",
            (true, true) => "leaf recorded",
            (true, false) => "NO LEAF",
        };
        eprintln!(
            "{:<28} {:>5}  {:<34} {:<6} {:<22} {}",
            w.file, w.line, w.function, w.kind, w.table, leaf
        );
    }
    let mut missing = vec![];
    let mut per_table: BTreeMap<&str, usize> = BTreeMap::new();
    for w in &writes {
        *per_table.entry(w.table.as_str()).or_default() += 1;
        if !changes_recorded(w) || w.records {
            continue;
        }
        if NOT_RECORDED_HERE
            .iter()
            .any(|(f, func, _)| *f == w.file && *func == w.function)
        {
            continue;
        }
        missing.push(format!(
            "{}:{} fn {} — {} {} {:?} writes a ledgered table without recording a leaf",
            w.file, w.line, w.function, w.kind, w.table, w.sets
        ));
    }
    assert!(missing.is_empty(), "{}", missing.join("\n"));
    // Rows of ledgered tables are never deleted: the log would prove a row that is gone.
    let deletes: Vec<_> = writes
        .iter()
        .filter(|w| w.kind == "delete" && entity(&w.table).is_some())
        .map(|w| format!("{}:{} DELETE FROM {}", w.file, w.line, w.table))
        .collect();
    assert!(deletes.is_empty(), "{}", deletes.join("\n"));
    // Every ledgered table is written somewhere (else the entity list is stale).
    for e in entities() {
        assert!(
            per_table.contains_key(e.table),
            "{} is never written",
            e.table
        );
    }
}

#[test]
fn leaves_are_appended_only_through_the_write_path() {
    let mut files = vec![];
    rust_files(&store_src(), &mut files);
    let mut found = vec![];
    for f in files {
        let rel = f
            .strip_prefix(store_src())
            .unwrap_or(&f)
            .to_string_lossy()
            .into_owned();
        if rel == "write.rs" || rel.starts_with("ledger") {
            continue;
        }
        let src = std::fs::read_to_string(&f).expect("read source");
        for needle in ["ledger::record(", "Appender::open(", "ledger::append("] {
            if src.contains(needle) {
                found.push(format!("{rel} calls {needle}"));
            }
        }
        // Transactions that write start as a `Write` (`Store::write`), not a bare `begin()`;
        // the migrations are the one exception (they create the tables).
        if src.contains(".begin()") && rel != "lib.rs" {
            found.push(format!("{rel} begins a transaction outside the write path"));
        }
    }
    assert!(found.is_empty(), "{}", found.join("\n"));
}

#[test]
fn the_scanner_finds_a_forgotten_leaf() {
    let dir = std::env::temp_dir().join(format!("tianping-writes-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    std::fs::write(
        dir.join("x.rs"),
        r#"
impl Store {
    pub async fn forgets(&self) -> Result<()> {
        let mut w = self.write(now).await?;
        sqlx::query("UPDATE case_flags SET cleared_at = $1 WHERE id = $2").execute(&mut *w).await?;
        w.commit().await
    }
    pub async fn remembers(&self) -> Result<()> {
        let mut w = self.write(now).await?;
        sqlx::query("INSERT INTO case_flags (case_id) VALUES ($1)").execute(&mut *w).await?;
        w.record(Command::FlagRaised, id).await?;
        w.commit().await
    }
    pub async fn operational(&self) -> Result<()> {
        sqlx::query("UPDATE users SET failed_logins = failed_logins + 1 WHERE id = $1").execute(&self.pool).await?;
        Ok(())
    }
}
"#,
    )
    .expect("write sample");
    let writes = sql_writes(&dir);
    std::fs::remove_dir_all(&dir).ok();
    let by_fn = |f: &str| writes.iter().find(|w| w.function == f).expect(f).clone();
    let forgets = by_fn("forgets");
    assert_eq!(forgets.sets, vec!["cleared_at".to_string()]);
    assert!(changes_recorded(&forgets) && !forgets.records);
    let remembers = by_fn("remembers");
    assert!(changes_recorded(&remembers) && remembers.records);
    assert!(!changes_recorded(&by_fn("operational")));
}
