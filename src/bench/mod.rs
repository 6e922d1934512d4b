//! `confab bench`: a load benchmark any operator can run on their own machine. It starts a
//! server (this same binary, as a child process with a temporary data folder, so its memory
//! can be read on its own) or targets a running one with `--url`, signs people up through the
//! API, and drives real WebSocket clients through bounded scenarios on 127.0.0.1.

mod client;
mod cpu;
mod crowd;
mod floor;
mod push;
mod scenarios;
mod search;
mod stats;
mod steady;
mod target;
mod text;
mod transfer;

use std::fmt::Write as _;

use clap::{Args, ValueEnum};
use serde_json::Value;

use target::Target;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Scenario {
    Connections,
    Fanout,
    Typing,
    Throughput,
    Steady,
    Login,
    Durability,
    Search,
    Floor,
    Push,
}

#[derive(Debug, Clone, Args)]
pub struct BenchArgs {
    /// Benchmark a running server (http://127.0.0.1:PORT) instead of starting one; its
    /// memory is then not measured, and durability does not kill it.
    #[arg(long)]
    pub url: Option<String>,
    /// Scenarios to run, in order.
    #[arg(
        long,
        value_enum,
        value_delimiter = ',',
        default_value = "connections,fanout,typing,throughput,steady,login,durability,search,floor,push"
    )]
    pub scenarios: Vec<Scenario>,
    /// Print one JSON object per result row instead of a table.
    #[arg(long)]
    pub json: bool,
    /// Tiny sizes that finish in seconds (a smoke test of every scenario).
    #[arg(long)]
    pub quick: bool,
    /// Idle sockets to open in `connections`.
    #[arg(long, default_value_t = 10_000)]
    pub connections: usize,
    /// Sockets joined to one room in `connections`, after the idle ones.
    #[arg(long, default_value_t = 2_000)]
    pub joined: usize,
    /// Room sizes for `fanout`.
    #[arg(long, value_delimiter = ',', default_value = "100,1000,10000")]
    pub fanout_members: Vec<usize>,
    /// Messages per second of the one sender in `fanout`.
    #[arg(long, default_value_t = 20)]
    pub fanout_rate: u32,
    /// Members of the room in `typing`.
    #[arg(long, default_value_t = 1000)]
    pub typing_members: usize,
    /// Of them, the ones typing (each reports once a second, the most the server accepts).
    #[arg(long, default_value_t = 20)]
    pub typists: usize,
    /// Rooms in `throughput` and `durability`.
    #[arg(long, default_value_t = 50)]
    pub rooms: usize,
    /// Members per room in `throughput` and `durability`.
    #[arg(long, default_value_t = 20)]
    pub members: usize,
    /// Per-member send rates that `throughput` steps through (the first also drives
    /// `durability`); it stops at the first whose p99 exceeds 100 ms.
    #[arg(long, value_delimiter = ',', default_value = "1,2,5,10,15,20,30,40")]
    pub rates: Vec<u32>,
    /// Length of each sending phase, in seconds.
    #[arg(long, default_value_t = 10)]
    pub seconds: u64,
    /// Sign-ins in `login`.
    #[arg(long, default_value_t = 200)]
    pub logins: usize,
    /// Sign-ins at once in `login`.
    #[arg(long, default_value_t = 50)]
    pub login_concurrency: usize,
    /// Accounts the sockets of a scenario share (each sign-up costs a password hash).
    #[arg(long, default_value_t = 50)]
    pub users: usize,
    /// Rooms in `steady`.
    #[arg(long, default_value_t = 10)]
    pub steady_rooms: usize,
    /// Members per room in `steady`.
    #[arg(long, default_value_t = 20)]
    pub steady_members: usize,
    /// Messages per second each member of `steady` sends.
    #[arg(long, default_value_t = 10)]
    pub steady_rate: u32,
    /// Messages in the history `search` builds and searches.
    #[arg(long, default_value_t = 1_000_000)]
    pub search_messages: usize,
    /// Searches `search` times.
    #[arg(long, default_value_t = 300)]
    pub search_queries: usize,
    /// People away (no page open, one subscribed browser each) whom each message of `push`
    /// calls.
    #[arg(long, default_value_t = 50)]
    pub push_people: usize,
    /// Messages per second the one sender of `push` posts.
    #[arg(long, default_value_t = 2)]
    pub push_rate: u32,
    /// How long `push`'s push service takes to answer each push, in milliseconds.
    #[arg(long, default_value_t = 250)]
    pub push_delay_ms: u64,
    /// Pin the server to this CPU (0, 1, …) and keep the load generator off it, so CPU
    /// figures compare across machines.
    #[arg(long)]
    pub pin_server: Option<usize>,
}

/// The sizes a run uses, after `--quick`.
#[derive(Debug, Clone)]
pub struct BenchSettings {
    pub connections: usize,
    pub joined: usize,
    pub fanout_members: Vec<usize>,
    pub fanout_rate: u32,
    pub typing_members: usize,
    pub typists: usize,
    pub rooms: usize,
    pub members: usize,
    pub rates: Vec<u32>,
    pub seconds: u64,
    pub logins: usize,
    pub login_concurrency: usize,
    pub users: usize,
    pub steady_rooms: usize,
    pub steady_members: usize,
    pub steady_rate: u32,
    pub search_messages: usize,
    pub search_queries: usize,
    pub pin_server: Option<usize>,
    pub floor_syncs: usize,
    pub floor_sends: usize,
    pub push_people: usize,
    pub push_rate: u32,
    pub push_delay: std::time::Duration,
}

