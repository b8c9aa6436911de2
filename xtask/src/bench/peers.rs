//! `cargo xtask bench peers`: h2chat against nginx + nchan serving the same wire shape
//! (`bench/nchan.conf`: a raw-stream subscriber at `GET /msgs`, a publisher at
//! `POST /msgs`, HTTP/2 over TLS with h2chat's certificate), under the same two loads from
//! the same load tool: 5 000 browsers, and 20 000 streams multiplexed over 200 connections.
//! The two servers alternate, each run on a fresh process; the table shows medians and
//! their ratios.

use super::harness::{loadgen_at, median, start_server, FIVE_THOUSAND_BROWSERS, RUNS};
use crate::output;
use anyhow::{bail, Context, Result};
use serde_json::Value;
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const NGINX: &str = "/usr/sbin/nginx";
const NCHAN_MODULE: &str = "/usr/lib/nginx/modules/ngx_nchan_module.so";
/// Debian 12's packages, by the file each one installs.
const PACKAGES: [(&str, &str); 2] = [(NGINX, "nginx-light"), (NCHAN_MODULE, "libnginx-mod-nchan")];
const TEMPLATE: &str = include_str!("nchan.conf");

/// 20 000 streams over 200 connections (100 per connection), 5 messages 1 s apart: the short
/// pass's multiplexed row with half as many connections.
const MULTIPLEXED: [&str; 10] = [
    "--clients",
    "20000",
    "--connections",
    "200",
    "--messages",
    "5",
    "--interval-ms",
    "1000",
    "--connect-concurrency",
    "128",
];

/// nginx in the foreground with `bench/nchan.conf`; stopped (SIGTERM: fast shutdown) when
/// dropped.
struct Nginx {
    child: Child,
    url: String,
    workers: Vec<u32>,
}

impl Nginx {
    fn start(scratch: &Path, certs: &Path, n: usize) -> Result<Self> {
        let dir = scratch.join(format!("nginx-{n}"));
        std::fs::create_dir_all(&dir)?;
        let port = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?
            .local_addr()?
            .port();
        let workers = std::thread::available_parallelism().map_or(2, |n| n.get());
        let conf = dir.join("nginx.conf");
        std::fs::write(&conf, config(&dir, port, certs, workers)?)?;
        let error_log = dir.join("error.log");
        let child = Command::new(NGINX)
            .arg("-p")
            .arg(&dir)
            .arg("-c")
            .arg(&conf)
            .arg("-e")
            .arg(&error_log)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .context("starting nginx")?;
        let mut nginx = Self {
            child,
            url: format!("https://127.0.0.1:{port}"),
            workers: Vec::new(),
        };
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(status) = nginx.child.try_wait()? {
                let log = std::fs::read_to_string(&error_log).unwrap_or_default();
                bail!("nginx exited ({status}):\n{log}");
            }
            nginx.workers = children_of(nginx.child.id());
            if nginx.workers.len() == workers && TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return Ok(nginx);
            }
            if Instant::now() > deadline {
                bail!("nginx did not start its {workers} workers on port {port} in 10 s");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let _ = self.child.wait();
    }
}

/// The template with this run's folder, port, certificate, worker count and user.
fn config(dir: &Path, port: u16, certs: &Path, workers: usize) -> Result<String> {
    let (cert, key) = (certs.join("cert.pem"), certs.join("key.pem"));
    if !cert.is_file() || !key.is_file() {
        bail!("no certificate in {} yet", certs.display());
    }
    // As root, nginx would run its workers as nobody; keep them as the user who started it.
    let user = match output(Command::new("id").arg("-u"))
        .as_deref()
        .map(str::trim)
    {
        Some("0") => "user root root;",
        _ => "# Not started as root: the workers run as the same user.",
    };
    Ok(TEMPLATE
        .replace("{{DIR}}", &dir.display().to_string())
        .replace("{{PORT}}", &port.to_string())
        .replace("{{CERT}}", &cert.display().to_string())
        .replace("{{KEY}}", &key.display().to_string())
        .replace("{{WORKERS}}", &workers.to_string())
        .replace("{{USER}}", user))
}

/// Ids of the processes whose parent is `pid` (nginx's workers), from /proc.
fn children_of(pid: u32) -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|child| {
            std::fs::read_to_string(format!("/proc/{child}/stat"))
                .ok()
                .and_then(|stat| {
                    // The parent's id is the second field after the parenthesised name.
                    let ppid = stat.rsplit_once(')')?.1.split_whitespace().nth(1)?;
                    ppid.parse::<u32>().ok()
                })
                == Some(pid)
        })
        .collect()
}

/// `loadgen fanout --json` against `url`, reading the CPU and memory of `pids`.
fn fanout(root: &Path, certs: &Path, url: &str, pids: &[u32], args: &[&str]) -> Result<Value> {
    loadgen_at(root, "fanout", &[url], pids, certs, args)
}

fn num(report: &Value, pointer: &str) -> f64 {
    report
        .pointer(pointer)
        .and_then(Value::as_f64)
        .unwrap_or(f64::NAN)
}

