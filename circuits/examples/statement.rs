//! Walks the payment statement end to end natively: an issuer signs a receipt, the payer
//! assembles the witness inputs, circom's calculator computes the witness, and the compiled
//! R1CS accepts it; then a credit the receipt does not pay for is refused by the constraints.
//! Run with `cargo run -p zk402-circuit --example statement`.

use std::time::Instant;
use zk402_circuit::artifacts::ArtifactPaths;
use zk402_circuit::field::fr_to_decimal;
use zk402_circuit::witness::{AssertPolicy, WitnessCalculator};
use zk402_circuit::{Challenge, PaymentInputs, Policy, ReceiptClaim, Secret, SigningKey};

fn step<T>(name: &str, f: impl FnOnce() -> T) -> T {
    let start = Instant::now();
    let out = f();
    println!("{name:<44} {:>9.2} ms", start.elapsed().as_secs_f64() * 1e3);
    out
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let merchant = *b"example-merchant-usdc-account-01";
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_secs();

    let issuer = step("issuer key (BLAKE-512 + Baby Jubjub)", SigningKey::generate)?;
    let policy = Policy { price: 1_000_000, recipient: merchant, max_age: 3_600, issuer: issuer.public_key() };
    let secret = step("payer secret", Secret::random)?;
    let claim =
        ReceiptClaim { amount: 1_250_000, recipient: merchant, paid_at: now - 90, commitment: secret.commitment() };
    let receipt = step("issuer signs Poseidon receipt (EdDSA)", || claim.sign(&issuer));
    let challenge = Challenge { policy: [7; 32], nonce: [9; 32], expires_at: now + 120, resource: "/v1/quote".into() };
    let inputs = step("assemble witness inputs", || {
        PaymentInputs::new(&policy, &receipt, &secret, 0, now, challenge.request_hash())
    });
    step("native check of every constraint", || inputs.check())?;

    let paths = ArtifactPaths::committed();
    let r1cs = step("load payment.r1cs", || paths.load_r1cs())?;
    let wasm = std::fs::read(&paths.wasm)?;
    let mut calc = step("load payment.wasm (wasmi)", || WitnessCalculator::new(&wasm))?;
    let witness = step("witness (circom wasm)", || inputs.witness(&mut calc, AssertPolicy::Enforce))?;
    step("R1CS check", || r1cs.check(&witness.values))?;
    println!("{} constraints, {} wires satisfied", r1cs.constraints.len(), r1cs.n_wires);
    for (name, value) in ["policy_hash", "now", "nullifier", "request_hash"].iter().zip(inputs.public_signals()) {
        println!("  public {name:<13} {}", fr_to_decimal(&value));
    }

    // 1,250,000 at 1,000,000 per request is one credit: index 1 is not paid for.
    let bad = PaymentInputs::new(&policy, &receipt, &secret, 1, now, challenge.request_hash());
    let cheat = bad.witness(&mut calc, AssertPolicy::Record)?;
    match r1cs.check(&cheat.values) {
        Err(e) => println!(
            "credit 1 of a one-credit receipt refused: native check says \"{}\"; R1CS: {e}",
            bad.check().unwrap_err()
        ),
        Ok(()) => return Err("the R1CS accepted a credit the receipt does not pay for".into()),
    }
    Ok(())
}
