//! `confab healthcheck`: a tiny HTTP/1.1 client, so the Docker image (no shell, no curl) can
//! ask the server whether it is healthy.

use std::time::Duration;

use anyhow::{Context, bail};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::timeout;

use crate::config::ServeArgs;

const TIMEOUT: Duration = Duration::from_secs(5);

/// The URL checked by default: `/healthz` on the plain-HTTP address the same configuration
/// serves (`--listen`, or `--http-listen` with HTTPS), with a wildcard address replaced by
/// loopback.
pub fn default_url(config: &ServeArgs) -> String {
    let listen = config
        .http_listen_addr()
        .unwrap_or_else(|| config.listen_addr());
    let addr = listen
        .replace("0.0.0.0:", "127.0.0.1:")
        .replace("[::]:", "[::1]:");
    format!("http://{addr}/healthz")
}

/// Succeeds when `url` answers 200.
pub async fn check(url: &str) -> anyhow::Result<()> {
    let Some(rest) = url.strip_prefix("http://") else {
        bail!("only http:// URLs can be checked, not {url}");
    };
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let authority = if authority.contains(':') && !authority.ends_with(']') {
        authority.to_owned()
    } else {
        format!("{authority}:80")
    };
    let work = async {
        let mut stream = TcpStream::connect(&authority)
            .await
            .with_context(|| format!("cannot connect to {authority}"))?;
        let host = authority.trim_end_matches(":80");
        let request = format!(
            "GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\nUser-Agent: confab-healthcheck\r\n\r\n"
        );
        stream.write_all(request.as_bytes()).await?;
        let mut head = vec![0u8; 64];
        let n = stream.read(&mut head).await?;
        let status_line = String::from_utf8_lossy(&head[..n]);
        let status = status_line.split_whitespace().nth(1).unwrap_or("");
        if status != "200" {
            bail!(
                "{url} answered {}",
                status_line.lines().next().unwrap_or("nothing")
            );
        }
        Ok(())
    };
    timeout(TIMEOUT, work)
        .await
        .with_context(|| format!("{url} did not answer within {} s", TIMEOUT.as_secs()))?
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(listen: Option<&str>, domain: Option<&str>) -> ServeArgs {
        let mut config = ServeArgs {
            listen: listen.map(str::to_owned),
            ..ServeArgs::default()
        };
        config.tls.domains = domain.into_iter().map(str::to_owned).collect();
        config
    }

    #[test]
    fn default_url_uses_loopback_for_wildcards() {
        let url = |listen| default_url(&config(listen, None));
        assert_eq!(url(None), "http://127.0.0.1:8080/healthz");
        assert_eq!(url(Some("0.0.0.0:9000")), "http://127.0.0.1:9000/healthz");
        assert_eq!(url(Some("[::]:80")), "http://[::1]:80/healthz");
    }

    #[test]
    fn with_https_the_plain_http_listener_is_checked() {
        let https = config(None, Some("chat.example.com"));
        assert_eq!(default_url(&https), "http://127.0.0.1:80/healthz");
    }
}
