//! Reads a fetch body (`ReadableStream`) line by line.
//!
//! Chunks are cut anywhere by the network. `TextDecoder` with `stream: true` carries a
//! multi-byte character split across chunks over to the next call, and the framer from
//! `common` carries partial lines, so every line comes out whole exactly once.

use common::LineFramer;
use js_sys::Uint8Array;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{ReadableStream, ReadableStreamDefaultReader, ReadableStreamReadResult};
use web_sys::{TextDecodeOptions, TextDecoder};

/// Why reading stopped before a clean end of stream.
#[derive(Debug, Clone, PartialEq)]
pub enum ReadError {
    /// The read promise rejected: network error, server gone, or our own abort.
    Read(String),
    /// The stream ended in the middle of a line.
    Truncated(usize),
    /// Headers arrived but no line within the deadline: something (typically a buffering
    /// proxy) holds the body back.
    Silent(u32),
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Read(why) => write!(f, "stream read failed: {why}"),
            Self::Truncated(n) => write!(f, "stream ended inside a line ({n} bytes)"),
            Self::Silent(ms) => write!(f, "no line within {ms} ms of the response headers"),
        }
    }
}

fn describe(err: JsValue) -> String {
    err.dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| err.as_string())
        .unwrap_or_else(|| format!("{err:?}"))
}

/// Reads `body` to its end, calling `on_line` with every complete non-blank line.
/// Lines that are not valid UTF-8 or too long are skipped (and logged), not fatal.
pub async fn read_lines(body: ReadableStream, on_line: impl FnMut(&str)) -> Result<(), ReadError> {
    read_lines_with_deadline(body, None, on_line).await
}

/// Like [`read_lines`], but fails with [`ReadError::Silent`] (and cancels the body) when no
/// complete line arrives within `first_line_ms`.
pub async fn read_lines_with_deadline(
    body: ReadableStream,
    first_line_ms: Option<u32>,
    mut on_line: impl FnMut(&str),
) -> Result<(), ReadError> {
    let reader: ReadableStreamDefaultReader = body.get_reader().unchecked_into();
    let decoder = TextDecoder::new_with_label("utf-8").map_err(|e| ReadError::Read(describe(e)))?;
    let options = TextDecodeOptions::new();
    options.set_stream(true);
    let mut framer = LineFramer::new();
    let mut lines_seen = 0usize;
    let started = js_sys::Date::now();

    loop {
        let read = JsFuture::from(reader.read());
        let outcome = match first_line_ms.filter(|_| lines_seen == 0) {
            None => read.await,
            Some(ms) => {
                let left = (f64::from(ms) - (js_sys::Date::now() - started)).max(0.0) as u32;
                let timeout = gloo_timers::future::TimeoutFuture::new(left);
                match futures_util::future::select(read, timeout).await {
                    futures_util::future::Either::Left((outcome, _)) => outcome,
                    futures_util::future::Either::Right(_) => {
                        // Cancelling the reader also closes the HTTP/2 stream.
                        let _ = reader.cancel();
                        return Err(ReadError::Silent(ms));
                    }
                }
            }
        };
        let result: ReadableStreamReadResult = outcome
            .map_err(|e| ReadError::Read(describe(e)))?
            .unchecked_into();
        if result.get_done().unwrap_or(false) {
            break;
        }
        let Ok(chunk) = result.get_value().dyn_into::<Uint8Array>() else {
            continue;
        };
        let text = decoder
            .decode_with_js_u8_array_and_options(&chunk, &options)
            .map_err(|e| ReadError::Read(describe(e)))?;
        framer.push(text.as_bytes());
        lines_seen += emit(&mut framer, &mut on_line);
    }
    // Flush a character the decoder may still hold.
    let tail = decoder.decode().map_err(|e| ReadError::Read(describe(e)))?;
    framer.push(tail.as_bytes());
    emit(&mut framer, &mut on_line);
    framer.finish().map_err(|e| match e {
        common::FrameError::Truncated(n) => ReadError::Truncated(n),
        other => ReadError::Read(other.to_string()),
    })
}

/// Hands every complete line to `on_line`; returns how many there were.
fn emit(framer: &mut LineFramer, on_line: &mut impl FnMut(&str)) -> usize {
    let mut count = 0;
    while let Some(line) = framer.next_line() {
        match line {
            Ok(line) => {
                count += 1;
                on_line(&line);
            }
            Err(err) => leptos::logging::warn!("skipping a bad stream line: {err}"),
        }
    }
    count
}
