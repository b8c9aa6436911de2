//! What the account forms check before sending, with the server's own rules
//! (`common::account`) and wording, so a mistake is explained under its field at once.
//! Pure logic: no DOM, tested natively.

use common::account::{check_password, DisplayName, NewInvite, SignInRequest, Username};
use common::bot::NewBot;
use common::moderation::{BanError, NewGuestBan};

/// Messages by field name (`"username"`, `"password"`, …); empty when all is well.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldErrors(Vec<(&'static str, String)>);

impl FieldErrors {
    pub fn add(&mut self, field: &'static str, message: impl Into<String>) {
        self.0.push((field, message.into()));
    }

    /// The message for `field`, if it has one.
    pub fn of(&self, field: &str) -> Option<String> {
        self.0
            .iter()
            .find(|(name, _)| *name == field)
            .map(|(_, message)| message.clone())
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub(crate) fn into_result<T>(self, value: impl FnOnce() -> T) -> Result<T, Self> {
        if self.is_empty() {
            Ok(value())
        } else {
            Err(self)
        }
    }
}

/// A new account's fields, checked (setup and join share them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAccount {
    pub username: String,
    pub display_name: Option<String>,
    pub password: String,
}

/// Checks the setup and join forms. The display name is optional (empty means the
/// server uses the username).
pub fn check_new_account(
    username: &str,
    display_name: &str,
    password: &str,
    confirm: &str,
) -> Result<NewAccount, FieldErrors> {
    let mut errors = FieldErrors::default();
    let username = Username::parse(username)
        .map_err(|e| errors.add("username", e.to_string()))
        .ok();
    let display_name = if display_name.trim().is_empty() {
        None
    } else {
        DisplayName::parse(display_name)
            .map_err(|e| errors.add("display_name", e.to_string()))
            .ok()
    };
    if let Err(e) = check_password(password) {
        errors.add("password", e.to_string());
    } else if password != confirm {
        errors.add("confirm", "the two passwords differ");
    }
    errors.into_result(|| NewAccount {
        username: username.map(Username::into_inner).unwrap_or_default(),
        display_name: display_name.map(DisplayName::into_inner),
        password: password.to_owned(),
    })
}

/// Checks the sign-in form: both fields filled in. Length rules are the server's business
/// here (a password set under older rules must still work).
pub fn check_sign_in(username: &str, password: &str) -> Result<SignInRequest, FieldErrors> {
    let mut errors = FieldErrors::default();
    if username.trim().is_empty() {
        errors.add("username", "enter your username");
    }
    if password.is_empty() {
        errors.add("password", "enter your password");
    }
    errors.into_result(|| SignInRequest {
        username: username.trim().to_owned(),
        password: password.to_owned(),
    })
}

/// Checks the new-invite form: hours required, uses optional, both whole numbers above 0.
pub fn check_invite(hours: &str, max_uses: &str) -> Result<NewInvite, FieldErrors> {
    let mut errors = FieldErrors::default();
    let positive = |raw: &str| raw.trim().parse::<u32>().ok().filter(|n| *n > 0);
    let expires_in_hours = positive(hours);
    if expires_in_hours.is_none() {
        errors.add("hours", "enter a whole number of hours, 1 or more");
    }
    let max_uses = if max_uses.trim().is_empty() {
        None
    } else {
        let uses = positive(max_uses);
        if uses.is_none() {
            errors.add(
                "max_uses",
                "enter a whole number, 1 or more, or leave it empty",
            );
        }
        uses
    };
    errors.into_result(|| NewInvite {
        expires_in_hours,
        max_uses,
    })
}

/// The guest-ban form: the server's own checks (`NewGuestBan::validate`), each message
/// under its field.
pub fn check_ban(address: &str, hours: &str, reason: &str) -> Result<NewGuestBan, FieldErrors> {
    let mut errors = FieldErrors::default();
    let ban = NewGuestBan {
        address: address.trim().to_owned(),
        message: None,
        hours: hours.trim().parse().unwrap_or(0),
        reason: reason.trim().to_owned(),
    };
    // Each rule on its own, so every field with a mistake says so at once.
    let probe = |changed: NewGuestBan| changed.validate().err();
    if let Some(error @ BanError::Address(_)) = probe(NewGuestBan {
        hours: 1,
        reason: String::new(),
        ..ban.clone()
    }) {
        errors.add("address", error.to_string());
    }
    if let Some(error @ BanError::Hours) = probe(NewGuestBan {
        address: "127.0.0.1".into(),
        reason: String::new(),
        ..ban.clone()
    }) {
        errors.add("ban_hours", error.to_string());
    }
    if let Some(error) = probe(NewGuestBan {
        address: "127.0.0.1".into(),
        hours: 1,
        ..ban.clone()
    }) {
        errors.add("reason", error.to_string());
    }
    errors.into_result(|| ban)
}

