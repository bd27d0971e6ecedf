//! The keys that sign id_tokens, their public JSON Web Key Set, and rotation.
//!
//! Signing is `ring`'s: RSASSA-PKCS1-v1_5 with SHA-256 (`RS256`) and ECDSA P-256 with
//! SHA-256 (`ES256`, the fixed-length signature JWS uses). This module only assembles the
//! compact JWS around it (RFC 7515: `BASE64URL(header) "." BASE64URL(payload) "." sig`).
//!
//! RSA keys come from `keys/dev-rsa-*.pem`, development-only keys checked in because RSA key
//! generation is slow in debug builds; ES256 keys are generated at start and at each rotation.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use ring::rand::SystemRandom;
use ring::signature::{self, EcdsaKeyPair, KeyPair, RsaKeyPair};
use serde::Deserialize;
use serde_json::{json, Value};

/// The checked-in RSA keys, used in turn (see `keys/README.md`).
const RSA_KEYS: [&str; 2] = [
    include_str!("../keys/dev-rsa-1.pem"),
    include_str!("../keys/dev-rsa-2.pem"),
];

/// An id_token signing algorithm a client may be registered with.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
pub enum Alg {
    /// RSASSA-PKCS1-v1_5 with SHA-256, the OpenID Connect default.
    #[default]
    RS256,
    /// ECDSA on P-256 with SHA-256.
    ES256,
}

impl Alg {
    /// The JWS `alg` name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::RS256 => "RS256",
            Self::ES256 => "ES256",
        }
    }
}

/// Why a key could not be made or used; only a broken build or a failing OS random source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyError(pub String);

impl std::fmt::Display for KeyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for KeyError {}

/// The current signing keys, one per algorithm, and how many rotations made them.
pub struct Keys {
    rsa: RsaKeyPair,
    ec: EcdsaKeyPair,
    generation: u32,
    /// Tells this process's generated ES256 keys from another run's with the same generation.
    run: String,
    rng: SystemRandom,
}

impl Keys {
    /// The first keys: the first checked-in RSA key and a fresh ES256 key.
    pub fn new() -> Result<Self, KeyError> {
        let rng = SystemRandom::new();
        let run = crate::tokens::random_hex(3).map_err(|e| KeyError(e.to_string()))?;
        Ok(Self {
            rsa: rsa_key(0)?,
            ec: ec_key(&rng)?,
            generation: 0,
            run,
            rng,
        })
    }

    /// Replaces both keys: the other checked-in RSA key and a fresh ES256 key, each under a
    /// `kid` never used before, so a client holding the old key set must fetch it again.
    pub fn rotate(&mut self) -> Result<(), KeyError> {
        let generation = self.generation + 1;
        self.rsa = rsa_key(generation as usize % RSA_KEYS.len())?;
        self.ec = ec_key(&self.rng)?;
        self.generation = generation;
        Ok(())
    }

    /// The `kid` of the current key for `alg`.
    pub fn kid(&self, alg: Alg) -> String {
        match alg {
            Alg::RS256 => format!("dev-rs256-{}", self.generation),
            Alg::ES256 => format!("dev-es256-{}-{}", self.generation, self.run),
        }
    }

    /// The public keys (RFC 7517), as `GET /jwks` serves them.
    pub fn jwks(&self) -> Value {
        let rsa = ring::rsa::PublicKeyComponents::<Vec<u8>>::from(self.rsa.public());
        // An uncompressed P-256 point: 0x04, then x and y, 32 bytes each.
        let point = self.ec.public_key().as_ref();
        let (x, y) = point
            .get(1..)
            .unwrap_or_default()
            .split_at(point.len().saturating_sub(1) / 2);
        json!({"keys": [
            {"kty": "RSA", "use": "sig", "alg": "RS256", "kid": self.kid(Alg::RS256),
             "n": URL_SAFE_NO_PAD.encode(&rsa.n), "e": URL_SAFE_NO_PAD.encode(&rsa.e)},
            {"kty": "EC", "use": "sig", "alg": "ES256", "kid": self.kid(Alg::ES256),
             "crv": "P-256", "x": URL_SAFE_NO_PAD.encode(x), "y": URL_SAFE_NO_PAD.encode(y)},
        ]})
    }

    /// A compact JWS of `claims`, signed with the current key for `alg`.
    pub fn sign(&self, alg: Alg, claims: &Value) -> Result<String, KeyError> {
        let header = json!({"alg": alg.as_str(), "typ": "JWT", "kid": self.kid(alg)});
        let input = signing_input(&header, claims);
        let failed = |_| KeyError("signing failed".into());
        let signature = match alg {
            Alg::RS256 => {
                let mut sig = vec![0; self.rsa.public().modulus_len()];
                self.rsa
                    .sign(
                        &signature::RSA_PKCS1_SHA256,
                        &self.rng,
                        input.as_bytes(),
                        &mut sig,
                    )
                    .map_err(failed)?;
                sig
            }
            Alg::ES256 => self
                .ec
                .sign(&self.rng, input.as_bytes())
                .map_err(failed)?
                .as_ref()
                .to_vec(),
        };
        Ok(format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature)))
    }
}

/// `BASE64URL(header) "." BASE64URL(payload)`, what a JWS signature covers.
pub fn signing_input(header: &Value, claims: &Value) -> String {
    format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    )
}

