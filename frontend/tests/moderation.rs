//! The admin page's moderation in headless Chromium with a scripted `fetch` in place of the
//! server: banning an account (with its messages), banning and lifting a guest address,
//! the form's own checks, and the audit log with its older pages.

use common::account::{AccountView, Role};
use frontend::session::Identity;
use serde_json::json;
use wasm_bindgen_test::*;

mod support;
use support::*;

wasm_bindgen_test_configure!(run_in_browser);

fn account(username: &str, role: Role) -> AccountView {
    AccountView {
        username: username.into(),
        display_name: username.to_uppercase(),
        role,
        active: true,
        created_at: 1_700_000_000_000,
        bot: false,
    }
}

fn admin() -> Identity {
    Identity::SignedIn(account("ann", Role::Admin))
}

const BAN: &str = r#"{"address":"203.0.113.7","until":4102444800000,"reason":"spam","by":"ann","at":1700000000000}"#;

#[wasm_bindgen_test]
async fn an_admin_bans_an_account_with_its_messages_and_a_guest_address_then_lifts_it() {
    let accounts = serde_json::to_string(&vec![
        account("ann", Role::Admin),
        account("bob", Role::Member),
    ])
    .unwrap();
    let audit = r#"[{"id":9,"at":1700000000000,"by":"ann","action":"messages_deleted","account":"bob","count":3}]"#;
    stub_api(&[
        ("GET /api/accounts", 200, &accounts),
        ("GET /api/invites", 200, "[]"),
        ("GET /api/bots", 200, "[]"),
        ("GET /api/bans", 200, "[]"),
        ("GET /api/audit", 200, audit),
        (
            "POST /api/accounts/bob/ban",
            200,
            r#"{"username":"bob","deleted":3}"#,
        ),
    ]);
    let page = mount_at("/admin", admin(), open_status());
    wait_until("the accounts", || page.all("tr.account").len() == 2).await;
    wait_until("the audit log", || page.all(".audit-entry").len() == 1).await;
    assert!(page
        .text(".audit-entry")
        .ends_with("ann deleted 3 messages by bob"));
    assert_eq!(page.text(".bans + p"), "Nobody is banned.");

    // "Ban…" asks first, in the row; ticking the box deletes the messages too.
    assert!(!page.visible("tr.account[data-username=bob] .ban-confirm"));
    page.click("tr.account[data-username=bob] .ban");
    settle().await;
    assert!(page.visible("tr.account[data-username=bob] .ban-confirm"));
    page.click("tr.account[data-username=bob] .purge");
    page.click("tr.account[data-username=bob] .confirm-ban");
    wait_until("bob inactive", || {
        page.text("tr.account[data-username=bob] .active") == "no"
    })
    .await;
    assert_eq!(
        requests_to("POST /api/accounts/bob/ban"),
        vec![json!({"delete_messages": true})]
    );

    // The ban form checks before sending; nothing goes out.
    page.type_into("#address", "example.com");
    page.type_into("#ban_hours", "0");
    page.one(".ban-form button[type=submit]").click();
    settle().await;
    assert!(page.text("#address-error").contains("not an IP address"));
    assert!(page.text("#ban_hours-error").contains("between 1 and"));
    assert!(requests_to("POST /api/bans").is_empty());

    stub_api(&[
        ("POST /api/bans", 201, BAN),
        ("GET /api/bans", 200, &format!("[{BAN}]")),
    ]);
    page.type_into("#address", " 203.0.113.7 ");
    page.type_into("#ban_hours", "48");
    page.type_into("#reason", "spam");
    page.one(".ban-form button[type=submit]").click();
    wait_until("the ban listed", || page.all("tr.ban").len() == 1).await;
    assert_eq!(
        requests_to("POST /api/bans"),
        vec![json!({"address": "203.0.113.7", "hours": 48, "reason": "spam"})]
    );
    assert_eq!(page.text("tr.ban .address"), "203.0.113.7");
    assert_eq!(
        page.input("#address").value(),
        "",
        "the form is ready for the next"
    );

    stub_api(&[
        ("DELETE /api/bans/203.0.113.7", 204, ""),
        ("GET /api/bans", 200, "[]"),
    ]);
    page.click("tr.ban .lift");
    wait_until("the ban gone", || page.all("tr.ban").is_empty()).await;
    assert_eq!(requests_to("DELETE /api/bans/203.0.113.7").len(), 1);
}

