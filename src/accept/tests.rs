//! The request-head deadline on in-memory streams, with short real deadlines, and the scan
//! and classification it relies on.

use tokio::io::{AsyncReadExt, AsyncWriteExt, duplex};
use tokio::time::Instant;

use super::scan::{HeadScan, Scanned, Written, classify};
use super::*;

/// Short real deadlines: these tests wait on the clock.
const DEADLINE: Duration = Duration::from_millis(200);

async fn read(server: &mut HeadDeadline<tokio::io::DuplexStream>) -> io::Result<usize> {
    server.read(&mut [0u8; 256]).await
}

/// Whether a read is still waiting after `wait` (rather than failing or reading).
async fn still_waiting(server: &mut HeadDeadline<tokio::io::DuplexStream>, wait: Duration) -> bool {
    tokio::time::timeout(wait, read(server)).await.is_err()
}

#[test]
fn heads_end_at_their_empty_line_and_pipelined_ones_are_counted() {
    let mut scan = HeadScan::new();
    assert_eq!(scan.feed(b"GET / HTTP/1.1\r\nHost: a\r"), Scanned::Heads(0));
    assert_eq!(scan.feed(b"\n\r\nGET /b HTTP/1.1\r\n"), Scanned::Heads(1));
    assert!(scan.started, "the next head has begun");
    assert_eq!(scan.feed(b"\r\nGET /c HTTP/1.1\n\n"), Scanned::Heads(2));
    let mut leading = HeadScan::new();
    assert_eq!(
        leading.feed(b"\r\n\r\n\r\n"),
        Scanned::Heads(0),
        "empty lines before the request are not a head"
    );
    assert_eq!(leading.feed(b"GET / HTTP/1.1\r\n\r\n"), Scanned::Heads(1));
}

#[test]
fn the_http2_preface_is_recognised_only_at_the_start() {
    let mut scan = HeadScan::new();
    assert_eq!(scan.feed(b"PRI * HTTP"), Scanned::Heads(0));
    assert_eq!(scan.feed(b"/2.0\r\n\r\n"), Scanned::Http2);
    let mut later = HeadScan::new();
    assert_eq!(later.feed(b"GET / HTTP/1.1\r\n\r\n"), Scanned::Heads(1));
    assert_eq!(later.feed(b"PRI * HTTP/2.0\r\n\r\n"), Scanned::Heads(1));
}

#[test]
fn writes_are_told_apart_by_their_status_lines() {
    assert_eq!(classify(b"HTTP/1.1 200 OK\r\n\r\n"), Written::Response);
    assert_eq!(
        classify(b"HTTP/1.1 101 Switching Protocols\r\n\r\n"),
        Written::Upgrade
    );
    assert_eq!(
        classify(b"HTTP/1.1 100 Continue\r\n\r\n"),
        Written::Continuation
    );
    assert_eq!(
        classify(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 400 Bad Request\r\n\r\n{}"),
        Written::Response
    );
    assert_eq!(classify(b"{\"messages\":[]}"), Written::Continuation);
    assert_eq!(classify(b"HTTP/1."), Written::Continuation);
}

#[tokio::test]
async fn a_silent_client_times_out() {
    let (_client, server) = duplex(1024);
    let mut server = HeadDeadline::new(server, DEADLINE);
    let started = Instant::now();
    let err = read(&mut server).await.unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::TimedOut);
    assert!(started.elapsed() >= DEADLINE);
}

#[tokio::test]
async fn a_request_being_handled_has_the_longer_deadline() {
    let (mut client, server) = duplex(1024);
    let mut server = HeadDeadline::new(server, DEADLINE);
    client.write_all(b"GET / HTTP/1.1\r\n\r\n").await.unwrap();
    read(&mut server).await.unwrap();
    assert!(
        still_waiting(&mut server, DEADLINE * 3).await,
        "a longer deadline while the request is handled"
    );
    server.write_all(b"HTTP/1.1 200 OK\r\n\r\n").await.unwrap();
    let err = read(&mut server).await.unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::TimedOut, "the next head has one");
}

#[tokio::test]
async fn a_read_already_waiting_when_the_response_is_written_still_times_out() {
    let (mut client, server) = duplex(1024);
    let (mut reader, mut writer) = tokio::io::split(HeadDeadline::new(server, DEADLINE));
    client.write_all(b"GET / HTTP/1.1\r\n\r\n").await.unwrap();
    let head = reader.read(&mut [0u8; 256]).await.unwrap();
    assert_eq!(head, 18);
    // As hyper does, on one task: wait for the next request while the handler runs, then
    // write the answer.
    let started = Instant::now();
    let mut buf = [0u8; 256];
    let (read, ()) = tokio::join!(reader.read(&mut buf), async {
        tokio::time::sleep(DEADLINE * 2).await;
        writer
            .write_all(b"HTTP/1.1 204 No Content\r\n\r\n")
            .await
            .unwrap();
    });
    assert_eq!(read.unwrap_err().kind(), io::ErrorKind::TimedOut);
    let took = started.elapsed();
    assert!(took >= DEADLINE * 3 && took < DEADLINE * 6, "{took:?}");
}

