//! Who is asking, on every request: the session cookie, the extractors that turn it into a
//! caller ([`Caller`], [`SignedIn`], [`Admin`]), a bot's bearer token where a bot may post
//! ([`Poster`]), and the same-origin rule that keeps other sites from acting with a
//! visitor's cookie.
//!
//! The cookie `__Host-h2chat` holds a 256-bit random token (HttpOnly, Secure, SameSite=Lax,
//! Path=/, no Domain: the `__Host-` prefix makes browsers insist on all of that). The
//! server keeps only the token's SHA-256.

use crate::accounts::{Accounts, Signed};
use crate::error::ApiError;
use crate::registry::Owner;
use actix_web::body::MessageBody;
use actix_web::cookie::{time::Duration as CookieAge, Cookie, SameSite};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::{header, Method};
use actix_web::middleware::Next;
use actix_web::{web, FromRequest, HttpMessage, HttpRequest};
use futures_util::future::{FutureExt, LocalBoxFuture};

pub const SESSION_COOKIE: &str = "__Host-h2chat";

/// The cookie a new session is sent in. It lasts as long as the session may stay idle; the
/// server, not the cookie's age, decides when the session is over.
pub fn session_cookie(token: &str) -> Cookie<'static> {
    Cookie::build(SESSION_COOKIE, token.to_owned())
        .path("/")
        .secure(true)
        .http_only(true)
        .same_site(SameSite::Lax)
        .max_age(CookieAge::days(30))
        .finish()
}

/// The cookie that removes it (sign-out, or a session that ended).
pub fn removal_cookie() -> Cookie<'static> {
    let mut cookie = session_cookie("");
    cookie.make_removal();
    cookie
}

/// Who sent a request: a signed-in account (with a live session) or a guest.
#[derive(Debug, Clone)]
pub enum Caller {
    Guest,
    Account(Box<Signed>),
}

impl Caller {
    pub async fn of(req: HttpRequest) -> Self {
        let Some(accounts) = req.app_data::<web::Data<Accounts>>().cloned() else {
            return Self::Guest;
        };
        let Some(cookie) = req.cookie(SESSION_COOKIE) else {
            return Self::Guest;
        };
        accounts
            .signed_in(cookie.value())
            .await
            .map_or(Self::Guest, |signed| Self::Account(Box::new(signed)))
    }

    pub fn signed(&self) -> Option<&Signed> {
        match self {
            Self::Guest => None,
            Self::Account(signed) => Some(signed),
        }
    }
}

/// Who reads the chat (a stream, or its history): a signed-in account, whose streams end
/// with its session, or a guest, only while guests are on (401 otherwise).
#[derive(Debug, Clone)]
pub struct Reader {
    pub caller: Caller,
    /// The session a stream opened by this reader belongs to.
    pub owner: Option<Owner>,
}

impl FromRequest for Reader {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let guests = req
                .app_data::<web::Data<Accounts>>()
                .is_some_and(|accounts| accounts.guests);
            let caller = Caller::of(req).await;
            match &caller {
                Caller::Account(signed) => Ok(Self {
                    owner: Some(Owner {
                        account: signed.account.id,
                        session: signed.session.clone(),
                    }),
                    caller,
                }),
                Caller::Guest if guests => Ok(Self {
                    caller,
                    owner: None,
                }),
                Caller::Guest => Err(not_signed_in()),
            }
        })
    }
}

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        Box::pin(Self::of(req.clone()).map(Ok))
    }
}

/// A signed-in caller; 401 otherwise.
#[derive(Debug)]
pub struct SignedIn(pub Signed);

impl FromRequest for SignedIn {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        Box::pin(Caller::of(req.clone()).map(|caller| match caller {
            Caller::Account(signed) => Ok(Self(*signed)),
            Caller::Guest => Err(not_signed_in()),
        }))
    }
}

/// A signed-in admin; 401 without a session, 403 for anyone else.
#[derive(Debug)]
pub struct Admin(pub Signed);

