//! The browser's `Notification`: whether the person allowed it, asking them (only ever
//! from a click), and raising one — through the service worker when there is one (its
//! notifications survive the tab and their clicks reach the worker), else directly.

use crate::notifications::Alert;
use crate::service_worker;
use leptos::logging;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Notification, NotificationOptions, NotificationPermission};

/// What the person said about notifications from this origin.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    /// This browser has no notifications.
    Unsupported,
    /// Not asked yet (or the question was dismissed).
    Ask,
    Granted,
    Denied,
}

fn supported() -> bool {
    web_sys::window()
        .is_some_and(|w| js_sys::Reflect::has(&w, &"Notification".into()).unwrap_or(false))
}

fn from_web(permission: NotificationPermission) -> Permission {
    match permission {
        NotificationPermission::Granted => Permission::Granted,
        NotificationPermission::Denied => Permission::Denied,
        _ => Permission::Ask,
    }
}

/// The current answer (no prompt).
pub fn permission() -> Permission {
    if supported() {
        from_web(Notification::permission())
    } else {
        Permission::Unsupported
    }
}

/// Asks the person (the browser's prompt); call only from their click. Returns the answer.
pub async fn request_permission() -> Permission {
    if !supported() {
        return Permission::Unsupported;
    }
    match Notification::request_permission() {
        Ok(promise) => {
            if let Err(why) = JsFuture::from(promise).await {
                logging::warn!("asking for notifications: {why:?}");
            }
        }
        Err(why) => logging::warn!("asking for notifications: {why:?}"),
    }
    permission()
}

/// h2chat's icon, shown in the notification.
const ICON: &str = "/icon-192.png";

/// Raises `alert` if the person allowed notifications. `open` runs when a notification
/// raised without a service worker is clicked (the worker's own click handler sends the
/// page an `open` message instead, see [`service_worker::OpenListener`]).
pub async fn raise(alert: Alert, open: impl FnOnce(String) + 'static) {
    if permission() != Permission::Granted {
        return;
    }
    let options = NotificationOptions::new();
    options.set_body(&alert.body);
    options.set_tag(&alert.tag);
    options.set_icon(ICON);
    let data = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&data, &"url".into(), &JsValue::from_str(&alert.url));
    options.set_data(&data);
    if let Some(registration) = service_worker::registration().await {
        match registration.show_notification_with_options(&alert.title, &options) {
            Ok(shown) => match JsFuture::from(shown).await {
                Ok(_) => return,
                Err(why) => logging::warn!("notification through the service worker: {why:?}"),
            },
            Err(why) => logging::warn!("notification through the service worker: {why:?}"),
        }
    }
    match Notification::new_with_options(&alert.title, &options) {
        Ok(notification) => {
            let url = alert.url;
            let shown = notification.clone();
            let click = Closure::once_into_js(move || {
                if let Some(window) = web_sys::window() {
                    let _ = window.focus();
                }
                shown.close();
                open(url);
            });
            notification.set_onclick(Some(click.unchecked_ref()));
        }
        Err(why) => logging::warn!("notification: {why:?}"),
    }
}
