//! Rows are read by column name. A value read by position (`r.try_get(3)`) silently moves to
//! another field when someone reorders a `SELECT`; by name (`r.try_get("due_at")`, or a struct
//! declared with `db::row_struct!`) it fails loudly instead. Reading the only column of a query
//! (`SELECT COUNT(*)`, `… RETURNING id`) by position 0 is fine.
//!
//! The remaining positional reads of a second or later column are counted here and may only
//! go down: the functions below still read several columns by position (queries whose columns
//! repeat a name, e.g. two `id`s of a join, or are expressions without an alias).

mod source;
use source::{rust_files, without_tests};
use std::path::Path;

/// Positional reads of a column after the first, today. Lower it when you convert some.
const REMAINING: usize = 108;

/// `try_get(N)` / `try_get::<T, _>(N)` with N ≥ 1, outside unit tests.
fn positional_reads(src: &str) -> usize {
    let src = without_tests(src);
    let mut n = 0;
    let mut rest = src;
    while let Some(i) = rest.find("try_get") {
        rest = &rest[i + "try_get".len()..];
        let args = match rest.strip_prefix("::<") {
            Some(r) => r.find(">(").map_or("", |j| &r[j + 2..]),
            None => rest.strip_prefix('(').unwrap_or(""),
        };
        let digits: String = args.chars().take_while(char::is_ascii_digit).collect();
        if !digits.is_empty()
            && args[digits.len()..].starts_with(')')
            && digits.parse::<u32>().is_ok_and(|d| d >= 1)
        {
            n += 1;
        }
    }
    n
}

#[test]
fn rows_are_read_by_name() {
    let mut files = vec![];
    rust_files(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut files,
    );
    let mut per_file = vec![];
    let mut total = 0;
    for f in files {
        let n = positional_reads(&std::fs::read_to_string(&f).expect("read source"));
        if n > 0 {
            per_file.push(format!("{}: {n}", f.display()));
        }
        total += n;
    }
    assert!(
        total <= REMAINING,
        "{total} positional reads of a second or later column (at most {REMAINING}): read them by \
         name instead.\n{}",
        per_file.join("\n")
    );
}

#[test]
fn the_counter_sees_positional_reads() {
    let src = r#"
        let a: i64 = r.try_get(0)?;
        let b: String = r.try_get(1)?;
        let c = r.try_get::<i64, _>(12)?;
        let d: String = r.try_get("name")?;
    "#;
    assert_eq!(positional_reads(src), 2);
}