#[wasm_bindgen_test]
async fn the_audit_log_pages_back_until_there_is_nothing_older() {
    let newest =
        r#"[{"id":20,"at":1700000000000,"by":"ann","action":"deactivated","account":"bob"}]"#;
    stub_api(&[
        ("GET /api/accounts", 200, "[]"),
        ("GET /api/invites", 200, "[]"),
        ("GET /api/bots", 200, "[]"),
        ("GET /api/bans", 200, "[]"),
        ("GET /api/audit", 200, newest),
    ]);
    let page = mount_at("/admin", admin(), open_status());
    wait_until("the newest", || page.all(".audit-entry").len() == 1).await;
    assert!(page.text(".audit-entry").ends_with("ann deactivated bob"));
    let older = r#"[{"id":12,"at":1700000000000,"by":"cat","action":"guest_unbanned","address":"2001:db8::/64"}]"#;
    stub_api(&[("GET /api/audit", 200, older)]);
    page.click(".older");
    wait_until("the older entry", || page.all(".audit-entry").len() == 2).await;
    let asked: Vec<String> = requests_with_queries()
        .into_iter()
        .filter(|(key, ..)| key == "GET /api/audit")
        // gloo-net leaves a `&` after the query it was given.
        .map(|(.., query)| query.trim_end_matches('&').to_owned())
        .collect();
    assert_eq!(asked, ["?before=20"]);
    assert!(page.all(".audit-entry")[1]
        .text_content()
        .unwrap()
        .ends_with("cat lifted the ban on 2001:db8::/64"));
    stub_api(&[("GET /api/audit", 200, "[]")]);
    page.click(".older");
    wait_until("no more", || !page.visible(".older")).await;
}

#[wasm_bindgen_test]
async fn an_admin_bans_the_guest_behind_a_message_and_members_are_not_offered_it() {
    use common::room::RoomKind;
    use common::{Message, StreamEvent};
    let guest = Message {
        guest: true,
        user: "Zed".into(),
        ..message(5, 0, "buy now")
    };
    let member = Message {
        account: Some("bob".into()),
        ..message(6, 0, "hi")
    };
    let hello = StreamEvent::Hello {
        epoch: "e".into(),
        reset: true,
        heartbeat_ms: 15_000,
        msgs: vec![guest, member],
        older: false,
        rooms: Some(vec![room(0, RoomKind::Open, "Lobby")]),
    };
    stub_api(&[("POST /api/bans", 201, BAN)]);
    page_script("window.__confirm = window.confirm; window.confirm = () => true; return true;");
    let page = mount_at("/", admin(), open_status());
    page.apply(hello.clone());
    settle().await;
    assert_eq!(
        page.all(".ban-guest").len(),
        1,
        "only on the guest's message"
    );
    page.click(".message[data-id='5'] .ban-guest");
    let said = ".message[data-id='5'] .hint";
    wait_until("the ban said", || !page.all(said).is_empty()).await;
    assert_eq!(
        page.text(said),
        "Guests from 203.0.113.7 may not post for 24 hours."
    );
    assert_eq!(
        requests_to("POST /api/bans"),
        vec![json!({"message": 5, "hours": 24, "reason": ""})]
    );
    drop(page);

    // A member sees no such button.
    let page = mount_at("/", ann(), open_status());
    page.apply(hello);
    settle().await;
    assert!(page.all(".ban-guest").is_empty());
    page_script("window.confirm = window.__confirm; return true;");
}
