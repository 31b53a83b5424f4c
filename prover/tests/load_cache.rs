//! The load cache: a prepared proving key is stored, reused, refused when stale (another
//! zkey, another format) or corrupt (a flipped byte, a truncated file) and then rebuilt,
//! survives racing first runs, and proves exactly like a key built from the zkey; a forged
//! file that passes the checksum still never yields a proof. Most cases run on small zkeys
//! cut from the committed one (a few points: the cache does not care what they prove).

mod common;

use common::{valid_inputs, wasm_path, zkey_path};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use zk402_ceremony::Zkey;
use zk402_prover::cache::{self, CacheDir, HEADER_LEN, KeySource, Refusal};
use zk402_prover::key::ProvingKey;
use zk402_prover::witness::WitnessEngine;
use zk402_prover::{ProveError, Prover};

fn committed_zkey() -> &'static Zkey {
    static ZKEY: OnceLock<Zkey> = OnceLock::new();
    ZKEY.get_or_init(|| Zkey::read(&std::fs::read(zkey_path()).unwrap()).unwrap())
}

/// A valid zkey of 6 wires (4 public) on a domain of 8, from the committed key's points
/// starting at `offset` (different offsets: different zkeys).
fn small_zkey(offset: usize) -> Vec<u8> {
    let mut zkey = committed_zkey().clone();
    let (n_vars, domain) = (6, 8);
    let window = |points: &[_]| points[offset..offset + n_vars].to_vec();
    zkey.a = window(&zkey.a);
    zkey.b1 = window(&zkey.b1);
    zkey.b2 = zkey.b2[offset..offset + n_vars].to_vec();
    zkey.c = zkey.c[offset..offset + 1].to_vec();
    zkey.h = zkey.h[offset..offset + domain].to_vec();
    zkey.coeffs.retain(|c| c.signal < n_vars as u32 && c.constraint < domain as u32);
    zkey.n_vars = n_vars as u32;
    zkey.domain_size = domain as u32;
    zkey.write()
}

fn sha256(bytes: &[u8]) -> [u8; 32] {
    use sha2::Digest;
    sha2::Sha256::digest(bytes).into()
}

fn source(cache: &CacheDir, zkey: &[u8]) -> KeySource {
    cache.proving_key(zkey).unwrap().1.source
}

/// Rewrites the cache file with `edit` applied.
fn edit_file(path: &Path, edit: impl FnOnce(&mut Vec<u8>)) {
    let mut bytes = std::fs::read(path).unwrap();
    edit(&mut bytes);
    std::fs::write(path, bytes).unwrap();
}

fn assert_refused(source: KeySource, corrupt: bool) {
    match source {
        KeySource::Built(Some(Refusal::Corrupt(_))) if corrupt => {}
        KeySource::Built(Some(Refusal::Stale(_))) if !corrupt => {}
        other => panic!("expected a {} refusal, got {other:?}", if corrupt { "corrupt" } else { "stale" }),
    }
}

#[test]
fn the_cache_is_created_then_reused_and_holds_what_a_fresh_build_makes() {
    let dir = tempfile::tempdir().unwrap();
    let cache = CacheDir::new(dir.path().join("cache"));
    let zkey = small_zkey(0);
    let (built, used) = cache.proving_key(&zkey).unwrap();
    assert_eq!(used.source, KeySource::Built(None));
    assert_eq!(used.path, cache.key_path(&sha256(&zkey)));
    let (reused, again) = cache.proving_key(&zkey).unwrap();
    assert_eq!(again.source, KeySource::Cached);
    let fresh = ProvingKey::from_zkey_bytes(&zkey).unwrap();
    assert_eq!(cache::encode(&reused), cache::encode(&fresh), "the cached key differs from a fresh build");
    assert_eq!(cache::encode(&built), cache::encode(&fresh));
    assert_eq!(std::fs::read(&used.path).unwrap(), cache::encode(&fresh));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(cache.path()), 0o700, "the cache directory is private");
        assert_eq!(mode(&used.path), 0o600, "the key file is private");
    }
}

