//! Finds the `http://` and `https://` links and the `@name` mentions in a message's text
//! (pure logic). The message list turns each [`Piece::Link`] into an anchor, each
//! [`Piece::Mention`] the server recognised into a styled run of text, and everything else
//! into text nodes, so a message never becomes HTML.

use common::mention;

/// A run of a message's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Piece<'a> {
    Text(&'a str),
    Link(&'a str),
    /// `@name`, found by the same rules as the server's (not in words, not in code).
    Mention(&'a str),
}

impl Piece<'_> {
    /// The mentioned name, lowercase, as `Message.mentions` holds it.
    pub fn mentioned(&self) -> Option<String> {
        match self {
            Self::Mention(run) => Some(run.trim_start_matches('@').to_lowercase()),
            _ => None,
        }
    }
}

/// [`links`], with the mentions outside links cut out of the text runs.
pub fn pieces(text: &str) -> Vec<Piece<'_>> {
    let spans = mention::spans(text);
    let mut out = Vec::new();
    let mut offset = 0;
    for piece in links(text) {
        let Piece::Text(run) = piece else {
            offset += match piece {
                Piece::Link(s) | Piece::Mention(s) | Piece::Text(s) => s.len(),
            };
            out.push(piece);
            continue;
        };
        let end = offset + run.len();
        let mut from = offset;
        for span in spans
            .iter()
            .filter(|s| s.range.start >= offset && s.range.end <= end)
        {
            if from < span.range.start {
                out.push(Piece::Text(&text[from..span.range.start]));
            }
            out.push(Piece::Mention(&text[span.range.clone()]));
            from = span.range.end;
        }
        if from < end {
            out.push(Piece::Text(&text[from..end]));
        }
        offset = end;
    }
    out
}

/// Characters that end a link: besides whitespace and control characters, those that
/// cannot appear in a URL unescaped and usually surround one (`<https://…>`, `"https://…"`).
fn ends_link(c: char) -> bool {
    c.is_whitespace()
        || c.is_control()
        || matches!(c, '<' | '>' | '"' | '`' | '{' | '}' | '|' | '\\' | '^')
}

/// Punctuation that closes a sentence rather than a URL when it comes last.
fn trailing_punctuation(c: char) -> bool {
    matches!(c, '.' | ',' | ';' | ':' | '!' | '?' | '\'' | '*')
}

/// The length of the link starting at `rest` (which starts with a scheme), or 0 if there
/// is no host after the scheme.
fn link_len(rest: &str, scheme_len: usize) -> usize {
    let end = rest.find(ends_link).unwrap_or(rest.len());
    let mut link = &rest[..end];
    // Drop trailing punctuation, and closing brackets that close nothing in the link:
    // "(see https://a.example/x)" links "https://a.example/x".
    while let Some(last) = link.chars().next_back() {
        let unbalanced = |open: char, close: char| {
            last == close && link.matches(close).count() > link.matches(open).count()
        };
        if trailing_punctuation(last) || unbalanced('(', ')') || unbalanced('[', ']') {
            link = &link[..link.len() - last.len_utf8()];
        } else {
            break;
        }
    }
    let host_starts = link[scheme_len..]
        .chars()
        .next()
        .is_some_and(|c| c.is_alphanumeric() || c == '[');
    if host_starts {
        link.len()
    } else {
        0
    }
}

/// The length of the scheme (`http://`, `https://`, any case) `rest` starts with, if any.
fn scheme_len(rest: &str) -> Option<usize> {
    ["https://", "http://"].into_iter().find_map(|scheme| {
        rest.get(..scheme.len())
            .filter(|head| head.eq_ignore_ascii_case(scheme))
            .map(|_| scheme.len())
    })
}

