//! `POST /msgs` and `GET /msgs/history`.

use common::{ErrorBody, HistoryPage, Message, NewMessage};

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

/// `GET /msgs/history?before=ID&limit=N`: older messages, oldest first.
pub async fn fetch_history(before: u64, limit: usize) -> Result<HistoryPage, String> {
    let url = format!("/msgs/history?before={before}&limit={limit}");
    let response = gloo_net::http::Request::get(&url)
        .send()
        .await
        .map_err(|e| format!("cannot reach the server: {e}"))?;
    if !response.ok() {
        return Err(error_text(response, "history request failed").await);
    }
    response
        .json::<HistoryPage>()
        .await
        .map_err(|e| format!("unexpected answer from the server: {e}"))
}
