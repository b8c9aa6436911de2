//! Mentions in a message's text: `@username` names an account, `@here` the room's members
//! online. The server parses them once ([`parse`]) and stores the result with the message
//! (`Message.mentions`, `Message.here`), so nobody re-parses text to count or notify; the
//! page finds the same spans ([`spans`]) only to highlight them as plain text.
//!
//! The rules, the same in both places:
//! - `@` starts a mention at the start of the text or after a character that cannot be
//!   part of a username (so `ann@example.com` and `a@b` mention nobody);
//! - the name is the longest run of username characters (letters, digits, `.`, `_`, `-`,
//!   see [`crate::account::Username`]) after it, less trailing `.` and `-` (sentence
//!   punctuation: `thanks @ann.`), and must be a valid username; a name followed by another
//!   `@` is an address, not a mention;
//! - nothing inside code counts: inline code spans (a run of N backticks up to the next run
//!   of exactly N) and fenced blocks (lines between two lines starting with three
//!   backticks);
//! - case does not matter: names come out lowercase, each once, in the order first seen.

use crate::account::Username;
use std::ops::Range;

/// The name of the mention that reaches every member online.
pub const HERE: &str = "here";

/// In rooms with more members than this, only admins and the room's managers may say
/// `@here` (it would wake too many people).
pub const HERE_MAX_MEMBERS: usize = 50;

/// What a text mentions.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Mentions {
    /// Usernames, lowercase, each once, in order (`here` is not among them).
    pub names: Vec<String>,
    /// The text says `@here`.
    pub here: bool,
}

/// One mention in a text: where it is (the `@` included) and the name, lowercase.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Span {
    pub range: Range<usize>,
    pub name: String,
}

/// Whether `c` may be part of a username.
fn name_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '.' | '_' | '-')
}

/// The mentions of `text`, as the server stores them.
pub fn parse(text: &str) -> Mentions {
    let mut found = Mentions::default();
    for span in spans(text) {
        if span.name == HERE {
            found.here = true;
        } else if !found.names.contains(&span.name) {
            found.names.push(span.name);
        }
    }
    found
}

/// Every mention in `text` outside code, in order (repeats included).
pub fn spans(text: &str) -> Vec<Span> {
    let mut out = Vec::new();
    let mut in_fence = false;
    let mut line_start = 0;
    for line in text.split_inclusive('\n') {
        let fence = line.trim_start_matches(' ').starts_with("```")
            && line.len() - line.trim_start_matches(' ').len() <= 3;
        if fence {
            in_fence = !in_fence;
        } else if !in_fence {
            scan_line(text, line_start, line_start + line.len(), &mut out);
        }
        line_start += line.len();
    }
    out
}

/// Finds mentions in `text[start..end]` (one line outside fences), skipping code spans.
fn scan_line(text: &str, start: usize, end: usize, out: &mut Vec<Span>) {
    let line = &text[start..end];
    let mut at = 0;
    while at < line.len() {
        let rest = &line[at..];
        let Some(c) = rest.chars().next() else { break };
        if c == '`' {
            let run = rest.len() - rest.trim_start_matches('`').len();
            at += run;
            if let Some(close) = closing_run(&line[at..], run) {
                at += close + run;
            }
            continue;
        }
        if c == '@'
            && !line[..at]
                .chars()
                .next_back()
                .is_some_and(|p| name_char(p) || p == '@')
        {
            if let Some((len, name)) = mention_at(&rest[1..]) {
                out.push(Span {
                    range: start + at..start + at + 1 + len,
                    name,
                });
                at += 1 + len;
                continue;
            }
        }
        at += c.len_utf8();
    }
}

/// Where in `rest` a run of exactly `run` backticks starts, if one does.
fn closing_run(rest: &str, run: usize) -> Option<usize> {
    let mut at = 0;
    while let Some(found) = rest[at..].find('`') {
        let from = at + found;
        let len = rest[from..].len() - rest[from..].trim_start_matches('`').len();
        if len == run {
            return Some(from);
        }
        at = from + len;
    }
    None
}

