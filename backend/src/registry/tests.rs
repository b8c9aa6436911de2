//! Unit tests of the registry: cuts, transports, owners, per-address counts, rooms.

use super::*;

#[test]
fn full_queue_cuts_only_that_client() {
    let mut registry = Registry::new(2);
    let (slow, mut slow_rx) = registry.register(
        Transport::Stream,
        Bytes::from_static(b"hello\n"),
        None,
        None,
    );
    let (_fast, mut fast_rx) =
        registry.register(Transport::Window, Bytes::from_static(b"w0\n"), None, None);
    assert_eq!(fast_rx.try_recv().unwrap().line, "w0\n");
    let lines = Lines {
        window: Some(Bytes::from_static(b"w\n")),
        stream: Some(Bytes::from_static(b"d\n")),
        ..Lines::default()
    };
    assert_eq!(registry.broadcast(&lines).delivered, 2);
    assert_eq!(fast_rx.try_recv().unwrap().line, "w\n");
    // The slow client's queue (hello + d) is now full.
    let fanout = registry.broadcast(&lines);
    assert_eq!(fanout.cut, vec![slow]);
    assert_eq!(fanout.delivered, 1);
    assert_eq!(registry.len(), 1);
    // It still gets what was queued, then the end of its stream.
    assert_eq!(slow_rx.try_recv().unwrap().line, "hello\n");
    assert_eq!(slow_rx.try_recv().unwrap().line, "d\n");
    assert!(matches!(
        slow_rx.try_recv(),
        Err(mpsc::error::TryRecvError::Disconnected)
    ));
}

#[test]
fn dropped_receivers_are_pruned_on_send() {
    let mut registry = Registry::new(4);
    let (_, rx) = registry.register(Transport::Stream, Bytes::new(), None, None);
    drop(rx);
    let line = Some(Bytes::from_static(b"x\n"));
    let fanout = registry.broadcast(&Lines {
        window: line.clone(),
        stream: line.clone(),
        sse: line.clone(),
        ws: line,
        deferred: false,
    });
    assert_eq!(fanout, Fanout::default());
    assert_eq!(registry.len(), 0);
}

#[test]
fn each_transport_gets_its_own_encoding_and_none_skips() {
    let mut registry = Registry::new(4);
    let (_, mut sse) = registry.register(Transport::Sse, Bytes::new(), None, None);
    let (_, mut ws) = registry.register(Transport::Ws, Bytes::new(), None, None);
    sse.try_recv().unwrap();
    ws.try_recv().unwrap();
    let fanout = registry.broadcast(&Lines {
        sse: Some(Bytes::from_static(b"data: x\n\n")),
        ..Lines::default()
    });
    assert_eq!(fanout.delivered, 1);
    assert_eq!(sse.try_recv().unwrap().line, "data: x\n\n");
    assert!(ws.try_recv().is_err(), "no ws encoding: skipped, not cut");
    assert_eq!(registry.len(), 2);
}

#[test]
fn ending_a_session_ends_only_its_streams_after_a_goodbye() {
    let mut registry = Registry::new(4);
    let owner = |account, session: &str| {
        Some(Owner {
            account,
            session: session.into(),
        })
    };
    let (_, mut a1) = registry.register(Transport::Stream, Bytes::new(), None, owner(1, "a"));
    let (_, mut a2) = registry.register(Transport::Stream, Bytes::new(), None, owner(1, "b"));
    let (_, mut guest) = registry.register(Transport::Stream, Bytes::new(), None, None);
    for rx in [&mut a1, &mut a2, &mut guest] {
        rx.try_recv().unwrap();
    }
    let bye = Lines {
        stream: Some(Bytes::from_static(b"bye\n")),
        ..Lines::default()
    };
    assert_eq!(registry.end_where(&bye, |o| o.session == "a"), 1);
    assert_eq!(a1.try_recv().unwrap().line, "bye\n");
    assert!(matches!(
        a1.try_recv(),
        Err(mpsc::error::TryRecvError::Disconnected)
    ));
    assert_eq!(registry.end_where(&bye, |o| o.account == 1), 1);
    assert_eq!(registry.len(), 1, "the guest stays");
    assert!(guest.try_recv().is_err());
}

