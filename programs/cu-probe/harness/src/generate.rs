//! Fixture generation: real Groth16 proofs over the real payment circuit.
//!
//! A circuit-specific arkworks setup over the compiled R1CS (`circuits/build/payment.r1cs`),
//! with fresh randomness whose toxic waste is dropped, then one proof per payment: a random
//! issuer signs receipts for random payer secrets under one policy (so every proof shares
//! `policy_hash`, folded into the base), each bound to a random request hash. Witnesses come
//! from the circuit's circom wasm; every statement is checked natively, every witness against
//! the R1CS and every proof with arkworks before it is written. The compute units measured do
//! not depend on which valid key is used.

use crate::fixture::{Fixture, FixtureError};
use crate::r1cs_circuit::R1csCircuit;
use ark_bn254::{Bn254, Fr};
use ark_ff::UniformRand;
use ark_groth16::Groth16;
use ark_std::rand::SeedableRng;
use ark_std::rand::rngs::StdRng;
use zk402_circuit::artifacts::{ArtifactPaths, LoadError, read};
use zk402_circuit::r1cs::R1csError;
use zk402_circuit::witness::{AssertPolicy, WitnessCalculator, WitnessError};
use zk402_circuit::{PaymentInputs, Policy, ReceiptClaim, Secret, SigningKey, StatementError};
use zk402_verifier_core::VerifyingKey;
use zk402_verifier_core::ark::{g1_to_bytes, g2_to_bytes, input_from_fr, proof_from_ark};

/// Why a fixture could not be generated.
#[derive(Debug, thiserror::Error)]
pub enum GenerateError {
    /// A circuit artifact could not be loaded.
    #[error(transparent)]
    Load(#[from] LoadError),
    /// The witness calculator failed.
    #[error("witness: {0}")]
    Witness(#[from] WitnessError),
    /// The payment statement does not hold (a bug in the generator).
    #[error("statement: {0}")]
    Statement(#[from] StatementError),
    /// The witness does not satisfy the R1CS.
    #[error("r1cs: {0}")]
    R1cs(#[from] R1csError),
    /// The OS refused randomness.
    #[error("randomness: {0}")]
    Random(#[from] getrandom::Error),
    /// arkworks setup or proving failed.
    #[error("groth16: {0}")]
    Groth16(#[from] ark_relations::r1cs::SynthesisError),
    /// A generated proof does not verify, or its public signals are not the statement's.
    #[error("proof {0} does not verify")]
    ProofInvalid(usize),
    /// The circuit does not have the payment circuit's four public inputs.
    #[error("the R1CS has {0} public signals, the payment circuit 4")]
    PublicCount(usize),
    /// The result is not a valid fixture.
    #[error(transparent)]
    Fixture(#[from] FixtureError),
}

/// Issuer, policy and clock shared by the generated payments.
struct Payments {
    issuer: SigningKey,
    policy: Policy,
    now: u64,
}

impl Payments {
    fn new(now: u64) -> Result<Payments, GenerateError> {
        let issuer = SigningKey::generate()?;
        let mut recipient = [0u8; 32];
        getrandom::fill(&mut recipient)?;
        let policy = Policy { price: 1_000_000, recipient, max_age: 3_600, issuer: issuer.public_key() };
        Ok(Payments { issuer, policy, now })
    }

    /// 1.5 USDC paid ten minutes ago by a fresh payer, bound to a random request.
    fn next(&self, rng: &mut StdRng) -> Result<PaymentInputs, GenerateError> {
        let secret = Secret::random()?;
        let claim = ReceiptClaim {
            amount: 1_500_000,
            recipient: self.policy.recipient,
            paid_at: self.now - 600,
            commitment: secret.commitment(),
        };
        let inputs = PaymentInputs::new(&self.policy, &claim.sign(&self.issuer), &secret, 0, self.now, Fr::rand(rng));
        inputs.check()?;
        Ok(inputs)
    }
}

/// Sets up a key over the payment circuit's R1CS and proves `n_proofs` payments under one
/// policy; `now` is the statement's unix time.
pub fn generate(artifacts: &ArtifactPaths, n_proofs: usize, now: u64) -> Result<Fixture, GenerateError> {
    let r1cs = artifacts.load_r1cs()?;
    if r1cs.n_public() != zk402_circuit::PUBLIC_INPUTS {
        return Err(GenerateError::PublicCount(r1cs.n_public()));
    }
    let mut calc = WitnessCalculator::new(&read(&artifacts.wasm)?)?;
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed)?;
    let mut rng = StdRng::from_seed(seed);

    let pk = Groth16::<Bn254>::generate_random_parameters_with_reduction(
        R1csCircuit { r1cs: &r1cs, witness: None },
        &mut rng,
    )?;
    let pvk = ark_groth16::prepare_verifying_key(&pk.vk);
    let payments = Payments::new(now)?;
    let mut proofs = Vec::with_capacity(n_proofs);
    for index in 0..n_proofs {
        let inputs = payments.next(&mut rng)?;
        let witness = inputs.witness(&mut calc, AssertPolicy::Enforce)?.values;
        r1cs.check(&witness)?;
        let public = inputs.public_signals();
        if witness.get(1..=public.len()) != Some(&public[..]) {
            return Err(GenerateError::ProofInvalid(index));
        }
        let circuit = R1csCircuit { r1cs: &r1cs, witness: Some(&witness) };
        let proof = Groth16::<Bn254>::create_random_proof_with_reduction(circuit, &pk, &mut rng)?;
        if !Groth16::<Bn254>::verify_proof(&pvk, &proof, &public)? {
            return Err(GenerateError::ProofInvalid(index));
        }
        proofs.push((proof_from_ark(&proof), public[1..].iter().map(input_from_fr).collect()));
    }
    let vk = &pk.vk;
    let source = format!(
        "ark-groth16 0.5 circuit-specific setup (fresh randomness, toxic waste dropped) over {}; {n_proofs} proofs \
         under one policy, witnesses from {}",
        artifacts.r1cs.display(),
        artifacts.wasm.display()
    );
    let ic: Vec<[u8; 64]> = vk.gamma_abc_g1.iter().map(g1_to_bytes).collect();
    let key = VerifyingKey {
        alpha_g1: &g1_to_bytes(&vk.alpha_g1),
        beta_g2: &g2_to_bytes(&vk.beta_g2),
        gamma_g2: &g2_to_bytes(&vk.gamma_g2),
        delta_g2: &g2_to_bytes(&vk.delta_g2),
        ic: &ic,
    };
    let policy_hash = input_from_fr(&payments.policy.hash());
    Ok(Fixture::new(source, &key, vec![policy_hash], proofs)?)
}
