//! The user name, remembered across visits in `localStorage`.

const USER_KEY: &str = "h2chat.user";

fn local_storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

pub fn load_user() -> String {
    local_storage()
        .and_then(|s| s.get_item(USER_KEY).ok().flatten())
        .unwrap_or_default()
}

/// Best effort: private browsing may refuse storage, which only costs the convenience.
pub fn save_user(user: &str) {
    if let Some(storage) = local_storage() {
        let _ = storage.set_item(USER_KEY, user);
    }
}
