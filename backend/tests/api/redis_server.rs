//! Redis for the scale-out tests. The shared server comes from `H2CHAT_TEST_REDIS_URL`
//! (`.ci/run` and `cargo xtask test` start one); a test that must kill Redis starts a
//! private `redis-server` instead. Either missing is a failure, never a skip.

use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use tempfile::TempDir;

/// The shared Redis every scale-out test uses, each under its own key prefix.
pub fn shared_redis_url() -> String {
    std::env::var("H2CHAT_TEST_REDIS_URL").unwrap_or_else(|_| {
        panic!(
            "H2CHAT_TEST_REDIS_URL is not set: the scale-out tests need a Redis server. \
             Run them with `cargo xtask test` (which starts one), or start redis-server and \
             set H2CHAT_TEST_REDIS_URL=redis://127.0.0.1:PORT"
        )
    })
}

/// A key prefix no other test (or earlier run) uses.
pub fn unique_prefix(test: &str) -> String {
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    format!("h2chat-test:{test}:{}:{nanos}:{n}", std::process::id())
}

/// A private `redis-server` on 127.0.0.1 that persists every write (append-only file,
/// fsync always), so it can be killed and restarted without losing what it accepted.
pub struct RedisServer {
    pub port: u16,
    dir: TempDir,
    child: Option<Child>,
}

impl RedisServer {
    pub fn start() -> Self {
        let port = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let mut server = Self {
            port,
            dir: tempfile::tempdir().expect("temp dir"),
            child: None,
        };
        server.restart();
        server
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    fn binary() -> PathBuf {
        std::env::var_os("H2CHAT_REDIS_SERVER").map_or_else(|| "redis-server".into(), Into::into)
    }

    /// Starts (again) on the same port and data folder; waits until it accepts connections.
    pub fn restart(&mut self) {
        assert!(self.child.is_none(), "already running");
        let child = Command::new(Self::binary())
            .args(["--bind", "127.0.0.1", "--port", &self.port.to_string()])
            .args([
                "--save",
                "",
                "--appendonly",
                "yes",
                "--appendfsync",
                "always",
            ])
            .arg("--dir")
            .arg(self.dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!("cannot start redis-server ({e}): install it (apt-get install redis-server)")
            });
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, self.port));
        while TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_err() {
            assert!(
                Instant::now() < deadline,
                "redis-server did not start listening"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// `kill -9`: no goodbye to the clients, the way a crash or a pulled cable looks.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.kill();
    }
}
