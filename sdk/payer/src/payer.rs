//! The payer's side of the flow: pay the merchant, obtain a receipt from its issuer, and access
//! a paid resource — on a 402, prove that an unspent credit of a receipt meets the merchant's
//! policy and retry with the proof in `PAYMENT-SIGNATURE`. The merchant's facilitator verifies
//! and settles it: the payer's key signs its payment and nothing else.

use crate::anonymity::AnonymitySet;
use crate::encoding::{EncodingError, submission_from_json};
use crate::prover_client::{ProofSource, ProveError};
use crate::wallet::{CreditBalance, Wallet, WalletError};
use anchor_lang::prelude::Pubkey;
use solana_keypair::Keypair;
use solana_signer::Signer;
use std::str::FromStr;
use std::time::Duration;
use tokio::sync::Mutex;
use zk402_chain::memo::commitment_memo;
use zk402_chain::program::{PROGRAM_ID, fetch_nullifier_expiry, fetch_policy, issuer_key};
use zk402_chain::submit::{ConfirmOptions, send_and_confirm, sign};
use zk402_chain::token::{TOKEN_PROGRAM_ID, associated_token_address, decode_mint, spl_token};
use zk402_chain::{Chain, ChainError};
use zk402_circuit::field::{fr_from_be_bytes, fr_to_be_bytes};
use zk402_circuit::{Challenge, IssueRequest, PaymentInputs, Policy, PublicKey, Receipt, Secret};
use zk402_verifier::instructions::ProofSubmission;
use zk402_x402::{
    HeaderError, Network, PAYMENT_REQUIRED, PAYMENT_RESPONSE, PAYMENT_SIGNATURE, PaymentPayload, PaymentRequired,
    PaymentRequirements, SettlementResponse, X402_VERSION, ZkPayload, decode_header, encode_header,
};

