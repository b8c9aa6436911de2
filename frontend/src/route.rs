//! Which page a path names (pure logic).

use common::room::{RoomId, LOBBY};

/// The pages, each at its own URL: links are real (`<A>`), the back button works, and the
/// server answers every one of these paths with `index.html`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// The chat, showing a room: `/` is the lobby, `/r/ID` any other room.
    Chat(RoomId),
    Setup,
    /// `/join/CODE`, with the code as it appears in the path (still percent-encoded).
    Join(String),
    SignIn,
    Admin,
    NotFound,
}

impl Route {
    /// The page for a location's path. A trailing slash is ignored.
    pub fn from_path(path: &str) -> Self {
        let path = match path.strip_suffix('/') {
            Some(trimmed) if !trimmed.is_empty() => trimmed,
            _ => path,
        };
        match path {
            "/" | "" => Self::Chat(LOBBY),
            "/setup" => Self::Setup,
            "/signin" => Self::SignIn,
            "/admin" => Self::Admin,
            _ => {
                if let Some(room) = path.strip_prefix("/r/") {
                    return room.parse().map_or(Self::NotFound, Self::Chat);
                }
                match path.strip_prefix("/join/") {
                    Some(code) if !code.is_empty() && !code.contains('/') => {
                        Self::Join(code.into())
                    }
                    _ => Self::NotFound,
                }
            }
        }
    }
}

/// The path that shows `room`: `/` for the lobby, `/r/ID` otherwise.
pub fn room_path(room: RoomId) -> String {
    if room == LOBBY {
        "/".into()
    } else {
        format!("/r/{room}")
    }
}

#[cfg(test)]
mod tests {
    use super::{room_path, Route};

    #[test]
    fn paths_name_pages() {
        assert_eq!(Route::from_path("/"), Route::Chat(0));
        assert_eq!(Route::from_path(""), Route::Chat(0));
        assert_eq!(Route::from_path("/r/42"), Route::Chat(42));
        assert_eq!(Route::from_path("/r/42/"), Route::Chat(42));
        assert_eq!(room_path(42), "/r/42");
        assert_eq!(room_path(0), "/");
        assert_eq!(Route::from_path("/setup"), Route::Setup);
        assert_eq!(Route::from_path("/signin/"), Route::SignIn);
        assert_eq!(Route::from_path("/admin"), Route::Admin);
        assert_eq!(
            Route::from_path("/join/abc-123"),
            Route::Join("abc-123".into())
        );
        assert_eq!(Route::from_path("/join/abc/"), Route::Join("abc".into()));
        for unknown in [
            "/join",
            "/join/",
            "/join/a/b",
            "/admin/x",
            "/setupx",
            "/r/",
            "/r/x",
            "/r/1/2",
        ] {
            assert_eq!(Route::from_path(unknown), Route::NotFound, "{unknown}");
        }
    }
}
