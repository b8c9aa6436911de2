//! Splits a byte stream that arrives in arbitrary chunks into `\n`-terminated lines.
//!
//! Network reads (and `ReadableStream` chunks in the browser) cut the stream anywhere: inside
//! a line, inside a multi-byte UTF-8 character, or after several lines at once. The framer
//! buffers until a line is complete and only then decodes it, so every cut gives the same
//! lines. Blank lines (and a `\r` before `\n`) are skipped; they carry nothing.

use thiserror::Error;

/// Longest line accepted by default. The largest window line the server sends is far below
/// this; anything longer is a broken or hostile peer, and buffering it would grow memory.
pub const DEFAULT_MAX_LINE_BYTES: usize = 4 * 1024 * 1024;

/// A line that could not be returned. The framer stays usable: it resumes at the next line.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum FrameError {
    #[error("line is longer than {max} bytes")]
    TooLong { max: usize },
    #[error("line is not valid UTF-8")]
    InvalidUtf8,
    #[error("stream ended inside a line ({0} bytes without a newline)")]
    Truncated(usize),
}

/// Incremental splitter: [`push`](Self::push) bytes, then drain [`next_line`](Self::next_line).
#[derive(Debug)]
pub struct LineFramer {
    buf: Vec<u8>,
    /// Start of the first unreturned line in `buf`.
    start: usize,
    /// Bytes before this offset (from `start`) are known to hold no `\n`.
    scanned: usize,
    max_line: usize,
    /// Set after a too-long line: drop bytes until the next `\n`.
    skipping: bool,
}

impl Default for LineFramer {
    fn default() -> Self {
        Self::new()
    }
}

impl LineFramer {
    pub fn new() -> Self {
        Self::with_max_line(DEFAULT_MAX_LINE_BYTES)
    }

    pub fn with_max_line(max_line: usize) -> Self {
        Self {
            buf: Vec::new(),
            start: 0,
            scanned: 0,
            max_line,
            skipping: false,
        }
    }

    /// Appends a chunk. Call [`next_line`](Self::next_line) until it returns `None` afterwards.
    pub fn push(&mut self, chunk: &[u8]) {
        if self.start > 0 && self.start >= self.buf.len() / 2 {
            // Reclaim consumed space without moving bytes on every line.
            self.buf.drain(..self.start);
            self.scanned -= self.start.min(self.scanned);
            self.start = 0;
        }
        self.buf.extend_from_slice(chunk);
    }

    /// The next complete, non-blank line without its terminator.
    pub fn next_line(&mut self) -> Option<Result<String, FrameError>> {
        loop {
            let from = self.start + self.scanned;
            let Some(pos) = self.buf[from..].iter().position(|b| *b == b'\n') else {
                self.scanned = self.buf.len() - self.start;
                if self.scanned > self.max_line && !self.skipping {
                    self.skipping = true;
                    self.discard_pending();
                    return Some(Err(FrameError::TooLong { max: self.max_line }));
                }
                if self.skipping {
                    self.discard_pending();
                }
                return None;
            };
            let end = from + pos;
            let line_start = self.start;
            self.start = end + 1;
            self.scanned = 0;
            if self.skipping {
                self.skipping = false;
                continue;
            }
            let mut line = &self.buf[line_start..end];
            if let Some(stripped) = line.strip_suffix(b"\r") {
                line = stripped;
            }
            if line.len() > self.max_line {
                return Some(Err(FrameError::TooLong { max: self.max_line }));
            }
            if line.iter().all(|b| b.is_ascii_whitespace()) {
                continue;
            }
            return Some(match std::str::from_utf8(line) {
                Ok(text) => Ok(text.to_owned()),
                Err(_) => Err(FrameError::InvalidUtf8),
            });
        }
    }

    /// Call at end of stream: reports bytes left without a terminating newline.
    pub fn finish(&mut self) -> Result<(), FrameError> {
        let left = &self.buf[self.start..];
        let pending = left.len();
        let blank = left.iter().all(|b| b.is_ascii_whitespace());
        self.buf.clear();
        self.start = 0;
        self.scanned = 0;
        if blank || self.skipping {
            self.skipping = false;
            Ok(())
        } else {
            Err(FrameError::Truncated(pending))
        }
    }

    /// Bytes buffered but not yet returned as a line.
    pub fn pending(&self) -> usize {
        self.buf.len() - self.start
    }

