//! The grammar of the command line: the subcommands and what each takes. The settings of
//! `serve`, which `confab` with no subcommand also takes, are in `serve`; this file only says
//! where they go.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use super::{ServeArgs, VERSION};

#[derive(Debug, Parser)]
#[command(
    name = "confab",
    version = VERSION,
    about = "A self-hosted chat server in one file.",
    long_about = "A self-hosted chat server in one file.\n\nWith no subcommand, confab serves the chat (the same as `confab serve`).",
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub serve: ServeArgs,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the chat (the default).
    Serve(ServeArgs),
    /// Manage accounts (works while the server runs).
    User {
        #[command(subcommand)]
        action: UserCommand,
        /// Data folder of the server (the one given to `confab serve --data`).
        #[arg(
            long = "data",
            env = "CONFAB_DATA",
            default_value = "confab-data",
            value_name = "DIR",
            global = true
        )]
        data: PathBuf,
    },
    /// Write the data folder to one archive, FILE: the database, the uploaded files and the
    /// certificates, checked by a manifest (works while the server runs). With --verify,
    /// check an existing archive instead.
    Backup {
        /// The archive to write (replaced once the new one is complete), or to check.
        file: PathBuf,
        /// Check FILE: re-hash every entry and open a scratch copy of its database (made beside
        /// FILE, and removed).
        #[arg(long)]
        verify: bool,
        #[command(flatten)]
        data: DataArgs,
    },
    /// Make a new data folder from a backup archive, checked whole before anything is written.
    Restore {
        /// The archive `confab backup` wrote.
        file: PathBuf,
        /// The data folder to create; it must not exist yet, or be empty.
        #[arg(long = "data", env = "CONFAB_DATA", value_name = "DIR")]
        data: PathBuf,
    },
    /// Write one room, or the whole server, to a zip of JSON Lines and the files themselves
    /// (works while the server runs).
    Export {
        /// The zip to write (replaced once the new one is complete).
        file: PathBuf,
        /// The open or private room to export, by name.
        #[arg(
            long,
            value_name = "NAME",
            required_unless_present = "all",
            conflicts_with = "all"
        )]
        room: Option<String>,
        /// Every account (with its password hash), room, message and file: the migration file
        /// `confab import` takes.
        #[arg(long)]
        all: bool,
        #[command(flatten)]
        data: DataArgs,
    },
    /// Make a new data folder from a server export (`confab export --all`), checked whole
    /// before anything is committed.
    Import {
        /// The zip `confab export --all` wrote.
        file: PathBuf,
        /// The data folder to create; it must not exist yet, or be empty.
        #[arg(
            long = "data",
            env = "CONFAB_DATA",
            default_value = "confab-data",
            value_name = "DIR"
        )]
        data: PathBuf,
    },
    /// Measure this machine: connections, fan-out latency, throughput, sign-ins, durability.
    Bench(crate::bench::BenchArgs),
    /// Check the data folder and the machine (owner and modes, free disk, the database's
    /// integrity, schema and journal, the listen addresses, and for --domain its DNS, the
    /// certificate and the ACME account), each finding with its fix; exit 1 on a problem.
    /// Reads the same flags and variables as `serve`.
    Doctor {
        #[command(flatten)]
        serve: ServeArgs,
    },
    /// What the server running on the data folder says of itself: version, uptime, sockets,
    /// rooms, last commit. Exit 1 when none runs.
    Status {
        #[command(flatten)]
        data: DataArgs,
    },
    /// Exit 0 when the server answers /healthz, 1 otherwise.
    Healthcheck {
        /// URL to check; by default derived from the same flags and variables as `serve`.
        #[arg(long, env = "CONFAB_HEALTHCHECK_URL")]
        url: Option<String>,
        #[command(flatten)]
        serve: ServeArgs,
    },
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create an account (even when sign-up is closed). The server's first account is its
    /// admin.
    Add {
        name: String,
        /// Read the password from the first line of standard input instead of a prompt.
        #[arg(long)]
        password_stdin: bool,
        /// Make it an admin of the server.
        #[arg(long)]
        admin: bool,
    },
    /// Make an account an admin of the server.
    Promote { name: String },
    /// Make an admin an ordinary account again (refused for the last admin who can sign in).
    Demote { name: String },
    /// List accounts.
    List,
    /// Set a new password and end the account's sessions.
    ResetPassword {
        name: String,
        /// Read the password from the first line of standard input instead of a prompt.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Print a one-time sign-in link, valid for an hour, that lets the person choose a new
    /// password (for someone locked out without recovery codes).
    ResetLink {
        name: String,
        /// The server's address as people reach it, e.g. https://chat.example.com [default:
        /// the running server's own; else https://DOMAIN from CONFAB_DOMAIN, or
        /// http://127.0.0.1:8080].
        #[arg(long, value_name = "URL")]
        url: Option<String>,
    },
    /// Disable an account and end its sessions.
    Disable { name: String },
    /// Enable a disabled account again.
    Enable { name: String },
}

#[derive(Debug, Clone, Args)]
pub struct DataArgs {
    /// Data folder: the database (confab.redb) lives here; created if missing.
    #[arg(
        long = "data",
        env = "CONFAB_DATA",
        default_value = "confab-data",
        value_name = "DIR"
    )]
    pub dir: PathBuf,
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn flags_without_a_subcommand_serve() {
        let cli =
            Cli::try_parse_from(["confab", "--listen", "0.0.0.0:80", "--open-signup", "false"])
                .unwrap();
        assert_eq!(cli.serve.listen_addr(), "0.0.0.0:80");
        assert!(!cli.serve.open_signup);
    }

    #[test]
    fn admin_subcommands_take_the_data_folder() {
        let cli =
            Cli::try_parse_from(["confab", "user", "add", "alice", "--data", "/tmp/x"]).unwrap();
        match cli.command {
            Some(Command::User {
                action:
                    UserCommand::Add {
                        name,
                        password_stdin,
                        admin,
                    },
                data,
            }) => {
                assert_eq!(name, "alice");
                assert!(!password_stdin && !admin);
                assert_eq!(data, PathBuf::from("/tmp/x"));
            }
            other => panic!("unexpected {other:?}"),
        }
        let promote = Cli::try_parse_from(["confab", "user", "promote", "bob"]).unwrap();
        assert!(matches!(
            promote.command,
            Some(Command::User { action: UserCommand::Promote { name }, .. }) if name == "bob"
        ));
        assert!(Cli::try_parse_from(["confab", "backup"]).is_err());
    }

    #[test]
    fn an_export_is_of_one_room_or_of_everything() {
        let room = Cli::try_parse_from(["confab", "export", "--room", "lobby", "out.zip"]).unwrap();
        assert!(matches!(
            room.command,
            Some(Command::Export { room: Some(ref name), all: false, .. }) if name == "lobby"
        ));
        let all = Cli::try_parse_from(["confab", "export", "--all", "out.zip"]).unwrap();
        assert!(matches!(
            all.command,
            Some(Command::Export {
                room: None,
                all: true,
                ..
            })
        ));
        assert!(Cli::try_parse_from(["confab", "export", "out.zip"]).is_err());
        assert!(
            Cli::try_parse_from(["confab", "export", "--all", "--room", "x", "out.zip"]).is_err()
        );
    }
}
