//! Command-line flags. Each one can also be set through the environment variable named in
//! `--help`, so the same binary runs unchanged under a service manager.

use clap::Parser;
use std::net::SocketAddr;
use std::num::NonZeroUsize;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Parser)]
#[command(
    name = "backend",
    version,
    about = "h2chat server: HTTPS + HTTP/2 chat whose messages are pushed over one long-lived response"
)]
pub struct Settings {
    /// Address and port to listen on.
    #[arg(long, env = "H2CHAT_LISTEN", default_value = "127.0.0.1:8443")]
    pub listen: SocketAddr,

    /// Folder holding the built frontend (index.html, wasm, js). Defaults to the trunk
    /// `dist/` folder of this workspace.
    #[arg(long, env = "H2CHAT_STATIC_DIR")]
    pub static_dir: Option<PathBuf>,

    /// PEM certificate chain. Give together with --key.
    #[arg(long, env = "H2CHAT_CERT", requires = "key")]
    pub cert: Option<PathBuf>,

    /// PEM private key (PKCS#8, PKCS#1 or SEC1). Give together with --cert.
    #[arg(long, env = "H2CHAT_KEY", requires = "cert")]
    pub key: Option<PathBuf>,

    /// Folder for the generated development certificate (cert.pem, key.pem), used when
    /// --cert/--key are not given. Defaults to the `certs/` folder of this workspace.
    #[arg(long, env = "H2CHAT_CERTS_DIR")]
    pub certs_dir: Option<PathBuf>,

    /// SQLite database file (created with its folder on first start), or `:memory:` to
    /// keep history only while the process runs.
    #[arg(long, env = "H2CHAT_DB", default_value = "data/chat.db")]
    pub db: String,

    /// Redis URL (`redis://[:password@]host:port[/db]`; TLS to Redis is not built in). When set,
    /// messages live in a Redis Stream instead of SQLite, and every node given the same URL
    /// and --redis-prefix serves the same chat.
    #[arg(long, env = "H2CHAT_REDIS_URL", conflicts_with_all = ["db_max_mb", "retain_days"])]
    pub redis: Option<String>,

    /// Prefix of the Redis keys this chat uses (`PREFIX:msgs`, `PREFIX:next_id`,
    /// `PREFIX:epoch`), so several chats can share one Redis.
    #[arg(long, env = "H2CHAT_REDIS_PREFIX", default_value = "h2chat")]
    pub redis_prefix: String,

    /// Refuse new messages (503) once the database would grow past this many MiB, the way
    /// a full disk would. Off by default.
    #[arg(long, env = "H2CHAT_DB_MAX_MB", value_parser = clap::value_parser!(u64).range(1..))]
    pub db_max_mb: Option<u64>,

    /// Delete messages older than this many days (checked every minute). Off by default.
    #[arg(long, env = "H2CHAT_RETAIN_DAYS", value_parser = clap::value_parser!(u64).range(1..))]
    pub retain_days: Option<u64>,

    /// Keep at most this many messages, deleting the oldest (checked every minute). Off by
    /// default with SQLite; with --redis the stream is trimmed on every post to about this
    /// many (default 1000000).
    #[arg(long, env = "H2CHAT_RETAIN_MESSAGES", value_parser = clap::value_parser!(u64).range(1..))]
    pub retain_messages: Option<u64>,

    /// How many recent messages a newly connected client receives.
    #[arg(long, env = "H2CHAT_HISTORY", default_value = "50")]
    pub history: NonZeroUsize,

    /// Seconds between heartbeat lines on every open stream (1..=3600).
    #[arg(long, env = "H2CHAT_HEARTBEAT_SECS", default_value = "15",
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub heartbeat_secs: u64,

