//! The compiled circuit: where `scripts/build.sh` puts it and how to load it.

use crate::binfile::FormatError;
use crate::r1cs::R1cs;
use crate::sym::Symbols;
use std::path::{Path, PathBuf};

/// Paths of the compiled circuit files in one build directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArtifactPaths {
    /// The constraint system (`payment.r1cs`).
    pub r1cs: PathBuf,
    /// The witness calculator (`payment_js/payment.wasm`).
    pub wasm: PathBuf,
    /// Signal names (`payment.sym`).
    pub sym: PathBuf,
}

impl ArtifactPaths {
    /// The files `scripts/build.sh` writes into `dir`.
    pub fn in_dir(dir: &Path) -> ArtifactPaths {
        ArtifactPaths {
            r1cs: dir.join("payment.r1cs"),
            wasm: dir.join("payment_js").join("payment.wasm"),
            sym: dir.join("payment.sym"),
        }
    }

    /// The committed build in this repository (`circuits/build`).
    pub fn committed() -> ArtifactPaths {
        ArtifactPaths::in_dir(&committed_build_dir())
    }
}

/// `circuits/build` in the source tree this crate was compiled from.
pub fn committed_build_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("build")
}

/// Why the compiled circuit could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// A file could not be read.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The r1cs file is malformed.
    #[error("{path}: {source}")]
    R1cs {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: FormatError,
    },
    /// The sym file is malformed.
    #[error("{path}: {message}")]
    Sym {
        /// The file.
        path: PathBuf,
        /// The cause.
        message: String,
    },
}

/// Reads a file, naming it in the error.
pub fn read(path: &Path) -> Result<Vec<u8>, LoadError> {
    std::fs::read(path).map_err(|source| LoadError::Io { path: path.to_owned(), source })
}

impl ArtifactPaths {
    /// Loads and validates the constraint system.
    pub fn load_r1cs(&self) -> Result<R1cs, LoadError> {
        R1cs::parse(&read(&self.r1cs)?).map_err(|source| LoadError::R1cs { path: self.r1cs.clone(), source })
    }

    /// Loads the signal names for a constraint system with `n_wires` wires.
    pub fn load_symbols(&self, n_wires: u32) -> Result<Symbols, LoadError> {
        let text = String::from_utf8_lossy(&read(&self.sym)?).into_owned();
        Symbols::parse(&text, n_wires).map_err(|message| LoadError::Sym { path: self.sym.clone(), message })
    }
}
