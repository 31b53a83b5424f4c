//! Property tests of the field-element encodings the circuit's inputs travel in: canonical
//! decimal strings (circom inputs, snarkjs signals, `serde_fr`), 32-byte big- and
//! little-endian integers, key limbs, the prover's input JSON, and `.wtns` files.

use ark_ff::{BigInteger, PrimeField};
use proptest::prelude::*;
use zk402_circuit::field::{
    FieldError, fr_from_be_bytes, fr_from_decimal, fr_from_le_bytes, fr_to_be_bytes, fr_to_decimal, fr_to_le_bytes,
    key_limbs,
};
use zk402_circuit::{Fr, INPUT_NAMES, PaymentInputs, wtns};

fn fr() -> impl Strategy<Value = Fr> {
    prop_oneof![
        any::<[u8; 32]>().prop_map(|b| Fr::from_le_bytes_mod_order(&b)),
        any::<u64>().prop_map(Fr::from),
        (0u64..3).prop_map(|k| -Fr::from(k)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn decimal_round_trips(x in fr()) {
        let text = fr_to_decimal(&x);
        prop_assert_eq!(fr_from_decimal(&text), Ok(x));
        prop_assert!(fr_from_decimal(&format!("0{text}")).is_err(), "a leading zero is not canonical");
    }

    #[test]
    fn decimal_agrees_with_u128(n in any::<u128>()) {
        prop_assert_eq!(fr_from_decimal(&n.to_string()), Ok(Fr::from(n)));
    }

    #[test]
    fn byte_encodings_round_trip(x in fr()) {
        prop_assert_eq!(fr_from_be_bytes(&fr_to_be_bytes(&x)), Ok(x));
        prop_assert_eq!(fr_from_le_bytes(&fr_to_le_bytes(&x)), Ok(x));
        let mut le = fr_to_be_bytes(&x);
        le.reverse();
        prop_assert_eq!(le, fr_to_le_bytes(&x));
    }

    #[test]
    fn bytes_at_or_above_r_are_rejected(bytes in any::<[u8; 32]>()) {
        let reduced = Fr::from_be_bytes_mod_order(&bytes);
        match fr_from_be_bytes(&bytes) {
            Ok(x) => prop_assert_eq!(fr_to_be_bytes(&x), bytes),
            Err(e) => {
                prop_assert_eq!(e, FieldError::NotBelowModulus);
                prop_assert_ne!(reduced.into_bigint().to_bytes_be(), bytes.to_vec());
            }
        }
    }

    #[test]
    fn key_limbs_are_the_two_halves(key in any::<[u8; 32]>()) {
        let (hi, lo) = key_limbs(&key);
        prop_assert_eq!(&fr_to_be_bytes(&hi)[16..], &key[..16]);
        prop_assert_eq!(&fr_to_be_bytes(&lo)[16..], &key[16..]);
    }

    #[test]
    fn input_json_round_trips(values in proptest::collection::vec(fr(), INPUT_NAMES.len())) {
        let object: serde_json::Map<String, serde_json::Value> =
            INPUT_NAMES.iter().zip(&values).map(|(n, v)| (n.to_string(), fr_to_decimal(v).into())).collect();
        let inputs: PaymentInputs = serde_json::from_value(object.into()).unwrap();
        let signals: Vec<Fr> = inputs.signals().iter().map(|(_, v)| *v).collect();
        prop_assert_eq!(&signals, &values);
        let back: PaymentInputs = serde_json::from_str(&serde_json::to_string(&inputs).unwrap()).unwrap();
        prop_assert_eq!(back, inputs);
    }

    #[test]
    fn wtns_round_trips(witness in proptest::collection::vec(fr(), 0..40)) {
        prop_assert_eq!(wtns::read(&wtns::write(&witness)), Ok(witness));
    }
}
