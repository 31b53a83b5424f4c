//! The on-chain nullifier set of a zk402 policy: its account layout and its probing, in one
//! `no_std` crate shared by the verifier program (recording), the sdk (lookups) and the CU
//! probe (the same insertion code, measured on SBF).
//!
//! A policy's set is `shard_count` fixed-capacity shard accounts; a nullifier belongs to the
//! shard [`shard_index`] names. A shard account is Anchor's 8-byte discriminator, a
//! [`ShardHeader`], then `capacity` [`Cell`]s (8 bytes each); [`account_len`] is its exact size.
//!
//! A cell holds a 32-bit tag of a nullifier and the first second at which it is free again
//! (`expires_at + 1`, relative to the shard's `base_time`); an all-zero cell is free. Lookups
//! and insertions visit the same [`PROBES`] cells, chosen by double hashing over the
//! nullifier's own bytes (a Poseidon output, so already uniform; no hasher whose output could
//! change between Rust releases). Every visited cell is checked: there are no tombstones, an
//! expired cell is simply reused, so a recorded nullifier may sit behind a free cell.
//!
//! Soundness of the truncation: a nullifier is refused when any live visited cell carries its
//! tag. A recorded nullifier's cell is never overwritten while live and is always among the
//! cells its lookup visits, so a spent, unexpired nullifier is always refused; another
//! nullifier with the same tag in a visited cell is refused too (a false refusal, never a
//! false admission). See [`design`] for the probabilities.
#![cfg_attr(not(test), no_std)]

pub mod design;
#[cfg(feature = "idl-build")]
mod idl;

use bytemuck::{Pod, Zeroable};

/// Cells visited per lookup or insertion (the bound on work, and on what `Full` means).
pub const PROBES: u32 = 32;
/// Anchor's account discriminator precedes the header.
pub const DISCRIMINATOR_LEN: usize = 8;
/// Size of [`ShardHeader`].
pub const HEADER_LEN: usize = 128;
/// Size of one [`Cell`].
pub const CELL_LEN: usize = 8;
/// Smallest capacity (cells): more than [`PROBES`], so a lookup's cells are distinct.
pub const MIN_CAPACITY: u32 = 64;
/// Largest capacity (cells): 2^20 cells are 8 MiB, under Solana's 10 MiB account limit.
pub const MAX_CAPACITY: u32 = 1 << 20;
/// Most shards a policy's set may have.
pub const MAX_SHARDS: u16 = 256;
/// Solana's largest account (10 MiB).
pub const MAX_ACCOUNT_LEN: usize = 10 * 1024 * 1024;

/// Shard header, stored little-endian (as SBF reads it) after the discriminator.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Pod, Zeroable)]
pub struct ShardHeader {
    /// The policy account whose nullifiers this shard holds.
    pub policy: [u8; 32],
    /// Who created the shard (the policy's authority); may close it and receives its rent.
    pub authority: [u8; 32],
    /// Unix seconds at creation: cell times are relative to it.
    pub base_time: i64,
    /// Latest `expires_at` ever recorded (unix seconds); the shard may close after it.
    pub max_expires_at: i64,
    /// Nullifiers recorded since creation.
    pub inserted: u64,
    /// Number of cells (a power of two in [`MIN_CAPACITY`]..=[`MAX_CAPACITY`]).
    pub capacity: u32,
    /// This shard's index in its policy's set.
    pub index: u16,
    /// Reserved, zero.
    pub reserved0: u16,
    /// Reserved, zero.
    pub reserved: [u8; 32],
}

impl ShardHeader {
    /// The header of a new, empty shard created at `base_time` (unix seconds).
    pub fn new(policy: [u8; 32], authority: [u8; 32], base_time: i64, capacity: u32, index: u16) -> ShardHeader {
        ShardHeader {
            policy,
            authority,
            base_time,
            max_expires_at: base_time,
            inserted: 0,
            capacity,
            index,
            reserved0: 0,
            reserved: [0; 32],
        }
    }
}

