//! Witness calculator for circom's WebAssembly output (`payment_js/payment.wasm`), run in the
//! pure-Rust `wasmi` interpreter.
//!
//! circom's wasm reports a failed `===` or `assert` through the imported `exceptionHandler`
//! and then carries on. [`AssertPolicy::Enforce`] turns that into an error, like snarkjs;
//! [`AssertPolicy::Record`] lets the calculation finish, which yields the witness a cheating
//! prover would use — the input to the soundness tests, which must then see the R1CS reject it.

use crate::field::{Fr, fr_from_le_bytes, fr_to_le_bytes};
use wasmi::{Caller, Engine, Instance, Linker, Module, Store, TypedFunc};

/// circom's exception code for a failed assertion.
pub const ASSERT_FAILED: i32 = 4;

/// What to do when the circuit's own assertions fail during witness calculation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AssertPolicy {
    /// Stop with [`WitnessError::AssertFailed`] (the behaviour of snarkjs).
    Enforce,
    /// Record the failure and keep computing.
    Record,
}

/// Why a witness could not be computed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WitnessError {
    /// The wasm module could not be loaded or lacks circom's interface.
    #[error("circuit wasm: {0}")]
    Module(String),
    /// An input name the circuit does not declare.
    #[error("input signal {0:?} is not in the circuit")]
    UnknownSignal(String),
    /// An input was given the wrong number of values.
    #[error("input signal {name:?} takes {expected} value(s), got {got}")]
    WrongArity {
        /// Signal name.
        name: String,
        /// Values the circuit expects.
        expected: usize,
        /// Values given.
        got: usize,
    },
    /// Not every input signal was set.
    #[error("{set} of {expected} input values set")]
    MissingInputs {
        /// Values set.
        set: usize,
        /// Values required.
        expected: usize,
    },
    /// A circuit assertion failed (message from circom: template and line).
    #[error("circuit assertion failed: {0}")]
    AssertFailed(String),
    /// Any other runtime error raised by the circuit code.
    #[error("witness calculation failed: {0}")]
    Runtime(String),
}

/// A computed witness and the assertion failures met on the way (empty under `Enforce`).
#[derive(Debug, Clone)]
pub struct Witness {
    /// Value of every wire, wire 0 = 1.
    pub values: Vec<Fr>,
    /// circom's messages for failed assertions (template and line), in order.
    pub failed_asserts: Vec<String>,
}

struct HostState {
    policy: AssertPolicy,
    failed_asserts: Vec<String>,
    message: String,
    fatal: Option<String>,
}

/// A loaded circuit, ready to compute witnesses. Not `Sync`: use one per thread.
pub struct WitnessCalculator {
    store: Store<HostState>,
    exports: Exports,
    n32: usize,
    witness_size: usize,
}

#[derive(Clone, Copy)]
struct Exports {
    init: TypedFunc<i32, ()>,
    get_input_signal_size: TypedFunc<(i32, i32), i32>,
    set_input_signal: TypedFunc<(i32, i32, i32), ()>,
    get_input_size: TypedFunc<(), i32>,
    get_witness: TypedFunc<i32, ()>,
    read_shared: TypedFunc<i32, i32>,
    write_shared: TypedFunc<(i32, i32), ()>,
}

