//! Instruction data of the verifier program, decoded as Anchor's dispatcher does: the 8-byte
//! discriminator picks the instruction, its Borsh arguments follow (trailing bytes ignored).
//! Never panics; decoded arguments re-encode to the bytes they were read from. A batch entry
//! (the proof buffer's 352-byte record) round-trips too.

#![no_main]

use anchor_lang::{AnchorDeserialize, Discriminator, InstructionData};
use libfuzzer_sys::fuzz_target;
use zk402_verifier::instruction;
use zk402_verifier::state::BatchEntry;

/// Decodes `data` as instruction `T` if its discriminator matches; checks the round trip.
fn decode<T: Discriminator + InstructionData + AnchorDeserialize>(data: &[u8]) {
    let Some(mut args) = data.strip_prefix(T::DISCRIMINATOR) else { return };
    let total = args.len();
    if let Ok(ix) = T::deserialize(&mut args) {
        let consumed = total - args.len();
        assert_eq!(ix.data(), data[..T::DISCRIMINATOR.len() + consumed]);
    }
}

fuzz_target!(|data: &[u8]| {
    decode::<instruction::CreatePolicy>(data);
    decode::<instruction::UpdatePolicy>(data);
    decode::<instruction::ClosePolicy>(data);
    decode::<instruction::VerifyPayment>(data);
    decode::<instruction::OpenProofBuffer>(data);
    decode::<instruction::WriteProofBuffer>(data);
    decode::<instruction::CloseProofBuffer>(data);
    decode::<instruction::VerifyBatch>(data);
    decode::<instruction::CreateNullifierShard>(data);
    decode::<instruction::CloseNullifierShard>(data);
    if let Ok(bytes) = <&[u8; BatchEntry::LEN]>::try_from(data) {
        assert_eq!(&BatchEntry::from_bytes(bytes).to_bytes(), bytes);
    }
});
