//! A compact JWS (RFC 7515 section 7.1) read for verification: its header's algorithm and key
//! id, the exact bytes that were signed, the signature, and the payload's JSON text.
//!
//! The signature itself is checked by the browser's WebCrypto with the parameters
//! [`Alg::webcrypto`] gives; nothing here trusts the token's own word about keys (`jwk`, `jku`,
//! `x5u` and `x5c` in the header are ignored: the key comes from the issuer's key set).

use super::{refused, refused_as};
use crate::core::error::OAuthError;
use crate::core::json::{self, Value};
use crate::core::text::{from_base64url, split_once, utf8};

/// The signature algorithms accepted (RFC 7518 section 3, RFC 8037 section 3.1). `none` and
/// the HMAC ones are refused: a public client holds no shared secret worth trusting, and `none`
/// proves nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Alg {
    /// RSASSA-PKCS1-v1_5 with SHA-256.
    RS256,
    /// RSASSA-PSS with SHA-256 and MGF1 with SHA-256.
    PS256,
    /// ECDSA with P-256 and SHA-256.
    ES256,
    /// EdDSA with Ed25519 (`EdDSA`, or RFC 9864's fully specified `Ed25519`).
    EdDSA,
}

impl Alg {
    /// The algorithm a JOSE `alg` names, if accepted. `EdDSA` and `Ed25519` are the same one
    /// here: Ed25519 is the only EdDSA curve WebCrypto verifies. (`jwk::why_unfit` matches a
    /// key's `alg` against the same names.)
    #[inline(always)]
    pub fn parse(name: &str) -> Option<Alg> {
        match name {
            "RS256" => Some(Alg::RS256),
            "PS256" => Some(Alg::PS256),
            "ES256" => Some(Alg::ES256),
            "EdDSA" | "Ed25519" => Some(Alg::EdDSA),
            _ => None,
        }
    }

    /// The JOSE name.
    pub fn name(self) -> &'static str {
        match self {
            Alg::RS256 => "RS256",
            Alg::PS256 => "PS256",
            Alg::ES256 => "ES256",
            Alg::EdDSA => "EdDSA",
        }
    }

    /// WebCrypto's parameters as JSON text: the `importKey` algorithm, then the `verify` one.
    pub fn webcrypto(self) -> (&'static str, &'static str) {
        match self {
            Alg::RS256 => (
                r#"{"name":"RSASSA-PKCS1-v1_5","hash":"SHA-256"}"#,
                r#"{"name":"RSASSA-PKCS1-v1_5"}"#,
            ),
            // RFC 7518 3.5: the salt is as long as the hash.
            Alg::PS256 => (
                r#"{"name":"RSA-PSS","hash":"SHA-256"}"#,
                r#"{"name":"RSA-PSS","saltLength":32}"#,
            ),
            Alg::ES256 => (
                r#"{"name":"ECDSA","namedCurve":"P-256"}"#,
                r#"{"name":"ECDSA","hash":"SHA-256"}"#,
            ),
            Alg::EdDSA => (r#"{"name":"Ed25519"}"#, r#"{"name":"Ed25519"}"#),
        }
    }

    /// The WebCrypto digest whose left half is `at_hash` (OpenID Connect Core 3.1.3.6: the
    /// hash of the signature algorithm). Ed25519 signs with SHA-512, as the OpenID Connect
    /// working group settled (its issue 1125).
    pub fn at_hash_digest(self) -> &'static str {
        if self == Alg::EdDSA {
            "SHA-512"
        } else {
            "SHA-256"
        }
    }

    /// The signature lengths in bytes that can verify: an RSA one is as long as the modulus,
    /// 2048 bits (RFC 7518 3.3's minimum) to 8192; ES256 is r||s (RFC 7518 3.4) and Ed25519
    /// 64 bytes, exactly what WebCrypto takes.
    fn signature_bytes(self) -> (usize, usize) {
        match self {
            Alg::RS256 | Alg::PS256 => (256, 1024),
            Alg::ES256 | Alg::EdDSA => (64, 64),
        }
    }
}