/// The medians one server's reports give for one load.
struct Medians {
    p50: f64,
    p99: f64,
    post_p99: f64,
    delivered: f64,
    expected: f64,
    server_us: f64,
    loadgen_us: f64,
    rss_kib: f64,
}

impl Medians {
    fn of(reports: &[Value]) -> Self {
        let pick = |f: &dyn Fn(&Value) -> f64| median(reports.iter().map(f).collect());
        // CPU while posting (first post to last delivery), per message delivered.
        let per_delivery = |pointer: &'static str| {
            move |r: &Value| num(r, pointer) / num(r, "/delivered").max(1.0) * 1e6
        };
        Self {
            p50: pick(&|r| num(r, "/fanout/p50_ms")),
            p99: pick(&|r| num(r, "/fanout/p99_ms")),
            post_p99: pick(&|r| num(r, "/post/p99_ms")),
            delivered: pick(&|r| num(r, "/delivered")),
            expected: pick(&|r| num(r, "/expected")),
            server_us: pick(&per_delivery("/server_cpu_seconds_posting")),
            loadgen_us: pick(&per_delivery("/loadgen_cpu_seconds_posting")),
            rss_kib: pick(&|r| num(r, "/server_rss_per_client_bytes") / 1024.0),
        }
    }

    fn row(&self, load: &str, server: &str) -> String {
        format!(
            "| {load} | {server} | {:.1} | {:.1} | {:.1} | {:.0}/{:.0} | {:.1} | {:.1} | {:.1} |",
            self.p50,
            self.p99,
            self.post_p99,
            self.delivered,
            self.expected,
            self.server_us,
            self.rss_kib,
            self.loadgen_us,
        )
    }

    fn ratio_row(&self, other: &Self) -> String {
        let r = |a: f64, b: f64| format!("{:.2}×", a / b);
        format!(
            "| | h2chat / nchan | {} | {} | {} | | {} | {} | {} |",
            r(self.p50, other.p50),
            r(self.p99, other.p99),
            r(self.post_p99, other.post_p99),
            r(self.server_us, other.server_us),
            r(self.rss_kib, other.rss_kib),
            r(self.loadgen_us, other.loadgen_us),
        )
    }
}

/// Installs nginx-light and the nchan module with apt-get if either is missing.
fn ensure_nchan() -> Result<()> {
    crate::tools::install_missing(&PACKAGES)
}

pub fn run(root: &Path, scratch: &Path) -> Result<()> {
    ensure_nchan()?;
    let certs: PathBuf = scratch.join("certs");
    let loads: [(&str, &[&str]); 2] = [
        (
            "5 000 browsers, 20 msgs 50 ms apart",
            &FIVE_THOUSAND_BROWSERS,
        ),
        (
            "20 000 streams over 200 connections, 5 msgs 1 s apart",
            &MULTIPLEXED,
        ),
    ];
    let mut rows = Vec::new();
    let mut nginx_runs = 0;
    for (load, args) in loads {
        let (mut ours, mut theirs) = (Vec::new(), Vec::new());
        for run_no in 0..RUNS {
            // Alternate, each on a fresh process, so drift on this shared machine hits both.
            // h2chat first: its first start writes the certificate nginx then uses.
            let server = start_server(root, ":memory:", &certs)?;
            ours.push(fanout(root, &certs, server.url(), &[server.pid()], args)?);
            drop(server);

            nginx_runs += 1;
            let nginx = Nginx::start(scratch, &certs, nginx_runs)?;
            let mut raw = vec!["--wire", "raw"];
            raw.extend(args);
            theirs.push(fanout(root, &certs, &nginx.url, &nginx.workers, &raw)?);
            drop(nginx);
            println!(
                "xtask: {load}: run {} of {RUNS}: fan-out p99 h2chat {:.1} ms, nchan {:.1} ms",
                run_no + 1,
                num(&ours[run_no], "/fanout/p99_ms"),
                num(&theirs[run_no], "/fanout/p99_ms"),
            );
        }
        let (ours, theirs) = (Medians::of(&ours), Medians::of(&theirs));
        rows.push(ours.row(load, "h2chat"));
        rows.push(theirs.row("", "nginx + nchan"));
        rows.push(ours.ratio_row(&theirs));
    }
    println!(
        "\n| load | server | fan-out p50 (ms) | fan-out p99 (ms) | post p99 (ms) | delivered | \
         server CPU per delivery (µs) | server RSS per client (KiB) | load tool CPU per delivery (µs) |"
    );
    println!("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    for row in rows {
        println!("{row}");
    }
    let version = Command::new(NGINX).arg("-v").output().ok();
    let version = version.map_or(String::new(), |o| {
        String::from_utf8_lossy(&o.stderr).trim().to_owned()
    });
    println!(
        "\n(medians of {RUNS} runs each, alternating, each on a fresh server process; {version}, \
         nchan http-raw-stream; CPU per delivery is over the posting window, first post to \
         last delivery; nginx's CPU and memory are its {} workers')",
        std::thread::available_parallelism().map_or(2, |n| n.get())
    );
    Ok(())
}
