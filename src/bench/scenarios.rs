//! The saturation scenarios (connections, fan-out, throughput, sign-ins, durability; `steady` is
//! in its own file). Each returns table rows; every loop is bounded in count and time.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use futures_util::stream::{self, StreamExt};
use serde_json::{Value, json};

use super::crowd::{Crowd, accounts, send_steadily, type_steadily};
use super::stats::Latencies;
use super::target::Target;
use super::{BenchSettings, Row, client};

/// p99 delivery latency the throughput search must stay under.
const P99_BUDGET_MS: f64 = 100.0;

fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

/// Opens many idle sockets: connect rate, and the server's memory per socket.
pub async fn connections(
    target: &mut Target,
    settings: &BenchSettings,
) -> anyhow::Result<Vec<Row>> {
    let addr = target.addr();
    let cookies = accounts(
        &addr,
        "conn",
        settings.users.min(settings.connections).max(1),
    )
    .await?;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let before = target.rss();
    let started = Instant::now();
    let sockets = stream::iter(0..settings.connections)
        .map(|i| {
            let addr = addr.clone();
            let cookie = cookies[i % cookies.len()].clone();
            async move { client::connect(&addr, &cookie).await }
        })
        .buffer_unordered(128)
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .collect::<anyhow::Result<Vec<_>>>()?;
    let elapsed = started.elapsed();
    tokio::time::sleep(Duration::from_secs(1)).await;
    let after = target.rss();
    let rate = sockets.len() as f64 / elapsed.as_secs_f64();
    let per_socket = match (before, after) {
        (Some(b), Some(a)) => Some(a.saturating_sub(b) as f64 / sockets.len() as f64 / 1024.0),
        _ => None,
    };
    drop(sockets);
    let result = match (per_socket, after) {
        (Some(kib), Some(rss)) => format!(
            "{rate:.0} connects/s; server RSS {:.1} MiB, {kib:.1} KiB per idle socket",
            mib(rss)
        ),
        _ => format!("{rate:.0} connects/s"),
    };
    let idle = Row::new(
        "connections",
        format!("{} sockets", settings.connections),
        result,
        json!({"sockets": settings.connections, "connects_per_s": rate,
               "rss_before_bytes": before, "rss_after_bytes": after, "kib_per_socket": per_socket}),
    );
    Ok(vec![idle, joined(target, &cookies, settings.joined).await?])
}

