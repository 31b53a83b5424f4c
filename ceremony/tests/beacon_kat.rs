//! Known answer from snarkjs: a beacon contribution made by `snarkjs zkey beacon` (hash
//! 0x0102…20, 2^10 iterations, on a zkey for the payment circuit) is re-derived exactly.

use ark_ec::CurveGroup;
use zk402_ceremony::beacon::beacon_rng;
use zk402_ceremony::keygen::DeltaKey;
use zk402_ceremony::{BeaconParams, MpcParams};

#[test]
fn snarkjs_beacon_contribution_is_rederived_byte_for_byte() {
    let mpc = MpcParams::read(include_bytes!("fixtures/snarkjs_beacon_section10.bin")).unwrap();
    assert_eq!(mpc.contributions.len(), 2);
    let beacon = &mpc.contributions[1];
    let BeaconParams { iterations_exp, hash } = beacon.beacon.clone().expect("second is the beacon");
    assert_eq!((iterations_exp, hash.as_slice()), (10, (1..=32).collect::<Vec<u8>>().as_slice()));

    let key = DeltaKey::derive(&mut beacon_rng(&hash, iterations_exp).unwrap(), mpc.transcript_hasher(1));
    assert_eq!(key.g1_s, beacon.g1_s);
    assert_eq!(key.g1_sx, beacon.g1_sx);
    assert_eq!(key.transcript, beacon.transcript);
    assert_eq!(key.g2_spx, beacon.g2_spx);
    assert_eq!((mpc.contributions[0].delta_after * key.x).into_affine(), beacon.delta_after);
    assert_eq!(MpcParams::read(&mpc.write()).unwrap(), mpc);
}