#[test]
fn a_cache_file_made_from_another_zkey_is_stale_and_rebuilt() {
    let dir = tempfile::tempdir().unwrap();
    let cache = CacheDir::new(dir.path());
    let (first, second) = (small_zkey(0), small_zkey(1));
    let path = cache.proving_key(&first).unwrap().1.path;
    // The first zkey's file put where the second's belongs.
    let planted = cache.key_path(&sha256(&second));
    std::fs::copy(&path, &planted).unwrap();
    assert_refused(source(&cache, &second), false);
    assert_eq!(source(&cache, &second), KeySource::Cached, "the rebuilt file is used next time");
    let fresh = ProvingKey::from_zkey_bytes(&second).unwrap();
    assert_eq!(std::fs::read(&planted).unwrap(), cache::encode(&fresh));
}

#[test]
fn a_cache_file_of_another_format_version_is_stale_and_rebuilt() {
    let dir = tempfile::tempdir().unwrap();
    let cache = CacheDir::new(dir.path());
    let zkey = small_zkey(2);
    let path = cache.proving_key(&zkey).unwrap().1.path;
    edit_file(&path, |b| b[8..12].copy_from_slice(&(cache::FORMAT_VERSION + 1).to_le_bytes()));
    assert_refused(source(&cache, &zkey), false);
    assert_eq!(source(&cache, &zkey), KeySource::Cached);
}

#[test]
fn a_flipped_byte_anywhere_is_detected_as_corrupt_and_rebuilt() {
    let dir = tempfile::tempdir().unwrap();
    let cache = CacheDir::new(dir.path());
    let zkey = small_zkey(3);
    let path = cache.proving_key(&zkey).unwrap().1.path;
    let good = std::fs::read(&path).unwrap();
    let fresh = cache::encode(&ProvingKey::from_zkey_bytes(&zkey).unwrap());
    // A table point in the body, a header field the checksum covers (wire count), the
    // checksum itself, the magic.
    for at in [good.len() - 40, 13, HEADER_LEN - 1, 0] {
        edit_file(&path, |b| b[at] ^= 0x01);
        assert_refused(source(&cache, &zkey), true);
        assert_eq!(std::fs::read(&path).unwrap(), fresh, "byte {at}: the file is rebuilt");
    }
}

#[test]
fn a_truncated_or_extended_cache_file_is_detected_as_corrupt_and_rebuilt() {
    let dir = tempfile::tempdir().unwrap();
    let cache = CacheDir::new(dir.path());
    let zkey = small_zkey(4);
    let path = cache.proving_key(&zkey).unwrap().1.path;
    let len = std::fs::metadata(&path).unwrap().len() as usize;
    for cut in [len - 1, len / 2, HEADER_LEN + 1, HEADER_LEN - 1, 0] {
        edit_file(&path, |b| b.truncate(cut));
        assert_refused(source(&cache, &zkey), true);
        assert_eq!(std::fs::metadata(&path).unwrap().len() as usize, len, "cut to {cut}: rebuilt");
    }
    edit_file(&path, |b| b.push(0));
    assert_refused(source(&cache, &zkey), true);
    assert_eq!(source(&cache, &zkey), KeySource::Cached);
}

#[test]
fn an_unwritable_cache_still_loads_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("a-file");
    std::fs::write(&file, b"not a directory").unwrap();
    let cache = CacheDir::new(file.join("cache"));
    let zkey = small_zkey(5);
    let (key, used) = cache.proving_key(&zkey).unwrap();
    assert!(matches!(used.source, KeySource::Unstored(_)), "{:?}", used.source);
    assert_eq!(cache::encode(&key), cache::encode(&ProvingKey::from_zkey_bytes(&zkey).unwrap()));
}

#[test]
fn threads_racing_on_an_empty_cache_leave_a_valid_one() {
    let dir = tempfile::tempdir().unwrap();
    let cache = CacheDir::new(dir.path().join("cache"));
    let zkey = small_zkey(6);
    let sources: Vec<KeySource> = std::thread::scope(|s| {
        let racers: Vec<_> = (0..4).map(|_| s.spawn(|| source(&cache, &zkey))).collect();
        racers.into_iter().map(|r| r.join().unwrap()).collect()
    });
    assert!(sources.iter().all(|s| matches!(s, KeySource::Built(None) | KeySource::Cached)), "{sources:?}");
    assert_eq!(source(&cache, &zkey), KeySource::Cached);
    assert_eq!(entries(cache.path()), vec![format!("key-{}.bin", cache::hex(&sha256(&zkey)))], "no partial files");
}

fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> =
        std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    names
}

