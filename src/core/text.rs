//! Text helpers every other module may use, and that use nothing above them: splitting on ASCII
//! delimiters, joining, decimal numbers, hex, base64url and percent-encoding.
//!
//! They exist because the std versions cost the wasm module more than the rules need: `char`
//! pattern searchers bring a generic searcher and `memchr`, `join`/`concat` a copy per element
//! type, `format!` all of `core::fmt`. An ASCII delimiter never occurs inside a multi-byte UTF-8
//! character, so every split here lands on a character boundary.

use std::borrow::Cow;

/// The index of the first byte of `text` that is one of `delimiters`.
///
/// Inlined over [`find_or_end`], whose plain index comes back in a register where an `Option`
/// would come back through memory.
#[inline(always)]
pub fn find(text: &str, delimiters: &[u8]) -> Option<usize> {
    let at = find_or_end(text, delimiters);
    (at < text.len()).then_some(at)
}

/// The index of the first byte of `text` that is one of `delimiters`; its length when none is.
///
/// A plain loop with its own counter: `position` and `enumerate` each cost the wasm module more.
/// Here and below, text is read as a byte slice: `str::bytes`'s iterator is larger in the wasm.
/// Its bytes are walked by a slice pattern, not a `for` loop, whose `into_iter` LLVM keeps apart
/// and calls, its two pointers handed back through memory.
fn find_or_end(text: &str, delimiters: &[u8]) -> usize {
    let (mut at, mut rest) = (0, text.as_bytes());
    while let [b, tail @ ..] = rest {
        if is_one_of(*b, delimiters) {
            break;
        }
        at += 1;
        rest = tail;
    }
    at
}

/// Whether `byte` is one of `bytes`: a plain loop, where `<[u8]>::contains` brings `memchr`.
#[allow(clippy::manual_contains)]
pub fn is_one_of(byte: u8, bytes: &[u8]) -> bool {
    // By a slice pattern (see [`find_or_end`]).
    let mut rest = bytes;
    while let [b, tail @ ..] = rest {
        if *b == byte {
            return true;
        }
        rest = tail;
    }
    false
}

/// Whether `text` holds a control character (C0 or DEL) or one of `also`: one loop for the
/// checks of a URL and of a client id. A plain loop (`any` brings a `try_fold` of its own), by a
/// slice pattern (see [`find_or_end`]).
pub fn has_control(text: &str, also: &[u8]) -> bool {
    let mut rest = text.as_bytes();
    while let [b, tail @ ..] = rest {
        if *b < b' ' || *b == 0x7f || is_one_of(*b, also) {
            return true;
        }
        rest = tail;
    }
    false
}

/// `text` before and after its first `delimiter`, which neither half holds.
pub fn split_once(text: &str, delimiter: u8) -> Option<(&str, &str)> {
    // The first piece of a split; the rest is there only when a delimiter was.
    let delimiters = [delimiter];
    let mut pieces = split(text, &delimiters);
    pieces.next().zip(pieces.rest)
}

/// The pieces of `text` between any of `delimiters` (empty ones included, as `str::split` gives).
pub fn split<'a, 'd>(text: &'a str, delimiters: &'d [u8]) -> Split<'a, 'd> {
    Split {
        rest: Some(text),
        delimiters,
    }
}

/// The iterator [`split`] returns.
pub struct Split<'a, 'd> {
    rest: Option<&'a str>,
    delimiters: &'d [u8],
}

impl<'a> Iterator for Split<'a, '_> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        let rest = self.rest?;
        // The last piece where no delimiter is left: past the end, there is no rest.
        let at = find_or_end(rest, self.delimiters);
        self.rest = rest.get(at + 1..);
        rest.get(..at)
    }
}

/// The words of a list separated by spaces or commas (a `scope` attribute, an OAuth `scope`),
/// each once, in order.
pub fn words(list: &str) -> Vec<&str> {
    let mut out: Vec<&str> = Vec::new();
    for word in split(list, b" ,\t\n\r\x0c") {
        if !word.is_empty() && !out.contains(&word) {
            out.push(word);
        }
    }
    out
}

