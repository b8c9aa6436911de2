//! Unit tests of the hub: resets, degraded status, and the per-transport encodings.

use super::lines::wire_formats;
use super::*;

fn message(id: u64) -> Message {
    Message {
        id,
        user: "u".into(),
        text: format!("m{id}"),
        time: 0,
        ..Default::default()
    }
}

fn hub() -> Arc<Hub> {
    Hub::new(
        Snapshot {
            epoch: "old".into(),
            recent: vec![message(1), message(2)],
            lobby: vec![message(1), message(2)],
            events: Vec::new(),
            last_id: 2,
            last_ids: Default::default(),
        },
        HubConfig {
            history: 10,
            client_queue: 8,
            heartbeat: std::time::Duration::from_secs(15),
            limits: StreamLimits::default(),
            presence: true,
        },
        Arc::new(Metrics::new()),
    )
}

fn since_zero() -> Subscribe {
    Subscribe::Stream(Since::default())
}

fn event(line: &Bytes) -> StreamEvent {
    serde_json::from_slice(line).unwrap()
}

#[test]
fn a_lost_history_ends_delta_streams_and_hands_window_clients_the_new_one() {
    let hub = hub();
    let mut delta = hub
        .subscribe(since_zero(), Scope::Lobby, None, None)
        .unwrap();
    let mut window = hub
        .subscribe(Subscribe::Window, Scope::Lobby, None, None)
        .unwrap();
    delta.rx.try_recv().unwrap(); // hello
    window.rx.try_recv().unwrap(); // first window

    hub.reset(crate::store::Snapshot {
        epoch: "new".into(),
        recent: vec![message(1)],
        lobby: vec![message(1)],
        events: Vec::new(),
        last_id: 1,
        last_ids: Default::default(),
    });
    assert_eq!(
        event(&delta.rx.try_recv().unwrap().line),
        StreamEvent::Bye {
            reason: "history reset".into()
        }
    );
    assert!(
        matches!(
            delta.rx.try_recv(),
            Err(tokio::sync::mpsc::error::TryRecvError::Disconnected)
        ),
        "the delta stream ends"
    );
    let line: common::WindowLine =
        serde_json::from_slice(&window.rx.try_recv().unwrap().line).unwrap();
    assert_eq!(line.msg, vec![message(1)]);
    assert_eq!(hub.client_count(), 1, "the window client stays");

    // A client coming back with the old epoch gets the new history whole.
    let mut back = hub
        .subscribe(
            Subscribe::Stream(Since {
                since: 2,
                epoch: Some("old".into()),
            }),
            Scope::Lobby,
            None,
            None,
        )
        .unwrap();
    match event(&back.rx.try_recv().unwrap().line) {
        StreamEvent::Hello {
            epoch, reset, msgs, ..
        } => {
            assert_eq!(epoch, "new");
            assert!(reset);
            assert_eq!(msgs, vec![message(1)]);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn rooms_take_their_newest_ids_from_the_store_at_start_and_after_a_lost_history() {
    let hub = hub();
    assert_eq!(
        hub.rooms().get(LOBBY).unwrap().last_id,
        2,
        "from the window"
    );
    let snapshot = |last_id: u64, newest: u64| crate::store::Snapshot {
        epoch: "new".into(),
        recent: vec![message(1)],
        lobby: vec![message(1)],
        last_id,
        last_ids: std::collections::HashMap::from([(LOBBY, newest)]),
        ..Default::default()
    };
    hub.reset(snapshot(40, 40));
    assert_eq!(
        hub.rooms().get(LOBBY).unwrap().last_id,
        40,
        "older than the window"
    );
    hub.reset(snapshot(5, 1));
    assert_eq!(hub.rooms().get(LOBBY).unwrap().last_id, 1, "started over");
}

#[test]
fn degraded_state_reaches_open_and_new_delta_streams_only_on_change() {
    let hub = hub();
    let mut open = hub
        .subscribe(since_zero(), Scope::Lobby, None, None)
        .unwrap();
    let mut window = hub
        .subscribe(Subscribe::Window, Scope::Lobby, None, None)
        .unwrap();
    open.rx.try_recv().unwrap();
    window.rx.try_recv().unwrap();

    hub.store_state(Some("down"));
    hub.store_state(Some("down")); // no change, no second line
    assert_eq!(
        event(&open.rx.try_recv().unwrap().line),
        StreamEvent::Status {
            degraded: true,
            reason: "down".into()
        }
    );
    assert!(open.rx.try_recv().is_err());
    assert!(
        window.rx.try_recv().is_err(),
        "window clients get no status"
    );

    let mut late = hub
        .subscribe(since_zero(), Scope::Lobby, None, None)
        .unwrap();
    assert!(matches!(
        event(&late.rx.try_recv().unwrap().line),
        StreamEvent::Hello { .. }
    ));
    assert!(matches!(
        event(&late.rx.try_recv().unwrap().line),
        StreamEvent::Status { degraded: true, .. }
    ));

    hub.store_state(None);
    assert!(matches!(
        event(&open.rx.try_recv().unwrap().line),
        StreamEvent::Status {
            degraded: false,
            ..
        }
    ));
}

#[test]
fn one_event_in_every_format() {
    let lines = wire_formats(Bytes::from_static(b"{\"type\":\"x\"}\n"), Some(7), true);
    assert_eq!(lines.stream.unwrap(), "{\"type\":\"x\"}\n");
    assert_eq!(lines.ws.unwrap(), "{\"type\":\"x\"}");
    assert_eq!(
        lines.sse.unwrap(),
        "retry: 2000\nid: 7\ndata: {\"type\":\"x\"}\n\n"
    );
    assert!(lines.window.is_none());
}
