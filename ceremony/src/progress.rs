//! Progress lines for long steps, written to stderr (silent in tests and library use).

use std::time::Instant;

/// Reports named steps with elapsed time when enabled.
#[derive(Debug)]
pub struct Progress {
    start: Option<Instant>,
}

impl Progress {
    /// A reporter that prints to stderr.
    pub fn stderr() -> Progress {
        Progress { start: Some(Instant::now()) }
    }

    /// A reporter that prints nothing.
    pub fn silent() -> Progress {
        Progress { start: None }
    }

    /// Announces a step.
    pub fn step(&self, what: &str) {
        if let Some(start) = self.start {
            eprintln!("[{:>7.2}s] {what}", start.elapsed().as_secs_f64());
        }
    }
}
