//! Searching messages (`GET /api/search`): what a query may be, and the results' shape.
//!
//! A query is plain words, never a query language: [`SearchQuery::parse`] keeps its words
//! (runs of letters and digits, as the server's full-text index splits text), and the
//! server matches messages holding every word (each as a word's beginning). So `"`,
//! `NEAR(` or `*` are no syntax to anyone: they are not words, and a query of nothing but
//! them is refused as empty. A result's snippet is text in parts, each marked whether it
//! is a hit, for the client to render as text nodes, never as HTML.

use crate::wire::Message;
use serde::{Deserialize, Serialize};

/// Longest query, in characters.
pub const QUERY_MAX_CHARS: usize = 200;
/// Most words a query may hold.
pub const QUERY_MAX_WORDS: usize = 16;
/// Most results one search returns.
pub const RESULTS_MAX: usize = 50;

/// Why a query was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SearchQueryError {
    #[error("the search has no words (letters or digits)")]
    NoWords,
    #[error("the search is too long: {got} characters, at most {QUERY_MAX_CHARS}")]
    TooLong { got: usize },
    #[error("the search has too many words: {got}, at most {QUERY_MAX_WORDS}")]
    TooManyWords { got: usize },
}

/// A valid query: its words, lowercase, each once, in the order typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchQuery(Vec<String>);

impl SearchQuery {
    pub fn parse(raw: &str) -> Result<Self, SearchQueryError> {
        let got = raw.chars().count();
        if got > QUERY_MAX_CHARS {
            return Err(SearchQueryError::TooLong { got });
        }
        let mut words: Vec<String> = Vec::new();
        for word in words_of(raw) {
            let word = word.to_lowercase();
            if !words.contains(&word) {
                words.push(word);
            }
        }
        match words.len() {
            0 => Err(SearchQueryError::NoWords),
            got if got > QUERY_MAX_WORDS => Err(SearchQueryError::TooManyWords { got }),
            _ => Ok(Self(words)),
        }
    }

    /// The words, lowercase.
    pub fn words(&self) -> &[String] {
        &self.0
    }

    /// Whether `word` (any case) is a hit: it begins with one of the query's words.
    pub fn hits(&self, word: &str) -> bool {
        let word = word.to_lowercase();
        self.0.iter().any(|term| word.starts_with(term.as_str()))
    }
}

/// The words of `text`: runs of letters and digits, as byte ranges.
pub fn word_ranges(text: &str) -> impl Iterator<Item = std::ops::Range<usize>> + '_ {
    let mut start = None;
    let mut chars = text
        .char_indices()
        .chain(std::iter::once((text.len(), ' ')));
    std::iter::from_fn(move || {
        for (at, c) in chars.by_ref() {
            match (start, c.is_alphanumeric()) {
                (None, true) => start = Some(at),
                (Some(from), false) => {
                    start = None;
                    return Some(from..at);
                }
                _ => {}
            }
        }
        None
    })
}

fn words_of(text: &str) -> impl Iterator<Item = &str> {
    word_ranges(text).map(move |range| &text[range])
}

/// A piece of a snippet: plain text, and whether it matched the query.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SnippetPart {
    pub text: String,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub hit: bool,
}

/// One message found: as it is now, and the part of its text around the hits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SearchHit {
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub message: Message,
    pub snippet: Vec<SnippetPart>,
}

/// The answer to `GET /api/search`: the best matches first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SearchResults {
    pub results: Vec<SearchHit>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_kept_lowercase_once_and_syntax_is_not_a_word() {
        let query = SearchQuery::parse(r#"  Deploy "NEAR(x* deploy café_2 "#).unwrap();
        assert_eq!(query.words(), ["deploy", "near", "x", "café", "2"]);
        assert_eq!(
            SearchQuery::parse(r#"" * ( ) -"#),
            Err(SearchQueryError::NoWords)
        );
        assert_eq!(SearchQuery::parse(""), Err(SearchQueryError::NoWords));
    }

    #[test]
    fn long_queries_are_refused() {
        let long = "a".repeat(QUERY_MAX_CHARS + 1);
        assert_eq!(
            SearchQuery::parse(&long),
            Err(SearchQueryError::TooLong { got: 201 })
        );
        assert!(SearchQuery::parse(&"é".repeat(QUERY_MAX_CHARS)).is_ok());
        let many: Vec<String> = (0..=QUERY_MAX_WORDS).map(|i| format!("w{i}")).collect();
        assert_eq!(
            SearchQuery::parse(&many.join(" ")),
            Err(SearchQueryError::TooManyWords { got: 17 })
        );
    }

    #[test]
    fn a_hit_is_a_word_beginning_with_a_query_word() {
        let query = SearchQuery::parse("depl").unwrap();
        assert!(query.hits("Deployment"));
        assert!(!query.hits("redeploy"));
    }

    #[test]
    fn word_ranges_split_on_anything_but_letters_and_digits() {
        let text = "héllo, wörld!42";
        let words: Vec<&str> = word_ranges(text).map(|r| &text[r]).collect();
        assert_eq!(words, ["héllo", "wörld", "42"]);
        assert_eq!(word_ranges("").count(), 0);
    }

    #[test]
    fn parts_serialize_hit_only_when_true() {
        let part = SnippetPart {
            text: "<b>".into(),
            hit: false,
        };
        assert_eq!(serde_json::to_string(&part).unwrap(), r#"{"text":"<b>"}"#);
        let back: SnippetPart = serde_json::from_str(r#"{"text":"x","hit":true}"#).unwrap();
        assert!(back.hit);
    }
}
