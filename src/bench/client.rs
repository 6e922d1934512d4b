//! The load generator's side of the wire: a small HTTP/1.1 client for the JSON API and
//! WebSocket clients speaking the chat protocol.

use anyhow::{Context, bail};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

pub type Socket = WebSocketStream<TcpStream>;

/// A parsed HTTP answer.
pub struct Answer {
    pub status: u16,
    pub cookie: Option<String>,
    pub body: String,
}

/// One request on a fresh connection.
pub async fn http(
    addr: &str,
    method: &str,
    path: &str,
    cookie: Option<&str>,
    body: Option<&Value>,
) -> anyhow::Result<Answer> {
    let mut stream = TcpStream::connect(addr)
        .await
        .with_context(|| format!("cannot connect to {addr}"))?;
    let body = body.map(Value::to_string).unwrap_or_default();
    let mut request = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    if let Some(cookie) = cookie {
        request.push_str(&format!("Cookie: {cookie}\r\n"));
    }
    if !body.is_empty() {
        request.push_str(&format!(
            "Content-Type: application/json\r\nContent-Length: {}\r\n",
            body.len()
        ));
    }
    request.push_str("\r\n");
    request.push_str(&body);
    stream.write_all(request.as_bytes()).await?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await?;
    let text = String::from_utf8_lossy(&raw);
    let (head, body) = text
        .split_once("\r\n\r\n")
        .context("malformed HTTP answer")?;
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .context("no HTTP status")?;
    let cookie = head
        .lines()
        .filter_map(|l| l.split_once(':'))
        .find(|(k, _)| k.eq_ignore_ascii_case("set-cookie"))
        .and_then(|(_, v)| v.trim().split(';').next())
        .map(str::to_owned);
    Ok(Answer {
        status,
        cookie,
        body: body.to_owned(),
    })
}

/// Creates an account (or signs in if it exists) and returns its session cookie.
pub async fn account(addr: &str, username: &str) -> anyhow::Result<String> {
    let credentials = serde_json::json!({"username": username, "password": "benchmark password"});
    let signup = http(
        addr,
        "POST",
        "/api/v1/auth/signup",
        None,
        Some(&credentials),
    )
    .await?;
    let answer = match signup.status {
        201 => signup,
        409 => http(addr, "POST", "/api/v1/auth/login", None, Some(&credentials)).await?,
        status => bail!(
            "sign-up of {username} failed with {status}: {}",
            signup.body
        ),
    };
    answer.cookie.context("no session cookie")
}

/// Opens an authenticated WebSocket.
pub async fn connect(addr: &str, cookie: &str) -> anyhow::Result<Socket> {
    let mut request = format!("ws://{addr}/ws").into_client_request()?;
    request.headers_mut().insert("cookie", cookie.parse()?);
    let stream = TcpStream::connect(addr).await?;
    stream.set_nodelay(true)?;
    let config = WebSocketConfig::default()
        .read_buffer_size(16 * 1024)
        .write_buffer_size(0);
    let (socket, _) =
        tokio_tungstenite::client_async_with_config(request, stream, Some(config)).await?;
    Ok(socket)
}

/// The `text` of a `message` frame, without a full JSON parse (the load generator shares the
/// machine with the server, so it must stay cheap). Texts the benchmark sends hold no quotes.
pub fn message_text(frame: &str) -> Option<&str> {
    if !frame.starts_with(r#"{"type":"message""#) {
        return None;
    }
    let start = frame.find(r#""text":""#)? + 8;
    let end = start + frame[start..].find('"')?;
    Some(&frame[start..end])
}

/// The `id` of a `message` frame.
pub fn message_id(frame: &str) -> Option<u64> {
    let start = frame.find(r#""id":"#)? + 5;
    let digits: String = frame[start..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_text_and_id_of_message_frames() {
        let frame = r#"{"type":"message","room":"r","id":42,"user":"u","text":"7 123456","ts":1}"#;
        assert_eq!(message_text(frame), Some("7 123456"));
        assert_eq!(message_id(frame), Some(42));
        assert_eq!(message_text(r#"{"type":"presence"}"#), None);
    }
}
