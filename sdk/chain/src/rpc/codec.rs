//! Conversions between the [`Chain`](crate::Chain) types and the maintained Solana RPC types
//! (`solana-transaction-status-client-types`, `solana-account-decoder-client-types`), used in
//! both directions by the client and the facade server.

use crate::{Account, ChainError, ConfirmedTransaction, SignatureInfo};
use anchor_lang::prelude::{Pubkey, Rent};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use bincode::Options;
use solana_account_decoder_client_types::{UiAccount, UiAccountData, UiAccountEncoding};
use solana_clock::Clock;
use solana_message::v0::LoadedAddresses;
use solana_rpc_client_api::response::RpcConfirmedTransactionStatusWithSignature;
use solana_signature::Signature;
use solana_transaction::versioned::VersionedTransaction;
use solana_transaction_status_client_types::{
    EncodedConfirmedTransactionWithStatusMeta, EncodedTransaction, EncodedTransactionWithStatusMeta,
    TransactionBinaryEncoding, TransactionStatusMeta, UiLoadedAddresses, UiTransactionStatusMeta,
};
use std::str::FromStr;

/// The largest serialised transaction a Solana cluster accepts (IPv6 minimum MTU minus headers).
pub const MAX_TRANSACTION_BYTES: u64 = 1232;

/// The Clock sysvar's address, read for [`Chain::unix_time`](crate::Chain::unix_time).
pub const CLOCK_SYSVAR: Pubkey = solana_clock::sysvar::ID;

fn wire_options() -> impl Options {
    bincode::options().with_limit(MAX_TRANSACTION_BYTES).with_fixint_encoding().reject_trailing_bytes()
}

/// A transaction's wire bytes (as the cluster receives them), legacy or versioned.
pub fn encode_transaction(transaction: &VersionedTransaction) -> Result<Vec<u8>, ChainError> {
    wire_options().serialize(transaction).map_err(|e| {
        ChainError::Decode(format!("transaction does not serialise within {MAX_TRANSACTION_BYTES} bytes: {e}"))
    })
}

/// A transaction, legacy or versioned, from its wire bytes; refused unless well formed
/// (sanitized, as a node checks before anything else).
pub fn decode_transaction(bytes: &[u8]) -> Result<VersionedTransaction, ChainError> {
    let transaction: VersionedTransaction =
        wire_options().deserialize(bytes).map_err(|e| ChainError::Decode(format!("not a wire transaction: {e}")))?;
    transaction.sanitize().map_err(|e| ChainError::Decode(format!("malformed transaction: {e}")))?;
    Ok(transaction)
}

/// The Clock sysvar from its account.
pub fn clock_from_account(account: &Account) -> Result<Clock, ChainError> {
    sysvar_from_account(account, "Clock")
}

/// The Rent sysvar from its account.
pub fn rent_from_account(account: &Account) -> Result<Rent, ChainError> {
    sysvar_from_account(account, "Rent")
}

fn sysvar_from_account<T: serde::de::DeserializeOwned>(account: &Account, name: &str) -> Result<T, ChainError> {
    bincode::options()
        .with_fixint_encoding()
        .allow_trailing_bytes()
        .deserialize::<T>(&account.data)
        .map_err(|e| ChainError::Decode(format!("the {name} sysvar account does not decode: {e}")))
}

fn pubkey(text: &str, what: &str) -> Result<Pubkey, ChainError> {
    Pubkey::from_str(text).map_err(|e| ChainError::Decode(format!("{what} {text:?} is not a public key: {e}")))
}

/// A `getSignaturesForAddress` entry.
pub fn signature_info_from_rpc(entry: RpcConfirmedTransactionStatusWithSignature) -> Result<SignatureInfo, ChainError> {
    let signature = Signature::from_str(&entry.signature)
        .map_err(|e| ChainError::Decode(format!("signature {:?}: {e}", entry.signature)))?;
    Ok(SignatureInfo { signature, slot: entry.slot, block_time: entry.block_time, error: entry.err.map(Into::into) })
}

/// The `getSignaturesForAddress` entry of a listed transaction (no memo, no confirmation
/// status: the [`Chain`](crate::Chain) listing knows neither).
pub fn signature_info_to_rpc(info: SignatureInfo) -> RpcConfirmedTransactionStatusWithSignature {
    RpcConfirmedTransactionStatusWithSignature {
        signature: info.signature.to_string(),
        slot: info.slot,
        err: info.error.map(Into::into),
        memo: None,
        block_time: info.block_time,
        confirmation_status: None,
        transaction_index: None,
    }
}

/// An account from its `getAccountInfo` value (any binary encoding).
pub fn account_from_rpc(value: UiAccount) -> Result<Account, ChainError> {
    let owner = pubkey(&value.owner, "account owner")?;
    let data = value
        .data
        .decode()
        .ok_or_else(|| ChainError::Decode("account data is not in a binary encoding this client reads".to_owned()))?;
    Ok(Account { lamports: value.lamports, owner, data, executable: value.executable })
}

