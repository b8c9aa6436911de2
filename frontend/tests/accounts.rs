//! The account pages and what accounts change on the chat, in headless Chromium with a
//! scripted `fetch` in place of the server (`cargo xtask test`, or wasm-bindgen-test-runner).

use common::account::{AccountView, Role, ServerStatus, SignupMode};
use common::{Message, StreamEvent};
use frontend::session::{Identity, Session};
use leptos::prelude::*;
use serde_json::json;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::HtmlElement;

mod support;
use support::*;

wasm_bindgen_test_configure!(run_in_browser);

fn account(username: &str, display_name: &str, role: Role) -> AccountView {
    AccountView {
        username: username.into(),
        display_name: display_name.into(),
        role,
        active: true,
        created_at: 1_700_000_000_000,
        bot: false,
    }
}

fn status(setup_needed: bool, guests: bool) -> ServerStatus {
    ServerStatus {
        setup_needed,
        signup: SignupMode::Invite,
        guests,
        presence: true,
        typing: true,
    }
}

#[wasm_bindgen_test]
async fn sign_in_shows_the_servers_refusal_and_keeps_the_username() {
    stub_api(&[(
        "POST /api/session",
        401,
        r#"{"error":"wrong username or password"}"#,
    )]);
    let page = mount_at("/signin", Identity::Guest, Some(status(false, true)));
    settle().await;
    assert_eq!(page.input("#username").autocomplete(), "username");
    assert_eq!(page.input("#password").autocomplete(), "current-password");
    assert_eq!(page.input("#password").type_(), "password");
    assert_eq!(
        page.one("label[for=username]").text_content().unwrap(),
        "Username"
    );

    page.type_into("#username", "ann");
    page.type_into("#password", "not my password");
    page.click("button[type=submit]");
    wait_until("the refusal", || page.visible(".form-error")).await;
    assert_eq!(page.text(".form-error"), "wrong username or password");
    assert_eq!(page.input("#username").value(), "ann", "the username stays");
    assert_eq!(
        page.input("#password").value(),
        "",
        "the password is cleared"
    );
    assert_eq!(page.session.identity.get_untracked(), Identity::Guest);
    assert_eq!(pathname(), "/signin");
    let sent = requests();
    assert_eq!(sent.len(), 1);
    assert_eq!(
        sent[0].1,
        json!({"username": "ann", "password": "not my password"})
    );
    assert_eq!(sent[0].2.as_deref(), Some("application/json"));

    // Too many tries: the server's words and how long to wait.
    stub_api_with_headers(&[(
        "POST /api/session",
        429,
        r#"{"error":"too many failed sign-ins"}"#,
        json!({"retry-after": "30"}),
    )]);
    page.type_into("#password", "another guess");
    page.click("button[type=submit]");
    wait_until("the second refusal", || {
        page.text(".form-error").starts_with("too many")
    })
    .await;
    assert_eq!(
        page.text(".form-error"),
        "too many failed sign-ins (try again in 30 s)"
    );

    // An empty password is explained under its field and not sent.
    page.click("button[type=submit]");
    settle().await;
    assert_eq!(page.text("#password-error"), "enter your password");
    assert!(!page.one("#password-error").hidden());
    assert_eq!(requests().len(), 1, "nothing sent");
}

#[wasm_bindgen_test]
async fn signing_in_goes_to_the_chat_as_that_account() {
    let ann = account("ann", "Ann Example", Role::Member);
    let body = serde_json::to_string(&ann).unwrap();
    let status_body = serde_json::to_string(&status(false, true)).unwrap();
    stub_api(&[
        ("POST /api/session", 200, &body),
        ("GET /api/status", 200, &status_body),
    ]);
    let page = mount_at("/signin", Identity::Guest, Some(status(false, true)));
    settle().await;
    page.type_into("#username", "ann");
    page.type_into("#password", "correct horse battery");
    page.click("button[type=submit]");
    wait_until("the chat", || {
        pathname() == "/" && page.visible(".messages")
    })
    .await;
    assert_eq!(
        page.session.identity.get_untracked(),
        Identity::SignedIn(ann)
    );
    assert_eq!(page.text(".who .name"), "Ann Example");
}

