//! The load cache: what the prover prepares once per machine instead of once per process.
//!
//! A directory (`$ZK402_PROVER_CACHE_DIR`, else `$XDG_CACHE_HOME/zk402`, else
//! `~/.cache/zk402`; created private, mode 0700) holds the native witness generator
//! ([`crate::witness::native`]) and one file per zkey with the prepared proving key
//! ([`KeyParts`]: above all the fixed-base window tables, ~45 MB and ~2 s of curve arithmetic
//! for the payment circuit), so that a process starting again reads them in one go.
//!
//! A key file, `key-<zkey SHA-256>.bin`, is a header — magic, format version, wires, public
//! signals, domain size, the window width of each point set, the zkey's SHA-256, the body
//! length, and a BLAKE3 checksum of header and body — followed by the body: the verifying key,
//! the A and B entries and the four tables, little-endian, field elements as the four 64-bit
//! words of ark-ff's Montgomery form, a point at infinity as (0, 0) (on neither curve). On open
//! a file is refused as stale (another format version, another zkey, a window width the cost
//! model no longer picks) or corrupt (not a key file, a length or checksum that does not match,
//! a body that does not parse or fit), and the key is rebuilt from the zkey and the file
//! replaced. Files are written to a private temporary file beside their name and renamed over
//! it: concurrent first runs each write a whole file, the last rename wins, a reader sees one
//! whole file. The checksum guards against damage, not against someone who can write to the
//! directory (who could as well replace the witness generator it holds); every proof is still
//! verified before it is returned.

use crate::key::{Entry, KeyError, KeyParts, ProvingKey};
use crate::msm::affine::NormInverse;
use crate::msm::{FixedBaseMsm, best_window};
use ark_bn254::{Bn254, Fq, G1Affine, g1, g2};
use ark_ec::AffineRepr;
use ark_ec::short_weierstrass::{Affine, SWCurveConfig};
use ark_ff::{BigInt, Field, Zero};
use ark_groth16::VerifyingKey;
use rayon::prelude::*;
use sha2::{Digest, Sha256};
use std::io::Write;
use std::path::{Path, PathBuf};
use zk402_ceremony::Zkey;
use zk402_circuit::Fr;

/// First bytes of a key file.
const MAGIC: &[u8; 8] = b"zk402key";
/// Format version: bumped whenever the layout or the meaning of a field changes.
pub const FORMAT_VERSION: u32 = 1;
/// Header bytes before the checksum (the checksum covers them and the body).
const CHECKED_HEADER: usize = 8 + 4 + 3 * 4 + 4 * 4 + 32 + 8;
/// Header bytes, checksum included.
pub const HEADER_LEN: usize = CHECKED_HEADER + 32;
/// Bytes of one F_q or F_r element.
const ELEMENT: usize = 32;

/// Why a cache file was not used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// A sound file for something else: another format version, another zkey, other window
    /// widths.
    #[error("stale: {0}")]
    Stale(String),
    /// Not a whole, intact key file.
    #[error("corrupt: {0}")]
    Corrupt(String),
}

/// How [`CacheDir::proving_key`] obtained the key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeySource {
    /// Read from the cache file, which passed every check.
    Cached,
    /// Built from the zkey and stored: there was no cache file, or the one there was refused
    /// (the reason).
    Built(Option<Refusal>),
    /// Built from the zkey, but the cache file could not be written (the reason); the next
    /// process builds it again.
    Unstored(String),
}

/// Where a prover's key came from: the cache file and how it was used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyCacheUse {
    /// The key file.
    pub path: PathBuf,
    /// Whether it was read, or written after building the key.
    pub source: KeySource,
}

/// A cache directory (see the module docs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CacheDir {
    dir: PathBuf,
}

impl CacheDir {
    /// The cache in `dir` (created when first written).
    pub fn new(dir: impl Into<PathBuf>) -> CacheDir {
        CacheDir { dir: dir.into() }
    }

    /// The user's cache: `$ZK402_PROVER_CACHE_DIR`, else `$XDG_CACHE_HOME/zk402`, else
    /// `$HOME/.cache/zk402`; `None` when none of them is set (nothing is persisted then).
    pub fn user_default() -> Option<CacheDir> {
        let absolute = |v: std::ffi::OsString| Some(PathBuf::from(v)).filter(|p| p.is_absolute());
        if let Some(dir) = std::env::var_os("ZK402_PROVER_CACHE_DIR").filter(|v| !v.is_empty()) {
            return Some(CacheDir::new(dir));
        }
        std::env::var_os("XDG_CACHE_HOME")
            .and_then(absolute)
            .or_else(|| std::env::var_os("HOME").and_then(absolute).map(|home| home.join(".cache")))
            .map(|base| CacheDir::new(base.join("zk402")))
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        &self.dir
    }

