//! Connections that never finish a request: thousands of idle or half-sent ones, request heads
//! trickled a byte at a time, kept-alive connections left idle, bodies that stall. confab must
//! shed them by its deadlines while real people sign in and chat, and must not cut off what is
//! merely slow: a slow body, a long-lived WebSocket.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::common::*;
use confab::clock::SystemClock;
use confab::config::ServeArgs;
use serde_json::json;
use tempfile::TempDir;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// These tests hold many sockets and time their shedding; they never run beside each other.
static HEAVY: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Lets this process hold at least `wanted` open files (both ends of every test connection
/// live here), up to the hard limit.
fn raise_open_files_limit(wanted: u64) {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit and setrlimit only read and write the struct passed to them.
    unsafe {
        assert_eq!(libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit), 0);
        if limit.rlim_cur < wanted {
            limit.rlim_cur = wanted.min(limit.rlim_max);
            assert_eq!(libc::setrlimit(libc::RLIMIT_NOFILE, &limit), 0);
        }
    }
    assert!(
        limit.rlim_cur >= wanted,
        "this test needs {wanted} open files; the hard limit is {}",
        limit.rlim_max
    );
}

/// Waits until the server closes `stream` (EOF or reset) and returns when that happened.
async fn shed(mut stream: TcpStream, within: Duration) -> Option<Instant> {
    let mut buf = [0u8; 1024];
    let deadline = tokio::time::Instant::now() + within;
    loop {
        match tokio::time::timeout_at(deadline, stream.read(&mut buf)).await {
            Err(_) => return None,
            Ok(Ok(0)) | Ok(Err(_)) => return Some(Instant::now()),
            // An answer (a 400 or 408) before the close.
            Ok(Ok(_)) => continue,
        }
    }
}