#[test]
fn counts_follow_every_way_out() {
    let ip: IpAddr = "10.1.2.3".parse().unwrap();
    let mut registry = Registry::new(2);
    let (a, _rx_a) = registry.register(Transport::Stream, Bytes::new(), Some(ip), None);
    let (_b, rx_b) = registry.register(Transport::Stream, Bytes::new(), Some(ip), None);
    let (_c, _rx_c) = registry.register(Transport::Stream, Bytes::new(), Some(ip), None);
    assert_eq!(registry.streams_from(ip), 3);
    registry.remove(a);
    assert_eq!(registry.streams_from(ip), 2);
    drop(rx_b);
    let line = Bytes::from_static(b"x\n");
    let lines = Lines {
        stream: Some(line),
        ..Lines::default()
    };
    registry.broadcast(&lines); // b is closed, c's queue now full (first + x)
    assert_eq!(registry.streams_from(ip), 1);
    registry.broadcast(&lines); // c is cut
    assert_eq!(registry.streams_from(ip), 0);
    assert_eq!(registry.len(), 0);
}

mod room_tests {
    use super::*;
    use crate::registry::Audience;

    fn owner(account: AccountId) -> Option<Owner> {
        Some(Owner {
            account,
            session: format!("s{account}"),
        })
    }

    fn line(text: &'static str) -> Lines {
        Lines {
            stream: Some(Bytes::from_static(text.as_bytes())),
            ..Lines::default()
        }
    }

    #[test]
    fn a_room_s_message_touches_only_its_readers() {
        let mut registry = Registry::new(8);
        // 50 lobby-only streams, an account reading rooms 7 and 8, one reading room 8.
        let mut lobby: Vec<_> = (0..50)
            .map(|_| {
                registry
                    .register(Transport::Stream, Bytes::new(), None, None)
                    .1
            })
            .collect();
        let (_, mut ann) = registry.register_with(
            Transport::Stream,
            Bytes::new(),
            None,
            owner(1),
            Some(BTreeSet::from([7, 8])),
        );
        let (_, mut bob) = registry.register_with(
            Transport::Stream,
            Bytes::new(),
            None,
            owner(2),
            Some(BTreeSet::from([8])),
        );
        for rx in lobby.iter_mut().chain([&mut ann, &mut bob]) {
            rx.try_recv().unwrap();
        }
        let fanout = registry.broadcast_room(Audience::Restricted(7), &line("seven\n"));
        assert_eq!(fanout.delivered, 1, "one reader, whatever the crowd");
        assert_eq!(ann.try_recv().unwrap().line, "seven\n");
        assert!(bob.try_recv().is_err());
        assert!(lobby.iter_mut().all(|rx| rx.try_recv().is_err()));
        assert_eq!(
            registry
                .broadcast_room(Audience::Restricted(8), &line("eight\n"))
                .delivered,
            2
        );
        assert_eq!(
            registry
                .broadcast_room(Audience::Open, &line("open\n"))
                .delivered,
            2,
            "open rooms reach the streams of every room, not the lobby-only ones"
        );
        assert_eq!(registry.readers_of(8), 2);
    }

    #[test]
    fn revoking_drops_what_is_queued_and_granting_indexes_again() {
        let mut registry = Registry::new(8);
        let (_, mut ann) = registry.register_with(
            Transport::Stream,
            Bytes::new(),
            None,
            owner(1),
            Some(BTreeSet::from([7])),
        );
        ann.try_recv().unwrap();
        registry.broadcast_room(Audience::Restricted(7), &line("queued\n"));
        registry.revoke(1, 7);
        assert!(ann.try_recv().is_err(), "queued before, dropped after");
        assert_eq!(registry.readers_of(7), 0);
        assert_eq!(
            registry
                .broadcast_room(Audience::Restricted(7), &line("later\n"))
                .delivered,
            0
        );
        registry.grant(1, 7);
        registry.broadcast_room(Audience::Restricted(7), &line("back\n"));
        assert_eq!(ann.try_recv().unwrap().line, "back\n");
        // A session that ends drops what is queued of its rooms; open lines and the
        // goodbye still go out.
        registry.broadcast_room(Audience::Restricted(7), &line("secret\n"));
        registry.broadcast_room(Audience::Open, &line("open\n"));
        assert_eq!(registry.end_where(&line("bye\n"), |o| o.account == 1), 1);
        assert_eq!(ann.try_recv().unwrap().line, "open\n");
        assert_eq!(ann.try_recv().unwrap().line, "bye\n");
        assert!(ann.try_recv().is_err());
        let (id, _ann) = registry.register_with(
            Transport::Stream,
            Bytes::new(),
            None,
            owner(1),
            Some(BTreeSet::from([7])),
        );
        registry.remove(id);
        assert_eq!(
            registry.readers_of(7),
            0,
            "a stream that left leaves the index"
        );
    }
}

