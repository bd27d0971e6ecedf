//! A minimal JSON writer: how the core hands its decisions to the browser layer.
//!
//! Every call into the core answers with one JSON text (a list of commands, see
//! `core::widget`), which JS turns into objects with one `JSON.parse`. Writing it by hand keeps
//! `serde_json` and `core::fmt` out of the wasm module; commas are placed by looking at what was
//! written last, so callers only open, name and close.

/// Builds one JSON text.
#[derive(Debug, Default)]
pub struct Writer {
    out: String,
}

impl Writer {
    /// A comma if a value was written just before at this level.
    fn separate(&mut self) {
        if !matches!(self.out.as_bytes().last(), None | Some(b'[' | b'{' | b':')) {
            self.out.push(',');
        }
    }

    /// Starts an object.
    pub fn open_object(&mut self) -> &mut Self {
        self.separate();
        self.out.push('{');
        self
    }

    /// Ends the object.
    pub fn close_object(&mut self) -> &mut Self {
        self.out.push('}');
        self
    }

    /// Starts an array.
    pub fn open_array(&mut self) -> &mut Self {
        self.separate();
        self.out.push('[');
        self
    }

    /// Ends the array.
    pub fn close_array(&mut self) -> &mut Self {
        self.out.push(']');
        self
    }

    /// A member name; the next call writes its value.
    pub fn key(&mut self, name: &str) -> &mut Self {
        self.string(name);
        self.out.push(':');
        self
    }

    /// A string value, escaped.
    pub fn string(&mut self, text: &str) -> &mut Self {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        self.separate();
        self.out.push('"');
        for c in text.chars() {
            match c {
                '"' => self.out.push_str("\\\""),
                '\\' => self.out.push_str("\\\\"),
                // U+2028/2029 are valid JSON but were not valid JS string text before ES2019.
                c if (c as u32) < 0x20 || c == '\u{2028}' || c == '\u{2029}' => {
                    let n = c as u32;
                    self.out.push_str("\\u");
                    for shift in [12, 8, 4, 0] {
                        self.out.push(HEX[((n >> shift) & 15) as usize] as char);
                    }
                }
                c => self.out.push(c),
            }
        }
        self.out.push('"');
        self
    }

    /// A string, or `null`.
    pub fn opt_string(&mut self, text: Option<&str>) -> &mut Self {
        match text {
            Some(text) => self.string(text),
            None => self.raw("null"),
        }
    }

    /// A whole number (below 2^53, so JS reads it exactly).
    pub fn number(&mut self, n: u64) -> &mut Self {
        self.separate();
        push_decimal(&mut self.out, n);
        self
    }

    /// A number, or `null`.
    pub fn opt_number(&mut self, n: Option<u64>) -> &mut Self {
        match n {
            Some(n) => self.number(n),
            None => self.raw("null"),
        }
    }

    /// `true` or `false`.
    pub fn boolean(&mut self, value: bool) -> &mut Self {
        self.raw(if value { "true" } else { "false" })
    }

    /// JSON text written as it is: `null`, or a value already known to be valid JSON.
    pub fn raw(&mut self, json: &str) -> &mut Self {
        self.separate();
        self.out.push_str(json);
        self
    }

    /// The text written.
    pub fn finish(self) -> String {
        self.out
    }
}

/// Appends `n` in decimal: the integer printing of `core::fmt` without its machinery.
pub fn push_decimal(out: &mut String, mut n: u64) {
    let mut digits = [0u8; 20];
    let mut start = digits.len();
    loop {
        start -= 1;
        digits[start] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for &d in &digits[start..] {
        out.push(d as char);
    }
}

/// `text` as a whole number of 1 to `max_digits` plain ASCII digits (no sign, no space), the
/// inverse of [`decimal`]; `None` for anything else. `max_digits` is at most 19, so it never
/// overflows a `u64`.
pub fn parse_decimal(text: &str, max_digits: usize) -> Option<u64> {
    let plain =
        (1..=max_digits.min(19)).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_digit());
    plain.then(|| text.bytes().fold(0u64, |n, b| n * 10 + u64::from(b - b'0')))
}

