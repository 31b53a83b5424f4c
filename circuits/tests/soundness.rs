//! Soundness of `payment.circom`: a valid payment satisfies the R1CS, and for every constraint
//! of the statement a payment that breaks it yields a witness the R1CS rejects.
//!
//! The witness for a broken payment is what a cheating prover gets from circom's calculator with
//! assertions recorded instead of enforced; the test then checks the constraints themselves, and
//! names the circuit components the failing constraints belong to.

mod common;

use ark_ff::PrimeField;
use common::{PAID_AT, Payment, issuer, two_pow_64};
use std::sync::OnceLock;
use zk402_circuit::artifacts::ArtifactPaths;
use zk402_circuit::babyjubjub::{SubgroupScalar, base8};
use zk402_circuit::field::key_limbs;
use zk402_circuit::r1cs::R1cs;
use zk402_circuit::sym::Symbols;
use zk402_circuit::witness::{AssertPolicy, Witness, WitnessCalculator, WitnessError};
use zk402_circuit::{Fr, PaymentInputs, PublicKey, SignatureError, SigningKey, StatementError};

struct Circuit {
    r1cs: R1cs,
    symbols: Symbols,
    wasm: Vec<u8>,
}

fn circuit() -> &'static Circuit {
    static CIRCUIT: OnceLock<Circuit> = OnceLock::new();
    CIRCUIT.get_or_init(|| {
        let paths = ArtifactPaths::committed();
        let r1cs = paths.load_r1cs().expect("r1cs");
        let symbols = paths.load_symbols(r1cs.n_wires).expect("sym");
        let wasm = std::fs::read(&paths.wasm).expect("wasm");
        Circuit { r1cs, symbols, wasm }
    })
}

fn witness(inputs: &PaymentInputs, policy: AssertPolicy) -> Result<Witness, WitnessError> {
    inputs.witness(&mut WitnessCalculator::new(&circuit().wasm).expect("wasm loads"), policy)
}

/// The components of the circuit whose constraints the witness violates.
fn failing_components(values: &[Fr]) -> Vec<String> {
    let c = circuit();
    let failing = c.r1cs.unsatisfied(values).expect("witness has the circuit's shape");
    c.symbols.components_of_all(&c.r1cs, &failing).into_iter().collect()
}

/// A payment that breaks the statement: the native check names the broken constraint, circom's
/// calculator refuses it, and the witness computed past its assertions fails the R1CS in the
/// expected component.
fn assert_rejected(inputs: PaymentInputs, expected: StatementError, component: &str) {
    assert_eq!(inputs.check(), Err(expected));
    assert!(matches!(witness(&inputs, AssertPolicy::Enforce), Err(WitnessError::AssertFailed(_))));
    let cheat = witness(&inputs, AssertPolicy::Record).expect("calculation continues past assertions");
    assert!(!cheat.failed_asserts.is_empty());
    let components = failing_components(&cheat.values);
    assert!(!components.is_empty(), "the R1CS accepted a witness for a broken statement");
    assert!(
        components.iter().any(|c| c == component || c.starts_with(&format!("{component}."))),
        "expected a failing constraint in {component}, got {components:?}"
    );
}

#[test]
fn compiled_circuit_has_the_expected_shape() {
    let r1cs = &circuit().r1cs;
    assert_eq!((r1cs.n_pub_out, r1cs.n_pub_in, r1cs.n_prv_in), (0, 4, 13));
    assert!(r1cs.constraints.len() <= 6_500, "{} constraints", r1cs.constraints.len());
}

#[test]
fn valid_payment_satisfies_the_r1cs() {
    let inputs = Payment::valid().assemble();
    assert_eq!(inputs.check(), Ok(()));
    let w = witness(&inputs, AssertPolicy::Enforce).expect("valid witness");
    assert!(w.failed_asserts.is_empty());
    assert_eq!(circuit().r1cs.check(&w.values), Ok(()));
    assert_eq!(w.values[1..=4], inputs.public_signals(), "public signals in DESIGN.md order");
}

#[test]
fn every_credit_of_a_receipt_proves_and_the_next_does_not() {
    use zk402_circuit::{Policy, ReceiptClaim, Secret};
    let key = issuer();
    let policy = Policy { price: 1_000_000, recipient: common::MERCHANT, max_age: 3_600, issuer: key.public_key() };
    let secret = Secret::random().unwrap();
    let receipt = ReceiptClaim {
        amount: 3_000_000,
        recipient: common::MERCHANT,
        paid_at: PAID_AT,
        commitment: secret.commitment(),
    }
    .sign(&key);
    assert_eq!(receipt.verify(&key.public_key()), Ok(()));
    let credits = policy.credits(receipt.claim.amount);
    assert_eq!(credits, 3);
    for index in 0..credits as u32 {
        let inputs = PaymentInputs::new(&policy, &receipt, &secret, index, PAID_AT + 3_600, Fr::from(7u64));
        assert_eq!(inputs.check(), Ok(()), "credit {index}; age == max_age is accepted");
        let w = witness(&inputs, AssertPolicy::Enforce).unwrap();
        assert_eq!(circuit().r1cs.check(&w.values), Ok(()), "credit {index}");
    }
    let past_the_end = PaymentInputs::new(&policy, &receipt, &secret, credits as u32, PAID_AT, Fr::from(7u64));
    assert_rejected(past_the_end, StatementError::NoSuchCredit, "main.enough");
}