/// Why a payer step failed.
#[derive(Debug, thiserror::Error)]
pub enum PayerError {
    /// The operating system's random number generator failed.
    #[error("OS randomness: {0}")]
    Randomness(String),
    /// An HTTP exchange failed before an answer.
    #[error("HTTP: {0}")]
    Http(String),
    /// The merchant's x402 headers are malformed.
    #[error("x402 header: {0}")]
    Header(#[from] HeaderError),
    /// The merchant's offer cannot be accepted as is (wrong network, program, policy, hash…).
    #[error("merchant offer refused: {0}")]
    Offer(String),
    /// No unspent receipt in the wallet meets the policy.
    #[error("no unspent receipt meets the policy: pay the merchant first")]
    NoReceipt,
    /// The issuer refused or failed.
    #[error("issuer answered {status}: {message}")]
    Issuer {
        /// HTTP status.
        status: u16,
        /// Its error body.
        message: String,
    },
    /// The issuer's receipt does not check out.
    #[error("invalid receipt from the issuer: {0}")]
    BadReceipt(String),
    /// The prover failed.
    #[error(transparent)]
    Prove(#[from] ProveError),
    /// The proof could not be encoded for the program.
    #[error(transparent)]
    Encoding(#[from] EncodingError),
    /// The chain failed or refused a transaction.
    #[error(transparent)]
    Chain(#[from] ChainError),
    /// The wallet could not be read or written.
    #[error(transparent)]
    Wallet(#[from] WalletError),
    /// The merchant did not serve the resource for the proof.
    #[error("merchant refused the paid request ({status}): {reason}")]
    Refused {
        /// HTTP status.
        status: u16,
        /// The merchant's reason.
        reason: String,
    },
}

/// A merchant's 402 answer for a resource, checked against the chain.
#[derive(Debug, Clone)]
pub struct Offer {
    /// The resource URL requested.
    pub url: String,
    /// The merchant's payment requirements (our scheme's entry).
    pub required: PaymentRequired,
    /// The entry chosen.
    pub accepted: PaymentRequirements,
    /// The policy account.
    pub policy_address: Pubkey,
    /// The policy as the program stores it, in circuit terms.
    pub policy: Policy,
}

/// A proof for an offer, not yet on chain.
#[derive(Debug, Clone)]
pub struct Proven {
    /// The payment whose receipt it spends.
    pub transfer: String,
    /// The credit of that receipt it spends.
    pub index: u32,
    /// The proof and public inputs as `verify_payment` takes them.
    pub submission: ProofSubmission,
}

/// The resource as served after payment.
#[derive(Debug, Clone)]
pub struct Access {
    /// HTTP status (200).
    pub status: u16,
    /// The response body.
    pub body: Vec<u8>,
    /// The merchant's `PAYMENT-RESPONSE`.
    pub settlement: SettlementResponse,
}

/// A payer: its token-owning key (which signs and pays for its payments only), its receipt
/// wallet, a prover and the chain.
pub struct Payer<C, P> {
    chain: C,
    prover: P,
    keypair: Keypair,
    wallet: Mutex<Wallet>,
    network: Network,
    http: reqwest::Client,
    confirm: ConfirmOptions,
    receipt_wait: ConfirmOptions,
}

/// How long a claimed credit may still be in flight (in this or another payer process) before
/// an unrecorded nullifier shows that its proof never landed: longer than a proof's `now` stays
/// inside a policy's clock window (at most an hour either side, usually a minute) would allow
/// only for the widest windows, so a credit pending that long is re-checked, not assumed lost.
pub const PENDING_RECHECK_SECS: u64 = 180;

/// This machine's unix time in seconds (when a credit was claimed; compared only with itself).
fn wall_clock() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// How long [`Payer::obtain_receipt`] keeps asking, and how often: an issuer reading at
/// `finalized` sees a payment about 13 s after it is confirmed.
const RECEIPT_WAIT: ConfirmOptions =
    ConfirmOptions { timeout: Duration::from_secs(90), poll_interval: Duration::from_secs(2) };

impl<C: Chain, P: ProofSource> Payer<C, P> {
    /// A payer on `network` (the only network it accepts offers for).
    pub fn new(chain: C, prover: P, keypair: Keypair, wallet: Wallet, network: Network) -> Payer<C, P> {
        Payer {
            chain,
            prover,
            keypair,
            wallet: Mutex::new(wallet),
            network,
            http: reqwest::Client::new(),
            confirm: ConfirmOptions::default(),
            receipt_wait: RECEIPT_WAIT,
        }
    }

    /// The payer's address (token owner; fee payer of its payments).
    pub fn address(&self) -> Pubkey {
        self.keypair.pubkey()
    }

    /// The chain backend.
    pub fn chain(&self) -> &C {
        &self.chain
    }

    /// Pays `amount` atomic units of `mint` from the payer's associated token account to
    /// `recipient`'s (`TransferChecked`: the mint and its decimals are part of what is signed),
    /// naming in the same transaction, by a receipt memo (`zk402_chain::memo`), the commitment
    /// of a fresh secret: the issuer signs a receipt for that commitment only. The secret is
    /// stored in the wallet under the transaction's signature before the transaction is sent.
    /// Returns that signature once the transaction is confirmed.
    pub async fn pay(&self, mint: &Pubkey, recipient: &Pubkey, amount: u64) -> Result<String, PayerError> {
        let account =
            self.chain.account(mint).await?.ok_or_else(|| PayerError::Offer(format!("mint {mint} not found")))?;
        let decimals = decode_mint(mint, &account)?.decimals;
        let owner = self.address();
        let transfer = spl_token::instruction::transfer_checked(
            &TOKEN_PROGRAM_ID,
            &associated_token_address(&owner, mint),
            mint,
            &associated_token_address(recipient, mint),
            &owner,
            &[],
            amount,
            decimals,
        )
        .map_err(|e| PayerError::Offer(format!("transfer: {e}")))?;
        let secret = Secret::random().map_err(|e| PayerError::Randomness(e.to_string()))?;
        let memo = commitment_memo(&secret.commitment());
        let tx = sign(&self.chain, &[transfer, memo], &self.keypair, &[]).await?;
        let signature = tx.signatures.first().ok_or_else(|| PayerError::Offer("unsigned payment".into()))?.to_string();
        self.wallet.lock().await.add_payment(&signature, secret)?;
        send_and_confirm(&self.chain, &tx, self.confirm).await?;
        Ok(signature)
    }

    /// Asks the issuer at `issuer_url` for the receipt of payment `transfer` (made by
    /// [`pay`](Self::pay): the wallet holds the secret whose commitment its memo names), checks
    /// it was signed by `issuer` over that commitment, and stores it in the wallet. While the
    /// issuer has not seen the payment at its finality (404), limits us (429, after its
    /// `Retry-After`) or is unavailable (503), asks again until a deadline.
    pub async fn obtain_receipt(
        &self,
        issuer_url: &str,
        issuer: &PublicKey,
        transfer: &str,
    ) -> Result<Receipt, PayerError> {
        let secret = self
            .wallet
            .lock()
            .await
            .secret_of(transfer)
            .ok_or_else(|| WalletError::UnknownTransfer(transfer.into()))?;
        let request = IssueRequest { transaction: transfer.into(), commitment: secret.commitment() };
        let url = format!("{}/v1/receipts", issuer_url.trim_end_matches('/'));
        let deadline = tokio::time::Instant::now() + self.receipt_wait.timeout;
        let body = loop {
            let response = self
                .http
                .post(&url)
                .json(&request)
                .send()
                .await
                .map_err(|e| PayerError::Http(format!("{url}: {e}")))?;
            let status = response.status();
            let retry_after = response
                .headers()
                .get(reqwest::header::RETRY_AFTER)
                .and_then(|value| value.to_str().ok()?.parse().ok())
                .map_or(self.receipt_wait.poll_interval, Duration::from_secs);
            let body = response.bytes().await.map_err(|e| PayerError::Http(format!("{url}: {e}")))?;
            if status.is_success() {
                break body;
            }
            let retriable = matches!(status.as_u16(), 404 | 429 | 503);
            if !retriable || tokio::time::Instant::now() + retry_after > deadline {
                let message = String::from_utf8_lossy(&body).into();
                return Err(PayerError::Issuer { status: status.as_u16(), message });
            }
            tokio::time::sleep(retry_after).await;
        };
        let receipt: Receipt = serde_json::from_slice(&body).map_err(|e| PayerError::BadReceipt(e.to_string()))?;
        if receipt.claim.commitment != request.commitment {
            return Err(PayerError::BadReceipt("it signs another commitment".into()));
        }
        receipt.verify(issuer).map_err(|e| PayerError::BadReceipt(e.to_string()))?;
        self.wallet.lock().await.set_receipt(transfer, *issuer, receipt)?;
        Ok(receipt)
    }

    /// Requests `url` without payment. `Ok(None)` when the merchant serves it for free;
    /// otherwise its `zk-groth16` offer, checked: our network and program, and the policy
    /// account read from the chain (pay-to, amount and request hash consistent with it).
    pub async fn offer(&self, url: &str) -> Result<Option<Offer>, PayerError> {
        let response = self.http.get(url).send().await.map_err(|e| PayerError::Http(format!("{url}: {e}")))?;
        if response.status() != reqwest::StatusCode::PAYMENT_REQUIRED {
            return Ok(None);
        }
        let header = response
            .headers()
            .get(PAYMENT_REQUIRED)
            .ok_or_else(|| PayerError::Offer("402 without a PAYMENT-REQUIRED header".into()))?;
        let required: PaymentRequired = decode_header(header.to_str().map_err(|_| HeaderError::InvalidBase64)?)?;
        let accepted = required
            .accepts
            .iter()
            .find(|a| a.network == self.network)
            .cloned()
            .ok_or_else(|| PayerError::Offer(format!("no zk-groth16 offer on {}", self.network)))?;
        if accepted.extra.verifier_program != PROGRAM_ID.to_string() {
            return Err(PayerError::Offer(format!("unknown verifier program {}", accepted.extra.verifier_program)));
        }
        let policy_address = parse_address(&accepted.extra.policy, "policy")?;
        let stored = fetch_policy(&self.chain, &policy_address)
            .await?
            .ok_or_else(|| PayerError::Offer(format!("policy account {policy_address} does not exist")))?;
        let policy = Policy {
            price: stored.price,
            recipient: stored.recipient.to_bytes(),
            max_age: stored.max_age,
            issuer: issuer_key(&stored.issuer).ok_or_else(|| PayerError::Offer("policy issuer key".into()))?,
        };
        if accepted.pay_to != stored.recipient.to_string() || accepted.amount < stored.price {
            return Err(PayerError::Offer("payTo or amount disagree with the on-chain policy".into()));
        }
        let info = &accepted.extra.challenge;
        if info.method != "GET" {
            return Err(PayerError::Offer(format!("the challenge is for {}, not GET", info.method)));
        }
        let challenge = Challenge::for_request(
            policy_address.to_bytes(),
            info.nonce,
            info.expires_at,
            "GET",
            &required.resource.url,
        );
        if fr_to_be_bytes(&challenge.request_hash()) != accepted.extra.challenge.request_hash {
            return Err(PayerError::Offer("the challenge's request hash does not match its fields".into()));
        }
        Ok(Some(Offer { url: url.into(), required, accepted, policy_address, policy }))
    }

    /// Proves that an unspent credit of a wallet receipt meets the offer's policy, bound to its
    /// challenge. The credit is durably marked pending before its proof exists, so a crash
    /// never spends it twice; pending credits older than [`PENDING_RECHECK_SECS`] are first
    /// checked against the chain and freed if their nullifier was never recorded.
    pub async fn prove(&self, offer: &Offer) -> Result<Proven, PayerError> {
        let now = u64::try_from(self.chain.unix_time().await?).map_err(|_| PayerError::Offer("clock".into()))?;
        if now > offer.accepted.extra.challenge.expires_at {
            return Err(PayerError::Offer("the challenge has expired".into()));
        }
        let request_hash = fr_from_be_bytes(&offer.accepted.extra.challenge.request_hash)
            .map_err(|e| PayerError::Offer(format!("request hash: {e}")))?;
        self.recheck_pending(offer, now).await?;
        let (claim, inputs) = loop {
            let claim = self
                .wallet
                .lock()
                .await
                .claim_credit(&offer.policy, now, wall_clock())?
                .ok_or(PayerError::NoReceipt)?;
            let nullifier = fr_to_be_bytes(&claim.secret.nullifier(claim.index));
            if fetch_nullifier_expiry(&self.chain, &offer.policy_address, &nullifier).await?.is_some() {
                // Spent by an earlier run that stopped before writing the wallet.
                self.wallet.lock().await.mark_spent(&claim.transfer, claim.index, "recorded on chain")?;
                continue;
            }
            let inputs =
                PaymentInputs::new(&offer.policy, &claim.receipt, &claim.secret, claim.index, now, request_hash);
            break (claim, inputs);
        };
        match self.prover.prove(&inputs).await {
            Ok(proof) => {
                Ok(Proven { transfer: claim.transfer, index: claim.index, submission: submission_from_json(&proof)? })
            }
            Err(e) => {
                // No proof came back: nothing of this credit left the payer (or the trusted prover).
                self.wallet.lock().await.release_credit(&claim.transfer, claim.index)?;
                Err(e.into())
            }
        }
    }

    /// Settles the wallet's pending credits under the offer's policy claimed more than
    /// [`PENDING_RECHECK_SECS`] ago: spent if the chain holds their nullifier, else free again.
    async fn recheck_pending(&self, offer: &Offer, now: u64) -> Result<(), PayerError> {
        let claimed_before = wall_clock().saturating_sub(PENDING_RECHECK_SECS);
        let stale = self.wallet.lock().await.stale_pending(&offer.policy, now, claimed_before);
        for (transfer, index, secret) in stale {
            let nullifier = fr_to_be_bytes(&secret.nullifier(index));
            let recorded = fetch_nullifier_expiry(&self.chain, &offer.policy_address, &nullifier).await?;
            let mut wallet = self.wallet.lock().await;
            match recorded {
                Some(_) => wallet.mark_spent(&transfer, index, "recorded on chain")?,
                None => wallet.release_credit(&transfer, index)?,
            }
        }
        Ok(())
    }

    /// How many fresh receipts of the offer's merchant a request spent now would hide among,
    /// counted from public data ([`crate::anonymity`]), listing at most
    /// [`MAX_SCANNED`](crate::anonymity::MAX_SCANNED) transactions.
    pub async fn anonymity_set(&self, offer: &Offer) -> Result<AnonymitySet, PayerError> {
        crate::anonymity::scan(&self.chain, offer, crate::anonymity::MAX_SCANNED).await
    }

    /// What is left of each wallet receipt under the offer's policy now.
    pub async fn credits(&self, offer: &Offer) -> Result<Vec<CreditBalance>, PayerError> {
        let now = u64::try_from(self.chain.unix_time().await?).map_err(|_| PayerError::Offer("clock".into()))?;
        Ok(self.wallet.lock().await.balances(&offer.policy, now))
    }

    /// Retries the request with the proof in `PAYMENT-SIGNATURE` and returns the resource.
    /// Once the merchant served it, the credit is marked spent (with the settlement's
    /// transaction, if it named one); a refusal leaves it pending, to be re-checked.
    pub async fn redeem(&self, offer: &Offer, proven: &Proven) -> Result<Access, PayerError> {
        let access = self.send_proof(offer, &proven.submission).await?;
        let spent_by = match access.settlement.transaction.as_str() {
            "" => "served, settlement deferred",
            transaction => transaction,
        };
        self.wallet.lock().await.mark_spent(&proven.transfer, proven.index, spent_by)?;
        Ok(access)
    }

    /// The `PAYMENT-SIGNATURE` payload that pays for `offer` with `submission`.
    pub fn payload(&self, offer: &Offer, submission: &ProofSubmission) -> PaymentPayload {
        PaymentPayload {
            x402_version: X402_VERSION,
            resource: Some(offer.required.resource.clone()),
            accepted: offer.accepted.clone(),
            payload: ZkPayload {
                proof: submission.proof,
                now: submission.now,
                nullifier: submission.nullifier,
                request_hash: submission.request_hash,
            },
            extensions: None,
        }
    }

    /// Sends `submission` as the payment for `offer` (no wallet change: a replay sends the
    /// same proof again).
    pub async fn send_proof(&self, offer: &Offer, submission: &ProofSubmission) -> Result<Access, PayerError> {
        let payload = self.payload(offer, submission);
        let url = &offer.url;
        let response = self
            .http
            .get(url)
            .header(PAYMENT_SIGNATURE, encode_header(&payload))
            .send()
            .await
            .map_err(|e| PayerError::Http(format!("{url}: {e}")))?;
        let status = response.status().as_u16();
        let settlement = response.headers().get(PAYMENT_RESPONSE).and_then(|v| v.to_str().ok()).map(decode_header);
        let body = response.bytes().await.map_err(|e| PayerError::Http(format!("{url}: {e}")))?.to_vec();
        match settlement {
            Some(Ok(settlement)) if status == 200 && settlement.success => Ok(Access { status, body, settlement }),
            Some(Ok(SettlementResponse { error_reason: Some(reason), .. })) => {
                Err(PayerError::Refused { status, reason })
            }
            Some(Err(e)) => Err(e.into()),
            _ => {
                let text = String::from_utf8_lossy(&body);
                Err(PayerError::Refused { status, reason: text.chars().take(300).collect() })
            }
        }
    }

    /// The whole flow for one paid request: offer → prove → redeem.
    pub async fn access(&self, url: &str) -> Result<Access, PayerError> {
        let Some(offer) = self.offer(url).await? else {
            return Err(PayerError::Offer(format!("{url} did not ask for payment")));
        };
        let proven = self.prove(&offer).await?;
        self.redeem(&offer, &proven).await
    }
}

fn parse_address(text: &str, what: &str) -> Result<Pubkey, PayerError> {
    Pubkey::from_str(text).map_err(|e| PayerError::Offer(format!("{what} {text:?}: {e}")))
}
