//! A real `motcua serve` process on a loopback port: started with a database URL, waited for
//! on `/readyz`, measured through `/proc/<pid>/status`, stopped with SIGTERM (graceful).

use anyhow::{Context, anyhow};
use serde::Serialize;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct Server {
    child: Child,
    pub base: String,
}

/// Resident memory of the server process, in KiB.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct Memory {
    /// Peak resident set size (VmHWM).
    pub peak_rss_kib: u64,
    /// Resident set size now (VmRSS).
    pub rss_kib: u64,
}

/// Clock ticks per second of `/proc` times (`getconf CLK_TCK`; 100 on Linux).
fn clock_ticks() -> u32 {
    std::process::Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|t| t.trim().parse().ok())
        .filter(|t| *t > 0)
        .unwrap_or(100)
}

fn free_port() -> anyhow::Result<u16> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    Ok(listener.local_addr()?.port())
}

impl Server {
    pub async fn start(exe: &Path, database_url: &str, log: &Path) -> anyhow::Result<Server> {
        let port = free_port()?;
        let listen = format!("127.0.0.1:{port}");
        let log_file = std::fs::File::create(log)
            .with_context(|| format!("cannot create {}", log.display()))?;
        let child = Command::new(exe)
            .args(["serve", "--listen", &listen])
            .env("DATABASE_URL", database_url)
            .env("MOTCUA_LOG__LEVEL", "warn")
            // VNPay with the bench's own keys, so the bench signs callbacks as the gateway
            // does (checkout builds its address locally; nothing is fetched from it).
            .env(
                "MOTCUA_PAYMENTS__VNPAY_TMN_CODE",
                crate::run::BENCH_VNPAY_TMN,
            )
            .env(
                "MOTCUA_PAYMENTS__VNPAY_HASH_SECRET",
                crate::run::BENCH_VNPAY_SECRET,
            )
            .env(
                "MOTCUA_PAYMENTS__VNPAY_PAY_URL",
                "http://127.0.0.1:9/paymentv2/vpcpay.html",
            )
            .env(
                "MOTCUA_PAYMENTS__VNPAY_API_URL",
                "http://127.0.0.1:9/merchant_webapi/api/transaction",
            )
            // `BENCH_SERVER_RUST_LOG=sqlx::query=debug` shows every statement the server
            // runs (how the per-request statement counts in BENCHMARKS.md were taken).
            .env(
                "RUST_LOG",
                std::env::var("BENCH_SERVER_RUST_LOG").unwrap_or_else(|_| "warn".into()),
            )
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::from(log_file))
            .spawn()
            .with_context(|| format!("cannot start {}", exe.display()))?;
        let mut server = Server {
            child,
            base: format!("http://{listen}"),
        };
        let client = crate::http_client().build()?;
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            if let Some(status) = server.child.try_wait()? {
                return Err(anyhow!(
                    "the server exited during start-up ({status}); see {}",
                    log.display()
                ));
            }
            let ready = client
                .get(format!("{}/readyz", server.base))
                .send()
                .await
                .is_ok_and(|r| r.status().is_success());
            if ready {
                return Ok(server);
            }
            if Instant::now() > deadline {
                server.stop().await;
                return Err(anyhow!("the server did not become ready in 120 s"));
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn memory(&self) -> Memory {
        let status =
            std::fs::read_to_string(format!("/proc/{}/status", self.pid())).unwrap_or_default();
        let field = |name: &str| {
            status
                .lines()
                .find_map(|l| l.strip_prefix(name))
                .and_then(|rest| rest.split_whitespace().next())
                .and_then(|n| n.parse().ok())
                .unwrap_or(0)
        };
        Memory {
            peak_rss_kib: field("VmHWM:"),
            rss_kib: field("VmRSS:"),
        }
    }

    /// CPU time the server process has used so far (user + system, all threads), from
    /// `/proc/<pid>/stat`; `None` where that is not readable. Divided by the requests of a phase
    /// it gives the server's cost per request, which other load on the machine barely changes
    /// (unlike latency).
    pub fn cpu_seconds(&self) -> Option<f64> {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.pid())).ok()?;
        // The command name may hold spaces; the fields after its closing parenthesis do not.
        let rest = stat.rsplit_once(')')?.1;
        let fields: Vec<&str> = rest.split_whitespace().collect();
        // utime and stime are fields 14 and 15 of the whole line (11 and 12 after the name).
        let utime: f64 = fields.get(11)?.parse().ok()?;
        let stime: f64 = fields.get(12)?.parse().ok()?;
        let ticks = f64::from(clock_ticks());
        Some((utime + stime) / ticks)
    }

    /// SIGTERM (the server finishes its requests and its outbox worker), then SIGKILL after 20 s.
    pub async fn stop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.pid().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if matches!(self.child.try_wait(), Ok(Some(_))) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
