//! Conversions between the [`Chain`](crate::Chain) types and their JSON-RPC wire forms, used in
//! both directions by the client and the facade server.

use super::wire::{AccountValue, Base64Data, LegacyTag, TransactionMeta, TransactionResult, TransactionVersion};
use crate::{Account, ChainError, ConfirmedTransaction};
use anchor_lang::prelude::Pubkey;
use bincode::Options;
use solana_clock::Clock;
use solana_transaction::Transaction;
use std::str::FromStr;

/// The largest serialised transaction a Solana cluster accepts (IPv6 minimum MTU minus headers).
pub const MAX_TRANSACTION_BYTES: u64 = 1232;

/// The Clock sysvar's address, read for [`Chain::unix_time`](crate::Chain::unix_time).
pub const CLOCK_SYSVAR: Pubkey = solana_clock::sysvar::ID;

fn wire_options() -> impl Options {
    bincode::options().with_limit(MAX_TRANSACTION_BYTES).with_fixint_encoding().reject_trailing_bytes()
}

/// A legacy transaction's wire bytes (bincode, as the cluster receives them).
pub fn encode_transaction(transaction: &Transaction) -> Result<Vec<u8>, ChainError> {
    wire_options().serialize(transaction).map_err(|e| {
        ChainError::Decode(format!("transaction does not serialise within {MAX_TRANSACTION_BYTES} bytes: {e}"))
    })
}

/// A legacy transaction from its wire bytes.
pub fn decode_transaction(bytes: &[u8]) -> Result<Transaction, ChainError> {
    wire_options().deserialize(bytes).map_err(|e| ChainError::Decode(format!("not a legacy wire transaction: {e}")))
}

/// The Clock sysvar from its account.
pub fn clock_from_account(account: &Account) -> Result<Clock, ChainError> {
    bincode::options()
        .with_fixint_encoding()
        .allow_trailing_bytes()
        .deserialize::<Clock>(&account.data)
        .map_err(|e| ChainError::Decode(format!("the Clock sysvar account does not decode: {e}")))
}

/// An account from its `getAccountInfo` value.
pub fn account_from_wire(value: AccountValue) -> Result<Account, ChainError> {
    let owner = Pubkey::from_str(&value.owner)
        .map_err(|e| ChainError::Decode(format!("account owner {:?} is not a public key: {e}", value.owner)))?;
    Ok(Account { lamports: value.lamports, owner, data: value.data.0, executable: value.executable })
}

/// An account as a `getAccountInfo` value.
pub fn account_to_wire(account: Account) -> AccountValue {
    AccountValue {
        lamports: account.lamports,
        owner: account.owner.to_string(),
        space: Some(account.data.len() as u64),
        data: Base64Data(account.data),
        executable: account.executable,
    }
}

/// A confirmed transaction from its `getTransaction` result. Versioned transactions and results
/// without status metadata are refused: zk402 sends legacy transactions only, and a transaction
/// whose success is unknown must not count as confirmed.
pub fn transaction_from_wire(result: TransactionResult) -> Result<ConfirmedTransaction, ChainError> {
    if let Some(TransactionVersion::Number(version)) = result.version {
        return Err(ChainError::Decode(format!("version {version} transactions are not supported")));
    }
    let meta = result.meta.ok_or_else(|| ChainError::Decode("transaction has no status metadata".to_owned()))?;
    let transaction = decode_transaction(&result.transaction.0)?;
    let signature = transaction
        .signatures
        .first()
        .copied()
        .ok_or_else(|| ChainError::Decode("transaction has no signature".to_owned()))?;
    Ok(ConfirmedTransaction {
        signature,
        slot: result.slot,
        block_time: result.block_time,
        transaction,
        error: meta.err.map(|e| e.0),
        logs: meta.log_messages.unwrap_or_default(),
    })
}

/// A confirmed transaction as a `getTransaction` result.
pub fn transaction_to_wire(confirmed: ConfirmedTransaction) -> Result<TransactionResult, ChainError> {
    Ok(TransactionResult {
        slot: confirmed.slot,
        block_time: confirmed.block_time,
        transaction: Base64Data(encode_transaction(&confirmed.transaction)?),
        meta: Some(TransactionMeta {
            err: confirmed.error.map(super::wire::WireTransactionError),
            log_messages: Some(confirmed.logs),
        }),
        version: Some(TransactionVersion::Legacy(LegacyTag::Legacy)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use solana_hash::Hash;
    use solana_keypair::Keypair;
    use solana_signer::Signer;
    use solana_transaction_error::TransactionError;

    fn random_hash() -> Hash {
        Hash::new_from_array(std::array::from_fn(|_| fastrand::u8(..)))
    }

    fn signed_transaction() -> Transaction {
        let payer = Keypair::new();
        let instruction = anchor_lang::solana_program::instruction::Instruction::new_with_bytes(
            Pubkey::new_unique(),
            &[1, 2, 3],
            vec![anchor_lang::solana_program::instruction::AccountMeta::new(payer.pubkey(), true)],
        );
        Transaction::new_signed_with_payer(&[instruction], Some(&payer.pubkey()), &[&payer], random_hash())
    }

    #[test]
    fn transactions_round_trip_through_the_wire_form() {
        let transaction = signed_transaction();
        let confirmed = ConfirmedTransaction {
            signature: transaction.signatures[0],
            slot: 9,
            block_time: Some(1_700_000_000),
            transaction,
            error: Some(TransactionError::AccountNotFound),
            logs: vec!["Program log: hi".to_owned()],
        };
        let wire = transaction_to_wire(confirmed.clone()).unwrap();
        let json = serde_json::to_value(&wire).unwrap();
        let back = transaction_from_wire(serde_json::from_value(json).unwrap()).unwrap();
        assert_eq!(back, confirmed);
    }

    #[test]
    fn refuses_versioned_unsigned_and_metadata_less_results() {
        let wire = transaction_to_wire(ConfirmedTransaction {
            signature: Default::default(),
            slot: 1,
            block_time: None,
            transaction: signed_transaction(),
            error: None,
            logs: vec![],
        })
        .unwrap();
        let versioned = TransactionResult { version: Some(TransactionVersion::Number(0)), ..wire.clone() };
        assert!(matches!(transaction_from_wire(versioned), Err(ChainError::Decode(_))));
        let no_meta = TransactionResult { meta: None, ..wire.clone() };
        assert!(matches!(transaction_from_wire(no_meta), Err(ChainError::Decode(_))));
        let garbage = TransactionResult { transaction: Base64Data(vec![0xff; 40]), ..wire };
        assert!(matches!(transaction_from_wire(garbage), Err(ChainError::Decode(_))));
    }

    #[test]
    fn reads_the_clock_sysvar_bytes() {
        let clock = Clock {
            slot: 5,
            epoch_start_timestamp: 1,
            epoch: 2,
            leader_schedule_epoch: 3,
            unix_timestamp: 1_763_700_000,
        };
        let data = bincode::serialize(&clock).unwrap();
        assert_eq!(data.len(), 40);
        let account = Account { lamports: 1, owner: Pubkey::new_unique(), data, executable: false };
        assert_eq!(clock_from_account(&account).unwrap(), clock);
        let short = Account { data: vec![0; 39], ..account };
        assert!(matches!(clock_from_account(&short), Err(ChainError::Decode(_))));
    }
}
