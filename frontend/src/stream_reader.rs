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
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Read(why) => write!(f, "stream read failed: {why}"),
            Self::Truncated(n) => write!(f, "stream ended inside a line ({n} bytes)"),
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
pub async fn read_lines(
    body: ReadableStream,
    mut on_line: impl FnMut(&str),
) -> Result<(), ReadError> {
    let reader: ReadableStreamDefaultReader = body.get_reader().unchecked_into();
    let decoder = TextDecoder::new_with_label("utf-8").map_err(|e| ReadError::Read(describe(e)))?;
    let options = TextDecodeOptions::new();
    options.set_stream(true);
    let mut framer = LineFramer::new();

    let mut emit = |framer: &mut LineFramer| {
        while let Some(line) = framer.next_line() {
            match line {
                Ok(line) => on_line(&line),
                Err(err) => leptos::logging::warn!("skipping a bad stream line: {err}"),
            }
        }
    };

    loop {
        let result: ReadableStreamReadResult = JsFuture::from(reader.read())
            .await
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
        emit(&mut framer);
    }
    // Flush a character the decoder may still hold.
    let tail = decoder.decode().map_err(|e| ReadError::Read(describe(e)))?;
    framer.push(tail.as_bytes());
    emit(&mut framer);
    framer.finish().map_err(|e| match e {
        common::FrameError::Truncated(n) => ReadError::Truncated(n),
        other => ReadError::Read(other.to_string()),
    })
}