#[test]
fn bad_signature_is_rejected() {
    let mut inputs = Payment::valid().assemble();
    inputs.S += Fr::from(1u64);
    assert_rejected(inputs, StatementError::BadSignature(SignatureError::Invalid), "main.signature");
}

#[test]
fn malleated_signature_scalar_is_rejected() {
    let mut inputs = Payment::valid().assemble();
    let l = Fr::from(SubgroupScalar::MODULUS);
    inputs.S += l;
    assert_rejected(inputs, StatementError::BadSignature(SignatureError::SNotCanonical), "main.signature.compConstant");
}

#[test]
fn signature_point_off_curve_is_rejected() {
    let mut inputs = Payment::valid().assemble();
    inputs.R8x += Fr::from(1u64);
    assert_rejected(inputs, StatementError::BadSignature(SignatureError::R8NotOnCurve), "main.r8_on_curve");
}

#[test]
fn receipt_from_another_issuer_is_rejected() {
    let p = Payment { signer: SigningKey::from_seed(&[0x22; 32]), ..Payment::valid() };
    assert_rejected(p.assemble(), StatementError::BadSignature(SignatureError::Invalid), "main.signature");
}

#[test]
fn small_order_issuer_key_is_rejected() {
    // With A = identity anyone can "sign": S·B8 = R8 for any S. The circuit must refuse the key.
    let mut p = Payment::valid();
    p.policy_issuer = PublicKey { x: Fr::from(0u64), y: Fr::from(1u64) };
    let mut inputs = p.assemble();
    let r8 = base8().mul(&SubgroupScalar::from(5u64));
    (inputs.R8x, inputs.R8y, inputs.S) = (r8.x(), r8.y(), Fr::from(5u64));
    assert_rejected(inputs, StatementError::BadSignature(SignatureError::KeyOfSmallOrder), "main.signature.isZero");
}

#[test]
fn amount_one_below_the_spent_credits_is_rejected() {
    // Credit 2 costs 3 prices: 2,999,999 pays for credits 0 and 1 only.
    let p = Payment { amount: Fr::from(2_999_999u64), ..Payment::valid() };
    assert_rejected(p.assemble(), StatementError::NoSuchCredit, "main.enough");
}

#[test]
fn credit_index_equal_to_the_credit_count_is_rejected() {
    let p = Payment { index: Fr::from(3u64), ..Payment::valid() };
    assert_rejected(p.assemble(), StatementError::NoSuchCredit, "main.enough");
}

#[test]
fn credit_index_of_2_pow_32_is_rejected() {
    // Even a receipt large enough to cover 2^32 + 1 credits cannot spend index 2^32.
    let p =
        Payment { index: Fr::from(1u64 << 32), price: Fr::from(1u64), amount: Fr::from(u64::MAX), ..Payment::valid() };
    assert_rejected(p.assemble(), StatementError::OutOfRange("index"), "main.u32_index");
}

#[test]
fn credit_index_wrapping_the_field_is_rejected() {
    // index = -1 makes (index + 1) * price = 0 <= amount: only the range check stops it.
    let p = Payment { index: -Fr::from(1u64), ..Payment::valid() };
    assert_rejected(p.assemble(), StatementError::OutOfRange("index"), "main.u32_index");
}

#[test]
fn product_past_2_pow_64_does_not_wrap_the_comparator() {
    // (2^32 - 1 + 1) * (2^64 - 1) is about 2^96: a 64-bit comparator would read it modulo 2^65.
    let p = Payment {
        index: Fr::from(u64::from(u32::MAX)),
        price: Fr::from(u64::MAX),
        amount: Fr::from(u64::MAX),
        ..Payment::valid()
    };
    assert_rejected(p.assemble(), StatementError::NoSuchCredit, "main.enough");
}

#[test]
fn nullifier_of_another_credit_is_rejected() {
    let mut inputs = Payment::valid().assemble();
    inputs.nullifier = Payment { index: Fr::from(1u64), ..Payment::valid() }.assemble().nullifier;
    assert_rejected(inputs, StatementError::NullifierMismatch, "main.nullifier_hash");
}

#[test]
fn payment_one_second_in_the_future_is_rejected() {
    let p = Payment { now: Fr::from(PAID_AT - 1), ..Payment::valid() };
    assert_rejected(p.assemble(), StatementError::PaidInFuture, "main.not_future");
}

