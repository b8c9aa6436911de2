//! The backend binary as a child process, for the integration tests, the browser tests and
//! `cargo xtask bench`: one place that starts it, reads the line it announces its address
//! with, and stops it.
//!
//! The backend prints `h2chat is serving https://ADDR/` on stdout once its signal handlers
//! are installed and it accepts connections, so a caller that has read the line may connect
//! and may signal it.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

/// What the backend prints before its URL.
pub const ANNOUNCE: &str = "h2chat is serving ";

/// A running backend process, killed (SIGKILL) when dropped unless it was stopped.
#[derive(Debug)]
pub struct BackendProcess {
    child: Child,
    url: String,
    /// Every line it printed on stdout so far.
    printed: Arc<Mutex<Vec<String>>>,
}

impl BackendProcess {
    /// Spawns `cmd` (the backend binary and its arguments; its stdout is taken over) and
    /// waits up to `within` for the announce line. Fails if the process exits or stays
    /// silent; the process is killed then.
    pub fn start(mut cmd: Command, within: Duration) -> std::io::Result<Self> {
        let mut child = cmd.stdout(Stdio::piped()).spawn()?;
        let stdout = child.stdout.take().ok_or_else(|| other("no stdout"))?;
        let (tx, rx) = mpsc::channel();
        let printed = Arc::new(Mutex::new(Vec::new()));
        // Reads every line, so the backend never blocks on a full pipe; the first announce
        // line is handed over.
        let keep = printed.clone();
        std::thread::spawn(move || {
            let mut tx = Some(tx);
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(url) = line.strip_prefix(ANNOUNCE) {
                    if let Some(tx) = tx.take() {
                        let _ = tx.send(url.trim().trim_end_matches('/').to_owned());
                    }
                }
                if let Ok(mut printed) = keep.lock() {
                    printed.push(line);
                }
            }
        });
        let mut process = Self {
            child,
            url: String::new(),
            printed,
        };
        match rx.recv_timeout(within) {
            Ok(url) => {
                process.url = url;
                Ok(process)
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                let status = process.child.wait()?;
                Err(other(&format!(
                    "the backend exited before serving ({status})"
                )))
            }
            Err(mpsc::RecvTimeoutError::Timeout) => Err(other(&format!(
                "the backend did not announce its address within {within:?}"
            ))),
        }
    }

    /// `https://127.0.0.1:PORT`, without a trailing slash.
    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The first line printed on stdout that contains `needle`, waiting up to `within`.
    pub fn printed_line(&self, needle: &str, within: Duration) -> Option<String> {
        let deadline = Instant::now() + within;
        loop {
            let found = self
                .printed
                .lock()
                .ok()
                .and_then(|lines| lines.iter().find(|l| l.contains(needle)).cloned());
            if found.is_some() || Instant::now() >= deadline {
                return found;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Sends `signal` (`TERM`, `KILL`, `STOP`, …) to the process.
    pub fn signal(&self, signal: &str) -> std::io::Result<()> {
        let status = Command::new("kill")
            .arg(format!("-{signal}"))
            .arg(self.pid().to_string())
            .status()?;
        if status.success() {
            Ok(())
        } else {
            Err(other(&format!("kill -{signal} {} failed", self.pid())))
        }
    }

    /// Waits up to `within` for the process to exit; `None` if it is still running.
    pub fn wait(&mut self, within: Duration) -> std::io::Result<Option<ExitStatus>> {
        let deadline = Instant::now() + within;
        loop {
            if let Some(status) = self.child.try_wait()? {
                return Ok(Some(status));
            }
            if Instant::now() >= deadline {
                return Ok(None);
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// [`BackendProcess::wait`] without blocking the async runtime it is called on.
    pub async fn wait_async(&mut self, within: Duration) -> std::io::Result<Option<ExitStatus>> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            if let Some(status) = self.child.try_wait()? {
                return Ok(Some(status));
            }
            if tokio::time::Instant::now() >= deadline {
                return Ok(None);
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// SIGTERM (the graceful stop), then waits up to `within` for the exit.
    pub fn stop(mut self, within: Duration) -> std::io::Result<ExitStatus> {
        self.signal("TERM")?;
        self.wait(within)?
            .ok_or_else(|| other(&format!("the backend did not stop within {within:?}")))
    }

    /// SIGKILL, and reaps the process.
    pub fn kill(&mut self) -> std::io::Result<ExitStatus> {
        self.child.kill()?;
        self.child.wait()
    }
}

impl Drop for BackendProcess {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

fn other(message: &str) -> std::io::Error {
    std::io::Error::other(message.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sh(script: &str) -> Command {
        let mut cmd = Command::new("sh");
        cmd.args(["-c", script]);
        cmd
    }

    #[test]
    fn reads_the_announce_line_among_others() {
        let mut process = BackendProcess::start(
            sh("echo starting; echo 'h2chat is serving https://127.0.0.1:1234/'; sleep 30"),
            Duration::from_secs(5),
        )
        .unwrap();
        assert_eq!(process.url(), "https://127.0.0.1:1234");
        assert_eq!(
            process.printed_line("starting", Duration::from_secs(1)),
            Some("starting".into())
        );
        assert_eq!(
            process.printed_line("nope", Duration::from_millis(20)),
            None
        );
        assert_eq!(process.wait(Duration::from_millis(50)).unwrap(), None);
        let status = process.stop(Duration::from_secs(5)).unwrap();
        assert!(!status.success(), "sh dies of SIGTERM");
    }

    #[test]
    fn a_process_that_exits_or_stays_silent_is_an_error() {
        let exited = BackendProcess::start(sh("echo nope; exit 3"), Duration::from_secs(5));
        assert!(exited
            .unwrap_err()
            .to_string()
            .contains("exited before serving"));
        let silent = BackendProcess::start(sh("sleep 30"), Duration::from_millis(200));
        assert!(silent.unwrap_err().to_string().contains("did not announce"));
    }
}
