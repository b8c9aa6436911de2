//! `/api/status`, `/api/setup`, `/api/signup`, `/api/session` and `/api/me`: becoming and
//! being someone.

use crate::accounts::{Accounts, NewSession};
use crate::auth::{removal_cookie, session_cookie, SignedIn};
use crate::error::ApiError;
use crate::hub::Hub;
use crate::limits::client_ip;
use crate::typing::TypingGate;
use actix_web::{web, HttpRequest, HttpResponse};
use common::account::{
    AccountView, PasswordChange, ServerStatus, SetupRequest, SignInRequest, SignupRequest,
};

/// What the page needs before anyone signs in.
#[utoipa::path(get, path = "/api/status", tag = "accounts",
    responses((status = 200, body = ServerStatus)))]
pub async fn status(
    accounts: web::Data<Accounts>,
    hub: web::Data<Hub>,
    typing: web::Data<TypingGate>,
) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(("cache-control", "no-store"))
        .json(ServerStatus {
            setup_needed: accounts.directory().setup_needed(),
            signup: accounts.signup,
            guests: accounts.guests,
            presence: hub.tells_presence(),
            typing: typing.is_on(),
        })
}

/// The account, and the cookie of its new session.
fn signed_in(status: actix_web::http::StatusCode, session: NewSession) -> HttpResponse {
    HttpResponse::build(status)
        .cookie(session_cookie(&session.token))
        .insert_header(("cache-control", "no-store"))
        .json(session.account.view())
}

/// The first account, an admin, with the token of the setup link the server printed.
#[utoipa::path(post, path = "/api/setup", tag = "accounts", request_body = SetupRequest,
    responses(
        (status = 201, description = "created and signed in (cookie)", body = AccountView),
        (status = 400, description = "a field breaks its rules", body = common::ErrorBody),
        (status = 403, description = "wrong token", body = common::ErrorBody),
        (status = 409, description = "an account exists already", body = common::ErrorBody)))]
pub async fn setup(
    accounts: web::Data<Accounts>,
    body: web::Json<SetupRequest>,
) -> Result<HttpResponse, ApiError> {
    let session = accounts.setup(body.into_inner()).await?;
    tracing::info!(username = %session.account.username, "first admin created");
    Ok(signed_in(actix_web::http::StatusCode::CREATED, session))
}

/// A new account, with an invite (or without one when sign-up is open).
#[utoipa::path(post, path = "/api/signup", tag = "accounts", request_body = SignupRequest,
    responses(
        (status = 201, description = "created and signed in (cookie)", body = AccountView),
        (status = 400, description = "a field breaks its rules", body = common::ErrorBody),
        (status = 403, description = "no valid invite, or sign-up closed", body = common::ErrorBody),
        (status = 409, description = "username taken", body = common::ErrorBody)))]
pub async fn signup(
    accounts: web::Data<Accounts>,
    body: web::Json<SignupRequest>,
) -> Result<HttpResponse, ApiError> {
    let session = accounts.signup(body.into_inner()).await?;
    tracing::info!(username = %session.account.username, "account created");
    Ok(signed_in(actix_web::http::StatusCode::CREATED, session))
}

/// Sign in: a session cookie for the right username and password.
#[utoipa::path(post, path = "/api/session", tag = "accounts", request_body = SignInRequest,
    responses(
        (status = 200, description = "signed in (cookie)", body = AccountView),
        (status = 401, description = "wrong username or password", body = common::ErrorBody),
        (status = 429, description = "too many failures: see retry-after", body = common::ErrorBody)))]
pub async fn sign_in(
    req: HttpRequest,
    accounts: web::Data<Accounts>,
    body: web::Json<SignInRequest>,
) -> Result<HttpResponse, ApiError> {
    let session = accounts.sign_in(client_ip(&req), body.into_inner()).await?;
    Ok(signed_in(actix_web::http::StatusCode::OK, session))
}

/// Sign out: this session ends on every node, and its streams with it.
#[utoipa::path(delete, path = "/api/session", tag = "accounts",
    responses((status = 204, description = "signed out"),
        (status = 401, description = "not signed in", body = common::ErrorBody)))]
pub async fn sign_out(
    accounts: web::Data<Accounts>,
    caller: SignedIn,
) -> Result<HttpResponse, ApiError> {
    accounts.sign_out(&caller.0).await?;
    Ok(HttpResponse::NoContent().cookie(removal_cookie()).finish())
}

/// The signed-in account.
#[utoipa::path(get, path = "/api/me", tag = "accounts",
    responses((status = 200, body = AccountView),
        (status = 401, description = "not signed in", body = common::ErrorBody)))]
pub async fn me(caller: SignedIn) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(("cache-control", "no-store"))
        .json(caller.0.account.view())
}

/// Every active account (username and display name), to start a direct conversation
/// with or add to a room. Signed-in callers only: guests learn no names.
#[utoipa::path(get, path = "/api/people", tag = "accounts",
    responses((status = 200, body = Vec<common::account::Person>),
        (status = 401, description = "not signed in", body = common::ErrorBody)))]
pub async fn people(accounts: web::Data<Accounts>, _caller: SignedIn) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(("cache-control", "no-store"))
        .json(accounts.directory().people())
}

/// Sign out everywhere: every session of the account ends, this one too.
#[utoipa::path(delete, path = "/api/me/sessions", tag = "accounts",
    responses((status = 204, description = "every session ended"),
        (status = 401, description = "not signed in", body = common::ErrorBody)))]
pub async fn sign_out_everywhere(
    accounts: web::Data<Accounts>,
    caller: SignedIn,
) -> Result<HttpResponse, ApiError> {
    accounts.sign_out_everywhere(&caller.0).await?;
    Ok(HttpResponse::NoContent().cookie(removal_cookie()).finish())
}

/// A new password; needs the current one. Every other session ends.
#[utoipa::path(post, path = "/api/me/password", tag = "accounts", request_body = PasswordChange,
    responses((status = 204, description = "changed"),
        (status = 400, description = "the new password breaks the rules", body = common::ErrorBody),
        (status = 401, description = "not signed in, or the current password is wrong", body = common::ErrorBody)))]
pub async fn change_password(
    req: HttpRequest,
    accounts: web::Data<Accounts>,
    caller: SignedIn,
    body: web::Json<PasswordChange>,
) -> Result<HttpResponse, ApiError> {
    accounts
        .change_password(client_ip(&req), &caller.0, body.into_inner())
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
