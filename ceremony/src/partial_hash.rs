//! BLAKE2b-512 whose running state can be saved and resumed in the 216-byte "partial hash"
//! form a `.ptau` contribution record stores (snarkjs `toPartialHash`/`fromPartialHash`): the
//! 128-byte block buffer, the eight chaining words h0..h7 as (low, high) u32 pairs, the bytes
//! already compressed as u64 and the bytes pending in the buffer as u64, then 8 zero bytes,
//! all little-endian. Like snarkjs's hasher, the last block stays buffered until more input
//! arrives (BLAKE2b flags the final block), and full aligned blocks of a longer input are
//! compressed without passing through the buffer — so the saved buffer matches byte for byte.

/// Size of a saved state.
pub const PARTIAL_HASH_BYTES: usize = 216;

const BLOCK: usize = 128;

const IV: [u64; 8] = [
    0x6a09_e667_f3bc_c908,
    0xbb67_ae85_84ca_a73b,
    0x3c6e_f372_fe94_f82b,
    0xa54f_f53a_5f1d_36f1,
    0x510e_527f_ade6_82d1,
    0x9b05_688c_2b3e_6c1f,
    0x1f83_d9ab_fb41_bd6b,
    0x5be0_cd19_137e_2179,
];

const SIGMA: [[usize; 16]; 12] = [
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15],
    [14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3],
    [11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4],
    [7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8],
    [9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13],
    [2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9],
    [12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11],
    [13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10],
    [6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5],
    [10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0],
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15],
    [14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3],
];

/// Why a saved state cannot be resumed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PartialHashError {
    /// More than one block pending, or a compressed length that is not whole blocks.
    #[error("partial hash: inconsistent lengths (compressed {compressed}, pending {pending})")]
    Lengths {
        /// Bytes already compressed.
        compressed: u64,
        /// Bytes pending in the buffer.
        pending: u64,
    },
}

/// A resumable BLAKE2b-512 hasher.
#[derive(Debug, Clone)]
pub struct Blake2bState {
    h: [u64; 8],
    buffer: [u8; BLOCK],
    /// Bytes absorbed in total.
    length: u64,
    /// Bytes pending in `buffer`.
    pos: usize,
}

impl Default for Blake2bState {
    fn default() -> Self {
        Blake2bState::new()
    }
}

impl Blake2bState {
    /// A fresh unkeyed BLAKE2b with a 64-byte digest.
    pub fn new() -> Blake2bState {
        let mut h = IV;
        h[0] ^= 0x0101_0040;
        Blake2bState { h, buffer: [0; BLOCK], length: 0, pos: 0 }
    }

    fn compress(&mut self, block: &[u8], last: bool) {
        let mut m = [0u64; 16];
        for (w, c) in m.iter_mut().zip(block.chunks_exact(8)) {
            *w = u64::from_le_bytes(c.try_into().expect("8 bytes"));
        }
        let mut v = [0u64; 16];
        v[..8].copy_from_slice(&self.h);
        v[8..].copy_from_slice(&IV);
        v[12] ^= self.length;
        if last {
            v[14] = !v[14];
        }
        for s in &SIGMA {
            for (i, (a, b, c, d)) in [
                (0, 4, 8, 12),
                (1, 5, 9, 13),
                (2, 6, 10, 14),
                (3, 7, 11, 15),
                (0, 5, 10, 15),
                (1, 6, 11, 12),
                (2, 7, 8, 13),
                (3, 4, 9, 14),
            ]
            .into_iter()
            .enumerate()
            {
                let (x, y) = (m[s[2 * i]], m[s[2 * i + 1]]);
                v[a] = v[a].wrapping_add(v[b]).wrapping_add(x);
                v[d] = (v[d] ^ v[a]).rotate_right(32);
                v[c] = v[c].wrapping_add(v[d]);
                v[b] = (v[b] ^ v[c]).rotate_right(24);
                v[a] = v[a].wrapping_add(v[b]).wrapping_add(y);
                v[d] = (v[d] ^ v[a]).rotate_right(16);
                v[c] = v[c].wrapping_add(v[d]);
                v[b] = (v[b] ^ v[c]).rotate_right(63);
            }
        }
        for i in 0..8 {
            self.h[i] ^= v[i] ^ v[i + 8];
        }
    }

