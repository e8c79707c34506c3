//! Application messages (RFC 9750 §5.2): PrivateMessages of the current
//! epoch or a recent one, from members, never decrypted.

use mls_group::codec::Reader;
use mls_group::framing::{ContentType, WireFormat};
use mls_group::{CryptoProvider, MlsMessageBody, ProtocolVersion};

use crate::engine::DeliveryService;
use crate::error::DsError;
use crate::groups::Accepted;
use crate::ids::ClientId;
use crate::limits::Rate;
use crate::store::{GroupRecord, MessageKind, MessageRecord, RateKey, Store, Transaction, Write};

/// The header of a PrivateMessage, read in place.
struct PrivateHeader<'a> {
    group_id: &'a [u8],
    epoch: u64,
    content_type: ContentType,
}

/// Reads an `MLSMessage` holding a PrivateMessage in place: the same
/// checks as `MlsMessage::from_bytes` (`mls10`, every field well formed,
/// nothing left over; a PrivateMessage has no other limit) without
/// copying its fields. `None`: it is not one (the full decode says why).
fn private_header(bytes: &[u8]) -> Option<PrivateHeader<'_>> {
    let mut r = Reader::new(bytes);
    let version = ProtocolVersion(u16::from_be_bytes(r.read_array().ok()?));
    let wire_format = WireFormat(u16::from_be_bytes(r.read_array().ok()?));
    if version != ProtocolVersion::MLS10 || wire_format != WireFormat::PRIVATE_MESSAGE {
        return None;
    }
    let group_id = r.read_vector_bytes().ok()?;
    let epoch = u64::from_be_bytes(r.read_array().ok()?);
    let content_type = ContentType::from_code(r.read_u8().ok()?)?;
    r.read_vector_bytes().ok()?; // authenticated_data
    r.read_vector_bytes().ok()?; // encrypted_sender_data
    r.read_vector_bytes().ok()?; // ciphertext
    r.is_empty().then_some(PrivateHeader {
        group_id,
        epoch,
        content_type,
    })
}

impl<St: Store, C: CryptoProvider> DeliveryService<St, C> {
    /// Accepts an application message (a PrivateMessage, never decrypted)
    /// from a member, of the current epoch or one of the
    /// [`crate::Limits::application_past_epochs`] before it, and fans it
    /// out.
    pub fn send_application(
        &self,
        client: &ClientId,
        now: u64,
        message: &[u8],
    ) -> Result<Accepted, DsError> {
        if message.len() > self.config.limits.max_message_size {
            return Err(DsError::LimitExceeded("message size"));
        }
        let Some(pm) = private_header(message) else {
            // Not a well-formed PrivateMessage: the full decode names the
            // fault.
            let msg = self.decode(message)?;
            return Err(match &msg.body {
                MlsMessageBody::PrivateMessage(_) => DsError::Malformed("not an MLSMessage"),
                _ => DsError::WireFormat("application messages are PrivateMessages"),
            });
        };
        if pm.content_type != ContentType::Application {
            return Err(DsError::WireFormat("handshake messages are PublicMessages"));
        }
        let group_id = pm.group_id;
        let rates: [(RateKey, Rate); 2] = [self.client_rate(client), self.group_rate(group_id)];
        // One transaction: the rates are counted with the message.
        self.counted(&rates, now, |count| {
            self.with_retries(|| {
                let mut tx = self.store.begin()?;
                let (rec, member) = tx.group_and_member(group_id, client)?;
                let rec = rec.ok_or(DsError::UnknownGroup)?;
                if rec.frozen {
                    return Err(DsError::GroupFrozen);
                }
                if pm.epoch > rec.epoch {
                    return Err(DsError::FutureEpoch {
                        current: rec.epoch,
                        got: pm.epoch,
                    });
                }
                if rec.epoch - pm.epoch > self.config.limits.application_past_epochs {
                    return Err(DsError::EpochTooOld { current: rec.epoch });
                }
                match member {
                    Some(m) if m.until_seq.is_none() => {}
                    _ => return Err(DsError::NotAMember),
                }
                let seq = rec.next_seq;
                let epoch = rec.epoch;
                let expected = rec.version;
                let mut writes = Vec::with_capacity(3 + count.len());
                writes.push(Write::PutGroup {
                    record: GroupRecord {
                        version: expected + 1,
                        next_seq: seq + 1,
                        ..rec
                    },
                    expected_version: Some(expected),
                });
                writes.push(Write::AppendMessage(MessageRecord {
                    group_id: group_id.to_vec(),
                    seq,
                    epoch: pm.epoch,
                    kind: MessageKind::Application,
                    sender: Some(client.clone()),
                    message: message.to_vec(),
                    accepted_at: now,
                }));
                writes.push(Write::Touch {
                    group_id: group_id.to_vec(),
                    client: client.clone(),
                    cursor_to: 0,
                    now,
                });
                count.push_to(&mut writes);
                tx.commit(writes)?;
                Ok(Accepted { seq, epoch })
            })
        })
    }
}
