//! Finding the payment in a confirmed transaction: SPL Token `Transfer` / `TransferChecked`
//! instructions (top level) into a token account of the configured mint owned by the merchant.

use anchor_lang::prelude::Pubkey;
use zk402_chain::token::spl_token::instruction::TokenInstruction;
use zk402_chain::token::{TOKEN_PROGRAM_ID, decode_token_account};
use zk402_chain::{Chain, ChainError, ConfirmedTransaction};

/// The payment a transaction made to the merchant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Payment {
    /// Total atomic units moved into the merchant's token accounts of the mint.
    pub amount: u64,
    /// The block's unix time.
    pub paid_at: u64,
}

/// Why a transaction is not a payment to the merchant.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransferError {
    /// The transaction failed on chain.
    #[error("the transaction failed on chain")]
    Failed,
    /// No top-level SPL Token transfer of the mint into a token account the merchant owns.
    #[error("no SPL Token transfer of the configured mint to the merchant in this transaction")]
    NoPayment,
    /// The cluster does not report the block time.
    #[error("the cluster reports no block time for this transaction")]
    NoBlockTime,
    /// The amounts overflow u64.
    #[error("transfer amounts overflow")]
    Overflow,
    /// Reading a destination account failed.
    #[error(transparent)]
    Chain(#[from] ChainError),
}

/// Sums the transfers of `mint` into token accounts owned by `recipient` in a successful
/// transaction. Only top-level instructions of the SPL Token program count; a payment made
/// through another program's CPI is not recognised (the payer pays directly).
pub async fn find_payment(
    chain: &impl Chain,
    tx: &ConfirmedTransaction,
    mint: &Pubkey,
    recipient: &Pubkey,
) -> Result<Payment, TransferError> {
    if tx.error.is_some() {
        return Err(TransferError::Failed);
    }
    let keys = tx.account_keys();
    let key = |index: u8| keys.get(usize::from(index)).copied();
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
        if named_mint.is_some_and(|m| m != *mint) || !is_merchant_account(chain, &destination, mint, recipient).await? {
            continue;
        }
        amount = amount.checked_add(value).ok_or(TransferError::Overflow)?;
        found = true;
    }
    if !found {
        return Err(TransferError::NoPayment);
    }
    let paid_at = tx.block_time.and_then(|t| u64::try_from(t).ok()).ok_or(TransferError::NoBlockTime)?;
    Ok(Payment { amount, paid_at })
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