    /// Seconds a node's presence lives in Redis without a refresh (refreshed every quarter
    /// of it): when a node dies, its accounts go offline on the others within this and a
    /// quarter more (3..=30).
    #[arg(long, env = "H2CHAT_PRESENCE_TTL_SECS", default_value = "20",
          value_parser = clap::value_parser!(u64).range(3..=30))]
    pub presence_ttl_secs: u64,

    /// Lines queued per client before it counts as a slow consumer and is disconnected.
    #[arg(long, env = "H2CHAT_CLIENT_QUEUE", default_value = "256",
          value_parser = clap::value_parser!(u64).range(2..=65536))]
    pub client_queue: u64,

    /// Seconds an HTTP/2 connection may go without answering a PING (sent after this much
    /// quiet) and an idle HTTP/1.1 connection may stay open. Open streams are never idle:
    /// healthy HTTP/2 peers answer PINGs, and heartbeats keep HTTP/1.1 responses busy.
    #[arg(long, env = "H2CHAT_KEEP_ALIVE_SECS", default_value = "30",
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub keep_alive_secs: u64,

    /// Messages per second each client IP may post (HTTP and WebSocket together); 0 turns
    /// rate limiting off.
    #[arg(long, env = "H2CHAT_POST_RATE", default_value = "10")]
    pub post_rate: u32,

    /// Messages a client IP may post in a burst above --post-rate.
    #[arg(long, env = "H2CHAT_POST_BURST", default_value = "30",
          value_parser = clap::value_parser!(u32).range(1..))]
    pub post_burst: u32,

    /// Messages per second each account (a person or a bot) may post, from any address and
    /// node-wide, on top of the per-address budget; 0 turns it off.
    #[arg(long, env = "H2CHAT_ACCOUNT_POST_RATE", default_value = "5")]
    pub account_post_rate: u32,

    /// Messages an account may post in a burst above --account-post-rate.
    #[arg(long, env = "H2CHAT_ACCOUNT_POST_BURST", default_value = "20",
          value_parser = clap::value_parser!(u32).range(1..))]
    pub account_post_burst: u32,

    /// Minutes after posting in which authors may edit or delete their own messages (a
    /// fraction allowed); 0 means always. Admins and room managers delete any message in
    /// their rooms at any time.
    #[arg(long, env = "H2CHAT_EDIT_WINDOW_MINS", default_value = "15",
          value_parser = parse_minutes)]
    pub edit_window_mins: f64,

    /// Seconds a bot's webhook may take to answer (each of its at most 3 attempts).
    #[arg(long, env = "H2CHAT_WEBHOOK_TIMEOUT_SECS", default_value = "7",
          value_parser = clap::value_parser!(u64).range(1..=60))]
    pub webhook_timeout_secs: u64,

    /// Open streams (all transports) allowed per client IP; 0 means no limit.
    #[arg(long, env = "H2CHAT_MAX_STREAMS_PER_IP", default_value = "1000")]
    pub max_streams_per_ip: usize,

    /// Open streams (all transports) allowed in total; 0 means no limit.
    #[arg(long, env = "H2CHAT_MAX_STREAMS", default_value = "0")]
    pub max_streams: usize,

    /// Address of a proxy or load balancer in front whose `X-Forwarded-For` header names
    /// the real client for the per-IP limits. Repeat, or comma-separate in the variable.
    #[arg(
        long = "trusted-proxy",
        env = "H2CHAT_TRUSTED_PROXIES",
        value_delimiter = ','
    )]
    pub trusted_proxies: Vec<std::net::IpAddr>,

    /// Worker threads serving HTTP (default: one per core).
    #[arg(long, env = "H2CHAT_WORKERS")]
    pub workers: Option<NonZeroUsize>,

    /// Who may create an account: `invite` (with an admin's invite link), `open` (anyone),
    /// or `closed` (nobody).
    #[arg(long, env = "H2CHAT_SIGNUP", value_enum, default_value = "invite")]
    pub signup: Signup,

    /// Whether people without an account may read and post in the lobby (`on`) or must
    /// sign in (`off`).
    #[arg(long, env = "H2CHAT_GUESTS", value_enum, default_value = "on")]
    pub guests: OnOff,

    /// Whether streams are told who is online (`on`): online dots and counts, and
    /// `GET /api/rooms/{id}/presence`. `off` tells nobody (the server still counts who is
    /// online, for its metrics); for very large servers, or teams that would rather not be
    /// watched.
    #[arg(long, env = "H2CHAT_PRESENCE", value_enum, default_value = "on")]
    pub presence: OnOff,

    /// Whether "X is typing…" is passed on (`on`) or `POST /api/rooms/{id}/typing`
    /// answers 404 (`off`).
    #[arg(long, env = "H2CHAT_TYPING", value_enum, default_value = "on")]
    pub typing: OnOff,

    /// Who may create open and closed rooms: `everyone` with an account, or `admins` only.
    /// (Anyone may start a direct conversation.)
    #[arg(
        long,
        env = "H2CHAT_ROOM_CREATION",
        value_enum,
        default_value = "everyone"
    )]
    pub room_creation: RoomCreation,

    /// Another origin whose pages may sign in and post, besides the server's own, e.g.
    /// `http://127.0.0.1:8080` for `trunk serve`. Repeat, or comma-separate in the
    /// variable. Never a wildcard.
    #[arg(
        long = "allow-origin",
        env = "H2CHAT_ALLOW_ORIGINS",
        value_delimiter = ',',
        value_parser = parse_origin
    )]
    pub allow_origins: Vec<String>,
}

/// `--signup`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Signup {
    Invite,
    Open,
    Closed,
}

impl From<Signup> for common::account::SignupMode {
    fn from(signup: Signup) -> Self {
        match signup {
            Signup::Invite => Self::Invite,
            Signup::Open => Self::Open,
            Signup::Closed => Self::Closed,
        }
    }
}

/// `--room-creation`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum RoomCreation {
    Everyone,
    Admins,
}

/// `on` or `off`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OnOff {
    On,
    Off,
}

