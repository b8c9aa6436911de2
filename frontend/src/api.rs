//! `POST /msgs`: a guest's message (in the lobby, under the name they typed). Accounts post
//! with [`crate::rooms_api::post`].

use common::{ErrorBody, Message, NewMessage};

/// Sends a message; on refusal returns the text to show the user.
pub async fn post_message(message: &NewMessage) -> Result<Message, String> {
    // Check locally first with the server's own rules: instant feedback, same wording.
    message.validate().map_err(|e| e.to_string())?;
    let request = gloo_net::http::Request::post("/msgs")
        .json(message)
        .map_err(|e| format!("cannot encode the message: {e}"))?;
    let response = request
        .send()
        .await
        .map_err(|e| format!("cannot reach the server: {e}"))?;
    if response.ok() {
        return response
            .json::<Message>()
            .await
            .map_err(|e| format!("unexpected answer from the server: {e}"));
    }
    Err(error_text(response, "the server refused the message").await)
}

/// The server's `{"error": ...}` text, or `fallback` with the status if the body has none.
async fn error_text(response: gloo_net::http::Response, fallback: &str) -> String {
    let status = response.status();
    match response.json::<ErrorBody>().await {
        Ok(body) => body.error,
        Err(_) => format!("{fallback} (HTTP {status})"),
    }
}
