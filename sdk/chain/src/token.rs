//! SPL Token accounts: associated token account addresses, and reading token accounts and mints
//! through any [`Chain`].

use crate::backend::{Account, Chain, ChainError};
use anchor_lang::prelude::Pubkey;
use solana_program_pack::{IsInitialized, Pack};
/// The SPL Token interface (instruction builders, account layouts) this crate uses.
pub use spl_token_interface as spl_token;
pub use spl_token_interface::ID as TOKEN_PROGRAM_ID;
pub use spl_token_interface::state::{Account as TokenAccount, Mint};

/// The associated token account of `owner` for `mint` (SPL Token program).
pub fn associated_token_address(owner: &Pubkey, mint: &Pubkey) -> Pubkey {
    spl_associated_token_account_interface::address::get_associated_token_address_with_program_id(
        owner,
        mint,
        &TOKEN_PROGRAM_ID,
    )
}

/// Decodes an initialized SPL Token account (owned by the SPL Token program); anything else is
/// [`ChainError::Decode`].
pub fn decode_token_account(address: &Pubkey, account: &Account) -> Result<TokenAccount, ChainError> {
    unpack(address, account, "token account")
}

/// Decodes an initialized SPL Token mint, checked as [`decode_token_account`] checks an account.
pub fn decode_mint(address: &Pubkey, account: &Account) -> Result<Mint, ChainError> {
    unpack(address, account, "mint")
}

/// The token account at `address`; `None` when no account exists there.
pub async fn fetch_token_account(chain: &impl Chain, address: &Pubkey) -> Result<Option<TokenAccount>, ChainError> {
    match chain.account(address).await? {
        Some(account) => decode_token_account(address, &account).map(Some),
        None => Ok(None),
    }
}

/// The mint at `address`; `None` when no account exists there.
pub async fn fetch_mint(chain: &impl Chain, address: &Pubkey) -> Result<Option<Mint>, ChainError> {
    match chain.account(address).await? {
        Some(account) => decode_mint(address, &account).map(Some),
        None => Ok(None),
    }
}

fn unpack<T: Pack + IsInitialized>(address: &Pubkey, account: &Account, what: &str) -> Result<T, ChainError> {
    if account.owner != TOKEN_PROGRAM_ID {
        return Err(ChainError::Decode(format!("{what} {address} is owned by {}, not SPL Token", account.owner)));
    }
    T::unpack(&account.data).map_err(|e| ChainError::Decode(format!("{what} {address} does not decode: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mint_is_not_a_token_account_and_owners_are_checked() {
        let address = Pubkey::new_unique();
        let mut data = vec![0u8; Mint::LEN];
        let mint = Mint { decimals: 6, is_initialized: true, ..Mint::default() };
        mint.pack_into_slice(&mut data);
        let account = Account { lamports: 1, owner: TOKEN_PROGRAM_ID, data, executable: false };
        assert_eq!(decode_mint(&address, &account).unwrap().decimals, 6);
        assert!(matches!(decode_token_account(&address, &account), Err(ChainError::Decode(_))));
        let foreign = Account { owner: Pubkey::new_unique(), ..account };
        assert!(matches!(decode_mint(&address, &foreign), Err(ChainError::Decode(_))));
    }
}
