//! Stopping gracefully: the handle that ends every stream and stops the server, and the
//! signals (SIGINT, SIGTERM) that trigger it.

use crate::hub::Hub;
use actix_web::dev::ServerHandle;
use std::sync::Arc;

/// Stops a running [`crate::Application`] gracefully from elsewhere (tests, signal handler).
#[derive(Clone)]
pub struct ShutdownHandle {
    pub(crate) server: ServerHandle,
    pub(crate) hub: Arc<Hub>,
}

impl ShutdownHandle {
    /// Ends every stream (delta clients get a `bye` line), stops accepting, lets in-flight
    /// requests finish: a post already handed to the store is committed and answered.
    pub async fn shutdown(&self) {
        self.hub.close_all();
        self.server.stop(true).await;
    }
}

/// SIGINT and SIGTERM, registered when created (not on first poll).
pub(crate) struct ShutdownSignals {
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
}

impl ShutdownSignals {
    pub(crate) fn install() -> std::io::Result<Self> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            Ok(Self {
                interrupt: signal(SignalKind::interrupt())?,
                terminate: signal(SignalKind::terminate())?,
            })
        }
        #[cfg(not(unix))]
        Ok(Self {})
    }

    pub(crate) async fn recv(&mut self) {
        #[cfg(unix)]
        tokio::select! {
            _ = self.interrupt.recv() => {}
            _ = self.terminate.recv() => {}
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}
