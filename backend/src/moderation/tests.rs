use super::*;
use common::account::Role;
use common::moderation::AuditAction;

fn names(account: AccountId) -> Option<String> {
    match account {
        1 => Some("ann".into()),
        2 => Some("bob".into()),
        _ => None,
    }
}

fn ban(address: &str, until: u64) -> Event {
    Event::GuestBanned {
        address: address.into(),
        until,
        reason: "spam".into(),
        by: 1,
    }
}

#[test]
fn a_ban_holds_until_its_time_or_until_lifted() {
    let mut moderation = Moderation::default();
    moderation.apply(10, 1_000, &ban("203.0.113.7", 5_000), names);
    moderation.apply(11, 1_000, &ban("2001:db8:1:2::/64", 9_000), names);
    let v4: IpAddr = "203.0.113.7".parse().unwrap();
    let v6: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
    assert_eq!(
        moderation.ban_on(v4, 4_999).map(|b| b.by.as_str()),
        Some("ann")
    );
    assert!(moderation.ban_on(v4, 5_000).is_none(), "over at its time");
    assert!(moderation.ban_on(v6, 4_999).is_some(), "the whole /64");
    assert!(moderation
        .ban_on("203.0.113.8".parse().unwrap(), 0)
        .is_none());
    assert_eq!(moderation.bans(0).len(), 2);
    assert_eq!(moderation.bans(6_000).len(), 1, "only those in force");
    moderation.apply(
        12,
        2_000,
        &Event::GuestUnbanned {
            address: "2001:db8:1:2::/64".into(),
            by: 2,
        },
        names,
    );
    assert!(moderation.ban_on(v6, 2_001).is_none());
    let audit = moderation.audit().page(None, 10);
    assert_eq!(audit.iter().map(|e| e.id).collect::<Vec<_>>(), [12, 11, 10]);
    assert_eq!(audit[0].by, "bob");
    assert_eq!(
        moderation.audit().page(Some(12), 1)[0].id,
        11,
        "paged by id"
    );
}

#[test]
fn only_moderation_is_audited() {
    let mut moderation = Moderation::default();
    let message = |account: &str| Message {
        id: 5,
        room: 3,
        account: Some(account.into()),
        deleted: true,
        ..Default::default()
    };
    let events = [
        // Ann deletes her own message: not moderation.
        Event::MessageDeleted {
            message: message("ann"),
            by: Some(1),
        },
        // Ann deletes Bob's: moderation.
        Event::MessageDeleted {
            message: message("bob"),
            by: Some(1),
        },
        // Before `by` was kept: unknown, not listed.
        Event::MessageDeleted {
            message: message("bob"),
            by: None,
        },
        Event::AccountActive {
            account: 2,
            active: false,
            by: Some(1),
        },
        Event::RoleChanged {
            account: 2,
            role: Role::Admin,
            by: Some(1),
        },
        Event::MessagesPurged {
            account: 2,
            count: 4,
            by: 1,
        },
        Event::SessionEnded {
            session: "x".into(),
        },
    ];
    for (i, event) in events.iter().enumerate() {
        moderation.apply(i as u64, 0, event, names);
    }
    let actions: Vec<AuditAction> = moderation
        .audit()
        .page(None, 10)
        .into_iter()
        .rev()
        .map(|e| e.action)
        .collect();
    assert_eq!(
        actions,
        [
            AuditAction::MessageDeleted {
                room: 3,
                message: 5,
                author: "bob".into()
            },
            AuditAction::Deactivated {
                account: "bob".into()
            },
            AuditAction::RoleChanged {
                account: "bob".into(),
                role: Role::Admin
            },
            AuditAction::MessagesDeleted {
                account: "bob".into(),
                count: 4
            },
        ]
    );
}

#[test]
fn the_audit_keeps_the_newest() {
    let mut moderation = Moderation::default();
    for id in 0..(AUDIT_KEPT as u64 + 5) {
        moderation.apply(
            id,
            0,
            &Event::GuestUnbanned {
                address: "203.0.113.7".into(),
                by: 1,
            },
            names,
        );
    }
    let page = moderation.audit().page(None, AUDIT_KEPT + 10);
    assert_eq!(page.len(), AUDIT_KEPT);
    assert_eq!(page.last().map(|e| e.id), Some(5));
}
