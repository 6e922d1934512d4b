//! `search`: how fast a search answers over a long history. The scenario builds its own data
//! folder: accounts and rooms through the API of a server it starts (open rooms, private rooms
//! the searcher is in, and private rooms of someone else's, which every search must skip),
//! then the messages through the store itself, indexed as the writer indexes them, many
//! thousand a transaction, and packed by the index's upkeep until nothing is due (timed on
//! its own). It starts the server again on that folder and times searches
//! through the API, one at a time, as a person types them: two words, the last a prefix. Then
//! the same folder is exported whole and imported (`transfer`).

use std::time::Instant;

use anyhow::{Context, bail};
use redb::Durability;
use serde_json::json;

use super::client::{self, http};
use super::crowd::accounts;
use super::stats::Latencies;
use super::target::Target;
use super::text::{Rng, Vocabulary};
use super::{BenchSettings, Row};
use crate::store::{IndexSize, MessageRecord, Store, Upkeep};

/// Rooms the messages are spread over: open, the searcher's private ones, others' private ones.
const OPEN_ROOMS: usize = 80;
const MY_PRIVATE_ROOMS: usize = 10;
const OTHER_PRIVATE_ROOMS: usize = 10;
/// People who write the messages.
const AUTHORS: usize = 20;
/// Messages stored per transaction while the folder is built.
const PER_TRANSACTION: usize = 10_000;
/// Words the messages are drawn from.
const VOCABULARY: usize = 20_000;