#[wasm_bindgen_test]
async fn the_setup_page_sends_the_token_from_the_link() {
    let root = account("root", "Root", Role::Admin);
    let body = serde_json::to_string(&root).unwrap();
    let done = serde_json::to_string(&status(false, true)).unwrap();
    stub_api(&[
        ("POST /api/setup", 201, &body),
        ("GET /api/status", 200, &done),
    ]);
    let page = mount_at(
        "/setup#s3cr3t-t0ken",
        Identity::Guest,
        Some(status(true, true)),
    );
    settle().await;
    assert_eq!(page.input("#password").autocomplete(), "new-password");
    assert_eq!(page.input("#confirm").autocomplete(), "new-password");
    page.type_into("#username", "root");
    page.type_into("#display_name", "Root");
    page.type_into("#password", "correct horse battery");
    page.type_into("#confirm", "correct horse battery");
    page.click("button[type=submit]");
    wait_until("signed in", || {
        page.session.identity.with_untracked(Identity::is_admin)
    })
    .await;
    assert_eq!(
        requests_to("POST /api/setup"),
        vec![json!({
            "token": "s3cr3t-t0ken",
            "username": "root",
            "password": "correct horse battery",
            "display_name": "Root",
        })]
    );
    wait_until("the chat", || {
        pathname() == "/" && page.visible(".messages")
    })
    .await;
    assert_eq!(page.text(".who .name"), "Root");
    assert_eq!(page.text(".who .badge.admin"), "admin");
}

#[wasm_bindgen_test]
async fn the_setup_page_checks_fields_and_says_when_it_is_done() {
    stub_api(&[]);
    let page = mount_at("/setup#tok", Identity::Guest, Some(status(true, true)));
    settle().await;
    page.type_into("#username", "root user");
    page.type_into("#password", "correct horse battery");
    page.type_into("#confirm", "correct horse battery!");
    page.click("button[type=submit]");
    settle().await;
    assert_eq!(
        page.text("#username-error"),
        "username may contain letters, digits, '.', '_' and '-' only (not ' ')"
    );
    assert_eq!(page.text("#confirm-error"), "the two passwords differ");
    assert_eq!(
        page.one("#username")
            .get_attribute("aria-invalid")
            .as_deref(),
        Some("true")
    );
    assert!(requests().is_empty(), "nothing sent");

    page.session.status.set(Some(status(false, true)));
    settle().await;
    assert!(page.all("form").is_empty());
    assert_eq!(page.text(".done"), "This server is set up already.");
    assert_eq!(
        page.one(".content a").get_attribute("href").as_deref(),
        Some("/signin")
    );
}

#[wasm_bindgen_test]
async fn the_join_page_sends_the_invite_code_and_keeps_the_input_on_refusal() {
    stub_api(&[(
        "POST /api/signup",
        409,
        r#"{"error":"the username bob is taken"}"#,
    )]);
    let page = mount_at("/join/inv-42", Identity::Guest, Some(status(false, true)));
    settle().await;
    page.type_into("#username", "bob");
    page.type_into("#password", "correct horse battery");
    page.type_into("#confirm", "correct horse battery");
    page.click("button[type=submit]");
    wait_until("the refusal", || page.visible(".form-error")).await;
    assert_eq!(page.text(".form-error"), "the username bob is taken");
    assert_eq!(page.input("#username").value(), "bob");
    assert_eq!(
        requests_to("POST /api/signup"),
        vec![json!({
            "invite": "inv-42",
            "username": "bob",
            "password": "correct horse battery",
            "display_name": null,
        })]
    );
    assert_eq!(page.session.identity.get_untracked(), Identity::Guest);
}