/// One slot: a nullifier's tag and the first second (relative to `base_time`) at which the
/// slot is free again; `until == 0` is a never-used slot.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Pod, Zeroable)]
pub struct Cell {
    /// Bytes 8..12 of the nullifier (big-endian u32).
    pub tag: u32,
    /// `expires_at + 1 − base_time`: live while the clock, relative to `base_time`, is below it.
    pub until: u32,
}

const _: () = assert!(core::mem::size_of::<ShardHeader>() == HEADER_LEN);
const _: () = assert!(core::mem::size_of::<Cell>() == CELL_LEN);
const _: () = assert!(core::mem::align_of::<ShardHeader>() == 8);
const _: () = assert!(MIN_CAPACITY > PROBES && MIN_CAPACITY.is_power_of_two() && MAX_CAPACITY.is_power_of_two());
const _: () = assert!(DISCRIMINATOR_LEN + HEADER_LEN + MAX_CAPACITY as usize * CELL_LEN <= MAX_ACCOUNT_LEN);

/// Why the set refused or an account is not a shard. Codes are stable: new variants go last.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SetError {
    /// A live entry carries the nullifier's tag: the receipt was spent (or, rarely, a false
    /// collision; never an admission).
    AlreadyRecorded,
    /// Every visited cell is live: the shard is too full for this nullifier.
    Full,
    /// The capacity is not a power of two in range.
    InvalidCapacity,
    /// The account's length is not exactly [`account_len`] of its capacity.
    WrongSize,
    /// The account data is not aligned for the header (never the case for Solana accounts).
    Misaligned,
    /// The expiry is not after `base_time` or lies beyond what a cell can hold (~136 years).
    ExpiryOutOfRange,
    /// The shard count is zero or above [`MAX_SHARDS`].
    InvalidShardCount,
    /// The shard belongs to another policy.
    PolicyMismatch,
    /// The shard is not the one the nullifier hashes to.
    WrongShard,
}

/// Records `nullifier` until `expires_at` at `clock` in the shard account `data` (discriminator
/// included, not checked here): the shard must be `policy`'s and the one of its `shard_count`
/// that the nullifier hashes to. What `verify_payment` and `verify_batch` run per nullifier,
/// and what the CU probe measures.
pub fn record(
    data: &mut [u8],
    policy: &[u8; 32],
    shard_count: u16,
    nullifier: &[u8; 32],
    clock: i64,
    expires_at: i64,
) -> Result<(), SetError> {
    let mut shard = ShardMut::from_account_data(data)?;
    if shard.header.policy != *policy {
        return Err(SetError::PolicyMismatch);
    }
    if shard.header.index != shard_index(nullifier, shard_count)? {
        return Err(SetError::WrongShard);
    }
    shard.insert(nullifier, clock, expires_at)
}

/// Exact account size of a shard of `capacity` cells, or `None` if the capacity is invalid.
pub const fn account_len(capacity: u32) -> Option<usize> {
    if !valid_capacity(capacity) {
        return None;
    }
    Some(DISCRIMINATOR_LEN + HEADER_LEN + capacity as usize * CELL_LEN)
}

/// A power of two in [`MIN_CAPACITY`]..=[`MAX_CAPACITY`].
pub const fn valid_capacity(capacity: u32) -> bool {
    capacity.is_power_of_two() && capacity >= MIN_CAPACITY && capacity <= MAX_CAPACITY
}

/// The shard of a policy's `shard_count` that holds `nullifier` (bytes 12..16 mod the count).
pub fn shard_index(nullifier: &[u8; 32], shard_count: u16) -> Result<u16, SetError> {
    if shard_count == 0 || shard_count > MAX_SHARDS {
        return Err(SetError::InvalidShardCount);
    }
    let word = u32::from_be_bytes([nullifier[12], nullifier[13], nullifier[14], nullifier[15]]);
    // The remainder is below shard_count <= MAX_SHARDS.
    Ok((word % u32::from(shard_count)) as u16)
}