#[tokio::test]
async fn upgraded_connections_have_no_deadline() {
    let (mut client, server) = duplex(1024);
    let mut server = HeadDeadline::new(server, DEADLINE);
    client
        .write_all(b"GET /ws HTTP/1.1\r\nUpgrade: websocket\r\n\r\n")
        .await
        .unwrap();
    read(&mut server).await.unwrap();
    server
        .write_all(b"HTTP/1.1 100 Continue\r\n\r\n")
        .await
        .unwrap();
    server
        .write_all(b"HTTP/1.1 101 Switching Protocols\r\n\r\n")
        .await
        .unwrap();
    assert!(still_waiting(&mut server, DEADLINE * 3).await);
}

#[tokio::test]
async fn trickling_does_not_extend_the_deadline() {
    let (mut client, server) = duplex(1024);
    let mut server = HeadDeadline::new(server, DEADLINE);
    let trickle = tokio::spawn(async move {
        for byte in b"GET / HTTP/1.1\r\nX: ".iter().cycle().take(100) {
            if client.write_all(&[*byte]).await.is_err() {
                break;
            }
            tokio::time::sleep(DEADLINE / 10).await;
        }
    });
    let started = Instant::now();
    let err = loop {
        if let Err(err) = read(&mut server).await {
            break err;
        }
    };
    assert_eq!(err.kind(), io::ErrorKind::TimedOut);
    assert!(started.elapsed() < DEADLINE * 3);
    drop(server);
    trickle.await.unwrap();
}

#[tokio::test]
async fn a_request_never_answered_is_cut_off_at_the_busy_deadline() {
    let (mut client, server) = duplex(1024);
    let mut server = HeadDeadline::new(server, DEADLINE);
    client.write_all(b"GET / HTTP/1.1\r\n\r\n").await.unwrap();
    read(&mut server).await.unwrap();
    let started = Instant::now();
    let err = read(&mut server).await.unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::TimedOut);
    let took = started.elapsed();
    assert!(took >= DEADLINE * (BUSY_FACTOR - 1), "{took:?}");
}

#[tokio::test]
async fn a_continue_and_the_answer_in_one_write_bring_back_the_head_deadline() {
    let (mut client, server) = duplex(1024);
    let mut server = HeadDeadline::new(server, DEADLINE);
    client
        .write_all(b"POST / HTTP/1.1\r\nExpect: 100-continue\r\n\r\n")
        .await
        .unwrap();
    read(&mut server).await.unwrap();
    server
        .write_all(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 400 Bad Request\r\n\r\n")
        .await
        .unwrap();
    let started = Instant::now();
    assert_eq!(
        read(&mut server).await.unwrap_err().kind(),
        io::ErrorKind::TimedOut
    );
    assert!(started.elapsed() < DEADLINE * 2);
}

#[tokio::test]
async fn pipelined_requests_keep_the_busy_deadline_until_the_last_is_answered() {
    let (mut client, server) = duplex(1024);
    let mut server = HeadDeadline::new(server, DEADLINE);
    client
        .write_all(b"GET /a HTTP/1.1\r\n\r\nGET /ws HTTP/1.1\r\nUpgrade: websocket\r\n\r\n")
        .await
        .unwrap();
    read(&mut server).await.unwrap();
    server.write_all(b"HTTP/1.1 200 OK\r\n\r\n").await.unwrap();
    assert!(
        still_waiting(&mut server, DEADLINE * 2).await,
        "the second request is still being handled"
    );
    server
        .write_all(b"HTTP/1.1 101 Switching Protocols\r\n\r\n")
        .await
        .unwrap();
    assert!(
        still_waiting(&mut server, DEADLINE * (BUSY_FACTOR + 1)).await,
        "the upgraded socket has no deadline"
    );
}

#[tokio::test]
async fn http2_connections_are_cut_off_when_silent_not_while_busy() {
    // Half a preface, then nothing.
    let (mut client, server) = duplex(1024);
    let mut server = HeadDeadline::new(server, DEADLINE);
    client.write_all(b"PRI * HTTP/2.0\r\n\r\n").await.unwrap();
    read(&mut server).await.unwrap();
    let started = Instant::now();
    assert_eq!(
        read(&mut server).await.unwrap_err().kind(),
        io::ErrorKind::TimedOut
    );
    assert!(started.elapsed() < DEADLINE * 2);

    // Traffic back and forth keeps a connection open past any one deadline.
    let (mut client, server) = duplex(1024);
    let mut server = HeadDeadline::new(server, DEADLINE);
    client
        .write_all(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")
        .await
        .unwrap();
    let started = Instant::now();
    while started.elapsed() < DEADLINE * 3 {
        read(&mut server).await.unwrap();
        tokio::time::sleep(DEADLINE / 4).await;
        server.write_all(b"frame").await.unwrap();
        client.write_all(b"frame").await.unwrap();
    }
}
