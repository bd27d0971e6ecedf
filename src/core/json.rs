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

/// `n` in decimal.
pub fn decimal(n: u64) -> String {
    let mut out = String::new();
    push_decimal(&mut out, n);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_nested_values_with_commas_in_the_right_places() {
        let mut w = Writer::default();
        w.open_array();
        w.open_object().key("a").number(1).key("b").opt_string(None);
        w.key("c").open_array().string("x").boolean(true).close_array();
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
    }
}
