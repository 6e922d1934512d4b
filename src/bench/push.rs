//! `push`: Web Push under load, against a slow push service. People with no page open, each
//! with one subscribed browser and the room set to every message, are called by each message
//! of one sender. A push service on loopback answers each push only after `--push-delay-ms`
//! (as a distant or busy service does), and decrypts it with its browser's key (RFC 8291, as
//! the browser would), reading when it was sent from its text. The figures: pushes queued and
//! sent per second, what was dropped or given up on, and how long after its message each push
//! arrived (the server holds every push two seconds first, for a read elsewhere to cancel it).

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, bail, ensure};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use futures_util::{SinkExt, StreamExt, stream};
use p256::elliptic_curve::sec1::ToEncodedPoint;
use poem::http::StatusCode;
use poem::web::{Data, Path};
use poem::{EndpointExt, Route, handler, post};
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio_tungstenite::tungstenite::Message;

use super::crowd::{accounts, stamp};
use super::stats::Latencies;
use super::target::Target;
use super::{BenchSettings, Row, client};

const ROOM: &str = "pushed";
/// After the last message, how long the service may go without a push before the run ends.
const QUIET_END: Duration = Duration::from_secs(20);

/// A browser's side of a subscription: the key pair and secret its pushes are encrypted for.
struct Browser {
    secret: p256::SecretKey,
    auth: [u8; 16],
}

impl Browser {
    fn new() -> anyhow::Result<Browser> {
        let secret = loop {
            let mut bytes = [0u8; 32];
            getrandom::fill(&mut bytes).context("no randomness")?;
            if let Ok(key) = p256::SecretKey::from_slice(&bytes) {
                break key;
            }
        };
        let mut auth = [0u8; 16];
        getrandom::fill(&mut auth).context("no randomness")?;
        Ok(Browser { secret, auth })
    }

    /// `PushSubscription.toJSON()`.
    fn subscription(&self, endpoint: &str) -> Value {
        let public = self.secret.public_key().to_encoded_point(false);
        json!({
            "endpoint": endpoint,
            "keys": {
                "p256dh": URL_SAFE_NO_PAD.encode(public.as_bytes()),
                "auth": URL_SAFE_NO_PAD.encode(self.auth),
            },
        })
    }

    /// The push's text: the message's stamp (see [`stamp`]).
    fn read(&self, body: Vec<u8>) -> Option<String> {
        let auth = web_push_native::Auth::clone_from_slice(&self.auth);
        let plain = web_push_native::decrypt(body, &self.secret, &auth).ok()?;
        let payload: Value = serde_json::from_slice(&plain).ok()?;
        payload["body"].as_str().map(str::to_owned)
    }
}

/// The push service's side: each browser's keys, and what arrived.
struct Service {
    browsers: Vec<Browser>,
    delay: Duration,
    /// The clock the messages' stamps count from.
    epoch: Instant,
    addr: std::net::SocketAddr,
    arrived: Mutex<Arrived>,
}

#[derive(Default)]
struct Arrived {
    /// Pushes received, read or not.
    count: usize,
    /// Pushes whose body did not decrypt, or named no browser of ours.
    unreadable: usize,
    first: Option<Instant>,
    last: Option<Instant>,
    /// From sending each message to its push arriving.
    latencies: Latencies,
}

#[handler]
async fn receive(
    Path(browser): Path<usize>,
    body: Vec<u8>,
    service: Data<&Arc<Service>>,
) -> StatusCode {
    let now = Instant::now();
    let text = service.browsers.get(browser).and_then(|b| b.read(body));
    let sent_micros = text
        .as_deref()
        .and_then(|t| t.rsplit(' ').next()?.parse::<u64>().ok());
    {
        let mut arrived = service.arrived.lock().unwrap_or_else(|e| e.into_inner());
        arrived.count += 1;
        arrived.first = arrived.first.or(Some(now));
        arrived.last = Some(now);
        match sent_micros {
            Some(sent) => {
                let at = now.duration_since(service.epoch).as_micros() as u64;
                arrived
                    .latencies
                    .record(Duration::from_micros(at.saturating_sub(sent)));
            }
            None => arrived.unreadable += 1,
        }
    }
    tokio::time::sleep(service.delay).await;
    StatusCode::CREATED
}

