//! Versioned transactions (issue 13, finding 7): most wallets send v0 transactions that load
//! accounts through address lookup tables. A payer paying that way must get its receipt like
//! one paying with a legacy transaction: the issuer reads the payment's token accounts from the
//! addresses its lookup table loaded. Runs over the issuer's real HTTP endpoint against a
//! lookup table created and extended on the in-process runtime.

mod common;

use common::issuer::{PAID_AT, Setup, ask, memo, refused, setup, transfer};
use solana_message::{AddressLookupTableAccount, VersionedMessage, v0};
use solana_signer::Signer;
use solana_transaction::versioned::VersionedTransaction;
use zk402_chain::Chain;
use zk402_chain::submit::{ConfirmOptions, send_and_confirm};
use zk402_chain::token::associated_token_address;
use zk402_circuit::Fr;

/// A v0 payment of `amount` to the merchant naming `commitment`, whose token accounts and mint
/// are loaded through a fresh lookup table; its signature.
async fn pay_v0(s: &Setup, amount: u64, commitment: u64) -> String {
    let addresses = vec![
        associated_token_address(&s.payer.pubkey(), &s.mint),
        s.mint,
        associated_token_address(&s.merchant.pubkey(), &s.mint),
    ];
    let table = s.chain.create_lookup_table(&addresses).await.expect("lookup table");
    let instructions = [transfer(s, &s.mint, &s.merchant.pubkey(), amount), memo(commitment)];
    let blockhash = s.chain.latest_blockhash().await.unwrap();
    let tables = [AddressLookupTableAccount { key: table, addresses }];
    let message = v0::Message::try_compile(&s.payer.pubkey(), &instructions, &tables, blockhash).unwrap();
    assert_eq!(message.address_table_lookups[0].writable_indexes.len(), 2, "both token accounts are looked up");
    let payment = VersionedTransaction::try_new(VersionedMessage::V0(message), &[&s.payer]).unwrap();
    send_and_confirm(&s.chain, &payment, ConfirmOptions::default()).await.expect("payment");
    payment.signatures[0].to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_v0_payment_through_a_lookup_table_gets_its_receipt() {
    let s = setup().await;
    let paid = pay_v0(&s, 1_500_000, 7).await;
    refused(&s, &paid, 666, 403, "commitment_mismatch").await;
    let receipt = ask(&s, &paid, 7).await.receipt.expect("the payer's receipt");
    assert_eq!(receipt.claim.amount, 1_500_000);
    assert_eq!(receipt.claim.paid_at, PAID_AT as u64);
    assert_eq!(receipt.claim.recipient, s.merchant.pubkey().to_bytes());
    assert_eq!(receipt.claim.commitment, Fr::from(7u64));
    receipt.verify(&s.issuer_key.public_key()).expect("signed by the issuer");
}
