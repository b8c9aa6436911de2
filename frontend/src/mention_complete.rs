//! The composer's `@name` completion (pure logic): what is being typed at the caret, which
//! usernames fit, and the text once one is chosen. Caret positions from the browser count
//! UTF-16 units; these functions take and give byte offsets, with converters.

/// Most names offered at once.
pub const MAX_OFFERED: usize = 8;

/// Whether `c` may be part of a username (as `common::mention` reads them).
fn name_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '.' | '_' | '-')
}

/// The mention being typed when the caret is at byte `caret`: the byte offset of its `@`
/// and the name typed so far (possibly empty). `None` when the caret is not right after
/// `@` and name characters, or the `@` is inside a word (`ann@`).
pub fn query_at(text: &str, caret: usize) -> Option<(usize, &str)> {
    let before = text.get(..caret)?;
    let start = before
        .char_indices()
        .rev()
        .find(|(_, c)| !name_char(*c))
        .map_or(0, |(i, c)| i + c.len_utf8());
    let at = start.checked_sub(1)?;
    if before.as_bytes().get(at) != Some(&b'@') {
        return None;
    }
    let word_before = before[..at]
        .chars()
        .next_back()
        .is_some_and(|c| name_char(c) || c == '@');
    (!word_before).then(|| (at, &before[start..]))
}

/// The usernames that start with `prefix` (ignoring case), in order, at most
/// [`MAX_OFFERED`].
pub fn candidates(names: &[String], prefix: &str) -> Vec<String> {
    let prefix = prefix.to_lowercase();
    names
        .iter()
        .filter(|name| name.to_lowercase().starts_with(&prefix))
        .take(MAX_OFFERED)
        .cloned()
        .collect()
}

/// `text` with the mention typed from byte `at` to `caret` replaced by `@name ` and the
/// caret after it.
pub fn accept(text: &str, at: usize, caret: usize, name: &str) -> (String, usize) {
    let head = text.get(..at).unwrap_or(text);
    let tail = text.get(caret..).unwrap_or("");
    let inserted = format!("@{name} ");
    let caret = head.len() + inserted.len();
    (format!("{head}{inserted}{tail}"), caret)
}

/// The byte offset of the UTF-16 offset `units` in `text`.
pub fn byte_offset(text: &str, units: usize) -> usize {
    let mut counted = 0;
    for (i, c) in text.char_indices() {
        if counted >= units {
            return i;
        }
        counted += c.len_utf16();
    }
    text.len()
}

/// The UTF-16 offset of byte offset `byte` in `text`.
pub fn utf16_offset(text: &str, byte: usize) -> usize {
    text.get(..byte).unwrap_or(text).encode_utf16().count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_name_typed_at_the_caret() {
        assert_eq!(query_at("@", 1), Some((0, "")));
        assert_eq!(query_at("hi @an", 6), Some((3, "an")));
        assert_eq!(query_at("hi @an there", 6), Some((3, "an")));
        assert_eq!(query_at("hi @an there", 12), None);
        assert_eq!(query_at("mail ann@ex", 11), None, "inside a word");
        assert_eq!(query_at("(@zo", 4), Some((1, "zo")));
        assert_eq!(query_at("no at", 5), None);
        assert_eq!(query_at("@@a", 3), None);
    }

    #[test]
    fn names_that_fit_ignoring_case() {
        let names: Vec<String> = ["ann", "Annie", "bob", "anton"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(candidates(&names, "AN"), ["ann", "Annie", "anton"]);
        assert_eq!(candidates(&names, "").len(), 4);
        assert!(candidates(&names, "z").is_empty());
        let many: Vec<String> = (0..20).map(|i| format!("a{i}")).collect();
        assert_eq!(candidates(&many, "a").len(), MAX_OFFERED);
    }

    #[test]
    fn choosing_replaces_what_was_typed() {
        assert_eq!(accept("hi @an", 3, 6, "ann"), ("hi @ann ".to_owned(), 8));
        assert_eq!(
            accept("hi @an, there", 3, 6, "ann"),
            ("hi @ann , there".to_owned(), 8)
        );
    }

    #[test]
    fn carets_convert_between_utf16_and_bytes() {
        let text = "é😀@a";
        assert_eq!(byte_offset(text, 3), 6, "é is 1 unit, 😀 is 2");
        assert_eq!(utf16_offset(text, 6), 3);
        assert_eq!(byte_offset(text, 99), text.len());
    }
}
