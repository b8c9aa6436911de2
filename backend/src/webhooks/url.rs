//! A bot's webhook URL, checked once when an admin sets it.
//!
//! `http://` or `https://` to any host, loopback and private addresses included: bots often
//! run beside the server, and only admins set the URL. Other schemes, URLs without a host,
//! and `user:password@` (the list of bots would show it) are refused.

use common::bot::WEBHOOK_URL_MAX_BYTES;
use reqwest::Url;

/// Why a webhook URL was refused (400).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WebhookUrlError {
    #[error("webhook_url is not a URL: {0}")]
    NotAUrl(String),
    #[error("webhook_url must start with http:// or https:// (not {0}:)")]
    Scheme(String),
    #[error("webhook_url must name a host")]
    NoHost,
    #[error("webhook_url must not carry a user name or password")]
    Credentials,
    #[error("webhook_url is longer than {WEBHOOK_URL_MAX_BYTES} bytes")]
    TooLong,
}

/// A webhook URL that may be called.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookUrl(Url);

impl WebhookUrl {
    pub fn parse(raw: &str) -> Result<Self, WebhookUrlError> {
        let raw = raw.trim();
        if raw.len() > WEBHOOK_URL_MAX_BYTES {
            return Err(WebhookUrlError::TooLong);
        }
        let url = Url::parse(raw).map_err(|e| WebhookUrlError::NotAUrl(e.to_string()))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(WebhookUrlError::Scheme(url.scheme().to_owned()));
        }
        if url.host_str().is_none_or(str::is_empty) {
            return Err(WebhookUrlError::NoHost);
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(WebhookUrlError::Credentials);
        }
        Ok(Self(url))
    }

    pub fn into_inner(self) -> String {
        self.0.into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_and_https_to_any_host_pass_and_nothing_else() {
        for good in [
            "https://bots.example/hook",
            "http://127.0.0.1:8080/h?x=1",
            "HTTP://localhost/",
            "  https://[::1]:9/x  ",
        ] {
            assert!(WebhookUrl::parse(good).is_ok(), "{good}");
        }
        let refused = |raw: &str| WebhookUrl::parse(raw).unwrap_err();
        assert_eq!(
            refused("ftp://host/x"),
            WebhookUrlError::Scheme("ftp".into())
        );
        assert_eq!(
            refused("javascript:alert(1)"),
            WebhookUrlError::Scheme("javascript".into())
        );
        assert_eq!(
            refused("file:///etc/passwd"),
            WebhookUrlError::Scheme("file".into())
        );
        assert!(matches!(refused("not a url"), WebhookUrlError::NotAUrl(_)));
        assert!(matches!(refused("http://"), WebhookUrlError::NotAUrl(_)));
        assert_eq!(refused("https://u:p@host/"), WebhookUrlError::Credentials);
        let long = format!("https://h/{}", "a".repeat(WEBHOOK_URL_MAX_BYTES));
        assert_eq!(refused(&long), WebhookUrlError::TooLong);
    }
}