impl FromRequest for Admin {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        Box::pin(Caller::of(req.clone()).map(|caller| match caller {
            Caller::Account(signed) if signed.account.is_admin() => Ok(Self(*signed)),
            Caller::Account(_) => Err(ApiError::Forbidden("only admins may do this".into())),
            Caller::Guest => Err(not_signed_in()),
        }))
    }
}

/// Who posts with `POST /api/rooms/{id}/msgs`: a bot, when the request carries
/// `Authorization: Bearer TOKEN` (a wrong or revoked token is 401, whatever cookie comes
/// with it), else the caller of the session cookie. Bot tokens open no other endpoint.
#[derive(Debug)]
pub struct Poster(pub Caller);

impl FromRequest for Poster {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let Some(token) = bearer_token(&req) else {
                return Ok(Self(Caller::of(req).await));
            };
            let accounts = req.app_data::<web::Data<Accounts>>().cloned();
            let signed = match accounts {
                Some(accounts) => accounts.bot_signed_in(token).await,
                None => None,
            };
            signed
                .map(|signed| Self(Caller::Account(Box::new(signed))))
                .ok_or_else(|| {
                    ApiError::Unauthorized(
                        "this bot token is not valid: it may have been revoked".into(),
                    )
                })
        })
    }
}

/// The token of an `Authorization: Bearer TOKEN` header (the scheme in any case).
pub fn bearer_token(req: &HttpRequest) -> Option<&str> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then_some(token.trim())
}

pub fn not_signed_in() -> ApiError {
    ApiError::Unauthorized("sign in first".into())
}

/// Origins besides the server's own whose pages may change state (`--allow-origin`, for
/// the `trunk serve` development page).
#[derive(Debug, Clone, Default)]
pub struct AllowedOrigins(pub Vec<String>);

/// The same-origin rule, for every request that changes state: a POST, PUT, PATCH or
/// DELETE to `/api/`, or one anywhere that carries the session cookie, must come from a
/// page of this origin (or an `--allow-origin`): `Origin` names it, or, without `Origin`,
/// `Sec-Fetch-Site` says `same-origin`. A request with a body must also say it is JSON,
/// which no plain HTML form can. Anything else is 403. Guests posting to `/msgs` without a
/// cookie (the course's client, `curl`) have nothing to protect and are let through, and so
/// are requests with `Authorization: Bearer`: a browser adds that header to no cross-site
/// request (it would need a CORS preflight this server never grants), and the token, not
/// a cookie, is what they act with.
pub async fn same_origin(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let changes_state = matches!(
        *req.method(),
        Method::POST | Method::PUT | Method::PATCH | Method::DELETE
    );
    let bearer = bearer_token(req.request()).is_some();
    if changes_state
        && !bearer
        && (req.path().starts_with("/api/") || req.cookie(SESSION_COOKIE).is_some())
    {
        if let Err(refusal) = check_origin(req.request()) {
            tracing::info!(path = %req.path(), error = %refusal, "cross-origin request refused");
            return Err(refusal.into());
        }
    }
    next.call(req).await
}

fn check_origin(req: &HttpRequest) -> Result<(), ApiError> {
    let headers = req.headers();
    let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let own = format!("https://{}", req.connection_info().host());
    let allowed = req.app_data::<web::Data<AllowedOrigins>>();
    let from_here = match text(header::ORIGIN.as_str()) {
        Some(origin) => origin == own || allowed.is_some_and(|a| a.0.iter().any(|o| o == origin)),
        None => text("sec-fetch-site") == Some("same-origin"),
    };
    if !from_here {
        return Err(ApiError::Forbidden(
            "this request must come from the chat's own page (Origin)".into(),
        ));
    }
    let has_body = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .is_none_or(|len| len != "0");
    let is_json = req
        .mime_type()
        .ok()
        .flatten()
        .is_some_and(|m| m.subtype() == "json" || m.suffix().is_some_and(|s| s == "json"));
    if has_body && !is_json && *req.method() != Method::DELETE {
        return Err(ApiError::Forbidden(
            "this request must send JSON (content-type: application/json)".into(),
        ));
    }
    Ok(())
}
