//! SPL Token setup on the in-process cluster, through the real SPL Token program: the demo's
//! USDC-like mint, the merchant's and payers' token accounts, and minting to payers.

use super::LocalChain;
use crate::backend::ChainError;
use crate::submit::{ConfirmOptions, submit_and_confirm};
use crate::token::{TOKEN_PROGRAM_ID, associated_token_address};
use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::Instruction;
use anchor_lang::solana_program::program_error::ProgramError;
use solana_keypair::Keypair;
use solana_program_pack::Pack;
use solana_signature::Signature;
use solana_signer::Signer;
use spl_token_interface::instruction as token_ix;
use spl_token_interface::state::Mint;

/// spl-token's builders fail only when given another token program's id; ours is SPL Token's.
fn build(ix: Result<Instruction, ProgramError>) -> Instruction {
    ix.expect("instructions for the SPL Token program id")
}

impl LocalChain {
    /// Creates a mint with `decimals` whose mint authority is `authority` (no freeze
    /// authority), paid by [`payer`](Self::payer); returns its address.
    pub async fn create_mint(&self, authority: &Pubkey, decimals: u8) -> Result<Pubkey, ChainError> {
        let payer = &self.shared.payer;
        let mint = Keypair::new();
        let rent = self.shared.banks.get_rent().await.map_err(super::transport)?;
        let create = anchor_lang::solana_program::system_instruction::create_account(
            &payer.pubkey(),
            &mint.pubkey(),
            rent.minimum_balance(Mint::LEN),
            Mint::LEN as u64,
            &TOKEN_PROGRAM_ID,
        );
        let init = build(token_ix::initialize_mint2(&TOKEN_PROGRAM_ID, &mint.pubkey(), authority, None, decimals));
        submit_and_confirm(self, &[create, init], payer, &[&mint], ConfirmOptions::default()).await?;
        Ok(mint.pubkey())
    }

    /// Creates (idempotently) `owner`'s associated token account for `mint`, paid by
    /// [`payer`](Self::payer); returns its address.
    pub async fn create_token_account(&self, owner: &Pubkey, mint: &Pubkey) -> Result<Pubkey, ChainError> {
        let payer = &self.shared.payer;
        let ix = spl_associated_token_account_interface::instruction::create_associated_token_account_idempotent(
            &payer.pubkey(),
            owner,
            mint,
            &TOKEN_PROGRAM_ID,
        );
        submit_and_confirm(self, &[ix], payer, &[], ConfirmOptions::default()).await?;
        Ok(associated_token_address(owner, mint))
    }

    /// Mints `amount` atomic units of `mint` to the token account `destination`, signed by the
    /// mint authority `authority` (fee paid by [`payer`](Self::payer)).
    pub async fn mint_to(
        &self,
        mint: &Pubkey,
        destination: &Pubkey,
        authority: &Keypair,
        amount: u64,
    ) -> Result<Signature, ChainError> {
        let payer = &self.shared.payer;
        let ix = build(token_ix::mint_to(&TOKEN_PROGRAM_ID, mint, destination, &authority.pubkey(), &[], amount));
        let confirmed = submit_and_confirm(self, &[ix], payer, &[authority], ConfirmOptions::default()).await?;
        Ok(confirmed.signature)
    }
}
