//! A found message's snippet: the part of its text around the first hit, cut into parts
//! that are hits (a word beginning with a query word) or not. Plain text in structured
//! parts, so a client shows hits by wrapping text nodes, never by parsing markup.

use common::search::{word_ranges, SearchQuery, SnippetPart};
use std::ops::Range;

/// Longest snippet, in characters (without the `…` that marks a cut).
pub const SNIPPET_CHARS: usize = 160;
/// Characters kept before the first hit when the text is cut.
const LEAD_CHARS: usize = 40;
const CUT: &str = "…";

pub fn snippet(text: &str, query: &SearchQuery) -> Vec<SnippetPart> {
    let hits: Vec<Range<usize>> = word_ranges(text)
        .filter(|range| query.hits(&text[range.clone()]))
        .collect();
    let window = window(text, hits.first().map(|hit| hit.start));
    let mut parts = Vec::new();
    if window.start > 0 {
        push(&mut parts, CUT, false);
    }
    let mut at = window.start;
    for hit in &hits {
        let (start, end) = (hit.start.max(window.start), hit.end.min(window.end));
        if start >= end {
            continue;
        }
        push(&mut parts, &text[at..start], false);
        push(&mut parts, &text[start..end], true);
        at = end;
    }
    push(&mut parts, &text[at..window.end], false);
    if window.end < text.len() {
        push(&mut parts, CUT, false);
    }
    parts
}

/// The byte range shown: all of a short text; of a long one, [`SNIPPET_CHARS`] characters
/// from a little before the first hit (or the end's, if the hit is near the end).
fn window(text: &str, first_hit: Option<usize>) -> Range<usize> {
    let starts: Vec<usize> = text.char_indices().map(|(at, _)| at).collect();
    if starts.len() <= SNIPPET_CHARS {
        return 0..text.len();
    }
    let hit_char = first_hit.map_or(0, |byte| starts.partition_point(|&at| at < byte));
    let first = hit_char
        .saturating_sub(LEAD_CHARS)
        .min(starts.len() - SNIPPET_CHARS);
    let last = first + SNIPPET_CHARS;
    starts[first]..starts.get(last).copied().unwrap_or(text.len())
}

/// Adds text to the parts, joining it to the previous part of the same kind.
fn push(parts: &mut Vec<SnippetPart>, text: &str, hit: bool) {
    if text.is_empty() {
        return;
    }
    match parts.last_mut() {
        Some(last) if last.hit == hit && !hit => last.text.push_str(text),
        _ => parts.push(SnippetPart {
            text: text.to_owned(),
            hit,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shown(parts: &[SnippetPart]) -> String {
        parts
            .iter()
            .map(|p| {
                if p.hit {
                    format!("[{}]", p.text)
                } else {
                    p.text.clone()
                }
            })
            .collect()
    }

    fn query(q: &str) -> SearchQuery {
        SearchQuery::parse(q).unwrap()
    }

    #[test]
    fn hits_are_marked_and_markup_stays_text() {
        let parts = snippet("<b>Deploy</b> on friday, deployment!", &query("deploy"));
        assert_eq!(shown(&parts), "<b>[Deploy]</b> on friday, [deployment]!");
        assert_eq!(parts[0].text, "<b>");
        assert!(!parts[0].hit && parts[1].hit);
    }

    #[test]
    fn a_long_text_is_cut_around_the_first_hit() {
        let text = format!("{} needle {}", "é".repeat(300), "z".repeat(300));
        let parts = snippet(&text, &query("needle"));
        let all = shown(&parts);
        assert!(all.starts_with('…') && all.ends_with('…'), "{all}");
        assert!(all.contains("[needle]"));
        let chars = all.chars().count() - 2 - 2;
        assert_eq!(chars, SNIPPET_CHARS);
        let at_end = format!("{} needle", "a ".repeat(200));
        let all = shown(&snippet(&at_end, &query("needle")));
        assert!(all.starts_with('…') && all.ends_with("[needle]"), "{all}");
    }

    #[test]
    fn no_hit_shows_the_start() {
        let parts = snippet("café au lait", &query("cafe"));
        assert_eq!(shown(&parts), "café au lait");
        assert_eq!(parts.len(), 1);
    }
}