/// The words of `list` (see [`words`]), each once, joined by `separator`: one function for the
/// three places that wrote a list of scopes anew.
pub fn join_words(list: &str, separator: &str) -> String {
    join(&words(list), separator)
}

/// Lends a text that may be owned: an `Option<String>` as `Option::as_deref` does, a `Cow<str>`
/// as its `deref` does. Inlined at every call: std's, kept apart by LLVM, hand their `&str` back
/// through memory in the wasm, at each of their calls.
pub trait Lend {
    /// The text lent: `Option<&str>` or `&str`.
    type Lent<'a>
    where
        Self: 'a;
    /// The text, lent.
    fn lend(&self) -> Self::Lent<'_>;
}

impl Lend for Option<String> {
    type Lent<'a> = Option<&'a str>;

    #[inline(always)]
    fn lend(&self) -> Option<&str> {
        match self {
            Some(text) => Some(text),
            None => None,
        }
    }
}

impl Lend for Cow<'_, str> {
    type Lent<'a>
        = &'a str
    where
        Self: 'a;

    #[inline(always)]
    fn lend(&self) -> &str {
        match self {
            Cow::Borrowed(text) => text,
            Cow::Owned(text) => text,
        }
    }
}

/// Joins `pieces`: the crate's one way to build text from parts.
pub fn cat(pieces: &[&str]) -> String {
    join(pieces, "")
}

/// Joins `pieces` with `separator`.
pub fn join(pieces: &[&str], separator: &str) -> String {
    // By a slice pattern (see [`find_or_end`]): a separator after each piece but the last.
    let (mut out, mut rest) = (String::new(), pieces);
    while let [piece, tail @ ..] = rest {
        out.push_str(piece);
        if !tail.is_empty() {
            out.push_str(separator);
        }
        rest = tail;
    }
    out
}

/// Appends an ASCII byte (its top bit is dropped, so the compiler needs no UTF-8 encoding).
pub fn push_ascii(out: &mut String, byte: u8) {
    out.push(char::from(byte & 0x7f));
}

/// `n` in decimal.
pub fn decimal(n: u64) -> String {
    let mut out = String::new();
    push_decimal(&mut out, n);
    out
}

/// Appends `n` in decimal (the JSON writer's numbers, with no text of their own).
pub fn push_decimal(out: &mut String, n: u64) {
    // The leading digits first, then the last.
    if n >= 10 {
        push_decimal(out, n / 10);
    }
    push_ascii(out, b'0' + (n % 10) as u8);
}

/// `text` as a whole number of 1 to `max_digits` plain ASCII digits (no sign, no space, no
/// fraction); `None` for anything else. `max_digits` above 19 counts as 19, so it never overflows.
///
/// Inlined over [`decimal_or_max`], whose plain number comes back in a register where an
/// `Option` would come back through memory.
#[inline(always)]
pub fn parse_decimal(text: &str, max_digits: usize) -> Option<u64> {
    let n = decimal_or_max(text, max_digits);
    (n != u64::MAX).then_some(n)
}

/// What [`parse_decimal`] reads; `u64::MAX`, which 19 digits never reach, for `None`. For
/// readers that answer a plain number themselves (see [`parse_decimal`] for why).
pub fn decimal_or_max(text: &str, max_digits: usize) -> u64 {
    if text.is_empty() || text.len() > max_digits.min(19) {
        return u64::MAX;
    }
    // Checked and summed in one pass, by a slice pattern (see [`find_or_end`]).
    let (mut n, mut rest) = (0u64, text.as_bytes());
    while let [b, tail @ ..] = rest {
        if !b.is_ascii_digit() {
            return u64::MAX;
        }
        n = n * 10 + u64::from(b - b'0');
        rest = tail;
    }
    n
}

/// `n * factor`, saturating at `u64::MAX`, as `u64::saturating_mul` gives, without the 128-bit
/// multiplication that brings into the wasm module.
pub fn saturating_times(n: u64, factor: u64) -> u64 {
    match u64::MAX.checked_div(factor) {
        Some(max) if n > max => u64::MAX,
        _ => n * factor,
    }
}

