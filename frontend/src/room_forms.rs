//! What the room forms check before sending, with the server's own rules (`common::room`)
//! and wording. Pure logic: no DOM, tested natively.

use crate::forms::FieldErrors;
use common::room::{NewRoom, RoomKind, RoomName, DIRECT_MAX_MEMBERS};

/// Usernames typed into one field, separated by commas or spaces, a leading `@` dropped,
/// each once (as the server compares them: case aside).
pub fn parse_usernames(text: &str) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for name in text.split(|c: char| c == ',' || c.is_whitespace()) {
        let name = name.trim_start_matches('@');
        if !name.is_empty() && !names.iter().any(|n| n.eq_ignore_ascii_case(name)) {
            names.push(name.to_owned());
        }
    }
    names
}

/// A room's name, trimmed, or why not (under the field `name`).
pub fn check_room_name(name: &str) -> Result<String, FieldErrors> {
    let mut errors = FieldErrors::default();
    match RoomName::parse(name) {
        Ok(name) => return Ok(name.into_inner()),
        Err(why) => errors.add("name", why.to_string()),
    }
    Err(errors)
}

/// The new-room form: a name, open or closed, and (closed rooms) the people to add.
pub fn check_new_room(name: &str, closed: bool, members: &str) -> Result<NewRoom, FieldErrors> {
    let name = check_room_name(name)?;
    Ok(NewRoom {
        name,
        kind: if closed {
            RoomKind::Closed
        } else {
            RoomKind::Open
        },
        members: if closed {
            parse_usernames(members)
        } else {
            Vec::new()
        },
    })
}

/// The people of a new direct conversation, besides `me` (under the field `members`).
pub fn check_direct(chosen: &[String], typed: &str, me: &str) -> Result<Vec<String>, FieldErrors> {
    let mut members = parse_usernames(&chosen.join(" "));
    for name in parse_usernames(typed) {
        if !members.iter().any(|m| m.eq_ignore_ascii_case(&name)) {
            members.push(name);
        }
    }
    members.retain(|m| !m.eq_ignore_ascii_case(me));
    let mut errors = FieldErrors::default();
    if members.is_empty() {
        errors.add("members", "choose at least one person");
    } else if members.len() + 1 > DIRECT_MAX_MEMBERS {
        errors.add(
            "members",
            format!("at most {} people besides you", DIRECT_MAX_MEMBERS - 1),
        );
    }
    errors.into_result(|| members)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_are_split_trimmed_and_unique() {
        assert_eq!(
            parse_usernames(" @ann, bob  cy,,ANN "),
            vec!["ann", "bob", "cy"]
        );
        assert!(parse_usernames(" , ").is_empty());
    }

    #[test]
    fn a_new_room_is_checked_with_the_servers_rules() {
        let room = check_new_room("  ops ", true, "ann bob").unwrap();
        assert_eq!(room.name, "ops");
        assert_eq!(room.kind, RoomKind::Closed);
        assert_eq!(room.members, vec!["ann", "bob"]);
        let open = check_new_room("all", false, "ann").unwrap();
        assert!(open.members.is_empty() && open.kind == RoomKind::Open);
        let empty = check_new_room(" ", false, "").unwrap_err();
        assert_eq!(
            empty.of("name").as_deref(),
            Some("room name must not be empty")
        );
    }

    #[test]
    fn a_direct_needs_someone_besides_me() {
        let chosen = vec!["bob".to_owned()];
        assert_eq!(
            check_direct(&chosen, "cy, Bob, ann", "ann").unwrap(),
            vec!["bob", "cy"]
        );
        let alone = check_direct(&[], "ann", "ann").unwrap_err();
        assert_eq!(
            alone.of("members").as_deref(),
            Some("choose at least one person")
        );
        let crowd = check_direct(&[], "a b c d e f g h", "me").unwrap_err();
        assert!(crowd.of("members").is_some());
    }
}
