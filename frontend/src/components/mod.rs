//! The app: routes, and on each page the header (link dot, who you are). `/` is the
//! chat in the lobby and `/r/ID` in another room (sidebar, message list, composer);
//! `/setup`, `/join/CODE`, `/signin` and `/admin` are the account pages. State comes from context: [`ConnectionSignals`] for the chat,
//! [`Session`] for who is signed in.

mod admin;
mod admin_bots;
mod chat;
mod composer;
mod dates;
mod form;
mod header;
mod invites;
mod jump;
mod layout;
mod link_dot;
mod mention_menu;
mod message_actions;
mod message_list;
mod moderation;
mod new_account;
mod notifier;
mod notify_level;
mod notify_permission;
mod reactions;
mod read_marker;
mod room_bar;
mod room_dialogs;
mod room_people;
mod search_box;
mod server_list;
mod shown_once;
mod sidebar;
mod sign_in;
mod typing_line;

pub use admin::AdminPage;
pub use chat::{ChatView, HISTORY_PAGE};
pub use composer::Composer;
pub use dates::format_date;
pub use header::Header;
pub use invites::invite_state;
pub use layout::{NotFound, Page};
pub use link_dot::LinkDot;
pub use message_list::{format_time, MessageList, OlderState};
pub use new_account::{JoinPage, SetupPage};
pub use notifier::Notifier;
pub use notify_permission::NotifyPermission;
pub use room_bar::RoomBar;
pub use room_dialogs::{Dialog, RoomDialog};
pub use sidebar::Sidebar;
pub use sign_in::SignInPage;

use crate::connection::{transport_from_search, Connection, ConnectionSignals, Link};
use crate::rooms::Rooms;
use crate::route::Route;
use crate::session::{Identity, Session};
use common::room::LOBBY;
use leptos::prelude::*;
use leptos_router::components::Router;
use leptos_router::hooks::use_location;
use leptos_router::location::{BrowserUrl, LocationProvider};
use send_wrapper::SendWrapper;
use std::cell::RefCell;
use std::rc::Rc;

/// The signals the page shows, created fresh (for the app and for tests).
pub fn new_signals() -> ConnectionSignals {
    let search = web_sys::window()
        .and_then(|w| w.location().search().ok())
        .unwrap_or_default();
    ConnectionSignals {
        rooms: RwSignal::new(Rooms::default()),
        link: RwSignal::new(Link::Connecting),
        transport: RwSignal::new(transport_from_search(&search)),
        notice: RwSignal::new(None),
        degraded: RwSignal::new(None),
        typists: RwSignal::new(Default::default()),
        presence: RwSignal::new(Default::default()),
    }
}

/// The app: provides the signals and the session as context, owns the connection for as
/// long as it is mounted (on every page, so the chat is current when you come back to it),
/// and reconnects when someone signs in or out.
#[component]
pub fn App() -> impl IntoView {
    let signals = new_signals();
    provide_context(signals);
    let session = Session::new(Identity::Loading, None);
    provide_context(session);
    session.load();
    crate::service_worker::register();
    let connection = Rc::new(RefCell::new(Connection::start(signals)));
    let current = connection.clone();
    // The stream answers to the session cookie: a new session gets a new stream (where
    // guests may not read, a guest's stream is refused until they sign in).
    Effect::new(move |known: Option<Option<Option<String>>>| {
        let known = known.flatten();
        let who = session
            .identity
            .with(|i| i.who().map(|who| who.map(str::to_owned)));
        match who {
            None => known,
            Some(now) => {
                if known.as_ref().is_some_and(|before| *before != now) {
                    current.borrow().stop();
                    *current.borrow_mut() = Connection::start(signals);
                }
                Some(now)
            }
        }
    });
    // Leptos cleanups must be Send; the browser has one thread, so the wrapper never moves.
    let connection = SendWrapper::new(connection);
    on_cleanup(move || connection.borrow().stop());
    view! { <AppRoutes /> }
}

/// The router and the page for its location, reading [`ConnectionSignals`] and [`Session`]
/// from context (tests provide them and mount this without a server), and the
/// [`Notifier`] for the tab's title, icon and notifications.
#[component]
pub fn AppRoutes() -> impl IntoView {
    // Who reads decides what counts as unread and which mentions are theirs.
    let ConnectionSignals { rooms, .. } = expect_context();
    let session = expect_context::<Session>();
    Effect::new(move |_| {
        let me = session
            .identity
            .with(|i| i.account().map(|a| a.username.clone()));
        rooms.maybe_update(|r| r.set_me(me.as_deref()));
    });
    view! {
        <Router>
            <Notifier />
            <Pages />
        </Router>
    }
}

/// Picks the page for the path. A few fixed paths need no route table: matching them by
/// hand, rather than with `<Routes>`, keeps about 20 KB (gzip) of generic matching code
/// out of the bundle.
#[component]
fn Pages() -> impl IntoView {
    let location = use_location();
    let route = Memo::new(move |_| location.pathname.with(|path| Route::from_path(path)));
    // The room is the chat's own business: switching rooms keeps the chat mounted.
    let room = Memo::new(move |_| match route.get() {
        Route::Chat(room) => room,
        _ => LOBBY,
    });
    let page = Memo::new(move |_| match route.get() {
        Route::Chat(_) => Route::Chat(LOBBY),
        other => other,
    });
    // `<Routes>` tells the router when the new page is in place, and only then does it
    // update the address bar (and the history); this does the same.
    let browser = use_context::<BrowserUrl>();
    Effect::new(move |_| {
        location.pathname.track();
        if let Some(browser) = &browser {
            browser.ready_to_complete();
        }
    });
    move || match page.get() {
        Route::Chat(_) => view! { <ChatView room /> }.into_any(),
        Route::Setup => view! { <SetupPage /> }.into_any(),
        Route::Join(code) => view! { <JoinPage code /> }.into_any(),
        Route::SignIn => view! { <SignInPage /> }.into_any(),
        Route::Admin => view! { <AdminPage /> }.into_any(),
        Route::NotFound => view! { <NotFound /> }.into_any(),
    }
}