/// The server's push counts, from its control socket.
async fn counts(target: &Target) -> anyhow::Result<Value> {
    let data = target.data_path().context("no data folder")?;
    let request = crate::operator::actions::AdminRequest::Stats;
    let reply = crate::operator::control::request(&data, &request).await?;
    let stats: Value = serde_json::from_str(&reply.output)?;
    Ok(stats["pushes"].clone())
}

fn count(counts: &Value, name: &str) -> u64 {
    counts[name].as_u64().unwrap_or(0)
}

/// The answer's status, or an error that says what was asked.
async fn call(
    addr: &str,
    method: &str,
    path: &str,
    cookie: &str,
    body: Value,
    want: u16,
) -> anyhow::Result<()> {
    let answer = client::http(addr, method, path, Some(cookie), Some(&body)).await?;
    ensure!(
        answer.status == want,
        "{method} {path} answered {}: {}",
        answer.status,
        answer.body
    );
    Ok(())
}

pub async fn push(target: &Target, settings: &BenchSettings) -> anyhow::Result<Vec<Row>> {
    if !target.is_spawned() {
        bail!(
            "push needs a server this benchmark starts (one that accepts a push service on loopback)"
        );
    }
    let (people, rate, delay) = (
        settings.push_people,
        settings.push_rate,
        settings.push_delay,
    );
    let addr = target.addr();
    let (service, serving) = Service::start(people, delay).await?;
    let sender = set_up(&addr, &service).await?;
    let before = counts(target).await?;
    let messages = (rate as u64 * settings.seconds) as usize;
    let sending = send_stamped(&addr, &sender, messages, rate, service.epoch).await?;
    let expected = messages * people;
    let after = until_accounted(target, &service, &before, expected).await?;
    serving.abort();

    let since = |name: &str| count(&after, name).saturating_sub(count(&before, name));
    let (queued, dropped, failed) = (since("queued"), since("dropped"), since("failed"));
    let mut arrived =
        std::mem::take(&mut *service.arrived.lock().unwrap_or_else(|e| e.into_inner()));
    ensure!(
        arrived.unreadable == 0,
        "{} pushes did not decrypt with their browser's key",
        arrived.unreadable
    );
    let queued_per_s = queued as f64 / sending.as_secs_f64().max(0.001);
    // Pushes after the first, over the time from the first to the last.
    let sent_per_s = match arrived.first.zip(arrived.last) {
        Some((first, last)) if arrived.count > 1 && last > first => {
            (arrived.count - 1) as f64 / (last - first).as_secs_f64()
        }
        _ => 0.0,
    };
    let latency = arrived.latencies.summary();
    Ok(vec![Row::new(
        "push",
        format!(
            "{people} away × {rate} msg/s for {} s, service answers in {} ms",
            settings.seconds,
            delay.as_millis()
        ),
        format!(
            "queued {queued_per_s:.0}/s, sent {sent_per_s:.0}/s; {} of {expected} arrived, {dropped} dropped, {failed} failed; arrived p50 {:.0} ms, p99 {:.0} ms after sending",
            arrived.count, latency.p50_ms, latency.p99_ms
        ),
        json!({
            "people": people, "rate": rate, "seconds": settings.seconds, "delay_ms": delay.as_millis() as u64,
            "expected": expected, "arrived": arrived.count, "queued": queued, "dropped": dropped,
            "failed": failed, "queued_per_s": queued_per_s, "sent_per_s": sent_per_s, "latency": latency,
        }),
    )])
}

impl Service {
    /// A service on 127.0.0.1 for `people` browsers, answering each push after `delay`.
    async fn start(
        people: usize,
        delay: Duration,
    ) -> anyhow::Result<(Arc<Service>, tokio::task::JoinHandle<std::io::Result<()>>)> {
        let browsers = (0..people)
            .map(|_| Browser::new())
            .collect::<anyhow::Result<Vec<_>>>()?;
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let service = Arc::new(Service {
            browsers,
            delay,
            epoch: Instant::now(),
            addr: listener.local_addr()?,
            arrived: Mutex::new(Arrived::default()),
        });
        let app = Route::new()
            .at("/push/:browser", post(receive))
            .data(Arc::clone(&service));
        let acceptor = poem::listener::TcpAcceptor::from_tokio(listener)?;
        let serving = tokio::spawn(poem::Server::new_with_acceptor(acceptor).run(app));
        Ok((service, serving))
    }
}

