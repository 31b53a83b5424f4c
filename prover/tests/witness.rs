//! The two witness engines against each other: circom's C++ generator (native, built into the
//! crate) and the circuit's wasm under wasmtime compute the same witnesses and refuse the same
//! inputs; the native server survives refusals and a killed server is an error, not a hang.

mod common;

use ark_ff::One;
use common::{valid_inputs, wasm_path, zkey_path};
use zk402_circuit::Fr;
use zk402_prover::Prover;
use zk402_prover::prover::verify;
use zk402_prover::witness::{CompiledCircuit, WitnessCalculator, WitnessEngine, WitnessError};

/// A loaded circuit on `engine` and its first calculator.
fn engine(engine: WitnessEngine) -> (CompiledCircuit, WitnessCalculator) {
    let wasm = std::fs::read(wasm_path()).unwrap();
    CompiledCircuit::load(&wasm, engine).unwrap_or_else(|e| panic!("{engine:?} engine: {e}"))
}

#[test]
fn native_and_wasm_engines_compute_the_same_witnesses() {
    let ((native_circuit, mut native), (wasm_circuit, mut wasm)) =
        (engine(WitnessEngine::Native), engine(WitnessEngine::Wasm));
    assert_eq!((native_circuit.engine_name(), wasm_circuit.engine_name()), ("native", "wasm"));
    assert_eq!(native.witness_size(), wasm.witness_size());
    for _ in 0..3 {
        let inputs = valid_inputs();
        let witness = native.calculate(&inputs).unwrap();
        assert_eq!(witness, wasm.calculate(&inputs).unwrap());
        assert_eq!(witness[1..=4], inputs.public_signals());
    }
}

#[test]
fn both_engines_refuse_inputs_the_circuit_asserts_against_and_the_server_survives() {
    let mut calcs = [engine(WitnessEngine::Native).1, engine(WitnessEngine::Wasm).1];
    let mut bad = valid_inputs();
    bad.price = Fr::from(2_000_000u64); // the receipt pays for no credit at that price
    for calc in &mut calcs {
        match calc.calculate(&bad) {
            Err(WitnessError::AssertFailed(at)) => assert!(at.contains("line"), "{at}"),
            other => panic!("expected an assertion failure, got {other:?}"),
        }
    }
    // The native server forked for the refused witness; the same process serves the next one.
    assert!(calcs[0].reusable_after_failure());
    assert!(!calcs[1].reusable_after_failure(), "a wasm instance is not reused after a failure");
    let good = valid_inputs();
    assert_eq!(calcs[0].calculate(&good).unwrap(), calcs[1].calculate(&good).unwrap());
}

#[test]
fn a_killed_native_server_is_an_error_and_the_prover_replaces_it() {
    let (native_circuit, mut calc) = engine(WitnessEngine::Native);
    let WitnessCalculator::Native(native) = &calc else { panic!("native engine") };
    let killed = std::process::Command::new("kill").args(["-9", &native.process_id().to_string()]).status().unwrap();
    assert!(killed.success());
    match calc.calculate(&valid_inputs()) {
        Err(WitnessError::Runtime(message)) => assert!(message.contains("stopped"), "{message}"),
        other => panic!("expected the server to be gone, got {other:?}"),
    }
    assert!(!calc.reusable_after_failure());
    let mut replacement = native_circuit.instantiate().unwrap();
    assert!(replacement.calculate(&valid_inputs()).is_ok());

    // A prover keeps a server that refused inputs, drops one that failed, and starts another
    // when its pool is empty.
    let prover = Prover::load_with(&zkey_path(), &wasm_path(), WitnessEngine::Native).unwrap();
    let mut bad = valid_inputs();
    bad.secret += Fr::one();
    assert!(prover.prove(&bad).is_err());
    let proof = prover.prove(&valid_inputs()).unwrap();
    assert!(verify(prover.key(), &proof.proof, &proof.public_signals));
}

#[test]
fn the_native_engine_serves_only_the_circuit_it_was_built_for() {
    let mut other = std::fs::read(wasm_path()).unwrap();
    other.push(0); // any other wasm
    match CompiledCircuit::load(&other, WitnessEngine::Native) {
        Err(WitnessError::Module(message)) => {
            assert!(message.contains("not the committed payment circuit"), "{message}")
        }
        other => panic!("expected a refusal, got {:?}", other.map(|(c, _)| c.engine_name())),
    }
    // Auto falls back to wasm for it (this one is not valid wasm either: a clear error).
    assert!(matches!(CompiledCircuit::load(&other, WitnessEngine::Auto), Err(WitnessError::Module(_))));
}

#[test]
fn a_prover_on_the_wasm_engine_proves_too() {
    let prover = Prover::load_with(&zkey_path(), &wasm_path(), WitnessEngine::Wasm).unwrap();
    assert_eq!(prover.witness_engine(), "wasm");
    let proof = prover.prove(&valid_inputs()).unwrap();
    assert!(verify(prover.key(), &proof.proof, &proof.public_signals));
}
