//! The payer's durable receipt wallet: a JSON file (mode 0600) of secrets and the receipts
//! issued for them. A secret is written before its commitment leaves the machine, so a crash
//! between paying and receiving the receipt loses nothing.
//!
//! Several processes may share one wallet. Every change is a read-modify-write under an
//! exclusive advisory lock (`flock`) on `<wallet>.lock` beside the file: the change is applied
//! to the entries as they are on disk now, not to the copy read when this handle was opened,
//! so two writers merge instead of one overwriting the other's secrets. The lock belongs to an
//! open file, so it dies with its process: a lock file left behind by a crashed payer blocks
//! nobody. Reading needs no lock, since the file is only ever replaced whole: the entries are
//! written to a fresh temporary file beside the wallet (created exclusively under an
//! unpredictable name, so a planted link is refused rather than followed, mode 0600), synced,
//! renamed over the wallet, and the directory is synced.

use serde::{Deserialize, Serialize};
use std::fs::{File, OpenOptions};
use std::hash::{BuildHasher, RandomState};
use std::io::Write;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use zk402_circuit::{Policy, PublicKey, Receipt, Secret};

/// How many temporary names a save tries before giving up (each is refused only if something
/// already exists under it).
const TEMPORARY_ATTEMPTS: u32 = 16;

/// One payment as the payer remembers it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WalletEntry {
    /// The payment transaction's signature (base58).
    pub transfer: String,
    /// The secret whose commitment the issuer signs.
    pub secret: Secret,
    /// The issuer that signed, once it has.
    pub issuer: Option<PublicKey>,
    /// The receipt, once issued.
    pub receipt: Option<Receipt>,
    /// The signature of the transaction that spent the receipt's nullifier, once spent.
    pub spent: Option<String>,
}

impl WalletEntry {
    /// Whether this entry holds an unspent receipt that meets `policy` at `now`.
    pub fn meets(&self, policy: &Policy, now: u64) -> bool {
        let Some(receipt) = &self.receipt else { return false };
        let claim = &receipt.claim;
        self.spent.is_none()
            && self.issuer == Some(policy.issuer)
            && claim.recipient == policy.recipient
            && claim.amount >= policy.min_amount
            && claim.paid_at <= now
            && now - claim.paid_at <= policy.max_age
    }
}

/// Why the wallet could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum WalletError {
    /// Reading, writing or locking a file failed.
    #[error("wallet {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is not a wallet.
    #[error("wallet {path}: {message}")]
    Format {
        /// The wallet file.
        path: String,
        /// What is wrong.
        message: String,
    },
    /// No entry for the transfer.
    #[error("no wallet entry for transfer {0}")]
    UnknownTransfer(String),
    /// The transfer already has another secret (it is kept: it may be the one the payment names).
    #[error("transfer {0} already has another secret in the wallet")]
    SecretExists(String),
    /// The lock file is not a regular file (a link planted there is refused, not followed).
    #[error("wallet lock {0} is not a regular file")]
    LockNotAFile(String),
}

/// The wallet file and its entries.
#[derive(Debug)]
pub struct Wallet {
    path: PathBuf,
    entries: Vec<WalletEntry>,
}

impl Wallet {
    /// Opens the wallet at `path`, or starts an empty one there.
    pub fn open(path: &Path) -> Result<Wallet, WalletError> {
        Ok(Wallet { path: path.to_owned(), entries: read_entries(path)? })
    }

    /// Every entry, as of this handle's last open or change.
    pub fn entries(&self) -> &[WalletEntry] {
        &self.entries
    }

    /// Remembers a fresh secret for a payment before asking for its receipt. A transfer keeps
    /// its first secret: adding the same one again changes nothing, another one is refused.
    pub fn add_payment(&mut self, transfer: &str, secret: Secret) -> Result<(), WalletError> {
        self.update(|entries| match entries.iter().find(|e| e.transfer == transfer) {
            Some(entry) if entry.secret == secret => Ok(()),
            Some(_) => Err(WalletError::SecretExists(transfer.into())),
            None => {
                entries.push(WalletEntry {
                    transfer: transfer.into(),
                    secret,
                    issuer: None,
                    receipt: None,
                    spent: None,
                });
                Ok(())
            }
        })
    }