fn warm(cache: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_zk402-prover"));
    command.arg("warm").arg("--zkey").arg(zkey_path()).arg("--wasm").arg(wasm_path()).arg("--cache-dir").arg(cache);
    command
}

#[test]
fn two_warm_processes_racing_on_an_empty_cache_leave_a_valid_one() {
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache");
    let racers: Vec<_> =
        (0..2).map(|_| warm(&cache).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap()).collect();
    for out in racers.into_iter().map(|r| r.wait_with_output().unwrap()) {
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        assert!(String::from_utf8_lossy(&out.stdout).contains("prepared"));
    }
    let out = warm(&cache).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success() && text.contains("already prepared"), "{text}");
    let zkey = std::fs::read(zkey_path()).unwrap();
    let key_file = CacheDir::new(&cache).key_path(&sha256(&zkey));
    assert!(
        text.contains(&key_file.display().to_string()) && text.contains(" MB"),
        "warm says where and how large: {text}"
    );
    assert!(cache::decode(&std::fs::read(&key_file).unwrap(), &sha256(&zkey)).is_ok());
    assert!(entries(&cache).iter().all(|n| !n.starts_with(".partial")), "{:?}", entries(&cache));
}

/// A cache directory with the committed key prepared, kept under the target directory and
/// reused by later runs (as any cache is).
fn prepared_cache() -> PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("zk402-prover-load-cache");
        let prover = Prover::load_in(&zkey_path(), &wasm_path(), WitnessEngine::Auto, Some(&CacheDir::new(&dir)));
        let source = prover.unwrap().key_cache().unwrap().source.clone();
        assert!(matches!(source, KeySource::Built(_) | KeySource::Cached), "{source:?}");
        dir
    })
    .clone()
}

#[test]
fn the_cached_key_proves_like_a_key_built_from_the_zkey() {
    let cache = CacheDir::new(prepared_cache());
    let cached = Prover::load_in(&zkey_path(), &wasm_path(), WitnessEngine::Auto, Some(&cache)).unwrap();
    assert_eq!(cached.key_cache().unwrap().source, KeySource::Cached);
    let fresh = Prover::load_in(&zkey_path(), &wasm_path(), WitnessEngine::Auto, None).unwrap();
    assert!(fresh.key_cache().is_none());
    assert_eq!(cache::encode(cached.key()), cache::encode(fresh.key()), "tables, entries and keys are identical");
    // Same witness, same tables: every MSM of the proof agrees.
    let witness = fresh.witness(&valid_inputs()).unwrap();
    let (c, f) = (cached.key(), fresh.key());
    assert_eq!(c.a.msm(&witness), f.a.msm(&witness));
    assert_eq!(c.b2.msm(&witness), f.b2.msm(&witness));
    assert_eq!(c.c_h.msm(&witness[5..]), f.c_h.msm(&witness[5..]));
    for prover in [&cached, &fresh] {
        let proof = prover.prove_witness(&witness).unwrap();
        assert!(zk402_prover::prover::verify(fresh.key(), &proof.proof, &proof.public_signals));
    }
}

#[test]
fn a_forged_cache_file_with_a_valid_checksum_never_yields_a_proof() {
    let dir = tempfile::tempdir().unwrap();
    let cache = CacheDir::new(dir.path());
    let zkey = std::fs::read(zkey_path()).unwrap();
    let path = cache.key_path(&sha256(&zkey));
    std::fs::copy(CacheDir::new(prepared_cache()).key_path(&sha256(&zkey)), &path).unwrap();
    // Points of the last table (C and H, which every proof uses) changed, and the checksum
    // recomputed: what only someone who can write to the cache directory could do.
    edit_file(&path, |b| {
        let end = b.len();
        for k in 1..2_000 {
            b[end - 64 * k - 40] ^= 0x5a;
        }
        let sum = blake3::Hasher::new().update(&b[..HEADER_LEN - 32]).update(&b[HEADER_LEN..]).finalize();
        b[HEADER_LEN - 32..HEADER_LEN].copy_from_slice(sum.as_bytes());
    });
    let prover = Prover::load_in(&zkey_path(), &wasm_path(), WitnessEngine::Auto, Some(&cache)).unwrap();
    assert_eq!(prover.key_cache().unwrap().source, KeySource::Cached, "the forgery passes the checks");
    assert!(matches!(prover.prove(&valid_inputs()), Err(ProveError::SelfCheckFailed)));
}
