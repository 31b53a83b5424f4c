//! The anonymity set a payer sees before spending (`zk402 payer privacy`): from public data
//! only, the fresh receipts of the merchant's issuer are the successful payments of at least
//! one credit to the merchant's token account that carry one receipt memo and were made within
//! the policy's `max_age` of the cluster's clock. Everything else that touched the account —
//! a transfer without memo, one with a malformed memo, one below the price, a failed one, a
//! payment older than `max_age` — is not counted, and the payer is warned below its threshold.

use solana_keypair::Keypair;
use solana_signer::Signer;
use zk402_chain::memo::commitment_memo;
use zk402_chain::submit::{ConfirmOptions, sign, submit_and_confirm};
use zk402_chain::token::{TOKEN_PROGRAM_ID, associated_token_address, spl_token};
use zk402_chain::{Chain, ChainError};
use zk402_circuit::Fr;
use zk402_cli::world::{DECIMALS, Terms};
use zk402_e2e::Scene;
use zk402_payer::anonymity::scan;

const TOKEN: u64 = 1_000_000;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_fresh_memo_bound_payments_count_and_few_of_them_warn() {
    let terms = Terms { price: TOKEN, max_age: 3_600, clock_window: 60, payer_balance: 20 * TOKEN };
    let scene = Scene::start(terms).await;
    let (chain, world) = (&scene.chain, &scene.world);
    let alice = scene.payer();
    let url = scene.merchant.resource_url();
    let offer = alice.offer(&url).await.expect("offer").expect("402");
    let (mint, merchant) = (world.mint, world.merchant.pubkey());
    let merchant_tokens = associated_token_address(&merchant, &mint);
    let alice_tokens = associated_token_address(&world.payer.pubkey(), &mint);
    let alice_key = world.payer.pubkey();
    let transfer = |from, to, amount| {
        spl_token::instruction::transfer_checked(
            &TOKEN_PROGRAM_ID,
            &from,
            &mint,
            &to,
            &alice_key,
            &[],
            amount,
            DECIMALS,
        )
        .expect("transfer instruction")
    };

    // Bob gets SOL for fees and tokens from Alice (a transfer that does not touch the merchant).
    let bob_key = Keypair::new();
    chain.airdrop(&bob_key.pubkey(), 1_000_000_000).await.expect("airdrop");
    let bob_tokens = chain.create_token_account(&bob_key.pubkey(), &mint).await.expect("token account");
    let to_bob = transfer(alice_tokens, bob_tokens, 5 * TOKEN);
    submit_and_confirm(chain, &[to_bob], &world.payer, &[], ConfirmOptions::default()).await.expect("to Bob");
    let bob = scene.payer_with(bob_key, "bob", std::slice::from_ref(&scene.rpc_url), &scene.prover_url);

    // An hour and a bit before the others: a receipt no longer fresh when they are made.
    let start = chain.unix_time().await.expect("clock");
    alice.pay(&mint, &merchant, TOKEN).await.expect("old payment");
    chain.set_unix_time(start + 3_700).await.expect("clock");

    // Fresh and counted: Alice buys two credits, Bob one.
    alice.pay(&mint, &merchant, 2 * TOKEN).await.expect("Alice's payment");
    bob.pay(&mint, &merchant, TOKEN).await.expect("Bob's payment");
    // Fresh but not counted: no memo; a malformed memo; a receipt memo on less than one credit;
    // a receipt memo on a transfer that failed.
    let pay = |amount, memo: Option<&[u8]>| {
        let mut instructions = vec![transfer(alice_tokens, merchant_tokens, amount)];
        if let Some(text) = memo {
            let mut ix = commitment_memo(&Fr::from(7u64));
            ix.data = text.to_vec();
            instructions.push(ix);
        }
        instructions
    };
    let valid = commitment_memo(&Fr::from(7u64)).data;
    for (amount, memo) in [(TOKEN, None), (TOKEN, Some(&b"zk402:v1:not-a-commitment"[..])), (TOKEN - 1, Some(&valid))] {
        submit_and_confirm(chain, &pay(amount, memo), &world.payer, &[], ConfirmOptions::default())
            .await
            .expect("transfer to the merchant");
    }
    let failed = sign(chain, &pay(1_000 * TOKEN, Some(&valid)), &world.payer, &[]).await.expect("sign");
    let error = chain.send_transaction(&failed).await.expect_err("more than Alice holds");
    assert!(matches!(error, ChainError::Rejected { .. }), "{error:?}");

    // Listed over JSON-RPC through the facade, as on a real cluster.
    let set = alice.anonymity_set(&offer).await.expect("anonymity set");
    assert_eq!(set.fresh, 2, "Alice's and Bob's fresh payments, nothing else: {set:?}");
    assert!(!set.capped);
    assert_eq!(set.account, merchant_tokens);
    assert_eq!((set.since, set.now), (start + 3_700 - 3_600, start + 3_700));
    assert_eq!(set.scanned, 7, "six fresh transactions, then the old payment ends the scan");

    // The warning: below the threshold only.
    let warning = set.warning(10).expect("2 < 10");
    assert!(warning.contains("only 2 fresh receipt(s)") && warning.contains("threshold 10"), "{warning}");
    assert!(set.warning(3).is_some());
    assert_eq!(set.warning(2), None);
    assert_eq!(set.warning(0), None);

    // A bounded scan says its count is a lower bound.
    let capped = scan(alice.chain(), &offer, 4).await.expect("capped scan");
    assert!(capped.capped && capped.scanned == 4, "{capped:?}");
    assert_eq!(capped.fresh, 0, "the four newest are the failed, below-price, malformed and memo-less transfers");
    let warning = capped.warning(1).expect("0 < 1");
    assert!(warning.contains("at least 0 fresh receipt(s)"), "{warning}");
}
