//! Off-chain verification of a `zk-groth16` payment, in the order of DESIGN.md: the terms
//! (network, program, a policy served here, payTo and price as the policy account says), the
//! challenge (MAC, expiry, request hash), `now` inside the policy's clock window with time left
//! to settle, the Groth16 proof against the very key the program holds, the nullifier neither
//! recorded on chain nor reserved here — then reserved, atomically.

use crate::challenge::{self, ChallengeRefusal};
use crate::store::{Entry, NullifierStore, Reservation, StoreError};
use crate::{Facilitator, PolicyView};
use anchor_lang::prelude::Pubkey;
use std::str::FromStr;
use zk402_chain::program::{PROGRAM_ID, nullifier_expiry_in};
use zk402_chain::{Chain, ChainError};
use zk402_verifier::verification::{u64_input, verifying_key};
use zk402_verifier_core::encoding::Proof;
use zk402_verifier_core::{InputBase, verify};
use zk402_x402::{PaymentPayload, PaymentRequirements};

/// Why a payment is not valid; each has a stable [`code`](Invalid::code) (x402 `invalidReason`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Invalid {
    /// The payload's `accepted` is not the requirements the resource server passed (every
    /// field but the challenge, which [`RequestMismatch`](Invalid::RequestMismatch) checks).
    #[error("the payment answers other requirements than these")]
    RequirementsMismatch,
    /// The requirements carry a newer challenge (minted for the request the resource server
    /// holds now) that is not for the payment's resource and method: a proof made for another
    /// request.
    #[error("the payment was made for another resource or method than this request")]
    RequestMismatch,
    /// Another network than the facilitator's.
    #[error("the payment is for another network")]
    NetworkMismatch,
    /// Another verifier program.
    #[error("the payment names another verifier program")]
    ProgramMismatch,
    /// A policy this facilitator does not serve (or no policy account there).
    #[error("the policy is not served by this facilitator")]
    UnknownPolicy,
    /// payTo or amount differ from the policy account's recipient and price.
    #[error("payTo or amount disagree with the on-chain policy")]
    TermsMismatch,
    /// The payload names no resource URL.
    #[error("the payment names no resource")]
    ResourceMissing,
    /// The challenge check failed.
    #[error("{0}")]
    Challenge(ChallengeRefusal),
    /// The proof's request hash is not the challenge's.
    #[error("the proof is bound to another challenge")]
    ProofRequestHashMismatch,
    /// The proof's `now` is outside the policy's clock window around the cluster clock.
    #[error("the proof's time is outside the policy's clock window")]
    NowOutsideWindow,
    /// The proof's `now` leaves too little time to settle it before the program refuses it.
    #[error("the proof is too old to be settled in time")]
    TooLateToSettle,
    /// The proof does not verify (against the policy and its public inputs).
    #[error("the proof does not verify")]
    ProofInvalid,
    /// The nullifier is recorded in the policy's on-chain set: the credit is spent.
    #[error("this credit was already spent")]
    NullifierSpent,
    /// The nullifier is reserved here by an earlier payment.
    #[error("this credit is already being spent")]
    NullifierReserved,
    /// The policy has no nullifier set yet, so nothing could be settled.
    #[error("the policy has no nullifier set")]
    NoNullifierSet,
}