    /// The secret remembered for a payment, if any (to retry a receipt request with it).
    pub fn secret_of(&self, transfer: &str) -> Option<Secret> {
        self.entries.iter().find(|e| e.transfer == transfer).map(|e| e.secret.clone())
    }

    /// Stores the receipt issued for a payment.
    pub fn set_receipt(&mut self, transfer: &str, issuer: PublicKey, receipt: Receipt) -> Result<(), WalletError> {
        self.update(|entries| {
            let entry = entry_mut(entries, transfer)?;
            entry.issuer = Some(issuer);
            entry.receipt = Some(receipt);
            Ok(())
        })
    }

    /// Marks the receipt of a payment spent by `transaction`. An entry already marked spent
    /// keeps the transaction it names.
    pub fn mark_spent(&mut self, transfer: &str, transaction: &str) -> Result<(), WalletError> {
        self.update(|entries| {
            entry_mut(entries, transfer)?.spent.get_or_insert_with(|| transaction.into());
            Ok(())
        })
    }

    /// The oldest unspent receipt meeting `policy` at `now` (oldest first: it expires first).
    pub fn select(&self, policy: &Policy, now: u64) -> Option<&WalletEntry> {
        self.entries
            .iter()
            .filter(|e| e.meets(policy, now))
            .min_by_key(|e| e.receipt.map(|r| r.claim.paid_at).unwrap_or(u64::MAX))
    }

    /// Applies `change` to the entries on disk, under the wallet's lock, and writes the result
    /// (this handle then sees every other writer's entries too). Nothing is written if
    /// `change` fails.
    fn update(
        &mut self,
        change: impl FnOnce(&mut Vec<WalletEntry>) -> Result<(), WalletError>,
    ) -> Result<(), WalletError> {
        let _lock = lock(&self.path)?;
        let mut entries = read_entries(&self.path)?;
        change(&mut entries)?;
        write_entries(&self.path, &entries)?;
        self.entries = entries;
        Ok(())
    }
}

fn entry_mut<'a>(entries: &'a mut [WalletEntry], transfer: &str) -> Result<&'a mut WalletEntry, WalletError> {
    entries.iter_mut().find(|e| e.transfer == transfer).ok_or_else(|| WalletError::UnknownTransfer(transfer.into()))
}

/// A [`WalletError::Io`] about `path`.
fn io_error(path: &Path) -> impl Fn(std::io::Error) -> WalletError + '_ {
    move |source| WalletError::Io { path: path.display().to_string(), source }
}

/// The entries of the wallet at `path`; none if there is no file yet.
fn read_entries(path: &Path) -> Result<Vec<WalletEntry>, WalletError> {
    match std::fs::read(path) {
        Ok(bytes) => serde_json::from_slice(&bytes)
            .map_err(|e| WalletError::Format { path: path.display().to_string(), message: e.to_string() }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(source) => Err(io_error(path)(source)),
    }
}

/// Takes the exclusive lock of the wallet at `wallet` on `<wallet>.lock`; it is held until the
/// returned file is dropped or its process dies. The lock file must be a regular file: one a
/// link leads to is neither created nor locked.
fn lock(wallet: &Path) -> Result<File, WalletError> {
    let path = sibling(wallet, ".lock");
    let io = io_error(&path);
    let not_a_file = || WalletError::LockNotAFile(path.display().to_string());
    match std::fs::symlink_metadata(&path) {
        Ok(found) if !found.is_file() => return Err(not_a_file()),
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(io(e)),
        _ => {}
    }
    let file = OpenOptions::new().write(true).create(true).truncate(false).mode(0o600).open(&path).map_err(&io)?;
    // The file opened must still be the one at `path`, not one a link swapped in since leads to.
    let (opened, found) = (file.metadata().map_err(&io)?, std::fs::symlink_metadata(&path).map_err(&io)?);
    if !found.is_file() || (opened.dev(), opened.ino()) != (found.dev(), found.ino()) {
        return Err(not_a_file());
    }
    file.lock().map_err(io)?;
    Ok(file)
}

/// Replaces the wallet at `wallet` with `entries`: a fresh temporary file beside it, synced,
/// renamed over it, and the directory synced so the rename survives a crash.
fn write_entries(wallet: &Path, entries: &[WalletEntry]) -> Result<(), WalletError> {
    let bytes = serde_json::to_vec_pretty(entries)
        .map_err(|e| WalletError::Format { path: wallet.display().to_string(), message: e.to_string() })?;
    let (temporary, mut file) = create_temporary(temporary_names(wallet)).map_err(io_error(wallet))?;
    let written =
        file.write_all(&bytes).and_then(|()| file.sync_all()).and_then(|()| std::fs::rename(&temporary, wallet));
    if let Err(source) = written {
        // Best effort: the error that matters is the one returned.
        let _ = std::fs::remove_file(&temporary);
        return Err(io_error(&temporary)(source));
    }
    File::open(directory_of(wallet)).and_then(|directory| directory.sync_all()).map_err(io_error(wallet))
}

/// Names for a temporary file beside the wallet, `<wallet>.<64 random bits>.tmp`, that nobody
/// can guess in advance: `RandomState`'s keys come from the operating system's randomness.
fn temporary_names(wallet: &Path) -> impl Iterator<Item = PathBuf> + '_ {
    let keys = RandomState::new();
    (0..TEMPORARY_ATTEMPTS).map(move |attempt| sibling(wallet, &format!(".{:016x}.tmp", keys.hash_one(attempt))))
}

