//! Strict decoding of an `application/x-www-form-urlencoded` body.
//!
//! Hand-rolled because `form_urlencoded::parse` is lenient: it passes a broken `%` escape
//! through and replaces invalid UTF-8, and keeps repeated names. The exchange forwards
//! what it decodes to a provider, so it refuses anything ambiguous instead of guessing.

use std::fmt;

/// Why a body was not accepted as a form; the `Display` text goes back to the caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FormError {
    /// A `%` not followed by two hex digits, or bytes that are not UTF-8.
    BadEncoding,
    /// The same name occurs twice (RFC 6749 section 3.1 forbids it).
    Repeated(String),
}

impl fmt::Display for FormError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::BadEncoding => f.write_str(
                "the body is not valid form encoding (a broken % escape or non-UTF-8 data)",
            ),
            Self::Repeated(name) => write!(f, "parameter `{name}` is given more than once"),
        }
    }
}

impl std::error::Error for FormError {}

/// Decodes `raw` into name/value pairs in their original order. Empty segments
/// (`a=1&&b=2`) are skipped, as browsers never produce them meaningfully.
pub fn parse(raw: &[u8]) -> Result<Vec<(String, String)>, FormError> {
    let mut pairs: Vec<(String, String)> = Vec::new();
    for segment in raw.split(|&b| b == b'&').filter(|s| !s.is_empty()) {
        let (name, value) = match segment.iter().position(|&b| b == b'=') {
            Some(i) => (&segment[..i], &segment[i + 1..]),
            None => (segment, &b""[..]),
        };
        let name = decode(name)?;
        let value = decode(value)?;
        if pairs.iter().any(|(n, _)| *n == name) {
            return Err(FormError::Repeated(name));
        }
        pairs.push((name, value));
    }
    Ok(pairs)
}

/// Decodes one name or value: `+` is a space, `%XX` a byte, and the result must be UTF-8.
fn decode(raw: &[u8]) -> Result<String, FormError> {
    let mut out = Vec::with_capacity(raw.len());
    let mut bytes = raw.iter();
    while let Some(&b) = bytes.next() {
        match b {
            b'+' => out.push(b' '),
            b'%' => {
                let hi = bytes.next().and_then(|&h| hex(h));
                let lo = bytes.next().and_then(|&l| hex(l));
                match (hi, lo) {
                    (Some(hi), Some(lo)) => out.push(hi << 4 | lo),
                    _ => return Err(FormError::BadEncoding),
                }
            }
            _ => out.push(b),
        }
    }
    String::from_utf8(out).map_err(|_| FormError::BadEncoding)
}

fn hex(digit: u8) -> Option<u8> {
    char::from(digit)
        .to_digit(16)
        .and_then(|d| u8::try_from(d).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(raw: &str) -> Vec<(String, String)> {
        parse(raw.as_bytes()).unwrap()
    }

    #[test]
    fn decodes_in_order() {
        assert_eq!(
            pairs("b=x+y&a=%2F%c3%a9&&empty=&bare"),
            [
                ("b".into(), "x y".into()),
                ("a".into(), "/é".into()),
                ("empty".into(), String::new()),
                ("bare".into(), String::new()),
            ]
        );
        assert_eq!(pairs(""), []);
        assert_eq!(pairs("a=1=2"), [("a".into(), "1=2".into())]);
    }

    #[test]
    fn refuses_ambiguous_input() {
        for raw in [
            &b"a=%"[..],
            b"a=%2",
            b"a=%zz",
            b"a=%ff",
            b"\xff=1",
            b"a=\xc3",
        ] {
            assert_eq!(parse(raw), Err(FormError::BadEncoding), "{raw:?}");
        }
        assert_eq!(
            parse(b"code=1&code=2"),
            Err(FormError::Repeated("code".into()))
        );
        assert_eq!(
            parse(b"c%6Fde=1&code=2"),
            Err(FormError::Repeated("code".into()))
        );
    }
}
