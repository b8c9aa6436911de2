//! The room forms, one open at a time above the messages: a new room, a new direct
//! conversation, inviting someone to the current room, renaming it. Each shows the
//! server's refusal under it; on success the room list is updated at once (the stream
//! confirms it moments later) and a new room is opened.

use super::form::{Alert, Field, FormState, Submit};
use crate::connection::ConnectionSignals;
use crate::forms::FieldErrors;
use crate::room_forms::{check_direct, check_new_room, check_room_name, parse_usernames};
use crate::rooms::Rooms;
use crate::rooms_api;
use crate::route::room_path;
use crate::session::Session;
use common::room::{RoomChange, RoomId, RoomSummary};
use common::StreamEvent;
use leptos::prelude::*;
use leptos_router::hooks::use_navigate;
use leptos_router::NavigateOptions;

/// Which form is open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialog {
    NewRoom,
    NewDirect,
    Invite,
    Rename,
}

/// The open form, if any, for the room shown.
#[component]
pub fn RoomDialog(
    #[prop(into)] room: Signal<RoomId>,
    dialog: RwSignal<Option<Dialog>>,
) -> impl IntoView {
    let close = Callback::new(move |()| dialog.set(None));
    move || {
        dialog.get().map(|which| {
            let form = match which {
                Dialog::NewRoom => view! { <NewRoomForm close /> }.into_any(),
                Dialog::NewDirect => view! { <NewDirectForm close /> }.into_any(),
                Dialog::Invite => view! { <InviteForm room close /> }.into_any(),
                Dialog::Rename => view! { <RenameForm room close /> }.into_any(),
            };
            view! {
                <div class="room-dialog">
                    {form}
                    <button type="button" class="link cancel" on:click=move |_| close.run(())>
                        "Cancel"
                    </button>
                </div>
            }
        })
    }
}

/// Puts a summary the server answered with into the list (the stream's `room_added` or
/// `room_updated` will say the same).
fn remember(rooms: RwSignal<Rooms>, summary: RoomSummary) {
    rooms.update(|r| {
        r.apply(StreamEvent::RoomUpdated { room: summary });
    });
}

#[component]
fn NewRoomForm(close: Callback<()>) -> impl IntoView {
    let name = RwSignal::new(String::new());
    let closed = RwSignal::new(false);
    let members = RwSignal::new(String::new());
    let form = FormState::default();
    let navigate = use_navigate();
    let ConnectionSignals { rooms, .. } = expect_context();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let checked = check_new_room(
            &name.get_untracked(),
            closed.get_untracked(),
            &members.get_untracked(),
        );
        let navigate = navigate.clone();
        form.submit(checked, move |room| {
            Box::pin(async move {
                let summary = rooms_api::create_room(&room).await?;
                let path = room_path(summary.id);
                remember(rooms, summary);
                close.run(());
                navigate(&path, NavigateOptions::default());
                Ok(())
            })
        });
    };
    view! {
        <form class="account-form new-room-form" novalidate on:submit=submit>
            <h3>"New room"</h3>
            <Field label="Name" name="room-name" value=name error=form.error("name") />
            <label class="check">
                <input type="checkbox" name="closed" prop:checked=move || closed.get()
                    on:change=move |ev| closed.set(event_target_checked(&ev)) />
                " Closed: only the people you add can read it"
            </label>
            <Show when=move || closed.get()>
                <Field label="People to add (usernames)" name="room-members" value=members
                    error=form.error("members") hint="Separated by commas or spaces." />
            </Show>
            <Alert message=form.failure />
            <Submit form label="Create room" />
        </form>
    }
}

/// The people to pick from: every active account (`GET /api/people`, asked once when the
/// form opens), and meanwhile (or if that fails) those the reader knows from their rooms.
fn known_people() -> Memo<Vec<String>> {
    let ConnectionSignals { rooms, .. } = expect_context();
    let session = expect_context::<Session>();
    let everyone = RwSignal::new(Vec::<String>::new());
    leptos::task::spawn_local(async move {
        match rooms_api::people().await {
            Ok(people) => everyone.set(people.into_iter().map(|p| p.username).collect()),
            Err(why) => leptos::logging::warn!("listing people: {why}"),
        }
    });
    Memo::new(move |_| {
        let me = session
            .identity
            .with(|i| i.account().map(|a| a.username.clone()))
            .unwrap_or_default();
        let mut names = rooms.with(|r| r.known_usernames());
        everyone.with(|all| {
            for name in all {
                if let Err(at) = names.binary_search(name) {
                    names.insert(at, name.clone());
                }
            }
        });
        names.retain(|n| !n.eq_ignore_ascii_case(&me));
        names
    })
}

