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

/// A change to one item of such a list (revoke an invite, lift a ban): `act` on the server,
/// then the list again; a refusal shows where the list's own does.
pub fn item_action<I, F, Fut>(
    failure: Failure,
    reload: impl Fn() + Copy + Send + Sync + 'static,
    act: F,
) -> Callback<I>
where
    I: 'static,
    F: Fn(I) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<(), String>> + 'static,
{
    Callback::new(move |item: I| {
        let done = act(item);
        spawn_local(async move {
            match done.await {
                Ok(()) => reload(),
                Err(why) => failure.set(Some(why)),
            }
        });
    })
}
