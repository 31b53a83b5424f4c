//! The circuit's witness, by one of two engines: circom's C++ witness generator for the
//! committed payment circuit, built into this crate ([`native`], several times faster), or
//! the circuit's wasm compiled by wasmtime ([`wasm`], any circom circuit). Either way a failed
//! circuit assertion is an error, never a witness, and the prover verifies every proof.

pub mod native;
pub mod wasm;

use crate::cache::CacheDir;
use native::{NativeCalculator, NativeGenerator};
use serde::{Deserialize, Serialize};
use wasm::{WasmCalculator, WasmCircuit};
use zk402_circuit::{Fr, PaymentInputs};

/// Why a witness could not be computed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WitnessError {
    /// The circuit (wasm module or native generator) could not be loaded or lacks circom's
    /// interface.
    #[error("circuit: {0}")]
    Module(String),
    /// The circuit does not take an input of that name, or not one value.
    #[error("input signal {0:?} is not a single-value input of the circuit")]
    UnknownSignal(&'static str),
    /// A circuit assertion failed (circom's message: template and line).
    #[error("circuit assertion failed: {0}")]
    AssertFailed(String),
    /// Any other runtime error of the circuit code.
    #[error("witness calculation failed: {0}")]
    Runtime(String),
}

/// Which engine computes witnesses.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum WitnessEngine {
    /// The native generator when this build has it for the given circuit, else wasm.
    #[default]
    Auto,
    /// The native generator; loading fails when it is not available for the circuit.
    Native,
    /// The wasm calculator.
    Wasm,
}

/// A loaded circuit, shared by all calculators (load once, instantiate per thread).
pub enum CompiledCircuit {
    /// circom's C++ generator, run as child processes.
    Native(NativeGenerator),
    /// The wasm, compiled to machine code.
    Wasm(WasmCircuit),
}

impl CompiledCircuit {
    /// Loads the circuit whose wasm is `wasm` with `engine`, with a first calculator (making
    /// one is how loading shows the engine works); the native generator is installed in the
    /// user's load cache ([`CacheDir::user_default`]). `Auto` falls back to wasm, with a logged
    /// reason, when the native generator is unavailable or does not start.
    pub fn load(wasm: &[u8], engine: WitnessEngine) -> Result<(CompiledCircuit, WitnessCalculator), WitnessError> {
        CompiledCircuit::load_in(wasm, engine, CacheDir::user_default().as_ref())
    }

    /// [`CompiledCircuit::load`] with the native generator installed in `cache` (see
    /// [`NativeGenerator::install`]).
    pub fn load_in(
        wasm: &[u8],
        engine: WitnessEngine,
        cache: Option<&CacheDir>,
    ) -> Result<(CompiledCircuit, WitnessCalculator), WitnessError> {
        if engine != WitnessEngine::Wasm {
            match NativeGenerator::install(wasm, cache) {
                Ok((native, first)) => return Ok((CompiledCircuit::Native(native), WitnessCalculator::Native(first))),
                Err(err) if engine == WitnessEngine::Auto => {
                    tracing::warn!("native witness generator unavailable ({err}); using the wasm calculator");
                }
                Err(err) => return Err(err),
            }
        }
        let circuit = CompiledCircuit::Wasm(WasmCircuit::compile(wasm)?);
        let first = circuit.instantiate()?;
        Ok((circuit, first))
    }

    /// "native" or "wasm".
    pub fn engine_name(&self) -> &'static str {
        match self {
            CompiledCircuit::Native(_) => "native",
            CompiledCircuit::Wasm(_) => "wasm",
        }
    }

    /// A calculator of its own (a child process, or a wasm instance).
    pub fn instantiate(&self) -> Result<WitnessCalculator, WitnessError> {
        Ok(match self {
            CompiledCircuit::Native(generator) => WitnessCalculator::Native(generator.spawn()?),
            CompiledCircuit::Wasm(module) => WitnessCalculator::Wasm(Box::new(module.instantiate()?)),
        })
    }
}

/// Computes witnesses one at a time.
pub enum WitnessCalculator {
    /// A native generator process.
    Native(NativeCalculator),
    /// A wasm instance (boxed: its store is several times the size of a process handle).
    Wasm(Box<WasmCalculator>),
}

impl WitnessCalculator {
    /// Number of wires in a witness.
    pub fn witness_size(&self) -> usize {
        match self {
            WitnessCalculator::Native(calc) => calc.witness_size(),
            WitnessCalculator::Wasm(calc) => calc.witness_size(),
        }
    }

    /// Computes the full witness (wire 0 = 1) for the payment inputs.
    pub fn calculate(&mut self, inputs: &PaymentInputs) -> Result<Vec<Fr>, WitnessError> {
        match self {
            WitnessCalculator::Native(calc) => calc.calculate(inputs),
            WitnessCalculator::Wasm(calc) => calc.calculate(inputs),
        }
    }

    /// Whether the calculator may serve again after [`WitnessCalculator::calculate`] failed: a
    /// native server that answered with a refusal is still running (the fork ended, not the
    /// server); a wasm instance that trapped is not reused.
    pub fn reusable_after_failure(&mut self) -> bool {
        match self {
            WitnessCalculator::Native(calc) => calc.is_running(),
            WitnessCalculator::Wasm(_) => false,
        }
    }
}
