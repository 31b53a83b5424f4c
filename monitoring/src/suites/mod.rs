//! The load and chaos suites: each is a function that drives real processes on loopback and
//! returns a report [`Section`] with its figures and pass/fail checks. [`run_all`] runs them in
//! order and renders `report.md`. A new suite is one more module with a `run` returning a
//! `Section`, and one line in [`run_all`].

pub mod load_cli;
pub mod merchant;
pub mod prover_kill;
pub mod prover_process;
pub mod recovery;
pub mod redis_process;
pub mod rpc_failover;
pub mod store_outage;
pub mod traffic;

pub use load_cli::LoadFigures;
use prover_process::ProverCommand;
use std::fmt::Write;
use std::path::PathBuf;

/// One suite's part of the report.
#[derive(Debug, Clone)]
pub struct Section {
    title: String,
    body: String,
    /// Every check held.
    pub passed: bool,
}

impl Section {
    /// An empty section that has passed so far.
    pub fn new(title: &str) -> Section {
        Section { title: title.to_owned(), body: String::new(), passed: true }
    }

    /// Adds a line of figures.
    pub fn line(&mut self, text: String) {
        let _ = writeln!(self.body, "- {text}");
    }

    /// Adds verbatim output.
    pub fn block(&mut self, text: &str) {
        let _ = writeln!(self.body, "\n```text\n{text}\n```\n");
    }

    /// Records a check and whether it held.
    pub fn check(&mut self, held: bool, what: String) {
        self.passed &= held;
        let _ = writeln!(self.body, "- **{}** {what}", if held { "PASS" } else { "FAIL" });
    }

    /// A section for a suite that could not run at all.
    pub fn failed(title: &str, error: &str) -> Section {
        let mut section = Section::new(title);
        section.check(false, format!("the suite did not run: {error}"));
        section
    }

    fn render(&self) -> String {
        format!("## {}\n\n{}\n", self.title, self.body)
    }
}

/// How long each suite drives load, the prover to run, and the Redis server for the merchant's
/// store outage.
#[derive(Debug, Clone)]
pub struct SuiteConfig {
    /// How to start the prover.
    pub prover: ProverCommand,
    /// Seconds of each load phase.
    pub seconds: u64,
    /// The `redis-server` binary.
    pub redis_server: PathBuf,
}

/// Runs every suite in order (the load run's capacity sets the later prover rates; the
/// merchant suites run whatever the prover suites found).
pub async fn run_all(config: &SuiteConfig) -> Vec<Section> {
    let mut sections = prover_suites(config).await;
    sections.push(merchant::guarded(store_outage::TITLE, store_outage::run(config.redis_server.clone())).await);
    sections.push(merchant::guarded(rpc_failover::TITLE, rpc_failover::run()).await);
    sections
}

/// Load, overload and recovery, and SIGKILL against the prover.
async fn prover_suites(config: &SuiteConfig) -> Vec<Section> {
    let (load, figures) = match load_cli::run(&config.prover, config.seconds) {
        Ok(done) => done,
        Err(e) => return vec![Section::failed("Saturation and 2× overload", &e)],
    };
    let mut sections = vec![load];
    sections.push(
        recovery::run(&config.prover, &figures, config.seconds)
            .await
            .unwrap_or_else(|e| Section::failed("Overload, then recovery", &e)),
    );
    sections.push(
        prover_kill::run(&config.prover, &figures, config.seconds + 5)
            .await
            .unwrap_or_else(|e| Section::failed("Chaos: SIGKILL the prover", &e)),
    );
    sections
}

/// The markdown report: a header naming the machine and run, then every section.
pub fn render(config: &SuiteConfig, sections: &[Section], header: &str) -> String {
    let verdict = if sections.iter().all(|s| s.passed) { "all checks passed" } else { "SOME CHECKS FAILED" };
    let mut out = format!(
        "# zk402 load and chaos report\n\n{header}\n\nProver: {} workers, queue depth {}; {} s per load phase. Result: **{verdict}**.\n\n",
        config.prover.workers, config.prover.queue_depth, config.seconds
    );
    for section in sections {
        out.push_str(&section.render());
    }
    out
}
