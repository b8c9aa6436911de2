//! Durable history: restarts, concurrent posters, kill -9, graceful shutdown, a full disk.

use crate::helpers::*;
use common::{Message, StreamEvent};
use std::collections::{BTreeMap, HashSet};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Every stored message, in id order, read straight from the file.
fn rows(db: &Path) -> Vec<Message> {
    let conn =
        rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .expect("database readable");
    let mut stmt = conn
        .prepare("SELECT id, user, text, time, account, guest FROM messages ORDER BY id")
        .unwrap();
    stmt.query_map([], |r| {
        Ok(Message {
            id: r.get::<_, i64>(0)? as u64,
            user: r.get(1)?,
            text: r.get(2)?,
            time: r.get::<_, i64>(3)? as u64,
            account: r.get(4)?,
            guest: r.get(5)?,
            room: 0,
            ..Default::default()
        })
    })
    .unwrap()
    .collect::<Result<_, _>>()
    .unwrap()
}

fn with_db(db: &Path) -> impl FnOnce(&mut backend::Settings) + '_ {
    move |s| s.db = db.display().to_string()
}

#[tokio::test]
async fn restart_with_the_same_db_keeps_history_ids_and_epoch() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("chat.db");
    let app = spawn_app_with(with_db(&db)).await;
    let mut sent = Vec::new();
    for i in 1..=3 {
        sent.push(app.post("rex", &format!("before restart {i}")).await);
    }
    let epoch = app.hub.epoch().to_owned();
    app.stop().await;

    let app = spawn_app_with(with_db(&db)).await;
    assert_eq!(app.hub.epoch(), epoch, "the epoch lives in the file");
    assert_eq!(app.hub.window(), sent, "history is back");
    let next = app.post("rex", "after restart").await;
    assert_eq!(next.id, 4, "ids continue");
    app.wait_for_window_last(next.id).await;
    let mut stream = app.open_stream(&format!("?since=2&epoch={epoch}")).await;
    match stream.next_event(SOON).await {
        StreamEvent::Hello { reset, msgs, .. } => {
            assert!(!reset, "a position from before the restart is still valid");
            assert_eq!(msgs, vec![sent[2].clone(), next]);
        }
        other => panic!("{other:?}"),
    }
    app.stop().await;
}

#[tokio::test]
async fn concurrent_posters_get_gap_free_ids_and_every_201_is_stored_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("chat.db");
    let app = spawn_app_with(|s| {
        s.db = db.display().to_string();
        s.history = 1000.try_into().unwrap();
    })
    .await;
    let mut watcher = app.open_stream("?since=0").await;
    watcher.next_event(SOON).await;

    let (posters, each) = (16, 25);
    let mut tasks = Vec::new();
    for p in 0..posters {
        let client = app.new_client(|b| b);
        let url = app.url("/msgs");
        tasks.push(tokio::spawn(async move {
            let mut acked = Vec::new();
            for i in 0..each {
                let response = client
                    .post(&url)
                    .json(&serde_json::json!({"user": format!("p{p}"), "text": format!("{p}/{i}")}))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(response.status(), 201);
                acked.push(response.json::<Message>().await.unwrap());
            }
            acked
        }));
    }
    let mut acked = Vec::new();
    for task in tasks {
        acked.extend(task.await.unwrap());
    }
    acked.sort_by_key(|m| m.id);
    let total = (posters * each) as u64;
    assert_eq!(
        ids(&acked),
        (1..=total).collect::<Vec<_>>(),
        "no gap, no reuse"
    );

    // Fan-out order is id order.
    let mut seen = Vec::new();
    while seen.len() < total as usize {
        if let StreamEvent::Msgs { msgs } = watcher.next_non_heartbeat(SOON).await {
            seen.extend(msgs);
        }
    }
    assert_eq!(seen, acked);
    drop(watcher);
    app.stop().await;
    assert_eq!(rows(&db), acked, "every 201 is in the database, in order");
}

/// The backend binary on the database `dir/chat.db`, with a window large enough to resume
/// from anywhere in the test.
fn spawn_backend(dir: &Path) -> BackendProcess {
    let db = dir.join("chat.db").display().to_string();
    spawn_backend_process(dir, &["--history", "5000", "--post-rate", "0", "--db", &db])
}