#[wasm_bindgen_test]
async fn a_guest_sees_the_name_field_and_sign_in() {
    let page = mount_at("/", Identity::Guest, Some(status(true, true)));
    settle().await;
    assert_eq!(page.all("input.user").len(), 1, "the guest's name field");
    assert_eq!(page.text(".who .name"), "Guest");
    let links: Vec<(String, String)> = page
        .all(".who a")
        .iter()
        .map(|a| (a.get_attribute("href").unwrap(), a.text_content().unwrap()))
        .collect();
    assert_eq!(
        links,
        vec![
            ("/signin".to_owned(), "Sign in".to_owned()),
            ("/setup".to_owned(), "Set up".to_owned()),
        ]
    );
    assert!(page.all(".sign-out").is_empty());
}

#[wasm_bindgen_test]
async fn a_signed_in_user_sees_their_name_posts_under_it_and_signs_out() {
    let posted = serde_json::to_string(&Message {
        id: 1,
        user: "Ann Example".into(),
        text: "hi".into(),
        time: 1,
        account: Some("ann".into()),
        guest: false,
        room: 0,
        ..Default::default()
    })
    .unwrap();
    let status_body = serde_json::to_string(&status(false, true)).unwrap();
    stub_api(&[
        ("POST /api/rooms/0/msgs", 201, &posted),
        ("DELETE /api/session", 204, ""),
        ("GET /api/status", 200, &status_body),
    ]);
    let page = mount_at(
        "/",
        Identity::SignedIn(account("ann", "Ann Example", Role::Member)),
        Some(status(false, true)),
    );
    settle().await;
    assert_eq!(page.text(".who .name"), "Ann Example");
    assert_eq!(
        page.one(".who .name").get_attribute("title").as_deref(),
        Some("ann")
    );
    assert!(page.all("input.user").is_empty(), "no name field");
    assert!(page.all(".who a[href='/signin']").is_empty());
    assert!(page.all(".who a[href='/admin']").is_empty(), "not an admin");

    let textarea: web_sys::HtmlTextAreaElement = page.one("textarea.text").unchecked_into();
    textarea.set_value("hi");
    textarea
        .dispatch_event(&web_sys::Event::new("input").unwrap())
        .unwrap();
    page.click("button.send");
    wait_until("posted", || {
        !requests_to("POST /api/rooms/0/msgs").is_empty()
    })
    .await;
    assert_eq!(
        requests_to("POST /api/rooms/0/msgs"),
        vec![json!({"text": "hi"})]
    );

    page.click(".sign-out");
    wait_until("signed out", || {
        page.session.identity.get_untracked() == Identity::Guest
    })
    .await;
    assert_eq!(requests_to("DELETE /api/session").len(), 1);
    let deleted = requests()
        .into_iter()
        .find(|(k, _, _)| k == "DELETE /api/session")
        .unwrap();
    assert_eq!(deleted.2.as_deref(), Some("application/json"));
    settle().await;
    assert_eq!(page.text(".who .name"), "Guest");
    assert_eq!(page.all("input.user").len(), 1);
}

#[wasm_bindgen_test]
async fn without_guests_the_composer_asks_to_sign_in() {
    let page = mount_at("/", Identity::Guest, Some(status(false, false)));
    settle().await;
    assert!(page.all("textarea.text").is_empty());
    let link = page.one(".composer.closed a");
    assert_eq!(link.text_content().unwrap(), "Sign in to chat");
    assert_eq!(link.get_attribute("href").as_deref(), Some("/signin"));
}

