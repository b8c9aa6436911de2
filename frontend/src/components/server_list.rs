//! A list an admin page section shows (invites, bots, bans): loaded from the server at
//! once and again after each change, with the refusal when loading fails (the list last
//! shown stays).

use leptos::prelude::*;
use leptos::task::spawn_local;
use std::future::Future;

/// The list, `None` until the first answer.
pub type Items<T> = RwSignal<Option<Vec<T>>>;
/// Why the last load failed, to show above the list.
pub type Failure = RwSignal<Option<String>>;

/// The list, the refusal to show, and `reload`.
pub fn server_list<T, F, Fut>(fetch: F) -> (Items<T>, Failure, impl Fn() + Copy + 'static)
where
    T: Send + Sync + 'static,
    F: Fn() -> Fut + Copy + 'static,
    Fut: Future<Output = Result<Vec<T>, String>> + 'static,
{
    let items = RwSignal::new(None::<Vec<T>>);
    let failure = RwSignal::new(None::<String>);
    let reload = move || {
        spawn_local(async move {
            match fetch().await {
                Ok(list) => {
                    failure.set(None);
                    items.set(Some(list));
                }
                Err(why) => failure.set(Some(why)),
            }
        });
    };
    reload();
    (items, failure, reload)
}
