//! Strict parsing of query strings, keeping repeated keys so `/test/last-authorize` can
//! show them and a handler can refuse them by name.
//!
//! Decoding is `server_kit`'s, the same as for form bodies (`server_kit::Form`): a broken
//! percent-escape or non-UTF-8 data is refused, so a client with an encoding bug fails
//! loudly in tests.

use std::fmt;

use server_kit::{decode_component, Form};

/// Longest accepted raw query string or form body, in bytes.
pub const MAX_QUERY_LEN: usize = 8 * 1024;
/// Longest accepted decoded parameter name or value, in bytes.
pub const MAX_VALUE_LEN: usize = 2048;

/// Why a set of parameters was rejected; the `Display` text is shown to the caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParamError {
    /// The whole query string or body exceeds [`MAX_QUERY_LEN`].
    TooLong(usize),
    /// One decoded name or value exceeds [`MAX_VALUE_LEN`].
    ValueTooLong(String),
    /// Invalid percent-escape or non-UTF-8 data.
    BadEncoding(String),
    /// A required parameter is absent or empty.
    Missing(String),
    /// A parameter occurs more than once (RFC 6749 section 3.1 forbids it).
    Repeated(String),
    /// A parameter has a value outside its allowed set.
    Invalid(String),
}

impl fmt::Display for ParamError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TooLong(len) => write!(
                f,
                "request parameters are too long ({len} bytes; the limit is {MAX_QUERY_LEN})"
            ),
            Self::ValueTooLong(name) => write!(
                f,
                "parameter `{name}` is too long (the limit is {MAX_VALUE_LEN} bytes)"
            ),
            Self::BadEncoding(detail) => write!(f, "malformed parameter encoding: {detail}"),
            Self::Missing(name) => write!(f, "required parameter `{name}` is missing"),
            Self::Repeated(name) => write!(f, "parameter `{name}` is given more than once"),
            Self::Invalid(detail) => f.write_str(detail),
        }
    }
}

impl std::error::Error for ParamError {}

/// Decoded name/value pairs in their original order, duplicates kept.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Params {
    pairs: Vec<(String, String)>,
}

impl Params {
    /// Parses a raw query string (`None` means no query at all).
    pub fn from_query(query: Option<&str>) -> Result<Self, ParamError> {
        Self::parse(query.unwrap_or("").as_bytes())
    }

    /// Parses raw urlencoded bytes, enforcing the size limits and strict decoding.
    pub fn parse(raw: &[u8]) -> Result<Self, ParamError> {
        if raw.len() > MAX_QUERY_LEN {
            return Err(ParamError::TooLong(raw.len()));
        }
        let mut pairs = Vec::new();
        for segment in raw.split(|&b| b == b'&').filter(|s| !s.is_empty()) {
            let (raw_name, raw_value) = match segment.iter().position(|&b| b == b'=') {
                Some(i) => (&segment[..i], &segment[i + 1..]),
                None => (segment, &b""[..]),
            };
            let name = decode_component(raw_name)
                .map_err(|e| ParamError::BadEncoding(format!("{e} in a parameter name")))?;
            if name.len() > MAX_VALUE_LEN {
                return Err(ParamError::ValueTooLong(truncate(&name)));
            }
            let value = decode_component(raw_value).map_err(|e| {
                ParamError::BadEncoding(format!("{e} in the value of `{}`", truncate(&name)))
            })?;
            if value.len() > MAX_VALUE_LEN {
                return Err(ParamError::ValueTooLong(name));
            }
            pairs.push((name, value));
        }
        Ok(Self { pairs })
    }

    /// All pairs in request order.
    pub fn pairs(&self) -> &[(String, String)] {
        &self.pairs
    }

    /// The single value of `name`, `None` if absent; an error if repeated.
    pub fn optional(&self, name: &str) -> Result<Option<&str>, ParamError> {
        let mut found = self.pairs.iter().filter(|(n, _)| n == name);
        match (found.next(), found.next()) {
            (Some(_), Some(_)) => Err(ParamError::Repeated(name.to_owned())),
            (Some((_, v)), None) => Ok(Some(v.as_str())),
            _ => Ok(None),
        }
    }

    /// The single non-empty value of `name`; an error if absent, empty or repeated.
    pub fn required(&self, name: &str) -> Result<&str, ParamError> {
        match self.optional(name)? {
            Some(v) if !v.is_empty() => Ok(v),
            _ => Err(ParamError::Missing(name.to_owned())),
        }
    }
}

impl From<&Form> for Params {
    /// A form body's pairs (which the form extractor already refused to see repeated).
    fn from(form: &Form) -> Self {
        Self {
            pairs: form.pairs().to_vec(),
        }
    }
}

/// Keeps error messages short when a huge garbage name is echoed back.
fn truncate(s: &str) -> String {
    match s.char_indices().nth(64) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_owned(),
    }
}

/// Serializes pairs as `application/x-www-form-urlencoded` (RFC 6749 appendix B).
pub fn encode<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    let mut ser = form_urlencoded::Serializer::new(String::new());
    for (name, value) in pairs {
        ser.append_pair(name, value);
    }
    ser.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_plus_and_percent() {
        let p = Params::parse(b"a=x+y%21&b=%E2%9C%93&c").unwrap();
        assert_eq!(p.required("a").unwrap(), "x y!");
        assert_eq!(p.required("b").unwrap(), "✓");
        assert_eq!(p.optional("c").unwrap(), Some(""));
        assert!(matches!(p.required("c"), Err(ParamError::Missing(_))));
    }

    #[test]
    fn rejects_bad_escapes_and_non_utf8() {
        for raw in ["a=%zz", "a=%4", "a=%", "a%2=1", "a=%FF"] {
            assert!(
                matches!(
                    Params::parse(raw.as_bytes()),
                    Err(ParamError::BadEncoding(_))
                ),
                "{raw}"
            );
        }
    }

    #[test]
    fn detects_repeats_and_limits() {
        let p = Params::parse(b"a=1&a=2").unwrap();
        assert_eq!(p.optional("a"), Err(ParamError::Repeated("a".into())));
        let long = format!("a={}", "x".repeat(MAX_VALUE_LEN + 1));
        assert!(matches!(
            Params::parse(long.as_bytes()),
            Err(ParamError::ValueTooLong(_))
        ));
        let huge = "a=1&".repeat(MAX_QUERY_LEN);
        assert!(matches!(
            Params::parse(huge.as_bytes()),
            Err(ParamError::TooLong(_))
        ));
    }

    #[test]
    fn encodes_as_form() {
        assert_eq!(encode([("a", "x y&z"), ("b", "é")]), "a=x+y%26z&b=%C3%A9");
    }
}
