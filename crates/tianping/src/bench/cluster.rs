//! Real moving parts for the multi-node benchmarks, set up and torn down by the benchmark itself:
//! PostgreSQL clusters made with Debian's `pg_createcluster` (a primary, and a streaming standby
//! made with `pg_basebackup`), `tianping serve` nodes as child processes, and HAProxy in front of
//! both (HTTP round robin over the nodes; TCP to the primary, the standby as its backup).

use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The PostgreSQL major version whose tools Debian installs here.
const PG_VERSION: &str = "15";

fn sh(cmd: &mut Command) -> Result<String> {
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .with_context(|| format!("running {cmd:?}"))?;
    if !out.status.success() {
        bail!(
            "{cmd:?} failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

pub fn free_port() -> Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

/// One PostgreSQL cluster of this machine's Debian packaging (dropped with the value).
pub struct Cluster {
    pub name: String,
    pub port: u16,
}

impl Cluster {
    /// A new cluster on `port` with trust authentication on this machine (replication too) and the
    /// given settings, started.
    pub fn create(name: &str, port: u16, settings: &[&str]) -> Result<Cluster> {
        if !Path::new("/usr/bin/pg_createcluster").exists() {
            bail!(
                "pg_createcluster is missing (Debian's postgresql-common): this benchmark makes its own clusters"
            );
        }
        let mut c = Command::new("pg_createcluster");
        c.args([PG_VERSION, name, "-p", &port.to_string()]);
        for s in settings {
            c.args(["-o", s]);
        }
        c.args(["--", "--auth=trust"]);
        sh(&mut c).context("pg_createcluster (run as root or postgres)")?;
        let cluster = Cluster {
            name: name.to_string(),
            port,
        };
        Ok(cluster)
    }

    pub fn data_dir(&self) -> PathBuf {
        PathBuf::from(format!("/var/lib/postgresql/{PG_VERSION}/{}", self.name))
    }

    pub fn start(&self) -> Result<()> {
        sh(Command::new("pg_ctlcluster").args([PG_VERSION, &self.name, "start"]))?;
        Ok(())
    }

    /// Replaces this (stopped, new) cluster's data with a base backup of `primary`, configured to
    /// stream from it as `application_name` (the name the primary's synchronous_standby_names
    /// waits for).
    pub fn follow(&self, primary: &Cluster, application_name: &str) -> Result<()> {
        let dir = self.data_dir();
        // Emptied, not removed: the directory (the postgres user's) is where pg_basebackup
        // writes, and its parent may not be the postgres user's to create it again.
        for entry in
            std::fs::read_dir(&dir).with_context(|| format!("reading {}", dir.display()))?
        {
            let path = entry?.path();
            if path.is_dir() {
                std::fs::remove_dir_all(&path)?;
            } else {
                std::fs::remove_file(&path)?;
            }
        }
        sh(Command::new("runuser").args([
            "-u",
            "postgres",
            "--",
            &format!("/usr/lib/postgresql/{PG_VERSION}/bin/pg_basebackup"),
            "-h",
            "127.0.0.1",
            "-p",
            &primary.port.to_string(),
            "-U",
            "postgres",
            "-D",
            &dir.display().to_string(),
            "-X",
            "stream",
            "-R",
        ]))
        .context("pg_basebackup")?;
        // A later line of postgresql.auto.conf overrides the one `-R` wrote.
        let auto = dir.join("postgresql.auto.conf");
        let mut text = std::fs::read_to_string(&auto).context("postgresql.auto.conf")?;
        text.push_str(&format!(
            "primary_conninfo = 'host=127.0.0.1 port={} user=postgres application_name={application_name}'\n",
            primary.port
        ));
        std::fs::write(&auto, text)?;
        Ok(())
    }

    /// `kill -9` of the postmaster and every process of this cluster (a machine that dies).
    pub fn kill9(&self) -> Result<()> {
        let pidfile = self.data_dir().join("postmaster.pid");
        let pid = std::fs::read_to_string(&pidfile)
            .with_context(|| format!("reading {}", pidfile.display()))?
            .lines()
            .next()
            .unwrap_or_default()
            .trim()
            .to_string();
        sh(Command::new("kill").args(["-9", &pid]))?;
        // The backends see their postmaster die on their own; no one waits for them to.
        let _ = Command::new("pkill")
            .args(["-9", "-f", &format!("postgres: {PG_VERSION}/{}", self.name)])
            .status();
        Ok(())
    }

    pub fn promote(&self) -> Result<()> {
        sh(Command::new("pg_ctlcluster").args([PG_VERSION, &self.name, "promote"]))?;
        Ok(())
    }

    pub fn url(&self, db: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{db}", self.port)
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = Command::new("pg_dropcluster")
            .args([PG_VERSION, &self.name, "--stop"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        // A killed cluster's leftover files, if pg_dropcluster could not remove them.
        let _ = std::fs::remove_dir_all(self.data_dir());
        let _ = std::fs::remove_dir_all(format!("/etc/postgresql/{PG_VERSION}/{}", self.name));
    }
}

/// A child process killed (SIGKILL) when dropped.
pub struct Proc {
    pub child: Child,
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Waits until `GET /healthz` on `port` answers 200.
pub fn wait_healthy(port: u16, within: Duration, what: &str) -> Result<()> {
    let t = Instant::now();
    loop {
        if let Ok((200, _)) = http_blocking(port, "GET", "/healthz", None, "") {
            return Ok(());
        }
        if t.elapsed() > within {
            bail!("{what} did not become healthy within {within:?}");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// `tianping serve` on `database_url` (this binary) listening on `port`, its log in `dir`.
pub fn serve_node(
    dir: &Path,
    database_url: &str,
    name: &str,
    port: u16,
    env: &[(&str, String)],
) -> Result<Proc> {
    let log = std::fs::File::create(dir.join(format!("{name}.log")))?;
    let mut c = Command::new(std::env::current_exe()?);
    c.args([
        "serve",
        "--database-url",
        database_url,
        "--listen",
        &format!("127.0.0.1:{port}"),
    ])
    .env_remove("TIANPING_DATABASE_URL")
    .env("TIANPING_LOG", "info")
    .stdout(log)
    .stderr(Stdio::null());
    for (k, v) in env {
        c.env(k, v);
    }
    let child = c.spawn().context("starting a server node")?;
    let p = Proc { child };
    wait_healthy(port, Duration::from_secs(120), name)?;
    Ok(p)
}

/// HAProxy in the foreground: `http_port` over the nodes (health-checked), and, when given,
/// `pg_port` in TCP mode to the primary with the standby as backup (used only when the primary's
/// port stops answering). A logged-in person's requests go to one node while it is up (a
/// consistent hash of their session cookie, as docs/DEPLOY.md recommends): the counts each node
/// keeps for `counts_cache_seconds` are then read again by one node, not by every node in turn.
/// Requests without a cookie (logins, system clients) go round robin.
pub fn balancer(
    dir: &Path,
    http_port: u16,
    nodes: &[u16],
    pg: Option<(u16, u16, u16)>,
) -> Result<Proc> {
    let mut cfg = format!(
        "global\n  maxconn 2048\ndefaults\n  timeout connect 2s\n  timeout client 60s\n  timeout server 60s\n  retries 3\n  option redispatch\n\
         frontend http\n  mode http\n  bind 127.0.0.1:{http_port}\n  default_backend nodes\n\
         backend nodes\n  mode http\n  balance hdr(Cookie)\n  hash-type consistent\n  option httpchk GET /healthz\n"
    );
    for (i, p) in nodes.iter().enumerate() {
        cfg.push_str(&format!(
            "  server node{i} 127.0.0.1:{p} check inter 300ms fall 1 rise 1\n"
        ));
    }
    if let Some((port, primary, standby)) = pg {
        cfg.push_str(&format!(
            "frontend pg\n  mode tcp\n  bind 127.0.0.1:{port}\n  default_backend pg\n\
             backend pg\n  mode tcp\n  option tcp-check\n\
             server primary 127.0.0.1:{primary} check inter 200ms fall 1 rise 2 on-marked-down shutdown-sessions\n\
             server standby 127.0.0.1:{standby} check inter 200ms fall 1 rise 2 backup\n"
        ));
    }
    let file = dir.join("haproxy.cfg");
    std::fs::write(&file, cfg)?;
    let child = Command::new("haproxy")
        .args(["-db", "-f"])
        .arg(&file)
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(dir.join("haproxy.log"))?)
        .spawn()
        .context("starting haproxy (scripts/install-test-deps.sh installs it)")?;
    Ok(Proc { child })
}

/// One HTTP/1.1 exchange (a connection per request): status and body.
pub fn http_blocking(
    port: u16,
    method: &str,
    path: &str,
    bearer: Option<&str>,
    body: &str,
) -> std::io::Result<(u16, String)> {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port))?;
    s.set_read_timeout(Some(Duration::from_secs(30)))?;
    s.write_all(request(method, path, &auth(bearer), body).as_bytes())?;
    let mut buf = vec![];
    s.read_to_end(&mut buf)?;
    parse(&buf).map(|(status, _, body)| (status, body))
}

/// [`http_blocking`] on tokio, with a deadline.
pub async fn http(
    port: u16,
    method: &str,
    path: &str,
    bearer: Option<&str>,
    body: &str,
    deadline: Duration,
) -> std::io::Result<(u16, String)> {
    exchange(port, method, path, &auth(bearer), body, deadline)
        .await
        .map(|(status, _, body)| (status, body))
}

fn auth(bearer: Option<&str>) -> Vec<(String, String)> {
    bearer
        .map(|t| vec![("Authorization".to_string(), format!("Bearer {t}"))])
        .unwrap_or_default()
}

/// One HTTP/1.1 exchange on tokio with the given headers: status, head and body.
pub async fn exchange(
    port: u16,
    method: &str,
    path: &str,
    headers: &[(String, String)],
    body: &str,
    deadline: Duration,
) -> std::io::Result<(u16, String, String)> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let exchange = async {
        let mut s = tokio::net::TcpStream::connect(("127.0.0.1", port)).await?;
        s.write_all(request(method, path, headers, body).as_bytes())
            .await?;
        let mut buf = vec![];
        s.read_to_end(&mut buf).await?;
        parse(&buf)
    };
    match tokio::time::timeout(deadline, exchange).await {
        Ok(r) => r,
        Err(_) => Err(std::io::Error::new(
            std::io::ErrorKind::TimedOut,
            "no answer in time",
        )),
    }
}

fn request(method: &str, path: &str, headers: &[(String, String)], body: &str) -> String {
    let mut extra = String::new();
    for (k, v) in headers {
        extra.push_str(&format!("{k}: {v}\r\n"));
    }
    format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Type: application/json\r\n{extra}Content-Length: {}\r\n\r\n{body}",
        body.len()
    )
}

fn parse(buf: &[u8]) -> std::io::Result<(u16, String, String)> {
    let text = String::from_utf8_lossy(buf);
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
