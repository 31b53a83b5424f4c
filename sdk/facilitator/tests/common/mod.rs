//! Test support: real `redis-server` and PostgreSQL servers on loopback, killed on drop. A
//! missing binary fails the test with the Debian package to install.

#![allow(dead_code)]

pub mod world;

use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A free loopback port.
fn free_port() -> u16 {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap().local_addr().unwrap().port()
}

fn wait_for_port(port: u16, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(15);
    while TcpStream::connect((Ipv4Addr::LOCALHOST, port)).is_err() {
        assert!(Instant::now() < deadline, "{what} did not start");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A `redis-server` child on a free loopback port, without persistence; killed on drop.
pub struct RedisServer {
    child: Child,
    /// Its port.
    pub port: u16,
}

impl RedisServer {
    /// Starts one; panics naming the package when the binary is not installed.
    pub fn start() -> RedisServer {
        let port = free_port();
        let child = Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
            .stdout(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!("cannot run redis-server ({e}): install it with `apt-get install -y redis-server`")
            });
        let server = RedisServer { child, port };
        wait_for_port(port, "redis-server");
        server
    }

    /// Its URL.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A PostgreSQL cluster in a temporary directory, served on a free loopback port without
/// fsync; stopped on drop. Run as the `postgres` system user when the tests run as root
/// (`initdb` refuses root).
pub struct PostgresServer {
    dir: tempfile::TempDir,
    bin: PathBuf,
    as_postgres: bool,
    /// Its port.
    pub port: u16,
}

impl PostgresServer {
    /// Initializes and starts one; panics naming the package when PostgreSQL is not installed.
    pub fn start() -> PostgresServer {
        let bin = postgres_bin();
        let dir = tempfile::Builder::new().prefix("zk402-pg").tempdir().unwrap();
        let as_postgres = dir.path().metadata().unwrap().uid() == 0;
        if as_postgres {
            run(Command::new("chown").arg("postgres:postgres").arg(dir.path()));
        }
        let server = PostgresServer { dir, bin, as_postgres, port: free_port() };
        let data = server.data();
        run(server.command("initdb").arg("-D").arg(&data).args([
            "-A",
            "trust",
            "-U",
            "postgres",
            "-E",
            "UTF8",
            "--no-sync",
        ]));
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off",
            server.port,
            server.dir.path().display()
        );
        run(server
            .command("pg_ctl")
            .arg("-D")
            .arg(&data)
            .arg("-l")
            .arg(server.dir.path().join("log"))
            .args(["-w", "-t", "30", "-o", &options, "start"]));
        wait_for_port(server.port, "postgres");
        server
    }

    /// A connection string for database `postgres` as user `postgres`, with `extra`
    /// parameters appended.
    pub fn conn_str(&self, extra: &str) -> String {
        format!("host=127.0.0.1 port={} user=postgres dbname=postgres {extra}", self.port)
    }

    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    fn command(&self, program: &str) -> Command {
        let program = self.bin.join(program);
        if self.as_postgres {
            let mut command = Command::new("runuser");
            command.args(["-u", "postgres", "--"]).arg(program);
            command
        } else {
            Command::new(program)
        }
    }
}

impl Drop for PostgresServer {
    fn drop(&mut self) {
        let _ = self.command("pg_ctl").arg("-D").arg(self.data()).args(["-m", "immediate", "-w", "stop"]).output();
    }
}

/// The directory holding `initdb` and `pg_ctl`: on `PATH`, else Debian's
/// `/usr/lib/postgresql/<version>/bin` (newest version).
fn postgres_bin() -> PathBuf {
    let on_path = std::env::var_os("PATH").into_iter().flat_map(|p| std::env::split_paths(&p).collect::<Vec<_>>());
    let mut debian: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .map(|version| version.path().join("bin"))
        .collect();
    debian.sort_by_key(|dir| dir.parent().and_then(Path::file_name).and_then(|v| v.to_str()?.parse::<u32>().ok()));
    on_path
        .chain(debian.into_iter().rev())
        .find(|dir| dir.join("initdb").is_file() && dir.join("pg_ctl").is_file())
        .unwrap_or_else(|| {
            panic!("PostgreSQL's initdb/pg_ctl not found: install them with `apt-get install -y postgresql`")
        })
}

fn run(command: &mut Command) {
    let output = command.output().unwrap_or_else(|e| panic!("cannot run {command:?}: {e}"));
    assert!(
        output.status.success(),
        "{command:?} failed: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}
