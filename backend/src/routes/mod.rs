//! HTTP handlers.

pub mod events;
pub mod health;
pub mod msgs;
pub mod websocket;
