//! Proving off the async runtime: a fixed set of worker threads fed by a bounded queue.
//! A submission that finds the queue full is refused at once (the caller answers 503);
//! dropping the pool lets the workers finish every queued proof and then joins them.

use crate::prover::{Proof, ProveError, Prover, Timings, single_thread_pool};
use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use tokio::sync::oneshot;
use zk402_circuit::PaymentInputs;

/// What a worker sends back.
pub type JobResult = Result<(Proof, Timings), ProveError>;

struct Job {
    inputs: PaymentInputs,
    reply: oneshot::Sender<JobResult>,
}

/// The queue was full.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueueFull;

/// Worker threads sharing one prover.
pub struct WorkerPool {
    sender: Option<SyncSender<Job>>,
    workers: Vec<JoinHandle<()>>,
}

impl WorkerPool {
    /// Starts `workers` threads (at least one) behind a queue of `queue_depth` waiting jobs.
    pub fn new(prover: Arc<Prover>, workers: usize, queue_depth: usize) -> WorkerPool {
        let (sender, receiver) = sync_channel::<Job>(queue_depth);
        let receiver = Arc::new(Mutex::new(receiver));
        let workers = (0..workers.max(1))
            .map(|i| {
                let (prover, receiver) = (prover.clone(), receiver.clone());
                std::thread::Builder::new()
                    .name(format!("prover-{i}"))
                    .spawn(move || work(&prover, &receiver))
                    .expect("spawning a worker thread")
            })
            .collect();
        WorkerPool { sender: Some(sender), workers }
    }

    /// Queues a proof; the receiver yields its result.
    pub fn submit(&self, inputs: PaymentInputs) -> Result<oneshot::Receiver<JobResult>, QueueFull> {
        let (reply, result) = oneshot::channel();
        let sender = self.sender.as_ref().ok_or(QueueFull)?;
        match sender.try_send(Job { inputs, reply }) {
            Ok(()) => Ok(result),
            Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) => Err(QueueFull),
        }
    }
}

fn work(prover: &Prover, receiver: &Mutex<Receiver<Job>>) {
    // One core per worker: the pool's parallelism is across proofs, not within one.
    let threads = match single_thread_pool() {
        Ok(threads) => threads,
        Err(e) => {
            tracing::error!(error = %e, "a proving worker could not start");
            return;
        }
    };
    loop {
        let job = match receiver.lock().unwrap_or_else(|e| e.into_inner()).recv() {
            Ok(job) => job,
            Err(_) => return,
        };
        // Nobody may be waiting any more (client gone); the proof is dropped then.
        let _ = job.reply.send(threads.install(|| prover.prove_timed(&job.inputs)));
    }
}

impl Drop for WorkerPool {
    fn drop(&mut self) {
        self.sender.take();
        for worker in self.workers.drain(..) {
            let _ = worker.join();
        }
    }
}
