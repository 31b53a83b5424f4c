//! A throw-away `redis-server` on a loopback port for the store-outage suite: no snapshot, no
//! append-only file (`--save '' --appendonly no`), so a kill loses every key, as a cache-only
//! deployment would. Killed with SIGKILL on [`RedisProcess::kill`] and on drop.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running `redis-server`.
pub struct RedisProcess {
    child: Child,
    /// Its loopback address.
    pub addr: SocketAddr,
}

impl RedisProcess {
    /// Starts `binary` on `addr` (loopback, no persistence, working directory `dir`).
    pub fn start(binary: &Path, addr: SocketAddr, dir: &Path) -> std::io::Result<RedisProcess> {
        let child = Command::new(binary)
            .args(["--bind", &addr.ip().to_string(), "--port", &addr.port().to_string()])
            .args(["--save", "", "--appendonly", "no", "--protected-mode", "yes"])
            .arg("--dir")
            .arg(dir)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()?;
        Ok(RedisProcess { child, addr })
    }

    /// Waits until the server answers `PING`; returns how long that took.
    pub async fn wait_ready(&self, limit: Duration) -> Result<Duration, String> {
        let start = Instant::now();
        while start.elapsed() < limit {
            let addr = self.addr;
            if tokio::task::spawn_blocking(move || ping(addr)).await.unwrap_or(false) {
                return Ok(start.elapsed());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Err(format!("redis-server on {} not answering PING after {limit:?}", self.addr))
    }

    /// SIGKILL, then reap.
    pub fn kill(&mut self) -> std::io::Result<()> {
        self.child.kill()?;
        self.child.wait().map(drop)
    }
}

impl Drop for RedisProcess {
    fn drop(&mut self) {
        let _ = self.kill();
    }
}

/// One `PING` over a fresh connection.
fn ping(addr: SocketAddr) -> bool {
    let Ok(mut stream) = TcpStream::connect_timeout(&addr, Duration::from_millis(200)) else { return false };
    let _ = stream.set_read_timeout(Some(Duration::from_millis(500)));
    let mut answer = [0u8; 7];
    stream.write_all(b"PING\r\n").is_ok() && stream.read_exact(&mut answer).is_ok() && &answer == b"+PONG\r\n"
}