/// Opens `count` sockets that each join one room, as a big room's members do: the server's
/// memory per socket with its room, presence and queue.
async fn joined(target: &mut Target, cookies: &[String], count: usize) -> anyhow::Result<Row> {
    // A server that just closed 10,000 sockets keeps some of their memory to use again, which
    // the joined ones would then take without growing: they are measured on a fresh start.
    if target.is_spawned() {
        target.stop().await;
        target.restart().await?;
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    // One socket joins and leaves first, so that the code on the way is in memory already.
    Crowd::join(&target.addr(), cookies, &[0], "joined-", false)
        .await?
        .finish()
        .await;
    let before = target.rss();
    let layout = vec![0; count];
    let crowd = Crowd::join(&target.addr(), cookies, &layout, "joined-", false).await?;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let after = target.rss();
    crowd.finish().await;
    let per_socket = match (before, after) {
        (Some(b), Some(a)) => Some(a.saturating_sub(b) as f64 / count.max(1) as f64 / 1024.0),
        _ => None,
    };
    let result = match (per_socket, after) {
        (Some(kib), Some(rss)) => format!(
            "server RSS {:.1} MiB, {kib:.1} KiB per joined socket",
            mib(rss)
        ),
        _ => "memory not measured (a server at --url)".to_owned(),
    };
    Ok(Row::new(
        "connections",
        format!("{count} sockets joined to one room"),
        result,
        json!({"sockets": count, "joined": true, "rss_before_bytes": before,
               "rss_after_bytes": after, "kib_per_socket": per_socket}),
    ))
}

/// One room of M members and one sender at a fixed rate: per-recipient delivery latency.
pub async fn fanout(target: &Target, settings: &BenchSettings) -> anyhow::Result<Vec<Row>> {
    let addr = target.addr();
    let mut rows = Vec::new();
    let cookies = accounts(&addr, "fan", settings.users.max(1)).await?;
    // The same room with messages that mention two members: recognising them when stored and
    // sending them to everyone must cost no more than a plain message.
    let mentions = format!("@fan0 @fan{} ", cookies.len().saturating_sub(1));
    let variants = [("", "plain"), (mentions.as_str(), "2 mentions")];
    for (&members, (lead, variant)) in settings
        .fanout_members
        .iter()
        .flat_map(|m| variants.iter().map(move |v| (m, *v)))
    {
        let prefix = format!("fanout-{members}-");
        let mut crowd = Crowd::join(&addr, &cookies, &vec![0; members], &prefix, false).await?;
        let duration = Duration::from_secs(settings.seconds);
        let epoch = crowd.epoch;
        let sent = send_steadily(
            &mut crowd.members[..1],
            settings.fanout_rate as f64,
            duration,
            epoch,
            lead,
        )
        .await;
        let expected = sent * members as u64;
        let delivered = crowd.wait_for(expected, Duration::from_secs(10)).await;
        let mut latencies = Latencies::default();
        for received in crowd.finish().await {
            latencies.merge(received.latencies);
        }
        let s = latencies.summary();
        rows.push(Row::new(
            "fanout",
            format!("{members} members, {} msg/s, {} s, {variant}", settings.fanout_rate, settings.seconds),
            format!(
                "p50 {:.2} ms, p99 {:.2} ms, max {:.1} ms; delivered {delivered}/{expected} ({:.2}%)",
                s.p50_ms, s.p99_ms, s.max_ms, percent(delivered, expected)
            ),
            json!({"members": members, "rate": settings.fanout_rate, "seconds": settings.seconds,
                   "mentions": !lead.is_empty(), "latency": s, "delivered": delivered,
                   "expected": expected}),
        ));
    }
    Ok(rows)
}

/// One room of N members, T of them typing and reporting it once a second (three times what a
/// page sends). The server coalesces per room, so each member hears at most about one `typing`
/// frame a second however many type: without it, T a second each.
pub async fn typing(target: &Target, settings: &BenchSettings) -> anyhow::Result<Vec<Row>> {
    let addr = target.addr();
    let (members, typists) = (settings.typing_members, settings.typists);
    let cookies = accounts(&addr, "typ", settings.users.max(1).max(typists)).await?;
    // The typists are distinct people (the first sockets, one per account), as in a real room.
    let mut crowd = Crowd::join(&addr, &cookies, &vec![0; members], "typing-", false).await?;
    let duration = Duration::from_secs(settings.seconds);
    let started = Instant::now();
    type_steadily(&mut crowd.members[..typists], duration).await;
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let elapsed = started.elapsed().as_secs_f64();
    let frames = crowd.typing.load(std::sync::atomic::Ordering::Relaxed);
    drop(crowd.finish().await);
    let per_member = frames as f64 / members as f64 / elapsed;
    let reports = typists as f64 * settings.seconds as f64;
    Ok(vec![Row::new(
        "typing",
        format!(
            "{members} members, {typists} typing, 1 report/s each, {} s",
            settings.seconds
        ),
        format!(
            "{per_member:.2} typing frames per member per second (uncoalesced: {typists}); {frames} frames for {reports:.0} reports"
        ),
        json!({"members": members, "typists": typists, "seconds": settings.seconds,
               "frames": frames, "per_member_per_s": per_member, "reports": reports}),
    )])
}

fn percent(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        100.0
    } else {
        part as f64 * 100.0 / whole as f64
    }
}