    /// The key file for the zkey whose SHA-256 is `zkey_sha256`.
    pub fn key_path(&self, zkey_sha256: &[u8; 32]) -> PathBuf {
        self.dir.join(format!("key-{}.bin", hex(zkey_sha256)))
    }

    /// Creates `self.path()/name` (and the cache directory) private to the user, if missing.
    pub fn private_subdir(&self, name: &str) -> std::io::Result<PathBuf> {
        let dir = self.dir.join(name);
        create_private_dir(&dir)?;
        Ok(dir)
    }

    /// The proving key of the zkey `zkey` (the file's bytes): read from its cache file when
    /// that passes every check, else built from the zkey (parsed and validated in full) and
    /// stored. A file that cannot be written is logged and costs only the next process's time.
    pub fn proving_key(&self, zkey: &[u8]) -> Result<(ProvingKey, KeyCacheUse), KeyError> {
        let zkey_sha256: [u8; 32] = Sha256::digest(zkey).into();
        let path = self.key_path(&zkey_sha256);
        let refusal = match std::fs::read(&path) {
            Ok(bytes) => match decode(&bytes, &zkey_sha256) {
                Ok(key) => return Ok((key, KeyCacheUse { path, source: KeySource::Cached })),
                Err(refusal) => {
                    tracing::warn!(path = %path.display(), "proving-key cache refused ({refusal}); rebuilding");
                    Some(refusal)
                }
            },
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => Some(Refusal::Corrupt(format!("unreadable: {e}"))),
        };
        let key = ProvingKey::from_zkey(Zkey::read(zkey)?, zkey_sha256)?;
        let source = match self.store(&path, &encode(&key)) {
            Ok(()) => KeySource::Built(refusal),
            Err(e) => {
                tracing::warn!(path = %path.display(), "proving-key cache not written: {e}");
                KeySource::Unstored(e.to_string())
            }
        };
        Ok((key, KeyCacheUse { path, source }))
    }

    /// Writes `bytes` to `path` atomically: a private temporary file beside it, renamed over it.
    fn store(&self, path: &Path, bytes: &[u8]) -> std::io::Result<()> {
        create_private_dir(&self.dir)?;
        let mut file = tempfile::Builder::new().prefix(".partial-").tempfile_in(&self.dir)?;
        file.write_all(bytes)?;
        file.persist(path).map_err(|e| e.error)?;
        Ok(())
    }
}

/// Creates `dir` and its missing parents, private to the user (mode 0700 on Unix).
pub fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

/// Lower-case hexadecimal.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The key file's bytes for `key`.
pub fn encode(key: &ProvingKey) -> Vec<u8> {
    let tables = [key.a.parts().0.len(), key.b1.parts().0.len(), key.c_h.parts().0.len()];
    let g1_points: usize = tables.iter().sum::<usize>() + key.vk.gamma_abc_g1.len() + 3;
    let capacity = HEADER_LEN + g1_points * 2 * ELEMENT + (key.b2.parts().0.len() + 3) * 4 * ELEMENT;
    let mut out = Vec::with_capacity(capacity + (key.a_entries.len() + key.b_entries.len()) * (8 + ELEMENT));
    out.extend_from_slice(MAGIC);
    for word in [FORMAT_VERSION, key.n_vars as u32, key.n_public as u32, key.fft.size() as u32] {
        out.extend_from_slice(&word.to_le_bytes());
    }
    for window in [key.a.window(), key.b1.window(), key.b2.window(), key.c_h.window()] {
        out.extend_from_slice(&(window as u32).to_le_bytes());
    }
    out.extend_from_slice(&key.zkey_sha256);
    out.extend_from_slice(&[0; 8 + 32]); // body length and checksum, filled in below

    let vk = &key.vk;
    for p in [&key.beta_g1, &key.delta_g1, &vk.alpha_g1] {
        put_point(&mut out, p);
    }
    for p in [&vk.beta_g2, &vk.gamma_g2, &vk.delta_g2] {
        put_point(&mut out, p);
    }
    out.extend_from_slice(&(vk.gamma_abc_g1.len() as u32).to_le_bytes());
    vk.gamma_abc_g1.iter().for_each(|p| put_point(&mut out, p));
    for entries in [&key.a_entries, &key.b_entries] {
        out.extend_from_slice(&(entries.len() as u32).to_le_bytes());
        for (row, wire, value) in entries.iter() {
            out.extend_from_slice(&row.to_le_bytes());
            out.extend_from_slice(&wire.to_le_bytes());
            put_words(&mut out, &value.0.0);
        }
    }
    put_table(&mut out, &key.a);
    put_table(&mut out, &key.b1);
    put_table(&mut out, &key.b2);
    put_table(&mut out, &key.c_h);

    let body_len = (out.len() - HEADER_LEN) as u64;
    out[CHECKED_HEADER - 8..CHECKED_HEADER].copy_from_slice(&body_len.to_le_bytes());
    let checksum = checksum(&out[..CHECKED_HEADER], &out[HEADER_LEN..]);
    out[CHECKED_HEADER..HEADER_LEN].copy_from_slice(&checksum);
    out
}

