//! Secrets and how they are kept: passwords hashed with Argon2id, session tokens, invite
//! codes and setup tokens drawn from the OS's random source and stored only as SHA-256
//! hashes, and the comparison key that makes look-alike usernames collide.

use crate::event::SecretHash;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use base64::Engine;
use sha2::{Digest, Sha256};
use std::sync::LazyLock;
use tokio::sync::Semaphore;
use unicode_normalization::UnicodeNormalization;

/// Argon2id with OWASP's recommended minimum (Password Storage Cheat Sheet: 19 MiB of
/// memory, 2 iterations, 1 lane): about 20-40 ms of one core here.
fn argon2() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Hashes run on tokio's blocking pool, never on the workers that serve streams; at most two
/// at a time, so a flood of sign-ins queues instead of taking 19 MiB per blocking thread.
static HASHING: Semaphore = Semaphore::const_new(2);

/// What the hash of an unknown user's password is checked against, so that a wrong username
/// takes as long as a wrong password.
static DECOY: LazyLock<String> = LazyLock::new(|| hash_now("decoy password, never a real one"));

fn hash_now(password: &str) -> String {
    let salt = SaltString::encode_b64(&random_bytes::<16>()).unwrap_or_else(|_| {
        SaltString::from_b64("c2FsdHNhbHRzYWx0c2FsdA").expect("a valid constant salt")
    });
    argon2()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .unwrap_or_default()
}

fn verify_now(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|parsed| {
        argon2()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
    })
}

/// Hashes a new password (PHC string: algorithm, parameters, salt and hash).
pub async fn hash_password(password: String) -> String {
    let _permit = HASHING.acquire().await;
    tokio::task::spawn_blocking(move || hash_now(&password))
        .await
        .unwrap_or_default()
}

/// Checks `password` against `hash`, or against a decoy when there is no account, so both
/// refusals take the same time.
pub async fn verify_password(password: String, hash: Option<String>) -> bool {
    let _permit = HASHING.acquire().await;
    tokio::task::spawn_blocking(move || match hash {
        Some(hash) => verify_now(&password, &hash),
        None => {
            let _ = verify_now(&password, &DECOY);
            false
        }
    })
    .await
    .unwrap_or(false)
}

/// Warms the decoy up at start, so the first sign-in with an unknown name is not slower.
pub fn prepare() {
    LazyLock::force(&DECOY);
}

fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    // The OS's random source; if it fails there is nothing safe to fall back to.
    getrandom::fill(&mut bytes).expect("the operating system's random source works");
    bytes
}

/// A new secret: 256 random bits, URL-safe base64 (43 characters).
pub fn new_secret() -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(random_bytes::<32>())
}

/// How a secret is stored and compared: its SHA-256, hex. A stolen database or log holds no
/// usable cookie, invite or setup token.
pub fn secret_hash(secret: &str) -> SecretHash {
    let digest = Sha256::digest(secret.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// The key under which usernames (and guest names) are compared: without invisible
/// characters, NFKC-normalised, case folded, and reduced to the Unicode confusables
/// skeleton (UTS #39), so `Alice`, `ALICE`, `аlice` (Cyrillic а), `a1ice` and `al\u{200b}ice`
/// are all the same name.
pub fn name_key(name: &str) -> String {
    let folded: String = name
        .trim()
        .chars()
        .filter(|c| !is_invisible(*c))
        .nfkc()
        .flat_map(char::to_lowercase)
        .collect();
    unicode_security::confusable_detection::skeleton(&folded)
        .flat_map(char::to_lowercase)
        .collect()
}

/// Characters that render as nothing (zero-width spaces and joiners, direction marks and
/// overrides, the soft hyphen, the byte-order mark): a name with them looks like one
/// without.
fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{034F}'
            | '\u{061C}'
            | '\u{115F}'
            | '\u{1160}'
            | '\u{17B4}'
            | '\u{17B5}'
            | '\u{180B}'..='\u{180F}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{206F}'
            | '\u{3164}'
            | '\u{FE00}'..='\u{FE0F}'
            | '\u{FEFF}'
            | '\u{FFA0}'
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn passwords_hash_with_argon2id_and_verify() {
        let hash = hash_password("correct horse battery".into()).await;
        assert!(
            hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{hash}"
        );
        assert!(!hash.contains("correct horse"));
        assert!(verify_password("correct horse battery".into(), Some(hash.clone())).await);
        assert!(!verify_password("wrong horse battery".into(), Some(hash.clone())).await);
        assert!(!verify_password("anything".into(), None).await);
        let again = hash_password("correct horse battery".into()).await;
        assert_ne!(hash, again, "a fresh salt each time");
    }

    #[test]
    fn secrets_are_long_random_and_stored_hashed() {
        let a = new_secret();
        let b = new_secret();
        assert_eq!(a.len(), 43);
        assert_ne!(a, b);
        let hash = secret_hash(&a);
        assert_eq!(hash.len(), 64);
        assert_eq!(hash, secret_hash(&a));
        assert_ne!(hash, secret_hash(&b));
    }

    #[test]
    fn look_alike_names_share_a_key() {
        let alice = name_key("alice");
        for same in [
            "Alice",
            "ALICE",
            " alice ",
            "аlice",
            "ａｌｉｃｅ",
            "a1ice",
            "alıce",
        ] {
            assert_eq!(name_key(same), alice, "{same:?}");
        }
        for other in ["alicia", "bob", "al-ice"] {
            assert_ne!(name_key(other), alice, "{other:?}");
        }
    }
}