    fn discard_pending(&mut self) {
        self.buf.truncate(self.start);
        self.scanned = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn drain(framer: &mut LineFramer) -> Vec<Result<String, FrameError>> {
        std::iter::from_fn(|| framer.next_line()).collect()
    }

    /// Feeds `stream` cut at `cuts` (sorted, deduplicated offsets) and collects every line.
    fn frame_with_cuts(stream: &[u8], cuts: &[usize]) -> Vec<Result<String, FrameError>> {
        let mut framer = LineFramer::new();
        let mut out = Vec::new();
        let mut prev = 0;
        for &cut in cuts.iter().chain(std::iter::once(&stream.len())) {
            framer.push(&stream[prev..cut]);
            out.extend(drain(&mut framer));
            prev = cut;
        }
        assert_eq!(framer.finish(), Ok(()));
        out
    }

    #[test]
    fn several_lines_in_one_chunk() {
        let mut framer = LineFramer::new();
        framer.push(b"{\"a\":1}\n{\"b\":2}\n{\"c\"");
        assert_eq!(
            drain(&mut framer),
            vec![Ok("{\"a\":1}".into()), Ok("{\"b\":2}".into())]
        );
        framer.push(b":3}\n");
        assert_eq!(drain(&mut framer), vec![Ok("{\"c\":3}".into())]);
    }

    #[test]
    fn split_inside_a_multibyte_character() {
        let stream = "é🦀\n".as_bytes();
        for cut in 1..stream.len() {
            assert_eq!(frame_with_cuts(stream, &[cut]), vec![Ok("é🦀".into())]);
        }
    }

    #[test]
    fn blank_lines_and_crlf_are_skipped() {
        assert_eq!(
            frame_with_cuts(b"\n\r\n a\r\n  \nb\n", &[]),
            vec![Ok(" a".into()), Ok("b".into())]
        );
    }

    #[test]
    fn truncated_stream_is_reported() {
        let mut framer = LineFramer::new();
        framer.push(b"a\nbc");
        assert_eq!(drain(&mut framer), vec![Ok("a".into())]);
        assert_eq!(framer.pending(), 2);
        assert_eq!(framer.finish(), Err(FrameError::Truncated(2)));
    }

    #[test]
    fn invalid_utf8_line_is_an_error_and_the_next_line_still_comes() {
        let mut framer = LineFramer::new();
        framer.push(b"\xff\xfe\nok\n");
        assert_eq!(
            drain(&mut framer),
            vec![Err(FrameError::InvalidUtf8), Ok("ok".into())]
        );
    }

    #[test]
    fn overlong_line_is_dropped_without_buffering_it() {
        let mut framer = LineFramer::with_max_line(8);
        framer.push(b"0123456789");
        assert_eq!(
            drain(&mut framer),
            vec![Err(FrameError::TooLong { max: 8 })]
        );
        framer.push(b"more junk");
        assert_eq!(drain(&mut framer), vec![]);
        assert!(framer.pending() < 8);
        framer.push(b"tail\nnext\n");
        assert_eq!(drain(&mut framer), vec![Ok("next".into())]);
        framer.push(b"0123456789\nx\n");
        assert_eq!(
            drain(&mut framer),
            vec![Err(FrameError::TooLong { max: 8 }), Ok("x".into())]
        );
    }

    #[test]
    fn buffer_is_reclaimed_on_a_long_stream() {
        let mut framer = LineFramer::new();
        for i in 0..10_000 {
            framer.push(format!("line {i}\n").as_bytes());
            assert_eq!(framer.next_line(), Some(Ok(format!("line {i}"))));
        }
        assert!(framer.buf.capacity() < 1024, "{}", framer.buf.capacity());
    }

    fn line_strategy() -> impl Strategy<Value = String> {
        // JSON-ish text with multi-byte characters, never a newline.
        proptest::collection::vec(
            prop_oneof![
                Just('a'),
                Just('"'),
                Just('{'),
                Just(' '),
                Just('é'),
                Just('€'),
                Just('🦀'),
                Just('\u{7ff}'),
            ],
            1..40,
        )
        .prop_map(|chars| {
            let s: String = chars.into_iter().collect();
            if s.trim().is_empty() {
                format!("x{s}")
            } else {
                s
            }
        })
    }

    proptest! {
        #[test]
        fn any_split_yields_the_same_lines(
            lines in proptest::collection::vec(line_strategy(), 0..20),
            raw_cuts in proptest::collection::vec(any::<proptest::sample::Index>(), 0..30),
        ) {
            let stream: String = lines.iter().map(|l| format!("{l}\n")).collect();
            let bytes = stream.as_bytes();
            let mut cuts: Vec<usize> = if bytes.is_empty() {
                Vec::new()
            } else {
                raw_cuts.iter().map(|i| i.index(bytes.len())).collect()
            };
            cuts.sort_unstable();
            cuts.dedup();
            let expected: Vec<Result<String, FrameError>> =
                lines.iter().cloned().map(Ok).collect();
            prop_assert_eq!(frame_with_cuts(bytes, &cuts), expected);
        }
    }
}
