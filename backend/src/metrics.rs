//! `GET /metrics` in Prometheus text format. One registry per application (tests run many
//! servers in one process), fed by the hub, the store and the post pipeline; stream
//! gauges are read from the registry when scraped, so they can never drift.

use common::Transport;
use prometheus::{
    Encoder, Histogram, HistogramOpts, IntCounter, IntCounterVec, IntGauge, IntGaugeVec, Opts,
    Registry, TextEncoder,
};
use std::time::Duration;

pub struct Metrics {
    registry: Registry,
    streams: IntGaugeVec,
    pub accepted: IntCounter,
    rejected: IntCounterVec,
    pub deliveries: IntCounter,
    pub slow_consumer_cuts: IntCounter,
    fanout_seconds: Histogram,
    commit_seconds: Histogram,
    connections: IntGauge,
    store_up: IntGaugeVec,
    pub store_reconnects: IntCounter,
    presence: IntGaugeVec,
    webhooks: IntCounterVec,
}

/// Lives in a connection's extensions (see `HttpServer::on_connect`): counted in while the
/// connection is open, counted out when actix drops the connection's data.
pub struct ConnectionGuard(IntGauge);

impl Drop for ConnectionGuard {
    fn drop(&mut self) {
        self.0.dec();
    }
}

/// Why a message was refused, as the `reason` label of `h2chat_messages_rejected_total`.
#[derive(Debug, Clone, Copy)]
pub enum Rejection {
    Invalid,
    BadBody,
    TooLarge,
    ContentType,
    RateLimited,
    StoreUnavailable,
    /// A guest where guests are off.
    NotAllowed,
    /// A guest under an account's name.
    NameTaken,
}

impl Rejection {
    fn label(self) -> &'static str {
        match self {
            Self::Invalid => "invalid",
            Self::BadBody => "bad_body",
            Self::TooLarge => "too_large",
            Self::ContentType => "content_type",
            Self::RateLimited => "rate_limited",
            Self::StoreUnavailable => "store_unavailable",
            Self::NotAllowed => "not_allowed",
            Self::NameTaken => "name_taken",
        }
    }
}

/// The `outcome` labels of `h2chat_webhooks_total`.
pub const WEBHOOK_OUTCOMES: [&str; 4] = ["delivered", "refused", "failed", "dropped"];

/// Buckets from 100 µs to 5 s.
fn latency_buckets() -> Vec<f64> {
    vec![
        0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
        5.0,
    ]
}

