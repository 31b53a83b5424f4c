//! snarkjs's `.wtns` witness file (version 2): a header section with the field and the wire
//! count, then every wire as a 32-byte little-endian integer.

use crate::binfile::{
    BinFile, FormatError, Reader, bn254_scalar_field_header, expect_bn254_scalar_field, write_header, write_section,
};
use crate::field::{Fr, fr_to_le_bytes};

/// Serialises a witness in snarkjs's format.
pub fn write(witness: &[Fr]) -> Vec<u8> {
    let mut header = bn254_scalar_field_header();
    header.extend_from_slice(&(witness.len() as u32).to_le_bytes());
    let values: Vec<u8> = witness.iter().flat_map(fr_to_le_bytes).collect();
    let mut out = Vec::with_capacity(values.len() + 100);
    write_header(&mut out, b"wtns", 2, 2);
    write_section(&mut out, 1, &header);
    write_section(&mut out, 2, &values);
    out
}

/// Reads a `.wtns` file; every value must be below r.
pub fn read(bytes: &[u8]) -> Result<Vec<Fr>, FormatError> {
    let file = BinFile::parse(bytes, b"wtns")?;
    let mut h = Reader::new(file.section(1)?);
    expect_bn254_scalar_field(&mut h)?;
    let n = h.u32("witness count")? as usize;
    let values = file.section(2)?;
    if values.len() != n.saturating_mul(32) {
        return Err(FormatError::Invalid("witness section size does not match its count".into()));
    }
    let mut r = Reader::new(values);
    (0..n).map(|_| r.fr("witness value")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let w: Vec<Fr> = (1..5u64).map(Fr::from).collect();
        assert_eq!(read(&write(&w)).unwrap(), w);
        let mut bad = write(&w);
        bad.truncate(bad.len() - 1);
        assert!(read(&bad).is_err());
    }
}
