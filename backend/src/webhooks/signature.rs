//! How a webhook's body is signed, so its receiver can tell it came from this chat:
//! `X-H2chat-Signature: sha256=HEX(HMAC-SHA256(key, TIMESTAMP + "." + BODY))`, with
//! `X-H2chat-Timestamp: TIMESTAMP` (Unix seconds) so a receiver can refuse old replays.
//!
//! The key is the bot's token as the server stores it: the lowercase hex SHA-256 of the
//! token. The server keeps no second secret, and the bot's owner, who was shown the token,
//! computes the same key (`printf %s "$TOKEN" | sha256sum`). Rotating the token rotates
//! the key.

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The `X-H2chat-Signature` value for `body` sent at `timestamp` under `key`.
pub fn sign(key: &str, timestamp: u64, body: &[u8]) -> String {
    // HMAC takes a key of any length: `new_from_slice` cannot fail for it.
    let mut mac = Hmac::<Sha256>::new_from_slice(key.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC accepts keys of every length"));
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    let digest = mac.finalize().into_bytes();
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256={hex}")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The expected value was computed independently, the way the README tells receivers:
    /// `printf %s '1700000000.{"a":1}' | openssl dgst -sha256 -hmac key`.
    #[test]
    fn signs_timestamp_dot_body_with_hmac_sha256() {
        assert_eq!(
            sign("key", 1_700_000_000, br#"{"a":1}"#),
            "sha256=a438e398bfafc57e4396bb7fc2304422f0f768e965d073ca313cb52e22e6ad03"
        );
        assert_ne!(
            sign("key", 1_700_000_001, br#"{"a":1}"#),
            sign("key", 1_700_000_000, br#"{"a":1}"#)
        );
        assert_ne!(
            sign("other", 1_700_000_000, br#"{"a":1}"#),
            sign("key", 1_700_000_000, br#"{"a":1}"#)
        );
    }
}
