//! Real Groth16 proofs for the verifier tests: a small BN254 circuit with four public inputs
//! (a·b = x₁+x₂+x₃+x₄), proved with arkworks and encoded for the syscalls.

#![allow(dead_code, missing_docs)]

use ark_bn254::{Bn254, Fr};
use ark_ff::UniformRand;
use ark_groth16::{Groth16, ProvingKey};
use ark_relations::lc;
use ark_relations::r1cs::{ConstraintSynthesizer, ConstraintSystemRef, SynthesisError};
use ark_std::rand::{SeedableRng, rngs::StdRng};
use zk402_verifier_core::VerifyingKey;
use zk402_verifier_core::encoding::Proof;

#[derive(Clone)]
struct SumCircuit {
    a: Fr,
    b: Fr,
    x: [Fr; 4],
}

impl ConstraintSynthesizer<Fr> for SumCircuit {
    fn generate_constraints(self, cs: ConstraintSystemRef<Fr>) -> Result<(), SynthesisError> {
        let xs = self.x.map(|x| cs.new_input_variable(|| Ok(x)));
        let a = cs.new_witness_variable(|| Ok(self.a))?;
        let b = cs.new_witness_variable(|| Ok(self.b))?;
        let mut sum = lc!();
        for x in xs {
            sum = sum + x?;
        }
        cs.enforce_constraint(lc!() + a, lc!() + b, sum)
    }
}

pub use zk402_verifier_core::ark::{g1_to_bytes as g1, g2_to_bytes as g2, input_from_fr as scalar};

/// A verifying key in syscall encoding, owning its bytes.
pub struct Key {
    pub alpha: [u8; 64],
    pub beta: [u8; 128],
    pub gamma: [u8; 128],
    pub delta: [u8; 128],
    pub ic: Vec<[u8; 64]>,
}

impl Key {
    pub fn vk(&self) -> VerifyingKey<'_> {
        VerifyingKey {
            alpha_g1: &self.alpha,
            beta_g2: &self.beta,
            gamma_g2: &self.gamma,
            delta_g2: &self.delta,
            ic: &self.ic,
        }
    }
}

pub struct Fixture {
    pub key: Key,
    pub vk_ark: ark_groth16::VerifyingKey<Bn254>,
    pk: ProvingKey<Bn254>,
    rng: StdRng,
}

impl Fixture {
    pub fn new() -> Fixture {
        let mut rng = StdRng::seed_from_u64(402);
        let blank = SumCircuit { a: Fr::from(1u64), b: Fr::from(1u64), x: [Fr::from(1u64); 4] };
        let pk = Groth16::<Bn254>::generate_random_parameters_with_reduction(blank, &mut rng).unwrap();
        let vk = pk.vk.clone();
        let key = Key {
            alpha: g1(&vk.alpha_g1),
            beta: g2(&vk.beta_g2),
            gamma: g2(&vk.gamma_g2),
            delta: g2(&vk.delta_g2),
            ic: vk.gamma_abc_g1.iter().map(g1).collect(),
        };
        Fixture { key, vk_ark: pk.vk.clone(), pk, rng }
    }

    /// A fresh valid proof and its four public inputs.
    pub fn proof(&mut self) -> (Proof, [[u8; 32]; 4]) {
        let x1 = Fr::rand(&mut self.rng);
        self.proof_with_first(x1)
    }

    /// A fresh valid proof whose first public input is `x1`.
    pub fn proof_with_first(&mut self, x1: Fr) -> (Proof, [[u8; 32]; 4]) {
        let (a, b) = (Fr::rand(&mut self.rng), Fr::rand(&mut self.rng));
        let (x2, x3) = (Fr::rand(&mut self.rng), Fr::rand(&mut self.rng));
        let x = [x1, x2, x3, a * b - x1 - x2 - x3];
        let proof =
            Groth16::<Bn254>::create_random_proof_with_reduction(SumCircuit { a, b, x }, &self.pk, &mut self.rng)
                .unwrap();
        (zk402_verifier_core::ark::proof_from_ark(&proof), x.map(|x| scalar(&x)))
    }
}