fn rsa_key(index: usize) -> Result<RsaKeyPair, KeyError> {
    let pem = RSA_KEYS[index % RSA_KEYS.len()];
    let der = pem_body(pem)
        .ok_or_else(|| KeyError(format!("keys/dev-rsa-{}.pem is not PEM", index + 1)))?;
    RsaKeyPair::from_pkcs8(&der)
        .map_err(|e| KeyError(format!("keys/dev-rsa-{}.pem: {e}", index + 1)))
}

fn ec_key(rng: &SystemRandom) -> Result<EcdsaKeyPair, KeyError> {
    let alg = &signature::ECDSA_P256_SHA256_FIXED_SIGNING;
    let pkcs8 = EcdsaKeyPair::generate_pkcs8(alg, rng)
        .map_err(|_| KeyError("could not generate an ES256 key".into()))?;
    EcdsaKeyPair::from_pkcs8(alg, pkcs8.as_ref(), rng)
        .map_err(|e| KeyError(format!("generated ES256 key: {e}")))
}

/// The DER inside a PEM document: the base64 between its BEGIN and END lines.
fn pem_body(pem: &str) -> Option<Vec<u8>> {
    let base64: String = pem
        .lines()
        .filter(|line| !line.starts_with("-----"))
        .collect();
    base64::engine::general_purpose::STANDARD
        .decode(base64)
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use ring::signature::UnparsedPublicKey;

    fn decode(part: &str) -> Vec<u8> {
        URL_SAFE_NO_PAD.decode(part).unwrap()
    }

    /// Verifies `jws` with the key of its `kid` in `jwks`, as a relying party would.
    fn verifies(jwks: &Value, jws: &str) -> bool {
        let parts: Vec<&str> = jws.split('.').collect();
        let header: Value = serde_json::from_slice(&decode(parts[0])).unwrap();
        let Some(key) = jwks["keys"]
            .as_array()
            .unwrap()
            .iter()
            .find(|k| k["kid"] == header["kid"])
        else {
            return false;
        };
        let message = format!("{}.{}", parts[0], parts[1]);
        let sig = decode(parts[2]);
        match key["kty"].as_str().unwrap() {
            "RSA" => ring::rsa::PublicKeyComponents {
                n: decode(key["n"].as_str().unwrap()),
                e: decode(key["e"].as_str().unwrap()),
            }
            .verify(
                &signature::RSA_PKCS1_2048_8192_SHA256,
                message.as_bytes(),
                &sig,
            )
            .is_ok(),
            _ => {
                let mut point = vec![4];
                point.extend(decode(key["x"].as_str().unwrap()));
                point.extend(decode(key["y"].as_str().unwrap()));
                UnparsedPublicKey::new(&signature::ECDSA_P256_SHA256_FIXED, point)
                    .verify(message.as_bytes(), &sig)
                    .is_ok()
            }
        }
    }

    #[test]
    fn tokens_verify_with_the_published_keys_and_not_after_rotation() {
        let mut keys = Keys::new().unwrap();
        let claims = json!({"sub": "1", "aud": "app"});
        let jwks = keys.jwks();
        for alg in [Alg::RS256, Alg::ES256] {
            let jws = keys.sign(alg, &claims).unwrap();
            let header: Value =
                serde_json::from_slice(&decode(jws.split('.').next().unwrap())).unwrap();
            assert_eq!(header["alg"], alg.as_str());
            assert_eq!(header["kid"], keys.kid(alg));
            let payload: Value =
                serde_json::from_slice(&decode(jws.split('.').nth(1).unwrap())).unwrap();
            assert_eq!(payload, claims);
            assert!(verifies(&jwks, &jws), "{alg:?}");
            let (input, sig) = jws.rsplit_once('.').unwrap();
            let mut sig = decode(sig);
            sig[0] ^= 1;
            let tampered = format!("{input}.{}", URL_SAFE_NO_PAD.encode(sig));
            assert!(!verifies(&jwks, &tampered), "{alg:?}");
        }
        let old_rsa = keys.sign(Alg::RS256, &claims).unwrap();
        keys.rotate().unwrap();
        let rotated = keys.jwks();
        assert_eq!(rotated["keys"].as_array().unwrap().len(), 2);
        assert_ne!(rotated["keys"][0]["kid"], jwks["keys"][0]["kid"]);
        assert_ne!(
            rotated["keys"][0]["n"], jwks["keys"][0]["n"],
            "another RSA key"
        );
        assert_ne!(
            rotated["keys"][1]["x"], jwks["keys"][1]["x"],
            "another EC key"
        );
        assert!(!verifies(&rotated, &old_rsa), "the old kid is gone");
        assert!(verifies(&rotated, &keys.sign(Alg::ES256, &claims).unwrap()));
        // Two rotations bring the first RSA key back, under a new kid.
        keys.rotate().unwrap();
        assert_eq!(keys.jwks()["keys"][0]["n"], jwks["keys"][0]["n"]);
        assert_eq!(keys.kid(Alg::RS256), "dev-rs256-2");
    }

    #[test]
    fn the_checked_in_keys_are_2048_bit_rsa() {
        for index in 0..RSA_KEYS.len() {
            assert_eq!(rsa_key(index).unwrap().public().modulus_len(), 256);
        }
    }
}
