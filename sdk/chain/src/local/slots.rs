//! Moving the in-process cluster's slot and clock forward, as a validator's move: `zk402
//! localnet` advances one slot every slot time with the clock at wall time, so blockhashes
//! age, receipts expire and proofs' times match the cluster's clock as on a real cluster.
//!
//! Only on a current-thread tokio runtime. program-test's blockhash ticker, a task of the
//! runtime, registers blockhashes into the working bank, which a warp freezes before replacing
//! it; on one thread the ticker cannot run while the warp (synchronous) does, on several it
//! can, and the bank panics. The call is refused on any other runtime.

use super::{LocalChain, transport};
use crate::backend::ChainError;
use anchor_lang::prelude::Clock;
use tokio::runtime::{Handle, RuntimeFlavor};

impl LocalChain {
    /// Advances the working bank to the next slot and sets the Clock's unix time to
    /// `unix_timestamp` (never backwards). Returns the new slot. Transactions wait for it
    /// (it holds the same lock) and run in the new slot.
    pub async fn advance_slot(&self, unix_timestamp: i64) -> Result<u64, ChainError> {
        if Handle::current().runtime_flavor() != RuntimeFlavor::CurrentThread {
            return Err(transport("advancing the slot needs a current-thread tokio runtime"));
        }
        let mut context = self.shared.context.lock().await;
        let before: Clock = self.shared.banks.get_sysvar().await.map_err(transport)?;
        let slot = before.slot + 1;
        context.warp_to_slot(slot).map_err(|e| transport(format!("warp to slot {slot}: {e:?}")))?;
        let mut clock: Clock = self.shared.banks.get_sysvar().await.map_err(transport)?;
        clock.unix_timestamp = unix_timestamp.max(before.unix_timestamp);
        context.set_sysvar(&clock);
        Ok(clock.slot)
    }
}