/// The proving key in a key file, if the file passes every check for the zkey whose SHA-256
/// is `zkey_sha256`.
pub fn decode(bytes: &[u8], zkey_sha256: &[u8; 32]) -> Result<ProvingKey, Refusal> {
    let corrupt = |what: &str| Refusal::Corrupt(what.to_owned());
    let header = bytes.get(..HEADER_LEN).ok_or_else(|| corrupt("shorter than the header (truncated)"))?;
    if &header[..8] != MAGIC {
        return Err(corrupt("not a proving-key cache file"));
    }
    let mut h = Source { bytes: &header[8..], at: 8 };
    let version = h.u32()?;
    if version != FORMAT_VERSION {
        return Err(Refusal::Stale(format!("format version {version}, this prover writes {FORMAT_VERSION}")));
    }
    let [n_vars, n_public, domain_size] = [h.u32()?, h.u32()?, h.u32()?].map(|v| v as usize);
    let windows = [h.u32()?, h.u32()?, h.u32()?, h.u32()?].map(|v| v as usize);
    if h.take(32)? != zkey_sha256 {
        return Err(Refusal::Stale("made from another zkey".into()));
    }
    let body = &bytes[HEADER_LEN..];
    if h.u64()? != body.len() as u64 {
        return Err(corrupt("body length differs from the header's (truncated or extended)"));
    }
    if h.take(32)? != checksum(&header[..CHECKED_HEADER], body) {
        return Err(corrupt("checksum mismatch"));
    }

    let mut b = Source { bytes: body, at: HEADER_LEN };
    let [beta_g1, delta_g1, alpha_g1] = [b.point()?, b.point()?, b.point()?];
    let [beta_g2, gamma_g2, delta_g2] = [b.point()?, b.point()?, b.point()?];
    let ic_len = b.u32()? as usize;
    let gamma_abc_g1 = (0..ic_len).map(|_| b.point()).collect::<Result<Vec<G1Affine>, _>>()?;
    let [a_entries, b_entries] = [b.entries()?, b.entries()?];
    let a: FixedBaseMsm<g1::Config> = b.table(windows[0])?;
    let b1: FixedBaseMsm<g1::Config> = b.table(windows[1])?;
    let b2: FixedBaseMsm<g2::Config> = b.table(windows[2])?;
    let c_h: FixedBaseMsm<g1::Config> = b.table(windows[3])?;
    if !b.bytes.is_empty() {
        return Err(corrupt("bytes after the last table"));
    }
    // The cost model picks each window from the number of finite bases: a file made under
    // another model is sound but slower than a fresh build.
    let picked = |finite: &[bool]| best_window(finite.iter().filter(|f| **f).count());
    let current = [picked(a.parts().1), picked(b1.parts().1), picked(b2.parts().1), picked(c_h.parts().1)];
    if current != windows {
        return Err(Refusal::Stale(format!("window widths {windows:?}, the cost model now picks {current:?}")));
    }
    let vk = VerifyingKey::<Bn254> { alpha_g1, beta_g2, gamma_g2, delta_g2, gamma_abc_g1 };
    let parts = KeyParts {
        n_public,
        domain_size,
        beta_g1,
        delta_g1,
        vk,
        a_entries,
        b_entries,
        a,
        b1,
        b2,
        c_h,
        zkey_sha256: *zkey_sha256,
    };
    let key = ProvingKey::from_parts(parts).map_err(|e| Refusal::Corrupt(format!("the parts do not fit: {e}")))?;
    if key.n_vars != n_vars {
        return Err(corrupt("the tables do not have the header's number of wires"));
    }
    Ok(key)
}

fn checksum(header: &[u8], body: &[u8]) -> [u8; 32] {
    blake3::Hasher::new().update(header).update(body).finalize().into()
}

fn put_words(out: &mut Vec<u8>, words: &[u64; 4]) {
    words.iter().for_each(|w| out.extend_from_slice(&w.to_le_bytes()));
}

/// A coordinate (F_q or F_q²) as its F_q components' Montgomery words.
fn put_coordinate<F: Field<BasePrimeField = Fq>>(out: &mut Vec<u8>, value: &F) {
    value.to_base_prime_field_elements().for_each(|c| put_words(out, &c.0.0));
}

fn put_point<P: SWCurveConfig>(out: &mut Vec<u8>, point: &Affine<P>)
where
    P::BaseField: Field<BasePrimeField = Fq>,
{
    let (x, y) = point.xy().unwrap_or((P::BaseField::zero(), P::BaseField::zero()));
    put_coordinate(out, &x);
    put_coordinate(out, &y);
}

