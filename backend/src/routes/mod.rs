//! HTTP handlers.

pub mod health;
pub mod msgs;