/// A compact JWS, read but not yet verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Jws<'a> {
    /// The header's `alg`.
    pub alg: Alg,
    /// The header's `kid`, if any.
    pub kid: Option<String>,
    /// `BASE64URL(header) '.' BASE64URL(payload)` as sent: the bytes the signature covers
    /// (RFC 7515 section 5.2).
    pub signing_input: &'a str,
    /// The signature's bytes.
    pub signature: Vec<u8>,
    /// The payload: a JSON object's text (the claims).
    pub claims: String,
}

/// Reads the compact JWS `compact`: exactly three unpadded base64url parts, a header that is a
/// JSON object with a string `alg` that is accepted, an optional string `kid` and no `crit`, a
/// payload that is a JSON object, and a signature whose length the algorithm allows. Every
/// failure is `invalid_id_token`.
pub fn read_jws(compact: &str) -> Result<Jws<'_>, OAuthError> {
    // Each fixed refusal leaves the block with its text, made an error in one place below.
    let why = 'fixed: {
        let Some((header, payload, signing_input, signature)) = parts(compact) else {
            break 'fixed "not a compact JWS (three base64url parts)";
        };
        // Read once, as an object: a part that does not decode reads as empty text, no JSON.
        let header = decoded(header);
        let Some(header @ Value::Object(_)) = &json::parse(&header) else {
            break 'fixed "the header is not a JSON object";
        };
        // A member given twice reads as absent (the JSON reader's rule): a doubled `alg` is
        // then refused, a doubled `kid` names no key. `crit` is refused however often it occurs.
        if header.any_is("crit", None) {
            break 'fixed "the header's `crit` is refused";
        }
        let alg = match header.str_of("alg") {
            Some(name) => Alg::parse(&name).ok_or_else(|| {
                refused(&[
                    "algorithm `",
                    &name,
                    "` is refused (only RS256, PS256, ES256, EdDSA)",
                ])
            })?,
            _ => break 'fixed "the header has no `alg` string",
        };
        if !matches!(header.get("kid"), None | Some(Value::Str(_))) {
            break 'fixed "the header's `kid` is not a string";
        }
        let (min, max) = alg.signature_bytes();
        if signature.len() < min || signature.len() > max {
            return Err(refused(&[
                "the signature's length does not fit ",
                alg.name(),
            ]));
        }
        // As the header: text that does not decode reads as empty, no JSON.
        let claims = decoded(payload);
        let Some(Value::Object(_)) = json::parse(&claims) else {
            break 'fixed "the payload is not a JSON object";
        };
        return Ok(Jws {
            alg,
            kid: header.str_of("kid"),
            signing_input,
            signature,
            claims,
        });
    };
    Err(refused_as(why))
}

/// A compact JWS's header and payload (still encoded), the signing input, and the signature's
/// bytes; `None` unless there are exactly three parts and the signature is base64url.
fn parts(compact: &str) -> Option<(&str, &str, &str, Vec<u8>)> {
    let (header, rest) = split_once(compact, b'.')?;
    let (payload, signature) = split_once(rest, b'.')?;
    let signing_input = compact.get(..header.len() + 1 + payload.len())?;
    // A third `.` leaves one in `signature`, which is not base64url: `from_base64url` refuses it.
    Some((header, payload, signing_input, from_base64url(signature)?))
}

