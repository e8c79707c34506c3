//! Application messages (RFC 9750 §5.2): PrivateMessages of the current
//! epoch or a recent one, from members, never decrypted.

use mls_group::framing::ContentType;
use mls_group::{CryptoProvider, MlsMessageBody};

use crate::engine::DeliveryService;
use crate::error::DsError;
use crate::groups::{touch, Accepted};
use crate::ids::ClientId;
use crate::store::{GroupRecord, MessageKind, MessageRecord, Store, Transaction, Write};

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
        let msg = self.decode(message)?;
        let MlsMessageBody::PrivateMessage(pm) = &msg.body else {
            return Err(DsError::WireFormat(
                "application messages are PrivateMessages",
            ));
        };
        if pm.content_type != ContentType::Application {
            return Err(DsError::WireFormat("handshake messages are PublicMessages"));
        }
        let group_id = pm.group_id.clone();
        let rates = [self.client_rate(client), self.group_rate(&group_id)];
        // One transaction: the rates are counted with the message.
        self.counted(&rates, now, |count| {
            self.with_retries(|| {
                let mut tx = self.store.begin()?;
                let rec = self.open_group(&mut tx, &group_id)?;
                if pm.epoch > rec.epoch {
                    return Err(DsError::FutureEpoch {
                        current: rec.epoch,
                        got: pm.epoch,
                    });
                }
                if rec.epoch - pm.epoch > self.config.limits.application_past_epochs {
                    return Err(DsError::EpochTooOld { current: rec.epoch });
                }
                match tx.member(&group_id, client)? {
                    Some(m) if m.until_seq.is_none() => {}
                    _ => return Err(DsError::NotAMember),
                }
                let seq = rec.next_seq;
                let mut writes = vec![
                    Write::PutGroup {
                        record: GroupRecord {
                            version: rec.version + 1,
                            next_seq: seq + 1,
                            ..rec.clone()
                        },
                        expected_version: Some(rec.version),
                    },
                    Write::AppendMessage(MessageRecord {
                        group_id: group_id.clone(),
                        seq,
                        epoch: pm.epoch,
                        kind: MessageKind::Application,
                        sender: Some(client.clone()),
                        message: message.to_vec(),
                        accepted_at: now,
                    }),
                    touch(&group_id, client, 0, now),
                ];
                writes.extend_from_slice(count);
                tx.commit(writes)?;
                Ok(Accepted {
                    seq,
                    epoch: rec.epoch,
                })
            })
        })
    }
}
