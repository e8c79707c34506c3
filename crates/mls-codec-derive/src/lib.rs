//! `#[derive(Encode, Decode)]` for the `mls_codec` traits.
//!
//! Use these through the `mls_codec` re-exports; the generated code refers
//! to `::mls_codec`.
//!
//! * Structs (named, tuple or unit) encode their fields in declaration
//!   order, like an RFC `struct { .. }`.
//! * Enums are `select` structures. The enum carries `#[codec(tag = uN)]`
//!   naming the discriminant type (`u8`, `u16`, `u32` or `u64`), and every
//!   variant carries `#[codec(tag = EXPR)]`, a constant expression of that
//!   type. A variant encodes as its tag and then its fields in order;
//!   decoding a tag no variant lists fails with
//!   `Error::UnknownDiscriminant`. Tags are compared in declaration order,
//!   so with duplicate tags the first variant wins.
//! * Type parameters get `Encode` / `Decode` bounds.
//!
//! ```
//! use mls_codec::{decode_exact, Decode, Encode};
//!
//! #[derive(Debug, PartialEq, Encode, Decode)]
//! struct ProposalType(pub u16);
//!
//! impl ProposalType {
//!     const ADD: Self = Self(1);
//! }
//!
//! #[derive(Debug, PartialEq, Encode, Decode)]
//! #[codec(tag = u16)]
//! enum Proposal {
//!     #[codec(tag = ProposalType::ADD.0)]
//!     Add { key_package: Vec<u8> },
//!     #[codec(tag = 3)]
//!     Remove(u32),
//! }
//!
//! let p = Proposal::Remove(9);
//! assert_eq!(p.to_bytes().unwrap(), [0, 3, 0, 0, 0, 9]);
//! assert_eq!(decode_exact::<Proposal>(&[0, 1, 1, 0xaa]).unwrap(), Proposal::Add { key_package: vec![0xaa] });
//! ```

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod attr;
mod decode;
mod encode;

use proc_macro::TokenStream;
use syn::{parse_macro_input, DeriveInput};

/// Derives `mls_codec::Encode` (see the crate documentation).
#[proc_macro_derive(Encode, attributes(codec))]
pub fn derive_encode(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    encode::expand(&input)
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}

/// Derives `mls_codec::Decode` (see the crate documentation).
#[proc_macro_derive(Decode, attributes(codec))]
pub fn derive_decode(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    decode::expand(&input)
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}

#[cfg(test)]
mod tests {
    use syn::{parse_quote, DeriveInput};

    fn encode_error(input: DeriveInput) -> String {
        crate::encode::expand(&input).unwrap_err().to_string()
    }

    fn decode_error(input: DeriveInput) -> String {
        crate::decode::expand(&input).unwrap_err().to_string()
    }

    #[test]
    fn enum_without_tag_type() {
        let input: DeriveInput = parse_quote! {
            enum E { #[codec(tag = 1)] A }
        };
        let msg = encode_error(input.clone());
        assert!(msg.contains("#[codec(tag = u16)]"), "{msg}");
        assert_eq!(decode_error(input), msg);
    }

    #[test]
    fn variants_without_tags_are_all_reported() {
        let input: DeriveInput = parse_quote! {
            #[codec(tag = u8)]
            enum E { A, #[codec(tag = 2)] B, C(u8) }
        };
        let err = crate::encode::expand(&input).unwrap_err();
        let messages: Vec<String> = err.into_iter().map(|e| e.to_string()).collect();
        assert_eq!(messages.len(), 2, "{messages:?}");
        assert!(messages[0].contains("variant `A`"), "{messages:?}");
        assert!(messages[1].contains("variant `C`"), "{messages:?}");
        assert!(messages[1].contains("u8 code point"), "{messages:?}");
    }

    #[test]
    fn bad_tag_type() {
        let input: DeriveInput = parse_quote! {
            #[codec(tag = i32)]
            enum E { #[codec(tag = 1)] A }
        };
        assert!(decode_error(input).contains("one of u8, u16, u32, u64"));
    }

    #[test]
    fn unknown_and_duplicate_keys() {
        let input: DeriveInput = parse_quote! {
            #[codec(tag = u8, length = 3)]
            enum E { #[codec(tag = 1)] A }
        };
        assert!(encode_error(input).contains("unknown #[codec(..)] key"));
        let input: DeriveInput = parse_quote! {
            #[codec(tag = u8)]
            #[codec(tag = u16)]
            enum E { #[codec(tag = 1)] A }
        };
        assert!(encode_error(input).contains("duplicate `tag`"));
    }

    #[test]
    fn codec_attributes_on_structs_and_fields() {
        let input: DeriveInput = parse_quote! {
            #[codec(tag = u8)]
            struct S { a: u8 }
        };
        assert!(encode_error(input).contains("not supported on structs"));
        let input: DeriveInput = parse_quote! {
            struct S { #[codec(tag = 1)] a: u8 }
        };
        assert!(decode_error(input).contains("not supported on fields"));
    }

    #[test]
    fn unions_are_rejected() {
        let input: DeriveInput = parse_quote! {
            union U { a: u8 }
        };
        assert!(encode_error(input.clone()).contains("unions"));
        assert!(decode_error(input).contains("unions"));
    }
}
