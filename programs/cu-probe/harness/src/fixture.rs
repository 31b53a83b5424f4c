//! The fixture file: what the probe verifies, as hex strings in JSON.
//!
//! ```json
//! { "source": "...", "vk": { "alpha_g1": "..", "beta_g2": "..", "gamma_g2": "..",
//!   "delta_g2": "..", "ic": [".."] }, "folded_inputs": [".."], "base": "..",
//!   "proofs": [{ "proof": "..", "inputs": [".."] }] }
//! ```
//!
//! Points are in the alt_bn128 syscall encoding, proofs −A‖B‖C (256 bytes), inputs 32-byte
//! big-endian. `folded_inputs` are the leading public inputs shared by every proof (the
//! payment circuit's `policy_hash`), `base` is IC₀ with them folded in; each proof lists the
//! remaining inputs (`now`, `nullifier`, `request_hash`).

use serde::{Deserialize, Serialize};
use std::path::Path;
use zk402_cu_probe::{Case, Op};
use zk402_verifier_core::encoding::{PROOF_LEN, Proof};
use zk402_verifier_core::{InputBase, VerifyError, VerifyingKey};

/// Why a fixture cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum FixtureError {
    /// The file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The OS error.
        source: std::io::Error,
    },
    /// The file is not fixture JSON.
    #[error("fixture JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// A field is not hex of the expected length.
    #[error("{field}: expected {len} bytes of hex")]
    Hex {
        /// Which field.
        field: &'static str,
        /// Its byte length.
        len: usize,
    },
    /// The base does not equal IC₀ with `folded_inputs` folded in, or folding failed.
    #[error("base does not match the verifying key and folded inputs")]
    BaseMismatch,
    /// A proof has the wrong number of inputs, or there are no proofs.
    #[error("proof {index}: expected {expected} inputs")]
    InputCount {
        /// The proof's position.
        index: usize,
        /// Inputs the key leaves after folding.
        expected: usize,
    },
    /// The key or the folded inputs are rejected by the verifier core.
    #[error("verifier core: {0}")]
    Core(VerifyError),
    /// A case asks for more proofs than the probe takes.
    #[error("{0} proofs: the probe takes at most {max}", max = zk402_cu_probe::case::MAX_PROOFS)]
    TooManyProofs(usize),
    /// A case asks for more proofs than the fixture holds.
    #[error("the fixture holds {have} proofs, the case needs {need}")]
    TooFewProofs {
        /// Proofs in the fixture.
        have: usize,
        /// Proofs the case needs.
        need: usize,
    },
}

/// Hex-encoded verifying key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VkHex {
    /// α ∈ G1 (64 bytes).
    pub alpha_g1: String,
    /// β ∈ G2 (128 bytes).
    pub beta_g2: String,
    /// γ ∈ G2 (128 bytes).
    pub gamma_g2: String,
    /// δ ∈ G2 (128 bytes).
    pub delta_g2: String,
    /// IC₀..ICₙ ∈ G1 (64 bytes each).
    pub ic: Vec<String>,
}

/// One hex-encoded proof and its unfolded public inputs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProofHex {
    /// −A‖B‖C (256 bytes).
    pub proof: String,
    /// Unfolded public inputs (32 bytes each, big-endian).
    pub inputs: Vec<String>,
}

/// The fixture file as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FixtureFile {
    /// What produced the key and the proofs (printed with the figures).
    pub source: String,
    /// The verifying key.
    pub vk: VkHex,
    /// Leading public inputs shared by every proof, folded into `base`.
    pub folded_inputs: Vec<String>,
    /// IC₀ + Σ folded_inputsⱼ·ICⱼ₊₁ (64 bytes).
    pub base: String,
    /// The proofs.
    pub proofs: Vec<ProofHex>,
}

