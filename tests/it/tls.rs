//! HTTPS: certificates from files, and from a real ACME CA (pebble) on loopback, with the
//! real binary.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::common::tls::*;
use crate::common::{Binary, WAIT, free_port};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tempfile::TempDir;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

const NAME: &str = "confab.test";

fn loopback(port: u16) -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], port))
}

async fn https(
    addr: SocketAddr,
    config: &Arc<rustls::ClientConfig>,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<&str>,
) -> Answer {
    let stream = connect(addr, NAME, Arc::clone(config))
        .await
        .expect("TLS handshake");
    request(stream, NAME, method, path, headers, body).await
}

/// Signs up over HTTPS and returns the session cookie pair.
async fn signup(addr: SocketAddr, config: &Arc<rustls::ClientConfig>, name: &str) -> String {
    let body = json!({"username": name, "password": "password for tls"}).to_string();
    let answer = https(
        addr,
        config,
        "POST",
        "/api/v1/auth/signup",
        &[],
        Some(&body),
    )
    .await;
    assert_eq!(answer.status, 201, "{}", answer.body);
    let cookie = answer
        .header("set-cookie")
        .expect("session cookie")
        .to_owned();
    assert!(cookie.starts_with("__Host-confab_session="), "{cookie}");
    assert!(
        cookie.contains("; Secure") && cookie.contains("HttpOnly") && cookie.contains("Path=/"),
        "{cookie}"
    );
    assert!(!cookie.contains("Domain"), "{cookie}");
    cookie.split(';').next().unwrap().to_owned()
}

/// A signed-in chat over `wss://`: join, send, and get the echo back.
async fn chat_over_wss(addr: SocketAddr, config: &Arc<rustls::ClientConfig>, cookie: &str) {
    let stream = connect(addr, NAME, Arc::clone(config)).await.unwrap();
    let mut request = format!("wss://{NAME}:{}/ws", addr.port())
        .into_client_request()
        .unwrap();
    request
        .headers_mut()
        .insert("cookie", cookie.parse().unwrap());
    request.headers_mut().insert(
        "origin",
        format!("https://{NAME}:{}", addr.port()).parse().unwrap(),
    );
    let (mut ws, _) = tokio_tungstenite::client_async(request, stream)
        .await
        .expect("wss upgrade");
    let frame = |v: Value| Message::Text(v.to_string().into());
    ws.send(frame(json!({"type":"join","room":"secure"})))
        .await
        .unwrap();
    let room_id = loop {
        let message = tokio::time::timeout(WAIT, ws.next())
            .await
            .unwrap()
            .unwrap()
            .unwrap();
        if let Message::Text(text) = message {
            let value: Value = serde_json::from_str(text.as_str()).unwrap();
            if value["type"] == "joined" {
                break value["room_id"].clone();
            }
        }
    };
    ws.send(frame(
        json!({"type":"send","room_id":room_id,"text":"over TLS","client_id":"t1"}),
    ))
    .await
    .unwrap();
    loop {
        let message = tokio::time::timeout(WAIT, ws.next())
            .await
            .unwrap()
            .unwrap()
            .unwrap();
        if let Message::Text(text) = message {
            let value: Value = serde_json::from_str(text.as_str()).unwrap();
            if value["type"] == "message" {
                assert_eq!(value["text"], "over TLS");
                return;
            }
        }
    }
}

