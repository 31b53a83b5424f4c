pragma circom 2.2.0;

// zk402 payment statement (see DESIGN.md, "The statement").
//
// The prover knows a receipt — (amount, paid_at, Poseidon(secret)) paid to `recipient` and
// signed by the merchant's issuer with EdDSA-Poseidon on Baby Jubjub — and a credit `index` of
// it such that
//   * the receipt meets the merchant's policy, whose fields hash to the public `policy_hash`:
//     (index + 1) * price <= amount with index < 2^32 (the receipt buys floor(amount / price)
//     credits), paid_at <= now, now - paid_at <= max_age, same recipient, same issuer;
//   * the public `nullifier` is Poseidon(NULLIFIER_TAG, secret, index), so each credit pays once
//     and two credits of one receipt cannot be linked without `secret`;
//   * the public `request_hash` (one x402 challenge) is bound into a constraint.
// Nothing else about the receipt or the credit is revealed.

include "circomlib/circuits/bitify.circom";
include "circomlib/circuits/babyjub.circom";
include "circomlib/circuits/comparators.circom";
include "circomlib/circuits/eddsaposeidon.circom";
include "circomlib/circuits/poseidon.circom";

// Domain tag of the nullifier hash: the ASCII bytes "zk402/nullifier/v2" read big-endian
// (v1 hashed (tag, secret) without a credit index).
function NULLIFIER_TAG() {
    return 10664178467039198920903984601052163005707826;
}

// Constrains `in` to [0, 2^n).
template Bits(n) {
    signal input in;
    component bits = Num2Bits(n);
    bits.in <== in;
}

template Payment() {
    // ---- public inputs, in DESIGN.md order ----
    signal input policy_hash;   // Poseidon(price, recipient_hi, recipient_lo, max_age, issuer_Ax, issuer_Ay)
    signal input now;           // unix seconds, bounded by the verifier program's Clock
    signal input nullifier;     // Poseidon(NULLIFIER_TAG, secret, index)
    signal input request_hash;  // x402 challenge binding, a field element

    // ---- private: the policy's preimage ----
    signal input price;         // atomic token units per request (one credit)
    signal input recipient_hi;  // high 128 bits of the merchant's 32-byte Solana key
    signal input recipient_lo;  // low 128 bits
    signal input max_age;       // seconds
    signal input issuer_Ax;     // issuer public key (Baby Jubjub, twisted Edwards)
    signal input issuer_Ay;

    // ---- private: the receipt ----
    signal input amount;        // atomic token units
    signal input paid_at;       // unix seconds
    signal input secret;        // payer's random field element
    signal input R8x;           // issuer EdDSA-Poseidon signature (R8, S) over the receipt message
    signal input R8y;
    signal input S;
    signal input index;         // which credit of the receipt this proof spends (0-based)

    // 64-bit range checks on every value a comparator reads; the credit index below 2^32.
    component u64_amount = Bits(64);
    u64_amount.in <== amount;
    component u64_price = Bits(64);
    u64_price.in <== price;
    component u64_paid_at = Bits(64);
    u64_paid_at.in <== paid_at;
    component u64_now = Bits(64);
    u64_now.in <== now;
    component u64_max_age = Bits(64);
    u64_max_age.in <== max_age;
    component u32_index = Bits(32);
    u32_index.in <== index;

    // (index + 1) * price <= amount. With index < 2^32 and price < 2^64 the product is below
    // 2^96, so neither it nor the 96-bit comparator can wrap.
    signal spent;
    spent <== (index + 1) * price;
    component enough = LessEqThan(96);
    enough.in[0] <== spent;
    enough.in[1] <== amount;
    enough.out === 1;

    // paid_at <= now
    component not_future = LessEqThan(64);
    not_future.in[0] <== paid_at;
    not_future.in[1] <== now;
    not_future.out === 1;

    // now - paid_at <= max_age (the difference is in [0, 2^64) once paid_at <= now holds)
    component fresh = LessEqThan(64);
    fresh.in[0] <== now - paid_at;
    fresh.in[1] <== max_age;
    fresh.out === 1;

    // policy_hash commits to every policy field, so the policy preimage above is the merchant's.
    component policy = Poseidon(6);
    policy.inputs[0] <== price;
    policy.inputs[1] <== recipient_hi;
    policy.inputs[2] <== recipient_lo;
    policy.inputs[3] <== max_age;
    policy.inputs[4] <== issuer_Ax;
    policy.inputs[5] <== issuer_Ay;
    policy_hash === policy.out;

    // The issuer signed Poseidon(secret), never secret, so it cannot link a nullifier to a receipt.
    component commitment = Poseidon(1);
    commitment.inputs[0] <== secret;

    component msg = Poseidon(5);
    msg.inputs[0] <== amount;
    msg.inputs[1] <== recipient_hi;
    msg.inputs[2] <== recipient_lo;
    msg.inputs[3] <== paid_at;
    msg.inputs[4] <== commitment.out;

    // R8 must be a curve point (circomlib's verifier does not check it).
    component r8_on_curve = BabyCheck();
    r8_on_curve.x <== R8x;
    r8_on_curve.y <== R8y;

    component signature = EdDSAPoseidonVerifier();
    signature.enabled <== 1;
    signature.Ax <== issuer_Ax;
    signature.Ay <== issuer_Ay;
    signature.S <== S;
    signature.R8x <== R8x;
    signature.R8y <== R8y;
    signature.M <== msg.out;

    component nullifier_hash = Poseidon(3);
    nullifier_hash.inputs[0] <== NULLIFIER_TAG();
    nullifier_hash.inputs[1] <== secret;
    nullifier_hash.inputs[2] <== index;
    nullifier === nullifier_hash.out;

    // Bind request_hash in a constraint so a proof cannot be re-bound to another challenge.
    signal request_hash_squared;
    request_hash_squared <== request_hash * request_hash;
}

component main {public [policy_hash, now, nullifier, request_hash]} = Payment();