/// Cuts `text` into text and links, in order; joined back they are `text` exactly.
fn links(text: &str) -> Vec<Piece<'_>> {
    let mut out = Vec::new();
    let mut plain_from = 0;
    let mut at = 0;
    let mut previous: Option<char> = None;
    while at < text.len() {
        let rest = &text[at..];
        // A link starts a word: "xhttps://" is not one.
        let starts_word = previous.is_none_or(|c| !c.is_alphanumeric());
        let found = if starts_word {
            scheme_len(rest).map(|scheme| link_len(rest, scheme))
        } else {
            None
        };
        match found {
            Some(len) if len > 0 => {
                if plain_from < at {
                    out.push(Piece::Text(&text[plain_from..at]));
                }
                out.push(Piece::Link(&rest[..len]));
                at += len;
                plain_from = at;
                previous = text[..at].chars().next_back();
            }
            _ => {
                let c = rest.chars().next().unwrap_or_default();
                at += c.len_utf8().max(1);
                previous = Some(c);
            }
        }
    }
    if plain_from < text.len() {
        out.push(Piece::Text(&text[plain_from..]));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::Piece::{Link, Mention, Text};
    use super::*;

    #[test]
    fn plain_text_is_one_piece() {
        assert_eq!(pieces("hello there"), vec![Text("hello there")]);
        assert_eq!(pieces(""), vec![]);
        assert_eq!(pieces("http:// nothing"), vec![Text("http:// nothing")]);
        assert_eq!(pieces("https://"), vec![Text("https://")]);
    }

    #[test]
    fn links_are_found_between_text() {
        assert_eq!(
            pieces("see https://a.example/x?y=1#z, then http://b.example."),
            vec![
                Text("see "),
                Link("https://a.example/x?y=1#z"),
                Text(", then "),
                Link("http://b.example"),
                Text("."),
            ]
        );
        assert_eq!(pieces("HTTPS://A.example"), vec![Link("HTTPS://A.example")]);
    }

    #[test]
    fn brackets_and_markup_end_a_link() {
        assert_eq!(
            pieces("(see https://a.example/wiki/X_(y))"),
            vec![
                Text("(see "),
                Link("https://a.example/wiki/X_(y)"),
                Text(")")
            ]
        );
        assert_eq!(
            pieces("<b>x</b> https://a.example/?q=<i>"),
            vec![
                Text("<b>x</b> "),
                Link("https://a.example/?q="),
                Text("<i>")
            ]
        );
        assert_eq!(
            pieces("\"https://a.example\""),
            vec![Text("\""), Link("https://a.example"), Text("\"")]
        );
    }

    #[test]
    fn only_http_at_a_word_start() {
        assert_eq!(
            pieces("xhttps://a.example"),
            vec![Text("xhttps://a.example")]
        );
        assert_eq!(
            pieces("javascript:alert(1)"),
            vec![Text("javascript:alert(1)")]
        );
        assert_eq!(pieces("ftp://a.example"), vec![Text("ftp://a.example")]);
    }

    #[test]
    fn pieces_join_back_to_the_text() {
        for text in [
            "日本語 https://例え.jp/パス 🦀",
            "a https://x.example b https://y.example",
            "https://a.example...",
            "é",
            "@ann, `@x` https://a.example/@bob @Zoë.",
        ] {
            let joined: String = pieces(text)
                .iter()
                .map(|p| match p {
                    Text(s) | Link(s) | Mention(s) => *s,
                })
                .collect();
            assert_eq!(joined, text);
        }
        assert_eq!(
            pieces("日本語 https://例え.jp/パス 🦀")[1],
            Link("https://例え.jp/パス")
        );
    }

    #[test]
    fn mentions_are_pieces_of_their_own_outside_links_and_code() {
        assert_eq!(
            pieces("hi @Ann, see https://a.example/@bob and `@cy` @here"),
            vec![
                Text("hi "),
                Mention("@Ann"),
                Text(", see "),
                Link("https://a.example/@bob"),
                Text(" and `@cy` "),
                Mention("@here"),
            ]
        );
        assert_eq!(Mention("@Ann").mentioned().as_deref(), Some("ann"));
        assert_eq!(Text("@Ann").mentioned(), None);
        assert_eq!(pieces("ann@example.com"), vec![Text("ann@example.com")]);
    }
}