/// Checks the new-bot form: a valid username; the webhook URL optional, but `http://` or
/// `https://` when given (the server checks the rest).
pub fn check_new_bot(username: &str, webhook_url: &str) -> Result<NewBot, FieldErrors> {
    let mut errors = FieldErrors::default();
    let username = match Username::parse(username) {
        Ok(name) => Some(name.into_inner()),
        Err(why) => {
            errors.add("username", why.to_string());
            None
        }
    };
    let url = webhook_url.trim();
    let scheme = url.split_once("://").map(|(s, _)| s.to_ascii_lowercase());
    if !url.is_empty() && !matches!(scheme.as_deref(), Some("http" | "https")) {
        errors.add(
            "webhook_url",
            "the webhook URL must start with http:// or https:// (or leave it empty)",
        );
    }
    errors.into_result(|| NewBot {
        username: username.unwrap_or_default(),
        display_name: None,
        webhook_url: (!url.is_empty()).then(|| url.to_owned()),
    })
}

/// The setup token from `location.hash` (`#TOKEN`), if there is one.
pub fn token_from_hash(hash: &str) -> Option<String> {
    let token = hash.strip_prefix('#').unwrap_or(hash).trim();
    (!token.is_empty()).then(|| token.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_bot_needs_a_username_and_an_http_webhook_if_any() {
        let bot = check_new_bot(" helper ", "  ").unwrap();
        assert_eq!((bot.username.as_str(), bot.webhook_url), ("helper", None));
        let hooked = check_new_bot("helper", " https://bots.example/h ").unwrap();
        assert_eq!(
            hooked.webhook_url.as_deref(),
            Some("https://bots.example/h")
        );
        let bad = check_new_bot("a b", "ftp://x").unwrap_err();
        assert!(bad.of("username").is_some());
        assert!(bad.of("webhook_url").unwrap().contains("http"));
        assert!(check_new_bot("helper", "bots.example").is_err());
    }

    #[test]
    fn a_good_new_account_passes_trimmed() {
        let account = check_new_account(" ann ", "  ", "long enough!", "long enough!").unwrap();
        assert_eq!(
            account,
            NewAccount {
                username: "ann".into(),
                display_name: None,
                password: "long enough!".into(),
            }
        );
        let named = check_new_account("ann", " Ann B. ", "long enough!", "long enough!");
        assert_eq!(named.unwrap().display_name.as_deref(), Some("Ann B."));
    }

    #[test]
    fn each_bad_field_gets_the_servers_wording() {
        let errors = check_new_account("a b", "x\u{7}", "short", "short").unwrap_err();
        assert_eq!(
            errors.of("username").unwrap(),
            "username may contain letters, digits, '.', '_' and '-' only (not ' ')"
        );
        assert!(errors
            .of("display_name")
            .unwrap()
            .contains("control character"));
        assert_eq!(
            errors.of("password").unwrap(),
            "password must be at least 10 characters long"
        );
        assert_eq!(
            errors.of("confirm"),
            None,
            "no mismatch on a refused password"
        );

        let errors = check_new_account("ann", "", "long enough!", "long enough?").unwrap_err();
        assert_eq!(errors.of("confirm").unwrap(), "the two passwords differ");
        assert_eq!(errors.of("username"), None);
        assert_eq!(errors.of("password"), None);
    }

    #[test]
    fn sign_in_needs_both_fields_only() {
        let request = check_sign_in(" ann ", "x").unwrap();
        assert_eq!(
            (request.username.as_str(), request.password.as_str()),
            ("ann", "x")
        );
        let errors = check_sign_in(" ", "").unwrap_err();
        assert_eq!(errors.of("username").unwrap(), "enter your username");
        assert_eq!(errors.of("password").unwrap(), "enter your password");
    }

    #[test]
    fn invite_numbers() {
        assert_eq!(
            check_invite("168", ""),
            Ok(NewInvite {
                expires_in_hours: Some(168),
                max_uses: None
            })
        );
        assert_eq!(check_invite(" 2 ", "5").unwrap().max_uses, Some(5));
        for bad in ["", "0", "-1", "1.5", "week"] {
            assert!(
                check_invite(bad, "").unwrap_err().of("hours").is_some(),
                "{bad:?}"
            );
        }
        let errors = check_invite("1", "0").unwrap_err();
        assert!(errors.of("max_uses").is_some());
        assert_eq!(errors.of("hours"), None);
    }

    #[test]
    fn the_setup_token_is_the_fragment() {
        assert_eq!(token_from_hash("#abc-123").as_deref(), Some("abc-123"));
        assert_eq!(token_from_hash("abc").as_deref(), Some("abc"));
        assert_eq!(token_from_hash("#"), None);
        assert_eq!(token_from_hash(""), None);
    }

    #[test]
    fn ban_fields() {
        let ban = check_ban(" 203.0.113.7 ", "24", " spam ").unwrap();
        assert_eq!(
            (ban.address.as_str(), ban.hours, ban.reason.as_str()),
            ("203.0.113.7", 24, "spam")
        );
        let errors = check_ban("example.com", "0", &"x".repeat(300)).unwrap_err();
        assert!(errors.of("address").unwrap().contains("not an IP address"));
        assert!(errors.of("ban_hours").unwrap().contains("between 1 and"));
        assert!(errors.of("reason").unwrap().contains("at most 200"));
        let only_hours = check_ban("2001:db8::1", "week", "").unwrap_err();
        assert_eq!(only_hours.of("address"), None);
        assert!(only_hours.of("ban_hours").is_some());
    }
}