/// Where a nullifier may sit in a shard: `PROBES` cells `start + i·step` (mod capacity; `step`
/// is odd and the capacity a power of two, so they are distinct), and its tag.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Probe {
    start: u32,
    step: u32,
    mask: u32,
    tag: u32,
}

impl Probe {
    /// The probe sequence of `nullifier` in a shard of `capacity` (a valid capacity) cells:
    /// start from bytes 28..32, step from bytes 24..28, tag from bytes 8..12 — disjoint bits
    /// of a uniform field element, so the three are independent.
    pub fn new(nullifier: &[u8; 32], capacity: u32) -> Probe {
        let word =
            |at: usize| u32::from_be_bytes([nullifier[at], nullifier[at + 1], nullifier[at + 2], nullifier[at + 3]]);
        let mask = capacity.wrapping_sub(1);
        Probe { start: word(28) & mask, step: (word(24) & mask) | 1, mask, tag: word(8) }
    }

    /// The tag stored for the nullifier.
    pub fn tag(&self) -> u32 {
        self.tag
    }

    /// The visited cell indices, in order.
    pub fn cells(&self) -> impl Iterator<Item = usize> + use<> {
        let Probe { start, step, mask, .. } = *self;
        (0..PROBES).map(move |i| (start.wrapping_add(i.wrapping_mul(step)) & mask) as usize)
    }
}

/// The clock relative to `base_time`, never below zero: a clock before the base (impossible on
/// a cluster) reads as the base, which keeps every recorded entry live.
fn relative(clock: i64, base_time: i64) -> u64 {
    clock.saturating_sub(base_time).max(0) as u64
}

impl Cell {
    /// Whether the slot holds an entry at `now` (relative seconds): refused at its expiry
    /// second, free from the next one.
    pub fn is_live(&self, now: u64) -> bool {
        now < u64::from(self.until)
    }
}

/// A shard's header and cells, read-only.
#[derive(Clone, Copy, Debug)]
pub struct Shard<'a> {
    /// The header.
    pub header: &'a ShardHeader,
    /// The cells.
    pub cells: &'a [Cell],
}

/// A shard's header and cells, writable.
#[derive(Debug)]
pub struct ShardMut<'a> {
    /// The header.
    pub header: &'a mut ShardHeader,
    /// The cells.
    pub cells: &'a mut [Cell],
}

fn split(data: &[u8]) -> Result<(&[u8], &[u8]), SetError> {
    let body = data.get(DISCRIMINATOR_LEN..).ok_or(SetError::WrongSize)?;
    if body.len() < HEADER_LEN {
        return Err(SetError::WrongSize);
    }
    Ok(body.split_at(HEADER_LEN))
}

fn split_mut(data: &mut [u8]) -> Result<(&mut [u8], &mut [u8]), SetError> {
    let body = data.get_mut(DISCRIMINATOR_LEN..).ok_or(SetError::WrongSize)?;
    if body.len() < HEADER_LEN {
        return Err(SetError::WrongSize);
    }
    Ok(body.split_at_mut(HEADER_LEN))
}

fn cast<T: Pod>(bytes: &[u8]) -> Result<&T, SetError> {
    bytemuck::try_from_bytes(bytes).map_err(|_| SetError::Misaligned)
}

fn cast_mut<T: Pod>(bytes: &mut [u8]) -> Result<&mut T, SetError> {
    bytemuck::try_from_bytes_mut(bytes).map_err(|_| SetError::Misaligned)
}

/// The length check every view makes: exactly the size its header's capacity implies.
fn check_len(total: usize, capacity: u32) -> Result<(), SetError> {
    match account_len(capacity) {
        Some(len) if len == total => Ok(()),
        Some(_) => Err(SetError::WrongSize),
        None => Err(SetError::InvalidCapacity),
    }
}