/// The hex digits, lower case.
pub const HEX: &[u8; 16] = b"0123456789abcdef";

/// The value of hex digit `b` (either case); 16, past every digit, when it is not one (an
/// `Option` would come back through memory).
pub fn hex_digit(b: u8) -> u8 {
    // By ranges: a letter's case bit set makes it lower case (and no other byte a letter).
    let lower = b | 0x20;
    match b {
        b'0'..=b'9' => b - b'0',
        _ if (b'a'..=b'f').contains(&lower) => lower - b'a' + 10,
        _ => 16,
    }
}

/// Lower-case hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    // By a slice pattern (see [`find_or_end`]).
    let (mut out, mut rest) = (String::new(), bytes);
    while let [b, tail @ ..] = rest {
        push_hex(&mut out, *b, HEX);
        rest = tail;
    }
    out
}

/// `byte`'s two hex digits, written with `digits` (lower or upper case): one writer for
/// [`hex`], [`encode_into`] and JSON's `\u` escapes.
pub fn push_hex(out: &mut String, byte: u8, digits: &[u8; 16]) {
    push_ascii(out, digits[usize::from(byte >> 4)]);
    push_ascii(out, digits[usize::from(byte & 15)]);
}

const BASE64URL: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// Base64url without padding (RFC 4648 section 5), as PKCE and JOSE use it.
pub fn base64url(bytes: &[u8]) -> String {
    // Bits taken in a byte at a time and given out six at a time, as `from_base64url` reads
    // them; the last character's low bits zero. By a slice pattern (see [`find_or_end`]).
    let (mut out, mut rest) = (String::new(), bytes);
    let (mut acc, mut bits) = (0u32, 0u32);
    while let [b, tail @ ..] = rest {
        rest = tail;
        acc = acc << 8 | u32::from(*b);
        bits += 8;
        while bits >= 6 {
            bits -= 6;
            push_ascii(&mut out, BASE64URL[(acc >> bits & 63) as usize]);
        }
    }
    if bits > 0 {
        push_ascii(&mut out, BASE64URL[(acc << (6 - bits) & 63) as usize]);
    }
    out
}

/// Decodes base64url without padding; `None` for any other character, padding, or a length
/// no encoder produces.
pub fn from_base64url(text: &str) -> Option<Vec<u8>> {
    // One way out, where the bytes read are dropped: a length no encoder produces, or a byte
    // that is no character, is noted and read on.
    let mut bad = text.len() % 4 == 1;
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let (mut acc, mut bits, mut rest) = (0u32, 0u32, text.as_bytes());
    // By a slice pattern (see [`find_or_end`]).
    while let [b, tail @ ..] = rest {
        rest = tail;
        // 64, past every character, where `b` is none.
        let value = BASE64URL.iter().position(|c| c == b).unwrap_or(64) as u32;
        bad |= value > 63;
        acc = acc << 6 | value;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    // The unused low bits of the last character must be zero (RFC 4648 3.5), so that each byte
    // string has exactly one encoding.
    (!bad && acc & ((1 << bits) - 1) == 0).then_some(out)
}

/// Percent-encodes `text` onto `out`, leaving only RFC 3986 unreserved characters bare.
///
/// A space becomes `%20`, not `+`: both mean a space in a form, and `%20` also means one to a
/// provider that reads its query as a plain URI.
pub fn encode_into(out: &mut String, text: &str) {
    const UPPER: &[u8; 16] = b"0123456789ABCDEF";
    // By a slice pattern (see [`find_or_end`]).
    let mut rest = text.as_bytes();
    while let [b, tail @ ..] = rest {
        rest = tail;
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            push_ascii(out, *b);
        } else {
            push_ascii(out, b'%');
            push_hex(out, *b, UPPER);
        }
    }
}

/// `name=value&...` with every name and value percent-encoded.
#[inline(always)]
pub fn form(pairs: &[(&str, &str)]) -> String {
    let mut out = String::new();
    for (name, value) in pairs {
        form_pair(&mut out, name, value);
    }
    out
}