/// R rooms × K members, everyone sending at a fixed rate; the rate steps up until p99 latency
/// passes the budget or a delivery goes missing.
pub async fn throughput(target: &Target, settings: &BenchSettings) -> anyhow::Result<Vec<Row>> {
    let addr = target.addr();
    let (rooms, members) = (settings.rooms, settings.members);
    let cookies = accounts(&addr, "load", settings.users.max(1)).await?;
    let layout: Vec<usize> = (0..rooms * members).map(|i| i / members).collect();
    let prefix = "load-";
    let mut rows = Vec::new();
    let mut best: Option<(u32, f64)> = None;
    for &rate in &settings.rates {
        // A fresh crowd per step, so each step's latencies stand alone.
        let mut crowd = Crowd::join(&addr, &cookies, &layout, prefix, false).await?;
        let started = Instant::now();
        let duration = Duration::from_secs(settings.seconds);
        let epoch = crowd.epoch;
        let sent = send_steadily(&mut crowd.members, rate as f64, duration, epoch, "").await;
        let expected = sent * members as u64;
        let delivered = crowd.wait_for(expected, Duration::from_secs(10)).await;
        let elapsed = started.elapsed().as_secs_f64();
        let per_second = delivered as f64 / elapsed;
        let mut latencies = Latencies::default();
        for received in crowd.finish().await {
            latencies.merge(received.latencies);
        }
        let s = latencies.summary();
        let within_budget = delivered >= expected && s.p99_ms <= P99_BUDGET_MS;
        if within_budget {
            best = Some((rate, per_second));
        }
        rows.push(Row::new(
            "throughput",
            format!("{rooms} rooms × {members} members, {rate} msg/s each, {} s", settings.seconds),
            format!(
                "{per_second:.0} deliveries/s; p50 {:.2} ms, p99 {:.2} ms; delivered {delivered}/{expected} ({:.2}%)",
                s.p50_ms, s.p99_ms, percent(delivered, expected)
            ),
            json!({"rooms": rooms, "members": members, "rate": rate, "seconds": settings.seconds,
                   "deliveries_per_s": per_second, "latency": s, "delivered": delivered,
                   "expected": expected}),
        ));
        if !within_budget {
            break;
        }
    }
    if let Some((rate, per_second)) = best {
        rows.push(Row::new(
            "throughput",
            format!("best rate with p99 ≤ {P99_BUDGET_MS} ms"),
            format!("{rate} msg/s per member: {per_second:.0} deliveries/s"),
            json!({"best_rate": rate, "deliveries_per_s": per_second}),
        ));
    }
    Ok(rows)
}

