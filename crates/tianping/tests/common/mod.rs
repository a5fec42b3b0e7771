//! What the binary's end-to-end tests share: running `tianping` as an operator would, and the
//! one court most of them start from.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// The binary, with no database URL or SMTP relay inherited from the environment.
pub fn tianping() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_tianping"));
    c.env_remove("TIANPING_DATABASE_URL")
        .env_remove("TIANPING_SMTP_HOST")
        .env_remove("TIANPING_SMS_URL")
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

/// `tianping user add` with the password on standard input.
pub fn add_user(url: &str, username: &str, name: &str, org: &str, role: &str, password: &str) {
    use std::io::Write;
    use std::process::Stdio;
    let mut child = tianping()
        .args([
            "user",
            "add",
            "--database-url",
            url,
            "--username",
            username,
            "--name",
            name,
            "--org",
            org,
            "--role",
            role,
            "--password-stdin",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("user add");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(format!("{password}\n").as_bytes())
        .expect("password");
    assert!(child.wait().expect("wait").success());
}

/// A minimal HTTP/1.1 exchange (one request per connection).
pub fn http(
    port: u16,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> std::io::Result<(u16, String, String)> {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port))?;
    s.set_read_timeout(Some(std::time::Duration::from_secs(30)))?;
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    req.push_str(body);
    s.write_all(req.as_bytes())?;
    let mut buf = vec![];
    s.read_to_end(&mut buf)?;
    let text = String::from_utf8_lossy(&buf).into_owned();
    let (head, body) = text
        .split_once("\r\n\r\n")
        .ok_or_else(|| std::io::Error::other("truncated response"))?;
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .ok_or_else(|| std::io::Error::other("no status"))?;
    Ok((status, head.to_string(), body.to_string()))
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("port")
}

/// A CA, and a certificate it signs for 127.0.0.1 (a relay's or a gateway's), made with the openssl command.
pub fn certificates(dir: &Path) -> (PathBuf, PathBuf, PathBuf) {
    let run = |args: &[&str]| {
        let out = Command::new("openssl")
            .args(args)
            .current_dir(dir)
            .output()
            .expect("openssl");
        assert!(
            out.status.success(),
            "openssl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    run(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "2",
        "-subj",
        "/CN=Tianping test CA",
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
    ]);
    run(&[
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-subj",
        "/CN=127.0.0.1",
        "-keyout",
        "relay.key",
        "-out",
        "relay.csr",
    ]);
    std::fs::write(dir.join("san.ext"), "subjectAltName=IP:127.0.0.1\n").expect("ext");
    run(&[
        "x509",
        "-req",
        "-in",
        "relay.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-days",
        "2",
        "-extfile",
        "san.ext",
        "-out",
        "relay.pem",
    ]);
    (
        dir.join("ca.pem"),
        dir.join("relay.pem"),
        dir.join("relay.key"),
    )
}
