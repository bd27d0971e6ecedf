//! JSON (RFC 8259), read strictly and written minimally: a leaf that everything may use.
//!
//! The reader validates a whole text once, then hands out [`Value`]s that borrow from it:
//! strings (their escapes resolved only when one is read), numbers, and nested arrays and
//! objects stay slices of the input until asked for, so reading a token answer or a key set
//! allocates little, and a value is `Copy`. It accepts exactly
//! what `serde_json` accepts as a value (a property test and the fuzz target compare them),
//! with one more bound: nesting deeper than [`MAX_DEPTH`] is refused, so hostile input cannot
//! exhaust the wasm module's small stack.
//!
//! The writer is how the browser edge (`web::edge`) answers JS: one `JSON.parse` on that side.

use std::borrow::Cow;

use super::text::{decimal_or_max, hex_digit, is_one_of, push_decimal, push_hex, Lend, HEX};

/// The deepest nesting read.
pub const MAX_DEPTH: usize = 32;

/// A JSON value; strings, numbers, arrays and objects are their raw (already validated) text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Value<'a> {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A number, as written.
    Number(&'a str),
    /// A string's text as written, quotes included: [`Value::as_str`] resolves its escapes.
    Str(&'a str),
    /// An array's text, brackets included.
    Array(&'a str),
    /// An object's text, braces included.
    Object(&'a str),
}

/// An object's member (its name, unescaped, and value), or an array's element (its name empty).
pub type Member<'a> = (Cow<'a, str>, Value<'a>);

/// Reads `text` as one JSON value, surrounded by white space at most.
pub fn parse(text: &str) -> Option<Value<'_>> {
    let mut reader = Reader { text, pos: 0 };
    // Read into the answer, then taken back where more than white space follows.
    let value = reader.value(0);
    reader.space();
    value.filter(|_| reader.pos == text.len())
}

impl<'a> Value<'a> {
    /// The string, unescaped (borrowed when it has no escapes), if this is one.
    pub fn as_str(&self) -> Option<Cow<'a, str>> {
        match *self {
            Self::Str(raw) => Reader { text: raw, pos: 0 }.string(),
            _ => None,
        }
    }

    /// The number, if this is a whole one from 0 to 10^19 - 1.
    ///
    /// Inlined over [`Value::u64_or_max`], whose plain number comes back in a register where an
    /// `Option` would come back through memory.
    #[inline(always)]
    pub fn as_u64(&self) -> Option<u64> {
        let n = self.u64_or_max();
        (n != u64::MAX).then_some(n)
    }

    /// What [`Value::as_u64`] reads; `u64::MAX`, which 19 digits never reach, for `None`.
    fn u64_or_max(&self) -> u64 {
        match self {
            Self::Number(raw) => decimal_or_max(raw, 19),
            _ => u64::MAX,
        }
    }

    /// An object's members in order (duplicates included); an array's elements, each with an
    /// empty name (read in place: no second list of bare elements is built).
    pub fn members(&self) -> Vec<Member<'a>> {
        let mut out = Vec::new();
        if let Self::Array(raw) | Self::Object(raw) = *self {
            // Read by the rule that validated it: it cannot fail here.
            Reader { text: raw, pos: 0 }.items(0, Some(&mut out));
        }
        out
    }

    /// The member `name` of an object, when it occurs exactly once.
    pub fn get(&self, name: &str) -> Option<Value<'a>> {
        let (members, mut found) = (self.members(), None);
        for (key, value) in &members {
            // A name given twice counts as absent. Names compare as `str`: `Cow`'s own
            // comparison with `&str` is a function of its own in the wasm.
            if *key.lend() == *name && found.replace(value).is_some() {
                return None;
            }
        }
        found.copied()
    }

    /// Whether an object gives a member's name twice. [`Value::get`] reads such a member as
    /// absent, which must not turn a restriction off: a JWK or a JWT with one is refused (RFC
    /// 7515 and RFC 7519 let a reader refuse duplicates).
    ///
    /// Names compare unescaped, as [`Value::get`] reads them (`"a"` and `"\u0061"` are one
    /// name). The members are read once and their names compared pairwise: asking `get` for
    /// each would read the whole object again per member.
    pub fn has_duplicate(&self) -> bool {
        let members = self.members();
        let mut rest = members.as_slice();
        while let [(name, _), later @ ..] = rest {
            if later.iter().any(|(other, _)| *other.lend() == *name.lend()) {
                return true;
            }
            rest = later;
        }
        false
    }

    /// Whether this is the string `want` (unescaped): compared in place, copied only where it
    /// holds an escape.
    pub fn is_str(&self, want: &str) -> bool {
        self.as_str().is_some_and(|text| *text.lend() == *want)
    }

    /// Whether any member `name` (an array's elements: the empty name) is the string `want`,
    /// or is there at all where `want` is `None`, a name given twice included: one loop for a
    /// key's `kid`s and its `key_ops`, and a JWS header's `crit`.
    pub fn any_is(&self, name: &str, want: Option<&str>) -> bool {
        self.members()
            .iter()
            .any(|(key, value)| *key.lend() == *name && want.is_none_or(|want| value.is_str(want)))
    }

    /// Whether an object's member `name` (once) is the string `want`.
    pub fn has_str(&self, name: &str, want: &str) -> bool {
        self.get(name).is_some_and(|v| v.is_str(want))
    }

    /// The string member `name` of an object (once, and a string).
    pub fn str_of(&self, name: &str) -> Option<String> {
        self.get(name)?.as_str().map(Cow::into_owned)
    }
}

