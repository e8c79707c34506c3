//! The cipher suite registry (RFC 9420 §17.1) and its HPKE/signature parts.

use mls_codec::{Decode, Encode};

/// `uint16 CipherSuite` (RFC 9420 §5.1). An open newtype: unknown and GREASE
/// values decode and re-encode unchanged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Encode, Decode)]
pub struct CipherSuite(pub u16);

impl CipherSuite {
    /// 0x0001
    pub const MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519: Self = Self(0x0001);
    /// 0x0002
    pub const MLS_128_DHKEMP256_AES128GCM_SHA256_P256: Self = Self(0x0002);
    /// 0x0003
    pub const MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_ED25519: Self = Self(0x0003);
    /// 0x0004
    pub const MLS_256_DHKEMX448_AES256GCM_SHA512_ED448: Self = Self(0x0004);
    /// 0x0005
    pub const MLS_256_DHKEMP521_AES256GCM_SHA512_P521: Self = Self(0x0005);
    /// 0x0006
    pub const MLS_256_DHKEMX448_CHACHA20POLY1305_SHA512_ED448: Self = Self(0x0006);
    /// 0x0007
    pub const MLS_256_DHKEMP384_AES256GCM_SHA384_P384: Self = Self(0x0007);

    /// The seven suites defined by RFC 9420.
    pub const ALL_RFC: [Self; 7] = [
        Self(1),
        Self(2),
        Self(3),
        Self(4),
        Self(5),
        Self(6),
        Self(7),
    ];

    /// Whether this is one of the GREASE values 0x?A?A (RFC 9420 §13.5).
    pub const fn is_grease(self) -> bool {
        self.0 & 0x0f0f == 0x0a0a
    }

    /// The HPKE KEM, KDF, AEAD and signature scheme of an RFC 9420 suite
    /// (the table in §17.1), or `None` for any other value.
    pub const fn components(self) -> Option<(KemId, KdfId, AeadId, SignatureScheme)> {
        Some(match self.0 {
            1 => (
                KemId::DHKEM_X25519_SHA256,
                KdfId::HKDF_SHA256,
                AeadId::AES_128_GCM,
                SignatureScheme::ED25519,
            ),
            2 => (
                KemId::DHKEM_P256_SHA256,
                KdfId::HKDF_SHA256,
                AeadId::AES_128_GCM,
                SignatureScheme::ECDSA_SECP256R1_SHA256,
            ),
            3 => (
                KemId::DHKEM_X25519_SHA256,
                KdfId::HKDF_SHA256,
                AeadId::CHACHA20_POLY1305,
                SignatureScheme::ED25519,
            ),
            4 => (
                KemId::DHKEM_X448_SHA512,
                KdfId::HKDF_SHA512,
                AeadId::AES_256_GCM,
                SignatureScheme::ED448,
            ),
            5 => (
                KemId::DHKEM_P521_SHA512,
                KdfId::HKDF_SHA512,
                AeadId::AES_256_GCM,
                SignatureScheme::ECDSA_SECP521R1_SHA512,
            ),
            6 => (
                KemId::DHKEM_X448_SHA512,
                KdfId::HKDF_SHA512,
                AeadId::CHACHA20_POLY1305,
                SignatureScheme::ED448,
            ),
            7 => (
                KemId::DHKEM_P384_SHA384,
                KdfId::HKDF_SHA384,
                AeadId::AES_256_GCM,
                SignatureScheme::ECDSA_SECP384R1_SHA384,
            ),
            _ => return None,
        })
    }
}

impl core::fmt::Display for CipherSuite {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// An HPKE KEM identifier (RFC 9180 §7.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct KemId(pub u16);

impl KemId {
    /// DHKEM(P-256, HKDF-SHA256)
    pub const DHKEM_P256_SHA256: Self = Self(0x0010);
    /// DHKEM(P-384, HKDF-SHA384)
    pub const DHKEM_P384_SHA384: Self = Self(0x0011);
    /// DHKEM(P-521, HKDF-SHA512)
    pub const DHKEM_P521_SHA512: Self = Self(0x0012);
    /// DHKEM(X25519, HKDF-SHA256)
    pub const DHKEM_X25519_SHA256: Self = Self(0x0020);
    /// DHKEM(X448, HKDF-SHA512)
    pub const DHKEM_X448_SHA512: Self = Self(0x0021);
}

/// An HPKE KDF identifier (RFC 9180 §7.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct KdfId(pub u16);

impl KdfId {
    /// HKDF-SHA256
    pub const HKDF_SHA256: Self = Self(0x0001);
    /// HKDF-SHA384
    pub const HKDF_SHA384: Self = Self(0x0002);
    /// HKDF-SHA512
    pub const HKDF_SHA512: Self = Self(0x0003);
}

/// An HPKE AEAD identifier (RFC 9180 §7.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AeadId(pub u16);

impl AeadId {
    /// AES-128-GCM
    pub const AES_128_GCM: Self = Self(0x0001);
    /// AES-256-GCM
    pub const AES_256_GCM: Self = Self(0x0002);
    /// ChaCha20-Poly1305
    pub const CHACHA20_POLY1305: Self = Self(0x0003);
}

/// A TLS `SignatureScheme` (RFC 8446 §4.2.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SignatureScheme(pub u16);

impl SignatureScheme {
    /// ecdsa_secp256r1_sha256
    pub const ECDSA_SECP256R1_SHA256: Self = Self(0x0403);
    /// ecdsa_secp384r1_sha384
    pub const ECDSA_SECP384R1_SHA384: Self = Self(0x0503);
    /// ecdsa_secp521r1_sha512
    pub const ECDSA_SECP521R1_SHA512: Self = Self(0x0603);
    /// ed25519
    pub const ED25519: Self = Self(0x0807);
    /// ed448
    pub const ED448: Self = Self(0x0808);
}