mod held {
    use super::*;
    use crate::held::{FLUSH_EVERY, HELD_MAX_LINES, HOLD_MAX};
    use std::time::Duration;
    use tokio::time::{advance, Instant};

    fn presence(text: &'static str) -> Lines {
        let line = Some(Bytes::from_static(text.as_bytes()));
        Lines {
            stream: line.clone(),
            sse: line.clone(),
            ws: line,
            deferred: true,
            ..Lines::default()
        }
    }

    fn opened(registry: &mut Registry, transport: Transport) -> (ClientId, Inbox) {
        let (id, mut rx) = registry.register(transport, Bytes::from_static(b"hi\n"), None, None);
        assert_eq!(rx.try_recv().unwrap().line, "hi\n");
        (id, rx)
    }

    #[tokio::test(start_paused = true)]
    async fn a_deferred_line_is_held_without_a_wake_up_then_flushed_once_its_time_is_up() {
        let mut registry = Registry::new(8);
        let (_, mut stream) = opened(&mut registry, Transport::Stream);
        let (_, mut ws) = opened(&mut registry, Transport::Ws);
        assert_eq!(registry.broadcast(&presence("p\n")).delivered, 2);
        assert!(
            stream.try_recv().is_err(),
            "held beside the queue, not in it"
        );
        assert_eq!(
            ws.try_recv().unwrap().line,
            "p\n",
            "a WebSocket holds nothing"
        );

        advance(HOLD_MAX - FLUSH_EVERY - Duration::from_millis(1)).await;
        assert_eq!(
            registry.flush_held(Instant::now()).delivered,
            0,
            "too early"
        );
        assert!(stream.try_recv().is_err());
        advance(Duration::from_millis(1)).await;
        assert_eq!(registry.flush_held(Instant::now()).delivered, 1);
        assert!(stream.try_recv().unwrap().is_flush());
        assert_eq!(stream.take_held(), ["p\n"]);
        assert_eq!(
            registry.flush_held(Instant::now()).delivered,
            0,
            "noted once"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_stream_that_wrote_its_held_lines_gets_no_marker() {
        let mut registry = Registry::new(8);
        let (_, mut stream) = opened(&mut registry, Transport::Sse);
        registry.broadcast(&presence("p\n"));
        registry.broadcast(&Lines {
            sse: Some(Bytes::from_static(b"m\n")),
            ..Lines::default()
        });
        // The stream's body takes the held lines with the message.
        assert_eq!(stream.try_recv().unwrap().line, "m\n");
        assert_eq!(stream.take_held(), ["p\n"]);
        advance(HOLD_MAX).await;
        assert_eq!(registry.flush_held(Instant::now()).delivered, 0);
        assert!(stream.try_recv().is_err());
    }

    #[tokio::test(start_paused = true)]
    async fn too_many_held_lines_wake_the_stream_and_a_stuck_one_is_cut() {
        let mut registry = Registry::new(3);
        let (id, mut stream) = opened(&mut registry, Transport::Stream);
        for _ in 1..HELD_MAX_LINES {
            registry.broadcast(&presence("p\n"));
        }
        assert!(stream.try_recv().is_err(), "under the cap: no wake-up");
        registry.broadcast(&presence("p\n"));
        assert!(stream.try_recv().unwrap().is_flush(), "at the cap: woken");
        // It reads nothing more: every further line is a marker, until its queue is full.
        let mut cut = Vec::new();
        for _ in 0..4 {
            cut.extend(registry.broadcast(&presence("p\n")).cut);
        }
        assert_eq!(cut, [id]);
        assert_eq!(registry.len(), 0);
    }
}
