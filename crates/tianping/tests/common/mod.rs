//! What the binary's end-to-end tests share: running `tianping` as an operator would, and the
//! one court most of them start from.

#![allow(dead_code)]

use std::process::Command;

/// The binary, with no database URL or SMTP relay inherited from the environment.
pub fn tianping() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_tianping"));
    c.env_remove("TIANPING_DATABASE_URL")
        .env_remove("TIANPING_SMTP_HOST")
        .env("TIANPING_LOG", "warn");
    c
}

/// Exit status, stdout, stderr.
pub fn run(c: &mut Command) -> (i32, String, String) {
    let out = c.output().expect("runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Runs a command that must succeed; returns its stdout.
pub fn ok(c: &mut Command) -> String {
    let (code, out, err) = run(c);
    assert_eq!(code, 0, "{c:?} failed: {out}{err}");
    out
}

/// `tianping org add` of 杭州市上城区人民法院 (court-330102, 浙0102).
pub fn add_court(c: &mut Command, url: &str) -> String {
    ok(c.args([
        "org",
        "add",
        "--database-url",
        url,
        "--id",
        "court-330102",
        "--name",
        "杭州市上城区人民法院",
        "--kind",
        "court",
        "--level",
        "county",
        "--region-path",
        "/33/3301/330102/",
        "--court-code",
        "浙0102",
    ]))
}
