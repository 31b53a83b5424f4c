//! Fixtures shared by the circuit tests: a valid payment assembled from raw field values, so a
//! test can change one value and re-derive everything an honest-but-wrong prover would.

#![allow(dead_code, missing_docs)]

use std::path::Path;
use std::process::Command;
use zk402_circuit::eddsa::SigningKey;
use zk402_circuit::field::key_limbs;
use zk402_circuit::poseidon::poseidon;
use zk402_circuit::receipt::nullifier_tag;
use zk402_circuit::{Fr, PaymentInputs, PublicKey};

pub const MERCHANT: [u8; 32] = *b"merchant-usdc-token-account-0001";
pub const PAID_AT: u64 = 1_763_700_000;

/// The values a prover chooses; `assemble` derives hashes and the issuer's signature.
#[derive(Clone)]
pub struct Payment {
    pub amount: Fr,
    pub price: Fr,
    pub paid_at: Fr,
    pub now: Fr,
    pub max_age: Fr,
    /// Recipient in the policy.
    pub policy_recipient: (Fr, Fr),
    /// Recipient in the signed receipt.
    pub receipt_recipient: (Fr, Fr),
    pub secret: Fr,
    pub request_hash: Fr,
    /// The credit spent.
    pub index: Fr,
    /// Key that signs the receipt.
    pub signer: SigningKey,
    /// Issuer key named by the policy.
    pub policy_issuer: PublicKey,
}

pub fn issuer() -> SigningKey {
    SigningKey::from_seed(&[0x11; 32])
}

impl Payment {
    /// 3.5 USDC paid 10 minutes ago against a policy of 1 USDC per request within one hour
    /// (three credits), spending the last credit (index 2).
    pub fn valid() -> Payment {
        let signer = issuer();
        let limbs = key_limbs(&MERCHANT);
        Payment {
            amount: Fr::from(3_500_000u64),
            price: Fr::from(1_000_000u64),
            paid_at: Fr::from(PAID_AT),
            now: Fr::from(PAID_AT + 600),
            max_age: Fr::from(3_600u64),
            policy_recipient: limbs,
            receipt_recipient: limbs,
            secret: Fr::from(0x5ec2e7u64),
            request_hash: Fr::from(0xabcdefu64),
            index: Fr::from(2u64),
            policy_issuer: signer.public_key(),
            signer,
        }
    }

    /// The inputs an honest prover computes from these values.
    pub fn assemble(&self) -> PaymentInputs {
        let (hi, lo) = self.policy_recipient;
        let policy_hash = poseidon(&[self.price, hi, lo, self.max_age, self.policy_issuer.x, self.policy_issuer.y]);
        let (rhi, rlo) = self.receipt_recipient;
        let message = poseidon(&[self.amount, rhi, rlo, self.paid_at, poseidon(&[self.secret])]);
        let sig = self.signer.sign(&message);
        PaymentInputs {
            policy_hash,
            now: self.now,
            nullifier: poseidon(&[nullifier_tag(), self.secret, self.index]),
            request_hash: self.request_hash,
            price: self.price,
            recipient_hi: hi,
            recipient_lo: lo,
            max_age: self.max_age,
            issuer_Ax: self.policy_issuer.x,
            issuer_Ay: self.policy_issuer.y,
            amount: self.amount,
            paid_at: self.paid_at,
            secret: self.secret,
            R8x: sig.r8x,
            R8y: sig.r8y,
            S: sig.s,
            index: self.index,
        }
    }
}

/// 2^64 as a field element.
pub fn two_pow_64() -> Fr {
    Fr::from(u64::MAX) + Fr::from(1u64)
}

/// Runs a command from `circuits/`, failing the test with its output if it fails to start.
pub fn node_command(program: &str) -> Command {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    assert!(
        dir.join("node_modules").is_dir(),
        "circuits/node_modules is missing: run `npm ci --prefix circuits` (the test script does)"
    );
    let mut cmd = Command::new(program);
    cmd.current_dir(dir);
    cmd
}
