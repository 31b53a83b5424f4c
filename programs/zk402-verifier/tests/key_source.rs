//! The build's choice of verifying key (`build/key_source.rs`, compiled here as it is into
//! `build.rs`), run on a temporary copy of the package's `keys/`: the test key only with the
//! feature, a production key from a real export, and every wrong or missing key refused with a
//! message that says what to do.

#[path = "../build/key_source.rs"]
mod key_source;

use key_source::{KEY_ENV, PRODUCTION_KEY, TEST_KEY, check, select};
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use zk402_ceremony::Zkey;
use zk402_ceremony::contribute::{Entropy, contribute};
use zk402_ceremony::export::rust_constants;

/// A package directory holding a copy of the committed test key.
fn package() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("keys")).unwrap();
    std::fs::copy(Path::new(env!("CARGO_MANIFEST_DIR")).join(TEST_KEY), dir.path().join(TEST_KEY)).unwrap();
    dir
}

/// The export of another ceremony: the committed zkey with one more contribution.
fn other_ceremony_key() -> String {
    static KEY: OnceLock<String> = OnceLock::new();
    KEY.get_or_init(|| {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../ceremony/test-ceremony/payment_final.zkey");
        let mut zkey = Zkey::read(&std::fs::read(path).unwrap()).unwrap();
        contribute(&mut zkey, &Entropy::InsecureTest { seed: b"another ceremony".to_vec() }, None).unwrap();
        let bytes = zkey.write();
        rust_constants(&zkey, "other_final.zkey", &bytes)
    })
    .clone()
}

fn refusal(package: &Path, insecure_test_key: bool, env_key: Option<&OsStr>) -> String {
    select(package, insecure_test_key, env_key).expect_err("the key must be refused")
}

#[test]
fn insecure_test_key_only_with_its_feature() {
    let dir = package();
    assert_eq!(select(dir.path(), true, None).unwrap(), dir.path().join(TEST_KEY));
    // A production key lying around does not change a test build...
    std::fs::write(dir.path().join(PRODUCTION_KEY), other_ceremony_key()).unwrap();
    assert_eq!(select(dir.path(), true, None).unwrap(), dir.path().join(TEST_KEY));
    // ...but naming one explicitly next to the feature is ambiguous.
    let named = dir.path().join(PRODUCTION_KEY);
    let message = refusal(dir.path(), true, Some(named.as_os_str()));
    assert!(message.contains("insecure-test-key") && message.contains(KEY_ENV), "{message}");
}

#[test]
fn build_without_any_key_fails_saying_how_to_generate_one() {
    let dir = package();
    let message = refusal(dir.path(), false, None);
    for expected in
        ["keys/production.rs does not exist", "zk402-ceremony verify", "zk402-ceremony export rust", KEY_ENV]
    {
        assert!(message.contains(expected), "{expected:?} missing from: {message}");
    }
    let elsewhere = dir.path().join("mainnet.rs");
    assert!(refusal(dir.path(), false, Some(elsewhere.as_os_str())).contains("mainnet.rs does not exist"));
}

#[test]
fn production_key_from_a_real_export_is_read_from_the_default_path_or_the_environment() {
    let dir = package();
    let key = other_ceremony_key();
    std::fs::write(dir.path().join(PRODUCTION_KEY), &key).unwrap();
    assert_eq!(select(dir.path(), false, None).unwrap(), dir.path().join(PRODUCTION_KEY));
    let elsewhere: PathBuf = dir.path().join("mainnet.rs");
    std::fs::write(&elsewhere, &key).unwrap();
    assert_eq!(select(dir.path(), false, Some(elsewhere.as_os_str())).unwrap(), elsewhere);
    let message = refusal(dir.path(), false, Some(OsStr::new("keys/production.rs")));
    assert!(message.contains("absolute path"), "{message}");
}

#[test]
fn insecure_test_key_passed_off_as_production_key_is_refused() {
    let dir = package();
    let test_key = std::fs::read_to_string(dir.path().join(TEST_KEY)).unwrap();
    // Even exported from a renamed copy of the test zkey (another header, the same constants).
    let renamed = test_key.replacen("from payment_final.zkey", "from mainnet_final.zkey", 1);
    for text in [&test_key, &renamed] {
        std::fs::write(dir.path().join(PRODUCTION_KEY), text).unwrap();
        let message = refusal(dir.path(), false, None);
        assert!(message.contains("INSECURE test ceremony"), "{message}");
    }
}

#[test]
fn files_that_are_not_an_export_are_refused() {
    let key = other_ceremony_key();
    check(&key).expect("a real export passes");
    let smuggled = key.replacen("/// beta in G2.\n", "pub fn backdoor() {}\n/// beta in G2.\n", 1);
    let hand_written = key.replacen("// Groth16", "// My", 1);
    let no_hash = key.replacen("(sha256 ", "(sha1 ", 1);
    let twice = format!("{key}pub const IC: [[u8; 64]; 5] = [\n];\n");
    let truncated = &key[..key.len() / 2];
    let retyped = key.replacen("DELTA_G2: [u8; 128]", "DELTA_G2: [u8; 64]", 1);
    for (name, text) in [
        ("smuggled code", smuggled.as_str()),
        ("hand-written header", &hand_written),
        ("no zkey hash", &no_hash),
        ("constant declared twice", &twice),
        ("truncated", truncated),
        ("wrong constant type", &retyped),
        ("empty", ""),
    ] {
        assert!(check(text).is_err(), "{name} accepted");
    }
    let dir = package();
    std::fs::write(dir.path().join(PRODUCTION_KEY), smuggled).unwrap();
    let message = refusal(dir.path(), false, None);
    assert!(message.contains("not a key written by `zk402-ceremony export rust`") && message.contains("backdoor"));
}
