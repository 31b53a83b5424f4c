//! Numbered, timed steps for the demo's output.

use std::fmt::Display;
use std::future::Future;
use std::time::{Duration, Instant};

/// Prints each step with its duration and keeps the total.
#[derive(Default)]
pub struct Steps {
    count: usize,
    total: Duration,
}

impl Steps {
    /// Runs a step that must succeed.
    pub async fn run<T, E: Display>(
        &mut self,
        title: &str,
        step: impl Future<Output = Result<T, E>>,
    ) -> Result<T, String> {
        let (result, elapsed) = self.time(step).await;
        match result {
            Ok(value) => {
                self.print("ok", title, elapsed);
                Ok(value)
            }
            Err(e) => {
                self.print("FAILED", title, elapsed);
                Err(format!("{title}: {e}"))
            }
        }
    }

    /// Runs a step that must be refused; returns the refusal's message.
    pub async fn refused<T, E: Display>(
        &mut self,
        title: &str,
        step: impl Future<Output = Result<T, E>>,
    ) -> Result<String, String> {
        let (result, elapsed) = self.time(step).await;
        match result {
            Err(e) => {
                self.print("refused", title, elapsed);
                Ok(e.to_string())
            }
            Ok(_) => {
                self.print("ACCEPTED", title, elapsed);
                Err(format!("{title}: was accepted, must be refused"))
            }
        }
    }

    /// The time of every step so far.
    pub fn total(&self) -> Duration {
        self.total
    }

    async fn time<T>(&mut self, step: impl Future<Output = T>) -> (T, Duration) {
        self.count += 1;
        let start = Instant::now();
        let result = step.await;
        let elapsed = start.elapsed();
        self.total += elapsed;
        (result, elapsed)
    }

    fn print(&self, status: &str, title: &str, elapsed: Duration) {
        println!("{:>2}. {title:<76} {status:>8} {:>9.1} ms", self.count, elapsed.as_secs_f64() * 1e3);
    }
}

/// Prints an indented detail line under the last step.
pub fn detail(text: impl Display) {
    println!("      {text}");
}
