//! The limits of this crate's decoders (README "Resource limits").

/// Certificates in one X.509 credential's chain (RFC 9420 §5.3 sets no
/// bound). Far above real chains (a leaf, a few intermediates, a root);
/// low enough that a hostile credential of millions of empty
/// certificates cannot cost 24 bytes of memory per input byte: decoding
/// stops with `mls_codec::Error::TooManyElements` past it.
pub const MAX_CERTIFICATES_PER_CHAIN: usize = 32;