/// An account as a `getAccountInfo` value in base64. The [`Account`] knows no rent epoch: it is
/// served as `u64::MAX`, what nodes report for rent-exempt accounts.
pub fn account_to_rpc(account: Account) -> UiAccount {
    UiAccount {
        lamports: account.lamports,
        space: Some(account.data.len() as u64),
        data: UiAccountData::Binary(BASE64.encode(&account.data), UiAccountEncoding::Base64),
        owner: account.owner.to_string(),
        executable: account.executable,
        rent_epoch: u64::MAX,
    }
}

/// A confirmed transaction, legacy or v0, from its `getTransaction` result: the transaction
/// decoded by the maintained decoder (any binary encoding), the addresses its lookup tables
/// loaded from the status metadata. Results without status metadata are refused: a
/// transaction whose success is unknown must not count as confirmed.
pub fn transaction_from_rpc(
    result: EncodedConfirmedTransactionWithStatusMeta,
) -> Result<ConfirmedTransaction, ChainError> {
    let EncodedTransactionWithStatusMeta { transaction, meta, .. } = result.transaction;
    let meta = meta.ok_or_else(|| ChainError::Decode("transaction has no status metadata".to_owned()))?;
    let transaction = transaction
        .decode()
        .ok_or_else(|| ChainError::Decode("the transaction is not a well-formed binary-encoded one".to_owned()))?;
    let loaded = match Option::<UiLoadedAddresses>::from(meta.loaded_addresses) {
        None => LoadedAddresses::default(),
        Some(loaded) => LoadedAddresses {
            writable: loaded.writable.iter().map(|a| pubkey(a, "loaded address")).collect::<Result<_, _>>()?,
            readonly: loaded.readonly.iter().map(|a| pubkey(a, "loaded address")).collect::<Result<_, _>>()?,
        },
    };
    ConfirmedTransaction::new(
        transaction,
        loaded,
        result.slot,
        result.block_time,
        meta.err.map(Into::into),
        Option::<Vec<String>>::from(meta.log_messages).unwrap_or_default(),
    )
}

