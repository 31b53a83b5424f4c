//! Decoding the program's accounts, and fetching them through any [`Chain`].

use super::PROGRAM_ID;
use super::addresses::nullifier_address;
use crate::backend::{Account, Chain, ChainError};
use anchor_lang::prelude::Pubkey;
use anchor_lang::{AccountDeserialize, Discriminator};
use zk402_verifier::state::{NullifierRecord, Policy};

/// Decodes a `Policy` account: owned by the program, with the `Policy` discriminator and a
/// well-formed body; anything else is [`ChainError::Decode`].
pub fn decode_policy(address: &Pubkey, account: &Account) -> Result<Policy, ChainError> {
    decode(address, account)
}

/// Decodes a `NullifierRecord` account, checked as [`decode_policy`] checks a policy.
pub fn decode_nullifier_record(address: &Pubkey, account: &Account) -> Result<NullifierRecord, ChainError> {
    decode(address, account)
}

/// The policy at `address`; `None` when no account exists there.
pub async fn fetch_policy(chain: &impl Chain, address: &Pubkey) -> Result<Option<Policy>, ChainError> {
    match chain.account(address).await? {
        Some(account) => decode_policy(address, &account).map(Some),
        None => Ok(None),
    }
}

/// The record of `nullifier` (at its canonical address); `None` when the nullifier is unspent
/// (or its record expired and was closed).
pub async fn fetch_nullifier_record(
    chain: &impl Chain,
    nullifier: &[u8; 32],
) -> Result<Option<NullifierRecord>, ChainError> {
    let address = nullifier_address(nullifier);
    match chain.account(&address).await? {
        Some(account) => decode_nullifier_record(&address, &account).map(Some),
        None => Ok(None),
    }
}

fn decode<T: AccountDeserialize + Discriminator>(address: &Pubkey, account: &Account) -> Result<T, ChainError> {
    let name = std::any::type_name::<T>().rsplit("::").next().unwrap_or("account");
    if account.owner != PROGRAM_ID {
        return Err(ChainError::Decode(format!(
            "{name} {address} is owned by {}, not the zk402 program {PROGRAM_ID}",
            account.owner
        )));
    }
    if !account.data.starts_with(T::DISCRIMINATOR) {
        return Err(ChainError::Decode(format!("{address} is not a {name} account (discriminator)")));
    }
    T::try_deserialize(&mut account.data.as_slice())
        .map_err(|e| ChainError::Decode(format!("{name} {address} does not decode: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use anchor_lang::AccountSerialize;

    fn record() -> NullifierRecord {
        NullifierRecord { policy: Pubkey::new_unique(), rent_payer: Pubkey::new_unique(), expires_at: 42, bump: 255 }
    }

    fn account(owner: Pubkey, data: Vec<u8>) -> Account {
        Account { lamports: 1, owner, data, executable: false }
    }

    fn encoded(record: &NullifierRecord) -> Vec<u8> {
        let mut data = Vec::new();
        record.try_serialize(&mut data).expect("serializes");
        data
    }

    #[test]
    fn a_well_formed_record_decodes() {
        let r = record();
        let decoded = decode_nullifier_record(&Pubkey::new_unique(), &account(PROGRAM_ID, encoded(&r))).unwrap();
        assert_eq!((decoded.policy, decoded.rent_payer, decoded.expires_at), (r.policy, r.rent_payer, 42));
    }

    #[test]
    fn wrong_owner_discriminator_or_short_data_is_a_decode_error() {
        let address = Pubkey::new_unique();
        let data = encoded(&record());
        let cases = [
            account(Pubkey::new_unique(), data.clone()),
            account(PROGRAM_ID, data[..20].to_vec()),
            account(PROGRAM_ID, data[..4].to_vec()),
            account(PROGRAM_ID, Vec::new()),
        ];
        for case in &cases {
            assert!(matches!(decode_nullifier_record(&address, case), Err(ChainError::Decode(_))), "{case:?}");
        }
        // A record's bytes are not a policy.
        assert!(matches!(decode_policy(&address, &account(PROGRAM_ID, data)), Err(ChainError::Decode(_))));
    }
}
