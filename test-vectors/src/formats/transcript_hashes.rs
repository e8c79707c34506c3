//! `transcript-hashes.json`: the transcript hashes and confirmation tag of
//! RFC 9420 §8.2 and §6.1.

use mls_codec::{write_varint, Reader};
use mls_crypto::CipherSuiteProvider;
use mls_keyschedule::{
    confirmed_transcript_hash, interim_transcript_hash, verify_confirmation_tag,
};
use serde_json::Value;

use super::key_schedule::suite_of;
use crate::hexjson::{bytes, expect_eq};

/// `ContentType commit` (RFC 9420 §6).
const CONTENT_TYPE_COMMIT: u8 = 3;

/// The confirmation tag and both transcript hashes after the Commit.
pub fn check(case: &Value) -> Result<(), String> {
    let suite = suite_of(case)?;
    let content = bytes(case, "authenticated_content")?;
    let (confirmed_input, tag) = split_authenticated_content(&content, suite.hash_len())?;
    if content_type(confirmed_input)? != CONTENT_TYPE_COMMIT {
        return Err("authenticated_content does not carry a Commit".into());
    }

    let confirmed = confirmed_transcript_hash(
        &suite,
        &bytes(case, "interim_transcript_hash_before")?,
        confirmed_input,
    );
    expect_eq(
        "confirmed_transcript_hash_after",
        &confirmed,
        &bytes(case, "confirmed_transcript_hash_after")?,
    )?;
    verify_confirmation_tag(&suite, &bytes(case, "confirmation_key")?, &confirmed, tag)
        .map_err(|e| format!("confirmation_tag: {e}"))?;
    let interim = interim_transcript_hash(&suite, &confirmed, tag).map_err(|e| e.to_string())?;
    expect_eq(
        "interim_transcript_hash_after",
        &interim,
        &bytes(case, "interim_transcript_hash_after")?,
    )
}

/// Split an encoded AuthenticatedContent of a Commit into its
/// ConfirmedTranscriptHashInput (wire_format, content, signature) and the
/// trailing `confirmation_tag` (`opaque MAC<V>` of `tag_len` bytes).
///
/// No framing crate exists yet: this checks that the content ends in
/// `varint(tag_len) || tag` and takes the prefix. The framing issue will
/// replace it with a real decode of AuthenticatedContent.
fn split_authenticated_content(content: &[u8], tag_len: usize) -> Result<(&[u8], &[u8]), String> {
    let mut prefix = Vec::new();
    write_varint(tag_len, &mut prefix).map_err(|e| e.to_string())?;
    let tail = prefix.len() + tag_len;
    let split = content
        .len()
        .checked_sub(tail)
        .ok_or("authenticated_content is shorter than a confirmation tag")?;
    let (input, rest) = content.split_at(split);
    let (len, tag) = rest.split_at(prefix.len());
    if len != prefix.as_slice() {
        return Err("authenticated_content does not end in a KDF.Nh-byte confirmation_tag".into());
    }
    Ok((input, tag))
}

/// The `content_type` of the FramedContent inside a ConfirmedTranscriptHashInput
/// (also temporary, until the framing crate decodes it).
fn content_type(input: &[u8]) -> Result<u8, String> {
    let parse = || -> Result<u8, mls_codec::Error> {
        let mut r = Reader::new(input);
        r.read_array::<2>()?; // wire_format
        r.read_vector_bytes()?; // group_id
        r.read_array::<8>()?; // epoch
        match r.read_u8()? {
            1 | 2 => {
                r.read_array::<4>()?; // leaf_index / sender_index
            }
            3 | 4 => {}
            _ => return Err(mls_codec::Error::InvalidValue),
        }
        r.read_vector_bytes()?; // authenticated_data
        r.read_u8()
    };
    parse().map_err(|e| format!("authenticated_content: {e}"))
}