/// Base count, one byte per base (1: finite), then the window multiples.
fn put_table<P: SWCurveConfig<ScalarField = Fr>>(out: &mut Vec<u8>, msm: &FixedBaseMsm<P>)
where
    P::BaseField: NormInverse<BasePrimeField = Fq>,
{
    let (table, finite) = msm.parts();
    out.extend_from_slice(&(finite.len() as u32).to_le_bytes());
    out.extend(finite.iter().map(|f| u8::from(*f)));
    for [x, y] in table {
        put_coordinate(out, x);
        put_coordinate(out, y);
    }
}

/// The four words of a Montgomery-form element.
fn words(bytes: &[u8]) -> BigInt<4> {
    BigInt(std::array::from_fn(|k| u64::from_le_bytes(bytes[8 * k..8 * k + 8].try_into().expect("8 bytes"))))
}

/// A coordinate from `F::extension_degree()` elements' bytes (exactly that many).
fn coordinate<F: Field<BasePrimeField = Fq>>(bytes: &[u8]) -> Option<F> {
    F::from_base_prime_field_elems(bytes.chunks_exact(ELEMENT).map(|c| Fq::new_unchecked(words(c))))
}

/// Reads a key file's body front to back; running out is corruption.
struct Source<'a> {
    bytes: &'a [u8],
    /// Offset in the file, for messages.
    at: usize,
}

impl<'a> Source<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], Refusal> {
        if self.bytes.len() < n {
            return Err(Refusal::Corrupt(format!("ends inside a field at byte {} (truncated)", self.at)));
        }
        let (head, rest) = self.bytes.split_at(n);
        self.bytes = rest;
        self.at += n;
        Ok(head)
    }

    fn u32(&mut self) -> Result<u32, Refusal> {
        Ok(u32::from_le_bytes(self.take(4)?.try_into().expect("4 bytes")))
    }

    fn u64(&mut self) -> Result<u64, Refusal> {
        Ok(u64::from_le_bytes(self.take(8)?.try_into().expect("8 bytes")))
    }

    /// Elements per coordinate of P's points, and bytes per point.
    fn point_size<P: SWCurveConfig>() -> usize
    where
        P::BaseField: Field<BasePrimeField = Fq>,
    {
        2 * P::BaseField::extension_degree() as usize * ELEMENT
    }

    fn point<P: SWCurveConfig>(&mut self) -> Result<Affine<P>, Refusal>
    where
        P::BaseField: Field<BasePrimeField = Fq>,
    {
        let bytes = self.take(Self::point_size::<P>())?;
        let (x, y) = bytes.split_at(bytes.len() / 2);
        match (coordinate::<P::BaseField>(x), coordinate::<P::BaseField>(y)) {
            (Some(x), Some(y)) if x.is_zero() && y.is_zero() => Ok(Affine::zero()),
            (Some(x), Some(y)) => Ok(Affine::new_unchecked(x, y)),
            _ => Err(Refusal::Corrupt(format!("malformed point before byte {}", self.at))),
        }
    }

    fn entries(&mut self) -> Result<Vec<Entry>, Refusal> {
        let count = self.u32()? as usize;
        let bytes = self.take(count.saturating_mul(8 + ELEMENT))?;
        Ok(bytes
            .chunks_exact(8 + ELEMENT)
            .map(|e| {
                let [row, wire] = [0, 4].map(|at| u32::from_le_bytes(e[at..at + 4].try_into().expect("4 bytes")));
                (row, wire, Fr::new_unchecked(words(&e[8..])))
            })
            .collect())
    }

    /// A table as `put_table` writes it, converted in parallel (the bulk of the file).
    fn table<P: SWCurveConfig<ScalarField = Fr>>(&mut self, window: usize) -> Result<FixedBaseMsm<P>, Refusal>
    where
        P::BaseField: NormInverse<BasePrimeField = Fq>,
    {
        let bases = self.u32()? as usize;
        let finite: Vec<bool> = self.take(bases)?.iter().map(|b| *b != 0).collect();
        let windows = crate::msm::digits::window_count(window.max(1));
        let size = Self::point_size::<P>();
        let bytes = self.take(bases.saturating_mul(windows).saturating_mul(size))?;
        let table: Vec<[P::BaseField; 2]> = bytes
            .par_chunks_exact(size)
            .map(|point| {
                let (x, y) = point.split_at(size / 2);
                Some([coordinate(x)?, coordinate(y)?])
            })
            .collect::<Option<_>>()
            .ok_or_else(|| Refusal::Corrupt("malformed table point".into()))?;
        FixedBaseMsm::from_parts(window, table, finite)
            .ok_or_else(|| Refusal::Corrupt(format!("window width {window} out of range")))
    }
}
