//! The README's local-cluster walk-through, run as written: the commands between its
//! `<!-- walkthrough -->` markers, each as its own process of the `zk402` binary (in place of
//! `cargo run -q -p zk402-cli --`), in a fresh directory, servers in the background until they
//! say they are ready. Then Ctrl-C stops every server cleanly, and a restart in the same
//! directory says plainly that the ledger was not kept.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const LAUNCHER: &str = "cargo run -q -p zk402-cli -- ";
const READY_WITHIN: Duration = Duration::from_secs(120);

/// The walk-through's commands, without the launcher.
fn readme_commands() -> Vec<Vec<String>> {
    let readme = include_str!("../../../README.md");
    let (_, rest) = readme.split_once("<!-- walkthrough -->").expect("the README has the walk-through");
    let (block, _) = rest.split_once("<!-- /walkthrough -->").expect("the walk-through ends");
    block
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#') && !line.starts_with("```"))
        .map(|line| {
            let command = line.strip_prefix(LAUNCHER).unwrap_or_else(|| panic!("{line:?} does not run zk402"));
            assert!(!command.contains(['"', '\'', '$', '|', '&']), "{line:?} needs a shell");
            command.split_whitespace().map(str::to_owned).collect()
        })
        .collect()
}

/// A background server; killed if the test fails before it is stopped.
struct Server {
    name: String,
    child: Child,
    output: Arc<Mutex<Vec<String>>>,
    lines: Receiver<String>,
}

impl Server {
    fn start(dir: &Path, args: &[String]) -> Server {
        let mut child = zk402(dir, args).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("spawn zk402");
        let (sender, lines) = channel();
        let output = Arc::new(Mutex::new(Vec::new()));
        for stream in [
            child.stdout.take().map(|s| Box::new(s) as Box<dyn std::io::Read + Send>),
            child.stderr.take().map(|s| Box::new(s) as _),
        ]
        .into_iter()
        .flatten()
        {
            let (sender, output) = (sender.clone(), output.clone());
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines().map_while(Result::ok) {
                    output.lock().unwrap().push(line.clone());
                    let _ = sender.send(line);
                }
            });
        }
        let server = Server { name: args.join(" "), child, output, lines };
        server.wait_for(|line| line.contains("ready") || line.contains("serving"));
        server
    }

    fn wait_for(&self, wanted: impl Fn(&str) -> bool) {
        let deadline = Instant::now() + READY_WITHIN;
        while let Some(left) = deadline.checked_duration_since(Instant::now()) {
            match self.lines.recv_timeout(left) {
                Ok(line) if wanted(&line) => return,
                Ok(_) => {}
                Err(_) => break,
            }
        }
        panic!("`zk402 {}` did not get ready: {:?}", self.name, self.output());
    }

    fn output(&self) -> Vec<String> {
        self.output.lock().unwrap().clone()
    }

    /// Ctrl-C, then the exit status within 10 s.
    fn interrupt(mut self) -> Vec<String> {
        let status = Command::new("kill").args(["-INT", &self.child.id().to_string()]).status().expect("kill");
        assert!(status.success());
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                assert!(status.success(), "`zk402 {}` after Ctrl-C: {status}: {:?}", self.name, self.output());
                // The reader threads drain what was printed last.
                std::thread::sleep(Duration::from_millis(100));
                return self.output();
            }
            assert!(Instant::now() < deadline, "`zk402 {}` ignored Ctrl-C", self.name);
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn zk402(dir: &Path, args: &[String]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_zk402"));
    command.args(args).current_dir(dir).env("RUST_LOG", "error");
    command
}

fn is_server(args: &[String]) -> bool {
    args.first().is_some_and(|a| a == "localnet") || args.get(1).is_some_and(|a| a == "serve")
}

#[test]
fn the_readme_walkthrough_runs_every_role_as_its_own_process_against_localnet() {
    let dir = tempfile::tempdir().unwrap();
    let commands = readme_commands();
    assert!(commands.len() >= 7, "{commands:?}");
    let mut servers = Vec::new();
    let mut printed = Vec::new();
    for args in &commands {
        if is_server(args) {
            servers.push(Server::start(dir.path(), args));
            continue;
        }
        let output = zk402(dir.path(), args).output().expect("run zk402");
        let text = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
        assert!(output.status.success(), "`zk402 {}` failed: {text}", args.join(" "));
        printed.push(text);
    }
    let printed = printed.join("\n");
    for wanted in ["policy ", "receipt stored", "HTTP 200", "paid content", "2 credit(s) left in all"] {
        assert!(printed.contains(wanted), "the walk-through printed no {wanted:?}: {printed}");
    }

    // Ctrl-C stops the servers cleanly, last started first.
    let mut localnet_output = Vec::new();
    while let Some(server) = servers.pop() {
        let output = server.interrupt();
        if servers.is_empty() {
            localnet_output = output;
        }
    }
    assert!(localnet_output.iter().any(|l| l.contains("localnet stopped")), "{localnet_output:?}");

    // A restart in the same directory: a new ledger, said plainly; keys kept, old wallet gone.
    let cluster_dir = dir.path().join("localnet");
    let merchant_key = std::fs::read(cluster_dir.join("merchant.json")).unwrap();
    assert!(cluster_dir.join("wallet.json").exists());
    let restarted = Server::start(dir.path(), &commands[0]);
    let said = restarted.interrupt().join("\n");
    assert!(said.contains("its ledger was not kept"), "{said}");
    assert_eq!(std::fs::read(cluster_dir.join("merchant.json")).unwrap(), merchant_key, "keypairs are kept");
    assert!(!cluster_dir.join("wallet.json").exists(), "the old ledger's wallet is removed");
}