/// A real user's visit: sign in, open the chat, send ten messages. Returns how long the
/// sign-in and the median message round trip took.
async fn visit(server: &TestServer, user: &User) -> (Duration, Duration) {
    let started = Instant::now();
    // A new connection, as a browser arriving now would open.
    let resp = login(server, &user.name, &user.password).await;
    assert_eq!(resp.status(), 200);
    let signed_in = started.elapsed();
    let cookie = cookie_pair(&resp).unwrap();
    let mut chat = connect(
        server,
        &User {
            cookie,
            ..user.clone()
        },
    )
    .await;
    chat.join("r").await;
    let mut round_trips = Vec::new();
    for i in 0..10 {
        let sent = Instant::now();
        chat.say("r", &format!("message {i}")).await;
        round_trips.push(sent.elapsed());
    }
    (signed_in, median(&mut round_trips))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_thousand_idle_and_half_sent_connections_are_shed_while_a_real_user_signs_in_and_chats()
{
    let _alone = alone().await;
    let _heavy = HEAVY.lock().await;
    const CONNECTIONS: usize = 2000;
    const HEAD_TIMEOUT: Duration = Duration::from_secs(4);
    raise_open_files_limit(2 * CONNECTIONS as u64 + 1000);
    let mut config = ServeArgs::default();
    config.http_timeouts.request_head = HEAD_TIMEOUT;
    let server = TestServer::start_with(config).await;
    let user = signup(&server, "rita").await;
    let mut chat = connect(&server, &user).await;
    chat.join("r").await;
    let (calm_sign_in, calm_round_trip) = visit(&server, &user).await;

    // Half say nothing at all; half send most of a request head and stop.
    let opened = Instant::now();
    let mut idle = Vec::new();
    for batch in 0..CONNECTIONS / 100 {
        let streams = futures_util::future::join_all((0..100).map(|i| async move {
            let mut stream = TcpStream::connect(server.addr).await.unwrap();
            if (batch * 100 + i) % 2 == 1 {
                stream
                    .write_all(b"GET /healthz HTTP/1.1\r\nHost: confab\r\nAccept: */*\r\n")
                    .await
                    .unwrap();
            }
            (stream, Instant::now())
        }))
        .await;
        idle.extend(streams);
    }
    let all_open = opened.elapsed();

    // Meanwhile a real user comes by, and the one already chatting carries on.
    let (busy_sign_in, busy_round_trip) = visit(&server, &user).await;
    chat.say("r", "all these connections").await;
    let visited = opened.elapsed();

    let watchers: Vec<_> = idle
        .into_iter()
        .map(|(stream, connected)| {
            tokio::spawn(async move {
                let closed = shed(stream, HEAD_TIMEOUT + Duration::from_secs(20)).await;
                closed.map(|at| at - connected)
            })
        })
        .collect();
    let mut lifetimes = Vec::new();
    for watcher in watchers {
        lifetimes.push(watcher.await.unwrap());
    }
    let still_open = lifetimes.iter().filter(|l| l.is_none()).count();
    let mut lifetimes: Vec<Duration> = lifetimes.into_iter().flatten().collect();
    lifetimes.sort();
    println!(
        "{CONNECTIONS} connections opened in {all_open:?}; a visit during them ended {visited:?} \
         after the first (sign-in {busy_sign_in:?}, round trip {busy_round_trip:?}; before \
         them {calm_sign_in:?} and {calm_round_trip:?}); shed after {:?} to {:?}",
        lifetimes.first(),
        lifetimes.last()
    );
    assert_eq!(
        still_open, 0,
        "connections still open long after the deadline"
    );
    assert!(
        lifetimes[0] >= HEAD_TIMEOUT * 9 / 10,
        "shed before the deadline: {:?}",
        lifetimes[0]
    );
    assert!(
        busy_sign_in <= calm_sign_in * 5 + Duration::from_millis(500),
        "signing in slowed from {calm_sign_in:?} to {busy_sign_in:?}"
    );
    assert!(
        busy_round_trip <= calm_round_trip * 5 + Duration::from_millis(50),
        "chat slowed from {calm_round_trip:?} to {busy_round_trip:?}"
    );

    // The WebSocket outlived the deadline that shed the others, and new visitors are served.
    chat.say("r", "still here").await;
    visit(&server, &user).await;
}

/// Sends `head`, then `body` in `pieces` spaced `gap` apart, and returns the answer's status
/// line, or None if the connection was closed without one.
async fn slow_request(
    addr: SocketAddr,
    head: String,
    body: &[u8],
    pieces: usize,
    gap: Duration,
) -> Option<String> {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.write_all(head.as_bytes()).await.unwrap();
    for piece in body.chunks(body.len().div_ceil(pieces)) {
        tokio::time::sleep(gap).await;
        if stream.write_all(piece).await.is_err() {
            break;
        }
    }
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(WAIT, async {
        let mut buf = [0u8; 4096];
        while !answer.windows(2).any(|w| w == b"\r\n") {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => answer.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await;
    let answer = String::from_utf8_lossy(&answer).into_owned();
    answer.lines().next().map(str::to_owned)
}

fn login_head(addr: SocketAddr, length: usize) -> String {
    format!(
        "POST /api/v1/auth/login HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n\
         Content-Length: {length}\r\nConnection: close\r\n\r\n"
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trickled_heads_idle_keep_alives_and_stalled_bodies_are_cut_off_but_slow_bodies_and_sockets_are_not()
 {
    let _heavy = HEAVY.lock().await;
    const HEAD: Duration = Duration::from_millis(1000);
    const BODY: Duration = Duration::from_millis(2500);
    let mut config = ServeArgs::default();
    config.http_timeouts.request_head = HEAD;
    config.http_timeouts.request_body = BODY;
    let server = TestServer::start_with(config).await;
    let user = signup(&server, "sam").await;
    let mut chat = connect(&server, &user).await;
    chat.join("r").await;
    let addr = server.addr;

    // A head trickled a byte every 100 ms: the deadline is for the whole head, not for silence.
    let trickle = tokio::spawn(async move {
        let mut stream = TcpStream::connect(addr).await.unwrap();
        let started = Instant::now();
        for byte in b"GET /healthz HTTP/1.1\r\nX-Slow: "
            .iter()
            .chain([b'x'; 200].iter())
        {
            if stream.write_all(&[*byte]).await.is_err() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        shed(stream, WAIT).await.map(|at| at - started)
    });
    // A kept-alive connection: one request answered, then nothing.
    let keep_alive = tokio::spawn(async move {
        let mut stream = TcpStream::connect(addr).await.unwrap();
        stream
            .write_all(format!("GET /healthz HTTP/1.1\r\nHost: {addr}\r\n\r\n").as_bytes())
            .await
            .unwrap();
        let mut buf = [0u8; 1024];
        let n = stream.read(&mut buf).await.unwrap();
        assert!(buf[..n].starts_with(b"HTTP/1.1 200"));
        let answered = Instant::now();
        shed(stream, WAIT).await.map(|at| at - answered)
    });
    // A body that stops halfway is answered 408 once the body deadline passes.
    let body = json!({"username": "sam", "password": "sam-password"}).to_string();
    let stalled = tokio::spawn({
        let head = login_head(addr, body.len());
        let half = body.as_bytes()[..body.len() / 2].to_vec();
        async move {
            let started = Instant::now();
            let status = slow_request(addr, head, &half, 1, Duration::ZERO).await;
            (status, started.elapsed())
        }
    });
    // A body that arrives slowly, in four pieces over 2 s (twice the head deadline), is served.
    let slow = tokio::spawn({
        let head = login_head(addr, body.len());
        let body = body.clone();
        async move { slow_request(addr, head, body.as_bytes(), 4, Duration::from_millis(500)).await }
    });

    let trickle = trickle
        .await
        .unwrap()
        .expect("the trickled head is cut off");
    let keep_alive = keep_alive
        .await
        .unwrap()
        .expect("the idle connection is closed");
    let (stalled, stalled_after) = stalled.await.unwrap();
    let slow = slow.await.unwrap();
    println!(
        "trickled head cut off after {trickle:?}, idle keep-alive after {keep_alive:?}, \
         stalled body answered {stalled:?} after {stalled_after:?}, slow body answered {slow:?}"
    );
    assert!(
        (HEAD * 9 / 10..HEAD * 3).contains(&trickle),
        "trickled head: {trickle:?}"
    );
    assert!(
        (HEAD * 9 / 10..HEAD * 3).contains(&keep_alive),
        "idle keep-alive: {keep_alive:?}"
    );
    assert_eq!(stalled.as_deref(), Some("HTTP/1.1 408 Request Timeout"));
    assert!(stalled_after >= BODY * 9 / 10, "{stalled_after:?}");
    assert_eq!(slow.as_deref(), Some("HTTP/1.1 200 OK"));

    // The chat socket sat idle through all of it, far past the head deadline.
    chat.say("r", "still connected").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_that_finish_a_tls_handshake_and_send_nothing_are_shed_too() {
    use crate::common::tls::{TestCa, client_config, connect as tls_connect, request};
    let _heavy = HEAVY.lock().await;
    const HEAD: Duration = Duration::from_millis(1000);
    let dir = TempDir::new().unwrap();
    let ca = TestCa::new("confab test CA");
    let (cert, key) = ca.issue(&["confab.test"]).write(dir.path(), "server");
    let mut config = ServeArgs::default();
    config.data.dir = dir.path().join("data");
    config.tls.tls_cert = Some(cert);
    config.tls.tls_key = Some(key);
    config.http_timeouts.request_head = HEAD;
    let listener = confab::server::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(confab::server::run(
        listener,
        config,
        Arc::new(SystemClock),
        async {
            let _ = stopped.await;
        },
    ));
    let tls = client_config(&[ca.der()]);

    // Served as usual...
    let mut answer = None;
    for _ in 0..100 {
        if let Ok(stream) = tls_connect(addr, "confab.test", Arc::clone(&tls)).await {
            answer = Some(request(stream, "confab.test", "GET", "/healthz", &[], None).await);
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(answer.expect("the server comes up").status, 200);

    // ...but a handshake followed by silence, or by half a request, is shed at the deadline.
    for half in [&b""[..], b"GET / HTTP/1.1\r\nHost: confab.test\r\n"] {
        let mut stream = tls_connect(addr, "confab.test", Arc::clone(&tls))
            .await
            .unwrap();
        stream.write_all(half).await.unwrap();
        stream.flush().await.unwrap();
        let started = Instant::now();
        let mut buf = [0u8; 256];
        let closed = tokio::time::timeout(WAIT, async {
            loop {
                match stream.read(&mut buf).await {
                    Ok(0) | Err(_) => break,
                    Ok(_) => continue,
                }
            }
        })
        .await;
        assert!(closed.is_ok(), "still open after {:?}", started.elapsed());
        let after = started.elapsed();
        assert!(
            (HEAD * 9 / 10..HEAD * 5).contains(&after),
            "{half:?}: closed after {after:?}"
        );
    }
    let _ = stop.send(());
    server.await.unwrap().unwrap();
}
