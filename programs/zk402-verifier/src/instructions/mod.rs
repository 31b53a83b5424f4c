//! One file per instruction (the batch buffer's three in `proof_buffer`, the nullifier set's
//! two in `nullifier_shard`).

pub mod close_policy;
pub mod create_policy;
pub mod nullifier_shard;
pub mod proof_buffer;
pub mod update_policy;
pub mod verify_batch;
pub mod verify_payment;

pub use close_policy::*;
pub use create_policy::*;
pub use nullifier_shard::*;
pub use proof_buffer::*;
pub use update_policy::*;
pub use verify_batch::*;
pub use verify_payment::*;
