//! Confirming a payment on chain: the verifying transaction exists and succeeded, called the
//! verifier program with the merchant's policy, the program itself emitted a `PaymentVerified`
//! event with the policy, the challenge's request hash and the payload's nullifier, and the
//! nullifier is recorded in the policy's nullifier set.

use super::refusal::Refusal;
use anchor_lang::prelude::Pubkey;
use solana_signature::Signature;
use zk402_chain::program::{fetch_nullifier_expiry, payment_events};
use zk402_chain::{Chain, ChainError, ConfirmedTransaction, Finality};

/// Why a payment was not confirmed.
#[derive(Debug)]
pub enum Unconfirmed {
    /// The chain says no.
    Refused(Refusal),
    /// The chain could not be asked: fail closed.
    Chain(ChainError),
}

impl From<Refusal> for Unconfirmed {
    fn from(refusal: Refusal) -> Unconfirmed {
        Unconfirmed::Refused(refusal)
    }
}

impl From<ChainError> for Unconfirmed {
    fn from(error: ChainError) -> Unconfirmed {
        Unconfirmed::Chain(error)
    }
}

/// What the proof must have been verified for.
#[derive(Debug, Clone, Copy)]
pub struct Expected<'a> {
    /// The verifier program.
    pub program_id: &'a Pubkey,
    /// The merchant's policy account.
    pub policy: &'a Pubkey,
    /// The challenge's request hash (32 bytes, big-endian).
    pub request_hash: &'a [u8; 32],
    /// The payload's nullifier (32 bytes, big-endian).
    pub nullifier: &'a [u8; 32],
}

/// Runs every check; `Ok` only if all pass.
pub async fn confirm_payment<C: Chain>(
    chain: &C,
    signature: &Signature,
    expected: Expected<'_>,
) -> Result<(), Unconfirmed> {
    let tx = chain.transaction(signature, Finality::Confirmed).await?.ok_or(Refusal::TransactionNotFound)?;
    if tx.error.is_some() {
        return Err(Refusal::TransactionFailed.into());
    }
    if !invokes_with(&tx, expected.program_id, expected.policy) {
        return Err(Refusal::ProgramNotInvoked.into());
    }
    let events = payment_events(&program_logs(&tx.logs, expected.program_id));
    let ours: Vec<_> = events.iter().filter(|e| e.policy == *expected.policy).collect();
    if ours.is_empty() {
        return Err(Refusal::EventMissing.into());
    }
    let bound: Vec<_> = ours.iter().filter(|e| e.request_hash == *expected.request_hash).collect();
    if bound.is_empty() {
        return Err(Refusal::RequestHashMismatch.into());
    }
    if !bound.iter().any(|e| e.nullifier == *expected.nullifier) {
        return Err(Refusal::NullifierMismatch.into());
    }
    // Recorded in the policy's own set (a lookup there, so no other policy's entry counts).
    fetch_nullifier_expiry(chain, expected.policy, expected.nullifier).await?.ok_or(Refusal::NullifierMissing)?;
    Ok(())
}

/// Whether a top-level instruction of `tx` calls `program_id` with `policy` among its accounts.
fn invokes_with(tx: &ConfirmedTransaction, program_id: &Pubkey, policy: &Pubkey) -> bool {
    let keys = tx.account_keys();
    let key = |index: u8| keys.get(usize::from(index));
    tx.instructions().iter().any(|ix| {
        key(ix.program_id_index).is_some_and(|p| p.as_ref() == program_id.as_ref())
            && ix.accounts.iter().any(|&a| key(a).is_some_and(|k| k.as_ref() == policy.as_ref()))
    })
}

/// The log lines written while `program_id` was the executing program (its own frames at any
/// depth, not those of programs it called or that called it). A `Program data:` line from any
/// other program is thereby ignored: only the verifier program's events count.
pub fn program_logs(logs: &[String], program_id: &Pubkey) -> Vec<String> {
    let id = program_id.to_string();
    let mut stack: Vec<&str> = Vec::new();
    let mut out = Vec::new();
    for line in logs {
        if let Some(rest) = line.strip_prefix("Program ") {
            let mut words = rest.split(' ');
            let (program, verb) = (words.next().unwrap_or_default(), words.next().unwrap_or_default());
            if verb == "invoke" {
                stack.push(program);
                continue;
            }
            if (verb == "success" || verb == "failed:") && stack.last() == Some(&program) {
                stack.pop();
                continue;
            }
        }
        if stack.last() == Some(&id.as_str()) {
            out.push(line.clone());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_programs_own_frames_count() {
        let ours = Pubkey::new_unique();
        let other = Pubkey::new_unique();
        let logs: Vec<String> = [
            format!("Program {other} invoke [1]"),
            "Program data: forged-before".into(),
            format!("Program {other} success"),
            format!("Program {ours} invoke [1]"),
            "Program log: Instruction: VerifyPayment".into(),
            format!("Program {other} invoke [2]"),
            "Program data: forged-in-cpi".into(),
            format!("Program {other} success"),
            "Program data: genuine".into(),
            format!("Program {ours} consumed 200000 of 1400000 compute units"),
            format!("Program {ours} success"),
            format!("Program {other} invoke [1]"),
            "Program log: Program data: forged-after".into(),
            format!("Program {other} failed: custom program error: 0x1"),
        ]
        .into_iter()
        .collect();
        let kept = program_logs(&logs, &ours);
        assert!(kept.contains(&"Program data: genuine".to_string()));
        assert!(kept.iter().all(|l| !l.contains("forged")), "{kept:?}");
    }
}