impl Invalid {
    /// Stable machine-readable code.
    pub fn code(self) -> &'static str {
        match self {
            Invalid::RequirementsMismatch => "requirements_mismatch",
            Invalid::RequestMismatch => "request_mismatch",
            Invalid::NetworkMismatch => "network_mismatch",
            Invalid::ProgramMismatch => "program_mismatch",
            Invalid::UnknownPolicy => "unknown_policy",
            Invalid::TermsMismatch => "terms_mismatch",
            Invalid::ResourceMissing => "resource_missing",
            Invalid::Challenge(refusal) => refusal.code(),
            Invalid::ProofRequestHashMismatch => "proof_request_hash_mismatch",
            Invalid::NowOutsideWindow => "now_outside_window",
            Invalid::TooLateToSettle => "too_late_to_settle",
            Invalid::ProofInvalid => "proof_invalid",
            Invalid::NullifierSpent => "nullifier_spent",
            Invalid::NullifierReserved => "nullifier_reserved",
            Invalid::NoNullifierSet => "no_nullifier_set",
        }
    }

    /// Every reason (for metric label sets and docs).
    pub const ALL: [Invalid; 17] = [
        Invalid::RequirementsMismatch,
        Invalid::RequestMismatch,
        Invalid::NetworkMismatch,
        Invalid::ProgramMismatch,
        Invalid::UnknownPolicy,
        Invalid::TermsMismatch,
        Invalid::ResourceMissing,
        Invalid::Challenge(ChallengeRefusal::Forged),
        Invalid::Challenge(ChallengeRefusal::Expired),
        Invalid::Challenge(ChallengeRefusal::RequestHashMismatch),
        Invalid::ProofRequestHashMismatch,
        Invalid::NowOutsideWindow,
        Invalid::TooLateToSettle,
        Invalid::ProofInvalid,
        Invalid::NullifierSpent,
        Invalid::NullifierReserved,
        Invalid::NoNullifierSet,
    ];
}

/// Why verification did not conclude.
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    /// The payment is not valid.
    #[error("{0}")]
    Invalid(Invalid),
    /// The chain could not be read: fail closed.
    #[error(transparent)]
    Chain(#[from] ChainError),
    /// The nullifier store failed: fail closed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<Invalid> for VerifyError {
    fn from(invalid: Invalid) -> VerifyError {
        VerifyError::Invalid(invalid)
    }
}

impl From<ChallengeRefusal> for VerifyError {
    fn from(refusal: ChallengeRefusal) -> VerifyError {
        VerifyError::Invalid(Invalid::Challenge(refusal))
    }
}

/// A payment [`verify`](Facilitator::verify) found valid and reserved: the only way into
/// [`settle_verified`](Facilitator::settle_verified), so nothing can queue a nullifier for
/// settlement that was not verified. Made only by this crate.
#[derive(Debug, PartialEq, Eq)]
pub struct Verified(Entry);

impl Verified {
    /// The reservation: nullifier, policy, proof and settlement deadline.
    pub fn entry(&self) -> &Entry {
        &self.0
    }
}

impl<C: Chain, S: NullifierStore> Facilitator<C, S> {
    /// Verifies `payload` against `requirements` and reserves its nullifier. On `Ok` the proof
    /// is valid, its credit unspent, and no other payment can use that credit until
    /// [`settle`](Facilitator::settle) or a release.
    pub async fn verify(
        &self,
        payload: &PaymentPayload,
        requirements: &PaymentRequirements,
    ) -> Result<Verified, VerifyError> {
        let outcome = self.check(payload, requirements).await;
        self.metrics.verification(outcome.as_ref().err());
        outcome
    }

    async fn check(
        &self,
        payload: &PaymentPayload,
        requirements: &PaymentRequirements,
    ) -> Result<Verified, VerifyError> {
        let view = self.check_terms(payload, requirements).await?;
        let url = resource(payload)?;
        let info = &payload.accepted.extra.challenge;
        challenge::check(&self.config.challenge_key, info, &view.address.to_bytes(), url, crate::unix_now())?;
        let zk = &payload.payload;
        if zk.request_hash != info.request_hash {
            return Err(Invalid::ProofRequestHashMismatch.into());
        }
        let deadline = self.check_time(zk.now, &view).await?;
        let set = view.set.as_ref().ok_or(Invalid::NoNullifierSet)?;
        check_proof(&view, payload)?;
        // The policy (and its set) came from the cache: only the nullifier's shard is read.
        if nullifier_expiry_in(&self.chain, set, &zk.nullifier).await?.is_some() {
            return Err(Invalid::NullifierSpent.into());
        }
        let entry = Entry {
            nullifier: zk.nullifier,
            policy: view.address.to_bytes(),
            proof: zk.proof,
            now: zk.now,
            request_hash: zk.request_hash,
            deadline,
        };
        match self.store.reserve(&entry, crate::unix_now()).await? {
            Reservation::Reserved => Ok(Verified(entry)),
            Reservation::Taken(_) => Err(Invalid::NullifierReserved.into()),
        }
    }

