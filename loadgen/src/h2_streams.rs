//! Streaming clients over the `h2` crate directly: one task per TLS connection drives the
//! connection and reads every stream on it.
//!
//! Why not the HTTP client used for posting: the load tool shares the server's 2 cores, so
//! every microsecond it spends per delivery is taken from the server it measures. Through a
//! full HTTP client each delivery costs two task wake-ups (the connection's task, then the
//! body reader's) plus the client's body adapters; here it costs one, and all the streams
//! of a connection receive a message in the same wake-up.

use crate::readers::{Opened, Seen, Totals};
use anyhow::{anyhow, Context as _};
use bytes::Bytes;
use common::room::RoomId;
use common::LineFramer;
use futures_util::stream::{FuturesUnordered, StreamExt};
use std::future::{poll_fn, Future};
use std::pin::pin;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::task::{Context, Poll};
use tokio::sync::{oneshot, watch, OwnedSemaphorePermit};

/// Receive windows large enough that flow control never holds a delivery back and window
/// updates are rare.
const STREAM_WINDOW: u32 = 1 << 20;
const CONNECTION_WINDOW: u32 = 8 << 20;

/// Where and what one connection's streams ask for.
pub struct Target {
    /// `host:port`
    pub authority: String,
    /// Path and query, e.g. `/msgs?since=0`.
    pub path: String,
    /// Server-sent events framing (`data: ` lines) instead of NDJSON.
    pub sse: bool,
    /// A `cookie` header for every request (a signed-in browser's session).
    pub cookie: Option<String>,
    /// The one room these streams may read: any other room's message is a violation.
    pub room: Option<RoomId>,
}

/// Opens one connection and `streams` requests on it, reports how many opened on `opened`,
/// releases `permit`, then reads until `stop` and returns what each stream saw.
pub async fn run_connection(
    target: Target,
    tls: Arc<rustls::ClientConfig>,
    streams: usize,
    permit: OwnedSemaphorePermit,
    opened: oneshot::Sender<Opened>,
    totals: Arc<Totals>,
    stop: watch::Receiver<bool>,
) -> Vec<Seen> {
    let (mut connection, bodies, error) = match open(&target, tls, streams).await {
        Ok(open) => open,
        Err(err) => {
            let _ = opened.send(Opened {
                streams: 0,
                error: Some(err),
            });
            return Vec::new();
        }
    };
    drop(permit);
    let _ = opened.send(Opened {
        streams: bodies.len(),
        error,
    });
    let mut readers: Vec<StreamReader> = bodies
        .into_iter()
        .map(|body| StreamReader::new(body, target.sse, target.room))
        .collect();
    let mut stopped = pin!(wait_for_stop(stop));
    let mut connection_done = false;
    {
        // Each reader is woken on its own, so a message that reaches some of the streams
        // costs a poll of those streams only.
        let totals = &totals;
        let mut open: FuturesUnordered<_> = readers
            .iter_mut()
            .map(|reader| poll_fn(move |cx| reader.poll_read(cx, totals)))
            .collect();
        poll_fn(|cx| {
            if stopped.as_mut().poll(cx).is_ready() {
                return Poll::Ready(());
            }
            if !connection_done {
                // Reads frames off the socket into the streams' buffers (and writes window
                // updates); the readers then take the data in the same wake-up.
                connection_done = connection.as_mut().poll(cx).is_ready();
            }
            loop {
                match open.poll_next_unpin(cx) {
                    Poll::Ready(Some(())) => {}
                    Poll::Ready(None) => return Poll::Ready(()),
                    Poll::Pending => return Poll::Pending,
                }
            }
        })
        .await;
    }
    readers.into_iter().map(|r| r.seen).collect()
}

type Connection = std::pin::Pin<Box<dyn Future<Output = Result<(), h2::Error>> + Send>>;

