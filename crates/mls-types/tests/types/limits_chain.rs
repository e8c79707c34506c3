//! A credential's X.509 chain is bounded while decoding.

use mls_codec::{decode_exact, Encode, Error};
use mls_types::limits::MAX_CERTIFICATES_PER_CHAIN;
use mls_types::{Certificate, Credential};

fn chain(n: usize) -> Credential {
    Credential::X509(
        (0..n)
            .map(|i| Certificate {
                cert_data: vec![i as u8; 3],
            })
            .collect(),
    )
}

#[test]
fn a_chain_at_the_limit_decodes_and_one_more_is_refused() {
    let ok = chain(MAX_CERTIFICATES_PER_CHAIN);
    assert_eq!(decode_exact::<Credential>(&ok.to_bytes().unwrap()), Ok(ok));
    let long = chain(MAX_CERTIFICATES_PER_CHAIN + 1).to_bytes().unwrap();
    assert_eq!(
        decode_exact::<Credential>(&long),
        Err(Error::TooManyElements {
            max: MAX_CERTIFICATES_PER_CHAIN
        })
    );
}
