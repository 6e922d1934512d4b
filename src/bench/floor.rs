//! `floor`: what the machine itself charges for the two things every message costs, measured
//! without confab in the way, so the other scenarios' figures can be read against them:
//!
//! - one durable write: a 4 KiB `pwrite` and an `fdatasync` of it, in the folder where the
//!   benchmark's server keeps its data (the system's temporary folder);
//! - one delivery: a 180-byte `send` on a loopback TCP connection whose reader sleeps between
//!   frames, so each send also wakes it, as a chat client is woken.
//!
//! Each figure is the CPU time of the calling thread across the system call (user and kernel,
//! from `CLOCK_THREAD_CPUTIME_ID`), and for the write also the wall time it waited.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::unix::fs::FileExt;
use std::time::{Duration, Instant};

use serde_json::json;

use super::stats::Latencies;
use super::{BenchSettings, Row};

/// Bytes of one frame in `sends`: about what a short chat message is on the wire.
const FRAME_BYTES: usize = 180;
/// A page, as redb writes them.
const PAGE_BYTES: usize = 4096;

pub async fn floor(settings: &BenchSettings) -> anyhow::Result<Vec<Row>> {
    let (syncs, sends) = (settings.floor_syncs, settings.floor_sends);
    tokio::task::spawn_blocking(move || {
        let write = durable_writes(syncs)?;
        let send = sends_to_a_sleeping_reader(sends)?;
        Ok(vec![write, send])
    })
    .await?
}

/// CPU time this thread has used.
fn thread_cpu() -> Duration {
    let mut now = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes one timespec to the pointer it is given.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut now) };
    Duration::new(
        now.tv_sec.max(0) as u64,
        now.tv_nsec.clamp(0, 999_999_999) as u32,
    )
}

fn durable_writes(count: usize) -> anyhow::Result<Row> {
    let dir = tempfile::tempdir()?;
    let file = std::fs::File::create(dir.path().join("floor"))?;
    let page = vec![0x5a_u8; PAGE_BYTES];
    let mut cpu = Duration::ZERO;
    let mut waits = Latencies::default();
    for i in 0..count {
        let (started, cpu_before) = (Instant::now(), thread_cpu());
        file.write_at(&page, (i % 256 * PAGE_BYTES) as u64)?;
        file.sync_data()?;
        cpu += thread_cpu().saturating_sub(cpu_before);
        waits.record(started.elapsed());
    }
    let us = cpu.as_secs_f64() * 1e6 / count.max(1) as f64;
    let s = waits.summary();
    Ok(Row::new(
        "floor",
        format!("{count} × pwrite of 4 KiB + fdatasync, temporary folder"),
        format!(
            "{us:.1} µs CPU each; waited p50 {:.3} ms, p99 {:.3} ms",
            s.p50_ms, s.p99_ms
        ),
        json!({"what": "fdatasync", "count": count, "cpu_us": us, "latency": s}),
    ))
}

fn sends_to_a_sleeping_reader(count: usize) -> anyhow::Result<Row> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let mut sender = TcpStream::connect(listener.local_addr()?)?;
    sender.set_nodelay(true)?;
    let (mut reader, _) = listener.accept()?;
    let expected = count * FRAME_BYTES;
    let reading = std::thread::spawn(move || {
        let mut buf = [0_u8; 64 * 1024];
        let mut got = 0;
        while got < expected {
            match reader.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => got += n,
            }
        }
        got
    });
    let frame = [b'x'; FRAME_BYTES];
    let mut cpu = Duration::ZERO;
    for _ in 0..count {
        // Long enough for the reader to have gone back to sleep.
        std::thread::sleep(Duration::from_micros(200));
        let before = thread_cpu();
        sender.write_all(&frame)?;
        cpu += thread_cpu().saturating_sub(before);
    }
    drop(sender);
    let got = reading
        .join()
        .map_err(|_| anyhow::anyhow!("reader failed"))?;
    anyhow::ensure!(got == expected, "the reader got {got} of {expected} bytes");
    let us = cpu.as_secs_f64() * 1e6 / count.max(1) as f64;
    Ok(Row::new(
        "floor",
        format!("{count} × loopback send of {FRAME_BYTES} B to a sleeping reader"),
        format!("{us:.2} µs CPU each"),
        json!({"what": "send", "count": count, "cpu_us": us}),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cpu_us(row: &Row) -> f64 {
        row.data["cpu_us"].as_f64().expect("a CPU figure")
    }

    #[test]
    fn a_durable_write_costs_some_cpu_and_some_waiting() {
        let row = durable_writes(5).unwrap();
        assert!(cpu_us(&row) > 0.0, "{}", row.result);
        assert!(row.data["latency"]["p50_ms"].as_f64().unwrap() > 0.0);
    }

    #[test]
    fn every_byte_sent_is_read_and_each_send_costs_some_cpu() {
        let row = sends_to_a_sleeping_reader(20).unwrap();
        assert!(cpu_us(&row) > 0.0, "{}", row.result);
    }
}
