//! Reactions: an account marks a message with one emoji, and can take the mark back.
//!
//! A message carries its reactions ([`crate::Message::reactions`]); each change is one
//! `reaction` stream event saying who added or removed which emoji. The state is a set per
//! emoji, so applying a change twice is the same as once ([`apply`]): a replayed or
//! resumed stream cannot count anyone twice. Every party (both stores, the server's
//! window, the page) applies changes with the same rule, in log order, so they agree.

use serde::{Deserialize, Serialize};
use thiserror::Error;

/// Most distinct emoji on one message: more adds of a new emoji are refused (and, should
/// two race past the check, the later one is ignored everywhere by [`apply`]).
pub const MAX_REACTIONS: usize = 20;

/// The short list the page offers; any other single emoji may be typed.
pub const QUICK_REACTIONS: [&str; 8] = ["👍", "❤️", "😂", "🎉", "😮", "😢", "🙏", "👀"];

/// Longest input [`Emoji::parse`] looks at, in bytes: the longest emoji sequences
/// (families, flags of subdivisions) are well below it.
const EMOJI_MAX_BYTES: usize = 64;

/// Why a reaction was refused. The `Display` text is shown to users as is.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ReactionError {
    #[error("a reaction must be one emoji, not empty")]
    Empty,
    #[error("a reaction must be exactly one emoji")]
    NotOneEmoji,
}

/// One emoji, as Unicode lists it (with its skin tone, if any), in its fully qualified form:
/// `❤` and `❤️` are one reaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Emoji(&'static str);

impl Emoji {
    /// Accepts exactly one emoji, surrounding white space trimmed; anything else (text,
    /// several emoji, control characters) is [`ReactionError`].
    pub fn parse(raw: &str) -> Result<Self, ReactionError> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Err(ReactionError::Empty);
        }
        if raw.len() > EMOJI_MAX_BYTES {
            return Err(ReactionError::NotOneEmoji);
        }
        emojis::get(raw)
            .map(|emoji| Self(emoji.as_str()))
            .ok_or(ReactionError::NotOneEmoji)
    }

    pub fn as_str(&self) -> &'static str {
        self.0
    }
}

/// One emoji on a message and the usernames of the accounts that reacted with it, in the
/// order they did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Reaction {
    pub emoji: String,
    pub accounts: Vec<String>,
}

/// Applies one change: `account` added (`added`) or removed `emoji`. Returns whether
/// anything changed: adding twice, removing what is not there, or adding a new emoji to a
/// message that has [`MAX_REACTIONS`] already changes nothing. An emoji nobody holds any
/// more disappears.
pub fn apply(reactions: &mut Vec<Reaction>, emoji: &str, account: &str, added: bool) -> bool {
    let found = reactions.iter().position(|r| r.emoji == emoji);
    match (found, added) {
        (Some(i), true) => {
            let accounts = &mut reactions[i].accounts;
            if accounts.iter().any(|a| a == account) {
                return false;
            }
            accounts.push(account.to_owned());
            true
        }
        (None, true) => {
            if reactions.len() >= MAX_REACTIONS {
                return false;
            }
            reactions.push(Reaction {
                emoji: emoji.to_owned(),
                accounts: vec![account.to_owned()],
            });
            true
        }
        (Some(i), false) => {
            let accounts = &mut reactions[i].accounts;
            let before = accounts.len();
            accounts.retain(|a| a != account);
            let changed = accounts.len() != before;
            if accounts.is_empty() {
                reactions.remove(i);
            }
            changed
        }
        (None, false) => false,
    }
}

#[cfg(test)]
mod tests;
