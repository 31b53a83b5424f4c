//! The payer's durable receipt wallet: a JSON file (mode 0600) of secrets, the receipts
//! issued for them, and which credits of each receipt are spent. A secret is written before its
//! commitment leaves the machine, so a crash between paying and receiving the receipt loses
//! nothing; a credit is marked pending before its proof is made, so a crash never spends it
//! twice (a pending credit is reused only after the chain shows its nullifier unrecorded, see
//! `Payer::prove`).
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
use std::collections::BTreeMap;
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
    /// The credits (by index) that are spent or whose proof may have left; the others are free.
    #[serde(default)]
    pub credits: BTreeMap<u32, Credit>,
}

/// A credit of a receipt that is not free.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "state")]
pub enum Credit {
    /// Claimed for a proof at `claimed_at` (unix seconds, this machine's clock): the proof may
    /// have left, so the credit is not reused until the chain shows its nullifier unrecorded.
    Pending {
        /// When it was claimed.
        claimed_at: u64,
    },
    /// Spent: its nullifier is recorded (by `transaction`, when the payer knows it).
    Spent {
        /// The verifying transaction's signature, or how the spend was learned.
        transaction: String,
    },
}

/// A credit claimed for one proof: the receipt, its secret and the credit's index.
#[derive(Debug, Clone)]
pub struct ClaimedCredit {
    /// The payment whose receipt holds the credit.
    pub transfer: String,
    /// The receipt's secret.
    pub secret: Secret,
    /// The receipt.
    pub receipt: Receipt,
    /// The credit's index (its nullifier is `secret.nullifier(index)`).
    pub index: u32,
}

/// What is left of one receipt under a policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreditBalance {
    /// The payment whose receipt it is.
    pub transfer: String,
    /// Credits the receipt holds at the policy's price.
    pub total: u64,
    /// Credits spent.
    pub spent: u64,
    /// Credits whose proof may have left (not reused until checked against the chain).
    pub pending: u64,
    /// Unix time after which no credit of it can be proved any more (paid_at + max_age).
    pub expires_at: u64,
}

impl CreditBalance {
    /// Credits still free to spend.
    pub fn left(&self) -> u64 {
        self.total.saturating_sub(self.spent + self.pending)
    }
}

impl WalletEntry {
    /// The receipt if it pays `policy`'s recipient under its issuer and is fresh at `now`.
    fn usable_receipt(&self, policy: &Policy, now: u64) -> Option<&Receipt> {
        let receipt = self.receipt.as_ref()?;
        let claim = &receipt.claim;
        (self.issuer == Some(policy.issuer)
            && claim.recipient == policy.recipient
            && claim.paid_at <= now
            && now - claim.paid_at <= policy.max_age)
            .then_some(receipt)
    }

    /// The lowest free credit of this entry's receipt under `policy` at `now`, if any.
    pub fn free_credit(&self, policy: &Policy, now: u64) -> Option<u32> {
        let receipt = self.usable_receipt(policy, now)?;
        let total = policy.credits(receipt.claim.amount);
        (0..total).map(|i| i as u32).find(|i| !self.credits.contains_key(i))
    }

    /// Whether this entry holds a free credit that meets `policy` at `now`.
    pub fn meets(&self, policy: &Policy, now: u64) -> bool {
        self.free_credit(policy, now).is_some()
    }

