//! The design load and what follows from it: rent locked per access and the probability of a
//! false refusal. The program README states these figures; `measure.sh` prints
//! [`lamports_per_access`] at [`DESIGN_CAPACITY`] and [`DESIGN_LOAD_PERCENT`].
//!
//! Rent: Solana's rent-exempt minimum is (128 + data length) bytes × 3,480 lamports per
//! byte-year × 2 years. A shard of `C` cells holding `L·C` live entries locks
//! `rent(C) / (L·C)` per live entry ≈ 8 × 6,960 / L lamports: 92,847 for 2^16 cells at L = 60 %.
//!
//! False refusal of a fresh nullifier, at load `L` (live entries / capacity): either all
//! [`PROBES`] visited cells are live (`Full`), probability at most `L^PROBES` (the live set is
//! a uniformly random set of cells under uniform hashing, so the chance that a fixed set of
//! distinct cells is all live is hypergeometric, below `L^PROBES`), or a live visited cell
//! carries the same 32-bit tag, at most `PROBES · L · 2^-32`. At 60 %: 7.96e-8 + 4.5e-9.

use crate::{CELL_LEN, PROBES, account_len};

/// Cells of the shard the design figures are computed for (512 KiB of cells).
pub const DESIGN_CAPACITY: u32 = 1 << 16;
/// Live entries per capacity the design plans for, percent.
pub const DESIGN_LOAD_PERCENT: u64 = 60;
/// Lamports per byte-year of account rent (Solana's default rent).
pub const LAMPORTS_PER_BYTE_YEAR: u64 = 3_480;
/// Years of rent an account must hold to be rent exempt.
pub const EXEMPTION_YEARS: u64 = 2;
/// Bytes of account metadata rent is charged for besides the data.
pub const ACCOUNT_STORAGE_OVERHEAD: u64 = 128;

/// Rent-exempt minimum balance of an account of `data_len` bytes, lamports.
pub const fn rent_exempt_lamports(data_len: usize) -> u64 {
    (ACCOUNT_STORAGE_OVERHEAD + data_len as u64) * LAMPORTS_PER_BYTE_YEAR * EXEMPTION_YEARS
}

/// Lamports locked per live access in a shard of `capacity` cells at `load_percent` load
/// (its rent over the entries it holds), rounded up; `None` for an invalid capacity or load.
pub const fn lamports_per_access(capacity: u32, load_percent: u64) -> Option<u64> {
    let Some(len) = account_len(capacity) else { return None };
    if load_percent == 0 || load_percent > 100 {
        return None;
    }
    let live = capacity as u64 * load_percent;
    Some((rent_exempt_lamports(len) * 100).div_ceil(live))
}

/// Upper bound on the probability that a fresh nullifier is refused at load `load` (0..1):
/// `load^PROBES + PROBES · load · 2^-32`.
pub fn false_refusal_bound(load: f64) -> f64 {
    let mut full = 1.0;
    for _ in 0..PROBES {
        full *= load;
    }
    full + f64::from(PROBES) * load / 4_294_967_296.0
}

const _: () = assert!(CELL_LEN == 8, "the per-access figure above assumes 8-byte cells");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_design_point_locks_under_100k_lamports_per_access() {
        let per_access = lamports_per_access(DESIGN_CAPACITY, DESIGN_LOAD_PERCENT).unwrap();
        assert_eq!(per_access, 92_847);
        assert!(per_access <= 100_000);
        // Today's per-nullifier record: 81 bytes.
        assert_eq!(rent_exempt_lamports(81), 1_454_640);
        assert_eq!(lamports_per_access(100, 60), None);
        assert_eq!(lamports_per_access(64, 0), None);
    }

    #[test]
    fn the_false_refusal_bound_at_the_design_load() {
        let p = false_refusal_bound(0.6);
        assert!((8.0e-8..9.0e-8).contains(&p), "{p}");
    }
}