/// A burst of sign-ins: rate, latency, and the server's peak memory meanwhile.
pub async fn login(target: &Target, settings: &BenchSettings) -> anyhow::Result<Vec<Row>> {
    let addr = target.addr();
    let users = settings.users.max(1);
    accounts(&addr, "login", users).await?;
    let baseline = target.rss();
    let peak = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(baseline.unwrap_or(0)));
    let sampling = {
        let peak = std::sync::Arc::clone(&peak);
        let read_rss = target.rss_reader();
        tokio::spawn(async move {
            loop {
                if let Some(rss) = read_rss() {
                    peak.fetch_max(rss, std::sync::atomic::Ordering::Relaxed);
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        })
    };
    let started = Instant::now();
    let results = stream::iter(0..settings.logins)
        .map(|i| {
            let addr = addr.clone();
            async move {
                let body = json!({"username": format!("login{}", i % users), "password": "benchmark password"});
                let began = Instant::now();
                let answer = client::http(&addr, "POST", "/api/v1/auth/login", None, Some(&body)).await?;
                anyhow::ensure!(answer.status == 200, "sign-in answered {}: {}", answer.status, answer.body);
                Ok(began.elapsed())
            }
        })
        .buffer_unordered(settings.login_concurrency)
        .collect::<Vec<anyhow::Result<Duration>>>()
        .await;
    let elapsed = started.elapsed();
    sampling.abort();
    let mut latencies = Latencies::default();
    for result in results {
        latencies.record(result?);
    }
    let s = latencies.summary();
    let rate = settings.logins as f64 / elapsed.as_secs_f64();
    let peak = peak.load(std::sync::atomic::Ordering::Relaxed);
    let memory = match baseline {
        Some(base) => format!(
            "; server RSS {:.1} MiB before, peak {:.1} MiB",
            mib(base),
            mib(peak)
        ),
        None => String::new(),
    };
    Ok(vec![Row::new(
        "login",
        format!(
            "{} sign-ins, {} at once",
            settings.logins, settings.login_concurrency
        ),
        format!(
            "{rate:.1} sign-ins/s; p50 {:.0} ms, p99 {:.0} ms{memory}",
            s.p50_ms, s.p99_ms
        ),
        json!({"logins": settings.logins, "concurrency": settings.login_concurrency, "per_s": rate,
               "latency": s, "rss_before_bytes": baseline, "rss_peak_bytes": peak}),
    )])
}

/// The throughput load, then a SIGKILL of the server mid-run: after a restart, every message
/// any client received must be in the history, unchanged. Delivered means committed.
pub async fn durability(target: &mut Target, settings: &BenchSettings) -> anyhow::Result<Vec<Row>> {
    let addr = target.addr();
    let (rooms, members) = (settings.rooms, settings.members);
    let cookies = accounts(&addr, "durable", settings.users.max(1)).await?;
    let layout: Vec<usize> = (0..rooms * members).map(|i| i / members).collect();
    let prefix = "durable-";
    let mut crowd = Crowd::join(&addr, &cookies, &layout, prefix, true).await?;
    let rate = settings.rates.first().copied().unwrap_or(5) as f64;
    let duration = Duration::from_secs(settings.seconds);
    let epoch = crowd.epoch;
    let killed = target.is_spawned();
    {
        let sending = send_steadily(&mut crowd.members, rate, duration, epoch, "");
        let kill_at = tokio::time::sleep(duration / 2);
        tokio::pin!(sending);
        tokio::pin!(kill_at);
        if killed {
            tokio::select! {
                _ = &mut sending => {}
                () = &mut kill_at => target.kill().await?,
            }
        }
        let _ = tokio::time::timeout(duration + Duration::from_secs(5), sending).await;
    }
    let received = crowd.finish().await;
    if killed {
        target.restart().await?;
    }
    let mut seen: HashMap<(usize, u64), String> = HashMap::new();
    for r in received {
        for (room, id, text) in r.messages {
            seen.insert((room, id), text);
        }
    }
    let mut stored: HashMap<(usize, u64), String> = HashMap::new();
    for room in 0..rooms {
        for (id, text) in history(&addr, &cookies[0], &format!("{prefix}{room}")).await? {
            stored.insert((room, id), text);
        }
    }
    let missing = seen
        .iter()
        .filter(|(key, text)| stored.get(key) != Some(text))
        .count();
    let how = if killed {
        "SIGKILL mid-run, restart"
    } else {
        "no kill (external server)"
    };
    Ok(vec![Row::new(
        "durability",
        format!("{rooms} rooms × {members} members, {rate} msg/s each, {how}"),
        format!(
            "{} distinct messages delivered, {} stored, {missing} delivered but missing",
            seen.len(),
            stored.len()
        ),
        json!({"delivered_distinct": seen.len(), "stored": stored.len(), "missing": missing, "killed": killed}),
    )])
    .and_then(|rows| {
        anyhow::ensure!(missing == 0, "{missing} delivered messages are missing from the history");
        Ok(rows)
    })
}

/// Every message of a room, through the API.
async fn history(addr: &str, cookie: &str, room: &str) -> anyhow::Result<Vec<(u64, String)>> {
    let mut out = Vec::new();
    let mut after = 0u64;
    let room =
        percent_encoding::utf8_percent_encode(room, percent_encoding::NON_ALPHANUMERIC).to_string();
    for _ in 0..100_000 {
        let path = format!("/api/v1/rooms/{room}/messages?after={after}&limit=200");
        let answer = client::http(addr, "GET", &path, Some(cookie), None).await?;
        if answer.status == 404 {
            break;
        }
        anyhow::ensure!(answer.status == 200, "history answered {}", answer.status);
        let page: Value = serde_json::from_str(&answer.body)?;
        for m in page["messages"].as_array().into_iter().flatten() {
            let id = m["id"].as_u64().unwrap_or(0);
            after = after.max(id);
            out.push((id, m["text"].as_str().unwrap_or("").to_owned()));
        }
        if page["more"] != true {
            break;
        }
    }
    Ok(out)
}
