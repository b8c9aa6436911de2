//! `?since=ID&epoch=E` and `Last-Event-ID`: where a delta stream resumes, whatever its
//! transport.

use crate::error::ApiError;
use crate::hub::Since;
use actix_web::HttpRequest;
use serde::Deserialize;

/// `?since=ID&epoch=E`, shared by every stream endpoint.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResumeQuery {
    pub since: Option<u64>,
    pub epoch: Option<String>,
}

impl ResumeQuery {
    /// Where an SSE or WebSocket stream resumes: `Last-Event-ID` (sent by `EventSource`
    /// when it reconnects by itself) wins over `?since=`, which wins over the start.
    pub fn resume_point(self, req: &HttpRequest) -> Result<Since, ApiError> {
        let since = match req.headers().get("last-event-id") {
            Some(value) => value
                .to_str()
                .ok()
                .and_then(|v| v.trim().parse::<u64>().ok())
                .ok_or_else(|| ApiError::BadRequest("Last-Event-ID must be a message id".into()))?,
            None => self.since.unwrap_or(0),
        };
        Ok(Since {
            since,
            epoch: self.epoch,
        })
    }
}
