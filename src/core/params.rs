//! Strict `application/x-www-form-urlencoded` parsing and encoding (RFC 6749 Appendix B).
//!
//! An authorization response arrives as untrusted text in a URL fragment or query. The parser
//! refuses anything ambiguous rather than guessing: a bad `%` escape, bytes that are not UTF-8
//! once decoded, or a name given twice are errors (RFC 6749 3.1: "request and response
//! parameters MUST NOT be included more than once"). Unknown names are kept and simply ignored
//! by callers. Input is bounded so a hostile page cannot make the widget allocate without limit.

use super::ascii;
use super::error::text;

/// The longest input accepted, in bytes. Real responses are a few hundred bytes; a JWT-sized
/// token with scopes stays far below this.
pub const MAX_INPUT_BYTES: usize = 8 * 1024;

/// The most `name=value` pairs accepted in one input.
pub const MAX_PAIRS: usize = 32;

/// Why an input could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParamsError {
    /// The input is longer than [`MAX_INPUT_BYTES`].
    TooLong,
    /// The input has more than [`MAX_PAIRS`] parameters.
    TooMany,
    /// A `%` is not followed by two hex digits, in the named parameter.
    BadEscape(String),
    /// The named parameter's decoded bytes are not UTF-8.
    InvalidUtf8(String),
    /// The named parameter occurs more than once.
    Duplicate(String),
}

impl ParamsError {
    /// A sentence for people.
    pub fn describe(&self) -> String {
        match self {
            Self::TooLong => "it is over the limit of 8 KiB".into(),
            Self::TooMany => "it has more than 32 parameters".into(),
            Self::BadEscape(name) => text(&["bad percent-encoding in parameter `", name, "`"]),
            Self::InvalidUtf8(name) => {
                text(&["parameter `", name, "` is not valid UTF-8 once decoded"])
            }
            Self::Duplicate(name) => text(&["parameter `", name, "` is given more than once"]),
        }
    }
}

/// Decoded parameters, in input order, each name at most once.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Params(Vec<(String, String)>);

impl Params {
    /// Parses `input` (without its leading `#` or `?`).
    pub fn parse(input: &str) -> Result<Self, ParamsError> {
        if input.len() > MAX_INPUT_BYTES {
            return Err(ParamsError::TooLong);
        }
        let mut pairs: Vec<(String, String)> = Vec::new();
        // Empty pieces (`a=1&&b=2`, a trailing `&`) carry nothing and are skipped, as browsers do.
        for piece in ascii::split(input, b"&").filter(|p| !p.is_empty()) {
            if pairs.len() == MAX_PAIRS {
                return Err(ParamsError::TooMany);
            }
            let (raw_name, raw_value) = ascii::split_once(piece, b'=').unwrap_or((piece, ""));
            let name = decode(raw_name).map_err(|e| e.for_name(shown(raw_name)))?;
            let value = decode(raw_value).map_err(|e| e.for_name(name.clone()))?;
            if pairs.iter().any(|(n, _)| *n == name) {
                return Err(ParamsError::Duplicate(name));
            }
            pairs.push((name, value));
        }
        Ok(Self(pairs))
    }

    /// The value of `name`, if present.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The pairs, in input order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(n, v)| (n.as_str(), v.as_str()))
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether `name` is present.
    pub fn contains(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// Adds a pair (for building records); a name already present is replaced.
    pub fn set(&mut self, name: &str, value: &str) {
        match self.0.iter_mut().find(|(n, _)| n == name) {
            Some(pair) => pair.1 = value.to_owned(),
            None => self.0.push((name.to_owned(), value.to_owned())),
        }
    }

    /// Serializes back to `a=1&b=2`, percent-encoding every name and value.
    pub fn encode(&self) -> String {
        let mut out = String::new();
        for (name, value) in &self.0 {
            if !out.is_empty() {
                out.push('&');
            }
            encode_into(&mut out, name);
            out.push('=');
            encode_into(&mut out, value);
        }
        out
    }
}

/// Decodes `name=value` pairs leniently, for input the widget made itself (an element's
/// attributes, as JS encodes them): no limits, and a pair that fails to decode is skipped.
pub fn decode_pairs(input: &str) -> Vec<(String, String)> {
    ascii::split(input, b"&")
        .filter(|p| !p.is_empty())
        .filter_map(|piece| {
            let (name, value) = ascii::split_once(piece, b'=').unwrap_or((piece, ""));
            Some((decode(name).ok()?, decode(value).ok()?))
        })
        .collect()
}

/// A decoding failure before the parameter's name is known.
enum DecodeError {
    BadEscape,
    InvalidUtf8,
}

impl DecodeError {
    fn for_name(self, name: String) -> ParamsError {
        match self {
            Self::BadEscape => ParamsError::BadEscape(name),
            Self::InvalidUtf8 => ParamsError::InvalidUtf8(name),
        }
    }
}

/// A name as it may be shown in an error: raw text, cut short, since it failed to decode.
fn shown(raw: &str) -> String {
    raw.chars().take(40).collect()
}

/// Decodes one form-urlencoded component: `+` is a space, `%XX` a byte.
fn decode(raw: &str) -> Result<String, DecodeError> {
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hi = bytes.get(i + 1).and_then(|b| hex_value(*b));
                let lo = bytes.get(i + 2).and_then(|b| hex_value(*b));
                match (hi, lo) {
                    (Some(hi), Some(lo)) => out.push(hi << 4 | lo),
                    _ => return Err(DecodeError::BadEscape),
                }
                i += 2;
            }
            other => out.push(other),
        }
        i += 1;
    }
    String::from_utf8(out).map_err(|_| DecodeError::InvalidUtf8)
}

fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Percent-encodes `text` into `out`, leaving only RFC 3986 unreserved characters bare.
///
/// Spaces become `%20` rather than `+`: both decode to a space in a form, and `%20` also means a
/// space to providers that read a query as a plain URI (RFC 3986), so it is the safe choice.
pub fn encode_into(out: &mut String, text: &str) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for &b in text.as_bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push('%');
            out.push(HEX[usize::from(b >> 4)] as char);
            out.push(HEX[usize::from(b & 15)] as char);
        }
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;

    #[test]
    fn decodes_plus_and_escapes() {
        let p = Params::parse("access_token=a%2Bb+c&scope=x%20y&state=%E2%9C%93").unwrap();
        assert_eq!(p.get("access_token"), Some("a+b c"));
        assert_eq!(p.get("scope"), Some("x y"));
        assert_eq!(p.get("state"), Some("✓"));
        assert_eq!(p.get("missing"), None);
    }

    #[test]
    fn name_without_value_is_empty_and_empty_pieces_are_skipped() {
        let p = Params::parse("&a&&b=&").unwrap();
        assert_eq!(p.get("a"), Some(""));
        assert_eq!(p.get("b"), Some(""));
        assert_eq!(Params::parse("").unwrap(), Params::default());
    }

    #[test]
    fn bad_inputs_are_refused_with_the_reason() {
        let cases: &[(&str, ParamsError)] = &[
            ("a=%zz", ParamsError::BadEscape("a".into())),
            ("a=%4", ParamsError::BadEscape("a".into())),
            ("a=%", ParamsError::BadEscape("a".into())),
            ("%g1=x", ParamsError::BadEscape("%g1".into())),
            ("a=%FF%FE", ParamsError::InvalidUtf8("a".into())),
            ("a=1&a=2", ParamsError::Duplicate("a".into())),
            ("a=1&%61=2", ParamsError::Duplicate("a".into())),
        ];
        for (input, expected) in cases {
            assert_eq!(Params::parse(input).as_ref(), Err(expected), "{input}");
        }
    }

    #[test]
    fn limits_hold() {
        let long = format!("a={}", "x".repeat(MAX_INPUT_BYTES));
        assert_eq!(Params::parse(&long), Err(ParamsError::TooLong));
        let flood: Vec<String> = (0..=MAX_PAIRS).map(|i| format!("p{i}=1")).collect();
        assert_eq!(Params::parse(&flood.join("&")), Err(ParamsError::TooMany));
        let just_enough: Vec<String> = (0..MAX_PAIRS).map(|i| format!("p{i}=1")).collect();
        assert!(Params::parse(&just_enough.join("&")).is_ok());
    }

    #[test]
    fn encode_leaves_only_unreserved_bare() {
        let mut p = Params::default();
        p.set("redirect_uri", "http://localhost:8080/a b?c=d&e");
        p.set("scope", "basic likes");
        assert_eq!(
            p.encode(),
            "redirect_uri=http%3A%2F%2Flocalhost%3A8080%2Fa%20b%3Fc%3Dd%26e&scope=basic%20likes"
        );
    }

    /// Property tests: native only (proptest needs OS randomness, which wasm32 lacks).
    #[cfg(not(target_arch = "wasm32"))]
    mod properties {
        use super::*;
        use proptest::prelude::*;

        proptest! {
            #[test]
            fn never_panics(input in ".{0,300}") {
                let _ = Params::parse(&input);
            }

            #[test]
            fn never_panics_on_percent_heavy_input(input in "[%a-fA-F0-9=&+]{0,200}") {
                let _ = Params::parse(&input);
            }

            #[test]
            fn encode_then_parse_round_trips(
                pairs in proptest::collection::btree_map("[a-z_]{1,8}", ".{0,20}", 0..8)
            ) {
                let mut p = Params::default();
                for (k, v) in &pairs {
                    p.set(k, v);
                }
                prop_assert_eq!(Params::parse(&p.encode()), Ok(p));
            }
        }
    }
}