impl WitnessCalculator {
    /// Compiles the circuit's wasm and checks it targets BN254's scalar field.
    pub fn new(wasm: &[u8]) -> Result<WitnessCalculator, WitnessError> {
        let module_err = |e: wasmi::Error| WitnessError::Module(e.to_string());
        let engine = Engine::default();
        let module = Module::new(&engine, wasm).map_err(module_err)?;
        let state = HostState {
            policy: AssertPolicy::Enforce,
            failed_asserts: Vec::new(),
            message: String::new(),
            fatal: None,
        };
        let mut store = Store::new(&engine, state);
        let mut linker = Linker::<HostState>::new(&engine);
        let link_err = |e: wasmi::errors::LinkerError| WitnessError::Module(e.to_string());
        linker
            .func_wrap(
                "runtime",
                "exceptionHandler",
                |mut caller: Caller<'_, HostState>, code: i32| -> Result<(), wasmi::Error> {
                    let message = std::mem::take(&mut caller.data_mut().message);
                    let state = caller.data_mut();
                    if code == ASSERT_FAILED {
                        state.failed_asserts.push(message.trim().to_owned());
                        if state.policy == AssertPolicy::Record {
                            return Ok(());
                        }
                    } else {
                        state.fatal = Some(format!("{} {}", exception_name(code), message.trim()));
                    }
                    Err(wasmi::Error::new("circuit exception"))
                },
            )
            .map_err(link_err)?;
        linker
            .func_wrap("runtime", "printErrorMessage", |mut caller: Caller<'_, HostState>| {
                let text = read_message(&mut caller);
                let state = caller.data_mut();
                state.message.push_str(&text);
                state.message.push(' ');
            })
            .map_err(link_err)?;
        // Messages from circom's `log()`; the prover has no use for them.
        linker
            .func_wrap("runtime", "writeBufferMessage", |mut caller: Caller<'_, HostState>| {
                read_message(&mut caller);
            })
            .map_err(link_err)?;
        linker.func_wrap("runtime", "showSharedRWMemory", |_: Caller<'_, HostState>| {}).map_err(link_err)?;
        let instance = linker.instantiate_and_start(&mut store, &module).map_err(module_err)?;

        let exports = Exports {
            init: typed(&instance, &store, "init")?,
            get_input_signal_size: typed(&instance, &store, "getInputSignalSize")?,
            set_input_signal: typed(&instance, &store, "setInputSignal")?,
            get_input_size: typed(&instance, &store, "getInputSize")?,
            get_witness: typed(&instance, &store, "getWitness")?,
            read_shared: typed(&instance, &store, "readSharedRWMemory")?,
            write_shared: typed(&instance, &store, "writeSharedRWMemory")?,
        };
        let call0 = |name: &str, store: &mut Store<HostState>| -> Result<i32, WitnessError> {
            typed::<(), i32>(&instance, store, name)?.call(store, ()).map_err(|e| WitnessError::Module(e.to_string()))
        };
        let n32 = call0("getFieldNumLen32", &mut store)? as usize;
        if n32 != 8 {
            return Err(WitnessError::Module(format!("field of {n32} words, expected 8 (BN254)")));
        }
        typed::<(), ()>(&instance, &store, "getRawPrime")?
            .call(&mut store, ())
            .map_err(|e| WitnessError::Module(e.to_string()))?;
        let mut calc = WitnessCalculator { store, exports, n32, witness_size: 0 };
        let prime = calc.read_shared_raw()?;
        let mut expected = ark_ff::BigInteger::to_bytes_le(&<Fr as ark_ff::PrimeField>::MODULUS);
        expected.resize(32, 0);
        if prime.as_slice() != expected.as_slice() {
            return Err(WitnessError::Module("circuit is not over the BN254 scalar field".into()));
        }
        calc.witness_size = call0("getWitnessSize", &mut calc.store)? as usize;
        Ok(calc)
    }

    /// Number of wires in the witness.
    pub fn witness_size(&self) -> usize {
        self.witness_size
    }

    /// Computes the witness for named inputs (each name with its values, arrays flattened).
    pub fn calculate(&mut self, inputs: &[(&str, &[Fr])], policy: AssertPolicy) -> Result<Witness, WitnessError> {
        let state = self.store.data_mut();
        state.policy = policy;
        state.failed_asserts.clear();
        state.message.clear();
        state.fatal = None;
        let e = self.exports;
        e.init.call(&mut self.store, 0).map_err(|err| self.runtime_error(err))?;

        let mut set = 0usize;
        for (name, values) in inputs {
            let hash = fnv1a64(name);
            let (hi, lo) = ((hash >> 32) as u32 as i32, hash as u32 as i32);
            let size =
                e.get_input_signal_size.call(&mut self.store, (hi, lo)).map_err(|err| self.runtime_error(err))?;
            // circom answers 0 (or a negative value in older versions) for a name it lacks.
            if size <= 0 {
                return Err(WitnessError::UnknownSignal((*name).to_owned()));
            }
            if size as usize != values.len() {
                return Err(WitnessError::WrongArity {
                    name: (*name).to_owned(),
                    expected: size as usize,
                    got: values.len(),
                });
            }
            for (i, value) in values.iter().enumerate() {
                self.write_shared(value)?;
                e.set_input_signal.call(&mut self.store, (hi, lo, i as i32)).map_err(|err| self.runtime_error(err))?;
                set += 1;
            }
        }
        let expected = e.get_input_size.call(&mut self.store, ()).map_err(|err| self.runtime_error(err))? as usize;
        if set < expected {
            return Err(WitnessError::MissingInputs { set, expected });
        }

        let mut values = Vec::with_capacity(self.witness_size);
        for i in 0..self.witness_size {
            e.get_witness.call(&mut self.store, i as i32).map_err(|err| self.runtime_error(err))?;
            let raw = self.read_shared_raw()?;
            let bytes: &[u8; 32] = raw.as_slice().try_into().expect("8 words");
            values.push(fr_from_le_bytes(bytes).map_err(|_| WitnessError::Runtime("wire value not below r".into()))?);
        }
        Ok(Witness { values, failed_asserts: std::mem::take(&mut self.store.data_mut().failed_asserts) })
    }

    fn runtime_error(&mut self, err: wasmi::Error) -> WitnessError {
        let state = self.store.data_mut();
        if let Some(fatal) = state.fatal.take() {
            WitnessError::Runtime(fatal)
        } else if let Some(assert) = state.failed_asserts.pop() {
            WitnessError::AssertFailed(assert)
        } else {
            WitnessError::Runtime(err.to_string())
        }
    }

    fn write_shared(&mut self, value: &Fr) -> Result<(), WitnessError> {
        let bytes = fr_to_le_bytes(value);
        for (j, word) in bytes.chunks_exact(4).enumerate() {
            let word = u32::from_le_bytes(word.try_into().expect("4 bytes")) as i32;
            self.exports.write_shared.call(&mut self.store, (j as i32, word)).map_err(|err| self.runtime_error(err))?;
        }
        Ok(())
    }

    fn read_shared_raw(&mut self) -> Result<Vec<u8>, WitnessError> {
        let mut out = Vec::with_capacity(self.n32 * 4);
        for j in 0..self.n32 {
            let word =
                self.exports.read_shared.call(&mut self.store, j as i32).map_err(|err| self.runtime_error(err))?;
            out.extend_from_slice(&(word as u32).to_le_bytes());
        }
        Ok(out)
    }
}

