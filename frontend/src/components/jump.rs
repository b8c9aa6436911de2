//! Following a search result into its room: once the room is shown, older pages are
//! loaded until the message is on screen ([`jump_step`]), then it is highlighted for a
//! moment (the list scrolls to it).

use crate::connection::ConnectionSignals;
use crate::search::{jump_step, JumpStep, JumpTarget, JUMP_PAGE};
use common::room::RoomId;
use leptos::prelude::*;
use std::time::Duration;

/// How long a message reached from a search stays highlighted.
const HIGHLIGHT: Duration = Duration::from_secs(3);

/// Drives the jump in context while `room` is shown; `load` fetches a page of `room`
/// (before an id, or the newest) and `loading` says one is under way. Returns the id of
/// the message to highlight.
pub fn follow_jumps(
    room: Signal<RoomId>,
    loading: RwSignal<Option<RoomId>>,
    load: Callback<(RoomId, Option<u64>, usize)>,
) -> RwSignal<Option<u64>> {
    let ConnectionSignals { rooms, .. } = expect_context();
    let JumpTarget(jump) = expect_context();
    let highlight = RwSignal::new(None::<u64>);
    // The page last asked for: asked again once it came back means it failed; give up.
    let asked = StoredValue::new(None::<Option<u64>>);
    Effect::new(move |_| {
        let Some(target) = jump.get() else {
            asked.set_value(None);
            return;
        };
        if target.room != room.get() || loading.get().is_some() {
            return;
        }
        match rooms.with(|r| jump_step(r.timeline(target.room), target.id)) {
            JumpStep::Found => {
                jump.set(None);
                highlight.set(Some(target.id));
                set_timeout(
                    move || {
                        if highlight.get_untracked() == Some(target.id) {
                            highlight.set(None);
                        }
                    },
                    HIGHLIGHT,
                );
            }
            JumpStep::Load(before) if asked.get_value() != Some(before) => {
                asked.set_value(Some(before));
                load.run((target.room, before, JUMP_PAGE));
            }
            JumpStep::Load(_) | JumpStep::Lost => {
                leptos::logging::warn!("message {} is no longer there to show", target.id);
                jump.set(None);
            }
        }
    });
    highlight
}
