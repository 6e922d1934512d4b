//! The limits of `serve`: rate limits and resource bounds, a help section of their own. Each
//! is handed to the layer that enforces it (`auth`, `chat`) by `ServeArgs`.

use clap::Args;

use crate::ratelimit::Rate;

/// Rate limits and resource bounds. Each rate is BURST/INTERVAL: BURST actions at once, then one
/// more every INTERVAL (e.g. 5/60s, 20/200ms).
#[derive(Debug, Clone, PartialEq, Eq, Args)]
#[command(next_help_heading = "Limits")]
pub struct Limits {
    /// Sign-in attempts per account.
    #[arg(
        long,
        env = "CONFAB_SIGNIN_ACCOUNT_RATE",
        default_value = "5/60s",
        value_name = "RATE"
    )]
    pub signin_account_rate: Rate,
    /// Sign-in attempts per client IP address.
    #[arg(
        long,
        env = "CONFAB_SIGNIN_IP_RATE",
        default_value = "10/18s",
        value_name = "RATE"
    )]
    pub signin_ip_rate: Rate,
    /// Sign-ups per client IP address.
    #[arg(
        long,
        env = "CONFAB_SIGNUP_IP_RATE",
        default_value = "10/60s",
        value_name = "RATE"
    )]
    pub signup_ip_rate: Rate,
    /// `send` frames per WebSocket.
    #[arg(
        long,
        env = "CONFAB_WS_SEND_RATE",
        default_value = "20/200ms",
        value_name = "RATE"
    )]
    pub ws_send_rate: Rate,
    /// Frames of any kind per WebSocket.
    #[arg(
        long,
        env = "CONFAB_WS_FRAME_RATE",
        default_value = "100/20ms",
        value_name = "RATE"
    )]
    pub ws_frame_rate: Rate,
    /// Outgoing bytes queued per WebSocket before a slow client is disconnected (it resumes).
    #[arg(long, env = "CONFAB_WS_QUEUE_BYTES", default_value_t = 1024 * 1024, value_name = "BYTES")]
    pub ws_queue_bytes: usize,
    /// Largest file a message may carry, in bytes (25 MiB).
    #[arg(
        long,
        env = "CONFAB_MAX_UPLOAD_BYTES",
        default_value_t = 25 * 1024 * 1024,
        value_name = "BYTES",
        value_parser = clap::value_parser!(u64).range(1..)
    )]
    pub max_upload_bytes: u64,
    /// Bytes of files each person may keep, in bytes (1 GiB); 0 means no limit.
    #[arg(
        long,
        env = "CONFAB_USER_QUOTA_BYTES",
        default_value_t = 1024 * 1024 * 1024,
        value_name = "BYTES"
    )]
    pub user_quota_bytes: u64,
    /// Password hashes computed at once (each takes ~19 MiB); 0 means one per CPU core.
    #[arg(
        long,
        env = "CONFAB_MAX_CONCURRENT_HASHES",
        default_value_t = 0,
        value_name = "N"
    )]
    pub max_concurrent_hashes: usize,
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use crate::config::Cli;

    #[test]
    fn bad_rate_is_refused() {
        assert!(Cli::try_parse_from(["confab", "--ws-send-rate", "fast"]).is_err());
    }
}