#[wasm_bindgen_test]
async fn a_guests_message_has_a_badge_and_an_accounts_its_username() {
    let page = mount_at("/", Identity::Guest, Some(status(false, true)));
    let guest = Message {
        id: 1,
        user: "visitor".into(),
        text: "hello".into(),
        time: 1,
        guest: true,
        ..Default::default()
    };
    let member = Message {
        id: 2,
        user: "Ann Example".into(),
        text: "welcome".into(),
        time: 2,
        account: Some("ann".into()),
        ..Default::default()
    };
    page.signals.rooms.update(|t| {
        t.apply(StreamEvent::Msgs {
            msgs: vec![guest, member],
        });
    });
    settle().await;
    let rows = page.all(".message");
    assert_eq!(rows.len(), 2);
    let badge = |row: &HtmlElement| {
        row.query_selector(".badge.guest")
            .unwrap()
            .map(|b| b.text_content().unwrap())
    };
    assert_eq!(badge(&rows[0]).as_deref(), Some("guest"));
    assert_eq!(badge(&rows[1]), None);
    let user = |row: &HtmlElement| row.query_selector(".user").unwrap().unwrap();
    assert_eq!(user(&rows[0]).text_content().unwrap(), "visitor");
    assert_eq!(user(&rows[0]).get_attribute("title"), None);
    assert_eq!(user(&rows[1]).text_content().unwrap(), "Ann Example");
    assert_eq!(
        user(&rows[1]).get_attribute("title").as_deref(),
        Some("ann")
    );
}