    /// What settling a payload whose nullifier the store already holds requires: our terms, a
    /// challenge of ours for its resource bound to the proof, and a valid proof — so a payload
    /// merely carrying a known nullifier is no settlement. Time is not checked again: the
    /// reservation was made in time, and the worker settles what was reserved.
    pub(crate) async fn check_known(
        &self,
        payload: &PaymentPayload,
        requirements: &PaymentRequirements,
    ) -> Result<(), VerifyError> {
        let view = self.check_terms(payload, requirements).await?;
        let info = &payload.accepted.extra.challenge;
        challenge::authenticate(&self.config.challenge_key, info, &view.address.to_bytes(), resource(payload)?)?;
        if payload.payload.request_hash != info.request_hash {
            return Err(Invalid::ProofRequestHashMismatch.into());
        }
        check_proof(&view, payload)
    }

    /// The payment answers these requirements (up to a newer challenge for the same request),
    /// names our network and program, and a policy served here whose recipient and price the
    /// requirements state.
    async fn check_terms(
        &self,
        payload: &PaymentPayload,
        requirements: &PaymentRequirements,
    ) -> Result<std::sync::Arc<PolicyView>, VerifyError> {
        let mut answered = payload.accepted.clone();
        answered.extra.challenge = requirements.extra.challenge.clone();
        if answered != *requirements {
            return Err(Invalid::RequirementsMismatch.into());
        }
        if requirements.network != self.config.network {
            return Err(Invalid::NetworkMismatch.into());
        }
        if requirements.extra.verifier_program != PROGRAM_ID.to_string() {
            return Err(Invalid::ProgramMismatch.into());
        }
        let address = Pubkey::from_str(&requirements.extra.policy).map_err(|_| Invalid::UnknownPolicy)?;
        if !self.config.policies.contains(&address) {
            return Err(Invalid::UnknownPolicy.into());
        }
        let view = self.policies.get(&self.chain, &address).await?.ok_or(Invalid::UnknownPolicy)?;
        // A resource server that rebuilds its requirements for every request (x402's SDKs)
        // sends a challenge it just had minted for the request it holds: that request must be
        // the one the payment was made for (the challenge's MAC covers method and URL).
        let (held, answered) = (&requirements.extra.challenge, &payload.accepted.extra.challenge);
        if held != answered {
            let url = resource(payload)?;
            let same_request = held.method == answered.method
                && challenge::authenticate(&self.config.challenge_key, held, &address.to_bytes(), url).is_ok();
            if !same_request {
                return Err(Invalid::RequestMismatch.into());
            }
        }
        if requirements.pay_to != view.policy.recipient.to_string() || requirements.amount != view.policy.price {
            return Err(Invalid::TermsMismatch.into());
        }
        Ok(view)
    }

    /// `now` is within the clock window of the cluster clock, with at least the configured
    /// settlement margin left before the program would refuse it. Returns that deadline.
    async fn check_time(&self, now: i64, view: &PolicyView) -> Result<u64, VerifyError> {
        let clock = self.clock.now(&self.chain).await?;
        let window = view.policy.clock_window;
        if now <= 0 || now.abs_diff(clock) > window {
            return Err(Invalid::NowOutsideWindow.into());
        }
        let deadline = (now as u64).saturating_add(window);
        if (clock.max(0) as u64).saturating_add(self.config.settle_margin_secs) > deadline {
            return Err(Invalid::TooLateToSettle.into());
        }
        Ok(deadline)
    }
}

/// The resource URL the payload names.
fn resource(payload: &PaymentPayload) -> Result<&str, Invalid> {
    payload.resource.as_ref().map(|r| r.url.as_str()).ok_or(Invalid::ResourceMissing)
}

/// The Groth16 proof verifies against the policy and the payload's public inputs, with the key
/// the program holds.
fn check_proof(view: &PolicyView, payload: &PaymentPayload) -> Result<(), VerifyError> {
    let zk = &payload.payload;
    let inputs = [u64_input(zk.now as u64), zk.nullifier, zk.request_hash];
    let base = InputBase { point: view.policy.input_base, folded: 1 };
    verify(&verifying_key(), &base, &Proof::from_bytes(&zk.proof), &inputs).map_err(|_| Invalid::ProofInvalid.into())
}
