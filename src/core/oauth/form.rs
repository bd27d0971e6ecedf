//! Strict `application/x-www-form-urlencoded` parsing (RFC 6749 Appendix B), for text an
//! attacker may choose: an authorization response in a fragment or query, a stored record.
//!
//! Anything ambiguous is refused rather than guessed: a bad `%` escape, bytes that are not UTF-8
//! once decoded, a name given twice (RFC 6749 3.1: parameters "MUST NOT be included more than
//! once"). Input from outside is bounded, so a hostile page cannot make the widget allocate
//! without limit.

use crate::core::text::{cat, decode_component, split, split_once, Undecodable};

/// The longest input accepted, in bytes: real responses are a few hundred bytes, a response
/// with a JWT-sized token and an id_token a few KiB.
pub const MAX_INPUT_BYTES: usize = 16 * 1024;

/// The most `name=value` pairs accepted in one input.
pub const MAX_PAIRS: usize = 32;

/// A parameter's name as written (not decoded): what comes before its `=`.
pub fn raw_name(piece: &str) -> &str {
    split_once(piece, b'=').map_or(piece, |(name, _)| name)
}

/// Decoded parameters, in input order, each name at most once.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Params(Vec<(String, String)>);

impl Params {
    /// Parses `input` (without its leading `#` or `?`); the error says why, for people.
    pub fn parse(input: &str) -> Result<Self, String> {
        if input.len() > MAX_INPUT_BYTES {
            return Err("it is over 16 KiB".into());
        }
        Self::parse_any_length(input)
    }

    /// As [`parse`](Self::parse), at any length: for the session records the widget wrote
    /// itself (only this origin's pages can write its storage), which hold a token answer of up
    /// to 16 KiB and a profile, encoded, so may be longer.
    pub fn parse_any_length(input: &str) -> Result<Self, String> {
        let mut params = Self::default();
        // Empty pieces (`a=1&&b=2`, a trailing `&`) carry nothing and are skipped, as browsers do.
        for piece in split(input, b"&").filter(|p| !p.is_empty()) {
            if params.0.len() == MAX_PAIRS {
                return Err("it has over 32 parameters".into());
            }
            let (raw_name, raw_value) = split_once(piece, b'=').unwrap_or((piece, ""));
            let name = match decode_component(raw_name) {
                Ok(name) => name,
                // A name that cannot be decoded is shown raw (lent).
                Err(e) => return Err(named(raw_name, why(e))),
            };
            let what = match decode_component(raw_value) {
                // A repeat is found by the reader `get` uses.
                Ok(value) if params.value(&name).is_none() => {
                    params.0.push((name, value));
                    continue;
                }
                Ok(_) => "` is given twice",
                Err(e) => why(e),
            };
            return Err(named(&name, what));
        }
        Ok(params)
    }

    /// The value of `name`, if present.
    ///
    /// Inlined over [`value`](Self::value), whose pointer comes back in a register where an
    /// `Option<&str>` would come back through memory. A `match`, as in [`given`](Self::given):
    /// `.map(String::as_str)` in both measured +353 B of wasm.
    #[inline(always)]
    pub fn get(&self, name: &str) -> Option<&str> {
        match self.value(name) {
            Some(value) => Some(value),
            None => None,
        }
    }

    /// The value of `name`, if present, as stored.
    pub fn value(&self, name: &str) -> Option<&String> {
        for (n, v) in &self.0 {
            if *n == *name {
                return Some(v);
            }
        }
        None
    }

    /// The value of `name`, if present and not empty (an empty parameter says nothing).
    #[inline(always)]
    pub fn given(&self, name: &str) -> Option<&str> {
        match self.given_value(name) {
            Some(value) => Some(value),
            None => None,
        }
    }

    /// The value of `name`, if present and not empty, as stored.
    pub fn given_value(&self, name: &str) -> Option<&String> {
        self.value(name).filter(|v| !v.is_empty())
    }

    /// The value of `name`, if present and not empty, owned.
    #[inline(never)]
    pub fn owned(&self, name: &str) -> Option<String> {
        self.given_value(name).cloned()
    }

    /// The pairs, in input order, to change in place (the settings trim their values).
    pub fn pairs_mut(&mut self) -> &mut [(String, String)] {
        &mut self.0
    }

    /// The pairs, in input order.
    pub fn pairs(&self) -> &[(String, String)] {
        &self.0
    }

    /// Adds `name` with `value` (nothing for `None`); the caller makes sure `name` is not
    /// there already.
    #[inline(always)]
    pub fn add(&mut self, name: &str, value: Option<String>) {
        if let Some(value) = value {
            self.0.push((name.into(), value));
        }
    }
}