/// JSON's one-letter escapes and the characters they stand for.
const ESCAPES: &[(u8, u8); 8] = &[
    (b'"', b'"'),
    (b'\\', b'\\'),
    (b'/', b'/'),
    (b'b', 8),
    (b'f', 12),
    (b'n', b'\n'),
    (b'r', b'\r'),
    (b't', b'\t'),
];

struct Reader<'a> {
    text: &'a str,
    pos: usize,
}

impl<'a> Reader<'a> {
    /// The byte here; 0 past the end. Every rule refuses a NUL byte where it stands (inside a
    /// string, as a control character; elsewhere, as no token), so the end is read as one,
    /// without an `Option`, which a call in the wasm returns through memory.
    fn peek(&self) -> u8 {
        self.text.as_bytes().get(self.pos).copied().unwrap_or(0)
    }

    /// The byte here (0 past the end), taken.
    fn bump(&mut self) -> u8 {
        let b = self.peek();
        self.pos += 1;
        b
    }

    fn space(&mut self) {
        while is_one_of(self.peek(), b" \t\n\r") {
            self.pos += 1;
        }
    }

    /// After white space, one of `bytes`, taken; whether it was there.
    fn space_and(&mut self, bytes: &[u8]) -> bool {
        self.space();
        self.take(bytes)
    }

    /// `word`, right here, taken; whether it was there. Nothing is taken when it is not: a
    /// word begun but not finished (`n5`) leaves the next rule to start where it did.
    fn word(&mut self, word: &[u8]) -> bool {
        let ok = self
            .text
            .as_bytes()
            .get(self.pos..)
            .is_some_and(|t| t.starts_with(word));
        self.pos += if ok { word.len() } else { 0 };
        ok
    }

