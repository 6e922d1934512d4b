//! Where the server may send: `https` URLs on public addresses only, unless the operator allows
//! loopback, private addresses and plain `http` (`--allow-private-endpoints`, for tests and
//! intranets). A name is checked on every resolution, not once, so a DNS answer that turns
//! into `127.0.0.1` later (rebinding) is refused then too.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;

use poem::http::Uri;

/// The longest URL accepted.
pub const URL_MAX: usize = 2048;

/// How long a name may take to resolve.
const RESOLVE_TIMEOUT: Duration = Duration::from_secs(5);

/// Which addresses may be reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    /// `https` on public addresses.
    Public,
    /// Also loopback and private addresses, and plain `http`.
    Private,
}

/// Why a URL may not be sent to.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EndpointError {
    #[error("the URL is not valid")]
    Invalid,
    #[error("the URL must start with https://")]
    NotHttps,
    #[error("the URL's host is not a public address")]
    NotPublic,
    #[error("the URL's host does not resolve")]
    Unresolved,
}

/// A checked URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    pub url: String,
    pub https: bool,
    pub host: String,
    pub port: u16,
    /// `scheme://host[:port]`, as VAPID's audience names it.
    pub origin: String,
    /// The path and query to request.
    pub target: String,
}

impl Endpoint {
    /// Checks a URL's form and, for an address written as one, the address.
    pub fn parse(url: &str, reach: Reach) -> Result<Endpoint, EndpointError> {
        if url.len() > URL_MAX || url.chars().any(|c| c.is_control() || c.is_whitespace()) {
            return Err(EndpointError::Invalid);
        }
        let uri: Uri = url.parse().map_err(|_| EndpointError::Invalid)?;
        let https = match uri.scheme_str() {
            Some("https") => true,
            Some("http") if reach == Reach::Private => false,
            Some("http") => return Err(EndpointError::NotHttps),
            _ => return Err(EndpointError::Invalid),
        };
        let authority = uri.authority().ok_or(EndpointError::Invalid)?;
        if authority.as_str().contains('@') {
            return Err(EndpointError::Invalid);
        }
        let host = authority
            .host()
            .trim_start_matches('[')
            .trim_end_matches(']');
        if host.is_empty() {
            return Err(EndpointError::Invalid);
        }
        if let Ok(ip) = host.parse::<IpAddr>()
            && !allowed(ip, reach)
        {
            return Err(EndpointError::NotPublic);
        }
        let port = authority.port_u16().unwrap_or(if https { 443 } else { 80 });
        let scheme = if https { "https" } else { "http" };
        let origin = match authority.port_u16() {
            Some(port) => format!("{scheme}://{}:{port}", authority.host()),
            None => format!("{scheme}://{}", authority.host()),
        };
        let target = uri
            .path_and_query()
            .map_or_else(|| "/".to_owned(), |p| p.as_str().to_owned());
        Ok(Endpoint {
            url: url.to_owned(),
            https,
            host: host.to_ascii_lowercase(),
            port,
            origin,
            target,
        })
    }

    /// The address to connect to: the first the name resolves to that may be reached.
    pub async fn resolve(&self, reach: Reach) -> Result<SocketAddr, EndpointError> {
        let found = tokio::time::timeout(
            RESOLVE_TIMEOUT,
            tokio::net::lookup_host((self.host.as_str(), self.port)),
        )
        .await
        .map_err(|_| EndpointError::Unresolved)?
        .map_err(|_| EndpointError::Unresolved)?;
        let mut refused = false;
        for addr in found {
            if allowed(addr.ip(), reach) {
                return Ok(addr);
            }
            refused = true;
        }
        Err(if refused {
            EndpointError::NotPublic
        } else {
            EndpointError::Unresolved
        })
    }
}

fn allowed(ip: IpAddr, reach: Reach) -> bool {
    reach == Reach::Private || is_public(ip)
}