impl Metrics {
    pub fn new() -> Self {
        let registry = Registry::new();
        let streams = IntGaugeVec::new(
            Opts::new("h2chat_streams", "Open streams by transport"),
            &["transport"],
        )
        .expect("valid metric");
        let accepted = IntCounter::new(
            "h2chat_messages_accepted_total",
            "Messages durably stored and fanned out",
        )
        .expect("valid metric");
        let rejected = IntCounterVec::new(
            Opts::new(
                "h2chat_messages_rejected_total",
                "Messages refused, by reason",
            ),
            &["reason"],
        )
        .expect("valid metric");
        let deliveries = IntCounter::new(
            "h2chat_deliveries_total",
            "Message groups queued to a stream",
        )
        .expect("valid metric");
        let slow_consumer_cuts = IntCounter::new(
            "h2chat_slow_consumer_disconnects_total",
            "Streams cut because their queue was full",
        )
        .expect("valid metric");
        let fanout_seconds = Histogram::with_opts(
            HistogramOpts::new(
                "h2chat_fanout_seconds",
                "Time to queue one committed group to every open stream",
            )
            .buckets(latency_buckets()),
        )
        .expect("valid metric");
        let commit_seconds = Histogram::with_opts(
            HistogramOpts::new(
                "h2chat_store_commit_seconds",
                "Time to durably commit one group of messages",
            )
            .buckets(latency_buckets()),
        )
        .expect("valid metric");
        let connections = IntGauge::new(
            "h2chat_connections",
            "Open client connections (TCP + TLS), however many streams each carries",
        )
        .expect("valid metric");
        let store_up = IntGaugeVec::new(
            Opts::new(
                "h2chat_store_up",
                "1 while the message store (sqlite or redis) is reachable, else 0",
            ),
            &["store"],
        )
        .expect("valid metric");
        let store_reconnects = IntCounter::new(
            "h2chat_store_reconnects_total",
            "Times the store (Redis) came back after being unreachable",
        )
        .expect("valid metric");
        let presence = IntGaugeVec::new(
            Opts::new(
                "h2chat_presence",
                "Who is online on every node, as the streams were last told: accounts, guests",
            ),
            &["who"],
        )
        .expect("valid metric");
        let webhooks = IntCounterVec::new(
            Opts::new(
                "h2chat_webhooks_total",
                "Bot webhook calls by outcome: delivered, refused (4xx or a redirect elsewhere), \
                 failed (after every retry), dropped (the queue was full)",
            ),
            &["outcome"],
        )
        .expect("valid metric");
        for outcome in WEBHOOK_OUTCOMES {
            webhooks.with_label_values(&[outcome]);
        }
        for collector in [
            Box::new(webhooks.clone()) as Box<dyn prometheus::core::Collector>,
            Box::new(streams.clone()),
            Box::new(presence.clone()),
            Box::new(connections.clone()),
            Box::new(store_up.clone()),
            Box::new(store_reconnects.clone()),
            Box::new(accepted.clone()),
            Box::new(rejected.clone()),
            Box::new(deliveries.clone()),
            Box::new(slow_consumer_cuts.clone()),
            Box::new(fanout_seconds.clone()),
            Box::new(commit_seconds.clone()),
        ] {
            registry
                .register(collector)
                .expect("metric names are unique");
        }
        for reason in [
            Rejection::Invalid,
            Rejection::BadBody,
            Rejection::TooLarge,
            Rejection::ContentType,
            Rejection::RateLimited,
            Rejection::StoreUnavailable,
            Rejection::NotAllowed,
            Rejection::NameTaken,
        ] {
            rejected.with_label_values(&[reason.label()]);
        }
        for who in ["accounts", "guests"] {
            presence.with_label_values(&[who]);
        }
        Self {
            registry,
            streams,
            accepted,
            rejected,
            deliveries,
            slow_consumer_cuts,
            fanout_seconds,
            commit_seconds,
            connections,
            store_up,
            store_reconnects,
            presence,
            webhooks,
        }
    }

    /// Counts one webhook call's outcome (one of [`WEBHOOK_OUTCOMES`]).
    pub fn webhook(&self, outcome: &'static str) {
        self.webhooks.with_label_values(&[outcome]).inc();
    }

    /// How many webhook calls ended with `outcome` so far.
    pub fn webhooks(&self, outcome: &str) -> u64 {
        self.webhooks.with_label_values(&[outcome]).get()
    }

    /// Records who is online (the accounts, the guests) after a presence change.
    pub fn set_presence(&self, accounts: u32, guests: u32) {
        self.presence
            .with_label_values(&["accounts"])
            .set(i64::from(accounts));
        self.presence
            .with_label_values(&["guests"])
            .set(i64::from(guests));
    }

    /// Counts a new connection until the returned guard is dropped.
    pub fn connection_opened(&self) -> ConnectionGuard {
        self.connections.inc();
        ConnectionGuard(self.connections.clone())
    }

    /// Records whether `store` is reachable.
    pub fn set_store_up(&self, store: &str, up: bool) {
        self.store_up.with_label_values(&[store]).set(i64::from(up));
    }

    pub fn rejected(&self, reason: Rejection) {
        self.rejected.with_label_values(&[reason.label()]).inc();
    }

    pub fn observe_fanout(&self, took: Duration) {
        self.fanout_seconds.observe(took.as_secs_f64());
    }

    pub fn observe_commit(&self, took: Duration) {
        self.commit_seconds.observe(took.as_secs_f64());
    }

    /// The text exposition, with the stream gauges set from `streams` (the registry's counts,
    /// read by the caller at scrape time).
    pub fn render(&self, streams: &[(Transport, usize)]) -> String {
        for (transport, count) in streams {
            self.streams
                .with_label_values(&[transport.name()])
                .set(*count as i64);
        }
        let mut out = Vec::new();
        let _ = TextEncoder::new().encode(&self.registry.gather(), &mut out);
        String::from_utf8(out).unwrap_or_default()
    }
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Metrics")
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}