/// Creates the first of `names` under which nothing exists yet, write-only with mode 0600.
/// `create_new` (`O_CREAT | O_EXCL`) refuses any existing name, a symbolic link included, so
/// a link planted under a name is never followed.
fn create_temporary(names: impl IntoIterator<Item = PathBuf>) -> std::io::Result<(PathBuf, File)> {
    for name in names {
        match OpenOptions::new().write(true).create_new(true).mode(0o600).open(&name) {
            Ok(file) => return Ok((name, file)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    Err(std::io::Error::new(std::io::ErrorKind::AlreadyExists, "every temporary name tried is taken"))
}

/// `path` with `suffix` appended to its file name.
fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    name.into()
}

/// The directory holding `path` (`.` for a bare file name).
fn directory_of(path: &Path) -> &Path {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::{PermissionsExt, symlink};
    use std::process::{Child, Command, Stdio};
    use std::time::{Duration, Instant};
    use zk402_circuit::{Fr, ReceiptClaim, SigningKey};

    /// Selects what a process spawned by [`spawn`] does in [`child_process`].
    const ROLE: &str = "ZK402_WALLET_TEST_ROLE";
    /// The wallet a spawned process works on.
    const WALLET: &str = "ZK402_WALLET_TEST_PATH";
    /// Receipts each of the concurrent writers adds.
    const WRITES: u64 = 20;

    fn policy(issuer: &SigningKey) -> Policy {
        Policy { min_amount: 100, recipient: [3; 32], max_age: 60, issuer: issuer.public_key() }
    }

    fn secret(i: u64) -> Secret {
        Secret::from_fr(Fr::from(i + 1))
    }

    /// Pays `t<i>` and stores its receipt.
    fn add_receipt(wallet: &mut Wallet, i: u64) {
        let issuer = SigningKey::from_seed(&[1; 32]);
        let claim =
            ReceiptClaim { amount: 100, recipient: [3; 32], paid_at: 1_000, commitment: secret(i).commitment() };
        wallet.add_payment(&format!("t{i}"), secret(i)).unwrap();
        wallet.set_receipt(&format!("t{i}"), issuer.public_key(), claim.sign(&issuer)).unwrap();
    }

    /// Waits (bounded) until `path` exists.
    fn wait_for(path: &Path) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while !path.exists() {
            assert!(Instant::now() < deadline, "{} never appeared", path.display());
            std::thread::sleep(Duration::from_millis(1));
        }
    }

    /// Runs [`child_process`] as `role` on `wallet` in a new process of this test binary.
    fn spawn(role: &str, wallet: &Path) -> Child {
        Command::new(std::env::current_exe().unwrap())
            .args(["--exact", "wallet::tests::child_process", "--test-threads=1", "--quiet"])
            .env(ROLE, role)
            .env(WALLET, wallet)
            .stdout(Stdio::null())
            .spawn()
            .unwrap()
    }

    /// Not a test of its own (it does nothing when run normally): the body of the processes
    /// the tests below spawn, selected by `ZK402_WALLET_TEST_ROLE`.
    #[test]
    fn child_process() {
        let Ok(role) = std::env::var(ROLE) else { return };
        let path = PathBuf::from(std::env::var_os(WALLET).unwrap());
        match role.split_once(':') {
            // Adds receipts `first..first + WRITES` through a handle opened before the other
            // writer started: a stale copy that must not overwrite the other's entries.
            Some(("writer", first)) => {
                let first: u64 = first.parse().unwrap();
                let mut wallet = Wallet::open(&path).unwrap();
                wait_for(&sibling(&path, ".go"));
                for i in first..first + WRITES {
                    add_receipt(&mut wallet, i);
                }
            }
            // Takes the wallet's lock, says so, and holds it until killed.
            _ if role == "locker" => {
                let _lock = lock(&path).unwrap();
                std::fs::write(sibling(&path, ".held"), b"").unwrap();
                std::thread::sleep(Duration::from_secs(600));
            }
            _ => panic!("unknown role {role}"),
        }
    }

    #[test]
    fn two_processes_saving_at_once_lose_no_receipt() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("wallet.json");
        let writers = [spawn("writer:0", &path), spawn(&format!("writer:{WRITES}"), &path)];
        std::fs::write(sibling(&path, ".go"), b"").unwrap();
        for mut writer in writers {
            assert!(writer.wait().unwrap().success());
        }
        let wallet = Wallet::open(&path).unwrap();
        assert_eq!(wallet.entries().len(), 2 * WRITES as usize);
        for i in 0..2 * WRITES {
            let entry = wallet.entries().iter().find(|e| e.transfer == format!("t{i}")).expect("every payment");
            assert_eq!(entry.secret, secret(i));
            assert_eq!(entry.receipt.expect("every receipt").claim.commitment, secret(i).commitment());
        }
    }

    #[test]
    fn a_stale_handle_merges_its_change_instead_of_overwriting() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("wallet.json");
        let (mut first, mut second) = (Wallet::open(&path).unwrap(), Wallet::open(&path).unwrap());
        add_receipt(&mut first, 0);
        add_receipt(&mut second, 1);
        // `second` never saw t0 before this change: it is read under the lock.
        second.mark_spent("t0", "spender").unwrap();
        first.mark_spent("t0", "a later spender").unwrap();
        let wallet = Wallet::open(&path).unwrap();
        assert_eq!(wallet.entries().len(), 2);
        assert_eq!(wallet.entries()[0].spent.as_deref(), Some("spender"), "the first spender is kept");
        assert!(wallet.entries()[1].receipt.is_some());
        assert_eq!(first.entries().len(), 2, "a change refreshes the handle");
    }

    #[test]
    fn a_second_secret_for_a_transfer_never_replaces_the_first() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("wallet.json");
        let (mut first, mut second) = (Wallet::open(&path).unwrap(), Wallet::open(&path).unwrap());
        first.add_payment("t", secret(0)).unwrap();
        assert!(matches!(second.add_payment("t", secret(1)), Err(WalletError::SecretExists(t)) if t == "t"));
        second.add_payment("t", secret(0)).unwrap();
        let wallet = Wallet::open(&path).unwrap();
        assert_eq!(wallet.entries().len(), 1);
        assert_eq!(wallet.secret_of("t"), Some(secret(0)));
    }

    #[test]
    fn a_lock_left_by_a_killed_payer_does_not_block_the_next_save() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("wallet.json");
        let mut locker = spawn("locker", &path);
        wait_for(&sibling(&path, ".held"));
        let lock_file = File::open(sibling(&path, ".lock")).unwrap();
        assert!(matches!(lock_file.try_lock(), Err(std::fs::TryLockError::WouldBlock)), "the locker holds it");
        locker.kill().unwrap();
        locker.wait().unwrap();
        assert!(sibling(&path, ".lock").exists(), "the lock file stays behind");
        let (sender, receiver) = std::sync::mpsc::channel();
        let wallet_path = path.clone();
        std::thread::spawn(move || {
            let saved = Wallet::open(&wallet_path).and_then(|mut wallet| wallet.add_payment("t", secret(0)));
            sender.send(saved.is_ok()).unwrap();
        });
        assert!(receiver.recv_timeout(Duration::from_secs(10)).expect("the save waits on a dead lock"));
        assert_eq!(Wallet::open(&path).unwrap().secret_of("t"), Some(secret(0)));
    }

    #[test]
    fn a_link_planted_at_a_temporary_name_is_refused_not_followed() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("target");
        std::fs::write(&target, b"untouched").unwrap();
        let dangling = dir.path().join("dangling");
        let names: Vec<PathBuf> = (0..3).map(|i| dir.path().join(format!("tmp{i}"))).collect();
        symlink(&target, &names[0]).unwrap();
        symlink(&dangling, &names[1]).unwrap();
        let (name, mut file) = create_temporary(names.clone()).unwrap();
        assert_eq!(name, names[2], "the first free name");
        file.write_all(b"written").unwrap();
        assert_eq!(std::fs::metadata(&name).unwrap().permissions().mode() & 0o777, 0o600);
        let taken = create_temporary(names[..2].to_vec()).unwrap_err();
        assert_eq!(taken.kind(), std::io::ErrorKind::AlreadyExists, "every name taken: refused");
        assert_eq!(std::fs::read(&target).unwrap(), b"untouched");
        assert!(!dangling.exists(), "a dangling link's target is not created");
        // The names a save uses cannot be planted in advance: they differ on every save.
        let wallet = dir.path().join("wallet.json");
        let (a, b): (Vec<_>, Vec<_>) = (temporary_names(&wallet).collect(), temporary_names(&wallet).collect());
        assert!(a.iter().chain(&b).all(|n| n.parent() == Some(dir.path())));
        assert!(a.iter().all(|n| !b.contains(n)));
    }

    #[test]
    fn a_save_never_writes_through_a_link_at_the_old_temporary_path() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("wallet.json");
        let target = dir.path().join("target");
        std::fs::write(&target, b"untouched").unwrap();
        // The name every earlier save used, predictable to anyone.
        symlink(&target, path.with_extension("tmp")).unwrap();
        add_receipt(&mut Wallet::open(&path).unwrap(), 0);
        assert_eq!(std::fs::read(&target).unwrap(), b"untouched");
        assert!(std::fs::symlink_metadata(&path).unwrap().is_file());
        let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(left.len(), 4, "wallet, lock, the planted link and its target only: {left:?}");
    }

    #[test]
    fn a_link_planted_at_the_lock_file_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("wallet.json");
        let target = dir.path().join("target");
        symlink(&target, sibling(&path, ".lock")).unwrap();
        let refused = Wallet::open(&path).unwrap().add_payment("t", secret(0));
        assert!(matches!(refused, Err(WalletError::LockNotAFile(_))), "{refused:?}");
        assert!(!target.exists(), "the link's target is not created");
        std::fs::write(&target, b"untouched").unwrap();
        assert!(matches!(Wallet::open(&path).unwrap().add_payment("t", secret(0)), Err(WalletError::LockNotAFile(_))));
        assert_eq!(std::fs::read(&target).unwrap(), b"untouched");
        assert!(!path.exists(), "nothing saved");
    }

    #[test]
    fn survives_reopen_and_selects_only_receipts_meeting_the_policy() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("wallet.json");
        let issuer = SigningKey::from_seed(&[1; 32]);
        let mut wallet = Wallet::open(&path).unwrap();
        for (i, (amount, paid_at)) in [(99, 1_000), (100, 990), (500, 1_001)].into_iter().enumerate() {
            let secret = Secret::from_fr(Fr::from(i as u64 + 1));
            let claim = ReceiptClaim { amount, recipient: [3; 32], paid_at, commitment: secret.commitment() };
            let transfer = format!("t{i}");
            wallet.add_payment(&transfer, secret).unwrap();
            wallet.set_receipt(&transfer, issuer.public_key(), claim.sign(&issuer)).unwrap();
        }
        let wallet = Wallet::open(&path).unwrap();
        assert_eq!(wallet.entries().len(), 3);
        assert_eq!(wallet.secret_of("t1"), Some(Secret::from_fr(Fr::from(2u64))));
        assert_eq!(wallet.secret_of("t9"), None);
        let p = policy(&issuer);
        assert_eq!(wallet.select(&p, 1_001).unwrap().transfer, "t1", "oldest receipt meeting the minimum");
        assert_eq!(wallet.select(&p, 1_051).unwrap().transfer, "t2", "t1 is older than max_age by then");
        let other = policy(&SigningKey::from_seed(&[2; 32]));
        assert!(wallet.select(&other, 1_001).is_none(), "another issuer's policy");
        let mut wallet = wallet;
        wallet.mark_spent("t1", "sig").unwrap();
        assert_eq!(Wallet::open(&path).unwrap().select(&p, 1_001).unwrap().transfer, "t2");
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
    }
}