/// The name right after an `@`: its length in bytes and its lowercase form.
fn mention_at(after: &str) -> Option<(usize, String)> {
    let len = after
        .char_indices()
        .find(|(_, c)| !name_char(*c))
        .map_or(after.len(), |(i, _)| i);
    if after[len..].starts_with('@') {
        return None;
    }
    let name = after[..len].trim_end_matches(['.', '-']);
    let valid = Username::parse(name).ok()?;
    (valid.as_str().len() == name.len()).then(|| (name.len(), name.to_lowercase()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(text: &str) -> Vec<String> {
        parse(text).names
    }

    #[test]
    fn names_at_the_start_or_after_a_non_word_character() {
        assert_eq!(names("@ann hi"), ["ann"]);
        assert_eq!(names("hi @ann and @bob_2!"), ["ann", "bob_2"]);
        assert_eq!(names("(@ann), [@bob]: \"@cy\""), ["ann", "bob", "cy"]);
        assert_eq!(names("line\n@ann"), ["ann"]);
        assert_eq!(names("@zoë"), ["zoë"]);
    }

    #[test]
    fn not_inside_words_or_addresses() {
        assert!(names("a@b").is_empty());
        assert!(names("mail ann@example.com now").is_empty());
        assert!(names("x_@ann").is_empty());
        assert!(names("@ann@example.com").is_empty(), "an address");
        assert!(names("@@ann").is_empty());
        assert!(names("@ a").is_empty());
        assert!(names("@").is_empty());
        assert!(names("@a").is_empty(), "too short to be a username");
        assert!(
            names(&format!("@{}", "a".repeat(33))).is_empty(),
            "too long"
        );
    }

    #[test]
    fn case_insensitive_each_once_in_order() {
        assert_eq!(names("@Bob @ANN @bob @ann @Ann"), ["bob", "ann"]);
    }

    #[test]
    fn trailing_sentence_punctuation_is_not_part_of_the_name() {
        assert_eq!(names("thanks @ann."), ["ann"]);
        assert_eq!(
            names("@ann, @bob; @cy? @dee... @ed-"),
            ["ann", "bob", "cy", "dee", "ed"]
        );
        assert_eq!(names("@ann.b is here"), ["ann.b"]);
    }

    #[test]
    fn nothing_inside_code_spans() {
        assert!(names("`@ann`").is_empty());
        assert!(names("see `a @ann b` and ``x ` @bob``").is_empty());
        assert_eq!(names("`@ann` @bob"), ["bob"]);
        assert_eq!(
            names("``@ann` @bob"),
            ["ann", "bob"],
            "runs differ: no span"
        );
        assert_eq!(
            names("`unclosed @ann"),
            ["ann"],
            "an unclosed backtick is literal"
        );
    }

    #[test]
    fn nothing_inside_fenced_blocks() {
        let text = "before @ann\n```\n@bob\n  @cy\n```\nafter @dee";
        assert_eq!(names(text), ["ann", "dee"]);
        assert!(
            names("```rust\n@ann\n").is_empty(),
            "an unclosed fence runs to the end"
        );
    }

    #[test]
    fn here_is_a_flag_not_a_name() {
        let found = parse("@HERE please, @ann");
        assert!(found.here);
        assert_eq!(found.names, ["ann"]);
        assert!(!parse("`@here`").here);
        assert!(!parse("there@here").here);
    }

    #[test]
    fn spans_cover_the_at_and_the_name() {
        let text = "hi @Ann. and ``@x`` @bob";
        let found = spans(text);
        assert_eq!(found.len(), 2);
        assert_eq!(&text[found[0].range.clone()], "@Ann");
        assert_eq!(found[0].name, "ann");
        assert_eq!(&text[found[1].range.clone()], "@bob");
    }
}