impl<'a> Shard<'a> {
    /// Views a shard account's data (discriminator included; not checked here).
    pub fn from_account_data(data: &'a [u8]) -> Result<Shard<'a>, SetError> {
        let (head, cells) = split(data)?;
        let header: &ShardHeader = cast(head)?;
        check_len(data.len(), header.capacity)?;
        let cells = bytemuck::try_cast_slice(cells).map_err(|_| SetError::Misaligned)?;
        Ok(Shard { header, cells })
    }

    /// The latest `expires_at` (unix seconds) of an entry carrying `nullifier`'s tag among the
    /// cells it may occupy, live or not; `None` if there is none. A live one (`expires_at` not
    /// before the clock) means the nullifier is refused.
    pub fn expiry_of(&self, nullifier: &[u8; 32]) -> Option<i64> {
        let probe = Probe::new(nullifier, self.header.capacity);
        probe
            .cells()
            .filter_map(|i| self.cells.get(i))
            .filter(|cell| cell.until != 0 && cell.tag == probe.tag())
            .map(|cell| self.header.base_time.saturating_add(i64::from(cell.until) - 1))
            .max()
    }

    /// Cells live at `clock` (unix seconds): a full scan, for tests and monitoring.
    pub fn live_cells(&self, clock: i64) -> usize {
        let now = relative(clock, self.header.base_time);
        self.cells.iter().filter(|c| c.is_live(now)).count()
    }
}

impl<'a> ShardMut<'a> {
    /// Views a shard account's data for writing (discriminator included; not checked here).
    pub fn from_account_data(data: &'a mut [u8]) -> Result<ShardMut<'a>, SetError> {
        let total = data.len();
        let (head, cells) = split_mut(data)?;
        let header: &mut ShardHeader = cast_mut(head)?;
        check_len(total, header.capacity)?;
        let cells = bytemuck::try_cast_slice_mut(cells).map_err(|_| SetError::Misaligned)?;
        Ok(ShardMut { header, cells })
    }

    /// Initialises a zeroed account of exactly [`account_len`]`(capacity)` bytes (the cells are
    /// already zero: free, no O(capacity) pass).
    pub fn init(data: &'a mut [u8], header: ShardHeader) -> Result<ShardMut<'a>, SetError> {
        check_len(data.len(), header.capacity)?;
        let (head, _) = split_mut(data)?;
        *cast_mut::<ShardHeader>(head)? = header;
        ShardMut::from_account_data(data)
    }

    /// A read-only view.
    pub fn as_shard(&self) -> Shard<'_> {
        Shard { header: self.header, cells: self.cells }
    }

    /// Records `nullifier` until `expires_at` (unix seconds) at `clock`: refused with
    /// [`SetError::AlreadyRecorded`] if a live visited cell carries its tag, with
    /// [`SetError::Full`] if every visited cell is live; otherwise written into the first
    /// free one (never used, or expired).
    pub fn insert(&mut self, nullifier: &[u8; 32], clock: i64, expires_at: i64) -> Result<(), SetError> {
        let base = self.header.base_time;
        let until = expires_at
            .checked_sub(base)
            .and_then(|d| d.checked_add(1))
            .and_then(|d| u32::try_from(d).ok())
            .filter(|&d| d > 1)
            .ok_or(SetError::ExpiryOutOfRange)?;
        let now = relative(clock, base);
        let probe = Probe::new(nullifier, self.header.capacity);
        let mut free = None;
        for i in probe.cells() {
            let cell = self.cells.get(i).ok_or(SetError::WrongSize)?;
            if cell.is_live(now) {
                if cell.tag == probe.tag() {
                    return Err(SetError::AlreadyRecorded);
                }
            } else if free.is_none() {
                free = Some(i);
            }
        }
        let slot = free.ok_or(SetError::Full)?;
        self.cells[slot] = Cell { tag: probe.tag(), until };
        self.header.max_expires_at = self.header.max_expires_at.max(expires_at);
        self.header.inserted = self.header.inserted.wrapping_add(1);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(capacity: u32) -> ShardHeader {
        ShardHeader { capacity, base_time: 1_000, ..ShardHeader::zeroed() }
    }

    /// Account bytes, 8-aligned (u64 backing) as Solana aligns account data.
    fn account(capacity: u32) -> Vec<u64> {
        vec![0u64; account_len(capacity).unwrap() / 8]
    }

    fn nullifier(tag: u32, step: u32, start: u32, shard: u32) -> [u8; 32] {
        let mut n = [0u8; 32];
        n[8..12].copy_from_slice(&tag.to_be_bytes());
        n[12..16].copy_from_slice(&shard.to_be_bytes());
        n[24..28].copy_from_slice(&step.to_be_bytes());
        n[28..32].copy_from_slice(&start.to_be_bytes());
        n
    }

    #[test]
    fn sizes_are_computed_and_capacities_checked() {
        assert_eq!(account_len(64), Some(8 + 128 + 512));
        assert_eq!(account_len(1 << 20), Some(8 + 128 + (8 << 20)));
        for bad in [0, 1, 32, 63, 65, 100, 1 << 21] {
            assert_eq!(account_len(bad), None, "{bad}");
        }
    }

    #[test]
    fn probe_cells_are_distinct_and_in_range() {
        let p = Probe::new(&nullifier(1, 6, 63, 0), 64);
        let mut seen = [false; 64];
        for i in p.cells() {
            assert!(!seen[i], "cell {i} visited twice");
            seen[i] = true;
        }
        assert_eq!(seen.iter().filter(|s| **s).count(), PROBES as usize);
        assert_eq!(p.cells().next(), Some(63));
        assert_eq!(p.cells().nth(1), Some((63 + 7) % 64));
    }

    #[test]
    fn shard_index_uses_bytes_12_to_16_and_refuses_bad_counts() {
        assert_eq!(shard_index(&nullifier(0, 0, 0, 13), 4), Ok(1));
        assert_eq!(shard_index(&nullifier(0, 0, 0, 13), 1), Ok(0));
        assert_eq!(shard_index(&nullifier(0, 0, 0, 13), 0), Err(SetError::InvalidShardCount));
        assert_eq!(shard_index(&nullifier(0, 0, 0, 13), MAX_SHARDS + 1), Err(SetError::InvalidShardCount));
    }

    #[test]
    fn views_refuse_wrong_sizes_and_bad_capacities() {
        let mut data = account(64);
        let bytes: &mut [u8] = bytemuck::cast_slice_mut(&mut data);
        let short = bytes.len() - 8;
        assert!(ShardMut::init(&mut bytes[..short], header(64)).is_err());
        assert_eq!(ShardMut::init(bytes, header(128)).unwrap_err(), SetError::WrongSize);
        assert_eq!(ShardMut::init(bytes, header(100)).unwrap_err(), SetError::InvalidCapacity);
        ShardMut::init(bytes, header(64)).unwrap();
        assert!(Shard::from_account_data(bytes).is_ok());
        assert_eq!(Shard::from_account_data(&bytes[..100]).unwrap_err(), SetError::WrongSize);
        assert_eq!(Shard::from_account_data(&bytes[..4]).unwrap_err(), SetError::WrongSize);
        let mut longer = account(128);
        let longer: &mut [u8] = bytemuck::cast_slice_mut(&mut longer);
        longer[8..8 + HEADER_LEN].copy_from_slice(bytemuck::bytes_of(&header(64)));
        assert_eq!(Shard::from_account_data(longer).unwrap_err(), SetError::WrongSize);
    }

    #[test]
    fn insert_lookup_expiry_and_reuse() {
        let mut data = account(64);
        let mut shard = ShardMut::init(bytemuck::cast_slice_mut(&mut data), header(64)).unwrap();
        let n = nullifier(7, 2, 5, 0);
        shard.insert(&n, 1_000, 1_100).unwrap();
        assert_eq!(shard.as_shard().expiry_of(&n), Some(1_100));
        assert_eq!(shard.header.max_expires_at, 1_100);
        // At expires_at itself: still refused. After it: reusable, in the same first cell.
        assert_eq!(shard.insert(&n, 1_100, 1_300), Err(SetError::AlreadyRecorded));
        shard.insert(&n, 1_101, 1_300).unwrap();
        assert_eq!(shard.as_shard().expiry_of(&n), Some(1_300));
        assert_eq!(shard.cells[5], Cell { tag: 7, until: 301 });
        assert_eq!(shard.header.inserted, 2);
        assert_eq!(shard.as_shard().live_cells(1_200), 1);
        // An expiry at or before base_time, or beyond a cell's range, is refused.
        assert_eq!(shard.insert(&nullifier(1, 0, 0, 0), 1_000, 1_000), Err(SetError::ExpiryOutOfRange));
        assert_eq!(shard.insert(&nullifier(1, 0, 0, 0), 1_000, 1_000 + (1 << 32)), Err(SetError::ExpiryOutOfRange));
    }

    #[test]
    fn a_recorded_nullifier_behind_a_freed_cell_is_still_found() {
        let mut data = account(64);
        let mut shard = ShardMut::init(bytemuck::cast_slice_mut(&mut data), header(64)).unwrap();
        // Same start and step, different tags: a sits in the first cell, b in the second.
        let (a, b) = (nullifier(1, 0, 9, 0), nullifier(2, 0, 9, 0));
        shard.insert(&a, 1_000, 1_010).unwrap();
        shard.insert(&b, 1_000, 1_500).unwrap();
        // a expires: its cell is free, yet b (behind it) is still refused, and a's cell reused.
        assert_eq!(shard.insert(&b, 1_011, 1_600), Err(SetError::AlreadyRecorded));
        let c = nullifier(3, 0, 9, 0);
        shard.insert(&c, 1_011, 1_600).unwrap();
        assert_eq!(shard.cells[9].tag, 3);
    }

    #[test]
    fn a_truncated_tag_collision_refuses_never_admits() {
        let mut data = account(64);
        let mut shard = ShardMut::init(bytemuck::cast_slice_mut(&mut data), header(64)).unwrap();
        let mut other = nullifier(7, 2, 5, 0);
        shard.insert(&nullifier(7, 2, 5, 0), 1_000, 1_100).unwrap();
        other[0] = 1; // differs outside the stored bits
        assert_eq!(shard.insert(&other, 1_000, 1_100), Err(SetError::AlreadyRecorded));
    }

    #[test]
    fn record_checks_the_policy_and_the_shard_of_the_nullifier() {
        let mut data = account(64);
        let bytes: &mut [u8] = bytemuck::cast_slice_mut(&mut data);
        ShardMut::init(bytes, ShardHeader::new([1; 32], [2; 32], 1_000, 64, 1)).unwrap();
        let (in_1, in_0) = (nullifier(5, 0, 0, 3), nullifier(5, 0, 0, 2)); // shard 1 and 0 of 2
        assert_eq!(record(bytes, &[9; 32], 2, &in_1, 1_000, 1_100), Err(SetError::PolicyMismatch));
        assert_eq!(record(bytes, &[1; 32], 2, &in_0, 1_000, 1_100), Err(SetError::WrongShard));
        assert_eq!(record(bytes, &[1; 32], 0, &in_1, 1_000, 1_100), Err(SetError::InvalidShardCount));
        record(bytes, &[1; 32], 2, &in_1, 1_000, 1_100).unwrap();
        assert_eq!(record(bytes, &[1; 32], 2, &in_1, 1_000, 1_100), Err(SetError::AlreadyRecorded));
    }

    #[test]
    fn a_full_probe_sequence_refuses_with_full() {
        let mut data = account(64);
        let mut shard = ShardMut::init(bytemuck::cast_slice_mut(&mut data), header(64)).unwrap();
        for tag in 0..PROBES {
            shard.insert(&nullifier(tag, 0, 0, 0), 1_000, 2_000).unwrap();
        }
        assert_eq!(shard.insert(&nullifier(PROBES, 0, 0, 0), 1_000, 2_000), Err(SetError::Full));
        // A nullifier with another step reaches other cells.
        shard.insert(&nullifier(PROBES, 2, 0, 0), 1_000, 2_000).unwrap();
        // Once they expire the sequence is usable again.
        shard.insert(&nullifier(PROBES, 0, 0, 0), 2_001, 3_000).unwrap();
    }
}
