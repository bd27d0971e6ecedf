//! Proof Key for Code Exchange (RFC 7636), `S256` only.
//!
//! `plain` is deliberately unsupported: it protects nothing against an attacker who
//! can read the authorization request, and RFC 9700 2.1.1 tells clients not to use it.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use sha2::{Digest, Sha256};

/// The only supported `code_challenge_method`.
pub const S256: &str = "S256";

/// Whether `value` has the shape RFC 7636 4.1 requires of a `code_verifier` (and, for
/// `S256`, section 4.2 implies of a `code_challenge`): 43 to 128 characters of the
/// unreserved set `[A-Za-z0-9-._~]`.
pub fn is_well_formed(value: &str) -> bool {
    (43..=128).contains(&value.len())
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

/// `BASE64URL-ENCODE(SHA256(ASCII(code_verifier)))`, without padding (RFC 7636 4.2).
pub fn s256_challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// Whether `verifier` is well formed and hashes to `challenge` (RFC 7636 4.6).
pub fn verify(verifier: &str, challenge: &str) -> bool {
    is_well_formed(verifier) && constant_time_eq(&s256_challenge(verifier), challenge)
}

/// Compares without an early exit, so timing says nothing about how much matched.
pub fn constant_time_eq(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 7636 Appendix B, from its 32 octets to the challenge.
    #[test]
    fn rfc7636_appendix_b_example() {
        let octets = [
            116, 24, 223, 180, 151, 153, 224, 37, 79, 250, 96, 125, 216, 173, 187, 186, 22, 212,
            37, 77, 105, 214, 191, 240, 91, 88, 5, 88, 83, 132, 141, 121,
        ];
        let verifier = URL_SAFE_NO_PAD.encode(octets);
        assert_eq!(verifier, "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");
        let challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
        assert_eq!(s256_challenge(&verifier), challenge);
        assert!(verify(&verifier, challenge));
        assert!(!verify(
            "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXl",
            challenge
        ));
    }

    /// A pair often quoted as the RFC's example is not a valid pair at all (both
    /// strings differ from Appendix B); the provider must refuse it.
    #[test]
    fn misquoted_example_pair_does_not_verify() {
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW-gFWOpjWzM";
        let challenge = "E9Melz8V2VbW6J9f5chSxxBRS9q-ydBPHWkfvjTmXtE";
        assert_eq!(
            s256_challenge(verifier),
            "u1RY0crcFSXpE4b1r3MsAaCg444T1vVyYUNiCCFdZL8"
        );
        assert!(!verify(verifier, challenge));
    }

    #[test]
    fn shape_rules() {
        assert!(is_well_formed(&"a".repeat(43)));
        assert!(is_well_formed(&"A-._~9z".repeat(20)[..128]));
        assert!(!is_well_formed(&"a".repeat(42)));
        assert!(!is_well_formed(&"a".repeat(129)));
        assert!(!is_well_formed(&format!("{}+", "a".repeat(42))));
        assert!(!is_well_formed(&format!("{}=", "a".repeat(42))));
        assert!(!is_well_formed(&format!("{}é", "a".repeat(41))));
        // A short verifier is refused even if the challenge was computed from it.
        assert!(!verify("short", &s256_challenge("short")));
    }

    #[test]
    fn equality() {
        assert!(constant_time_eq("abc", "abc"));
        assert!(!constant_time_eq("abc", "abd"));
        assert!(!constant_time_eq("abc", "ab"));
    }
}