/// A confirmed transaction as a `getTransaction` result in base64. What the
/// [`ConfirmedTransaction`] does not know (fee, balances, inner instructions) is served as zero
/// or left out.
pub fn transaction_to_rpc(
    confirmed: &ConfirmedTransaction,
) -> Result<EncodedConfirmedTransactionWithStatusMeta, ChainError> {
    let transaction = confirmed.transaction();
    let meta = TransactionStatusMeta {
        status: confirmed.error.clone().map_or(Ok(()), Err),
        log_messages: Some(confirmed.logs.clone()),
        loaded_addresses: confirmed.loaded_addresses().clone(),
        ..TransactionStatusMeta::default()
    };
    Ok(EncodedConfirmedTransactionWithStatusMeta {
        slot: confirmed.slot,
        block_time: confirmed.block_time,
        transaction_index: None,
        transaction: EncodedTransactionWithStatusMeta {
            transaction: EncodedTransaction::Binary(
                BASE64.encode(encode_transaction(transaction)?),
                TransactionBinaryEncoding::Base64,
            ),
            meta: Some(UiTransactionStatusMeta::from(meta)),
            version: Some(transaction.version()),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use anchor_lang::solana_program::instruction::{AccountMeta, Instruction};
    use serde_json::json;
    use solana_hash::Hash;
    use solana_keypair::Keypair;
    use solana_message::v0::MessageAddressTableLookup;
    use solana_message::{VersionedMessage, v0};
    use solana_signer::Signer;
    use solana_transaction::Transaction;
    use solana_transaction_error::TransactionError;

    fn random_hash() -> Hash {
        Hash::new_from_array(std::array::from_fn(|_| fastrand::u8(..)))
    }

    fn signed_transaction() -> VersionedTransaction {
        let payer = Keypair::new();
        let instruction =
            Instruction::new_with_bytes(Pubkey::new_unique(), &[1, 2, 3], vec![AccountMeta::new(payer.pubkey(), true)]);
        Transaction::new_signed_with_payer(&[instruction], Some(&payer.pubkey()), &[&payer], random_hash()).into()
    }

    /// A v0 transaction whose instruction reads one account through a lookup table.
    fn signed_v0_transaction(table: Pubkey) -> VersionedTransaction {
        let payer = Keypair::new();
        let program = Pubkey::new_unique();
        let message = v0::Message {
            header: solana_message::MessageHeader {
                num_required_signatures: 1,
                num_readonly_signed_accounts: 0,
                num_readonly_unsigned_accounts: 1,
            },
            account_keys: vec![payer.pubkey(), program],
            recent_blockhash: random_hash(),
            instructions: vec![solana_transaction::CompiledInstruction::new_from_raw_parts(1, vec![7], vec![0, 2])],
            address_table_lookups: vec![MessageAddressTableLookup {
                account_key: table,
                writable_indexes: vec![],
                readonly_indexes: vec![3],
            }],
        };
        VersionedTransaction::try_new(VersionedMessage::V0(message), &[&payer]).unwrap()
    }

    fn confirmed(transaction: VersionedTransaction, loaded: LoadedAddresses) -> ConfirmedTransaction {
        let logs = vec!["Program log: hi".to_owned()];
        ConfirmedTransaction::new(
            transaction,
            loaded,
            9,
            Some(1_700_000_000),
            Some(TransactionError::AccountNotFound),
            logs,
        )
        .unwrap()
    }

    #[test]
    fn legacy_and_v0_transactions_round_trip_through_the_rpc_form() {
        let loaded_key = Pubkey::new_unique();
        let v0 = confirmed(
            signed_v0_transaction(Pubkey::new_unique()),
            LoadedAddresses { writable: vec![], readonly: vec![loaded_key] },
        );
        assert_eq!(v0.account_keys()[2], loaded_key, "loaded addresses follow the static keys");
        for confirmed in [confirmed(signed_transaction(), LoadedAddresses::default()), v0] {
            let json = serde_json::to_value(transaction_to_rpc(&confirmed).unwrap()).unwrap();
            let back = transaction_from_rpc(serde_json::from_value(json).unwrap()).unwrap();
            assert_eq!(back, confirmed);
        }
    }

    #[test]
    fn refuses_metadata_less_garbled_and_mismatched_results() {
        let wire = transaction_to_rpc(&confirmed(signed_transaction(), LoadedAddresses::default())).unwrap();
        let mut no_meta = wire.clone();
        no_meta.transaction.meta = None;
        assert!(matches!(transaction_from_rpc(no_meta), Err(ChainError::Decode(_))));
        let mut garbage = wire;
        garbage.transaction.transaction =
            EncodedTransaction::Binary(BASE64.encode([0xff; 40]), TransactionBinaryEncoding::Base64);
        assert!(matches!(transaction_from_rpc(garbage), Err(ChainError::Decode(_))));
        // A v0 result whose metadata does not name what its lookups loaded.
        let v0 = confirmed(
            signed_v0_transaction(Pubkey::new_unique()),
            LoadedAddresses { writable: vec![], readonly: vec![Pubkey::new_unique()] },
        );
        let mut json = serde_json::to_value(transaction_to_rpc(&v0).unwrap()).unwrap();
        json["meta"]["loadedAddresses"] = json!({"writable": [], "readonly": []});
        assert!(matches!(transaction_from_rpc(serde_json::from_value(json).unwrap()), Err(ChainError::Decode(_))));
    }

    #[test]
    fn reads_a_documented_v0_get_transaction_answer_in_base64() {
        let v0 = signed_v0_transaction(Pubkey::new_unique());
        let loaded = Pubkey::new_unique();
        // The shape of a node's answer (fields zk402 does not read included).
        let answer = json!({
            "slot": 430,
            "blockTime": null,
            "version": 0,
            "transaction": [BASE64.encode(bincode::serialize(&v0).unwrap()), "base64"],
            "meta": {
                "err": {"InstructionError": [0, {"Custom": 6001}]},
                "status": {"Err": {"InstructionError": [0, {"Custom": 6001}]}},
                "fee": 5000,
                "preBalances": [1, 2],
                "postBalances": [1, 2],
                "innerInstructions": [],
                "logMessages": ["Program 11111111111111111111111111111111 invoke [1]"],
                "preTokenBalances": [],
                "postTokenBalances": [],
                "rewards": [],
                "loadedAddresses": {"writable": [], "readonly": [loaded.to_string()]},
                "computeUnitsConsumed": 150
            }
        });
        let read = transaction_from_rpc(serde_json::from_value(answer).unwrap()).unwrap();
        assert_eq!(read.account_keys()[2], loaded);
        assert_eq!(read.signature, v0.signatures[0]);
        assert!(matches!(read.error, Some(TransactionError::InstructionError(0, _))));
        assert_eq!(read.logs.len(), 1);
    }

    #[test]
    fn accounts_round_trip_through_the_rpc_form() {
        let account = Account { lamports: 7, owner: Pubkey::new_unique(), data: vec![1, 2, 3, 4], executable: false };
        let json = serde_json::to_value(account_to_rpc(account.clone())).unwrap();
        assert_eq!(json["data"], json!(["AQIDBA==", "base64"]));
        assert_eq!(account_from_rpc(serde_json::from_value(json).unwrap()).unwrap(), account);
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
