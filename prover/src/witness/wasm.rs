//! Witness calculation with the circuit's circom wasm compiled to machine code by wasmtime
//! (Cranelift): works for any circom circuit given at run time. Same interface as circom's
//! `witness_calculator.js`; a failed circuit assertion is an error, never a witness.

use super::WitnessError;
use std::sync::Arc;
use wasmtime::{Caller, Engine, Instance, Linker, Memory, Module, Store, TypedFunc};
use zk402_circuit::field::{fr_from_le_bytes, fr_to_le_bytes};
use zk402_circuit::witness::{ASSERT_FAILED, collect_message, exception_name, fnv1a64};
use zk402_circuit::{Fr, PaymentInputs};

/// The compiled wasm, shared by all calculators (compile once, instantiate per thread).
#[derive(Clone)]
pub struct WasmCircuit {
    engine: Engine,
    module: Arc<Module>,
}

impl WasmCircuit {
    /// Compiles circom's wasm to native code.
    pub fn compile(wasm: &[u8]) -> Result<WasmCircuit, WitnessError> {
        let engine = Engine::default();
        let module = Module::new(&engine, wasm).map_err(|e| WitnessError::Module(format!("{e:#}")))?;
        Ok(WasmCircuit { engine, module: Arc::new(module) })
    }

    /// A calculator with its own instance (memory); one per thread.
    pub fn instantiate(&self) -> Result<WasmCalculator, WitnessError> {
        WasmCalculator::new(self)
    }
}

#[derive(Default)]
struct HostState {
    message: String,
    failure: Option<WitnessError>,
}

#[derive(Clone)]
struct Exports {
    init: TypedFunc<i32, ()>,
    get_input_signal_size: TypedFunc<(i32, i32), i32>,
    set_input_signal: TypedFunc<(i32, i32, i32), ()>,
    get_witness: TypedFunc<i32, ()>,
}

/// One instance of the circuit; computes witnesses one at a time. Values cross the boundary
/// through circom's shared read/write buffer, read and written in the instance's memory
/// directly (one copy per value, not one call per 32-bit word).
pub struct WasmCalculator {
    store: Store<HostState>,
    exports: Exports,
    memory: Memory,
    shared: usize,
    witness_size: usize,
    input_size: usize,
}

fn module_err(e: wasmtime::Error) -> WitnessError {
    WitnessError::Module(format!("{e:#}"))
}

