//! The Redis the scale-out tests share. `.ci/run` starts one and passes its URL in
//! `H2CHAT_TEST_REDIS_URL`; otherwise `cargo xtask test` starts a throwaway `redis-server`
//! on a free port itself. Either way it must answer PING, or the run fails: the Redis tests
//! are never skipped.

use anyhow::{bail, Context, Result};
use std::io::{Read, Write};
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const URL_VAR: &str = "H2CHAT_TEST_REDIS_URL";

/// A Redis for the test run; stops the one it started when dropped.
pub struct TestRedis {
    pub url: String,
    child: Option<Child>,
}

impl TestRedis {
    pub fn start_or_use(root: &Path) -> Result<Self> {
        if let Ok(url) = std::env::var(URL_VAR) {
            let addr = url
                .strip_prefix("redis://")
                .map(|rest| rest.trim_end_matches('/'))
                .with_context(|| format!("{URL_VAR}={url:?} is not a redis://host:port URL"))?;
            wait_for_pong(addr, Duration::from_secs(10))
                .with_context(|| format!("the Redis at {URL_VAR}={url} does not answer"))?;
            println!("xtask: using the Redis at {url}");
            return Ok(Self { url, child: None });
        }
        let port = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .and_then(|l| l.local_addr())
            .context("no free port for redis-server")?
            .port();
        let dir = root.join("target/test-redis");
        std::fs::create_dir_all(&dir)
            .with_context(|| format!("cannot create {}", dir.display()))?;
        let child = Command::new("redis-server")
            .args(["--bind", "127.0.0.1", "--port", &port.to_string()])
            .args(["--save", "", "--appendonly", "no"])
            .arg("--dir")
            .arg(&dir)
            .stdout(Stdio::null())
            .stdin(Stdio::null())
            .spawn()
            .context("cannot start redis-server (apt-get install redis-server)")?;
        let mut redis = Self {
            url: format!("redis://127.0.0.1:{port}"),
            child: Some(child),
        };
        let addr = format!("127.0.0.1:{port}");
        if let Err(err) = wait_for_pong(&addr, Duration::from_secs(10)) {
            redis.stop();
            return Err(err.context("redis-server started but does not answer PING"));
        }
        println!("xtask: started redis-server at {}", redis.url);
        Ok(redis)
    }

    fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for TestRedis {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Sends PING until `+PONG` comes back or `within` runs out.
fn wait_for_pong(addr: &str, within: Duration) -> Result<()> {
    let deadline = Instant::now() + within;
    let mut last_error = String::new();
    while Instant::now() < deadline {
        match ping(addr) {
            Ok(()) => return Ok(()),
            Err(err) => last_error = err.to_string(),
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    bail!("no PONG from {addr} within {within:?}: {last_error}")
}

fn ping(addr: &str) -> Result<()> {
    let mut stream = TcpStream::connect(addr)?;
    stream.set_read_timeout(Some(Duration::from_secs(1)))?;
    stream.write_all(b"PING\r\n")?;
    let mut reply = [0u8; 7];
    stream.read_exact(&mut reply)?;
    if &reply != b"+PONG\r\n" {
        bail!("unexpected reply {:?}", String::from_utf8_lossy(&reply));
    }
    Ok(())
}
