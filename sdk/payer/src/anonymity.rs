//! The anonymity set of a request, measured from public data before spending.
//!
//! A proof hides which receipt it spends among the receipts of the same issuer that are fresh
//! at its `now` (DESIGN.md, "Privacy model"). Anyone can count those: each is a successful
//! payment to the merchant's token account carrying one receipt memo
//! (`zk402_chain::payment::find_payment`, the very check the issuer makes), of at least one
//! credit (the policy's price), whose block time lies within the policy's `max_age` of the
//! cluster's clock. Which of them still hold unspent credits is not public (that is the point
//! of the nullifiers), so the count is an upper bound on the set a request hides in.
//!
//! The scan lists the transactions that touched the merchant's associated token account for the
//! offer's mint, newest first, until one is older than the window; it reads at most a bounded
//! number of them ([`MAX_SCANNED`]), and says when it stopped early: the count is then a lower
//! bound on the fresh receipts.

use crate::payer::{Offer, PayerError};
use anchor_lang::prelude::Pubkey;
use std::str::FromStr;
use zk402_chain::payment::{TransferError, find_payment};
use zk402_chain::token::associated_token_address;
use zk402_chain::{Chain, Finality};

/// The most transactions one scan lists (each fresh, successful one costs a `getTransaction`).
pub const MAX_SCANNED: usize = 1000;

/// The default threshold below which a payer is warned (`min_anonymity_set`).
pub const DEFAULT_MIN_ANONYMITY_SET: usize = 10;

/// Transactions listed per `getSignaturesForAddress` call.
const PAGE: usize = 250;

/// What a scan found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnonymitySet {
    /// Fresh receipts: memo-bound successful payments of at least one credit to the merchant
    /// inside the window (the payer's own included).
    pub fresh: usize,
    /// Whether the scan stopped at its bound before leaving the window: `fresh` is then only
    /// a lower bound.
    pub capped: bool,
    /// Transactions listed.
    pub scanned: usize,
    /// The merchant's token account scanned (associated token account of the policy's
    /// recipient for the offer's mint).
    pub account: Pubkey,
    /// The window's start: the cluster's clock minus the policy's `max_age`, unix seconds.
    pub since: i64,
    /// The window's end: the cluster's clock, unix seconds.
    pub now: i64,
}

impl AnonymitySet {
    /// The warning to show before spending when fewer than `threshold` fresh receipts were
    /// found; `None` otherwise.
    pub fn warning(&self, threshold: usize) -> Option<String> {
        (self.fresh < threshold).then(|| {
            format!(
                "warning: {} {} fresh receipt(s) of this merchant's issuer (threshold {threshold}): a request \
                 spent now hides among few payments, and the merchant may link it to yours by time; \
                 buy credits ahead and spend them later, or wait for more payments",
                if self.capped { "at least" } else { "only" },
                self.fresh
            )
        })
    }
}

/// Counts the fresh receipts of `offer`'s merchant on `chain`, listing at most `max_scanned`
/// transactions.
pub async fn scan(chain: &impl Chain, offer: &Offer, max_scanned: usize) -> Result<AnonymitySet, PayerError> {
    let mint = Pubkey::from_str(&offer.accepted.asset)
        .map_err(|e| PayerError::Offer(format!("asset {:?}: {e}", offer.accepted.asset)))?;
    let recipient = Pubkey::new_from_array(offer.policy.recipient);
    let account = associated_token_address(&recipient, &mint);
    let now = chain.unix_time().await?;
    let since = now.saturating_sub(i64::try_from(offer.policy.max_age).unwrap_or(i64::MAX));
    let mut set = AnonymitySet { fresh: 0, capped: false, scanned: 0, account, since, now };
    let mut before = None;
    loop {
        if set.scanned >= max_scanned {
            set.capped = true;
            return Ok(set);
        }
        let page = chain.signatures_for_address(&account, before, PAGE.min(max_scanned - set.scanned)).await?;
        let Some(last) = page.last() else { return Ok(set) };
        before = Some(last.signature);
        for listed in page {
            set.scanned += 1;
            let Some(time) = listed.block_time else { continue };
            if time < since {
                // Newest first: everything further is older still.
                return Ok(set);
            }
            if listed.error.is_some() || time > now {
                continue;
            }
            let Some(tx) = chain.transaction(&listed.signature, Finality::Confirmed).await? else { continue };
            match find_payment(chain, &tx, &mint, &recipient).await {
                Ok(payment) if payment.amount >= offer.policy.price => set.fresh += 1,
                Ok(_) => {}
                Err(TransferError::Chain(e)) => return Err(e.into()),
                Err(_) => {}
            }
        }
    }
}
