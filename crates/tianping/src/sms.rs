//! Text messages (短信) through the operator's message gateway. Tianping speaks one small
//! protocol and a deployment puts its province's 政务短信平台, or a WeChat (企业微信) adapter,
//! behind it:
//!
//! `POST {sms_url}` with `Content-Type: application/json; charset=utf-8`, the body
//! `{"id": "<key>", "to": "<phone>", "text": "<message>"}` and, when a token is configured,
//! `Authorization: Bearer <token>`. Any 2xx answer means the gateway took the message; anything
//! else (or no answer in 15 s) is a failure the worker retries with backoff. A message may be
//! sent twice after a crash between sending and recording it: `id` is the same both times, for
//! the gateway to drop the repeat.

use crate::config::Config;
use anyhow::{Context, Result, bail};
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::header::{AUTHORIZATION, CONTENT_TYPE, HOST};
use hyper::{Request, StatusCode};
use hyper_util::rt::TokioIo;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::rustls::pki_types::ServerName;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::{ClientConfig, RootCertStore};

/// How long one message may take, connection included.
const TIMEOUT: Duration = Duration::from_secs(15);

/// The configured gateway.
pub struct SmsGateway {
    host: String,
    port: u16,
    /// The Host header.
    authority: String,
    /// Path and query of the URL.
    target: String,
    tls: Option<TlsConnector>,
    token: String,
}

fn loopback(host: &str) -> bool {
    host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|a| a.is_loopback())
}

impl SmsGateway {
    /// `None` when no gateway is configured: text messages stay queued, and the activity's page
    /// tells the justice bureau to phone.
    pub fn from_config(cfg: &Config) -> Result<Option<SmsGateway>> {
        let url = cfg.sms_url.trim();
        if url.is_empty() {
            return Ok(None);
        }
        let uri: hyper::Uri = url
            .parse()
            .with_context(|| format!("sms_url {url:?} is not a URL"))?;
        let https = match uri.scheme_str() {
            Some("https") => true,
            Some("http") => false,
            _ => bail!("sms_url {url:?}: use an http:// or https:// URL"),
        };
        let authority = uri
            .authority()
            .with_context(|| format!("sms_url {url:?} names no host"))?
            .to_string();
        let host = uri
            .host()
            .unwrap_or_default()
            .trim_matches(['[', ']'])
            .to_string();
        let port = uri.port_u16().unwrap_or(if https { 443 } else { 80 });
        if !https && !cfg.sms_token.is_empty() && !loopback(&host) {
            bail!(
                "sms_url {url:?}: the gateway token is sent only over https:// (or to this machine)"
            );
        }
        let tls = if https {
            let mut roots = RootCertStore {
                roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
            };
            if let Some(f) = &cfg.sms_ca_file {
                let certs: Vec<_> =
                    tokio_rustls::rustls::pki_types::CertificateDer::pem_file_iter(f)
                        .with_context(|| format!("reading sms_ca_file {f}"))?
                        .collect::<Result<_, _>>()
                        .with_context(|| format!("sms_ca_file {f} is not a PEM certificate"))?;
                if certs.is_empty() {
                    bail!("sms_ca_file {f} holds no certificate");
                }
                for c in certs {
                    roots
                        .add(c)
                        .with_context(|| format!("sms_ca_file {f}: not a CA certificate"))?;
                }
            }
            let config = ClientConfig::builder_with_provider(Arc::new(
                tokio_rustls::rustls::crypto::ring::default_provider(),
            ))
            .with_safe_default_protocol_versions()
            .context("TLS versions")?
            .with_root_certificates(roots)
            .with_no_client_auth();
            Some(TlsConnector::from(Arc::new(config)))
        } else {
            None
        };
        Ok(Some(SmsGateway {
            host,
            port,
            authority,
            target: uri
                .path_and_query()
                .map_or_else(|| "/".to_string(), |p| p.to_string()),
            tls,
            token: cfg.sms_token.clone(),
        }))
    }

    /// Hands one message to the gateway.
    pub async fn send(&self, id: &str, to: &str, text: &str) -> Result<()> {
        let body = serde_json::to_vec(&serde_json::json!({ "id": id, "to": to, "text": text }))?;
        let mut req = Request::post(&self.target)
            .header(HOST, &self.authority)
            .header(CONTENT_TYPE, "application/json; charset=utf-8");
        if !self.token.is_empty() {
            req = req.header(AUTHORIZATION, format!("Bearer {}", self.token));
        }
        let req = req
            .body(Full::new(Bytes::from(body)))
            .context("building the request")?;
        let (status, answer) = tokio::time::timeout(TIMEOUT, async {
            let tcp = TcpStream::connect((self.host.as_str(), self.port))
                .await
                .with_context(|| format!("connecting to {}", self.authority))?;
            match &self.tls {
                Some(tls) => {
                    let name = ServerName::try_from(self.host.clone())
                        .with_context(|| format!("{} is not a TLS server name", self.host))?;
                    let stream = tls.connect(name, tcp).await.context("TLS handshake")?;
                    exchange(TokioIo::new(stream), req).await
                }
                None => exchange(TokioIo::new(tcp), req).await,
            }
        })
        .await
        .with_context(|| format!("no answer from the gateway in {} s", TIMEOUT.as_secs()))??;
        if !status.is_success() {
            bail!("the gateway answered {status}: {answer}");
        }
        Ok(())
    }
}

/// One request on a fresh HTTP/1.1 connection: the status and the start of the answer.
async fn exchange<T>(io: T, req: Request<Full<Bytes>>) -> Result<(StatusCode, String)>
where
    T: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
{
    let (mut sender, conn) = hyper::client::conn::http1::handshake(io)
        .await
        .context("HTTP handshake")?;
    let driver = tokio::spawn(conn);
    let resp = sender.send_request(req).await.context("sending")?;
    let status = resp.status();
    let body = resp
        .into_body()
        .collect()
        .await
        .context("reading the answer")?
        .to_bytes();
    driver.abort();
    let shown = String::from_utf8_lossy(&body[..body.len().min(200)]).into_owned();
    Ok((status, shown))
}