/// What is wrong with a part that cannot be decoded, after its name.
#[inline(always)]
fn why(error: Undecodable) -> &'static str {
    match error {
        Undecodable::BadEscape => "` has bad percent-encoding",
        Undecodable::NotUtf8 => "` is not UTF-8 once decoded",
    }
}

/// An error naming a parameter, its name cut after 40 characters (lent): a name may be 16 KiB.
fn named(name: &str, what: &str) -> String {
    // The 41st character starts at the 41st byte that does not continue one. By a slice
    // pattern, as in `text` (a `for` loop's `into_iter` is kept apart and called).
    let (mut cut, mut starts, mut rest) = (0, 0, name.as_bytes());
    while let [b, tail @ ..] = rest {
        if b & 0xc0 != 0x80 {
            if starts == 40 {
                break;
            }
            starts += 1;
        }
        cut += 1;
        rest = tail;
    }
    cat(&["`", name.get(..cut).unwrap_or(name), what])
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use crate::core::text::form;
    use proptest::prelude::*;

    #[test]
    fn decodes_plus_and_escapes() {
        let p = Params::parse("access_token=a%2Bb+c&scope=x%20y&state=%E2%9C%93").unwrap();
        assert_eq!(p.get("access_token"), Some("a+b c"));
        assert_eq!(p.get("scope"), Some("x y"));
        assert_eq!(p.get("state"), Some("✓"));
        assert_eq!(p.get("missing"), None);
        let p = Params::parse("&a&&b=&").unwrap();
        assert_eq!((p.get("a"), p.get("b")), (Some(""), Some("")));
        assert_eq!(Params::parse(""), Ok(Params::default()));
    }

    #[test]
    fn bad_inputs_are_refused_with_the_reason() {
        for (input, reason) in [
            ("a=%zz", "`a` has bad percent-encoding"),
            ("a=%4", "`a` has bad percent-encoding"),
            ("%g1=x", "`%g1` has bad percent-encoding"),
            ("a=%FF%FE", "`a` is not UTF-8 once decoded"),
            ("a=1&a=2", "`a` is given twice"),
            ("a=1&%61=2", "`a` is given twice"),
        ] {
            assert_eq!(Params::parse(input), Err(reason.into()), "{input}");
        }
        // An undecodable name is shown cut after 40 characters, multi-byte ones whole.
        let name = "é".repeat(50) + "%zz";
        let shown = cat(&["`", &"é".repeat(40), "` has bad percent-encoding"]);
        assert_eq!(Params::parse(&name), Err(shown));
        // So is a decoded one, named by the error of its value or its second time.
        let name = "%C3%A9".repeat(50);
        let shown = |what| cat(&["`", &"é".repeat(40), what]);
        let bad_value = cat(&[&name, "=%zz"]);
        assert_eq!(
            Params::parse(&bad_value),
            Err(shown("` has bad percent-encoding"))
        );
        let twice = cat(&[&name, "&", &name]);
        assert_eq!(Params::parse(&twice), Err(shown("` is given twice")));
        let long = format!("a={}", "x".repeat(MAX_INPUT_BYTES));
        assert_eq!(Params::parse(&long), Err("it is over 16 KiB".into()));
        let pairs = |n: usize| {
            (0..n)
                .map(|i| format!("p{i}=1"))
                .collect::<Vec<_>>()
                .join("&")
        };
        assert!(Params::parse(&pairs(MAX_PAIRS)).is_ok());
        assert_eq!(
            Params::parse(&pairs(MAX_PAIRS + 1)),
            Err("it has over 32 parameters".into())
        );
    }

    proptest! {
        #[test]
        fn a_name_is_cut_after_40_characters(name in ".{0,60}") {
            let first: String = name.chars().take(40).collect();
            prop_assert_eq!(named(&name, "`"), cat(&["`", &first, "`"]));
        }

        #[test]
        fn never_panics(input in ".{0,300}|[%a-fA-F0-9=&+]{0,200}") {
            let _ = Params::parse(&input);
        }

        #[test]
        fn what_form_writes_reads_back(pairs in proptest::collection::btree_map("[a-z_]{1,8}", ".{0,20}", 0..8)) {
            let list: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            let p = Params::parse(&form(&list)).unwrap();
            let back: Vec<(&str, &str)> = p.pairs().iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            prop_assert_eq!(back, list);
        }

        #[test]
        fn agrees_with_the_url_crate_on_what_it_accepts(input in "[a-c=&%+2F0-9]{0,30}") {
            // form_urlencoded decodes leniently; wherever this parser accepts, both read the same.
            if let Ok(p) = Params::parse(&input) {
                let theirs: Vec<(String, String)> = form_urlencoded::parse(input.as_bytes())
                    .map(|(k, v)| (k.into_owned(), v.into_owned()))
                    .collect();
                let ours: Vec<(String, String)> = p.pairs().to_vec();
                prop_assert_eq!(ours, theirs);
            }
        }
    }
}
