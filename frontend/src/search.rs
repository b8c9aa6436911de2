//! Searching messages: `GET /api/search`, and following a result to its message (pure
//! logic but the request). The search box sets a [`Jump`]; the chat opens the room and
//! loads older pages until the message is on screen ([`jump_step`]), so the history around
//! it, up to now, is there to read, then highlights it.

use crate::timeline::Timeline;
use common::room::RoomId;
use common::search::SearchResults;
use leptos::prelude::RwSignal;

/// Messages fetched per step while going back to a message (the server's most).
pub const JUMP_PAGE: usize = 200;

/// `GET /api/search?q=...`: every room we may read, the best matches first.
pub async fn search(q: &str) -> Result<SearchResults, String> {
    let q = String::from(js_sys::encode_uri_component(q));
    crate::account_api::get(&format!("/api/search?q={q}")).await
}

/// Where a search result leads: message `id` of `room`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Jump {
    pub room: RoomId,
    pub id: u64,
}

/// The jump under way, shared by the search box that starts it and the chat that
/// follows it (context).
#[derive(Debug, Clone, Copy)]
pub struct JumpTarget(pub RwSignal<Option<Jump>>);

/// What the chat does next to reach message `id` in `timeline`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JumpStep {
    /// It is on screen: highlight it.
    Found,
    /// Fetch the page before this id (`None`: the newest page).
    Load(Option<u64>),
    /// It is not there to find (deleted, or older than what the server keeps).
    Lost,
}

pub fn jump_step(timeline: &Timeline, id: u64) -> JumpStep {
    if timeline.messages().iter().any(|m| m.id == id) {
        JumpStep::Found
    } else if timeline.messages().is_empty() && !timeline.older_exhausted() {
        JumpStep::Load(None)
    } else if id < timeline.first_id() && timeline.can_load_older() {
        JumpStep::Load(Some(timeline.first_id()))
    } else {
        JumpStep::Lost
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use common::{HistoryPage, Message};

    fn page(ids: &[u64], more: bool) -> HistoryPage {
        HistoryPage {
            msgs: ids
                .iter()
                .map(|&id| Message {
                    id,
                    ..Default::default()
                })
                .collect(),
            more,
        }
    }

    #[test]
    fn the_chat_goes_back_page_by_page_until_the_message_is_shown() {
        let mut timeline = Timeline::default();
        assert_eq!(jump_step(&timeline, 5), JumpStep::Load(None));
        timeline.prepend(page(&[30, 31], true));
        assert_eq!(jump_step(&timeline, 5), JumpStep::Load(Some(30)));
        timeline.prepend(page(&[4, 5, 6], true));
        assert_eq!(jump_step(&timeline, 5), JumpStep::Found);
        assert_eq!(jump_step(&timeline, 20), JumpStep::Lost, "a gap: deleted");
        timeline.prepend(page(&[2], false));
        assert_eq!(jump_step(&timeline, 1), JumpStep::Lost, "the beginning");
    }
}