/// An origin as browsers send it: `scheme://host[:port]`, nothing more.
fn parse_origin(raw: &str) -> Result<String, String> {
    let origin = raw.trim().trim_end_matches('/');
    let rest = origin
        .strip_prefix("https://")
        .or_else(|| origin.strip_prefix("http://"))
        .ok_or_else(|| {
            format!("{raw:?} is not an origin: it must start with https:// or http://")
        })?;
    if rest.is_empty() || rest.contains(['/', '*', '?', '#', ' ']) {
        return Err(format!(
            "{raw:?} is not an origin: scheme://host[:port] only, no path and no wildcard"
        ));
    }
    Ok(origin.to_owned())
}

/// A number of minutes: finite and not negative.
fn parse_minutes(raw: &str) -> Result<f64, String> {
    match raw.trim().parse::<f64>() {
        Ok(mins) if mins.is_finite() && mins >= 0.0 => Ok(mins),
        _ => Err(format!("{raw:?} is not a number of minutes (0 or more)")),
    }
}

impl Settings {
    /// Settings for tests and embedding: 127.0.0.1 port 0, in-memory database, no post rate
    /// or stream limits, everything else default.
    pub fn for_tests() -> Self {
        // Tests post and connect from one address as fast as they can: no limits.
        let mut settings = Self::parse_from([
            "backend",
            "--listen",
            "127.0.0.1:0",
            "--db",
            ":memory:",
            "--post-rate",
            "0",
            "--account-post-rate",
            "0",
            "--max-streams-per-ip",
            "0",
        ]);
        settings.workers = NonZeroUsize::new(2);
        settings
    }

    /// [`Settings::for_tests`] writing the generated certificate to `dir` and serving no
    /// frontend (the folder `dir/no-frontend` does not exist).
    pub fn for_tests_in(dir: &Path) -> Self {
        let mut settings = Self::for_tests();
        settings.certs_dir = Some(dir.to_path_buf());
        settings.static_dir = Some(dir.join("no-frontend"));
        settings
    }

    /// The workspace root when run from a checkout (`cargo run -p backend`), else the
    /// current directory.
    fn workspace_dir() -> PathBuf {
        let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
        match manifest.parent() {
            Some(root) if root.join("Cargo.toml").is_file() => root.to_path_buf(),
            _ => PathBuf::from("."),
        }
    }

    pub fn static_dir(&self) -> PathBuf {
        self.static_dir
            .clone()
            .unwrap_or_else(|| Self::workspace_dir().join("dist"))
    }

    pub fn certs_dir(&self) -> PathBuf {
        self.certs_dir
            .clone()
            .unwrap_or_else(|| Self::workspace_dir().join("certs"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_match_the_docs() {
        let s = Settings::parse_from(["backend"]);
        assert_eq!(s.listen.to_string(), "127.0.0.1:8443");
        assert_eq!(s.history.get(), 50);
        assert_eq!(s.heartbeat_secs, 15);
        assert_eq!(s.presence_ttl_secs, 20);
        assert_eq!((s.presence, s.typing), (OnOff::On, OnOff::On));
        let off = Settings::parse_from(["backend", "--presence", "off", "--typing", "off"]);
        assert_eq!((off.presence, off.typing), (OnOff::Off, OnOff::Off));
        assert!(Settings::try_parse_from(["backend", "--typing", "maybe"]).is_err());
        assert_eq!(s.db, "data/chat.db");
        assert_eq!(s.retain_days, None);
        assert_eq!(s.edit_window_mins, 15.0);
        assert_eq!(s.webhook_timeout_secs, 7);
        assert!(Settings::try_parse_from(["backend", "--webhook-timeout-secs", "0"]).is_err());
        assert!(Settings::try_parse_from(["backend", "--edit-window-mins", "-1"]).is_err());
        assert!(Settings::try_parse_from(["backend", "--edit-window-mins", "NaN"]).is_err());
        assert_eq!(s.redis, None);
        assert_eq!(s.redis_prefix, "h2chat");
        assert!(s.static_dir().ends_with("dist"));
        assert!(s.certs_dir().ends_with("certs"));
    }

    #[test]
    fn origins_are_exact_and_never_wildcards() {
        assert_eq!(
            parse_origin("http://127.0.0.1:8080/").unwrap(),
            "http://127.0.0.1:8080"
        );
        for bad in [
            "*",
            "https://*.example.com",
            "example.com",
            "https://a.b/path",
            "https://",
        ] {
            assert!(parse_origin(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn bad_values_are_errors_not_panics() {
        for args in [
            &["backend", "--listen", "nowhere"][..],
            &["backend", "--history", "0"],
            &["backend", "--history", "-3"],
            &["backend", "--heartbeat-secs", "0"],
            &["backend", "--cert", "a.pem"],
            &["backend", "--retain-days", "0"],
            &["backend", "--retain-messages", "many"],
            &["backend", "--redis", "redis://x", "--retain-days", "3"],
            &["backend", "--redis", "redis://x", "--db-max-mb", "3"],
        ] {
            assert!(Settings::try_parse_from(args).is_err(), "{args:?}");
        }
    }
}
