//! What the network side needs: the addresses to listen on, and for HTTPS the domain's DNS,
//! the certificate and its days left, and the ACME account.

use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::Finding;
use crate::config::{ServeArgs, TlsMode};
use crate::outbound::endpoint::is_public;
use crate::tls::expiry::{first_in_pem, not_after};

const LISTEN: &str = "listen";
const DNS: &str = "DNS";
const CERTIFICATE: &str = "certificate";
const ACCOUNT: &str = "ACME account";
const HTTPS: &str = "HTTPS";

/// Days left under which a certificate should have been renewed (ACME renews at 30).
const RENEW_DAYS: i64 = 14;
const RESOLVE_TIMEOUT: Duration = Duration::from_secs(5);

/// Whether each address the server would listen on can be listened on now. With a server
/// running, an address in use is taken to be its own.
pub(super) async fn listen(config: &ServeArgs, running: bool) -> Vec<Finding> {
    let mut addresses = vec![("--listen", config.listen_addr())];
    if let Some(addr) = config.http_listen_addr() {
        addresses.push(("--http-listen", addr));
    }
    if let Some(addr) = &config.metrics_listen {
        addresses.push(("--metrics-listen", addr.clone()));
    }
    let mut findings = Vec::new();
    for (flag, addr) in addresses {
        findings.push(match tokio::net::TcpListener::bind(&addr).await {
            Ok(_) => Finding::ok(LISTEN, format!("{addr} ({flag}) is free to listen on")),
            Err(err) if err.kind() == std::io::ErrorKind::AddrInUse && running => Finding::note(
                LISTEN,
                format!("{addr} ({flag}) is in use, by the running server"),
            ),
            Err(err) if err.kind() == std::io::ErrorKind::AddrInUse => Finding::problem(
                LISTEN,
                format!("{addr} ({flag}) is in use by another program"),
                format!("find it with `ss -ltnp`, stop it, or pass {flag} with another address"),
            ),
            Err(err) if err.kind() == std::io::ErrorKind::PermissionDenied => Finding::problem(
                LISTEN,
                format!("{addr} ({flag}) needs privileges this user lacks (ports below 1024)"),
                "run it as a service with CAP_NET_BIND_SERVICE (install.sh does), or `setcap cap_net_bind_service=+ep $(command -v confab)`, or a port above 1023",
            ),
            Err(err) => Finding::problem(
                LISTEN,
                format!("cannot listen on {addr} ({flag}): {err}"),
                format!("pass {flag} HOST:PORT with an address of this machine"),
            ),
        });
    }
    findings
}

fn now_secs() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// A certificate's days left, judged.
fn days_left(source: &str, not_after_secs: u64) -> Finding {
    let left = (not_after_secs as i64 - now_secs()).div_euclid(86_400);
    let until = super::super::actions::format_utc(not_after_secs * 1000);
    if left < 0 {
        Finding::problem(
            CERTIFICATE,
            format!("{source} expired on {until} UTC: browsers refuse the site"),
            "for ACME, check the logs for why renewal fails (port 443 reachable, DNS pointing here); for files, install a renewed certificate and send SIGHUP",
        )
    } else if left < RENEW_DAYS {
        Finding::warning(
            CERTIFICATE,
            format!("{source} expires in {left} day(s), on {until} UTC"),
            "renewal should have happened by now: check the logs for ACME errors, or renew the files and send SIGHUP",
        )
    } else {
        Finding::ok(
            CERTIFICATE,
            format!("{source} valid until {until} UTC ({left} days left)"),
        )
    }
}

pub(super) async fn tls(config: &ServeArgs) -> Vec<Finding> {
    match config.tls.mode() {
        TlsMode::Off => vec![Finding::note(
            HTTPS,
            format!(
                "off: plain HTTP on {} (pass --domain for certificates from Let's Encrypt)",
                config.listen_addr()
            ),
        )],
        TlsMode::Files { cert, .. } => vec![match std::fs::read(&cert)
            .ok()
            .and_then(|pem| first_in_pem(&pem))
            .and_then(|der| not_after(&der))
        {
            Some(at) => days_left(&cert.display().to_string(), at),
            None => Finding::problem(
                CERTIFICATE,
                format!("{} holds no certificate that can be read", cert.display()),
                "pass --tls-cert with a PEM file of the certificate and its chain",
            ),
        }],
        TlsMode::Acme => {
            let mut findings = Vec::new();
            for domain in &config.tls.domains {
                findings.push(dns(domain).await);
            }
            findings.extend(acme_cache(
                &config.data.dir.join("acme"),
                &config.tls.domains,
            ));
            findings
        }
    }
}

async fn dns(domain: &str) -> Finding {
    let found = tokio::time::timeout(RESOLVE_TIMEOUT, tokio::net::lookup_host((domain, 443))).await;
    let addresses: Vec<_> = match found {
        Ok(Ok(found)) => found.map(|a| a.ip()).collect(),
        _ => Vec::new(),
    };
    let fix = format!("give {domain} an A (and AAAA) record with this server's public address");
    if addresses.is_empty() {
        return Finding::problem(DNS, format!("{domain} does not resolve"), fix);
    }
    let shown: Vec<String> = addresses.iter().map(ToString::to_string).collect();
    if addresses.iter().all(|ip| !is_public(*ip)) {
        return Finding::warning(
            DNS,
            format!(
                "{domain} resolves only to private addresses ({}): Let's Encrypt cannot reach them",
                shown.join(", ")
            ),
            fix,
        );
    }
    Finding::ok(DNS, format!("{domain} resolves to {}", shown.join(", ")))
}

/// The certificate and account the ACME client keeps in `<data>/acme`.
fn acme_cache(dir: &Path, domains: &[String]) -> Vec<Finding> {
    let mut certs = Vec::new();
    let mut account = false;
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with("account-") {
                account = true;
            } else if name.starts_with("cert-")
                && let Some(at) = std::fs::read(entry.path())
                    .ok()
                    .and_then(|pem| first_in_pem(&pem))
                    .and_then(|der| not_after(&der))
            {
                certs.push(at);
            }
        }
    }
    let names = domains.join(", ");
    let mut findings = Vec::new();
    match (certs.iter().max(), account) {
        (Some(&at), _) => findings.push(days_left(&format!("the certificate of {names}"), at)),
        (None, true) => findings.push(Finding::problem(
            CERTIFICATE,
            format!("none for {names} in {}, though an ACME account was made: issuing has failed", dir.display()),
            "check the server's log for ACME errors: port 443 must be reachable from the internet and the domain must point here",
        )),
        (None, false) => findings.push(Finding::note(
            CERTIFICATE,
            format!("none yet for {names}: the first start asks Let's Encrypt for one"),
        )),
    }
    findings.push(if account {
        Finding::ok(ACCOUNT, format!("kept in {}", dir.display()))
    } else {
        Finding::note(ACCOUNT, "none yet: made at the first start")
    });
    findings
}