#[test]
fn payment_one_second_too_old_is_rejected() {
    let p = Payment { now: Fr::from(PAID_AT + 3_601), ..Payment::valid() };
    assert_rejected(p.assemble(), StatementError::ReceiptTooOld, "main.fresh");
}

#[test]
fn wrong_recipient_limbs_are_rejected() {
    let (hi, lo) = key_limbs(&common::MERCHANT);
    for receipt_recipient in [(hi, lo + Fr::from(1u64)), (hi + Fr::from(1u64), lo)] {
        let p = Payment { receipt_recipient, ..Payment::valid() };
        assert_rejected(p.assemble(), StatementError::BadSignature(SignatureError::Invalid), "main.signature");
    }
}

#[test]
fn wrong_nullifier_is_rejected() {
    let mut inputs = Payment::valid().assemble();
    inputs.nullifier = Payment { secret: Fr::from(1u64), ..Payment::valid() }.assemble().nullifier;
    assert_rejected(inputs, StatementError::NullifierMismatch, "main.nullifier_hash");
}

#[test]
fn wrong_policy_hash_is_rejected() {
    let mut inputs = Payment::valid().assemble();
    inputs.policy_hash = Payment { max_age: Fr::from(7_200u64), ..Payment::valid() }.assemble().policy_hash;
    assert_rejected(inputs, StatementError::PolicyHashMismatch, "main.policy");
}

#[test]
fn amount_of_2_pow_64_is_rejected() {
    let p = Payment { amount: two_pow_64(), ..Payment::valid() };
    assert_rejected(p.assemble(), StatementError::OutOfRange("amount"), "main.u64_amount");
}

#[test]
fn negative_amount_wrapping_the_field_is_rejected() {
    let p = Payment { amount: -Fr::from(1u64), ..Payment::valid() };
    assert_rejected(p.assemble(), StatementError::OutOfRange("amount"), "main.u64_amount");
}

#[test]
fn price_of_2_pow_64_is_rejected() {
    let p = Payment {
        price: two_pow_64(),
        amount: two_pow_64() + Fr::from(1u64),
        index: Fr::from(0u64),
        ..Payment::valid()
    };
    assert_rejected(p.assemble(), StatementError::OutOfRange("amount"), "main.u64_price");
}

#[test]
fn paid_at_of_2_pow_64_is_rejected() {
    let p = Payment { paid_at: two_pow_64(), now: two_pow_64() + Fr::from(1u64), ..Payment::valid() };
    assert_rejected(p.assemble(), StatementError::OutOfRange("paid_at"), "main.u64_paid_at");
}

#[test]
fn now_of_2_pow_64_is_rejected() {
    let p = Payment { now: two_pow_64() + Fr::from(PAID_AT), max_age: Fr::from(u64::MAX), ..Payment::valid() };
    assert_rejected(p.assemble(), StatementError::OutOfRange("now"), "main.u64_now");
}

#[test]
fn max_age_of_2_pow_64_is_rejected() {
    let p = Payment { max_age: two_pow_64(), ..Payment::valid() };
    assert_rejected(p.assemble(), StatementError::OutOfRange("max_age"), "main.u64_max_age");
}

#[test]
fn proof_cannot_be_rebound_to_another_request() {
    // A witness for one challenge with another request_hash put in its public input.
    let c = circuit();
    let w = witness(&Payment::valid().assemble(), AssertPolicy::Enforce).unwrap();
    let mut rebound = w.values.clone();
    rebound[4] += Fr::from(1u64);
    let failing = c.r1cs.unsatisfied(&rebound).unwrap();
    assert!(!failing.is_empty(), "request_hash is in no constraint");
    assert!(c.symbols.components_of_all(&c.r1cs, &failing).contains("main"));
}

#[test]
fn calculator_rejects_malformed_inputs() {
    let mut calc = WitnessCalculator::new(&circuit().wasm).unwrap();
    let one = [Fr::from(1u64)];
    assert_eq!(
        calc.calculate(&[("no_such_signal", &one)], AssertPolicy::Enforce).unwrap_err(),
        WitnessError::UnknownSignal("no_such_signal".into())
    );
    assert!(matches!(
        calc.calculate(&[("amount", &[Fr::from(1u64), Fr::from(2u64)])], AssertPolicy::Enforce),
        Err(WitnessError::WrongArity { expected: 1, got: 2, .. })
    ));
    assert!(matches!(
        calc.calculate(&[("amount", &one)], AssertPolicy::Enforce),
        Err(WitnessError::MissingInputs { set: 1, expected: 17 })
    ));
    // The calculator is reusable after errors.
    let w = Payment::valid().assemble().witness(&mut calc, AssertPolicy::Enforce).unwrap();
    assert_eq!(circuit().r1cs.check(&w.values), Ok(()));
}
