//! `steady`: the load of a busy community rather than a saturated server. R rooms of K members,
//! everyone sending at a fixed rate, and what that costs the server: its CPU over the run (user
//! and system, all threads; the writer thread on its own), per 10,000 deliveries a second and
//! per 1,000 stored messages a second, the microseconds of CPU behind each delivery and each
//! stored message, and how many messages each durable commit carried (the server's own count,
//! asked over its control socket). With `--pin-server` the server has one core to itself, so
//! the percentages compare across machines.

use std::time::{Duration, Instant};

use serde_json::json;

use super::cpu::CpuTimes;
use super::crowd::{Crowd, accounts, send_steadily};
use super::stats::Latencies;
use super::target::Target;
use super::{BenchSettings, Row};

/// The costs of a run, from the server's CPU time and what it carried.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Costs {
    /// Of one core, over the run.
    pub cpu_percent: f64,
    pub writer_cpu_percent: f64,
    pub cpu_percent_per_10k_deliveries_per_s: f64,
    pub cpu_percent_per_1k_messages_per_s: f64,
    /// All the server's CPU time divided by the deliveries.
    pub us_per_delivery: f64,
    /// The writer thread's CPU time divided by the messages stored.
    pub writer_us_per_message: f64,
    /// The search index thread's CPU time divided by the messages stored.
    pub index_us_per_message: f64,
}

impl Costs {
    pub fn of(used: CpuTimes, elapsed: Duration, delivered: u64, stored: u64) -> Costs {
        let CpuTimes {
            process: cpu,
            writer,
            indexer,
        } = used;
        let seconds = elapsed.as_secs_f64().max(f64::EPSILON);
        let cpu_percent = cpu.as_secs_f64() / seconds * 100.0;
        let deliveries_per_s = delivered as f64 / seconds;
        let messages_per_s = stored as f64 / seconds;
        let per = |total: Duration, count: u64| total.as_secs_f64() * 1e6 / count.max(1) as f64;
        Costs {
            cpu_percent,
            writer_cpu_percent: writer.as_secs_f64() / seconds * 100.0,
            cpu_percent_per_10k_deliveries_per_s: cpu_percent
                / (deliveries_per_s / 10_000.0).max(f64::EPSILON),
            cpu_percent_per_1k_messages_per_s: cpu_percent
                / (messages_per_s / 1_000.0).max(f64::EPSILON),
            us_per_delivery: per(cpu, delivered),
            writer_us_per_message: per(writer, stored),
            index_us_per_message: per(indexer, stored),
        }
    }
}

/// The load twice: its sockets sharing `--users` accounts (so each account is a member of
/// several rooms, and every message also sends `activity` frames to its other sockets), then
/// one account per socket, as people with one page open each.
pub async fn steady(target: &Target, settings: &BenchSettings) -> anyhow::Result<Vec<Row>> {
    let addr = target.addr();
    let sockets = settings.steady_rooms * settings.steady_members;
    let shared = accounts(&addr, "steady", settings.users.min(sockets)).await?;
    let own = accounts(&addr, "steadyone", sockets).await?;
    Ok(vec![
        load(target, settings, &shared, "steady-").await?,
        load(target, settings, &own, "steadyone-").await?,
    ])
}

