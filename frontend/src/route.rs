//! Which page a path names (pure logic).

/// The pages, each at its own URL: links are real (`<A>`), the back button works, and the
/// server answers every one of these paths with `index.html`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    Chat,
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
            "/" | "" => Self::Chat,
            "/setup" => Self::Setup,
            "/signin" => Self::SignIn,
            "/admin" => Self::Admin,
            _ => match path.strip_prefix("/join/") {
                Some(code) if !code.is_empty() && !code.contains('/') => Self::Join(code.into()),
                _ => Self::NotFound,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Route;

    #[test]
    fn paths_name_pages() {
        assert_eq!(Route::from_path("/"), Route::Chat);
        assert_eq!(Route::from_path(""), Route::Chat);
        assert_eq!(Route::from_path("/setup"), Route::Setup);
        assert_eq!(Route::from_path("/signin/"), Route::SignIn);
        assert_eq!(Route::from_path("/admin"), Route::Admin);
        assert_eq!(
            Route::from_path("/join/abc-123"),
            Route::Join("abc-123".into())
        );
        assert_eq!(Route::from_path("/join/abc/"), Route::Join("abc".into()));
        for unknown in ["/join", "/join/", "/join/a/b", "/admin/x", "/setupx"] {
            assert_eq!(Route::from_path(unknown), Route::NotFound, "{unknown}");
        }
    }
}