/// Whether an address is on the public internet: not loopback, private, link-local, shared,
/// reserved, documentation, multicast or unspecified.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => is_public_v4(v4),
            None => is_public_v6(v6),
        },
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_broadcast()
        || ip.is_documentation()
        || ip.is_multicast()
        || a == 0
        // Shared address space (carrier-grade NAT).
        || (a == 100 && (64..128).contains(&b))
        // IETF protocol assignments.
        || (a == 192 && b == 0 && c == 0)
        // Benchmarking.
        || (a == 198 && (18..20).contains(&b))
        // Reserved.
        || a >= 240)
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    let first = ip.segments()[0];
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_multicast()
        // Unique local (fc00::/7) and link-local (fe80::/10).
        || (first & 0xfe00) == 0xfc00
        || (first & 0xffc0) == 0xfe80
        // Documentation (2001:db8::/32).
        || (first == 0x2001 && ip.segments()[1] == 0x0db8)
        // IPv4-compatible and other reserved low addresses.
        || first == 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_https_on_public_addresses_unless_private_ones_are_allowed() {
        let ok = Endpoint::parse("https://push.example.com/send/abc?x=1", Reach::Public).unwrap();
        assert_eq!(ok.host, "push.example.com");
        assert_eq!((ok.port, ok.https), (443, true));
        assert_eq!(ok.origin, "https://push.example.com");
        assert_eq!(ok.target, "/send/abc?x=1");
        let port = Endpoint::parse("https://push.example.com:8443/x", Reach::Public).unwrap();
        assert_eq!(port.origin, "https://push.example.com:8443");

        for (url, why) in [
            ("http://push.example.com/x", EndpointError::NotHttps),
            ("https://127.0.0.1/x", EndpointError::NotPublic),
            ("https://10.1.2.3/x", EndpointError::NotPublic),
            ("https://[::1]/x", EndpointError::NotPublic),
            ("https://[fd00::1]/x", EndpointError::NotPublic),
            ("https://[::ffff:192.168.0.1]/x", EndpointError::NotPublic),
            ("https://169.254.169.254/latest", EndpointError::NotPublic),
            ("https://100.64.0.1/x", EndpointError::NotPublic),
            ("https://user:pw@push.example.com/x", EndpointError::Invalid),
            ("ftp://push.example.com/x", EndpointError::Invalid),
            ("push.example.com/x", EndpointError::Invalid),
            ("https://push.example.com/a b", EndpointError::Invalid),
            ("", EndpointError::Invalid),
        ] {
            assert_eq!(Endpoint::parse(url, Reach::Public), Err(why), "{url}");
        }
        let long = format!("https://push.example.com/{}", "a".repeat(URL_MAX));
        assert_eq!(
            Endpoint::parse(&long, Reach::Public),
            Err(EndpointError::Invalid)
        );

        let local = Endpoint::parse("http://127.0.0.1:9000/push", Reach::Private).unwrap();
        assert_eq!((local.port, local.https), (9000, false));
        assert_eq!(local.origin, "http://127.0.0.1:9000");
    }

    #[test]
    fn public_addresses_are_told_from_the_rest() {
        for public in [
            "8.8.8.8",
            "1.1.1.1",
            "2606:4700:4700::1111",
            "::ffff:8.8.8.8",
        ] {
            assert!(is_public(public.parse().unwrap()), "{public}");
        }
        for private in [
            "0.0.0.0",
            "127.0.0.1",
            "10.0.0.1",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.1.1",
            "100.100.0.1",
            "192.0.2.1",
            "198.18.0.1",
            "224.0.0.1",
            "255.255.255.255",
            "240.0.0.1",
            "::",
            "::1",
            "fe80::1",
            "fc00::1",
            "2001:db8::1",
            "ff02::1",
            "::ffff:127.0.0.1",
        ] {
            assert!(!is_public(private.parse().unwrap()), "{private}");
        }
    }

    #[tokio::test]
    async fn a_name_is_checked_on_every_resolution() {
        let local = Endpoint::parse("https://localhost:9/x", Reach::Public).unwrap();
        assert_eq!(
            local.resolve(Reach::Public).await,
            Err(EndpointError::NotPublic)
        );
        assert!(
            local
                .resolve(Reach::Private)
                .await
                .unwrap()
                .ip()
                .is_loopback()
        );
    }
}