/// Appends one pair to the form-urlencoded `out`, after an `&` where `out` has pairs already.
pub fn form_pair(out: &mut String, name: &str, value: &str) {
    if !out.is_empty() {
        out.push('&');
    }
    encode_into(out, name);
    out.push('=');
    encode_into(out, value);
}

/// Why one form-urlencoded component could not be decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Undecodable {
    /// A `%` not followed by two hex digits.
    BadEscape,
    /// The decoded bytes are not UTF-8.
    NotUtf8,
}

/// Decodes one form-urlencoded component: `+` is a space, `%XX` a byte.
pub fn decode_component(raw: &str) -> Result<String, Undecodable> {
    // By slice patterns (see [`find_or_end`]): a byte iterator's `next` is kept apart too.
    let (mut rest, mut out) = (raw.as_bytes(), Vec::new());
    while let [b, tail @ ..] = rest {
        rest = tail;
        out.push(match b {
            b'+' => b' ',
            b'%' => {
                let [high, low, tail @ ..] = rest else {
                    return Err(Undecodable::BadEscape);
                };
                let (high, low) = (hex_digit(*high), hex_digit(*low));
                if high > 15 || low > 15 {
                    return Err(Undecodable::BadEscape);
                }
                rest = tail;
                high << 4 | low
            }
            other => *other,
        });
    }
    utf8(&out).ok_or(Undecodable::NotUtf8)
}

/// `bytes` as text, if they are UTF-8 (RFC 3629: no overlong form, no surrogate, nothing past
/// U+10FFFF), decoded one character at a time: std's validator, with its word-at-a-time fast
/// path, is larger in the wasm than the short texts the widget decodes need.
pub fn utf8(bytes: &[u8]) -> Option<String> {
    let mut out = String::with_capacity(bytes.len());
    let mut rest = bytes.iter();
    while let Some(&lead) = rest.next() {
        // Continuation bytes that follow, the smallest code point that needs them, lead's bits.
        let (follow, least, mask) = match lead {
            0x00..=0x7f => (0, 0, 0x7f),
            0xc0..=0xdf => (1, 0x80, 0x1f),
            0xe0..=0xef => (2, 0x800, 0x0f),
            0xf0..=0xf7 => (3, 0x1_0000, 0x07),
            _ => return None,
        };
        let mut code = u32::from(lead & mask);
        for _ in 0..follow {
            let next = rest.next().filter(|b| *b & 0xc0 == 0x80)?;
            code = code << 6 | u32::from(next & 0x3f);
        }
        if code < least {
            return None;
        }
        // `from_u32` refuses surrogates and what is past U+10FFFF.
        out.push(char::from_u32(code)?);
    }
    Some(out)
}