impl BenchArgs {
    fn settings(&self) -> BenchSettings {
        if self.quick {
            return BenchSettings {
                connections: 200,
                joined: 50,
                fanout_members: vec![10, 50],
                fanout_rate: 20,
                typing_members: 50,
                typists: 5,
                rooms: 4,
                members: 5,
                rates: vec![2, 5],
                seconds: 2,
                logins: 10,
                login_concurrency: 5,
                users: 5,
                steady_rooms: 2,
                steady_members: 5,
                steady_rate: 5,
                search_messages: 20_000,
                search_queries: 30,
                pin_server: self.pin_server,
                floor_syncs: 50,
                floor_sends: 200,
                push_people: 5,
                push_rate: 5,
                push_delay: std::time::Duration::from_millis(100),
            };
        }
        BenchSettings {
            connections: self.connections,
            joined: self.joined.max(1),
            fanout_members: self.fanout_members.clone(),
            fanout_rate: self.fanout_rate.max(1),
            typing_members: self.typing_members.max(1),
            typists: self.typists.clamp(1, self.typing_members.max(1)),
            rooms: self.rooms.max(1),
            members: self.members.max(1),
            rates: self.rates.clone(),
            seconds: self.seconds.max(1),
            logins: self.logins,
            login_concurrency: self.login_concurrency.max(1),
            users: self.users.max(1),
            steady_rooms: self.steady_rooms.max(1),
            steady_members: self.steady_members.max(1),
            steady_rate: self.steady_rate.max(1),
            search_messages: self.search_messages.max(1),
            search_queries: self.search_queries.max(1),
            pin_server: self.pin_server,
            floor_syncs: 2000,
            floor_sends: 5000,
            push_people: self.push_people.max(1),
            push_rate: self.push_rate.max(1),
            push_delay: std::time::Duration::from_millis(self.push_delay_ms),
        }
    }
}

/// One line of the results.
pub struct Row {
    pub scenario: &'static str,
    pub setting: String,
    pub result: String,
    pub data: Value,
}

impl Row {
    fn new(scenario: &'static str, setting: String, result: String, data: Value) -> Row {
        Row {
            scenario,
            setting,
            result,
            data,
        }
    }
}

/// Runs the benchmark and prints its results.
pub async fn run(args: BenchArgs) -> anyhow::Result<()> {
    let settings = args.settings();
    let files = target::raise_open_files_limit();
    let needed = settings
        .connections
        .max(settings.joined)
        .max(settings.fanout_members.iter().copied().max().unwrap_or(0)) as u64
        * 2
        + 256;
    if files < needed {
        eprintln!(
            "confab bench: the open-files limit is {files}; {needed} would be needed for the largest scenario"
        );
    }
    if let Some(cpu) = settings.pin_server {
        if args.url.is_some() {
            anyhow::bail!("--pin-server pins a server this benchmark starts; it cannot with --url");
        }
        let cpus = cpu::online_cpus();
        if cpu >= cpus {
            anyhow::bail!(
                "--pin-server {cpu}: this machine has CPUs 0 to {}",
                cpus - 1
            );
        }
        cpu::keep_this_process_off(cpu)
            .map_err(|err| anyhow::anyhow!("--pin-server {cpu}: {err}"))?;
    }
    let mut target = match &args.url {
        Some(url) => Target::external(url)?,
        None => Target::spawn(settings.pin_server).await?,
    };
    if !args.json {
        println!("{:<12} {:<52} result", "scenario", "setting");
    }
    if target.is_spawned() {
        // A freshly started server, before anyone signs up: the appliance's floor.
        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
        if let Some(rss) = target.rss() {
            let mib = rss as f64 / (1024.0 * 1024.0);
            let row = Row::new(
                "idle",
                "fresh server, empty data folder".into(),
                format!("server RSS {mib:.1} MiB"),
                serde_json::json!({"rss_bytes": rss}),
            );
            print(&row, args.json);
        }
    }
    let mut outcome = Ok(());
    for scenario in &args.scenarios {
        let rows = match scenario {
            Scenario::Connections => scenarios::connections(&mut target, &settings).await,
            Scenario::Fanout => scenarios::fanout(&target, &settings).await,
            Scenario::Typing => scenarios::typing(&target, &settings).await,
            Scenario::Throughput => scenarios::throughput(&target, &settings).await,
            Scenario::Steady => steady::steady(&target, &settings).await,
            Scenario::Login => scenarios::login(&target, &settings).await,
            Scenario::Durability => scenarios::durability(&mut target, &settings).await,
            Scenario::Search => search::search(&settings, !target.is_spawned()).await,
            Scenario::Floor => floor::floor(&settings).await,
            Scenario::Push => push::push(&target, &settings).await,
        };
        match rows {
            Ok(rows) => rows.iter().for_each(|row| print(row, args.json)),
            Err(err) => {
                eprintln!("confab bench: {scenario:?} failed: {err:#}");
                outcome = Err(anyhow::anyhow!("{scenario:?} failed: {err:#}"));
            }
        }
    }
    target.stop().await;
    outcome
}

fn print(row: &Row, json: bool) {
    if json {
        let mut data = row.data.clone();
        if let Value::Object(map) = &mut data {
            map.insert("scenario".into(), row.scenario.into());
        }
        println!("{data}");
    } else {
        let mut line = String::new();
        let _ = write!(
            line,
            "{:<12} {:<52} {}",
            row.scenario, row.setting, row.result
        );
        println!("{line}");
    }
}
