//! The embedded default's cast on an in-process cluster, set up with real transactions: a
//! USDC-like mint (6 decimals), a merchant wallet with its token account and policy, a fresh
//! issuer key, the merchant's facilitator fee payer, and a payer holding tokens. Every key comes from the OS RNG at run time.

use anchor_lang::prelude::Pubkey;
use solana_keypair::Keypair;
use solana_signer::Signer;
use zk402_chain::ChainError;
use zk402_chain::local::LocalChain;
use zk402_chain::program::{create_nullifier_set, create_policy, issuer_bytes, policy_address};
use zk402_chain::submit::{ConfirmOptions, submit_and_confirm};
use zk402_circuit::SigningKey;
use zk402_verifier::instructions::PolicyParams;

/// Decimals of the demo mint (as USDC).
pub const DECIMALS: u8 = 6;
/// Lamports each demo actor gets for fees and rent (1 SOL).
const ACTOR_LAMPORTS: u64 = 1_000_000_000;
/// Shards of the demo policy's nullifier set.
const DEMO_SHARDS: u16 = 2;
/// Cells per demo shard (32 KiB, 0.23 SOL of rent each).
const DEMO_SHARD_CAPACITY: u32 = 4_096;

/// What the demo policy asks, and what the payer holds.
#[derive(Debug, Clone, Copy)]
pub struct Terms {
    /// Price of one request (one credit), atomic units.
    pub price: u64,
    /// Longest receipt age, seconds.
    pub max_age: u64,
    /// Clock window of `now`, seconds.
    pub clock_window: u64,
    /// Tokens minted to the payer, atomic units.
    pub payer_balance: u64,
}

impl Default for Terms {
    /// 1 token per request, receipts valid one hour, ±60 s clock window, payer holds 10 tokens.
    fn default() -> Terms {
        Terms { price: 1_000_000, max_age: 3_600, clock_window: 60, payer_balance: 10_000_000 }
    }
}

/// The actors and accounts of a demo cluster.
pub struct World {
    /// The token mint.
    pub mint: Pubkey,
    /// The merchant wallet: policy authority and payment recipient.
    pub merchant: Keypair,
    /// The merchant's receipt issuer key.
    pub issuer: SigningKey,
    /// The merchant's policy account.
    pub policy: Pubkey,
    /// The merchant's facilitator key: pays the fees of settlement transactions.
    pub facilitator: Keypair,
    /// The payer (token owner, and fee payer of its payment only).
    pub payer: Keypair,
    /// What the policy asks.
    pub terms: Terms,
}

impl World {
    /// Creates the mint, the actors, their token accounts and the merchant's policy.
    pub async fn create(chain: &LocalChain, terms: Terms) -> Result<World, ChainError> {
        let (merchant, payer, mint_authority) = (Keypair::new(), Keypair::new(), Keypair::new());
        let facilitator = Keypair::new();
        let issuer = SigningKey::generate().map_err(|e| ChainError::Decode(format!("OS randomness: {e}")))?;
        chain.airdrop(&merchant.pubkey(), ACTOR_LAMPORTS).await?;
        chain.airdrop(&payer.pubkey(), ACTOR_LAMPORTS).await?;
        chain.airdrop(&facilitator.pubkey(), ACTOR_LAMPORTS).await?;
        let mint = chain.create_mint(&mint_authority.pubkey(), DECIMALS).await?;
        chain.create_token_account(&merchant.pubkey(), &mint).await?;
        let payer_tokens = chain.create_token_account(&payer.pubkey(), &mint).await?;
        chain.mint_to(&mint, &payer_tokens, &mint_authority, terms.payer_balance).await?;
        let params = PolicyParams {
            recipient: merchant.pubkey(),
            price: terms.price,
            max_age: terms.max_age,
            clock_window: terms.clock_window,
            issuer: issuer_bytes(&issuer.public_key()),
        };
        let policy_id = 1;
        let ix = create_policy(&merchant.pubkey(), policy_id, params);
        submit_and_confirm(chain, &[ix], &merchant, &[], ConfirmOptions::default()).await?;
        let set = create_nullifier_set(&merchant.pubkey(), policy_id, DEMO_SHARDS, DEMO_SHARD_CAPACITY)
            .expect("the demo capacity is valid");
        for ixs in &set {
            submit_and_confirm(chain, ixs, &merchant, &[], ConfirmOptions::default()).await?;
        }
        let policy = policy_address(&merchant.pubkey(), policy_id);
        Ok(World { mint, merchant, issuer, policy, facilitator, payer, terms })
    }
}
