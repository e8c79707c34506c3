//! `transcript-hashes.json`: the transcript hashes and confirmation tag of
//! RFC 9420 §8.2 and §6.1.

use mls_codec::{decode_exact, Encode};
use mls_framing::{AuthenticatedContent, ContentType};
use mls_keyschedule::{
    confirmed_transcript_hash, interim_transcript_hash, verify_confirmation_tag,
};
use serde_json::Value;

use super::key_schedule::suite_of;
use crate::hexjson::{bytes, expect_eq};

/// The confirmation tag and both transcript hashes after the Commit.
pub fn check(case: &Value) -> Result<(), String> {
    let suite = suite_of(case)?;
    let encoded = bytes(case, "authenticated_content")?;
    let content: AuthenticatedContent =
        decode_exact(&encoded).map_err(|e| format!("authenticated_content: {e}"))?;
    let reencoded = content
        .to_bytes()
        .map_err(|e| format!("authenticated_content: {e}"))?;
    expect_eq("authenticated_content re-encoded", &reencoded, &encoded)?;
    if content.content.content_type() != ContentType::Commit {
        return Err("authenticated_content does not carry a Commit".into());
    }
    let confirmed_input = content
        .confirmed_transcript_hash_input()
        .map_err(|e| format!("ConfirmedTranscriptHashInput: {e}"))?;
    let tag = content
        .auth
        .confirmation_tag
        .as_deref()
        .ok_or("the Commit has no confirmation_tag")?;

    let confirmed = confirmed_transcript_hash(
        &suite,
        &bytes(case, "interim_transcript_hash_before")?,
        &confirmed_input,
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