    /// Absorbs `data` (one `update` call of snarkjs's hasher; the call boundaries decide which
    /// stale bytes the saved buffer holds, never the digest).
    pub fn update(&mut self, data: &[u8]) {
        let mut at = 0;
        while at < data.len() {
            if self.pos == BLOCK {
                let block = self.buffer;
                self.compress(&block, false);
                self.pos = 0;
            }
            let take = (BLOCK - self.pos).min(data.len() - at);
            if take == BLOCK && at + take < data.len() {
                // Whole blocks straight from the input, keeping the last one for the buffer.
                while at + BLOCK < data.len() {
                    self.length += BLOCK as u64;
                    self.compress(&data[at..at + BLOCK], false);
                    at += BLOCK;
                }
                continue;
            }
            self.buffer[self.pos..self.pos + take].copy_from_slice(&data[at..at + take]);
            self.pos += take;
            self.length += take as u64;
            at += take;
        }
    }

    /// The 64-byte digest.
    pub fn finalize(mut self) -> [u8; 64] {
        self.buffer[self.pos..].fill(0);
        let block = self.buffer;
        self.compress(&block, true);
        let mut out = [0u8; 64];
        for (c, w) in out.chunks_exact_mut(8).zip(self.h) {
            c.copy_from_slice(&w.to_le_bytes());
        }
        out
    }

    /// The saved state as a `.ptau` contribution stores it.
    pub fn save(&self) -> [u8; PARTIAL_HASH_BYTES] {
        let mut out = [0u8; PARTIAL_HASH_BYTES];
        out[..BLOCK].copy_from_slice(&self.buffer);
        for (c, w) in out[BLOCK..BLOCK + 64].chunks_exact_mut(8).zip(self.h) {
            c.copy_from_slice(&w.to_le_bytes());
        }
        out[192..200].copy_from_slice(&(self.length - self.pos as u64).to_le_bytes());
        out[200..208].copy_from_slice(&(self.pos as u64).to_le_bytes());
        out
    }

    /// Resumes a saved state.
    pub fn resume(saved: &[u8; PARTIAL_HASH_BYTES]) -> Result<Blake2bState, PartialHashError> {
        let word = |i: usize| u64::from_le_bytes(saved[i..i + 8].try_into().expect("8 bytes"));
        let (compressed, pending) = (word(192), word(200));
        if pending > BLOCK as u64
            || !compressed.is_multiple_of(BLOCK as u64)
            || compressed.checked_add(pending).is_none()
        {
            return Err(PartialHashError::Lengths { compressed, pending });
        }
        let mut h = [0u64; 8];
        for (i, w) in h.iter_mut().enumerate() {
            *w = word(BLOCK + 8 * i);
        }
        let buffer = saved[..BLOCK].try_into().expect("128 bytes");
        Ok(Blake2bState { h, buffer, length: compressed + pending, pos: pending as usize })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use blake2::{Blake2b512, Digest};

    #[test]
    fn digests_equal_blake2b512_for_every_split_and_resume_point() {
        let data: Vec<u8> = (0..1000u32).map(|i| (i * 7 + 3) as u8).collect();
        for len in [0, 1, 127, 128, 129, 256, 300, 1000] {
            let expected: [u8; 64] = Blake2b512::digest(&data[..len]).into();
            for split in [0, 1, 64, 128, 200].into_iter().filter(|s| *s <= len) {
                let mut h = Blake2bState::new();
                h.update(&data[..split]);
                let mut resumed = Blake2bState::resume(&h.save()).unwrap();
                resumed.update(&data[split..len]);
                h.update(&data[split..len]);
                assert_eq!(h.finalize(), expected, "len {len} split {split}");
                assert_eq!(resumed.finalize(), expected, "resumed len {len} split {split}");
            }
        }
    }

    #[test]
    fn inconsistent_saved_lengths_are_rejected() {
        let mut saved = Blake2bState::new().save();
        saved[200] = 129;
        assert!(Blake2bState::resume(&saved).is_err());
        let mut saved = Blake2bState::new().save();
        saved[192] = 5;
        assert!(Blake2bState::resume(&saved).is_err());
    }
}
