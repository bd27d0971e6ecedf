//! Text searched for ASCII delimiters byte by byte (`&`, `=`, `:`, `/`...). An ASCII byte never
//! occurs inside a multi-byte UTF-8 character, so every split lands on a character boundary.
//! std's `char` patterns do the same work through a generic searcher with a `memchr`, which
//! costs the wasm about 1 KB (measured); these few loops are all the core needs.

/// The index of the first byte of `text` that is one of `delimiters`.
pub fn find(text: &str, delimiters: &[u8]) -> Option<usize> {
    text.bytes().position(|b| delimiters.contains(&b))
}

/// `text` before and after its first `delimiter`, which neither half holds.
pub fn split_once(text: &str, delimiter: u8) -> Option<(&str, &str)> {
    let at = find(text, &[delimiter])?;
    Some((text.get(..at)?, text.get(at + 1..)?))
}

/// The pieces of `text` between any of `delimiters` (empty ones included, as `str::split` gives).
pub fn split<'a>(text: &'a str, delimiters: &'a [u8]) -> Split<'a> {
    Split {
        rest: Some(text),
        delimiters,
    }
}

/// The iterator [`split`] returns.
pub struct Split<'a> {
    rest: Option<&'a str>,
    delimiters: &'a [u8],
}

impl<'a> Iterator for Split<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        let rest = self.rest?;
        match find(rest, self.delimiters) {
            Some(at) => {
                self.rest = rest.get(at + 1..);
                rest.get(..at)
            }
            None => self.rest.take(),
        }
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn splits_like_std() {
        assert_eq!(
            split("a=1&&b=é&", b"&").collect::<Vec<_>>(),
            ["a=1", "", "b=é", ""]
        );
        assert_eq!(split("", b"&").collect::<Vec<_>>(), [""]);
        assert_eq!(split("x y,z", b" ,").collect::<Vec<_>>(), ["x", "y", "z"]);
        assert_eq!(split_once("ü=a=b", b'='), Some(("ü", "a=b")));
        assert_eq!(split_once("ab", b'='), None);
        assert_eq!(find("hö/st?q", b"/?"), Some(3));
    }

    proptest! {
        #[test]
        fn agrees_with_std_char_patterns(text in "[a-c&=é ,]{0,24}") {
            prop_assert_eq!(split(&text, b"&").collect::<Vec<_>>(), text.split('&').collect::<Vec<_>>());
            prop_assert_eq!(split(&text, b" ,").collect::<Vec<_>>(), text.split([' ', ',']).collect::<Vec<_>>());
            prop_assert_eq!(split_once(&text, b'='), text.split_once('='));
            prop_assert_eq!(find(&text, b"=,"), text.find(['=', ',']));
        }
    }
}