    /// What is left of this entry's receipt under `policy` at `now` (`None`: not usable).
    pub fn balance(&self, policy: &Policy, now: u64) -> Option<CreditBalance> {
        let receipt = self.usable_receipt(policy, now)?;
        let count = |pending: bool| {
            self.credits.values().filter(|c| matches!(c, Credit::Pending { .. }) == pending).count() as u64
        };
        Some(CreditBalance {
            transfer: self.transfer.clone(),
            total: policy.credits(receipt.claim.amount),
            spent: count(false),
            pending: count(true),
            expires_at: receipt.claim.paid_at.saturating_add(policy.max_age),
        })
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
                    credits: BTreeMap::new(),
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

    /// Marks credit `index` of a payment's receipt spent by `transaction`. A credit already
    /// marked spent keeps the transaction it names.
    pub fn mark_spent(&mut self, transfer: &str, index: u32, transaction: &str) -> Result<(), WalletError> {
        self.update(|entries| {
            let credit = entry_mut(entries, transfer)?.credits.entry(index);
            let spent = Credit::Spent { transaction: transaction.into() };
            credit
                .and_modify(|c| {
                    if matches!(c, Credit::Pending { .. }) {
                        *c = spent.clone()
                    }
                })
                .or_insert(spent);
            Ok(())
        })
    }

    /// Claims the lowest free credit of the oldest receipt meeting `policy` at `now` (oldest
    /// first: it expires first) and durably marks it pending, claimed at `claimed_at`, before
    /// any proof of it exists. `None` when no receipt has a free credit.
    pub fn claim_credit(
        &mut self,
        policy: &Policy,
        now: u64,
        claimed_at: u64,
    ) -> Result<Option<ClaimedCredit>, WalletError> {
        let mut claimed = None;
        self.update(|entries| {
            let oldest = entries
                .iter_mut()
                .filter_map(|e| e.free_credit(policy, now).map(|index| (e, index)))
                .min_by_key(|(e, _)| e.receipt.map(|r| r.claim.paid_at).unwrap_or(u64::MAX));
            if let Some((entry, index)) = oldest {
                entry.credits.insert(index, Credit::Pending { claimed_at });
                claimed = entry.receipt.map(|receipt| ClaimedCredit {
                    transfer: entry.transfer.clone(),
                    secret: entry.secret.clone(),
                    receipt,
                    index,
                });
            }
            Ok(())
        })?;
        Ok(claimed)
    }

    /// Frees a pending credit whose proof is known never to have been recorded (it failed
    /// before leaving, or the chain shows its nullifier unrecorded after it could have landed).
    /// A spent credit stays spent.
    pub fn release_credit(&mut self, transfer: &str, index: u32) -> Result<(), WalletError> {
        self.update(|entries| {
            let credits = &mut entry_mut(entries, transfer)?.credits;
            if matches!(credits.get(&index), Some(Credit::Pending { .. })) {
                credits.remove(&index);
            }
            Ok(())
        })
    }

    /// The credits of receipts usable under `policy` at `now` that have been pending since
    /// before `claimed_before`: (transfer, index, secret).
    pub fn stale_pending(&self, policy: &Policy, now: u64, claimed_before: u64) -> Vec<(String, u32, Secret)> {
        self.entries
            .iter()
            .filter(|e| e.usable_receipt(policy, now).is_some())
            .flat_map(|e| {
                e.credits.iter().filter_map(move |(index, credit)| match credit {
                    Credit::Pending { claimed_at } if *claimed_at < claimed_before => {
                        Some((e.transfer.clone(), *index, e.secret.clone()))
                    }
                    _ => None,
                })
            })
            .collect()
    }

    /// What is left of every receipt usable under `policy` at `now`, oldest first.
    pub fn balances(&self, policy: &Policy, now: u64) -> Vec<CreditBalance> {
        let mut balances: Vec<_> = self.entries.iter().filter_map(|e| e.balance(policy, now)).collect();
        balances.sort_by_key(|b| b.expires_at);
        balances
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
        Policy { price: 100, recipient: [3; 32], max_age: 60, issuer: issuer.public_key() }
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
        second.mark_spent("t0", 0, "spender").unwrap();
        first.mark_spent("t0", 0, "a later spender").unwrap();
        let wallet = Wallet::open(&path).unwrap();
        assert_eq!(wallet.entries().len(), 2);
        assert_eq!(
            wallet.entries()[0].credits.get(&0),
            Some(&Credit::Spent { transaction: "spender".into() }),
            "the first spender is kept"
        );
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

    /// Pays `t<i>` with `amount` at `paid_at` and stores its receipt.
    fn add_paid(wallet: &mut Wallet, issuer: &SigningKey, i: u64, amount: u64, paid_at: u64) {
        let claim = ReceiptClaim { amount, recipient: [3; 32], paid_at, commitment: secret(i).commitment() };
        wallet.add_payment(&format!("t{i}"), secret(i)).unwrap();
        wallet.set_receipt(&format!("t{i}"), issuer.public_key(), claim.sign(issuer)).unwrap();
    }

    fn claim(wallet: &mut Wallet, p: &Policy, now: u64) -> Option<(String, u32)> {
        wallet.claim_credit(p, now, now).unwrap().map(|c| (c.transfer, c.index))
    }

    #[test]
    fn survives_reopen_and_claims_only_credits_meeting_the_policy() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("wallet.json");
        let issuer = SigningKey::from_seed(&[1; 32]);
        let mut wallet = Wallet::open(&path).unwrap();
        // 99 buys no credit at 100; 100 buys one; 500 buys five.
        for (i, (amount, paid_at)) in [(99, 1_000), (100, 990), (500, 1_001)].into_iter().enumerate() {
            add_paid(&mut wallet, &issuer, i as u64, amount, paid_at);
        }
        let mut wallet = Wallet::open(&path).unwrap();
        assert_eq!(wallet.entries().len(), 3);
        assert_eq!(wallet.secret_of("t1"), Some(secret(1)));
        assert_eq!(wallet.secret_of("t9"), None);
        let p = policy(&issuer);
        let other = policy(&SigningKey::from_seed(&[2; 32]));
        assert!(claim(&mut wallet, &other, 1_001).is_none(), "another issuer's policy");
        assert_eq!(claim(&mut wallet, &p, 1_001), Some(("t1".into(), 0)), "oldest receipt first");
        assert_eq!(claim(&mut wallet, &p, 1_001), Some(("t2".into(), 0)), "t1's only credit is pending");
        assert_eq!(claim(&mut wallet, &p, 1_001), Some(("t2".into(), 1)));
        let reopened = Wallet::open(&path).unwrap();
        assert_eq!(reopened.entries()[2].credits.len(), 2, "claims are durable before any proof exists");
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
    }

    #[test]
    fn every_credit_is_claimed_once_and_none_past_the_receipts_amount() {
        let dir = tempfile::tempdir().unwrap();
        let issuer = SigningKey::from_seed(&[1; 32]);
        let mut wallet = Wallet::open(&dir.path().join("wallet.json")).unwrap();
        add_paid(&mut wallet, &issuer, 0, 350, 1_000);
        let p = policy(&issuer);
        let claimed: Vec<_> = std::iter::from_fn(|| claim(&mut wallet, &p, 1_000)).collect();
        assert_eq!(claimed, [("t0".into(), 0), ("t0".into(), 1), ("t0".into(), 2)], "350 at 100 is three credits");
        wallet.mark_spent("t0", 1, "tx").unwrap();
        let balance = wallet.balances(&p, 1_000);
        assert_eq!(balance.len(), 1);
        assert_eq!((balance[0].total, balance[0].spent, balance[0].pending, balance[0].left()), (3, 1, 2, 0));
        assert_eq!(balance[0].expires_at, 1_060);
        assert!(wallet.balances(&p, 1_061).is_empty(), "an expired receipt has nothing left");
    }

    #[test]
    fn a_pending_credit_is_reused_only_once_released_and_a_spent_one_never() {
        let dir = tempfile::tempdir().unwrap();
        let issuer = SigningKey::from_seed(&[1; 32]);
        let mut wallet = Wallet::open(&dir.path().join("wallet.json")).unwrap();
        add_paid(&mut wallet, &issuer, 0, 200, 1_000);
        let p = policy(&issuer);
        assert_eq!(wallet.claim_credit(&p, 1_000, 5).unwrap().map(|c| c.index), Some(0));
        assert_eq!(wallet.claim_credit(&p, 1_000, 9).unwrap().map(|c| c.index), Some(1));
        assert!(claim(&mut wallet, &p, 1_000).is_none(), "both credits pending: none is handed out again");
        assert_eq!(wallet.stale_pending(&p, 1_000, 6), [("t0".to_string(), 0, secret(0))], "claimed before 6");
        wallet.mark_spent("t0", 1, "tx").unwrap();
        wallet.release_credit("t0", 1).unwrap();
        wallet.release_credit("t0", 0).unwrap();
        assert_eq!(claim(&mut wallet, &p, 1_000), Some(("t0".into(), 0)), "a released credit is free again");
        assert!(claim(&mut wallet, &p, 1_000).is_none(), "a spent credit is never released");
    }
}