/// A decoded, checked fixture owning its bytes.
#[derive(Debug, Clone)]
pub struct Fixture {
    /// What produced it.
    pub source: String,
    /// α ∈ G1.
    pub alpha: [u8; 64],
    /// β ∈ G2.
    pub beta: [u8; 128],
    /// γ ∈ G2.
    pub gamma: [u8; 128],
    /// δ ∈ G2.
    pub delta: [u8; 128],
    /// IC points.
    pub ic: Vec<[u8; 64]>,
    /// Folded leading inputs.
    pub folded_inputs: Vec<[u8; 32]>,
    /// The folded base.
    pub base: InputBase,
    /// Proofs with their unfolded inputs.
    pub proofs: Vec<(Proof, Vec<[u8; 32]>)>,
}

fn unhex<const N: usize>(field: &'static str, s: &str) -> Result<[u8; N], FixtureError> {
    let bytes = hex::decode(s).map_err(|_| FixtureError::Hex { field, len: N })?;
    bytes.try_into().map_err(|_| FixtureError::Hex { field, len: N })
}

impl Fixture {
    /// Reads and checks a fixture file.
    pub fn load(path: &Path) -> Result<Fixture, FixtureError> {
        let io = |source| FixtureError::Io { path: path.display().to_string(), source };
        let text = std::fs::read_to_string(path).map_err(io)?;
        Fixture::from_file(&serde_json::from_str(&text)?)
    }

    /// Writes the fixture as JSON.
    pub fn save(&self, path: &Path) -> Result<(), FixtureError> {
        let io = |source| FixtureError::Io { path: path.display().to_string(), source };
        std::fs::write(path, serde_json::to_string_pretty(&self.to_file())? + "\n").map_err(io)
    }

    /// Builds a fixture from its parts, folding `folded_inputs` into the base and checking
    /// every proof's input count.
    pub fn new(
        source: String,
        vk: &VerifyingKey<'_>,
        folded_inputs: Vec<[u8; 32]>,
        proofs: Vec<(Proof, Vec<[u8; 32]>)>,
    ) -> Result<Fixture, FixtureError> {
        let mut fixture = Fixture {
            source,
            alpha: *vk.alpha_g1,
            beta: *vk.beta_g2,
            gamma: *vk.gamma_g2,
            delta: *vk.delta_g2,
            ic: vk.ic.to_vec(),
            folded_inputs,
            base: InputBase { point: [0; 64], folded: 0 },
            proofs,
        };
        fixture.base = InputBase::fold(&fixture.vk(), &fixture.folded_inputs).map_err(FixtureError::Core)?;
        fixture.check_proofs()?;
        Ok(fixture)
    }

    /// Decodes the stored form and checks it: hex lengths, the base against the key and the
    /// folded inputs, and the input count of every proof.
    pub fn from_file(file: &FixtureFile) -> Result<Fixture, FixtureError> {
        let ic = file.vk.ic.iter().map(|p| unhex("vk.ic", p)).collect::<Result<Vec<_>, _>>()?;
        let folded = file.folded_inputs.iter().map(|x| unhex("folded_inputs", x)).collect::<Result<_, _>>()?;
        let proofs = file
            .proofs
            .iter()
            .map(|p| {
                let proof = Proof::from_bytes(&unhex::<PROOF_LEN>("proofs.proof", &p.proof)?);
                let inputs = p.inputs.iter().map(|x| unhex("proofs.inputs", x)).collect::<Result<_, _>>()?;
                Ok((proof, inputs))
            })
            .collect::<Result<_, FixtureError>>()?;
        let vk = VerifyingKey {
            alpha_g1: &unhex("vk.alpha_g1", &file.vk.alpha_g1)?,
            beta_g2: &unhex("vk.beta_g2", &file.vk.beta_g2)?,
            gamma_g2: &unhex("vk.gamma_g2", &file.vk.gamma_g2)?,
            delta_g2: &unhex("vk.delta_g2", &file.vk.delta_g2)?,
            ic: &ic,
        };
        let fixture = Fixture::new(file.source.clone(), &vk, folded, proofs)?;
        if fixture.base.point != unhex::<64>("base", &file.base)? {
            return Err(FixtureError::BaseMismatch);
        }
        Ok(fixture)
    }