#[component]
fn NewDirectForm(close: Callback<()>) -> impl IntoView {
    let ConnectionSignals { rooms, .. } = expect_context();
    let session = expect_context::<Session>();
    let chosen = RwSignal::new(Vec::<String>::new());
    let typed = RwSignal::new(String::new());
    let form = FormState::default();
    let navigate = use_navigate();
    let people = known_people();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let me = session
            .identity
            .with_untracked(|i| i.account().map(|a| a.username.clone()))
            .unwrap_or_default();
        let checked = check_direct(&chosen.get_untracked(), &typed.get_untracked(), &me);
        let navigate = navigate.clone();
        form.submit(checked, move |members| {
            Box::pin(async move {
                let summary = rooms_api::start_direct(members).await?;
                let path = room_path(summary.id);
                remember(rooms, summary);
                close.run(());
                navigate(&path, NavigateOptions::default());
                Ok(())
            })
        });
    };
    let toggle = move |name: String, on: bool| {
        chosen.update(|list| {
            list.retain(|n| *n != name);
            if on {
                list.push(name);
            }
        })
    };
    view! {
        <form class="account-form new-direct-form" novalidate on:submit=submit>
            <h3>"New direct message"</h3>
            <fieldset class="people" hidden=move || people.with(Vec::is_empty)>
                <legend>"People"</legend>
                {move || {
                    people
                        .get()
                        .into_iter()
                        .map(|name| {
                            let toggled = name.clone();
                            view! {
                                <label class="check">
                                    <input type="checkbox" name="person" value=name.clone()
                                        on:change=move |ev| toggle(toggled.clone(), event_target_checked(&ev)) />
                                    " " {name}
                                </label>
                            }
                        })
                        .collect_view()
                }}
            </fieldset>
            <Field label="Usernames" name="direct-members" value=typed
                error=form.error("members") hint="Anyone else, separated by commas or spaces." />
            <Alert message=form.failure />
            <Submit form label="Start" />
        </form>
    }
}

#[component]
fn InviteForm(#[prop(into)] room: Signal<RoomId>, close: Callback<()>) -> impl IntoView {
    let ConnectionSignals { rooms, .. } = expect_context();
    let username = RwSignal::new(String::new());
    let form = FormState::default();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let names = parse_usernames(&username.get_untracked());
        let checked = match names.as_slice() {
            [one] => Ok(one.clone()),
            _ => {
                let mut errors = FieldErrors::default();
                errors.add("username", "type one username");
                Err(errors)
            }
        };
        let id = room.get_untracked();
        form.submit(checked, move |name| {
            Box::pin(async move {
                let summary = rooms_api::add_member(id, &name).await?;
                remember(rooms, summary);
                close.run(());
                Ok(())
            })
        });
    };
    view! {
        <form class="account-form invite-member-form" novalidate on:submit=submit>
            <h3>"Invite to this room"</h3>
            <Field label="Username" name="member-username" value=username
                error=form.error("username") />
            <Alert message=form.failure />
            <Submit form label="Invite" />
        </form>
    }
}

#[component]
fn RenameForm(#[prop(into)] room: Signal<RoomId>, close: Callback<()>) -> impl IntoView {
    let ConnectionSignals { rooms, .. } = expect_context();
    let current = rooms.with_untracked(|r| r.get(room.get_untracked()).map(|s| s.name.clone()));
    let name = RwSignal::new(current.unwrap_or_default());
    let form = FormState::default();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let id = room.get_untracked();
        form.submit(check_room_name(&name.get_untracked()), move |name| {
            Box::pin(async move {
                let change = RoomChange {
                    name: Some(name),
                    archived: None,
                };
                remember(rooms, rooms_api::change_room(id, &change).await?);
                close.run(());
                Ok(())
            })
        });
    };
    view! {
        <form class="account-form rename-form" novalidate on:submit=submit>
            <h3>"Rename this room"</h3>
            <Field label="Name" name="room-name" value=name error=form.error("name") />
            <Alert message=form.failure />
            <Submit form label="Rename" />
        </form>
    }
}