#[tokio::test]
async fn certificate_files_serve_https_wss_and_a_redirect_and_reload_on_sighup() {
    let dir = TempDir::new().unwrap();
    let ca = TestCa::new("confab test CA");
    let (cert, key) = ca.issue(&[NAME]).write(dir.path(), "server");
    let (https_port, http_port, metrics_port) = (free_port(), free_port(), free_port());
    let data = dir.path().join("data");
    let server = Binary::spawn(&[
        "serve",
        "--tls-cert",
        cert.to_str().unwrap(),
        "--tls-key",
        key.to_str().unwrap(),
        "--listen",
        &format!("127.0.0.1:{https_port}"),
        "--http-listen",
        &format!("127.0.0.1:{http_port}"),
        "--metrics-listen",
        &format!("127.0.0.1:{metrics_port}"),
        "--data",
        data.to_str().unwrap(),
    ])
    .await;
    // The metrics say when the served certificate expires.
    let pem = std::fs::read(&cert).unwrap();
    let der = rustls_pki_types::pem::PemObject::pem_slice_iter(&pem)
        .next()
        .map(|der: Result<rustls_pki_types::CertificateDer<'static>, _>| der.unwrap())
        .unwrap();
    let (_, parsed) = x509_parser::parse_x509_certificate(&der).unwrap();
    let expiry = format!(
        "confab_certificate_expiry_timestamp_seconds {}\n",
        parsed.validity().not_after.timestamp()
    );
    let metrics = crate::common::http()
        .get(format!("http://127.0.0.1:{metrics_port}/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(metrics.contains(&expiry), "{expiry} in\n{metrics}");
    let config = client_config(&[ca.der()]);
    let addr = loopback(https_port);

    let home = https(addr, &config, "GET", "/", &[], None).await;
    assert_eq!(home.status, 200);
    assert_eq!(
        home.header("strict-transport-security"),
        Some("max-age=31536000")
    );
    let cookie = signup(addr, &config, "tess").await;
    let me = https(
        addr,
        &config,
        "GET",
        "/api/v1/me",
        &[("Cookie", &cookie)],
        None,
    )
    .await;
    assert_eq!(me.status, 200);
    chat_over_wss(addr, &config, &cookie).await;
    let foreign = https(
        addr,
        &config,
        "POST",
        "/api/v1/auth/logout",
        &[("Cookie", &cookie), ("Origin", "https://evil.example")],
        None,
    )
    .await;
    assert_eq!(foreign.status, 403);

    // Plain HTTP only redirects (and answers /healthz).
    let tcp = tokio::net::TcpStream::connect(loopback(http_port))
        .await
        .unwrap();
    let redirect = request(tcp, NAME, "GET", "/rooms/lobby?x=1", &[], None).await;
    assert_eq!(redirect.status, 308);
    assert_eq!(
        redirect.header("location"),
        Some(format!("https://{NAME}:{https_port}/rooms/lobby?x=1").as_str())
    );
    let tcp = tokio::net::TcpStream::connect(loopback(http_port))
        .await
        .unwrap();
    assert_eq!(
        request(tcp, NAME, "GET", "/healthz", &[], None)
            .await
            .status,
        200
    );

    // A renewed certificate is picked up on SIGHUP, without a restart.
    let first = peer_certificate(&connect(addr, NAME, Arc::clone(&config)).await.unwrap());
    ca.issue(&[NAME]).write(dir.path(), "server");
    let pid = server.child.id().unwrap().to_string();
    std::process::Command::new("kill")
        .args(["-HUP", &pid])
        .status()
        .unwrap();
    let started = Instant::now();
    loop {
        let now = peer_certificate(&connect(addr, NAME, Arc::clone(&config)).await.unwrap());
        if now != first {
            break;
        }
        assert!(started.elapsed() < WAIT, "certificate not reloaded");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // A broken file on reload keeps the working certificate.
    std::fs::write(&cert, "not a certificate").unwrap();
    std::process::Command::new("kill")
        .args(["-HUP", &pid])
        .status()
        .unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        https(addr, &config, "GET", "/healthz", &[], None)
            .await
            .status,
        200
    );
    assert_eq!(server.terminate().await, Some(0));
}

#[tokio::test]
async fn unreadable_certificate_files_are_one_clear_line_at_start() {
    let dir = TempDir::new().unwrap();
    let cert = dir.path().join("missing.pem");
    let key = dir.path().join("missing.key");
    let out = tokio::process::Command::new(crate::common::binary_path())
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--http-listen",
            "127.0.0.1:0",
            "--data",
        ])
        .arg(dir.path().join("data"))
        .arg("--tls-cert")
        .arg(&cert)
        .arg("--tls-key")
        .arg(&key)
        .output()
        .await
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(
        err.contains("--tls-cert") && err.contains("missing.pem"),
        "{err}"
    );
}

/// Starts confab for `NAME` with certificates from the ACME CA at `directory`.
async fn start_with_acme(
    directory: &str,
    ca_root: &std::path::Path,
    data: &std::path::Path,
    https_port: u16,
    http_port: u16,
) -> Binary {
    Binary::spawn(&[
        "serve",
        "--domain",
        NAME,
        "--acme-directory",
        directory,
        "--acme-ca-root",
        ca_root.to_str().unwrap(),
        "--acme-email",
        "ops@confab.test",
        "--listen",
        &format!("127.0.0.1:{https_port}"),
        "--http-listen",
        &format!("127.0.0.1:{http_port}"),
        "--data",
        data.to_str().unwrap(),
    ])
    .await
}

#[tokio::test]
async fn a_certificate_from_an_acme_ca_is_issued_cached_and_reused_across_restarts() {
    let dir = TempDir::new().unwrap();
    let data = dir.path().join("data");
    let (https_port, http_port) = (free_port(), free_port());
    let pebble = Pebble::start(https_port).await;
    let root = pebble.issuing_root().await;
    let config = client_config(&[root]);
    let addr = loopback(https_port);

    let directory = pebble.directory_url();
    let ca_root = dir.path().join("pebble-listener-ca.pem");
    std::fs::copy(&pebble.listener_ca, &ca_root).unwrap();

    let started = Instant::now();
    let server = start_with_acme(&directory, &ca_root, &data, https_port, http_port).await;
    let stream =
        wait_for_certificate(addr, NAME, Arc::clone(&config), Duration::from_secs(90)).await;
    let issued_in = started.elapsed();
    let (issuer, names) = describe(&peer_certificate(&stream));
    assert!(issuer.to_lowercase().contains("pebble"), "issuer {issuer}");
    assert_eq!(names, [NAME]);
    assert_eq!(pebble.issued(), 1, "{}", pebble.log());
    println!("certificate for {NAME} issued by {issuer:?} in {issued_in:?}");

    let cookie = signup(addr, &config, "acme").await;
    chat_over_wss(addr, &config, &cookie).await;
    let tcp = tokio::net::TcpStream::connect(loopback(http_port))
        .await
        .unwrap();
    let redirect = request(tcp, NAME, "GET", "/", &[], None).await;
    assert_eq!(redirect.status, 308);
    let cached: Vec<_> = std::fs::read_dir(data.join("acme"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(cached.len(), 2, "account key and certificate: {cached:?}");
    assert_eq!(server.terminate().await, Some(0));

    // A restart serves the cached certificate and orders nothing.
    let started = Instant::now();
    let server = start_with_acme(&directory, &ca_root, &data, https_port, http_port).await;
    wait_for_certificate(addr, NAME, Arc::clone(&config), WAIT).await;
    println!(
        "after a restart, the cached certificate was served in {:?}",
        started.elapsed()
    );
    let me = https(
        addr,
        &config,
        "GET",
        "/api/v1/me",
        &[("Cookie", &cookie)],
        None,
    )
    .await;
    assert_eq!(me.status, 200, "the session survived too");
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(pebble.issued(), 1, "no new order after a restart");
    assert_eq!(server.terminate().await, Some(0));

    // With the CA gone, a restart still serves from the cache at once.
    pebble.stop().await;
    let server = start_with_acme(&directory, &ca_root, &data, https_port, http_port).await;
    wait_for_certificate(addr, NAME, Arc::clone(&config), WAIT).await;
    let home = https(addr, &config, "GET", "/", &[], None).await;
    assert_eq!(home.status, 200);
    assert_eq!(server.terminate().await, Some(0));
}

/// A POST over HTTP/2 with only an `Origin` (no `Sec-Fetch-Site`, as Safari before 16.4 and
/// scripts send it): `(status, body)`. HTTP/2 has no `Host` header; the request's authority
/// is its `:authority`.
async fn post_over_http2(
    addr: SocketAddr,
    roots: &[rustls_pki_types::CertificateDer<'static>],
    path: &str,
    origin: &str,
    body: &str,
) -> (u16, String) {
    let mut config = (*client_config(roots)).clone();
    config.alpn_protocols = vec![b"h2".to_vec()];
    let tls = connect(addr, NAME, Arc::new(config))
        .await
        .expect("TLS handshake");
    assert_eq!(
        tls.get_ref().1.alpn_protocol(),
        Some(&b"h2"[..]),
        "HTTP/2 is spoken"
    );
    let (client, connection) = h2::client::handshake(tls).await.expect("HTTP/2 handshake");
    let driver = tokio::spawn(connection);
    let mut client = client.ready().await.unwrap();
    let request = http::Request::builder()
        .method("POST")
        .uri(format!("https://{NAME}:{}{path}", addr.port()))
        .header("origin", origin)
        .header("content-type", "application/json")
        .body(())
        .unwrap();
    let (response, mut sending) = client.send_request(request, false).unwrap();
    sending
        .send_data(bytes::Bytes::from(body.to_owned()), true)
        .unwrap();
    let response = tokio::time::timeout(WAIT, response).await.unwrap().unwrap();
    let status = response.status().as_u16();
    let mut stream = response.into_body();
    let mut text = Vec::new();
    while let Some(chunk) = tokio::time::timeout(WAIT, stream.data()).await.unwrap() {
        let chunk = chunk.unwrap();
        stream.flow_control().release_capacity(chunk.len()).unwrap();
        text.extend_from_slice(&chunk);
    }
    driver.abort();
    (status, String::from_utf8_lossy(&text).into_owned())
}

#[tokio::test]
async fn a_same_origin_post_with_only_an_origin_is_accepted_over_http2_as_over_http1() {
    let dir = TempDir::new().unwrap();
    let ca = TestCa::new("confab test CA");
    let (cert, key) = ca.issue(&[NAME]).write(dir.path(), "server");
    let port = free_port();
    let data = dir.path().join("data");
    let server = Binary::spawn(&[
        "serve",
        "--tls-cert",
        cert.to_str().unwrap(),
        "--tls-key",
        key.to_str().unwrap(),
        "--listen",
        &format!("127.0.0.1:{port}"),
        "--http-listen",
        &format!("127.0.0.1:{}", free_port()),
        "--data",
        data.to_str().unwrap(),
    ])
    .await;
    let addr = loopback(port);
    let own = format!("https://{NAME}:{port}");
    let account =
        |name: &str| json!({"username": name, "password": "password over h2"}).to_string();

    let (status, body) = post_over_http2(
        addr,
        &[ca.der()],
        "/api/v1/auth/signup",
        &own,
        &account("over-h2"),
    )
    .await;
    assert_eq!(status, 201, "HTTP/2, same origin: {body}");
    let (status, body) = post_over_http2(
        addr,
        &[ca.der()],
        "/api/v1/auth/signup",
        "https://evil.example",
        &account("forged-h2"),
    )
    .await;
    assert_eq!(status, 403, "HTTP/2, another site: {body}");
    assert!(body.contains("forbidden_origin"), "{body}");

    // HTTP/1.1 names the authority in Host, port included, as browsers send it.
    let config = client_config(&[ca.der()]);
    let host = format!("{NAME}:{port}");
    let post_over_http1 = |origin: String, body: String| {
        let (config, host) = (Arc::clone(&config), host.clone());
        async move {
            let stream = connect(addr, NAME, config).await.expect("TLS handshake");
            let headers = [("Origin", origin.as_str())];
            request(
                stream,
                &host,
                "POST",
                "/api/v1/auth/signup",
                &headers,
                Some(&body),
            )
            .await
        }
    };
    let same = post_over_http1(own.clone(), account("over-h1")).await;
    assert_eq!(same.status, 201, "HTTP/1.1, same origin: {}", same.body);
    let forged = post_over_http1("https://evil.example".into(), account("forged-h1")).await;
    assert_eq!(forged.status, 403, "HTTP/1.1, another site");
    server.terminate().await;
}