    /// The stored form.
    pub fn to_file(&self) -> FixtureFile {
        FixtureFile {
            source: self.source.clone(),
            vk: VkHex {
                alpha_g1: hex::encode(self.alpha),
                beta_g2: hex::encode(self.beta),
                gamma_g2: hex::encode(self.gamma),
                delta_g2: hex::encode(self.delta),
                ic: self.ic.iter().map(hex::encode).collect(),
            },
            folded_inputs: self.folded_inputs.iter().map(hex::encode).collect(),
            base: hex::encode(self.base.point),
            proofs: self
                .proofs
                .iter()
                .map(|(p, x)| ProofHex {
                    proof: hex::encode(p.to_bytes()),
                    inputs: x.iter().map(hex::encode).collect(),
                })
                .collect(),
        }
    }

    fn check_proofs(&self) -> Result<(), FixtureError> {
        let expected = self.ic.len().saturating_sub(1 + self.folded_inputs.len());
        if self.proofs.is_empty() {
            return Err(FixtureError::InputCount { index: 0, expected });
        }
        match self.proofs.iter().position(|(_, x)| x.len() != expected) {
            Some(index) => Err(FixtureError::InputCount { index, expected }),
            None => Ok(()),
        }
    }

    /// The verifying key, borrowed.
    pub fn vk(&self) -> VerifyingKey<'_> {
        VerifyingKey {
            alpha_g1: &self.alpha,
            beta_g2: &self.beta,
            gamma_g2: &self.gamma,
            delta_g2: &self.delta,
            ic: &self.ic,
        }
    }

    /// The core's single verify of proof 0 against the folded base.
    pub fn single(&self) -> Result<Case<'_>, FixtureError> {
        self.case(Op::Verify, 1)
    }

    /// The core's batch verify of the first `n` proofs.
    pub fn batch(&self, n: usize) -> Result<Case<'_>, FixtureError> {
        self.case(Op::VerifyBatch, n)
    }

    /// Proof 0 with every input passed (nothing folded), with `op` [`Op::Verify`] (the core
    /// without folding) or [`Op::PeerVerify`] (groth16-solana).
    pub fn unfolded(&self, op: Op) -> Result<UnfoldedCase, FixtureError> {
        self.need(1)?;
        let base = InputBase::fold(&self.vk(), &[]).map_err(FixtureError::Core)?;
        let (proof, rest) = &self.proofs[0];
        let inputs = self.folded_inputs.iter().chain(rest).copied().collect();
        Ok(UnfoldedCase { op, base, proof: *proof, inputs })
    }

    fn need(&self, n: usize) -> Result<(), FixtureError> {
        if n == 0 || n > self.proofs.len() {
            return Err(FixtureError::TooFewProofs { have: self.proofs.len(), need: n });
        }
        Ok(())
    }

    fn case(&self, op: Op, n: usize) -> Result<Case<'_>, FixtureError> {
        self.need(n)?;
        let proofs: Vec<_> = self.proofs[..n].iter().map(|(p, x)| (*p, &x[..])).collect();
        Case::new(op, self.vk(), self.base, &proofs).map_err(|_| FixtureError::TooManyProofs(n))
    }
}

/// A single-proof case with every input unfolded; owns the inputs it lends to [`Case`].
#[derive(Debug, Clone)]
pub struct UnfoldedCase {
    op: Op,
    base: InputBase,
    proof: Proof,
    inputs: Vec<[u8; 32]>,
}

impl UnfoldedCase {
    /// The case, borrowing the key from `fixture`.
    pub fn case<'a>(&'a self, fixture: &'a Fixture) -> Case<'a> {
        Case::single(self.op, fixture.vk(), self.base, self.proof, &self.inputs)
    }
}