    fn value(&mut self, depth: usize) -> Option<Value<'a>> {
        self.space();
        let start = self.pos;
        // Read first, its kind noted and whether it was whole; the text it spans is then taken
        // once, for every kind, and a value that breaks off leaves by one way.
        let (whole, value) = match self.peek() {
            // Checked now, unescaped when asked for.
            b'"' => (self.string().is_some(), Value::Str("")),
            open @ (b'{' | b'[') if depth < MAX_DEPTH => (
                self.items(depth, None).is_some(),
                if open == b'{' {
                    Value::Object("")
                } else {
                    Value::Array("")
                },
            ),
            b't' if self.word(b"true") => (true, Value::Bool(true)),
            b'f' if self.word(b"false") => (true, Value::Bool(false)),
            b'n' if self.word(b"null") => (true, Value::Null),
            _ => {
                // -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
                // (No white space inside a number: each piece is taken only where it stands.)
                self.take(b"-");
                let whole = (self.take(b"0") || self.digits())
                    && (!self.take(b".") || self.digits())
                    && (!self.take(b"eE") || {
                        self.take(b"+-");
                        self.digits()
                    });
                (whole, Value::Number(""))
            }
        };
        // The one way out, for a value that broke off as for a slice that fails.
        let raw = self.text.get(start..self.pos).filter(|_| whole)?;
        Some(match value {
            Value::Number(_) => Value::Number(raw),
            Value::Str(_) => Value::Str(raw),
            Value::Array(_) => Value::Array(raw),
            Value::Object(_) => Value::Object(raw),
            word => word,
        })
    }

    /// The array or object that starts here, read whole; its elements or members (an element's
    /// name empty) pushed onto `out` where it is given. One rule for validating and reading.
    fn items(&mut self, depth: usize, mut out: Option<&mut Vec<Member<'a>>>) -> Option<()> {
        let open = self.bump();
        let close = open + 2; // `}` and `]` follow `{` and `[` by two in ASCII
        if self.space_and(&[close]) {
            return Some(());
        }
        loop {
            let mut name = Cow::Borrowed("");
            // One way out for a member that breaks off, so the name is dropped in one place.
            let named = open != b'{' || {
                self.space();
                match self.string() {
                    Some(read) => {
                        name = read;
                        self.space_and(b":")
                    }
                    None => false,
                }
            };
            let value = if named { self.value(depth + 1) } else { None };
            let value = value?;
            if let Some(out) = out.as_deref_mut() {
                out.push((name, value));
            }
            if self.space_and(&[close]) {
                return Some(());
            }
            if !self.take(b",") {
                return None;
            }
        }
    }

    /// One of `bytes`, right here, taken; whether it was there.
    fn take(&mut self, bytes: &[u8]) -> bool {
        let here = is_one_of(self.peek(), bytes);
        self.pos += usize::from(here);
        here
    }

    /// Digits, at least one, taken; whether there were.
    fn digits(&mut self) -> bool {
        let start = self.pos;
        while self.peek().is_ascii_digit() {
            self.pos += 1;
        }
        self.pos > start
    }

    /// A string with JSON's escapes, surrogate pairs included; borrowed when it has none.
    /// The text between escapes is copied as it is: the input is UTF-8, and a run ends at a
    /// quote or a backslash, which are ASCII, so every run is whole characters.
    fn string(&mut self) -> Option<Cow<'a, str>> {
        if self.bump() != b'"' {
            return None;
        }
        let mut run = self.pos;
        // Empty until an escape is read (each one adds a character): nothing is allocated
        // before.
        let mut out = String::new();
        loop {
            let b = self.bump();
            match b {
                b'"' | b'\\' => {
                    let Some(piece) = self.text.get(run..self.pos - 1) else {
                        break;
                    };
                    if b == b'"' {
                        if out.is_empty() {
                            return Some(Cow::Borrowed(piece));
                        }
                        out.push_str(piece);
                        return Some(Cow::Owned(out));
                    }
                    out.push_str(piece);
                    let code = match self.bump() {
                        b'u' => {
                            let high = self.hex4();
                            // A high surrogate takes the low one after it; without one, it stays
                            // a lone surrogate, which is no character.
                            let low = if (0xD800..0xDC00).contains(&high) && self.word(b"\\u") {
                                self.hex4()
                            } else {
                                0
                            };
                            if (0xDC00..0xE000).contains(&low) {
                                0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)
                            } else {
                                high
                            }
                        }
                        // A one-letter escape, by a table: smaller than a match arm for each;
                        // `u32::MAX`, no character, for a letter that is not one.
                        e => ESCAPES
                            .iter()
                            .find(|(letter, _)| *letter == e)
                            .map_or(u32::MAX, |(_, c)| u32::from(*c)),
                    };
                    let Some(c) = char::from_u32(code) else {
                        break;
                    };
                    out.push(c);
                    run = self.pos;
                }
                b if b < 0x20 => break,
                _ => {}
            }
        }
        // One way out for a string that breaks off.
        None
    }

    /// Four hex digits' value; `u32::MAX`, no character and no surrogate, when one is not a
    /// hex digit (an `Option` would come back through memory).
    fn hex4(&mut self) -> u32 {
        let mut n = 0;
        for _ in 0..4 {
            let digit = hex_digit(self.bump());
            if digit > 15 {
                return u32::MAX;
            }
            n = n * 16 + u32::from(digit);
        }
        n
    }
}

