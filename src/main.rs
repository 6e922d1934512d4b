//! The `confab` command: parses the command line and hands over to the library.

use std::process::ExitCode;
use std::sync::Arc;

use clap::Parser;
use confab::config::{Cli, Command, LogFormat, ServeArgs};
use confab::export::Scope;
use confab::operator::{cli, doctor};
use confab::{clock::SystemClock, healthcheck, server};

/// musl's own allocator takes one global lock and maps and unmaps every large block anew; the
/// writer and the socket tasks allocate on every commit and frame, so it showed up as a fifth
/// of the server's CPU at an everyday load (BENCHMARKS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `mi_option_purge_delay` in mimalloc 2 (the `v2` feature in Cargo.toml), which the crate
/// names no constant for.
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Freed memory goes back to the system at once rather than after mimalloc's default delay: an
/// idle server then stays near 12 MiB instead of 36, at no cost the benchmark can see.
fn return_freed_memory_at_once() {
    // SAFETY: sets a plain option value; mimalloc reads it on its next purge.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, 0) };
}

fn main() -> ExitCode {
    return_freed_memory_at_once();
    let cli = Cli::parse();
    let command = cli.command.unwrap_or(Command::Serve(cli.serve));
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("confab: cannot start the async runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async move {
        match command {
            Command::Serve(args) => serve(args).await,
            Command::User { action, data } => cli::user_command(action, &data)
                .await
                .map(|out| println!("{out}")),
            Command::Backup { file, verify, data } => cli::backup_command(&file, verify, &data.dir)
                .await
                .map(|out| println!("{out}")),
            Command::Restore { file, data } => cli::restore_command(&file, &data)
                .await
                .map(|out| println!("{out}")),
            Command::Export {
                file,
                room,
                all: _,
                data,
            } => {
                let scope = room.map_or(Scope::Server, Scope::Room);
                cli::export_command(&file, scope, &data.dir)
                    .await
                    .map(|out| println!("{out}"))
            }
            Command::Import { file, data } => cli::import_command(&file, &data)
                .await
                .map(|out| println!("{out}")),
            Command::Bench(args) => confab::bench::run(args).await,
            Command::Doctor { serve } => doctor(serve).await,
            Command::Status { data } => cli::status_command(&data.dir)
                .await
                .map(|out| println!("{out}")),
            Command::Healthcheck { url, serve } => {
                let url = url.unwrap_or_else(|| healthcheck::default_url(&serve));
                healthcheck::check(&url)
                    .await
                    .map(|()| println!("{url}: healthy"))
            }
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("confab: {err:#}");
            ExitCode::FAILURE
        }
    }
}

/// `confab doctor`: every finding on standard output; a problem makes it fail.
async fn doctor(args: ServeArgs) -> anyhow::Result<()> {
    let findings = doctor::examine(&args, &doctor::Machine::default()).await;
    print!("{}", doctor::render(&findings));
    match doctor::problems(&findings) {
        0 => Ok(()),
        n => anyhow::bail!("{n} problem(s) in {}", args.data.dir.display()),
    }
}

async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    args.validate()?;
    init_logging(args.log_format);
    let listeners = server::Listeners::bind(&args).await?;
    let server = server::Server::start(listeners, &args, Arc::new(SystemClock)).await?;
    let addr = server.local_addr()?;
    tracing::info!(%addr, data = %args.data.dir.display(), "confab is serving");
    println!(
        "confab is running at {} (data in {})",
        server.url()?,
        args.data.dir.display()
    );
    server.serve(shutdown_signal()).await
}

fn init_logging(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("CONFAB_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().init(),
    }
}

/// Resolves on SIGTERM or SIGINT (Ctrl-C).
async fn shutdown_signal() {
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        () = terminate => {}
    }
}
