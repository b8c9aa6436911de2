//! Accounts on the wire: the bodies of the `/api` endpoints for setup, sign-up, sign-in,
//! invites and administration, and the rules a username, display name and password must
//! meet (checked by the server, explained by the page before it sends).
//!
//! Uniqueness of usernames ignores case and look-alike characters; that comparison needs
//! Unicode tables the browser does not carry, so it lives in the server.

use serde::{Deserialize, Serialize};
use thiserror::Error;

/// Shortest and longest username, in characters.
pub const USERNAME_MIN_CHARS: usize = 2;
pub const USERNAME_MAX_CHARS: usize = 32;
/// Longest display name, in characters.
pub const DISPLAY_NAME_MAX_CHARS: usize = 64;
/// Shortest password, in characters, and longest, in bytes (Argon2 hashes any length, but
/// a megabyte password is only a way to burn the server's CPU).
pub const PASSWORD_MIN_CHARS: usize = 10;
pub const PASSWORD_MAX_BYTES: usize = 1024;

/// Why a username, display name or password was refused. Shown to people as is.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum AccountFieldError {
    #[error(
        "username must be {USERNAME_MIN_CHARS} to {USERNAME_MAX_CHARS} characters long (it is {got})"
    )]
    UsernameLength { got: usize },
    #[error("username may contain letters, digits, '.', '_' and '-' only (not {found:?})")]
    UsernameChar { found: char },
    #[error("display name must not be empty")]
    EmptyDisplayName,
    #[error("display name is {got} characters long; at most {DISPLAY_NAME_MAX_CHARS} are allowed")]
    DisplayNameTooLong { got: usize },
    #[error("display name contains the control character U+{code:04X}; none are allowed")]
    DisplayNameControlChar { code: u32 },
    #[error("password must be at least {PASSWORD_MIN_CHARS} characters long")]
    PasswordTooShort,
    #[error("password must be at most {PASSWORD_MAX_BYTES} bytes long")]
    PasswordTooLong,
}

/// A username as typed, checked for length and characters (not yet for uniqueness).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Username(String);

impl Username {
    pub fn parse(raw: &str) -> Result<Self, AccountFieldError> {
        let name = raw.trim();
        let got = name.chars().count();
        if !(USERNAME_MIN_CHARS..=USERNAME_MAX_CHARS).contains(&got) {
            return Err(AccountFieldError::UsernameLength { got });
        }
        if let Some(found) = name
            .chars()
            .find(|c| !(c.is_alphanumeric() || matches!(c, '.' | '_' | '-')))
        {
            return Err(AccountFieldError::UsernameChar { found });
        }
        Ok(Self(name.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

/// The name shown beside a person's messages: 1 to 64 characters, no control characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisplayName(String);

impl DisplayName {
    pub fn parse(raw: &str) -> Result<Self, AccountFieldError> {
        let name = raw.trim();
        if name.is_empty() {
            return Err(AccountFieldError::EmptyDisplayName);
        }
        if let Some(c) = name.chars().find(|c| c.is_control()) {
            return Err(AccountFieldError::DisplayNameControlChar { code: c as u32 });
        }
        let got = name.chars().count();
        if got > DISPLAY_NAME_MAX_CHARS {
            return Err(AccountFieldError::DisplayNameTooLong { got });
        }
        Ok(Self(name.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

/// Checks a new password's length. Its strength beyond that is the person's business; its
/// secrecy is the server's (it is hashed at once and never stored or logged as is).
pub fn check_password(password: &str) -> Result<(), AccountFieldError> {
    if password.len() > PASSWORD_MAX_BYTES {
        return Err(AccountFieldError::PasswordTooLong);
    }
    if password.chars().count() < PASSWORD_MIN_CHARS {
        return Err(AccountFieldError::PasswordTooShort);
    }
    Ok(())
}

/// What an account may do beyond chatting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Member,
    /// Invites people, manages accounts.
    Admin,
}

/// An account as the API shows it (`GET /api/me`, `GET /api/accounts`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AccountView {
    pub username: String,
    pub display_name: String,
    pub role: Role,
    /// False once an admin deactivated it: it cannot sign in.
    pub active: bool,
    /// Milliseconds since the Unix epoch.
    pub created_at: u64,
    /// A bot (`/api/bots`): it posts with an API token, never signs in, is never an admin.
    /// Left out when not.
    #[serde(default, skip_serializing_if = "is_false")]
    pub bot: bool,
}

fn is_false(value: &bool) -> bool {
    !*value
}

/// Someone one can start a direct conversation with or add to a room
/// (`GET /api/people`: every active account, for signed-in callers).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Person {
    pub username: String,
    pub display_name: String,
    /// A bot (shown with a "bot" badge). Left out when not.
    #[serde(default, skip_serializing_if = "is_false")]
    pub bot: bool,
}

/// `POST /api/setup`: the first account, an admin, with the token the server printed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SetupRequest {
    pub token: String,
    pub username: String,
    pub password: String,
    #[serde(default)]
    pub display_name: Option<String>,
}

/// `POST /api/signup`: a new account from an invite (or without one when sign-up is open).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SignupRequest {
    #[serde(default)]
    pub invite: Option<String>,
    pub username: String,
    pub password: String,
    #[serde(default)]
    pub display_name: Option<String>,
}

/// `POST /api/session`: sign in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SignInRequest {
    pub username: String,
    pub password: String,
}

/// `POST /api/me/password`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    pub current: String,
    pub new: String,
}

/// `POST /api/invites`: both fields optional (7 days, any number of uses).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewInvite {
    #[serde(default)]
    pub expires_in_hours: Option<u32>,
    #[serde(default)]
    pub max_uses: Option<u32>,
}

