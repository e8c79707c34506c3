//! PreSharedKey proposals (RFC 9420 §8.4, §12.1.4).

use mls_crypto::{CipherSuiteProvider, Rng};
use mls_framing::{PreSharedKey, Proposal};
use mls_keyschedule::{PreSharedKeyID, Psk, ResumptionPskUsage};

use crate::{Group, GroupError};

impl<S: CipherSuiteProvider> Group<S> {
    /// A PreSharedKey proposal for the external PSK `psk_id` with a fresh
    /// nonce. Every member must hold the PSK
    /// ([`Group::insert_external_psk`]).
    ///
    /// ```
    /// # use mls_group::*;
    /// # let suite = RustCrypto.cipher_suite_provider(CipherSuite(1)).unwrap();
    /// # let a = ClientIdentity::generate(&suite, Credential::Basic(b"a".to_vec()), &mut OsRng).unwrap();
    /// let mut group = Group::create(suite, a, b"g".to_vec(), vec![], GroupConfig::default(), &mut OsRng).unwrap();
    /// group.insert_external_psk(b"psk".to_vec(), Secret::from(vec![7; 32]));
    /// let p = group.external_psk_proposal(b"psk", &mut OsRng).unwrap();
    /// group.commit(vec![p], &CommitOptions::default(), &mut OsRng).unwrap();
    /// group.merge_pending_commit().unwrap();
    /// assert_eq!(group.epoch(), 1);
    /// ```
    pub fn external_psk_proposal(
        &self,
        psk_id: &[u8],
        rng: &mut dyn Rng,
    ) -> Result<Proposal, GroupError> {
        let id = PreSharedKeyID::new(
            &self.public.suite,
            Psk::External {
                psk_id: psk_id.to_vec(),
            },
            rng,
        )?;
        Ok(Proposal::PreSharedKey(PreSharedKey { psk: id }))
    }

    /// A PreSharedKey proposal for this group's resumption PSK of `epoch`
    /// (usage `application`), which must still be retained
    /// ([`crate::GroupConfig::max_resumption_psks`]).
    pub fn resumption_psk_proposal(
        &self,
        epoch: u64,
        rng: &mut dyn Rng,
    ) -> Result<Proposal, GroupError> {
        if self.resumption_psk_at(epoch).is_none() {
            return Err(GroupError::MissingPsk);
        }
        let id = PreSharedKeyID::new(
            &self.public.suite,
            Psk::Resumption {
                usage: ResumptionPskUsage::APPLICATION,
                psk_group_id: self.public.context.group_id.clone(),
                psk_epoch: epoch,
            },
            rng,
        )?;
        Ok(Proposal::PreSharedKey(PreSharedKey { psk: id }))
    }
}