/// One run of the load, its sockets signed in with `cookies` in turn.
async fn load(
    target: &Target,
    settings: &BenchSettings,
    cookies: &[String],
    room_prefix: &str,
) -> anyhow::Result<Row> {
    let addr = target.addr();
    let (rooms, members, rate) = (
        settings.steady_rooms,
        settings.steady_members,
        settings.steady_rate,
    );
    let layout: Vec<usize> = (0..rooms * members).map(|i| i / members).collect();
    let mut crowd = Crowd::join(&addr, cookies, &layout, room_prefix, false).await?;
    // Joining is over; let the server settle before the clock starts.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let read_cpu = target.cpu_reader();

    let commits_before = target.durable_commits().await;
    let before = read_cpu();
    let started = Instant::now();
    let epoch = crowd.epoch;
    let sent = send_steadily(
        &mut crowd.members,
        rate as f64,
        Duration::from_secs(settings.seconds),
        epoch,
        "",
    )
    .await;
    let expected = sent * members as u64;
    let delivered = crowd.wait_for(expected, Duration::from_secs(10)).await;
    let elapsed = started.elapsed();
    let after = read_cpu();
    let commits = match (commits_before, target.durable_commits().await) {
        (Some(before), Some(after)) => Some(after.saturating_sub(before)),
        _ => None,
    };

    let mut latencies = Latencies::default();
    for received in crowd.finish().await {
        latencies.merge(received.latencies);
    }
    let s = latencies.summary();
    let accounts = if cookies.len() >= layout.len() {
        "one account per socket".to_owned()
    } else {
        format!("{} accounts shared", cookies.len())
    };
    let setting = format!(
        "{rooms} rooms × {members} members, {rate} msg/s each, {} s, {accounts}{}",
        settings.seconds,
        if settings.pin_server.is_some() {
            ", server pinned"
        } else {
            ""
        }
    );
    let carried = format!(
        "{:.0} messages/s, {:.0} deliveries/s; p50 {:.2} ms, p99 {:.2} ms, max {:.1} ms; delivered {delivered}/{expected}",
        sent as f64 / elapsed.as_secs_f64(),
        delivered as f64 / elapsed.as_secs_f64(),
        s.p50_ms,
        s.p99_ms,
        s.max_ms
    );
    let mut data = json!({"rooms": rooms, "members": members, "rate": rate, "seconds": settings.seconds,
        "accounts": cookies.len(),
        "pinned_cpu": settings.pin_server, "messages": sent, "delivered": delivered, "expected": expected,
        "elapsed_s": elapsed.as_secs_f64(), "latency": s});
    let result = match (before, after) {
        (Some(before), Some(after)) => {
            let used = after.since(before);
            let costs = Costs::of(used, elapsed, delivered, sent);
            data["costs"] = json!(costs);
            let batches = match commits {
                Some(commits) => {
                    let per_commit = sent as f64 / commits.max(1) as f64;
                    data["durable_commits"] = json!(commits);
                    data["messages_per_commit"] = json!(per_commit);
                    format!(", {commits} commits of {per_commit:.1} messages")
                }
                None => String::new(),
            };
            format!(
                "{carried}; server CPU {:.1}% of a core ({:.1}% per 10k deliveries/s, {:.1}% per 1k messages/s): {:.1} µs per delivery; writer {:.1}% ({:.0} µs per message{batches}); search index {:.0} µs per message",
                costs.cpu_percent,
                costs.cpu_percent_per_10k_deliveries_per_s,
                costs.cpu_percent_per_1k_messages_per_s,
                costs.us_per_delivery,
                costs.writer_cpu_percent,
                costs.writer_us_per_message,
                costs.index_us_per_message
            )
        }
        // A server at --url: its CPU is not ours to read.
        _ => carried,
    };
    Ok(Row::new("steady", setting, result, data))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn costs_divide_cpu_time_by_what_was_carried() {
        // Half a core for 10 s, 400,000 deliveries of 20,000 messages; the writer a tenth,
        // the search index a twentieth.
        let used = CpuTimes {
            process: Duration::from_secs(5),
            writer: Duration::from_secs(1),
            indexer: Duration::from_millis(500),
        };
        let costs = Costs::of(used, Duration::from_secs(10), 400_000, 20_000);
        assert!((costs.cpu_percent - 50.0).abs() < 1e-9);
        assert!((costs.writer_cpu_percent - 10.0).abs() < 1e-9);
        assert!(
            (costs.cpu_percent_per_10k_deliveries_per_s - 12.5).abs() < 1e-9,
            "{costs:?}"
        );
        assert!((costs.cpu_percent_per_1k_messages_per_s - 25.0).abs() < 1e-9);
        assert!((costs.us_per_delivery - 12.5).abs() < 1e-9);
        assert!((costs.writer_us_per_message - 50.0).abs() < 1e-9);
        assert!((costs.index_us_per_message - 25.0).abs() < 1e-9);
        let idle = Costs::of(CpuTimes::default(), Duration::from_secs(1), 0, 0);
        assert_eq!(idle.us_per_delivery, 0.0);
    }
}
