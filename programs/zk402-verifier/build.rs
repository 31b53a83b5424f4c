//! Chooses the Groth16 verifying key compiled into the program (`build/key_source.rs`; README
//! "Verifying key") and hands its path to `src/lib.rs` as `ZK402_VERIFYING_KEY_RS`.

#[path = "build/key_source.rs"]
mod key_source;

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    println!("cargo::rerun-if-env-changed={}", key_source::KEY_ENV);
    // The directory, not keys/production.rs: a path that does not exist would rerun every build.
    println!("cargo::rerun-if-changed=keys");
    let package = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let insecure_test_key = std::env::var_os("CARGO_FEATURE_INSECURE_TEST_KEY").is_some();
    let env_key = std::env::var_os(key_source::KEY_ENV);
    let chosen = key_source::select(&package, insecure_test_key, env_key.as_deref())
        .and_then(|path| path.to_str().map(str::to_owned).ok_or(format!("{} is not UTF-8", path.display())));
    match chosen {
        Ok(path) => {
            println!("cargo::rerun-if-changed={path}");
            println!("cargo::rustc-env=ZK402_VERIFYING_KEY_RS={path}");
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}