fn typed<P: wasmi::WasmParams, R: wasmi::WasmResults>(
    instance: &Instance,
    store: &Store<HostState>,
    name: &str,
) -> Result<TypedFunc<P, R>, WitnessError> {
    instance.get_typed_func::<P, R>(store, name).map_err(|e| WitnessError::Module(format!("export {name}: {e}")))
}

/// Drains circom's message buffer (`getMessageChar` until 0).
fn read_message(caller: &mut Caller<'_, HostState>) -> String {
    let Some(get) = caller.get_export("getMessageChar").and_then(|e| e.into_func()) else {
        return String::new();
    };
    let Ok(get) = get.typed::<(), i32>(&*caller) else {
        return String::new();
    };
    collect_message(|| get.call(&mut *caller, ()).ok())
}

/// Collects circom's message characters from `next_char` (a call of the module's
/// `getMessageChar`) until 0 or a failed call. circom messages are short; the bound guards
/// against a runaway module.
pub fn collect_message(mut next_char: impl FnMut() -> Option<i32>) -> String {
    let mut text = String::new();
    for _ in 0..4096 {
        match next_char() {
            Some(c) if c > 0 => text.push(char::from(c as u8)),
            _ => break,
        }
    }
    text
}

/// circom's name for a runtime exception code (its `exceptionHandler` argument).
pub fn exception_name(code: i32) -> &'static str {
    match code {
        1 => "signal not found",
        2 => "too many signals set",
        3 => "signal already set",
        5 => "not enough memory",
        6 => "input signal array access exceeds the size",
        7 => "out of bounds array access",
        _ => "unknown circuit error",
    }
}

/// 64-bit FNV-1a of a signal name, how circom's wasm addresses input signals.
pub fn fnv1a64(name: &str) -> u64 {
    name.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3))
}

#[cfg(test)]
mod tests {
    use super::fnv1a64;

    #[test]
    fn fnv1a_matches_reference_values() {
        assert_eq!(fnv1a64(""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a64("a"), 0xaf63_dc4c_8601_ec8c);
    }
}