impl WasmCalculator {
    fn new(circuit: &WasmCircuit) -> Result<WasmCalculator, WitnessError> {
        let mut store = Store::new(&circuit.engine, HostState::default());
        let mut linker = Linker::<HostState>::new(&circuit.engine);
        linker
            .func_wrap(
                "runtime",
                "exceptionHandler",
                |mut caller: Caller<'_, HostState>, code: i32| -> wasmtime::Result<()> {
                    let state = caller.data_mut();
                    let message = std::mem::take(&mut state.message).trim().to_owned();
                    state.failure = Some(if code == ASSERT_FAILED {
                        WitnessError::AssertFailed(message)
                    } else {
                        WitnessError::Runtime(format!("{} {message}", exception_name(code)))
                    });
                    Err(wasmtime::Error::msg("circuit exception"))
                },
            )
            .map_err(module_err)?;
        linker
            .func_wrap("runtime", "printErrorMessage", |mut caller: Caller<'_, HostState>| {
                let text = read_message(&mut caller);
                let state = caller.data_mut();
                state.message.push_str(&text);
                state.message.push(' ');
            })
            .map_err(module_err)?;
        // circom's `log()` output: the prover has no use for it.
        linker
            .func_wrap("runtime", "writeBufferMessage", |mut caller: Caller<'_, HostState>| {
                read_message(&mut caller);
            })
            .map_err(module_err)?;
        linker.func_wrap("runtime", "showSharedRWMemory", |_: Caller<'_, HostState>| {}).map_err(module_err)?;
        let instance = linker.instantiate(&mut store, &circuit.module).map_err(module_err)?;
        let exports = Exports {
            init: typed(&instance, &mut store, "init")?,
            get_input_signal_size: typed(&instance, &mut store, "getInputSignalSize")?,
            set_input_signal: typed(&instance, &mut store, "setInputSignal")?,
            get_witness: typed(&instance, &mut store, "getWitness")?,
        };
        let memory = instance
            .get_memory(&mut store, "memory")
            .ok_or_else(|| WitnessError::Module("the module exports no memory".into()))?;
        let mut call0 = |name: &str| -> Result<i32, WitnessError> {
            typed::<(), i32>(&instance, &mut store, name)?.call(&mut store, ()).map_err(module_err)
        };
        if call0("getFieldNumLen32")? != 8 {
            return Err(WitnessError::Module("field is not 256 bits (BN254 expected)".into()));
        }
        let witness_size = call0("getWitnessSize")? as usize;
        let input_size = call0("getInputSize")? as usize;
        let shared = call0("getSharedRWMemoryStart")? as u32 as usize;
        typed::<(), ()>(&instance, &mut store, "getRawPrime")?.call(&mut store, ()).map_err(module_err)?;
        let mut calc = WasmCalculator { store, exports, memory, shared, witness_size, input_size };
        let prime = calc.read_shared()?;
        let mut expected = ark_ff::BigInteger::to_bytes_le(&<Fr as ark_ff::PrimeField>::MODULUS);
        expected.resize(32, 0);
        if prime[..] != expected[..] {
            return Err(WitnessError::Module("circuit is not over the BN254 scalar field".into()));
        }
        Ok(calc)
    }

    /// Number of wires in a witness.
    pub fn witness_size(&self) -> usize {
        self.witness_size
    }

    /// Computes the full witness (wire 0 = 1) for the payment inputs.
    pub fn calculate(&mut self, inputs: &PaymentInputs) -> Result<Vec<Fr>, WitnessError> {
        *self.store.data_mut() = HostState::default();
        let e = self.exports.clone();
        e.init.call(&mut self.store, 0).map_err(|err| self.failure(err))?;
        let signals = inputs.signals();
        if signals.len() != self.input_size {
            return Err(WitnessError::Module(format!(
                "circuit takes {} inputs, not {}",
                self.input_size,
                signals.len()
            )));
        }
        for (name, value) in signals {
            let hash = fnv1a64(name);
            let (hi, lo) = ((hash >> 32) as u32 as i32, hash as u32 as i32);
            let size = e.get_input_signal_size.call(&mut self.store, (hi, lo)).map_err(|err| self.failure(err))?;
            if size != 1 {
                return Err(WitnessError::UnknownSignal(name));
            }
            self.write_shared(&value)?;
            e.set_input_signal.call(&mut self.store, (hi, lo, 0)).map_err(|err| self.failure(err))?;
        }
        let mut values = Vec::with_capacity(self.witness_size);
        for i in 0..self.witness_size {
            e.get_witness.call(&mut self.store, i as i32).map_err(|err| self.failure(err))?;
            let bytes = self.read_shared()?;
            values.push(fr_from_le_bytes(&bytes).map_err(|_| WitnessError::Runtime("wire value not below r".into()))?);
        }
        Ok(values)
    }

    fn failure(&mut self, err: wasmtime::Error) -> WitnessError {
        self.store.data_mut().failure.take().unwrap_or_else(|| WitnessError::Runtime(format!("{err:#}")))
    }

    fn write_shared(&mut self, value: &Fr) -> Result<(), WitnessError> {
        self.memory.write(&mut self.store, self.shared, &fr_to_le_bytes(value)).map_err(memory_err)
    }

    fn read_shared(&mut self) -> Result<[u8; 32], WitnessError> {
        let mut out = [0u8; 32];
        self.memory.read(&self.store, self.shared, &mut out).map_err(memory_err)?;
        Ok(out)
    }
}

fn memory_err(e: wasmtime::MemoryAccessError) -> WitnessError {
    WitnessError::Module(format!("shared buffer outside the instance's memory: {e}"))
}

fn typed<P: wasmtime::WasmParams, R: wasmtime::WasmResults>(
    instance: &Instance,
    store: &mut Store<HostState>,
    name: &str,
) -> Result<TypedFunc<P, R>, WitnessError> {
    instance.get_typed_func::<P, R>(store, name).map_err(|e| WitnessError::Module(format!("export {name}: {e:#}")))
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
