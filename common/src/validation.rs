//! The rules a posted message must meet. Both ends use them: the server to refuse, the
//! browser to explain before it sends.
//!
//! Lengths count Unicode scalar values (what a person sees as characters in nearly all
//! text), after trimming surrounding white space.

use crate::wire::NewMessage;
use thiserror::Error;

/// Longest user name, in characters.
pub const USER_MAX_CHARS: usize = 32;
/// Longest message text, in characters.
pub const TEXT_MAX_CHARS: usize = 2000;
/// Largest accepted `POST /msgs` body, in bytes. 2000 characters of 4-byte UTF-8 escaped as
/// JSON still fit well below it.
pub const BODY_LIMIT_BYTES: usize = 16 * 1024;

/// Why a message was refused. The `Display` text is shown to users as is.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ValidationError {
    #[error("user must not be empty")]
    EmptyUser,
    #[error("user is {got} characters long; at most {USER_MAX_CHARS} are allowed")]
    UserTooLong { got: usize },
    #[error("user contains the control character U+{code:04X}; none are allowed")]
    UserControlChar { code: u32 },
    #[error("text must not be empty")]
    EmptyText,
    #[error("text is {got} characters long; at most {TEXT_MAX_CHARS} are allowed")]
    TextTooLong { got: usize },
    #[error("text contains the control character U+{code:04X}; only newline is allowed")]
    TextControlChar { code: u32 },
}

/// A user name that passed validation: trimmed, 1..=32 characters, no control characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserName(String);

impl UserName {
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let user = raw.trim();
        if user.is_empty() {
            return Err(ValidationError::EmptyUser);
        }
        if let Some(c) = user.chars().find(|c| c.is_control()) {
            return Err(ValidationError::UserControlChar { code: c as u32 });
        }
        let got = user.chars().count();
        if got > USER_MAX_CHARS {
            return Err(ValidationError::UserTooLong { got });
        }
        Ok(Self(user.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

/// Message text that passed validation: trimmed, 1..=2000 characters, newline the only
/// control character.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageText(String);

impl MessageText {
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let text = raw.trim();
        if text.is_empty() {
            return Err(ValidationError::EmptyText);
        }
        if let Some(c) = text.chars().find(|c| c.is_control() && *c != '\n') {
            return Err(ValidationError::TextControlChar { code: c as u32 });
        }
        let got = text.chars().count();
        if got > TEXT_MAX_CHARS {
            return Err(ValidationError::TextTooLong { got });
        }
        Ok(Self(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

/// A [`NewMessage`] whose fields both passed validation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidNewMessage {
    pub user: UserName,
    pub text: MessageText,
}

impl NewMessage {
    /// Checks the user first, then the text, and reports the first problem found.
    pub fn validate(&self) -> Result<ValidNewMessage, ValidationError> {
        Ok(ValidNewMessage {
            user: UserName::parse(&self.user)?,
            text: MessageText::parse(&self.text)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_is_trimmed_and_bounded() {
        assert_eq!(UserName::parse("  ann \t").unwrap().as_str(), "ann");
        assert_eq!(UserName::parse("   "), Err(ValidationError::EmptyUser));
        assert_eq!(UserName::parse(""), Err(ValidationError::EmptyUser));
        let max = "é".repeat(USER_MAX_CHARS);
        assert_eq!(UserName::parse(&max).unwrap().as_str(), max);
        assert_eq!(
            UserName::parse(&"é".repeat(USER_MAX_CHARS + 1)),
            Err(ValidationError::UserTooLong { got: 33 })
        );
    }

    #[test]
    fn user_refuses_every_control_character() {
        for c in ['\n', '\u{0}', '\u{1b}', '\u{7f}', '\u{85}', '\r'] {
            let raw = format!("a{c}b");
            assert_eq!(
                UserName::parse(&raw),
                Err(ValidationError::UserControlChar { code: c as u32 }),
                "{raw:?}"
            );
        }
    }

    #[test]
    fn text_allows_newline_only() {
        assert_eq!(
            MessageText::parse(" line one\nline two \n")
                .unwrap()
                .as_str(),
            "line one\nline two"
        );
        for c in ['\r', '\u{0}', '\u{7}', '\u{1b}', '\u{9b}', '\t'] {
            let raw = format!("a{c}b");
            assert_eq!(
                MessageText::parse(&raw),
                Err(ValidationError::TextControlChar { code: c as u32 }),
                "{raw:?}"
            );
        }
    }

    #[test]
    fn text_length_counts_characters_not_bytes() {
        let max = "🦀".repeat(TEXT_MAX_CHARS);
        assert!(MessageText::parse(&max).is_ok());
        assert_eq!(
            MessageText::parse(&format!("{max}x")),
            Err(ValidationError::TextTooLong { got: 2001 })
        );
        assert_eq!(MessageText::parse("\n \n"), Err(ValidationError::EmptyText));
    }

    #[test]
    fn largest_valid_body_fits_the_body_limit() {
        // The worst case a valid message can take as JSON: every character escaped
        // as \uXXXX\uXXXX would be 12 bytes, but JSON encoders only escape controls;
        // non-ASCII stays raw UTF-8 of at most 4 bytes.
        let body = serde_json::to_vec(&NewMessage {
            user: "🦀".repeat(USER_MAX_CHARS),
            text: "🦀".repeat(TEXT_MAX_CHARS),
            room: u64::MAX,
        })
        .unwrap();
        assert!(body.len() < BODY_LIMIT_BYTES, "{}", body.len());
    }

    #[test]
    fn validate_reports_user_before_text() {
        let bad = NewMessage {
            user: String::new(),
            text: String::new(),
            room: 0,
        };
        assert_eq!(bad.validate(), Err(ValidationError::EmptyUser));
        let ok = NewMessage {
            user: " bob ".into(),
            text: " <b>hi</b> ".into(),
            room: 0,
        }
        .validate()
        .unwrap();
        assert_eq!(ok.user.as_str(), "bob");
        assert_eq!(ok.text.as_str(), "<b>hi</b>");
    }

    #[test]
    fn messages_name_the_problem() {
        assert_eq!(
            ValidationError::TextTooLong { got: 2001 }.to_string(),
            "text is 2001 characters long; at most 2000 are allowed"
        );
        assert_eq!(
            ValidationError::TextControlChar { code: 0x1b }.to_string(),
            "text contains the control character U+001B; only newline is allowed"
        );
    }
}