/// Builds one JSON text; commas go where they belong by looking at what was written last, so
/// callers only open, name and close.
#[derive(Debug, Default)]
pub struct Writer {
    out: String,
}

impl Writer {
    fn separate(&mut self) {
        if self
            .out
            .as_bytes()
            .last()
            .is_some_and(|b| !is_one_of(*b, b"[{:"))
        {
            self.out.push(',');
        }
    }

    /// Writes `text` as it is (an opening or closing bracket, `null`, or JSON known valid).
    pub fn raw(&mut self, text: &str) {
        // By its first byte: no JSON text the writer is given starts with a closing bracket.
        if !matches!(text.as_bytes().first(), Some(b']' | b'}')) {
            self.separate();
        }
        self.out.push_str(text);
    }

    /// A member name; the next call writes its value.
    pub fn key(&mut self, name: &str) {
        self.string(name);
        self.out.push(':');
    }

    /// A string, escaped.
    pub fn string(&mut self, text: &str) {
        self.separate();
        self.out.push('"');
        for c in text.chars() {
            match c {
                // A quote or a backslash, after a backslash.
                '"' | '\\' => {
                    self.out.push('\\');
                    self.out.push(c);
                }
                // U+2028/2029 are valid JSON but were not valid in JS string literals before ES2019.
                c if (c as u32) < 0x20 || c == '\u{2028}' || c == '\u{2029}' => {
                    let n = c as u32;
                    self.out.push_str("\\u");
                    push_hex(&mut self.out, (n >> 8) as u8, HEX);
                    push_hex(&mut self.out, n as u8, HEX);
                }
                c => self.out.push(c),
            }
        }
        self.out.push('"');
    }

    /// A whole number (JS reads it exactly below 2^53).
    pub fn number(&mut self, n: u64) {
        self.separate();
        push_decimal(&mut self.out, n);
    }

    /// `true` or `false`.
    pub fn boolean(&mut self, value: bool) {
        self.raw(if value { "true" } else { "false" });
    }

