//! The README's local-cluster walk-through, run as written: the commands between its
//! `<!-- walkthrough -->` markers, each as its own process — the `zk402` binary in place of
//! `cargo run -q -p zk402-cli --`, `node` for the x402 SDK example — in a fresh directory (with
//! the repository's `examples` linked in), servers in the background until they say they are
//! ready. `npm ci` lines are checked as done (scripts/test.sh runs them). Then Ctrl-C stops every
//! server cleanly, and a restart in the same directory says plainly that the ledger was not kept.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const LAUNCHER: &str = "cargo run -q -p zk402-cli -- ";
const READY_WITHIN: Duration = Duration::from_secs(120);

/// One line of the walk-through.
#[derive(Debug)]
enum Step {
    /// `zk402` with these arguments.
    Zk402(Vec<String>),
    /// `node` with these arguments.
    Node(Vec<String>),
    /// An `npm ci --prefix DIR` that must have run.
    Installed(String),
}

fn words(command: &str) -> Vec<String> {
    assert!(!command.contains(['"', '\'', '$', '|', '&']), "{command:?} needs a shell");
    command.split_whitespace().map(str::to_owned).collect()
}

/// The walk-through's commands.
fn readme_steps() -> Vec<Step> {
    let readme = include_str!("../../../README.md");
    let (_, rest) = readme.split_once("<!-- walkthrough -->").expect("the README has the walk-through");
    let (block, _) = rest.split_once("<!-- /walkthrough -->").expect("the walk-through ends");
    block
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#') && !line.starts_with("```"))
        .map(|line| {
            if let Some(command) = line.strip_prefix(LAUNCHER) {
                Step::Zk402(words(command))
            } else if let Some(command) = line.strip_prefix("node ") {
                Step::Node(words(command))
            } else if let Some(dir) = line.strip_prefix("npm ci --prefix ") {
                Step::Installed(dir.to_owned())
            } else {
                panic!("{line:?}: the walk-through runs zk402, node and npm ci only")
            }
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
    fn start(mut command: Command, name: String) -> Server {
        let mut child = command.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("spawn zk402");
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
        let server = Server { name, child, output, lines };
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
        panic!("`{}` did not get ready: {:?}", self.name, self.output());
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
                assert!(status.success(), "`{}` after Ctrl-C: {status}: {:?}", self.name, self.output());
                // The reader threads drain what was printed last.
                std::thread::sleep(Duration::from_millis(100));
                return self.output();
            }
            assert!(Instant::now() < deadline, "`{}` ignored Ctrl-C", self.name);
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

fn repository() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().expect("the repository")
}

#[test]
fn the_readme_walkthrough_runs_every_role_as_its_own_process_against_localnet() {
    // A directory name TOML must escape: the written configuration quotes every path.
    let dir = tempfile::Builder::new().prefix("zk402 \"walk\\through\" ").tempdir().unwrap();
    std::os::unix::fs::symlink(repository().join("examples"), dir.path().join("examples")).unwrap();
    let steps = readme_steps();
    assert!(steps.len() >= 10, "{steps:?}");
    let mut servers = Vec::new();
    let mut printed = Vec::new();
    for step in &steps {
        match step {
            Step::Installed(prefix) => assert!(
                repository().join(prefix).join("node_modules").is_dir(),
                "run `npm ci --prefix {prefix}` first (scripts/test.sh does)"
            ),
            Step::Node(args) => {
                let mut node = Command::new("node");
                node.args(args).current_dir(dir.path()).env("RUST_LOG", "error");
                servers.push(Server::start(node, format!("node {}", args.join(" "))));
            }
            Step::Zk402(args) if is_server(args) => {
                servers.push(Server::start(zk402(dir.path(), args), format!("zk402 {}", args.join(" "))));
            }
            Step::Zk402(args) => {
                let output = zk402(dir.path(), args).output().expect("run zk402");
                let text =
                    format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
                assert!(output.status.success(), "`zk402 {}` failed: {text}", args.join(" "));
                printed.push(text);
            }
        }
    }
    let printed = printed.join("\n");
    for wanted in ["policy ", "receipt stored", "HTTP 200", "paid content", "2 credit(s) left in all", "sunny"] {
        assert!(printed.contains(wanted), "the walk-through printed no {wanted:?}: {printed}");
    }

    // A second localnet in the running one's directory is refused before it touches a file.
    let Step::Zk402(localnet) = &steps[0] else { panic!("the walk-through starts with localnet") };
    let cluster_dir = dir.path().join("localnet");
    let second = [localnet.clone(), vec!["--rpc-bind".into(), "127.0.0.1:0".into()]].concat();
    let refused = zk402(dir.path(), &second).output().expect("run zk402");
    let said = String::from_utf8_lossy(&refused.stderr);
    assert!(!refused.status.success() && said.contains("another zk402 localnet is running"), "{said}");
    assert!(cluster_dir.join("wallet.json").exists(), "the running cluster's wallet is untouched");

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
    let merchant_key = std::fs::read(cluster_dir.join("merchant.json")).unwrap();
    assert!(cluster_dir.join("wallet.json").exists());
    let restarted = Server::start(zk402(dir.path(), localnet), "zk402 localnet (restart)".into());
    let said = restarted.interrupt().join("\n");
    assert!(said.contains("its ledger was not kept"), "{said}");
    assert_eq!(std::fs::read(cluster_dir.join("merchant.json")).unwrap(), merchant_key, "keypairs are kept");
    assert!(!cluster_dir.join("wallet.json").exists(), "the old ledger's wallet is removed");
}
