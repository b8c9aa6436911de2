//! A bot's webhook receiver for the tests: plain HTTP/1.1 on 127.0.0.1 port 0 that records
//! every request and answers by path:
//!
//! - `/hook`: 200 `{"text": "pong"}`; `/quiet`: 200 `ok` as text (no reply)
//! - `/slow`: answers after 3 s; `/fail`: 500; `/refuse`: 403
//! - `/elsewhere`: 307 to `/hook` on `localhost` (another host than `127.0.0.1`)
//! - `/same`: 307 to `/moved` on this origin; `/moved`: 200 `{"text": "moved here"}`

use parking_lot::Mutex;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

/// One request as it arrived.
#[derive(Debug, Clone)]
pub struct Received {
    pub path: String,
    /// Lowercase names.
    pub headers: HashMap<String, String>,
    pub body: Vec<u8>,
}

pub struct Receiver {
    pub port: u16,
    log: Arc<Mutex<Vec<Received>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Receiver {
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let log = Arc::new(Mutex::new(Vec::new()));
        let shared = log.clone();
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(serve(stream, port, shared.clone()));
            }
        });
        Self { port, log, task }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// The requests to `path` so far.
    pub fn hits(&self, path: &str) -> Vec<Received> {
        self.log
            .lock()
            .iter()
            .filter(|r| r.path == path)
            .cloned()
            .collect()
    }

    /// Waits (at most `within`) until `path` got `n` requests; returns them.
    pub async fn wait_hits(&self, path: &str, n: usize, within: Duration) -> Vec<Received> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let hits = self.hits(path);
            if hits.len() >= n {
                return hits;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "{path} got {} requests, not {n}",
                hits.len()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

async fn serve(stream: TcpStream, port: u16, log: Arc<Mutex<Vec<Received>>>) {
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    if reader.read_line(&mut line).await.unwrap_or(0) == 0 {
        return;
    }
    let path = line.split_whitespace().nth(1).unwrap_or("").to_owned();
    let mut headers = HashMap::new();
    loop {
        line.clear();
        if reader.read_line(&mut line).await.unwrap_or(0) == 0 {
            return;
        }
        let Some((name, value)) = line.trim_end().split_once(':') else {
            break;
        };
        headers.insert(name.trim().to_lowercase(), value.trim().to_owned());
    }
    let length = headers
        .get("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; length];
    if reader.read_exact(&mut body).await.is_err() {
        return;
    }
    log.lock().push(Received {
        path: path.clone(),
        headers,
        body,
    });
    let json = "application/json";
    let (status, kind, answer, location) = match path.as_str() {
        "/hook" => ("200 OK", json, r#"{"text":"pong"}"#.to_owned(), None),
        "/quiet" => ("200 OK", "text/plain", "ok".to_owned(), None),
        "/slow" => {
            tokio::time::sleep(Duration::from_secs(3)).await;
            ("200 OK", json, r#"{"text":"too late"}"#.to_owned(), None)
        }
        "/fail" => (
            "500 Internal Server Error",
            "text/plain",
            String::new(),
            None,
        ),
        "/refuse" => ("403 Forbidden", "text/plain", String::new(), None),
        "/elsewhere" => (
            "307 Temporary Redirect",
            "text/plain",
            String::new(),
            Some(format!("http://localhost:{port}/hook")),
        ),
        "/same" => (
            "307 Temporary Redirect",
            "text/plain",
            String::new(),
            Some(format!("http://127.0.0.1:{port}/moved")),
        ),
        "/moved" => ("200 OK", json, r#"{"text":"moved here"}"#.to_owned(), None),
        _ => ("404 Not Found", "text/plain", String::new(), None),
    };
    let location = location.map_or_else(String::new, |l| format!("location: {l}\r\n"));
    let response = format!(
        "HTTP/1.1 {status}\r\ncontent-type: {kind}\r\ncontent-length: {}\r\n{location}connection: close\r\n\r\n{answer}",
        answer.len()
    );
    let mut stream = reader.into_inner();
    let _ = stream.write_all(response.as_bytes()).await;
    let _ = stream.shutdown().await;
}