/// TCP, TLS with ALPN h2, the HTTP/2 handshake, then `streams` GETs: the bodies of those
/// answered with a 2xx status, and the first reason another was not.
async fn open(
    target: &Target,
    tls: Arc<rustls::ClientConfig>,
    streams: usize,
) -> anyhow::Result<(Connection, Vec<h2::RecvStream>, Option<anyhow::Error>)> {
    let tls_stream = crate::tls::connect(&target.authority, tls, b"h2").await?;
    let (mut send, connection) = h2::client::Builder::new()
        .initial_window_size(STREAM_WINDOW)
        .initial_connection_window_size(CONNECTION_WINDOW)
        .handshake::<_, Bytes>(tls_stream)
        .await
        .context("HTTP/2 handshake")?;
    let mut connection: Connection = Box::pin(connection);
    let uri = format!("https://{}{}", target.authority, target.path);
    let requests = async {
        let mut pending = Vec::with_capacity(streams);
        for _ in 0..streams {
            send = send.ready().await?;
            let mut request = http::Request::get(&uri);
            if let Some(cookie) = &target.cookie {
                request = request.header(http::header::COOKIE, cookie);
            }
            let request = request.body(())?;
            let (response, _) = send.send_request(request, true)?;
            pending.push(response);
        }
        let mut bodies = Vec::with_capacity(streams);
        let mut first_error = None;
        for response in pending {
            match response.await {
                Ok(response) if response.status().is_success() => bodies.push(response.into_body()),
                Ok(response) => {
                    first_error.get_or_insert(anyhow!("stream answered {}", response.status()));
                }
                Err(err) => {
                    first_error.get_or_insert(anyhow::Error::from(err));
                }
            }
        }
        Ok::<_, anyhow::Error>((bodies, first_error))
    };
    let mut requests = pin!(requests);
    // The connection must be driven while the requests wait for their answers.
    let (bodies, error) = poll_fn(|cx| {
        if let Poll::Ready(out) = requests.as_mut().poll(cx) {
            return Poll::Ready(out);
        }
        match connection.as_mut().poll(cx) {
            Poll::Ready(Err(err)) => Poll::Ready(Err(err).context("HTTP/2 connection")),
            Poll::Ready(Ok(())) => Poll::Ready(Err(anyhow!("connection closed"))),
            Poll::Pending => Poll::Pending,
        }
    })
    .await?;
    Ok((connection, bodies, error))
}

async fn wait_for_stop(mut stop: watch::Receiver<bool>) {
    while !*stop.borrow_and_update() {
        if stop.changed().await.is_err() {
            return;
        }
    }
}

/// One response body being split into lines and recorded.
struct StreamReader {
    body: h2::RecvStream,
    framer: LineFramer,
    sse: bool,
    seen: Seen,
}

impl StreamReader {
    fn new(body: h2::RecvStream, sse: bool, room: Option<RoomId>) -> Self {
        Self {
            body,
            framer: LineFramer::new(),
            sse,
            seen: Seen::in_room(room),
        }
    }

    /// Takes every chunk that has arrived; ready once the body has ended.
    fn poll_read(&mut self, cx: &mut Context<'_>, totals: &Totals) -> Poll<()> {
        loop {
            match self.body.poll_data(cx) {
                Poll::Ready(Some(Ok(chunk))) => {
                    let _ = self.body.flow_control().release_capacity(chunk.len());
                    totals
                        .bytes
                        .fetch_add(chunk.len() as u64, Ordering::Relaxed);
                    self.framer.push(&chunk);
                    self.take_lines(totals);
                }
                Poll::Ready(_) => return Poll::Ready(()),
                Poll::Pending => return Poll::Pending,
            }
        }
    }

    fn take_lines(&mut self, totals: &Totals) {
        while let Some(Ok(line)) = self.framer.next_line() {
            let json = if self.sse {
                match line.strip_prefix("data: ") {
                    Some(json) => json,
                    None => continue,
                }
            } else {
                &line
            };
            self.seen.record_line(json, totals);
        }
    }
}
