//! Decoding the program's accounts, and fetching them through any [`Chain`].

use super::PROGRAM_ID;
use super::addresses::NullifierSet;
use crate::backend::{Account, Chain, ChainError};
use anchor_lang::prelude::Pubkey;
use anchor_lang::{AccountDeserialize, Discriminator};
use zk402_nullifier_set::{Shard, ShardHeader};
use zk402_verifier::state::{NullifierShard, Policy};

/// Decodes a `Policy` account: owned by the program, with the `Policy` discriminator and a
/// well-formed body; anything else is [`ChainError::Decode`].
pub fn decode_policy(address: &Pubkey, account: &Account) -> Result<Policy, ChainError> {
    decode(address, account)
}

/// A nullifier shard's data, copied to 8-byte-aligned memory (as the cluster aligns it) so the
/// zero-copy views of `zk402_nullifier_set` apply.
#[derive(Debug, Clone)]
pub struct ShardData {
    words: Vec<u64>,
    len: usize,
}

impl ShardData {
    /// The shard view: header and cells.
    pub fn shard(&self) -> Shard<'_> {
        let bytes: &[u8] = &bytemuck::cast_slice(&self.words)[..self.len];
        Shard::from_account_data(bytes).expect("checked by decode_shard")
    }

    /// The header.
    pub fn header(&self) -> ShardHeader {
        *self.shard().header
    }
}

/// Decodes a nullifier shard: owned by the program, with the `NullifierShard` discriminator
/// and exactly the size its capacity implies; anything else is [`ChainError::Decode`].
pub fn decode_shard(address: &Pubkey, account: &Account) -> Result<ShardData, ChainError> {
    if account.owner != PROGRAM_ID || !account.data.starts_with(NullifierShard::DISCRIMINATOR) {
        return Err(ChainError::Decode(format!("{address} is not a nullifier shard of {PROGRAM_ID}")));
    }
    let len = account.data.len();
    let mut words = vec![0u64; len.div_ceil(8)];
    bytemuck::cast_slice_mut::<u64, u8>(&mut words)[..len].copy_from_slice(&account.data);
    let data = ShardData { words, len };
    let bytes: &[u8] = &bytemuck::cast_slice(&data.words)[..len];
    Shard::from_account_data(bytes).map_err(|e| ChainError::Decode(format!("nullifier shard {address}: {e:?}")))?;
    Ok(data)
}

/// The policy at `address`; `None` when no account exists there.
pub async fn fetch_policy(chain: &impl Chain, address: &Pubkey) -> Result<Option<Policy>, ChainError> {
    match chain.account(address).await? {
        Some(account) => decode_policy(address, &account).map(Some),
        None => Ok(None),
    }
}

/// The latest expiry (unix seconds) recorded for `nullifier` in the set of the policy at
/// `policy`, live or not; `None` when its shard holds no entry with its tag (or the policy has
/// no set yet). An expiry not before the cluster clock means the program refuses the nullifier:
/// spent, or (probability ~1e-9, see `zk402_nullifier_set::design`) a tag collision.
pub async fn fetch_nullifier_expiry(
    chain: &impl Chain,
    policy: &Pubkey,
    nullifier: &[u8; 32],
) -> Result<Option<i64>, ChainError> {
    let Some(stored) = fetch_policy(chain, policy).await? else {
        return Err(ChainError::Decode(format!("no policy account at {policy}")));
    };
    match NullifierSet::of(&stored) {
        Some(set) => nullifier_expiry_in(chain, &set, nullifier).await,
        None => Ok(None),
    }
}

/// [`fetch_nullifier_expiry`] for a caller that already holds the policy's `set`: reads only
/// the shard `nullifier` hashes to.
pub async fn nullifier_expiry_in(
    chain: &impl Chain,
    set: &NullifierSet,
    nullifier: &[u8; 32],
) -> Result<Option<i64>, ChainError> {
    let address = set.shard_for(nullifier);
    match chain.account(&address).await? {
        Some(account) => Ok(decode_shard(&address, &account)?.shard().expiry_of(nullifier)),
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
    use zk402_nullifier_set::{ShardMut, account_len};

    fn account(owner: Pubkey, data: Vec<u8>) -> Account {
        Account { lamports: 1, owner, data, executable: false }
    }

    fn shard_bytes(nullifier: &[u8; 32]) -> Vec<u8> {
        let mut words = vec![0u64; account_len(64).unwrap() / 8];
        let bytes: &mut [u8] = bytemuck::cast_slice_mut(&mut words);
        bytes[..8].copy_from_slice(NullifierShard::DISCRIMINATOR);
        let mut shard = ShardMut::init(bytes, ShardHeader::new([1; 32], [2; 32], 1_000, 64, 0)).unwrap();
        shard.insert(nullifier, 1_000, 1_500).unwrap();
        bytes.to_vec()
    }

    #[test]
    fn a_well_formed_shard_decodes_and_finds_its_entries() {
        let data = decode_shard(&Pubkey::new_unique(), &account(PROGRAM_ID, shard_bytes(&[7; 32]))).unwrap();
        assert_eq!(data.header().policy, [1; 32]);
        assert_eq!(data.shard().expiry_of(&[7; 32]), Some(1_500));
        assert_eq!(data.shard().expiry_of(&[8; 32]), None);
    }

    #[test]
    fn wrong_owner_discriminator_or_size_is_a_decode_error() {
        let address = Pubkey::new_unique();
        let data = shard_bytes(&[7; 32]);
        let mut other_discriminator = data.clone();
        other_discriminator[0] ^= 1;
        let cases = [
            account(Pubkey::new_unique(), data.clone()),
            account(PROGRAM_ID, data[..data.len() - 8].to_vec()),
            account(PROGRAM_ID, [data.clone(), vec![0; 8]].concat()),
            account(PROGRAM_ID, data[..4].to_vec()),
            account(PROGRAM_ID, other_discriminator),
        ];
        for case in &cases {
            assert!(matches!(decode_shard(&address, case), Err(ChainError::Decode(_))), "{:?}", case.data.len());
        }
        // A shard's bytes are not a policy.
        assert!(matches!(decode_policy(&address, &account(PROGRAM_ID, data)), Err(ChainError::Decode(_))));
    }
}
