//! The in-process prover: statement check, witness, Groth16 proof, self-verification.

use crate::cache::{CacheDir, KeyCacheUse};
use crate::key::{KeyError, ProvingKey};
use crate::proof::{ProofJson, SnarkjsProof, public_signals_json};
use crate::qap::quotient_on_coset;
use crate::witness::{CompiledCircuit, WitnessCalculator, WitnessEngine, WitnessError};
use ark_bn254::{Bn254, G1Projective, G2Projective};
use ark_ec::CurveGroup;
use ark_ff::PrimeField;
use ark_groth16::Groth16;
use std::path::Path;
use std::sync::Mutex;
use std::time::{Duration, Instant};
use zk402_circuit::{Fr, PUBLIC_INPUTS, PaymentInputs, StatementError};

/// Why no proof was produced.
#[derive(Debug, thiserror::Error)]
pub enum ProveError {
    /// The inputs break the statement; names the failed check. The caller's fault.
    #[error("statement check failed: {0}")]
    Statement(#[from] StatementError),
    /// The circuit's witness calculator refused the inputs.
    #[error(transparent)]
    Witness(#[from] WitnessError),
    /// The witness does not fit the key (wrong length, wire 0 not 1, public wires differ from
    /// the inputs): the zkey and the circuit do not belong together.
    #[error("witness does not fit the proving key: {0}")]
    WitnessShape(String),
    /// The finished proof did not verify under the key's own verifying key: the witness did
    /// not satisfy the constraints. Never returned as a proof.
    #[error("the proof failed its own verification; no proof returned")]
    SelfCheckFailed,
    /// Randomness for the proof could not be drawn.
    #[error("randomness: {0}")]
    Randomness(String),
}

/// Why a prover could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// A file could not be read.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// The zkey is unusable.
    #[error(transparent)]
    Key(#[from] KeyError),
    /// The circuit (wasm or native witness generator) is unusable.
    #[error(transparent)]
    Witness(#[from] WitnessError),
    /// The zkey and the circuit do not match.
    #[error("zkey and circuit do not match: {0}")]
    Mismatch(String),
}

/// A proof with its public signals (policy_hash, now, nullifier, request_hash).
#[derive(Debug, Clone, PartialEq)]
pub struct Proof {
    /// The Groth16 proof.
    pub proof: ark_groth16::Proof<Bn254>,
    /// The public signals in verifier order.
    pub public_signals: [Fr; PUBLIC_INPUTS],
}

impl Proof {
    /// The snarkjs JSON form (`proof.json` and `public.json` together).
    pub fn to_json(&self) -> ProofJson {
        ProofJson {
            proof: SnarkjsProof::from_ark(&self.proof),
            public_signals: public_signals_json(&self.public_signals),
        }
    }
}

/// Time spent in each phase of one proof.
#[derive(Debug, Clone, Copy, Default)]
pub struct Timings {
    /// Witness calculation.
    pub witness: Duration,
    /// QAP, MSMs and the self-verification.
    pub prove: Duration,
}

/// A loaded proving key and compiled circuit. `Sync`: share one behind an `Arc`; each
/// concurrent proof takes its own witness calculator from a pool.
pub struct Prover {
    key: ProvingKey,
    key_cache: Option<KeyCacheUse>,
    circuit: CompiledCircuit,
    calculators: Mutex<Vec<WitnessCalculator>>,
}

fn read(path: &Path) -> Result<Vec<u8>, LoadError> {
    std::fs::read(path).map_err(|source| LoadError::Io { path: path.display().to_string(), source })
}

impl Prover {
    /// Loads the zkey and the circuit's wasm from files; witnesses by the native generator
    /// when this build has it for the circuit ([`WitnessEngine::Auto`]); the prepared key and
    /// the generator kept in the user's load cache ([`CacheDir::user_default`]).
    pub fn load(zkey: &Path, wasm: &Path) -> Result<Prover, LoadError> {
        Prover::load_with(zkey, wasm, WitnessEngine::Auto)
    }

    /// [`Prover::load`] with the witness engine `engine`.
    pub fn load_with(zkey: &Path, wasm: &Path, engine: WitnessEngine) -> Result<Prover, LoadError> {
        Prover::load_in(zkey, wasm, engine, CacheDir::user_default().as_ref())
    }

    /// [`Prover::load_with`] with the load cache `cache`; `None` persists nothing (the key is
    /// prepared in memory, the native generator installed in a temporary directory).
    pub fn load_in(
        zkey: &Path,
        wasm: &Path,
        engine: WitnessEngine,
        cache: Option<&CacheDir>,
    ) -> Result<Prover, LoadError> {
        Prover::from_bytes_in(&read(zkey)?, &read(wasm)?, engine, cache)
    }

    /// Builds a prover from the zkey and wasm contents with the user's load cache; checks they
    /// describe the same circuit.
    pub fn from_bytes(zkey: &[u8], wasm: &[u8], engine: WitnessEngine) -> Result<Prover, LoadError> {
        Prover::from_bytes_in(zkey, wasm, engine, CacheDir::user_default().as_ref())
    }

    /// [`Prover::from_bytes`] with the load cache `cache` (see [`Prover::load_in`]). The key
    /// and the witness engine are made ready side by side.
    pub fn from_bytes_in(
        zkey: &[u8],
        wasm: &[u8],
        engine: WitnessEngine,
        cache: Option<&CacheDir>,
    ) -> Result<Prover, LoadError> {
        let ms = |since: Instant| since.elapsed().as_secs_f64() * 1e3;
        let (key, circuit) = rayon::join(
            || {
                let start = Instant::now();
                let key = match cache {
                    Some(cache) => cache.proving_key(zkey).map(|(key, used)| (key, Some(used))),
                    None => ProvingKey::from_zkey_bytes(zkey).map(|key| (key, None)),
                };
                tracing::debug!(ms = ms(start), cache = ?key.as_ref().ok().map(|k| &k.1), "proving key ready");
                key
            },
            || {
                let start = Instant::now();
                let circuit = CompiledCircuit::load_in(wasm, engine, cache);
                tracing::debug!(ms = ms(start), "witness engine ready");
                circuit
            },
        );
        let ((key, key_cache), (circuit, calc)) = (key?, circuit?);
        if calc.witness_size() != key.n_vars {
            return Err(LoadError::Mismatch(format!(
                "{} wires in the circuit, {} in the zkey",
                calc.witness_size(),
                key.n_vars
            )));
        }
        if key.n_public != PUBLIC_INPUTS {
            return Err(LoadError::Mismatch(format!(
                "{} public signals in the zkey, expected {PUBLIC_INPUTS}",
                key.n_public
            )));
        }
        Ok(Prover { key, key_cache, circuit, calculators: Mutex::new(vec![calc]) })
    }

    /// Where the proving key came from, when a load cache was used.
    pub fn key_cache(&self) -> Option<&KeyCacheUse> {
        self.key_cache.as_ref()
    }

    /// The proving key.
    pub fn key(&self) -> &ProvingKey {
        &self.key
    }

    /// The witness engine in use: "native" or "wasm".
    pub fn witness_engine(&self) -> &'static str {
        self.circuit.engine_name()
    }

    /// Proves that `inputs` satisfy the payment statement.
    pub fn prove(&self, inputs: &PaymentInputs) -> Result<Proof, ProveError> {
        self.prove_timed(inputs).map(|(proof, _)| proof)
    }

    /// [`Prover::prove`], also reporting the time of each phase.
    pub fn prove_timed(&self, inputs: &PaymentInputs) -> Result<(Proof, Timings), ProveError> {
        let start = Instant::now();
        let witness = self.witness(inputs)?;
        if witness.get(1..=PUBLIC_INPUTS) != Some(&inputs.public_signals()[..]) {
            inputs.check()?;
            return Err(ProveError::WitnessShape("public wires differ from the inputs".into()));
        }
        let witness_done = Instant::now();
        let proof = match self.prove_witness(&witness) {
            Err(ProveError::SelfCheckFailed) => {
                inputs.check()?;
                return Err(ProveError::SelfCheckFailed);
            }
            other => other?,
        };
        Ok((proof, Timings { witness: witness_done - start, prove: witness_done.elapsed() }))
    }

    /// Runs the circuit's witness calculator. The statement is checked natively only when the
    /// calculator refuses the inputs, to name the broken check: valid inputs do not pay for
    /// it, and a witness that passes is still proven sound by the proof's self-verification.
    pub fn witness(&self, inputs: &PaymentInputs) -> Result<Vec<Fr>, ProveError> {
        let pooled = self.calculators.lock().unwrap_or_else(|e| e.into_inner()).pop();
        let mut calc = match pooled {
            Some(calc) => calc,
            None => self.circuit.instantiate()?,
        };
        let result = calc.calculate(inputs);
        if result.is_ok() || calc.reusable_after_failure() {
            self.calculators.lock().unwrap_or_else(|e| e.into_inner()).push(calc);
        }
        result.or_else(|err| {
            inputs.check()?;
            Err(err.into())
        })
    }

    /// Proves from a full witness and verifies the result before returning it.
    pub fn prove_witness(&self, witness: &[Fr]) -> Result<Proof, ProveError> {
        let key = &self.key;
        if witness.len() != key.n_vars {
            return Err(ProveError::WitnessShape(format!("{} wires, the key has {}", witness.len(), key.n_vars)));
        }
        if witness[0] != Fr::from(1u64) {
            return Err(ProveError::WitnessShape("wire 0 is not 1".into()));
        }
        let [r, s] = [random_scalar()?, random_scalar()?];
        let mut c_h_scalars = witness[key.n_public + 1..].to_vec();
        c_h_scalars.extend(quotient_on_coset(key, witness));
        let ((a, (b1, b2)), c_h) = rayon::join(
            || rayon::join(|| key.a.msm(witness), || rayon::join(|| key.b1.msm(witness), || key.b2.msm(witness))),
            || key.c_h.msm(&c_h_scalars),
        );
        let pi_a: G1Projective = a + key.alpha_g1 + key.delta_g1 * r;
        let pi_b: G2Projective = b2 + key.beta_g2 + key.delta_g2 * s;
        let b1: G1Projective = b1 + key.beta_g1 + key.delta_g1 * s;
        let pi_c: G1Projective = c_h + pi_a * s + b1 * r - key.delta_g1 * (r * s);
        let [pi_a, pi_c] = {
            let affine = G1Projective::normalize_batch(&[pi_a, pi_c]);
            [affine[0], affine[1]]
        };
        let proof = ark_groth16::Proof { a: pi_a, b: pi_b.into_affine(), c: pi_c };
        let public_signals: [Fr; PUBLIC_INPUTS] =
            witness[1..=PUBLIC_INPUTS].try_into().expect("the key has PUBLIC_INPUTS public signals");
        if !verify(&self.key, &proof, &public_signals) {
            return Err(ProveError::SelfCheckFailed);
        }
        Ok(Proof { proof, public_signals })
    }
}

/// A thread pool of one thread: proofs run inside it see arkworks' internal parallelism as
/// sequential, so several workers share the cores without fine-grained task contention.
pub fn single_thread_pool() -> Result<rayon::ThreadPool, rayon::ThreadPoolBuildError> {
    rayon::ThreadPoolBuilder::new().num_threads(1).build()
}

/// Checks a proof against the key's verifying key; malformed input counts as a rejection.
pub fn verify(key: &ProvingKey, proof: &ark_groth16::Proof<Bn254>, public_signals: &[Fr]) -> bool {
    Groth16::<Bn254>::verify_proof(&key.pvk, proof, public_signals).unwrap_or(false)
}

/// A uniformly random scalar (64 random bytes reduced mod r: bias below 2^-250).
fn random_scalar() -> Result<Fr, ProveError> {
    let mut bytes = [0u8; 64];
    getrandom::fill(&mut bytes).map_err(|e| ProveError::Randomness(e.to_string()))?;
    Ok(Fr::from_le_bytes_mod_order(&bytes))
}
