//! [`ShardHeader`] in the verifier program's Anchor IDL. Anchor derives the IDL of the types its
//! attributes see, and a zero-copy account may only nest types it can describe; this crate does
//! not depend on Anchor, so the description is written here, as `#[zero_copy]` would generate it
//! (bytemuck, `repr(C)`). `programs/zk402-verifier/tests/idl.rs` decodes a real shard account
//! through the IDL with Anchor's TypeScript client and checks every field.

extern crate std;

use crate::ShardHeader;
use anchor_lang_idl::build::IdlBuild;
use anchor_lang_idl::types::{
    IdlArrayLen, IdlDefinedFields, IdlField, IdlRepr, IdlReprModifier, IdlSerialization, IdlType, IdlTypeDef,
    IdlTypeDefTy,
};
use std::borrow::ToOwned;
use std::boxed::Box;
use std::vec;

impl IdlBuild for ShardHeader {
    fn create_type() -> Option<IdlTypeDef> {
        let bytes32 = || IdlType::Array(Box::new(IdlType::U8), IdlArrayLen::Value(32));
        let fields = [
            ("policy", bytes32()),
            ("authority", bytes32()),
            ("base_time", IdlType::I64),
            ("max_expires_at", IdlType::I64),
            ("inserted", IdlType::U64),
            ("capacity", IdlType::U32),
            ("index", IdlType::U16),
            ("reserved0", IdlType::U16),
            ("reserved", bytes32()),
        ];
        Some(IdlTypeDef {
            name: Self::get_full_path(),
            docs: vec!["Shard header, stored little-endian (as SBF reads it) after the discriminator.".to_owned()],
            serialization: IdlSerialization::Bytemuck,
            repr: Some(IdlRepr::C(IdlReprModifier { packed: false, align: None })),
            generics: vec![],
            ty: IdlTypeDefTy::Struct {
                fields: Some(IdlDefinedFields::Named(
                    fields.into_iter().map(|(name, ty)| IdlField { name: name.to_owned(), docs: vec![], ty }).collect(),
                )),
            },
        })
    }
}
