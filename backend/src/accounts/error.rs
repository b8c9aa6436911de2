//! Why an account operation was refused; `error.rs` turns each into its HTTP status.

use super::SETUP_CLAIM;
use crate::limits::RateLimited;
use crate::store::StoreError;
use common::account::AccountFieldError;

/// Why an account operation was refused. `error.rs` turns each into its HTTP status.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error(transparent)]
    Field(#[from] AccountFieldError),
    /// 400: a value out of range.
    #[error("{0}")]
    BadRequest(String),
    /// 401: not signed in, or the credentials are wrong.
    #[error("{0}")]
    Unauthorized(String),
    /// 403: signed in but not allowed, or a token or invite that does not open this door.
    #[error("{0}")]
    Forbidden(String),
    /// 404.
    #[error("{0}")]
    NotFound(String),
    /// 409: taken, or already done.
    #[error("{0}")]
    Conflict(String),
    #[error(transparent)]
    RateLimited(#[from] RateLimited),
    #[error(transparent)]
    Store(StoreError),
}

impl From<StoreError> for AccountError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::Conflict(key) if key.starts_with("username:") => {
                Self::Conflict("that username is taken".into())
            }
            StoreError::Conflict(key) if key == SETUP_CLAIM => {
                Self::Conflict("setup is done: an account exists already".into())
            }
            StoreError::Conflict(key) if key.starts_with("invite:") => {
                Self::Forbidden("this invite is used up".into())
            }
            StoreError::Conflict(_) => Self::Conflict(
                "someone changed the admins at the same moment: reload and try again".into(),
            ),
            other => Self::Store(other),
        }
    }
}
