//! The directory built from events: sessions, names, invites, the admin set.

use super::*;
use crate::event::Event;

fn entry(id: u64, time: u64, event: Event) -> Entry {
    Entry {
        id,
        time,
        record: Record::Event(event),
    }
}

fn created(name: &str, role: Role) -> Event {
    Event::AccountCreated {
        username: name.into(),
        display_name: name.to_uppercase(),
        password_hash: "h".into(),
        role,
        invite: None,
    }
}

#[test]
fn sessions_live_until_ended_idle_or_deactivated() {
    let dir = Directory::new(&[], 0);
    assert!(dir.setup_needed());
    dir.apply(&entry(1, 10, created("ann", Role::Admin)));
    assert!(!dir.setup_needed());
    dir.apply(&entry(
        2,
        20,
        Event::SessionStarted {
            session: "s1".into(),
            account: 1,
        },
    ));
    let signed = dir.signed_in(&"s1".into(), 30).unwrap();
    assert_eq!(signed.account.username, "ann");
    assert!(!signed.seen_is_stale);
    assert!(dir
        .signed_in(&"s1".into(), 20 + SESSION_IDLE_MS + 1)
        .is_none());
    assert!(
        dir.signed_in(&"s1".into(), 20 + SESSION_SEEN_EVERY_MS + 1)
            .unwrap()
            .seen_is_stale
    );
    let cut = dir.apply(&entry(
        3,
        40,
        Event::AccountActive {
            account: 1,
            active: false,
            by: Some(2),
        },
    ));
    assert_eq!(
        cut,
        Some(Cut::Account {
            account: 1,
            except: None
        })
    );
    assert!(dir.signed_in(&"s1".into(), 50).is_none());
}

#[test]
fn names_collide_ignoring_case_and_look_alikes() {
    let dir = Directory::new(&[entry(5, 1, created("Alice", Role::Member))], 5);
    assert_eq!(dir.account_named("аLICE").unwrap().id, 5);
    assert!(dir.account_named("bob").is_none());
}

#[test]
fn invites_count_uses_expire_and_revoke() {
    let dir = Directory::new(&[entry(1, 1, created("ann", Role::Admin))], 1);
    dir.apply(&entry(
        2,
        100,
        Event::InviteCreated {
            code: "c".into(),
            created_by: 1,
            expires_at: 1000,
            max_uses: Some(1),
        },
    ));
    assert!(dir.invite_usable(&"c".into(), 500));
    assert!(!dir.invite_usable(&"c".into(), 1000), "expired");
    dir.apply(&entry(
        3,
        200,
        Event::AccountCreated {
            username: "bob".into(),
            display_name: "Bob".into(),
            password_hash: "h".into(),
            role: Role::Member,
            invite: Some("c".into()),
        },
    ));
    assert!(!dir.invite_usable(&"c".into(), 500), "used up");
    let view = &dir.invites()[0];
    assert_eq!((view.uses, view.created_by.as_str()), (1, "ann"));
    assert_eq!(dir.invite_by_id(&view.id), Some("c".into()));
}

#[test]
fn the_admin_set_has_a_version_and_waiting_for_an_entry_works() {
    let dir = Directory::new(&[entry(1, 1, created("ann", Role::Admin))], 1);
    assert_eq!(dir.admins(), (1, 1));
    dir.apply(&entry(2, 2, created("bob", Role::Member)));
    assert_eq!(dir.admins(), (1, 1), "a member changes nothing");
    dir.apply(&entry(
        3,
        3,
        Event::RoleChanged {
            account: 2,
            role: Role::Admin,
            by: None,
        },
    ));
    assert_eq!(dir.admins(), (2, 3));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    let short = std::time::Duration::from_millis(20);
    assert!(runtime.block_on(dir.wait_applied(3, short)));
    assert!(!runtime.block_on(dir.wait_applied(4, short)));
}