pub async fn search(settings: &BenchSettings, external: bool) -> anyhow::Result<Vec<Row>> {
    if external {
        return Ok(vec![Row::new(
            "search",
            "a server at --url".into(),
            "skipped: the scenario builds a data folder of its own; run it without --url".into(),
            json!({"skipped": true}),
        )]);
    }
    let mut server = Target::spawn(settings.pin_server).await?;
    let addr = server.addr();
    let cookies = accounts(&addr, "seek", AUTHORS + 1).await?;
    let (seeker, other) = (&cookies[0], &cookies[1]);
    let mut rooms = Vec::new();
    for i in 0..OPEN_ROOMS + MY_PRIVATE_ROOMS + OTHER_PRIVATE_ROOMS {
        let (name, kind, owner) = if i < OPEN_ROOMS {
            (format!("open-{i}"), "open", seeker)
        } else if i < OPEN_ROOMS + MY_PRIVATE_ROOMS {
            (format!("mine-{i}"), "private", seeker)
        } else {
            (format!("theirs-{i}"), "private", other)
        };
        let made = http(
            &addr,
            "POST",
            "/api/v1/rooms",
            Some(owner),
            Some(&json!({"name": name, "kind": kind})),
        )
        .await?;
        if made.status != 201 {
            bail!(
                "making room {name} failed with {}: {}",
                made.status,
                made.body
            );
        }
        let made: serde_json::Value = serde_json::from_str(&made.body)?;
        rooms.push(made["room"]["id"].as_u64().context("no room id")?);
    }
    let data = server.data_path().context("no data folder")?;
    server.stop().await;

    // The history, written through the store as the writer writes it.
    let count = settings.search_messages;
    let vocabulary = std::sync::Arc::new(Vocabulary::new(VOCABULARY));
    let words = std::sync::Arc::clone(&vocabulary);
    let started = Instant::now();
    let (size, packing) = tokio::task::spawn_blocking(
        move || -> anyhow::Result<(IndexSize, std::time::Duration)> {
            let store = Store::open(&data)?;
            let mut rng = Rng::new(42);
            // One message a second, ending now.
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)?
                .as_millis() as u64;
            let first = now.saturating_sub(count as u64 * 1000);
            let mut stored = 0;
            while stored < count {
                let batch = PER_TRANSACTION.min(count - stored);
                let at = first + stored as u64 * 1000;
                store.transact(Durability::None, at, |tx| {
                    for _ in 0..batch {
                        let room = rooms[rng.below(rooms.len())];
                        // User ids 1.. are the accounts made above, in order.
                        let author = 1 + rng.below(AUTHORS + 1) as u64;
                        let length = 4 + rng.below(13);
                        let text = words.sentence(&mut rng, length);
                        tx.append_message(room, MessageRecord::post(author, &text, None))?;
                    }
                    Ok(())
                })?;
                stored += batch;
            }
            // What the index thread does as messages arrive, all at once.
            let packing = Instant::now();
            Upkeep::default().run_until_idle(&store)?;
            let packing = packing.elapsed();
            store.checkpoint()?;
            Ok((store.snapshot()?.search_index_size()?, packing))
        },
    )
    .await??;
    let build = started.elapsed();

    // Searches, one at a time, by the person who may read the open rooms and their own.
    server.restart().await?;
    let addr = server.addr();
    let cookie = client::account(&addr, "seek0").await?;
    let mut rng = Rng::new(7);
    let mut latencies = Latencies::default();
    let mut found = 0u64;
    let mut full_pages = 0u64;
    for _ in 0..settings.search_queries {
        // A word of middling frequency, and the start of another, as typed.
        let word = vocabulary.word(20 + rng.below(1_000));
        let next = vocabulary.word(20 + rng.below(3_000));
        let prefix: String = next.chars().take(3).collect();
        let q = format!("{word} {prefix}");
        let path = format!("/api/v1/search?q={}", q.replace(' ', "+"));
        let asked = Instant::now();
        let answer = http(&addr, "GET", &path, Some(&cookie), None).await?;
        latencies.record(asked.elapsed());
        if answer.status != 200 {
            bail!(
                "search {q:?} failed with {}: {}",
                answer.status,
                answer.body
            );
        }
        let page: serde_json::Value = serde_json::from_str(&answer.body)?;
        let results = page["results"].as_array().map_or(0, Vec::len) as u64;
        found += results;
        full_pages += u64::from(page["more"] == true);
    }
    server.stop().await;
    let data = server.data_path().context("no data folder")?;
    let moved =
        tokio::task::spawn_blocking(move || super::transfer::export_and_import(&data)).await??;

    let queries = settings.search_queries.max(1) as u64;
    let per_message = size.index_bytes as f64 / size.messages.max(1) as f64;
    let history_per_message = size.history_bytes as f64 / size.messages.max(1) as f64;
    let s = latencies.summary();
    let stored_rate = size.messages as f64 / build.as_secs_f64();
    let packed_rate = size.messages as f64 / packing.as_secs_f64().max(f64::EPSILON);
    let result = format!(
        "p50 {:.2} ms, p95 {:.2} ms, p99 {:.2} ms, max {:.1} ms; {:.1} results a query, {full_pages} full pages; index {per_message:.0} B/message on disk (history {history_per_message:.0} B); stored and indexed {stored_rate:.0} messages/s, of which packed into segments {packed_rate:.0} messages/s",
        s.p50_ms,
        s.p95_ms,
        s.p99_ms,
        s.max_ms,
        found as f64 / queries as f64,
    );
    Ok(vec![
        Row::new(
            "search",
            format!(
                "{} messages, {} rooms, {} two-word queries",
                size.messages,
                OPEN_ROOMS + MY_PRIVATE_ROOMS + OTHER_PRIVATE_ROOMS,
                settings.search_queries
            ),
            result,
            json!({"messages": size.messages, "queries": settings.search_queries, "latency": s,
               "results_per_query": found as f64 / queries as f64, "full_pages": full_pages,
               "index_bytes": size.index_bytes, "history_bytes": size.history_bytes,
               "index_bytes_per_message": per_message, "build_seconds": build.as_secs_f64(),
               "stored_per_second": stored_rate, "packing_seconds": packing.as_secs_f64(),
               "packed_per_second": packed_rate}),
        ),
        moved,
    ])
}
