//! Reading a payment out of an executed transaction: the receipt memo naming the commitment,
//! and the SPL Token `Transfer` / `TransferChecked` instructions (top level) into a token
//! account of the configured mint owned by the merchant. The merchant's receipt issuer issues
//! for exactly these payments, and a payer counts them to see how many receipts its own hides
//! among.
//!
//! What one transaction may make the reader fetch is bounded: zero-value transfers and
//! transfers naming another mint are skipped before any lookup, the merchant's associated
//! token account is recognised by its address, and at most [`MAX_DESTINATION_LOOKUPS`] other
//! distinct destination accounts are read; a transaction needing more is refused.

use crate::memo::{is_memo_program, parse_commitment_memo};
use crate::token::spl_token::instruction::TokenInstruction;
use crate::token::{TOKEN_PROGRAM_ID, associated_token_address, decode_token_account};
use crate::{Chain, ChainError, ConfirmedTransaction};
use anchor_lang::prelude::Pubkey;
use zk402_circuit::Fr;

/// At most this many distinct destination accounts (other than the merchant's associated
/// token account) are read for one transaction.
pub const MAX_DESTINATION_LOOKUPS: usize = 4;

/// The payment a transaction made to the merchant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Payment {
    /// Total atomic units moved into the merchant's token accounts of the mint.
    pub amount: u64,
    /// The block's unix time.
    pub paid_at: u64,
    /// The receipt commitment Poseidon(secret) the payment's memo names.
    pub commitment: Fr,
}

/// Why a transaction earns no receipt.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransferError {
    /// The transaction failed on chain.
    #[error("the transaction failed on chain")]
    Failed,
    /// No top-level receipt memo (`zk402:v1:<commitment>`) in the transaction.
    #[error("the transaction carries no zk402 receipt memo naming the commitment")]
    NoMemo,
    /// More than one top-level receipt memo: which commitment the payer meant is ambiguous.
    #[error("the transaction carries more than one zk402 receipt memo")]
    SeveralMemos,
    /// A memo starts with `zk402:` but is not a well-formed receipt memo.
    #[error("malformed zk402 receipt memo: expected zk402:v1: and the commitment as 64 lowercase hex digits (below r)")]
    MalformedMemo,
    /// No top-level SPL Token transfer of the mint into a token account the merchant owns.
    #[error("no SPL Token transfer of the configured mint to the merchant in this transaction")]
    NoPayment,
    /// The transaction would need more than [`MAX_DESTINATION_LOOKUPS`] account reads.
    #[error("the transaction transfers to more than {MAX_DESTINATION_LOOKUPS} accounts that would need a lookup")]
    TooManyTransfers,
    /// The amounts overflow u64.
    #[error("transfer amounts overflow")]
    Overflow,
    /// The cluster does not report the block time.
    #[error("the cluster reports no block time for this transaction")]
    NoBlockTime,
    /// Reading a destination account failed.
    #[error(transparent)]
    Chain(#[from] ChainError),
}

impl TransferError {
    /// Every refusal that is a fact about the transaction (the same transaction is refused the
    /// same way forever), by its stable code. Not listed: [`NoBlockTime`](Self::NoBlockTime)
    /// and [`Chain`](Self::Chain), which depend on the node that answered.
    pub const FINAL: [TransferError; 7] = [
        TransferError::Failed,
        TransferError::NoMemo,
        TransferError::SeveralMemos,
        TransferError::MalformedMemo,
        TransferError::NoPayment,
        TransferError::TooManyTransfers,
        TransferError::Overflow,
    ];

    /// The stable code of the refusal (the HTTP API's `error.code`).
    pub fn code(&self) -> &'static str {
        match self {
            TransferError::Failed => "transaction_failed",
            TransferError::NoMemo => "no_receipt_memo",
            TransferError::SeveralMemos => "several_receipt_memos",
            TransferError::MalformedMemo => "malformed_receipt_memo",
            TransferError::NoPayment => "not_a_payment",
            TransferError::TooManyTransfers => "too_many_transfers",
            TransferError::Overflow => "amount_overflow",
            TransferError::NoBlockTime => "no_block_time",
            TransferError::Chain(_) => "unavailable",
        }
    }

    /// Whether the refusal is final (one of [`FINAL`](Self::FINAL)) and may be remembered.
    pub fn is_final(&self) -> bool {
        Self::FINAL.contains(self)
    }

    /// The final refusal with this code.
    pub fn from_code(code: &str) -> Option<TransferError> {
        Self::FINAL.into_iter().find(|refusal| refusal.code() == code)
    }
}