/// Compares two secrets in time that depends only on their lengths.
pub fn same_secret(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let mut diff = 0;
    for (i, x) in b.iter().enumerate() {
        diff |= x ^ a.get(i).unwrap_or(&0);
    }
    a.len() == b.len() && diff == 0
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn lends_as_std_does() {
        for text in [None, Some(String::new()), Some(String::from("é"))] {
            assert_eq!(text.lend(), text.as_deref());
        }
        for text in [
            Cow::Borrowed(""),
            Cow::Borrowed("é"),
            Cow::Owned(String::from("é")),
        ] {
            assert_eq!(text.lend(), &*text);
        }
    }

    #[test]
    fn splits_like_std() {
        assert_eq!(
            split("a&b&&c", b"&").collect::<Vec<_>>(),
            ["a", "b", "", "c"]
        );
        assert_eq!(split("", b"&").collect::<Vec<_>>(), [""]);
        assert_eq!(split_once("a=b=c", b'='), Some(("a", "b=c")));
        assert_eq!(split_once("abc", b'='), None);
        assert_eq!(find("é:x", b":"), Some(2));
        assert_eq!(words(" a, b  c,,a "), ["a", "b", "c"]);
        assert!(words(" , ").is_empty());
    }

    #[test]
    fn numbers_print_and_parse_plainly() {
        assert_eq!(decimal(0), "0");
        assert_eq!(decimal(u64::MAX), "18446744073709551615");
        assert_eq!(parse_decimal("0300", 6), Some(300));
        for bad in ["", "-1", "+1", "1.5", "1e3", " 1", "1234567", "٣"] {
            assert_eq!(parse_decimal(bad, 6), None, "{bad}");
        }
        assert_eq!(parse_decimal(&"9".repeat(25), 30), None);
    }

    #[test]
    fn base64url_follows_rfc_4648() {
        for (bytes, text) in [
            (&b""[..], ""),
            (b"f", "Zg"),
            (b"fo", "Zm8"),
            (b"foo", "Zm9v"),
            (&[0xfb, 0xff], "-_8"),
        ] {
            assert_eq!(base64url(bytes), text);
            assert_eq!(from_base64url(text).as_deref(), Some(bytes));
        }
        for bad in ["Z", "Zg=", "Zh", "Z+8", "a/b0"] {
            assert_eq!(from_base64url(bad), None, "{bad}");
        }
        assert_eq!(hex(&[0, 0xab]), "00ab");
    }

    #[test]
    fn components_decode_strictly() {
        assert_eq!(decode_component("a%2Bb+c%E2%9C%93"), Ok("a+b c✓".into()));
        assert_eq!(decode_component("%zz"), Err(Undecodable::BadEscape));
        assert_eq!(decode_component("%4"), Err(Undecodable::BadEscape));
        assert_eq!(decode_component("%FF"), Err(Undecodable::NotUtf8));
        for b in 0..=255u8 {
            let want = char::from(b).to_digit(16).map_or(16, |d| d as u8);
            assert_eq!(hex_digit(b), want, "{b}");
        }
        assert_eq!(form(&[("a b", "x/y~"), ("c", "")]), "a%20b=x%2Fy~&c=");
        assert!(same_secret("ab", "ab") && !same_secret("ab", "ac") && !same_secret("ab", "a"));
    }

    proptest! {
        #[test]
        fn agrees_with_std_char_patterns(text in "[a-c&=é ,]{0,24}") {
            prop_assert_eq!(split(&text, b"&,").collect::<Vec<_>>(), text.split(['&', ',']).collect::<Vec<_>>());
            prop_assert_eq!(split_once(&text, b'='), text.split_once('='));
            prop_assert_eq!(find(&text, b"= "), text.find(['=', ' ']));
        }

        #[test]
        fn base64url_round_trips(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
            prop_assert_eq!(from_base64url(&base64url(&bytes)), Some(bytes));
        }

        #[test]
        fn encoding_then_decoding_round_trips(text in "\\PC{0,40}") {
            let mut out = String::new();
            encode_into(&mut out, &text);
            prop_assert_eq!(decode_component(&out), Ok(text));
        }

        #[test]
        fn decoding_never_panics(raw in "[%a-fA-F0-9+]{0,40}|\\PC{0,40}") {
            let _ = decode_component(&raw);
        }

        #[test]
        fn utf8_agrees_with_std(bytes in proptest::collection::vec(any::<u8>(), 0..12), text in "\\PC{0,12}") {
            prop_assert_eq!(utf8(&bytes), String::from_utf8(bytes.clone()).ok());
            prop_assert_eq!(utf8(text.as_bytes()), Some(text));
        }
    }

    #[test]
    fn utf8_refuses_what_std_refuses_at_every_boundary() {
        // Every lead byte, with every second byte, and the third and fourth at their extremes:
        // overlong forms, surrogates, past U+10FFFF, truncated and stray continuation bytes.
        for lead in 0..=255u8 {
            for second in 0..=255u8 {
                for tail in [[0x80, 0x80], [0xbf, 0xbf], [0x80, 0x41], [0x41, 0x41]] {
                    for len in 1..=4 {
                        let bytes = &[lead, second, tail[0], tail[1]][..len];
                        assert_eq!(
                            utf8(bytes),
                            String::from_utf8(bytes.to_vec()).ok(),
                            "{bytes:x?}"
                        );
                    }
                }
            }
        }
    }
}