/// One sender, and everyone else away: a member of the room at every message with one browser
/// subscribed at the service. Returns the sender's cookie.
async fn set_up(addr: &str, service: &Service) -> anyhow::Result<String> {
    let people = service.browsers.len();
    let sender = client::account(addr, "pushfrom").await?;
    let away = accounts(addr, "pushto", people).await?;
    let room = json!({"name": ROOM, "kind": "private"});
    call(addr, "POST", "/api/v1/rooms", &sender, room, 201).await?;
    let members = format!("/api/v1/rooms/{ROOM}/members");
    for i in 0..people {
        let member = json!({"username": format!("pushto{i}")});
        call(addr, "POST", &members, &sender, member, 204).await?;
    }
    stream::iter(away.iter().enumerate())
        .map(|(i, cookie)| async move {
            let level = json!({"level": "all"});
            let levels = format!("/api/v1/rooms/{ROOM}/notifications");
            call(addr, "PUT", &levels, cookie, level, 200).await?;
            let endpoint = format!("http://{}/push/{i}", service.addr);
            let subscription = service.browsers[i].subscription(&endpoint);
            call(
                addr,
                "POST",
                "/api/v1/push/subscriptions",
                cookie,
                subscription,
                201,
            )
            .await
        })
        .buffer_unordered(8)
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .collect::<anyhow::Result<Vec<_>>>()
        .context(
            "the push service on loopback was refused: does the server allow private endpoints?",
        )?;
    Ok(sender)
}

/// Posts `messages` stamped texts into the room at `rate` a second; how long that took.
async fn send_stamped(
    addr: &str,
    cookie: &str,
    messages: usize,
    rate: u32,
    epoch: Instant,
) -> anyhow::Result<Duration> {
    let socket = client::connect(addr, cookie).await?;
    let (mut sink, mut source) = socket.split();
    let join = json!({"type": "join", "room": ROOM}).to_string();
    sink.send(Message::Text(join.into())).await?;
    let room_id = loop {
        let frame = tokio::time::timeout(Duration::from_secs(10), source.next())
            .await
            .context("no answer to join")?
            .context("the socket closed")??;
        if let Message::Text(text) = frame
            && let Ok(frame) = serde_json::from_str::<Value>(text.as_str())
            && frame["type"] == "joined"
        {
            break frame["room_id"]
                .as_u64()
                .context("joined without a room id")?;
        }
    };
    // The sender's own echoes are read and dropped, so its socket never backs up.
    let draining = tokio::spawn(async move { while source.next().await.is_some() {} });
    let started = Instant::now();
    let mut ticks = tokio::time::interval(Duration::from_secs(1) / rate.max(1));
    for seq in 0..messages {
        ticks.tick().await;
        let frame = json!({"type": "send", "room_id": room_id, "text": stamp(seq as u64, epoch)});
        sink.send(Message::Text(frame.to_string().into())).await?;
    }
    let sending = started.elapsed();
    draining.abort();
    Ok(sending)
}

/// Waits until every push is accounted for (arrived, dropped or given up on), or the service
/// has heard nothing for [`QUIET_END`]; returns the server's counts then.
async fn until_accounted(
    target: &Target,
    service: &Service,
    before: &Value,
    expected: usize,
) -> anyhow::Result<Value> {
    let mut last_change = (Instant::now(), 0);
    loop {
        tokio::time::sleep(Duration::from_millis(250)).await;
        let now = counts(target).await?;
        let arrived = service
            .arrived
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .count;
        let lost = ["dropped", "failed"]
            .map(|name| count(&now, name).saturating_sub(count(before, name)))
            .iter()
            .sum::<u64>() as usize;
        if arrived != last_change.1 {
            last_change = (Instant::now(), arrived);
        }
        if arrived + lost >= expected || last_change.0.elapsed() > QUIET_END {
            return Ok(now);
        }
    }
}