/// Reads the payment a successful transaction made to `recipient` in `mint`: the commitment
/// named by its one receipt memo and the sum of its transfers into token accounts of `mint`
/// owned by `recipient`. Only top-level instructions count (a memo or a transfer made through
/// another program's CPI is not recognised: the payer pays directly). The memo is read first,
/// so a transaction without one costs no account lookup.
pub async fn find_payment(
    chain: &impl Chain,
    tx: &ConfirmedTransaction,
    mint: &Pubkey,
    recipient: &Pubkey,
) -> Result<Payment, TransferError> {
    if tx.error.is_some() {
        return Err(TransferError::Failed);
    }
    let commitment = find_commitment(tx)?;
    let keys = tx.account_keys();
    let key = |index: u8| keys.get(usize::from(index)).copied();
    let merchant_account = associated_token_address(recipient, mint);
    let mut looked_up: Vec<(Pubkey, bool)> = Vec::new();
    let mut amount = 0u64;
    let mut found = false;
    for ix in tx.instructions() {
        if key(ix.program_id_index) != Some(TOKEN_PROGRAM_ID) {
            continue;
        }
        let (value, destination, named_mint) = match TokenInstruction::unpack(&ix.data) {
            Ok(TokenInstruction::Transfer { amount }) => (amount, ix.accounts.get(1), None),
            Ok(TokenInstruction::TransferChecked { amount, .. }) => {
                (amount, ix.accounts.get(2), ix.accounts.get(1).and_then(|i| key(*i)))
            }
            _ => continue,
        };
        let Some(destination) = destination.and_then(|i| key(*i)) else { continue };
        if value == 0 || named_mint.is_some_and(|m| m != *mint) {
            continue;
        }
        let to_merchant = if destination == merchant_account {
            // Only the associated token account program creates an account at this address,
            // as a token account of `mint` owned by `recipient`: no lookup needed.
            true
        } else if let Some((_, known)) = looked_up.iter().find(|(address, _)| *address == destination) {
            *known
        } else {
            if looked_up.len() == MAX_DESTINATION_LOOKUPS {
                return Err(TransferError::TooManyTransfers);
            }
            let owned = is_merchant_account(chain, &destination, mint, recipient).await?;
            looked_up.push((destination, owned));
            owned
        };
        if to_merchant {
            amount = amount.checked_add(value).ok_or(TransferError::Overflow)?;
            found = true;
        }
    }
    if !found {
        return Err(TransferError::NoPayment);
    }
    let paid_at = tx.block_time.and_then(|t| u64::try_from(t).ok()).ok_or(TransferError::NoBlockTime)?;
    Ok(Payment { amount, paid_at, commitment })
}

/// The commitment named by the transaction's one top-level receipt memo.
pub fn find_commitment(tx: &ConfirmedTransaction) -> Result<Fr, TransferError> {
    let keys = tx.account_keys();
    let mut named = None;
    for ix in tx.instructions() {
        if !keys.get(usize::from(ix.program_id_index)).is_some_and(is_memo_program) {
            continue;
        }
        let Some(commitment) = parse_commitment_memo(&ix.data).map_err(|_| TransferError::MalformedMemo)? else {
            continue;
        };
        if named.replace(commitment).is_some() {
            return Err(TransferError::SeveralMemos);
        }
    }
    named.ok_or(TransferError::NoMemo)
}

/// Whether `address` is an SPL Token account of `mint` owned by `recipient`.
async fn is_merchant_account(
    chain: &impl Chain,
    address: &Pubkey,
    mint: &Pubkey,
    recipient: &Pubkey,
) -> Result<bool, ChainError> {
    let Some(account) = chain.account(address).await? else { return Ok(false) };
    Ok(decode_token_account(address, &account).is_ok_and(|token| token.mint == *mint && token.owner == *recipient))
}
