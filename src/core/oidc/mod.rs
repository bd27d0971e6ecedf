//! OpenID Connect: who logged in, proven. Pure rules: discovery documents, JWS and JWK, the
//! id_token's claims, and the profile.
//!
//! Nothing here holds state or touches the browser: the machine fetches the documents, asks
//! WebCrypto to verify with the key [`jwk::choose_key`] gives, and hands the texts in. Every
//! failure of the id_token is `invalid_id_token` with a description that names the check.

pub mod claims;
pub mod discovery;
pub mod jwk;
pub mod jws;
pub mod profile;

use crate::core::contract::ErrorCode;
use crate::core::error::OAuthError;
use crate::core::text::cat;

/// An `invalid_id_token` error: `id_token: ` then `what`. One function, so the prefix and the
/// error's construction exist once in the wasm.
pub(crate) fn refused(what: &[&str]) -> OAuthError {
    OAuthError::new(ErrorCode::InvalidIdToken, cat(&["id_token: ", &cat(what)]))
}

/// [`refused`] for one phrase: the list of one piece built here, not at each call.
pub(crate) fn refused_as(what: &str) -> OAuthError {
    refused(&[what])
}
