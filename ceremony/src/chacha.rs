//! The ChaCha20 block-function RNG of ffjavascript (`ChaCha`), which snarkjs seeds from
//! hashes to derive contribution keys. Matching it word for word lets `snarkjs zkey verify`
//! re-derive our beacon contributions and lets us re-derive snarkjs's.

/// ffjavascript's ChaCha RNG: state = constants ‖ 8 seed words ‖ 64-bit-ish counter (words
/// 12..16, carried as one 128-bit counter), 20 rounds, output words in block order.
#[derive(Debug, Clone)]
pub struct ChaCha {
    state: [u32; 16],
    block: [u32; 16],
    idx: usize,
}

fn quarter_round(s: &mut [u32; 16], a: usize, b: usize, c: usize, d: usize) {
    s[a] = s[a].wrapping_add(s[b]);
    s[d] = (s[d] ^ s[a]).rotate_left(16);
    s[c] = s[c].wrapping_add(s[d]);
    s[b] = (s[b] ^ s[c]).rotate_left(12);
    s[a] = s[a].wrapping_add(s[b]);
    s[d] = (s[d] ^ s[a]).rotate_left(8);
    s[c] = s[c].wrapping_add(s[d]);
    s[b] = (s[b] ^ s[c]).rotate_left(7);
}

impl ChaCha {
    /// A generator seeded with eight 32-bit words.
    pub fn new(seed: [u32; 8]) -> ChaCha {
        let mut state = [0u32; 16];
        state[..4].copy_from_slice(&[0x6170_7865, 0x3320_646E, 0x7962_2D32, 0x6B20_6574]);
        state[4..12].copy_from_slice(&seed);
        ChaCha { state, block: [0; 16], idx: 16 }
    }

    /// A generator seeded with the first 32 bytes of `hash`, read as big-endian words (as
    /// snarkjs seeds from a digest).
    pub fn from_hash(hash: &[u8]) -> ChaCha {
        let mut seed = [0u32; 8];
        for (w, chunk) in seed.iter_mut().zip(hash.chunks_exact(4)) {
            *w = u32::from_be_bytes(chunk.try_into().expect("4 bytes"));
        }
        ChaCha::new(seed)
    }

    fn refill(&mut self) {
        let mut b = self.state;
        for _ in 0..10 {
            quarter_round(&mut b, 0, 4, 8, 12);
            quarter_round(&mut b, 1, 5, 9, 13);
            quarter_round(&mut b, 2, 6, 10, 14);
            quarter_round(&mut b, 3, 7, 11, 15);
            quarter_round(&mut b, 0, 5, 10, 15);
            quarter_round(&mut b, 1, 6, 11, 12);
            quarter_round(&mut b, 2, 7, 8, 13);
            quarter_round(&mut b, 3, 4, 9, 14);
        }
        for (out, s) in b.iter_mut().zip(self.state) {
            *out = out.wrapping_add(s);
        }
        self.block = b;
        self.idx = 0;
        for w in 12..16 {
            self.state[w] = self.state[w].wrapping_add(1);
            if self.state[w] != 0 {
                break;
            }
        }
    }

    /// The next 32-bit word.
    pub fn next_u32(&mut self) -> u32 {
        if self.idx == 16 {
            self.refill();
        }
        self.idx += 1;
        self.block[self.idx - 1]
    }

    /// The next 64-bit value: the first word is the high half.
    pub fn next_u64(&mut self) -> u64 {
        let hi = u64::from(self.next_u32());
        (hi << 32) | u64::from(self.next_u32())
    }

    /// The low bit of the next word.
    pub fn next_bool(&mut self) -> bool {
        self.next_u32() & 1 == 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_rfc7539_block_function_with_zero_nonce() {
        // RFC 7539 §2.3.2 uses a nonce; with an all-zero key, nonce and counter the ChaCha20
        // keystream starts 76b8e0ad a0f13d90 (as 32-bit little-endian words: 0xade0b876).
        let mut rng = ChaCha::new([0; 8]);
        assert_eq!(rng.next_u32(), 0xade0_b876);
        assert_eq!(rng.next_u32(), 0x903d_f1a0);
    }
}
