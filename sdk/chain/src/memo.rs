//! The receipt memo: how a payment names the commitment Poseidon(secret) its receipt is for.
//!
//! A payment to a zk402 merchant carries, as a top-level instruction of the same transaction as
//! its SPL Token transfer, an SPL Memo whose data is the ASCII text
//!
//! ```text
//! zk402:v1:<commitment>
//! ```
//!
//! where `<commitment>` is the field element Poseidon(secret) as 32 big-endian bytes written as
//! 64 lowercase hex digits, canonical (below the BN254 scalar modulus r): 73 bytes in all, one
//! text per commitment. The transaction's signatures cover the memo, so only whoever signed the
//! payment chose the commitment; the issuer signs a receipt for that commitment and no other.
//!
//! Memos under another prefix (a wallet's own note) are not receipt memos and are ignored; a
//! memo that starts with `zk402:` but is not exactly the form above is malformed.
//!
//! Accepted memo programs: SPL Memo v2 (`MemoSq4gqABAXKb96qnH8TysNcWxMyWCqXgDLGmfcHr`, what
//! [`commitment_memo`] builds and what wallets and Solana Pay use) and the legacy SPL Memo v1
//! (`Memo1UhkJRfHyvLMcVucJwxXeuD728EqVDDwQDxFMNo`). Both are deployed at those addresses on
//! every public cluster and loaded by the in-process runtime, and both refuse data that is not
//! UTF-8; the binding itself comes from the transaction's signatures, not from the program.

use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::Instruction;
use zk402_circuit::Fr;
use zk402_circuit::field::{fr_from_be_bytes, fr_to_be_bytes};

/// SPL Memo v2: the program [`commitment_memo`] addresses.
pub const MEMO_PROGRAM_ID: Pubkey = spl_memo_interface::v3::ID;

/// The memo programs whose instructions can carry a receipt memo (SPL Memo v2 and v1).
pub const MEMO_PROGRAM_IDS: [Pubkey; 2] = [spl_memo_interface::v3::ID, spl_memo_interface::v1::ID];

/// Every zk402 memo starts with this; what follows is a version and its payload.
pub const MEMO_PREFIX: &str = "zk402:";

/// The prefix of a version-1 receipt memo, followed by 64 lowercase hex digits.
pub const COMMITMENT_MEMO_PREFIX: &str = "zk402:v1:";

/// Length in bytes of a version-1 receipt memo.
pub const COMMITMENT_MEMO_LEN: usize = COMMITMENT_MEMO_PREFIX.len() + 64;

/// Why a zk402 memo could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MemoError {
    /// It starts with [`MEMO_PREFIX`] but is not `zk402:v1:` and 64 lowercase hex digits.
    #[error("malformed zk402 memo: expected {COMMITMENT_MEMO_PREFIX} and 64 lowercase hex digits")]
    Malformed,
    /// Its 32 bytes are not a canonical field element (not below r).
    #[error("malformed zk402 memo: the commitment is not below the field modulus")]
    NotCanonical,
}

/// The memo text naming `commitment`.
pub fn commitment_memo_text(commitment: &Fr) -> String {
    let mut text = String::with_capacity(COMMITMENT_MEMO_LEN);
    text.push_str(COMMITMENT_MEMO_PREFIX);
    for byte in fr_to_be_bytes(commitment) {
        text.push_str(&format!("{byte:02x}"));
    }
    text
}

/// The SPL Memo v2 instruction naming `commitment`, without signer accounts (the transaction's
/// own signatures already cover it). Put it in the payment transaction itself.
pub fn commitment_memo(commitment: &Fr) -> Instruction {
    spl_memo_interface::instruction::build_memo(&MEMO_PROGRAM_ID, commitment_memo_text(commitment).as_bytes(), &[])
}

/// Reads a memo's data: `Ok(None)` when it is not a zk402 memo (no [`MEMO_PREFIX`]), the
/// commitment when it is a well-formed receipt memo, an error otherwise.
pub fn parse_commitment_memo(data: &[u8]) -> Result<Option<Fr>, MemoError> {
    if !data.starts_with(MEMO_PREFIX.as_bytes()) {
        return Ok(None);
    }
    let digits = data.strip_prefix(COMMITMENT_MEMO_PREFIX.as_bytes()).ok_or(MemoError::Malformed)?;
    if digits.len() != 64 {
        return Err(MemoError::Malformed);
    }
    let mut bytes = [0u8; 32];
    for (byte, pair) in bytes.iter_mut().zip(digits.chunks_exact(2)) {
        *byte = (lower_hex(pair[0])? << 4) | lower_hex(pair[1])?;
    }
    fr_from_be_bytes(&bytes).map(Some).map_err(|_| MemoError::NotCanonical)
}

/// Whether `program` is one of the [`MEMO_PROGRAM_IDS`].
pub fn is_memo_program(program: &Pubkey) -> bool {
    MEMO_PROGRAM_IDS.contains(program)
}

fn lower_hex(digit: u8) -> Result<u8, MemoError> {
    match digit {
        b'0'..=b'9' => Ok(digit - b'0'),
        b'a'..=b'f' => Ok(digit - b'a' + 10),
        _ => Err(MemoError::Malformed),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use zk402_circuit::field::fr_from_decimal;

    #[test]
    fn the_encoding_is_pinned() {
        let commitment = fr_from_decimal("255").unwrap();
        let text = commitment_memo_text(&commitment);
        assert_eq!(text, format!("zk402:v1:{}ff", "0".repeat(62)));
        assert_eq!(text.len(), COMMITMENT_MEMO_LEN);
        let ix = commitment_memo(&commitment);
        assert_eq!(ix.program_id.to_string(), "MemoSq4gqABAXKb96qnH8TysNcWxMyWCqXgDLGmfcHr");
        assert!(ix.accounts.is_empty());
        assert_eq!(ix.data, text.as_bytes());
        assert_eq!(MEMO_PROGRAM_IDS[1].to_string(), "Memo1UhkJRfHyvLMcVucJwxXeuD728EqVDDwQDxFMNo");
    }

    #[test]
    fn round_trips_and_ignores_foreign_memos() {
        let commitment = fr_from_decimal("1234567890123456789012345678901234567890").unwrap();
        let text = commitment_memo_text(&commitment);
        assert_eq!(parse_commitment_memo(text.as_bytes()), Ok(Some(commitment)));
        assert_eq!(parse_commitment_memo(b"thanks for the coffee"), Ok(None));
        assert_eq!(parse_commitment_memo(b""), Ok(None));
    }

    #[test]
    fn malformed_memos_are_refused() {
        let good = commitment_memo_text(&Fr::from(7u64));
        let upper = good.replace("07", "0A");
        let modulus = "30644e72e131a029b85045b68181585d2833e84879b9709143e1f593f0000001";
        for bad in [
            "zk402:".to_owned(),
            "zk402:v2:".to_owned() + &"0".repeat(64),
            good[..good.len() - 1].to_owned(),
            good.clone() + "0",
            good.clone() + " ",
            upper,
            "zk402:v1:".to_owned() + &"g".repeat(64),
        ] {
            assert_eq!(parse_commitment_memo(bad.as_bytes()), Err(MemoError::Malformed), "{bad}");
        }
        let r = format!("zk402:v1:{modulus}");
        assert_eq!(parse_commitment_memo(r.as_bytes()), Err(MemoError::NotCanonical));
    }
}
