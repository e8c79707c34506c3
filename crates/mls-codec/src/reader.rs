//! A bounds-checked cursor over input bytes.

use crate::error::Error;

/// A cursor over a byte slice that decoders read from.
///
/// Every read is bounds-checked and fails with an [`Error`] instead of
/// panicking.
///
/// # Example
///
/// ```
/// use mls_codec::{Error, Reader};
///
/// let mut r = Reader::new(&[0x01, 0x02, 0x03, 0x04]);
/// assert_eq!(r.read_u8(), Ok(1));
/// assert_eq!(r.read_array::<2>(), Ok([2, 3]));
/// assert_eq!(r.position(), 3);
/// assert_eq!(r.read_bytes(2), Err(Error::Truncated { needed: 2, remaining: 1 }));
/// assert_eq!(r.rest(), &[0x04]);
/// ```
#[derive(Debug, Clone)]
pub struct Reader<'a> {
    bytes: &'a [u8],
    position: usize,
}

impl<'a> Reader<'a> {
    /// Creates a reader positioned at the start of `bytes`.
    pub fn new(bytes: &'a [u8]) -> Self {
        Reader { bytes, position: 0 }
    }

    /// The number of bytes not yet read.
    pub fn remaining(&self) -> usize {
        self.rest().len()
    }

    /// Whether every byte has been read.
    pub fn is_empty(&self) -> bool {
        self.remaining() == 0
    }

    /// The number of bytes read so far.
    pub fn position(&self) -> usize {
        self.position
    }

    /// The bytes not yet read, without consuming them.
    pub fn rest(&self) -> &'a [u8] {
        self.bytes.get(self.position..).unwrap_or(&[])
    }

    /// Reads one byte.
    pub fn read_u8(&mut self) -> Result<u8, Error> {
        let [b] = self.read_array::<1>()?;
        Ok(b)
    }

    /// Reads exactly `N` bytes into an array.
    pub fn read_array<const N: usize>(&mut self) -> Result<[u8; N], Error> {
        let bytes = self.read_bytes(N)?;
        let mut out = [0u8; N];
        out.copy_from_slice(bytes);
        Ok(out)
    }

    /// Reads the next `n` bytes, borrowing them from the input.
    ///
    /// Fails with [`Error::Truncated`] if fewer than `n` bytes remain; nothing
    /// is consumed then.
    pub fn read_bytes(&mut self, n: usize) -> Result<&'a [u8], Error> {
        let rest = self.rest();
        match rest.get(..n) {
            Some(bytes) => {
                self.position = self.position.saturating_add(n);
                Ok(bytes)
            }
            None => Err(Error::Truncated {
                needed: n,
                remaining: rest.len(),
            }),
        }
    }

    /// Reads an MLS variable-length integer (RFC 9420 §2.1.2).
    ///
    /// Rejects the reserved prefix `0b11` ([`Error::VarintReservedPrefix`])
    /// and encodings longer than needed ([`Error::VarintNotMinimal`]).
    pub fn read_varint(&mut self) -> Result<u32, Error> {
        crate::varint::read_varint(self)
    }

    /// Reads a variable-length integer byte count and then that many bytes:
    /// the wire form of `opaque x<V>`.
    ///
    /// Fails with [`Error::LengthExceedsInput`] if the count is larger than
    /// the input left after it.
    pub fn read_vector_bytes(&mut self) -> Result<&'a [u8], Error> {
        let length = self.read_vector_length()?;
        self.read_bytes(length)
    }

    /// Splits off the next `n` bytes as a reader of their own and skips them
    /// in `self`.
    ///
    /// Fails with [`Error::Truncated`] if fewer than `n` bytes remain.
    pub fn sub_reader(&mut self, n: usize) -> Result<Reader<'a>, Error> {
        self.read_bytes(n).map(Reader::new)
    }

    /// Reads a vector length prefix and checks it against the remaining input.
    pub(crate) fn read_vector_length(&mut self) -> Result<usize, Error> {
        // u32 -> usize: lossless on every target with at least 32-bit pointers;
        // saturate elsewhere so the check below rejects it.
        let length = usize::try_from(self.read_varint()?).unwrap_or(usize::MAX);
        let remaining = self.remaining();
        if length > remaining {
            return Err(Error::LengthExceedsInput { length, remaining });
        }
        Ok(length)
    }
}