#[wasm_bindgen_test]
async fn the_admin_page_lists_accounts_and_makes_invite_links() {
    let mut bob = account("bob", "Bob", Role::Member);
    bob.active = false;
    let accounts = serde_json::to_string(&vec![account("ann", "Ann", Role::Admin), bob]).unwrap();
    let created = r#"{"id":"i1","code":"c0de","url":"https://chat.example/join/c0de","expires_at":1800000000000}"#;
    let listed = r#"[{"id":"i1","created_by":"ann","created_at":1700000000000,"expires_at":4102444800000,"max_uses":null,"uses":0,"revoked":false}]"#;
    stub_api(&[
        ("GET /api/accounts", 200, &accounts),
        ("GET /api/invites", 200, "[]"),
        ("GET /api/bots", 200, "[]"),
        ("GET /api/bans", 200, "[]"),
        ("GET /api/audit", 200, "[]"),
        ("POST /api/invites", 201, created),
        (
            "PATCH /api/accounts/ann",
            409,
            r#"{"error":"ann is the last admin"}"#,
        ),
    ]);
    let page = mount_at(
        "/admin",
        Identity::SignedIn(account("ann", "Ann", Role::Admin)),
        Some(status(false, true)),
    );
    wait_until("the accounts", || page.all("tr.account").len() == 2).await;
    let cells = |selector: &str| -> Vec<String> {
        page.all(selector)
            .iter()
            .map(|e| e.text_content().unwrap())
            .collect()
    };
    assert_eq!(cells("tr.account .username"), vec!["ann", "bob"]);
    assert_eq!(cells("tr.account .role"), vec!["admin", "member"]);
    assert_eq!(cells("tr.account .active"), vec!["yes", "no"]);
    assert_eq!(cells(".toggle-active"), vec!["Deactivate", "Reactivate"]);
    assert_eq!(cells(".toggle-role"), vec!["Make member", "Make admin"]);

    // Removing the last admin: the server says no, the page says why.
    page.one("tr.account[data-username=ann] .toggle-role")
        .click();
    wait_until("the refusal", || page.visible(".form-error")).await;
    assert_eq!(page.text(".form-error"), "ann is the last admin");
    assert_eq!(
        requests_to("PATCH /api/accounts/ann"),
        vec![json!({"active": null, "role": "member"})]
    );

    // Reactivating bob: the row shows what the server answered.
    let mut bob_again = account("bob", "Bob", Role::Member);
    bob_again.active = true;
    let bob_again = serde_json::to_string(&bob_again).unwrap();
    stub_api(&[("PATCH /api/accounts/bob", 200, &bob_again)]);
    page.one("tr.account[data-username=bob] .toggle-active")
        .click();
    wait_until("bob active", || {
        cells("tr.account .active") == ["yes", "yes"]
    })
    .await;
    assert_eq!(
        requests_to("PATCH /api/accounts/bob"),
        vec![json!({"active": true, "role": null})]
    );
    assert!(!page.visible(".form-error"), "the old refusal is gone");

    assert_eq!(page.input("#hours").value(), "168");
    stub_api(&[
        ("POST /api/invites", 201, created),
        ("GET /api/invites", 200, listed),
    ]);
    page.one(".invite-form button[type=submit]").click();
    wait_until("the new link", || !page.all(".invite-url").is_empty()).await;
    assert_eq!(
        page.input(".invite-url").value(),
        "https://chat.example/join/c0de"
    );
    assert_eq!(
        requests_to("POST /api/invites"),
        vec![json!({"expires_in_hours": 168, "max_uses": null})]
    );
    wait_until("the invite list", || page.all("tr.invite").len() == 1).await;
    assert_eq!(page.text("tr.invite .state"), "active");

    // Revoking: a refusal shows above the list, which stays; then the list again.
    stub_api(&[(
        "DELETE /api/invites/i1",
        404,
        r#"{"error":"no such invite"}"#,
    )]);
    page.click("tr.invite .revoke");
    wait_until("the refusal", || {
        page.all(".form-error")
            .iter()
            .any(|e| e.text_content().unwrap() == "no such invite")
    })
    .await;
    assert_eq!(page.all("tr.invite").len(), 1);
    let revoked = listed.replace(r#""revoked":false"#, r#""revoked":true"#);
    stub_api(&[
        ("DELETE /api/invites/i1", 204, ""),
        ("GET /api/invites", 200, &revoked),
    ]);
    page.click("tr.invite .revoke");
    wait_until("revoked", || page.text("tr.invite .state") == "revoked").await;
    assert_eq!(requests_to("DELETE /api/invites/i1").len(), 1);

    page.click(".copy");
    wait_until("copied or selected", || {
        !page.text(".created-invite .hint").is_empty()
    })
    .await;
}

#[wasm_bindgen_test]
async fn the_admin_page_creates_bots_shows_each_token_once_rotates_and_revokes() {
    let bot = |has_token: bool| {
        json!([{"id": 7, "username": "helper", "display_name": "helper",
            "webhook_url": "https://bots.example/h", "active": true, "has_token": has_token,
            "created_at": 1_700_000_000_000u64}])
        .to_string()
    };
    let (with_token, without_token) = (bot(true), bot(false));
    stub_api(&[
        ("GET /api/accounts", 200, "[]"),
        ("GET /api/invites", 200, "[]"),
        ("GET /api/bots", 200, "[]"),
        ("GET /api/bans", 200, "[]"),
        ("GET /api/audit", 200, "[]"),
    ]);
    let page = mount_at(
        "/admin",
        Identity::SignedIn(account("ann", "Ann", Role::Admin)),
        Some(status(false, true)),
    );
    settle().await;
    // Checked before sending: a webhook must be http(s).
    page.type_into("#bot_username", "helper");
    page.type_into("#webhook_url", "ftp://bots.example/h");
    page.click(".bot-form button[type=submit]");
    wait_until("the field error", || page.visible("#webhook_url-error")).await;
    assert!(requests_to("POST /api/bots").is_empty());

    stub_api(&[
        (
            "POST /api/bots",
            201,
            r#"{"id":7,"username":"helper","token":"tok-1"}"#,
        ),
        ("GET /api/bots", 200, &with_token),
    ]);
    page.type_into("#webhook_url", "https://bots.example/h");
    page.click(".bot-form button[type=submit]");
    wait_until("the token", || !page.all("input.bot-token").is_empty()).await;
    assert_eq!(page.input("input.bot-token").value(), "tok-1");
    assert_eq!(
        requests_to("POST /api/bots"),
        vec![json!({"username": "helper", "webhook_url": "https://bots.example/h"})]
    );
    wait_until("the list", || page.all("tr.bot").len() == 1).await;
    assert_eq!(page.text("tr.bot .token-state"), "active");
    assert_eq!(page.text("tr.bot .badge"), "bot");
    assert_eq!(
        page.input("#bot_username").value(),
        "",
        "the form is cleared"
    );

    stub_api(&[
        (
            "POST /api/bots/7/token",
            201,
            r#"{"id":7,"username":"helper","token":"tok-2"}"#,
        ),
        ("GET /api/bots", 200, &with_token),
    ]);
    page.click("tr.bot .rotate");
    wait_until("the new token", || {
        page.input("input.bot-token").value() == "tok-2"
    })
    .await;

    stub_api(&[
        ("DELETE /api/bots/7/token", 204, ""),
        ("GET /api/bots", 200, &without_token),
    ]);
    page.click("tr.bot .revoke");
    wait_until("revoked", || page.text("tr.bot .token-state") == "revoked").await;
    assert!(
        page.all("input.bot-token").is_empty(),
        "a revoked token is not shown"
    );
    assert!(page.one("tr.bot .revoke").has_attribute("disabled"));
    assert_eq!(requests_to("DELETE /api/bots/7/token").len(), 1);
}

#[wasm_bindgen_test]
async fn only_admins_see_the_admin_page() {
    stub_api(&[]);
    let page = mount_at(
        "/admin",
        Identity::SignedIn(account("bob", "Bob", Role::Member)),
        Some(status(false, true)),
    );
    settle().await;
    assert_eq!(page.text(".refusal"), "Only admins can see this page.");
    assert!(page.all("table").is_empty());
    assert!(page.all(".content a[href='/signin']").is_empty());

    page.session.identity.set(Identity::Guest);
    settle().await;
    assert_eq!(page.text(".refusal"), "Only admins can see this page.");
    assert_eq!(page.text(".content a[href='/signin']"), "Sign in");
    assert!(requests().is_empty(), "nothing asked of the server");
}

#[wasm_bindgen_test]
async fn an_unknown_path_says_so_and_links_home() {
    let page = mount_at("/no/such/page", Identity::Guest, None);
    settle().await;
    assert_eq!(page.text(".content h2"), "Page not found");
    assert_eq!(
        page.one(".content a").get_attribute("href").as_deref(),
        Some("/")
    );
}

#[wasm_bindgen_test]
async fn the_session_loads_who_is_signed_in() {
    let ann = account("ann", "Ann", Role::Member);
    let me = serde_json::to_string(&ann).unwrap();
    let status_body = serde_json::to_string(&status(false, false)).unwrap();
    stub_api(&[
        ("GET /api/status", 200, &status_body),
        ("GET /api/me", 200, &me),
    ]);
    let session = Session::new(Identity::Loading, None);
    session.load();
    wait_until("loaded", || {
        session.identity.get_untracked() != Identity::Loading
            && session.status.with_untracked(Option::is_some)
    })
    .await;
    assert_eq!(session.identity.get_untracked(), Identity::SignedIn(ann));
    assert_eq!(session.status.get_untracked(), Some(status(false, false)));

    stub_api(&[
        ("GET /api/status", 200, &status_body),
        ("GET /api/me", 401, r#"{"error":"not signed in"}"#),
    ]);
    let session = Session::new(Identity::Loading, None);
    session.load();
    wait_until("loaded", || {
        session.identity.get_untracked() != Identity::Loading
    })
    .await;
    assert_eq!(session.identity.get_untracked(), Identity::Guest);
    unstub_api();
}

#[wasm_bindgen_test]
async fn signing_out_of_an_ended_session_shows_the_guest() {
    let status_body = serde_json::to_string(&status(false, true)).unwrap();
    stub_api(&[
        ("DELETE /api/session", 401, r#"{"error":"not signed in"}"#),
        ("GET /api/me", 401, r#"{"error":"not signed in"}"#),
        ("GET /api/status", 200, &status_body),
    ]);
    let page = mount_at(
        "/",
        Identity::SignedIn(account("ann", "Ann", Role::Member)),
        Some(status(false, true)),
    );
    settle().await;
    page.click(".sign-out");
    wait_until("a guest", || {
        page.session.identity.get_untracked() == Identity::Guest
    })
    .await;
    settle().await;
    assert_eq!(page.text(".who .name"), "Guest");
    assert_eq!(page.text(".sign-out-error"), "not signed in");
}