/// The answer to `POST /api/invites`: the code is shown this once (the server keeps only
/// its hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreatedInvite {
    /// Names the invite in `GET /api/invites` and `DELETE /api/invites/{id}`.
    pub id: String,
    pub code: String,
    /// `https://HOST/join/CODE`.
    pub url: String,
    pub expires_at: u64,
}

/// An invite in `GET /api/invites` (without its code).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InviteView {
    pub id: String,
    pub created_by: String,
    pub created_at: u64,
    pub expires_at: u64,
    pub max_uses: Option<u32>,
    pub uses: u32,
    pub revoked: bool,
}

/// `PATCH /api/accounts/{username}` (admins): deactivate or reactivate, change the role.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AccountChange {
    #[serde(default)]
    pub active: Option<bool>,
    #[serde(default)]
    pub role: Option<Role>,
}

/// How people may join (`--signup`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum SignupMode {
    /// With an invite only (the default).
    Invite,
    /// Anyone may create an account.
    Open,
    /// Nobody: admins add people some other way (or not at all).
    Closed,
}

/// `GET /api/status`: what the page needs before anyone signs in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ServerStatus {
    /// No account exists yet: the setup link the server printed is waiting to be used.
    pub setup_needed: bool,
    pub signup: SignupMode,
    /// Whether people without an account may read and post in the lobby.
    pub guests: bool,
    /// Whether streams are told who is online (`--presence`): when not, the page shows no
    /// online dots or counts and `GET /api/rooms/{id}/presence` answers 404. Servers
    /// before this field: they are.
    #[serde(default = "yes")]
    pub presence: bool,
    /// Whether `POST /api/rooms/{id}/typing` is passed on (`--typing`): when not, it
    /// answers 404 and the page does not send it. Servers before this field: it is.
    #[serde(default = "yes")]
    pub typing: bool,
}

fn yes() -> bool {
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_keep_to_their_characters_and_length() {
        assert_eq!(
            Username::parse(" ann.b_c-1 ").unwrap().as_str(),
            "ann.b_c-1"
        );
        assert!(Username::parse("Zoë").is_ok(), "letters of any script");
        assert_eq!(
            Username::parse("a"),
            Err(AccountFieldError::UsernameLength { got: 1 })
        );
        assert_eq!(
            Username::parse(&"a".repeat(33)),
            Err(AccountFieldError::UsernameLength { got: 33 })
        );
        for bad in ["ann b", "ann@x", "<b>", "a\u{0}b", "a\u{202e}b"] {
            assert!(
                matches!(
                    Username::parse(bad),
                    Err(AccountFieldError::UsernameChar { .. })
                ),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn display_names_and_passwords() {
        assert_eq!(DisplayName::parse("  Ann B. ").unwrap().as_str(), "Ann B.");
        assert_eq!(
            DisplayName::parse(" "),
            Err(AccountFieldError::EmptyDisplayName)
        );
        assert_eq!(
            DisplayName::parse(&"x".repeat(65)),
            Err(AccountFieldError::DisplayNameTooLong { got: 65 })
        );
        assert!(DisplayName::parse("a\u{7}").is_err());
        assert_eq!(
            check_password("short"),
            Err(AccountFieldError::PasswordTooShort)
        );
        assert!(check_password("ten chars!").is_ok());
        assert_eq!(
            check_password(&"x".repeat(1025)),
            Err(AccountFieldError::PasswordTooLong)
        );
        // Ten characters, more than ten bytes: characters count for the minimum.
        assert!(check_password("ééééééééééé").is_ok());
    }

    #[test]
    fn a_status_from_a_server_without_the_switches_has_presence_and_typing_on() {
        let old: ServerStatus =
            serde_json::from_str(r#"{"setup_needed":false,"signup":"invite","guests":true}"#)
                .unwrap();
        assert!(old.presence && old.typing);
        let off = ServerStatus {
            presence: false,
            typing: false,
            ..old
        };
        let json = serde_json::to_string(&off).unwrap();
        assert!(json.contains(r#""presence":false"#) && json.contains(r#""typing":false"#));
        assert_eq!(serde_json::from_str::<ServerStatus>(&json).unwrap(), off);
    }
}
