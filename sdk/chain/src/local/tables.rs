//! Address lookup tables on the in-process cluster, so v0 transactions can load accounts
//! through them: writing one into the bank, and reading one back.
//!
//! A table is written into the bank rather than created and extended through the lookup-table
//! program: addresses a table gains are usable only from the next slot, and program-test cannot
//! advance the slot safely while its blockhash ticker runs (`warp_to_slot` freezes the working
//! bank while the ticker may still be registering a blockhash in it, which panics the bank).
//! The runtime loads a v0 transaction's addresses from the table exactly as from one the
//! program made.

use super::{LocalChain, transport};
use crate::backend::ChainError;
use anchor_lang::prelude::Pubkey;
use solana_account::AccountSharedData;
use solana_address_lookup_table_interface::program::ID as LOOKUP_TABLE_PROGRAM_ID;
use solana_address_lookup_table_interface::state::{AddressLookupTable, LookupTableMeta};
use solana_keypair::Keypair;
use solana_signer::Signer;
use std::borrow::Cow;

impl LocalChain {
    /// Writes a new lookup table holding `addresses` (in that order, at most 255), with
    /// [`payer`](Self::payer) as its authority, active and usable at once. Returns its address.
    pub async fn create_lookup_table(&self, addresses: &[Pubkey]) -> Result<Pubkey, ChainError> {
        let count = u8::try_from(addresses.len())
            .map_err(|_| ChainError::Decode(format!("{} addresses do not fit one table", addresses.len())))?;
        let table = AddressLookupTable {
            // Every address counts as extended before the current slot, whatever the slot.
            meta: LookupTableMeta {
                last_extended_slot: 0,
                last_extended_slot_start_index: count,
                ..LookupTableMeta::new(self.shared.payer.pubkey())
            },
            addresses: Cow::Borrowed(addresses),
        };
        let data = table.serialize_for_tests().map_err(|e| ChainError::Decode(format!("lookup table: {e}")))?;
        let rent = self.shared.banks.get_rent().await.map_err(transport)?;
        let mut account =
            AccountSharedData::new(rent.minimum_balance(data.len()), data.len(), &LOOKUP_TABLE_PROGRAM_ID);
        account.set_data_from_slice(&data);
        let address = Keypair::new().pubkey();
        self.shared.context.lock().await.set_account(&address, &account);
        Ok(address)
    }

    /// The addresses a lookup table holds.
    pub async fn lookup_table(&self, address: &Pubkey) -> Result<Vec<Pubkey>, ChainError> {
        let account = self
            .shared
            .banks
            .get_account(*address)
            .await
            .map_err(transport)?
            .ok_or_else(|| ChainError::Decode(format!("lookup table {address} does not exist")))?;
        let table = AddressLookupTable::deserialize(&account.data)
            .map_err(|e| ChainError::Decode(format!("account {address} is not a lookup table: {e}")))?;
        Ok(table.addresses.to_vec())
    }
}
