//! The prover as a separate process (`zk402-prover serve`) on a loopback port, so a suite can
//! kill it with SIGKILL and start it again on the same address.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How to start the prover.
#[derive(Debug, Clone)]
pub struct ProverCommand {
    /// The `zk402-prover` binary.
    pub binary: PathBuf,
    /// Proving key.
    pub zkey: PathBuf,
    /// Circuit wasm.
    pub wasm: PathBuf,
    /// Proving threads.
    pub workers: usize,
    /// Queue depth (beyond it: 503).
    pub queue_depth: usize,
}

/// A running prover process; killed when dropped.
pub struct ProverProcess {
    child: Child,
    /// Where it listens.
    pub addr: SocketAddr,
}

/// A free loopback port (bound once and released).
pub fn free_addr() -> std::io::Result<SocketAddr> {
    std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()
}

impl ProverProcess {
    /// Starts `serve` on `addr` with a rate limit no single suite client reaches (the suites
    /// measure proving capacity and shedding, not the per-client limit).
    pub fn start(command: &ProverCommand, addr: SocketAddr) -> std::io::Result<ProverProcess> {
        let child = Command::new(&command.binary)
            .arg("serve")
            .args(["--bind", &addr.to_string()])
            .arg("--zkey")
            .arg(&command.zkey)
            .arg("--wasm")
            .arg(&command.wasm)
            .args(["--workers", &command.workers.to_string(), "--queue-depth", &command.queue_depth.to_string()])
            .args(["--rate", "1000000", "--burst", "1000000"])
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()?;
        Ok(ProverProcess { child, addr })
    }

    /// Waits until `/health` answers 200; returns how long that took.
    pub async fn wait_ready(&self, limit: Duration) -> Result<Duration, String> {
        let start = Instant::now();
        while start.elapsed() < limit {
            if let Ok((200, _)) = crate::http::get(self.addr, "/health", &[], Duration::from_secs(2)).await {
                return Ok(start.elapsed());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Err(format!("the prover at {} was not ready within {limit:?}", self.addr))
    }

    /// SIGKILL, then reap.
    pub fn kill(&mut self) -> std::io::Result<()> {
        self.child.kill()?;
        self.child.wait().map(|_| ())
    }
}

impl Drop for ProverProcess {
    fn drop(&mut self) {
        let _ = self.kill();
    }
}