#[tokio::test]
async fn kill_9_loses_nothing_acknowledged_and_resume_has_no_gap_or_duplicate() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("chat.db");
    let mut child = spawn_backend(dir.path());
    let url = child.url().to_owned();
    let client = client_trusting(dir.path());

    // A streaming client records everything it sees until the server dies.
    let mut stream = LineStream::open(&client, &format!("{url}/msgs?since=0")).await;
    let StreamEvent::Hello { epoch, .. } = stream.next_event(SOON).await else {
        panic!("hello first")
    };
    let received = Arc::new(Mutex::new(Vec::<Message>::new()));
    let reader = {
        let received = received.clone();
        tokio::spawn(async move {
            while let Some(line) = tokio::time::timeout(
                Duration::from_secs(30),
                stream.next_line(Duration::from_secs(30)),
            )
            .await
            .ok()
            .flatten()
            {
                if let Ok(StreamEvent::Msgs { msgs }) = serde_json::from_str(&line) {
                    received.lock().unwrap().extend(msgs);
                }
            }
        })
    };

    // Several posters hammer the server and remember every 201.
    let acked = Arc::new(Mutex::new(Vec::<Message>::new()));
    let mut posters = Vec::new();
    for p in 0..4 {
        let (client, url, acked) = (client.clone(), url.clone(), acked.clone());
        posters.push(tokio::spawn(async move {
            for i in 0.. {
                let sent = client
                    .post(format!("{url}/msgs"))
                    .json(&serde_json::json!({"user": format!("p{p}"), "text": format!("{p}/{i}")}))
                    .send()
                    .await;
                match sent {
                    Ok(r) if r.status() == 201 => match r.json::<Message>().await {
                        Ok(m) => acked.lock().unwrap().push(m),
                        Err(_) => break,
                    },
                    _ => break,
                }
            }
        }));
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    child.kill().unwrap(); // SIGKILL
    for poster in posters {
        poster.await.unwrap();
    }
    reader.await.unwrap();
    let acked = acked.lock().unwrap().clone();
    let before_crash = received.lock().unwrap().clone();
    assert!(acked.len() > 20, "posting ran long enough: {}", acked.len());

    let stored = rows(&db);
    let stored_texts: BTreeMap<&str, usize> = stored.iter().fold(BTreeMap::new(), |mut m, r| {
        *m.entry(r.text.as_str()).or_default() += 1;
        m
    });
    for message in &acked {
        assert_eq!(
            stored_texts.get(message.text.as_str()),
            Some(&1),
            "{message:?} stored once"
        );
        assert!(
            stored.contains(message),
            "{message:?} stored as acknowledged"
        );
    }
    assert_eq!(ids(&stored), (1..=stored.len() as u64).collect::<Vec<_>>());

    // Restart on the same database; the client resumes from the last id it saw.
    let restarted = spawn_backend(dir.path());
    let url = restarted.url();
    let last_seen = before_crash.last().map_or(0, |m| m.id);
    let mut resumed = LineStream::open(
        &client,
        &format!("{url}/msgs?since={last_seen}&epoch={epoch}"),
    )
    .await;
    let StreamEvent::Hello {
        reset,
        msgs,
        epoch: again,
        ..
    } = resumed.next_event(SOON).await
    else {
        panic!("hello first")
    };
    assert_eq!(again, epoch);
    assert!(!reset);
    let mut everything = before_crash.clone();
    everything.extend(msgs);
    assert_eq!(
        everything, stored,
        "before + after the crash = the database: no gap, no duplicate"
    );
    let unique: HashSet<u64> = everything.iter().map(|m| m.id).collect();
    assert_eq!(unique.len(), everything.len());
}

#[tokio::test]
async fn graceful_shutdown_commits_or_refuses_in_flight_posts_and_says_bye() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("chat.db");
    let app = spawn_app_with(with_db(&db)).await;
    let mut stream = app.open_stream("?since=0").await;
    stream.next_event(SOON).await;

    let acked = Arc::new(Mutex::new(Vec::<Message>::new()));
    let mut posters = Vec::new();
    for p in 0..8 {
        let (client, url, acked) = (app.new_client(|b| b), app.url("/msgs"), acked.clone());
        posters.push(tokio::spawn(async move {
            for i in 0..10_000 {
                let sent = client
                    .post(&url)
                    .json(&serde_json::json!({"user": "g", "text": format!("{p}/{i}")}))
                    .send()
                    .await;
                match sent {
                    Ok(r) if r.status() == 201 => {
                        let message = r.json::<Message>().await.unwrap();
                        acked.lock().unwrap().push(message);
                    }
                    Ok(r) => {
                        assert_eq!(r.status(), 503, "refused during shutdown, not broken");
                        break;
                    }
                    Err(_) => break,
                }
            }
        }));
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    app.stop().await;
    for poster in posters {
        poster.await.unwrap();
    }

    // The stream was told, then ended.
    let mut last = None;
    while let Some(line) = stream.next_line(SOON).await {
        last = Some(serde_json::from_str::<StreamEvent>(&line).unwrap());
    }
    assert_eq!(
        last,
        Some(StreamEvent::Bye {
            reason: "shutdown".into()
        })
    );

    let acked = acked.lock().unwrap().clone();
    assert!(!acked.is_empty());
    let stored = rows(&db);
    for message in &acked {
        assert!(
            stored.contains(message),
            "{message:?} acknowledged but not stored"
        );
    }
    // The file closed cleanly: the WAL was checkpointed away.
    let wal = db.with_extension("db-wal");
    assert!(!wal.exists() || std::fs::metadata(&wal).unwrap().len() == 0);
}

#[tokio::test]
async fn a_full_database_answers_503_and_the_server_keeps_serving() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("chat.db");
    let app = spawn_app_with(|s| {
        s.db = db.display().to_string();
        s.db_max_mb = Some(1);
    })
    .await;
    let mut watcher = app.open_stream("?since=0").await;
    watcher.next_event(SOON).await;
    let text = "f".repeat(1990);
    let mut acked = Vec::new();
    let refusal = loop {
        let response = app
            .post_json(
                &serde_json::json!({"user": "full", "text": format!("{} {text}", acked.len())}),
            )
            .await;
        if response.status() != 201 {
            break response;
        }
        acked.push(response.json::<Message>().await.unwrap());
        assert!(acked.len() < 2000, "the 1 MiB cap never hit");
    };
    assert_eq!(refusal.status(), 503);
    let body: serde_json::Value = refusal.json().await.unwrap();
    let error = body["error"].as_str().unwrap();
    assert!(
        error.contains("storage is unavailable") && error.contains("full"),
        "{error}"
    );

    // Every acknowledged message reached the watcher, and nothing else did.
    let mut seen = Vec::new();
    while seen.len() < acked.len() {
        if let StreamEvent::Msgs { msgs } = watcher.next_non_heartbeat(SOON).await {
            seen.extend(msgs);
        }
    }
    assert_eq!(seen, acked);
    let health = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(health.status(), 200);
    drop(watcher);
    app.stop().await;
    assert_eq!(rows(&db), acked);
}
