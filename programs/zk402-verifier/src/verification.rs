//! What the instructions share: the compiled-in verifying key, the policy hash, public-input
//! encoding, proof checks mapped to program errors, and nullifier record creation.

use crate::errors::ZkError;
use crate::state::{NullifierRecord, seeds};
use crate::verifying_key::{ALPHA_G1, BETA_G2, DELTA_G2, GAMMA_G2, IC, NR_PUBLIC_INPUTS};
use anchor_lang::prelude::*;
use anchor_lang::system_program::{self, Allocate, Assign, CreateAccount, Transfer};
use solana_poseidon::{Endianness, Parameters};
use zk402_verifier_core::encoding::is_scalar;
use zk402_verifier_core::{InputBase, VerifyingKey};

const _: () = assert!(NR_PUBLIC_INPUTS == 4, "the payment circuit has four public inputs");

/// The payment circuit's verifying key (generated from the ceremony, see `verifying_key.rs`).
pub fn verifying_key() -> VerifyingKey<'static> {
    VerifyingKey { alpha_g1: &ALPHA_G1, beta_g2: &BETA_G2, gamma_g2: &GAMMA_G2, delta_g2: &DELTA_G2, ic: &IC }
}

/// A u64 as a 32-byte big-endian public input.
pub fn u64_input(x: u64) -> [u8; 32] {
    let mut out = [0u8; 32];
    out[24..].copy_from_slice(&x.to_be_bytes());
    out
}

/// Poseidon(min_amount, recipient_hi, recipient_lo, max_age, issuer_Ax, issuer_Ay) with the
/// Poseidon syscall (circom parameters), and IC₀ + policy_hash·IC₁.
pub fn commit_policy(
    min_amount: u64,
    recipient: &Pubkey,
    max_age: u64,
    issuer: &[u8; 64],
) -> Result<([u8; 32], [u8; 64])> {
    let (ax, ay): (&[u8; 32], &[u8; 32]) = (array_ref(&issuer[..32]), array_ref(&issuer[32..]));
    require!(is_scalar(ax) && is_scalar(ay), ZkError::InvalidIssuerKey);
    let recipient = recipient.to_bytes();
    let mut hi = [0u8; 32];
    hi[16..].copy_from_slice(&recipient[..16]);
    let mut lo = [0u8; 32];
    lo[16..].copy_from_slice(&recipient[16..]);
    let fields: [&[u8]; 6] = [&u64_input(min_amount), &hi, &lo, &u64_input(max_age), ax, ay];
    let hash = solana_poseidon::hashv(Parameters::Bn254X5, Endianness::BigEndian, &fields)
        .map_err(|_| error!(ZkError::InvalidIssuerKey))?
        .to_bytes();
    let base = InputBase::fold(&verifying_key(), &[hash]).map_err(ZkError::from)?;
    Ok((hash, base.point))
}

fn array_ref(bytes: &[u8]) -> &[u8; 32] {
    bytes.try_into().expect("32-byte halves of a 64-byte key")
}

/// Creates the record of `nullifier` at its canonical address, paid by `payer`; fails with
/// [`ZkError::NullifierAlreadyUsed`] if it exists. Tolerates lamports sent to the address
/// beforehand (a front-running grief would otherwise block the receipt).
pub fn record_nullifier<'info>(
    record: &AccountInfo<'info>,
    payer: &AccountInfo<'info>,
    system: &AccountInfo<'info>,
    nullifier: &[u8; 32],
    policy: Pubkey,
    expires_at: i64,
) -> Result<()> {
    let (address, bump) = Pubkey::find_program_address(&[seeds::NULLIFIER, nullifier], &crate::ID);
    require_keys_eq!(record.key(), address, ZkError::NullifierAccountMismatch);
    require!(record.owner == &system_program::ID && record.data_is_empty(), ZkError::NullifierAlreadyUsed);

    let space = 8 + NullifierRecord::INIT_SPACE;
    let rent = Rent::get()?.minimum_balance(space);
    let bump_seed = [bump];
    let signer: &[&[u8]] = &[seeds::NULLIFIER, nullifier, &bump_seed];
    let program = system.key();
    if record.lamports() == 0 {
        let accounts = CreateAccount { from: payer.clone(), to: record.clone() };
        system_program::create_account(
            CpiContext::new_with_signer(program, accounts, &[signer]),
            rent,
            space as u64,
            &crate::ID,
        )?;
    } else {
        let missing = rent.saturating_sub(record.lamports());
        if missing > 0 {
            let accounts = Transfer { from: payer.clone(), to: record.clone() };
            system_program::transfer(CpiContext::new(program, accounts), missing)?;
        }
        let allocate = Allocate { account_to_allocate: record.clone() };
        system_program::allocate(CpiContext::new_with_signer(program, allocate, &[signer]), space as u64)?;
        let assign = Assign { account_to_assign: record.clone() };
        system_program::assign(CpiContext::new_with_signer(program, assign, &[signer]), &crate::ID)?;
    }
    let data = NullifierRecord { policy, rent_payer: payer.key(), expires_at, bump };
    let mut bytes = record.try_borrow_mut_data()?;
    data.try_serialize(&mut &mut bytes[..])
}
