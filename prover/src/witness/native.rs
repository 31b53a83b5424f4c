//! Witness calculation with circom's C++ witness generator for the committed payment circuit
//! (`circuits/build/payment_cpp`), compiled by `build.rs` with `native/witness_server.cpp` and
//! embedded in this crate. At load the generator and the circuit's data are written once per
//! build to the load cache ([`CacheDir`], in a private directory named by their hash; a private
//! temporary directory when there is no cache). Each calculator
//! is one long-lived child process speaking the server's pipe protocol (see
//! `native/witness_server.cpp`), which forks per witness, so a failed circuit assertion ends
//! only that fork. It serves only the circuit it was generated from: the given wasm must be the
//! one circom produced in the same run (same SHA-256).

use super::WitnessError;
use crate::cache::{CacheDir, hex};
use sha2::{Digest, Sha256};
use std::io::{BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use zk402_circuit::field::{fr_from_le_bytes, fr_to_le_bytes};
use zk402_circuit::witness::fnv1a64;
use zk402_circuit::{Fr, PaymentInputs};

/// The generator executable (empty when the build could not compile it).
const GENERATOR: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/zk402-witness"));
/// circom's data file for the generator (constants, input and wire maps).
const CIRCUIT_DAT: &[u8] = include_bytes!("../../../circuits/build/payment_cpp/payment.dat");
/// SHA-256 (hex) of the wasm circom generated together with the C++ sources.
const WASM_SHA256: &str = env!("ZK402_NATIVE_WASM_SHA256");
/// Longest refusal message accepted from the server.
const MAX_MESSAGE: usize = 64 * 1024;

/// The generator installed in a private directory, ready to start servers.
pub struct NativeGenerator {
    dir: PathBuf,
    /// Owns the directory when it is a temporary one (removed on drop).
    _temporary: Option<tempfile::TempDir>,
}

impl NativeGenerator {
    /// Installs the embedded generator in `cache` (a temporary directory when `None`) if it
    /// serves the circuit whose wasm is `wasm`, and starts a first server (which shows that it
    /// runs here).
    pub fn install(wasm: &[u8], cache: Option<&CacheDir>) -> Result<(NativeGenerator, NativeCalculator), WitnessError> {
        if GENERATOR.is_empty() {
            return Err(module("this build has no native witness generator (see prover/build.rs)"));
        }
        if hex(&Sha256::digest(wasm)) != WASM_SHA256 {
            return Err(module("the wasm is not the committed payment circuit the native generator was built for"));
        }
        let id = hex(&Sha256::new().chain_update(GENERATOR).chain_update(CIRCUIT_DAT).finalize()[..8]);
        let generator = match cache {
            Some(cache) => {
                let dir = cache.private_subdir(&format!("witness-{id}")).map_err(io("install"))?;
                NativeGenerator { dir, _temporary: None }
            }
            None => {
                let temporary =
                    tempfile::Builder::new().prefix("zk402-witness-").tempdir().map_err(io("temporary directory"))?;
                NativeGenerator { dir: temporary.path().to_path_buf(), _temporary: Some(temporary) }
            }
        };
        install_file(&generator.dir.join("zk402-witness"), GENERATOR, 0o700)?;
        install_file(&generator.dir.join("payment.dat"), CIRCUIT_DAT, 0o600)?;
        let first = generator.spawn()?;
        Ok((generator, first))
    }

    /// Starts a server process and reads its wire count.
    pub fn spawn(&self) -> Result<NativeCalculator, WitnessError> {
        let mut command = Command::new(self.dir.join("zk402-witness"));
        command.arg(self.dir.join("payment.dat"));
        command.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::null());
        let mut child = spawn_retrying(&mut command)?;
        let (Some(stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
            return Err(module("the generator's pipes were not opened"));
        };
        let mut calc =
            NativeCalculator { child, stdin, stdout: BufReader::with_capacity(1 << 16, stdout), witness_size: 0 };
        calc.witness_size = calc.read_u32().map_err(|_| module("the generator did not start"))? as usize;
        Ok(calc)
    }
}

/// One generator server process; computes witnesses one at a time. Killed on drop.
pub struct NativeCalculator {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    witness_size: usize,
}

impl NativeCalculator {
    /// Number of wires in a witness.
    pub fn witness_size(&self) -> usize {
        self.witness_size
    }

    /// The server's process id.
    pub fn process_id(&self) -> u32 {
        self.child.id()
    }

    /// Whether the server process has not exited.
    pub fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// Computes the full witness (wire 0 = 1) for the payment inputs.
    pub fn calculate(&mut self, inputs: &PaymentInputs) -> Result<Vec<Fr>, WitnessError> {
        let signals = inputs.signals();
        let mut request = Vec::with_capacity(4 + signals.len() * 40);
        request.extend_from_slice(&(signals.len() as u32).to_le_bytes());
        for (name, value) in &signals {
            request.extend_from_slice(&fnv1a64(name).to_le_bytes());
            request.extend_from_slice(&fr_to_le_bytes(value));
        }
        self.stdin.write_all(&request).and_then(|()| self.stdin.flush()).map_err(gone)?;
        let mut status = [0u8; 1];
        self.stdout.read_exact(&mut status).map_err(gone)?;
        let len = self.read_u32().map_err(gone)? as usize;
        match status[0] {
            0 if len == self.witness_size => {
                let mut bytes = vec![0u8; len * 32];
                self.stdout.read_exact(&mut bytes).map_err(gone)?;
                bytes
                    .chunks_exact(32)
                    .map(|chunk| {
                        let value: [u8; 32] = chunk.try_into().expect("chunks of 32 bytes");
                        fr_from_le_bytes(&value).map_err(|_| WitnessError::Runtime("wire value not below r".into()))
                    })
                    .collect()
            }
            1 if len <= MAX_MESSAGE => {
                let mut text = vec![0u8; len];
                self.stdout.read_exact(&mut text).map_err(gone)?;
                Err(refusal(&String::from_utf8_lossy(&text)))
            }
            _ => Err(WitnessError::Runtime("garbled answer from the native witness generator".into())),
        }
    }

    fn read_u32(&mut self) -> std::io::Result<u32> {
        let mut bytes = [0u8; 4];
        self.stdout.read_exact(&mut bytes)?;
        Ok(u32::from_le_bytes(bytes))
    }
}

impl Drop for NativeCalculator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The server's refusal as an error: circom's "Failed assert in template/function T line N"
/// becomes [`WitnessError::AssertFailed`] naming the template and line.
fn refusal(text: &str) -> WitnessError {
    const MARK: &str = "Failed assert in template/function ";
    match text.find(MARK) {
        Some(at) => {
            let rest = &text[at + MARK.len()..];
            let end = rest.find(['.', '\n']).unwrap_or(rest.len());
            WitnessError::AssertFailed(rest[..end].trim().to_owned())
        }
        None => WitnessError::Runtime(text.trim().to_owned()),
    }
}

fn module(message: &str) -> WitnessError {
    WitnessError::Module(format!("native witness generator: {message}"))
}

fn io(what: &'static str) -> impl Fn(std::io::Error) -> WitnessError {
    move |e| WitnessError::Module(format!("native witness generator: {what}: {e}"))
}

fn gone(e: std::io::Error) -> WitnessError {
    WitnessError::Runtime(format!("the native witness generator stopped: {e}"))
}

/// Makes `path` hold `bytes`: kept when it already does, else written beside it and renamed
/// over it (atomic: a process running the old file, or installing too, is not disturbed).
#[cfg(unix)]
fn install_file(path: &Path, bytes: &[u8], mode: u32) -> Result<(), WitnessError> {
    use std::os::unix::fs::PermissionsExt;
    if std::fs::read(path).is_ok_and(|current| current == bytes) {
        return Ok(());
    }
    let dir = path.parent().ok_or_else(|| module("install path has no directory"))?;
    let mut file = tempfile::Builder::new()
        .prefix(".partial-")
        .permissions(std::fs::Permissions::from_mode(mode))
        .tempfile_in(dir)
        .map_err(io("install"))?;
    file.write_all(bytes).map_err(io("install"))?;
    file.persist(path).map_err(|e| io("install")(e.error))?;
    Ok(())
}

#[cfg(not(unix))]
fn install_file(_: &Path, _: &[u8], _: u32) -> Result<(), WitnessError> {
    Err(module("runs on Linux only"))
}

/// Spawns, retrying while another thread's fork still holds the just-written executable open
/// for writing (Linux's ETXTBSY race between writing a file and executing it).
fn spawn_retrying(command: &mut Command) -> Result<Child, WitnessError> {
    let mut attempts = 0;
    loop {
        match command.spawn() {
            Err(e) if e.kind() == std::io::ErrorKind::ExecutableFileBusy && attempts < 50 => {
                attempts += 1;
                std::thread::sleep(std::time::Duration::from_millis(2));
            }
            other => return other.map_err(io("start")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_name_the_failed_template_and_line() {
        let text = "aborted by signal 6: Failed assert in template/function Payment line 70. Followed trace of \
                    components: main\nzk402-witness: payment.cpp:926944: Assertion failed.";
        assert_eq!(refusal(text), WitnessError::AssertFailed("Payment line 70".into()));
        assert_eq!(refusal(" exit status 3 \n"), WitnessError::Runtime("exit status 3".into()));
    }
}
