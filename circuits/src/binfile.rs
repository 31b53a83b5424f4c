//! The iden3 binary container shared by `.r1cs`, `.wtns`, `.zkey` and `.ptau`: a 4-byte magic,
//! a u32 version, a u32 section count, then sections of (u32 id, u64 byte length, payload),
//! all little-endian. Parsing never panics on malformed input.

use crate::field::{Fr, fr_from_le_bytes};

/// Why a binary file could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FormatError {
    /// The file does not start with the expected magic bytes.
    #[error("not a {expected} file (magic bytes differ)")]
    BadMagic {
        /// The expected magic, e.g. `r1cs`.
        expected: String,
    },
    /// The file or a section ends before a field it declares.
    #[error("truncated: {0}")]
    Truncated(&'static str),
    /// A required section is absent.
    #[error("section {0} is missing")]
    MissingSection(u32),
    /// A section that must appear once appears twice.
    #[error("section {0} appears more than once")]
    DuplicateSection(u32),
    /// A value is inconsistent with the format or with this project's field (BN254 r).
    #[error("invalid content: {0}")]
    Invalid(String),
}

/// A parsed container: version and the sections in file order.
#[derive(Debug, Clone)]
pub struct BinFile<'a> {
    /// Format version from the header.
    pub version: u32,
    /// (section id, payload) in file order.
    pub sections: Vec<(u32, &'a [u8])>,
}

impl<'a> BinFile<'a> {
    /// Splits `bytes` into sections after checking the magic; bytes after the last declared
    /// section are an error (a file reads back exactly as written).
    pub fn parse(bytes: &'a [u8], magic: &[u8; 4]) -> Result<BinFile<'a>, FormatError> {
        let mut r = Reader::new(bytes);
        if r.bytes(4, "magic")? != magic {
            return Err(FormatError::BadMagic { expected: String::from_utf8_lossy(magic).into_owned() });
        }
        let version = r.u32("version")?;
        let count = r.u32("section count")?;
        let mut sections = Vec::new();
        for _ in 0..count {
            let id = r.u32("section id")?;
            let len = r.u64("section length")?;
            let len = usize::try_from(len).map_err(|_| FormatError::Truncated("section payload"))?;
            sections.push((id, r.bytes(len, "section payload")?));
        }
        if !r.is_empty() {
            return Err(FormatError::Invalid("trailing bytes after the last section".into()));
        }
        Ok(BinFile { version, sections })
    }

    /// The payload of the one section with this id.
    pub fn section(&self, id: u32) -> Result<&'a [u8], FormatError> {
        let mut found = self.sections.iter().filter(|(sid, _)| *sid == id);
        let (_, payload) = found.next().ok_or(FormatError::MissingSection(id))?;
        if found.next().is_some() {
            return Err(FormatError::DuplicateSection(id));
        }
        Ok(payload)
    }
}

/// A bounds-checked little-endian cursor over a byte slice.
#[derive(Debug, Clone)]
pub struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    /// A reader at the start of `buf`.
    pub fn new(buf: &'a [u8]) -> Reader<'a> {
        Reader { buf, pos: 0 }
    }

    /// The next `n` bytes; `what` names the field in the error.
    pub fn bytes(&mut self, n: usize, what: &'static str) -> Result<&'a [u8], FormatError> {
        let end = self.pos.checked_add(n).filter(|end| *end <= self.buf.len()).ok_or(FormatError::Truncated(what))?;
        let out = &self.buf[self.pos..end];
        self.pos = end;
        Ok(out)
    }

    /// The next little-endian u32.
    pub fn u32(&mut self, what: &'static str) -> Result<u32, FormatError> {
        Ok(u32::from_le_bytes(self.bytes(4, what)?.try_into().expect("4 bytes")))
    }

    /// The next little-endian u64.
    pub fn u64(&mut self, what: &'static str) -> Result<u64, FormatError> {
        Ok(u64::from_le_bytes(self.bytes(8, what)?.try_into().expect("8 bytes")))
    }

    /// The next 32-byte little-endian integer as a field element (must be below r).
    pub fn fr(&mut self, what: &'static str) -> Result<Fr, FormatError> {
        let bytes: &[u8; 32] = self.bytes(32, what)?.try_into().expect("32 bytes");
        fr_from_le_bytes(bytes).map_err(|_| FormatError::Invalid(format!("{what} is not below r")))
    }

    /// Whether every byte has been consumed.
    pub fn is_empty(&self) -> bool {
        self.pos == self.buf.len()
    }
}

/// Checks a header's field description: 32-byte elements of the BN254 scalar field.
pub fn expect_bn254_scalar_field(r: &mut Reader<'_>) -> Result<(), FormatError> {
    let n8 = r.u32("field size")?;
    if n8 != 32 {
        return Err(FormatError::Invalid(format!("field elements of {n8} bytes, expected 32")));
    }
    let prime = r.bytes(32, "prime")?;
    let mut expected = ark_ff::BigInteger::to_bytes_le(&<Fr as ark_ff::PrimeField>::MODULUS);
    expected.resize(32, 0);
    if prime != expected.as_slice() {
        return Err(FormatError::Invalid("prime is not the BN254 scalar modulus".into()));
    }
    Ok(())
}

/// Appends a section (id, u64 length, payload) to `out`.
pub fn write_section(out: &mut Vec<u8>, id: u32, payload: &[u8]) {
    out.extend_from_slice(&id.to_le_bytes());
    out.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    out.extend_from_slice(payload);
}

/// Writes the container header: magic, version, section count.
pub fn write_header(out: &mut Vec<u8>, magic: &[u8; 4], version: u32, sections: u32) {
    out.extend_from_slice(magic);
    out.extend_from_slice(&version.to_le_bytes());
    out.extend_from_slice(&sections.to_le_bytes());
}

/// The BN254 scalar field description (n8 = 32, then r little-endian) as headers write it.
pub fn bn254_scalar_field_header() -> Vec<u8> {
    let mut out = 32u32.to_le_bytes().to_vec();
    let mut prime = ark_ff::BigInteger::to_bytes_le(&<Fr as ark_ff::PrimeField>::MODULUS);
    prime.resize(32, 0);
    out.extend_from_slice(&prime);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_round_trips_and_bad_input_is_an_error() {
        let mut out = Vec::new();
        write_header(&mut out, b"test", 1, 2);
        write_section(&mut out, 1, &bn254_scalar_field_header());
        write_section(&mut out, 2, b"xyz");
        let file = BinFile::parse(&out, b"test").unwrap();
        assert_eq!(file.version, 1);
        expect_bn254_scalar_field(&mut Reader::new(file.section(1).unwrap())).unwrap();
        assert_eq!(file.section(2).unwrap(), b"xyz");
        assert_eq!(file.section(3), Err(FormatError::MissingSection(3)));
        assert!(matches!(BinFile::parse(&out, b"r1cs"), Err(FormatError::BadMagic { .. })));
        for cut in 0..out.len() {
            assert!(BinFile::parse(&out[..cut], b"test").is_err(), "cut at {cut}");
        }
        let mut trailing = out.clone();
        trailing.push(0);
        assert!(matches!(BinFile::parse(&trailing, b"test"), Err(FormatError::Invalid(_))));
        let mut huge = out.clone();
        huge[16..24].copy_from_slice(&u64::MAX.to_le_bytes());
        assert!(BinFile::parse(&huge, b"test").is_err());
    }
}