/// `n` in decimal.
pub fn decimal(n: u64) -> String {
    let mut out = String::new();
    push_decimal(&mut out, n);
    out
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;

    #[test]
    fn writes_nested_values_with_commas_in_the_right_places() {
        let mut w = Writer::default();
        w.open_array();
        w.open_object().key("a").number(1).key("b").opt_string(None);
        w.key("c")
            .open_array()
            .string("x")
            .boolean(true)
            .close_array();
        w.close_object();
        w.open_object().close_object();
        w.close_array();
        assert_eq!(w.finish(), r#"[{"a":1,"b":null,"c":["x",true]},{}]"#);
    }

    #[test]
    fn escapes_what_json_and_js_need() {
        let mut w = Writer::default();
        w.string("q\"b\\n\n\u{1}\u{2028}é✓");
        assert_eq!(w.finish(), r#""q\"b\\n\u000a\u0001\u2028é✓""#);
    }

    #[test]
    fn decimals_cover_the_range() {
        assert_eq!(decimal(0), "0");
        assert_eq!(decimal(1_700_000_000_000), "1700000000000");
        assert_eq!(decimal(u64::MAX), "18446744073709551615");
        assert_eq!(parse_decimal("0300", 6), Some(300));
        for bad in ["", "-1", "+1", "1.5", "1e3", " 1", "1234567"] {
            assert_eq!(parse_decimal(bad, 6), None, "{bad}");
        }
        assert_eq!(
            parse_decimal("9999999999999999999", 19),
            Some(9_999_999_999_999_999_999)
        );
    }
}

/// A top-level member's value, as far as the token endpoint's rules look at it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value<'a> {
    /// A string, unescaped.
    Str(String),
    /// A non-negative integer (no fraction, no exponent) that fits in a `u64`.
    Int(u64),
    /// `null`.
    Null,
    /// An object, as its raw JSON text.
    Object(&'a str),
    /// Anything else (`true`, a negative or fractional number, an array), as its raw JSON text.
    Other(&'a str),
}

/// How deeply values may nest: enough for any token response, and bounded so that hostile input
/// cannot exhaust the wasm module's small stack.
const MAX_DEPTH: usize = 32;

/// Reads a JSON text (RFC 8259) that must be one object, strictly: the whole text is
/// validated, and the top-level members are returned in order. `None` for anything else.
pub fn read_object(text: &str) -> Option<Vec<(String, Value<'_>)>> {
    let mut reader = Reader { text, pos: 0 };
    reader.skip_space();
    let members = reader.object_members()?;
    reader.skip_space();
    (reader.pos == text.len()).then_some(members)
}

struct Reader<'a> {
    text: &'a str,
    pos: usize,
}

impl<'a> Reader<'a> {
    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.pos).copied()
    }

    fn skip_space(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    fn eat(&mut self, byte: u8) -> Option<()> {
        self.skip_space();
        (self.peek() == Some(byte)).then(|| self.pos += 1)
    }

    fn literal(&mut self, word: &str) -> Option<()> {
        self.text
            .get(self.pos..)?
            .starts_with(word)
            .then(|| self.pos += word.len())
    }

    /// `{ "name": value, ... }` at the top level, keeping each member's value.
    fn object_members(&mut self) -> Option<Vec<(String, Value<'a>)>> {
        self.eat(b'{')?;
        let mut members = Vec::new();
        if self.eat(b'}').is_some() {
            return Some(members);
        }
        loop {
            self.skip_space();
            let name = self.string()?;
            self.eat(b':')?;
            self.skip_space();
            let start = self.pos;
            let value = match self.peek()? {
                b'"' => Value::Str(self.string()?),
                b'n' => self.literal("null").map(|()| Value::Null)?,
                b'{' => {
                    self.value(1)?;
                    Value::Object(self.text.get(start..self.pos)?)
                }
                b'0'..=b'9' => {
                    self.number()?;
                    let raw = self.text.get(start..self.pos)?;
                    match raw
                        .bytes()
                        .all(|b| b.is_ascii_digit())
                        .then(|| raw.parse::<u64>().ok())
                        .flatten()
                    {
                        Some(n) => Value::Int(n),
                        None => Value::Other(raw),
                    }
                }
                _ => {
                    self.value(1)?;
                    Value::Other(self.text.get(start..self.pos)?)
                }
            };
            members.push((name, value));
            self.skip_space();
            match self.peek()? {
                b',' => self.pos += 1,
                b'}' => {
                    self.pos += 1;
                    return Some(members);
                }
                _ => return None,
            }
        }
    }

    /// Validates any value, nested at `depth`.
    fn value(&mut self, depth: usize) -> Option<()> {
        if depth > MAX_DEPTH {
            return None;
        }
        self.skip_space();
        match self.peek()? {
            b'"' => self.string().map(drop),
            b'{' | b'[' => {
                let object = self.peek() == Some(b'{');
                let close = if object { b'}' } else { b']' };
                self.pos += 1;
                if self.eat(close).is_some() {
                    return Some(());
                }
                loop {
                    if object {
                        self.skip_space();
                        self.string()?;
                        self.eat(b':')?;
                    }
                    self.value(depth + 1)?;
                    self.skip_space();
                    match self.peek()? {
                        b',' => self.pos += 1,
                        b if b == close => {
                            self.pos += 1;
                            return Some(());
                        }
                        _ => return None,
                    }
                }
            }
            b't' => self.literal("true"),
            b'f' => self.literal("false"),
            b'n' => self.literal("null"),
            _ => self.number(),
        }
    }

    /// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`
    fn number(&mut self) -> Option<()> {
        let digits = |r: &mut Self| {
            let start = r.pos;
            while r.peek().is_some_and(|b| b.is_ascii_digit()) {
                r.pos += 1;
            }
            (r.pos > start).then_some(())
        };
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        if self.peek() == Some(b'0') {
            self.pos += 1;
        } else {
            digits(self)?;
        }
        if self.peek() == Some(b'.') {
            self.pos += 1;
            digits(self)?;
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.pos += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            digits(self)?;
        }
        Some(())
    }

    /// A string: `"` ... `"` with JSON's escapes, including UTF-16 surrogate pairs.
    fn string(&mut self) -> Option<String> {
        if self.peek() != Some(b'"') {
            return None;
        }
        self.pos += 1;
        let mut out = String::new();
        loop {
            let rest = self.text.get(self.pos..)?;
            let c = rest.chars().next()?;
            self.pos += c.len_utf8();
            match c {
                '"' => return Some(out),
                '\\' => {
                    let escape = self.peek()?;
                    self.pos += 1;
                    out.push(match escape {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => {
                            let high = self.hex4()?;
                            let code = if (0xD800..0xDC00).contains(&high) {
                                self.literal("\\u")?;
                                let low = self.hex4()?;
                                if !(0xDC00..0xE000).contains(&low) {
                                    return None;
                                }
                                0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)
                            } else {
                                high
                            };
                            char::from_u32(code)?
                        }
                        _ => return None,
                    });
                }
                c if (c as u32) < 0x20 => return None,
                c => out.push(c),
            }
        }
    }

    fn hex4(&mut self) -> Option<u32> {
        let digits = self.text.get(self.pos..self.pos + 4)?;
        self.pos += 4;
        digits
            .bytes()
            .try_fold(0u32, |n, b| Some(n * 16 + (b as char).to_digit(16)?))
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod reader_tests {
    use super::*;

    #[test]
    fn reads_top_level_members_and_validates_the_rest() {
        let members = read_object(r#" {"a":"x\u00e9\ud83d\ude00\n","n":3600,"f":1.5,"neg":-1,"z":null,"o":{"k":[1,{"d":true}]},"t":true} "#).unwrap();
        assert_eq!(members[0], ("a".into(), Value::Str("xé😀\n".into())));
        assert_eq!(members[1].1, Value::Int(3600));
        assert_eq!(members[2].1, Value::Other("1.5"));
        assert_eq!(members[3].1, Value::Other("-1"));
        assert_eq!(members[4].1, Value::Null);
        assert_eq!(members[5].1, Value::Object(r#"{"k":[1,{"d":true}]}"#));
        assert_eq!(members[6].1, Value::Other("true"));
        assert_eq!(read_object("{}"), Some(vec![]));
    }

    #[test]
    fn refuses_what_is_not_one_json_object() {
        let deep = format!("{{\"a\":{}{}}}", "[".repeat(40), "]".repeat(40));
        for bad in [
            "",
            "[]",
            "\"s\"",
            "{",
            "{\"a\"}",
            "{\"a\":}",
            "{\"a\":1,}",
            "{\"a\":01}",
            "{\"a\":1.}",
            "{\"a\":tru}",
            "{\"a\":\"\u{1}\"}",
            "{\"a\":\"\\x\"}",
            "{\"a\":\"\\ud83d\"}",
            "{} {}",
            "<html>",
            "{'a':1}",
            &deep,
        ] {
            assert_eq!(read_object(bad), None, "{bad}");
        }
        assert!(read_object(&format!("{{\"a\":{}{}}}", "[".repeat(30), "]".repeat(30))).is_some());
    }
}