    /// The text written.
    #[inline(never)]
    pub fn finish(self) -> String {
        self.out
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use crate::core::text::cat;
    use proptest::prelude::*;

    /// The largest number read (19 nines) stays clear of the `u64::MAX` that stands for none;
    /// `u64::MAX` itself, 20 digits, is none.
    #[test]
    fn as_u64_reads_up_to_nineteen_digits() {
        let read = |raw| Value::Number(raw).as_u64();
        assert_eq!(read("9999999999999999999"), Some(9_999_999_999_999_999_999));
        assert_eq!(read("0"), Some(0));
        for bad in ["18446744073709551615", "-1", "1.0", "1e3"] {
            assert_eq!(read(bad), None, "{bad}");
        }
        assert_eq!(Value::Str("1").as_u64(), None);
    }

    #[test]
    fn reads_values_lazily_and_exactly() {
        let v = parse(r#" {"a":"x\u00e9\ud83d\ude00\n","n":3600,"f":1.5,"z":null,"o":{"k":[1,{"d":true}]},"t":true,"s":"plain"} "#).unwrap();
        assert_eq!(v.str_of("a").as_deref(), Some("xé😀\n"));
        assert_eq!(v.get("n").and_then(|n| n.as_u64()), Some(3600));
        assert_eq!(v.get("f"), Some(Value::Number("1.5")));
        assert_eq!(v.get("f").and_then(|n| n.as_u64()), None);
        assert_eq!(v.get("z"), Some(Value::Null));
        let o = v.get("o").unwrap();
        assert_eq!(o, Value::Object(r#"{"k":[1,{"d":true}]}"#));
        let k = o.get("k").unwrap().members();
        assert_eq!(k.len(), 2);
        assert_eq!(k[1].1.get("d"), Some(Value::Bool(true)));
        assert_eq!(v.get("s"), Some(Value::Str("\"plain\"")));
        assert!(matches!(
            v.get("s").and_then(|s| s.as_str()),
            Some(Cow::Borrowed("plain"))
        ));
        assert_eq!(
            parse(r#"{"a":1,"a":2}"#).unwrap().get("a"),
            None,
            "twice is no answer"
        );
        assert_eq!(parse("[]").unwrap().members(), []);
        assert_eq!(parse(" {} ").unwrap().members(), []);
    }

    #[test]
    fn refuses_what_is_not_json() {
        let deep = format!("{}{}", "[".repeat(40), "]".repeat(40));
        for bad in [
            "",
            "{",
            "{\"a\"}",
            "{\"a\":}",
            "{\"a\":1,}",
            "[1,]",
            "01",
            "1.",
            "-",
            // White space inside a number (found by the property test below).
            "- 0",
            // A word begun, then a number (found by the fuzz target `json`).
            "n5",
            "t1",
            "f0",
            "1 .5",
            "1e -2",
            "tru",
            "\"\u{1}\"",
            "\"\\x\"",
            "\"\\ud83d\"",
            "\"\\ud83dx\"",
            "\"\\u00g0\"",
            "\"\\ud83d\\ude0g\"",
            "\"\\ud83d\\u0041\"",
            "\"\\ude00\"",
            "{} {}",
            "<html>",
            "{'a':1}",
            // Cut short, and a NUL byte where each rule reads one (the reader reads its end as
            // a NUL byte, which every rule refuses).
            "\"",
            "\"\\",
            "\"\\u12",
            "[1",
            "{\"a\":1",
            "\0",
            "[\0]",
            "[1\0]",
            "{\"a\"\0:1}",
            "\"\0\"",
            "\"\\\0\"",
            "\"\\u00\0\"",
            "1e\0",
            &deep,
        ] {
            assert_eq!(parse(bad), None, "{bad}");
        }
        assert!(parse(&format!("{}{}", "[".repeat(30), "]".repeat(30))).is_some());
    }

    /// A letter that is no escape reads as `u32::MAX`, which is no character: every ASCII byte
    /// after a backslash is read as serde_json reads it (`u` takes four digits).
    #[test]
    fn one_letter_escapes_are_exactly_json_s() {
        for b in 0u8..0x80 {
            let text = cat(&["\"\\", char::from(b).encode_utf8(&mut [0; 4]), "0000\""]);
            let ours = parse(&text).and_then(|v| v.as_str().map(Cow::into_owned));
            let theirs = serde_json::from_str::<String>(&text).ok();
            assert_eq!(ours, theirs, "{text:?}");
        }
    }

    #[test]
    fn writes_nested_values_with_commas_where_they_belong() {
        let mut w = Writer::default();
        w.raw("[");
        w.raw("{");
        w.key("a");
        w.number(1);
        w.key("b");
        w.raw("null");
        w.key("c");
        w.raw("[");
        w.string("x");
        w.boolean(true);
        w.raw("]");
        w.raw("}");
        w.raw("{");
        w.raw("}");
        w.raw("]");
        assert_eq!(w.finish(), r#"[{"a":1,"b":null,"c":["x",true]},{}]"#);
        let mut w = Writer::default();
        w.string("q\"b\\n\n\u{1}\u{2028}é✓");
        assert_eq!(w.finish(), r#""q\"b\\n\u000a\u0001\u2028é✓""#);
    }

    /// `has_duplicate` as it was first written: a name `get` reads as absent.
    fn has_duplicate_by_get(value: &Value) -> bool {
        value
            .members()
            .iter()
            .any(|(name, _)| value.get(name).is_none())
    }

    #[test]
    fn finds_duplicates_by_unescaped_name() {
        for (text, twice) in [
            (r#"{}"#, false),
            (r#"{"a":1}"#, false),
            (r#"{"a":1,"b":2}"#, false),
            (r#"{"a":1,"a":2}"#, true),
            (r#"{"a":1,"b":2,"a":3}"#, true),
            (r#"{"a":1,"\u0061":2}"#, true),
            (r#"{"\u0061":1,"b":{"a":1,"a":2}}"#, false),
            (r#"{"":1,"":2}"#, true),
            ("[]", false),
            ("[1]", false),
            // An array's elements all have the empty name, as `get` read them.
            ("[1,2]", true),
            ("\"a\"", false),
        ] {
            let value = parse(text).unwrap();
            assert_eq!(value.has_duplicate(), twice, "{text}");
            assert_eq!(has_duplicate_by_get(&value), twice, "{text}");
        }
    }

    proptest! {
        #[test]
        fn has_duplicate_agrees_with_get(
            members in proptest::collection::vec(("[ab]{0,2}", any::<bool>(), 0u8..3), 0..8),
            array in any::<bool>(),
        ) {
            // Short names, some written with an escape, so that equal names are common.
            let mut text = String::from(if array { "[" } else { "{" });
            for (i, (name, escaped, value)) in members.iter().enumerate() {
                if i > 0 {
                    text.push(',');
                }
                if !array {
                    let name: String = name
                        .chars()
                        .map(|c| if *escaped { format!("\\u{:04x}", c as u32) } else { c.to_string() })
                        .collect();
                    text.push_str(&format!("\"{name}\":"));
                }
                text.push_str(["1", "\"x\"", "{\"a\":1,\"a\":2}"][usize::from(*value)]);
            }
            text.push(if array { ']' } else { '}' });
            let value = parse(&text).unwrap();
            prop_assert_eq!(value.has_duplicate(), has_duplicate_by_get(&value), "{}", text);
        }

        #[test]
        fn agrees_with_serde_json(text in r#"[\[\]{}":,0-9a-z\\. -]{0,40}"#) {
            let ours = parse(&text).is_some();
            let theirs = serde_json::from_str::<serde_json::Value>(&text).is_ok();
            prop_assert_eq!(ours, theirs, "{}", text);
        }

        #[test]
        fn reads_back_what_serde_writes(value in any::<(String, Option<u32>, bool, Vec<String>)>()) {
            let text = serde_json::json!({"s": value.0, "n": value.1, "b": value.2, "v": value.3}).to_string();
            let v = parse(&text).unwrap();
            prop_assert_eq!(v.str_of("s"), Some(value.0));
            prop_assert_eq!(v.get("n").and_then(|n| n.as_u64()), value.1.map(u64::from));
            prop_assert_eq!(v.get("b"), Some(Value::Bool(value.2)));
            let strings: Vec<String> = v.get("v").unwrap().members().iter().filter_map(|(_, e)| e.as_str().map(Cow::into_owned)).collect();
            prop_assert_eq!(strings, value.3);
        }

        #[test]
        fn written_strings_read_back(text in "\\PC{0,40}") {
            let mut w = Writer::default();
            w.string(&text);
            let written = w.finish();
            prop_assert_eq!(parse(&written).and_then(|v| v.as_str().map(Cow::into_owned)), Some(text.clone()));
            prop_assert_eq!(serde_json::from_str::<String>(&written).ok(), Some(text));
        }
    }
}