/// The text a base64url part decodes to, if it is UTF-8; else empty text (no JSON): made empty
/// here, once, not at each of the two calls.
fn decoded(part: &str) -> String {
    from_base64url(part)
        .and_then(|bytes| utf8(&bytes))
        .unwrap_or_default()
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use crate::core::contract::ErrorCode;
    use crate::core::text::base64url;
    use proptest::prelude::*;
    use sha2::{Digest, Sha256};

    /// RFC 7515 A.1: HS256.
    const A1: &str = "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    /// RFC 7515 A.1's key (the `k` of its JWK).
    const A1_KEY: &str =
        "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow";
    /// The payload of RFC 7515 A.1 to A.3, base64url.
    const PAYLOAD: &str = "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ";
    /// RFC 7515 A.2: RS256.
    const A2_SIGNATURE: &str = "cC4hiUPoj9Eetdgtv3hF80EGrhuB__dzERat0XF9g2VtQgr9PJbu3XOiZj5RZmh7AAuHIm4Bh-0Qc_lF5YKt_O8W2Fp5jujGbds9uJdbF9CUAr7t1dnZcAcQjbKBYNX4BAynRFdiuB--f_nZLgrnbyTyWzO75vRK5h6xBArLIARNPvkSjtQBMHlb1L07Qe7K0GarZRmB_eSN9383LcOLn6_dO--xi12jzDwusC-eOkHWEsqtFZESc6BfI7noOPqvhJ1phCnvWh6IeYI2w9QOYEUipUTI8np6LbgGY9Fs98rqVt5AXLIhWkWywlVmtVrBp0igcN_IoypGlUPQGe77Rw";
    /// RFC 7515 A.3: ES256.
    const A3_SIGNATURE: &str =
        "DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q";
    /// RFC 8037 A.4: EdDSA over the text "Example of Ed25519 signing".
    const RFC8037_A4: &str = "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc.hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg";

    fn text(part: &str) -> String {
        String::from_utf8(from_base64url(part).unwrap()).unwrap()
    }

    fn message(compact: &str) -> String {
        let error = read_jws(compact).unwrap_err();
        assert_eq!(error.code, ErrorCode::InvalidIdToken);
        error.description.clone()
    }

    fn hmac_sha256(key: &[u8], data: &[u8]) -> Vec<u8> {
        let mut block = [0u8; 64];
        block[..key.len()].copy_from_slice(key);
        let pad = |byte: u8| block.iter().map(|b| b ^ byte).collect::<Vec<_>>();
        let inner = Sha256::new()
            .chain_update(pad(0x36))
            .chain_update(data)
            .finalize();
        Sha256::new()
            .chain_update(pad(0x5c))
            .chain_update(inner)
            .finalize()
            .to_vec()
    }

    #[test]
    fn rfc_7515_parts_decode_as_printed() {
        let (header, rest) = A1.split_once('.').unwrap();
        let (payload, signature) = rest.split_once('.').unwrap();
        assert_eq!(text(header), "{\"typ\":\"JWT\",\r\n \"alg\":\"HS256\"}");
        assert_eq!(payload, PAYLOAD);
        assert_eq!(
            text(PAYLOAD),
            "{\"iss\":\"joe\",\r\n \"exp\":1300819380,\r\n \"http://example.com/is_root\":true}"
        );
        // The A.1 vectors hold together: its key signs its signing input into its signature.
        let key = from_base64url(A1_KEY).unwrap();
        let input = &A1[..header.len() + 1 + payload.len()];
        assert_eq!(base64url(&hmac_sha256(&key, input.as_bytes())), signature);
        assert_eq!(text("eyJhbGciOiJSUzI1NiJ9"), r#"{"alg":"RS256"}"#);
        assert_eq!(text("eyJhbGciOiJFUzI1NiJ9"), r#"{"alg":"ES256"}"#);
        assert_eq!(text("eyJhbGciOiJFZERTQSJ9"), r#"{"alg":"EdDSA"}"#);
        assert_eq!(
            text("RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc"),
            "Example of Ed25519 signing"
        );
    }

    #[test]
    fn rfc_7515_a1_hs256_is_refused() {
        assert_eq!(
            message(A1),
            "id_token: algorithm `HS256` is refused (only RS256, PS256, ES256, EdDSA)"
        );
    }

    #[test]
    fn rfc_7515_a2_rs256_reads() {
        let compact = format!("eyJhbGciOiJSUzI1NiJ9.{PAYLOAD}.{A2_SIGNATURE}");
        let jws = read_jws(&compact).unwrap();
        assert_eq!(jws.alg, Alg::RS256);
        assert_eq!(jws.kid, None);
        assert_eq!(jws.signing_input, format!("eyJhbGciOiJSUzI1NiJ9.{PAYLOAD}"));
        assert_eq!(jws.signature.len(), 256);
        assert_eq!(jws.signature, from_base64url(A2_SIGNATURE).unwrap());
        assert_eq!(jws.claims, text(PAYLOAD));
    }

    #[test]
    fn rfc_7515_a3_es256_reads() {
        let compact = format!("eyJhbGciOiJFUzI1NiJ9.{PAYLOAD}.{A3_SIGNATURE}");
        let jws = read_jws(&compact).unwrap();
        assert_eq!(jws.alg, Alg::ES256);
        assert_eq!(jws.signing_input, format!("eyJhbGciOiJFUzI1NiJ9.{PAYLOAD}"));
        assert_eq!(jws.signature.len(), 64);
        assert_eq!(base64url(&jws.signature), A3_SIGNATURE);
        // An ASN.1 DER signature (what some libraries emit) is not r||s.
        let der = format!("eyJhbGciOiJFUzI1NiJ9.{PAYLOAD}.{}", base64url(&[0x30; 70]));
        assert_eq!(
            message(&der),
            "id_token: the signature's length does not fit ES256"
        );
    }

    #[test]
    fn rfc_8037_a4_eddsa_reads_up_to_its_payload() {
        // A.4 signs plain text, and an id_token's payload is a JSON object: everything before it
        // passes (the algorithm, the 64-byte signature), then the payload is refused.
        assert_eq!(
            message(RFC8037_A4),
            "id_token: the payload is not a JSON object"
        );
        let signature = RFC8037_A4.rsplit('.').next().unwrap();
        let compact = format!("eyJhbGciOiJFZERTQSJ9.{PAYLOAD}.{signature}");
        let jws = read_jws(&compact).unwrap();
        assert_eq!(jws.alg, Alg::EdDSA);
        assert_eq!(jws.signature.len(), 64);
        assert_eq!(jws.signing_input, format!("eyJhbGciOiJFZERTQSJ9.{PAYLOAD}"));
        // RFC 9864's fully specified name is the same algorithm.
        let header = base64url(br#"{"alg":"Ed25519","kid":"k1"}"#);
        let compact = format!("{header}.{PAYLOAD}.{signature}");
        let jws = read_jws(&compact).unwrap();
        assert_eq!((jws.alg, jws.kid.as_deref()), (Alg::EdDSA, Some("k1")));
    }

    #[test]
    fn refusals_name_the_check() {
        let sig64 = base64url(&[7; 64]);
        let with = |header: &str| format!("{}.{PAYLOAD}.{sig64}", base64url(header.as_bytes()));
        for (compact, why) in [
            ("".to_owned(), "not a compact JWS (three base64url parts)"),
            (
                "a.b".to_owned(),
                "not a compact JWS (three base64url parts)",
            ),
            (
                format!("{}.x", with(r#"{"alg":"ES256"}"#)),
                "not a compact JWS (three base64url parts)",
            ),
            (
                format!("eyJhbGciOiJFUzI1NiJ9.{PAYLOAD}.{sig64}="),
                "not a compact JWS (three base64url parts)",
            ),
            (
                format!("eyJhbGciOiJFUzI1NiJ9=.{PAYLOAD}.{sig64}"),
                "the header is not a JSON object",
            ),
            (with("[]"), "the header is not a JSON object"),
            (
                format!("{}.{PAYLOAD}.{sig64}", base64url(&[0xff, b'{', b'}'])),
                "the header is not a JSON object",
            ),
            (with("{}"), "the header has no `alg` string"),
            (with(r#"{"alg":null}"#), "the header has no `alg` string"),
            (
                with(r#"{"alg":"none"}"#),
                "algorithm `none` is refused (only RS256, PS256, ES256, EdDSA)",
            ),
            (
                with(r#"{"alg":"HS512"}"#),
                "algorithm `HS512` is refused (only RS256, PS256, ES256, EdDSA)",
            ),
            (
                with(r#"{"alg":"RS384"}"#),
                "algorithm `RS384` is refused (only RS256, PS256, ES256, EdDSA)",
            ),
            (
                with(r#"{"alg":"es256"}"#),
                "algorithm `es256` is refused (only RS256, PS256, ES256, EdDSA)",
            ),
            (
                with(r#"{"alg":"ES256","crit":["exp"],"exp":1}"#),
                "the header's `crit` is refused",
            ),
            (
                with(r#"{"alg":"ES256","b64":false,"crit":["b64"]}"#),
                "the header's `crit` is refused",
            ),
            (
                with(r#"{"alg":"ES256","alg":"none"}"#),
                "the header has no `alg` string",
            ),
            (
                with(r#"{"alg":"ES256","crit":[],"crit":[]}"#),
                "the header's `crit` is refused",
            ),
            (
                with(r#"{"alg":"ES256","kid":5}"#),
                "the header's `kid` is not a string",
            ),
            (
                with(r#"{"alg":"RS256"}"#),
                "the signature's length does not fit RS256",
            ),
            (
                format!("eyJhbGciOiJFUzI1NiJ9.{PAYLOAD}."),
                "the signature's length does not fit ES256",
            ),
            (
                format!("eyJhbGciOiJFUzI1NiJ9.{}.{sig64}", base64url(b"[1]")),
                "the payload is not a JSON object",
            ),
            (
                format!("eyJhbGciOiJFUzI1NiJ9..{sig64}"),
                "the payload is not a JSON object",
            ),
        ] {
            assert_eq!(message(&compact), format!("id_token: {why}"), "{compact}");
        }
    }

    #[test]
    fn a_doubled_kid_names_no_key() {
        let header = base64url(br#"{"alg":"ES256","kid":"a","kid":"b"}"#);
        let compact = format!("{header}.{PAYLOAD}.{A3_SIGNATURE}");
        assert_eq!(read_jws(&compact).unwrap().kid, None);
    }

    #[test]
    fn webcrypto_parameters_are_json() {
        for (name, alg) in [
            ("RS256", Alg::RS256),
            ("PS256", Alg::PS256),
            ("ES256", Alg::ES256),
            ("EdDSA", Alg::EdDSA),
        ] {
            assert_eq!(Alg::parse(name), Some(alg));
            assert_eq!(alg.name(), name);
            let (import, verify) = alg.webcrypto();
            for text in [import, verify] {
                serde_json::from_str::<serde_json::Value>(text).unwrap();
            }
        }
        assert_eq!(
            Alg::PS256.webcrypto(),
            (
                r#"{"name":"RSA-PSS","hash":"SHA-256"}"#,
                r#"{"name":"RSA-PSS","saltLength":32}"#
            )
        );
        assert_eq!(Alg::EdDSA.at_hash_digest(), "SHA-512");
        assert_eq!(Alg::ES256.at_hash_digest(), "SHA-256");
        for refused in [
            "none", "None", "HS256", "HS384", "HS512", "RS512", "ES384", "ES256K", "Ed448", "",
        ] {
            assert_eq!(Alg::parse(refused), None, "{refused}");
        }
    }

    proptest! {
        #[test]
        fn never_panics(compact in "\\PC{0,300}") {
            let _ = read_jws(&compact);
        }

        #[test]
        fn never_panics_on_structured_junk(
            header in "\\{(\"(alg|kid|crit|x)\":(\"[A-Za-z0-9]{0,6}\"|[0-9]|null|\\[\\]),?){0,4}\\}",
            payload in "\\PC{0,30}",
            signature in proptest::collection::vec(any::<u8>(), 0..300),
            dots in "\\.{0,2}",
        ) {
            let compact = format!("{}.{}.{}{dots}", base64url(header.as_bytes()), base64url(payload.as_bytes()), base64url(&signature));
            if let Ok(jws) = read_jws(&compact) {
                prop_assert!(compact.starts_with(jws.signing_input));
                prop_assert_eq!(jws.claims, payload);
            }
        }
    }
}
