//! The command line: every flag also readable from a `CONFAB_*` environment variable.
//! Parsed once in `main`, validated, then passed down by value.
//!
//! The grammar of every subcommand is in `cli`; the settings of `serve`, which most of the
//! flags are, in `serve`, with its HTTPS flags (`tls`) and its limits (`limits`) each in a
//! file of their own, so a subcommand can be read without wading through every setting.

mod cli;
mod limits;
mod serve;
mod tls;

pub use cli::{Cli, Command, DataArgs, UserCommand};
pub use limits::Limits;
pub use serve::{
    DEFAULT_HTTP_LISTEN, DEFAULT_LISTEN, DEFAULT_TLS_LISTEN, HttpTimeouts, LogFormat, ServeArgs,
};
pub use tls::{LETS_ENCRYPT_PRODUCTION, LETS_ENCRYPT_STAGING, TlsArgs, TlsMode};

/// Version and git revision, e.g. `0.1.0 (3f2a1b9)`.
pub const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (",
    env!("CONFAB_GIT_REVISION"),
    ")"
);
