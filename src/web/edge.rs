//! The edge between JS and the core, and the only place that knows the wire format: an input
//! arrives as a JSON array `[number, ...fields]` (numbered and ordered as `core::machine::io`
//! declares them), and the commands leave as one JSON array of `[number, ...fields]` arrays, which
//! JS reads with one `JSON.parse` (opened and closed here, each field written by the [`Sink`]
//! here, into the `io::Commands` the core emits to). Nothing here decides anything.

use crate::core::json::{self, Member, Value, Writer};
use crate::core::machine::io::{Commands, Fields, Input, Sink, Text};

/// Opens one call's commands: `[[number, ...fields], ...]`, written as they come. Inlined, as
/// [`finish`]: the export `on` is their one caller in the wasm.
#[inline(always)]
pub fn commands() -> Commands {
    let mut out = Writer::default();
    out.raw("[");
    Commands(out)
}

/// The JSON text of every command.
#[inline(always)]
pub fn finish(Commands(mut out): Commands) -> String {
    out.raw("]");
    out.finish()
}

/// Reads one input; the error says what was wrong with it.
pub fn decode(text: &str) -> Result<Input<'_>, &'static str> {
    let values = match json::parse(text) {
        Some(array @ Value::Array(_)) => array.members(),
        _ => return Err("an input must be a JSON array"),
    };
    let mut fields = JsonFields(values.iter(), true);
    let kind = fields.number(u64::MAX);
    // The fault chosen, and the error made once.
    let fault = if !fields.ok() {
        "an input starts with its number"
    } else {
        match Input::decode(kind, &mut fields) {
            // A field of the wrong type is named before any field too many.
            None => "unknown input, or a field of the wrong type",
            // Looked at in place: moved out only to be answered.
            Some(_) if fields.0.next().is_some() => "an input has more fields than it declares",
            Some(input) => return Ok(input),
        }
    };
    Err(fault)
}

/// An input's members after its number, and whether each one read so far was of its type.
struct JsonFields<'v, 'a>(std::slice::Iter<'v, Member<'a>>, bool);

impl<'a> JsonFields<'_, 'a> {
    /// The next member read by `read`; the type's default, with the input refused, when it is
    /// missing or `read` finds another type (made only then: nothing to drop otherwise).
    fn next<T: Default>(&mut self, read: impl FnOnce(&Value<'a>) -> Option<T>) -> T {
        match read(self.member()) {
            Some(value) => value,
            None => {
                self.1 = false;
                T::default()
            }
        }
    }

    /// The next member, lent; a missing one reads as `null`, which no field's type is. One
    /// function for every type, answering a pointer.
    #[inline(never)]
    fn member(&mut self) -> &Value<'a> {
        self.0.next().map_or(&Value::Null, |(_, value)| value)
    }
}

impl<'a> Fields<'a> for JsonFields<'_, 'a> {
    fn text(&mut self) -> Text<'a> {
        self.next(|value| value.as_str().map(Text))
    }

    fn number(&mut self, max: u64) -> u64 {
        self.next(|value| value.as_u64().filter(|n| *n <= max))
    }

    fn flag(&mut self) -> bool {
        self.next(|value| match value {
            Value::Bool(b) => Some(*b),
            _ => None,
        })
    }

    fn bytes(&mut self) -> Vec<u8> {
        self.next(|value| {
            // An array of bytes, or the input is refused.
            let Value::Array(_) = value else {
                return None;
            };
            let mut out = Vec::new();
            for (_, byte) in &value.members() {
                out.push(u8::try_from(byte.as_u64()?).ok()?);
            }
            Some(out)
        })
    }

    fn ok(&self) -> bool {
        self.1
    }
}

impl Sink for Writer {
    fn key(&mut self, name: &str) {
        Writer::key(self, name);
    }

    fn string(&mut self, text: &str) {
        Writer::string(self, text);
    }

    fn number(&mut self, n: u64) {
        Writer::number(self, n);
    }

    fn boolean(&mut self, value: bool) {
        Writer::boolean(self, value);
    }

    fn null(&mut self) {
        self.raw("null");
    }

    fn json(&mut self, text: &str) {
        self.raw(text);
    }

    fn open(&mut self, object: bool) {
        self.raw(if object { "{" } else { "[" });
    }

    fn close(&mut self, object: bool) {
        self.raw(if object { "}" } else { "]" });
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use crate::core::contract::ButtonState;
    use crate::core::machine::io::{Command, Source, COMMANDS, INPUTS};

    #[test]
    fn inputs_are_read_by_number_with_typed_fields() {
        let number = |name: &str| INPUTS.iter().position(|(n, _)| *n == name).unwrap();
        assert_eq!(
            decode(&format!("[{}]", number("connect"))),
            Ok(Input::Connect {})
        );
        assert_eq!(
            decode(&format!(
                r##"[{},2,"https://x","?a","#b","id1"]"##,
                number("message")
            )),
            Ok(Input::Message {
                source: Source::Channel,
                origin: "https://x".into(),
                search: "?a".into(),
                hash: "#b".into(),
                id: "id1".into()
            })
        );
        assert_eq!(
            decode(&format!(r#"[{},[1,255],"https://x/a?b"]"#, number("login"))),
            Ok(Input::Login {
                random: vec![1, 255],
                address: "https://x/a?b".into()
            })
        );
        assert_eq!(
            decode(&format!("[{},true,false]", number("look"))),
            Ok(Input::Look {
                closed: true,
                shown: false
            })
        );
        for bad in [
            "",
            "{}",
            "[]",
            "[999]",
            "[\"connect\"]",
            &format!(r#"[{},[256],""]"#, number("login")),
            &format!("[{},[1]]", number("login")),
            &format!("[{},1]", number("connect")),
            &format!("[{},9]", number("message")),
            &format!("[{},\"x\"]", number("look")),
        ] {
            assert!(decode(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_bad_input_is_named_by_its_first_fault() {
        let number = |name: &str| INPUTS.iter().position(|(n, _)| *n == name).unwrap();
        let (digest, message) = (number("digest"), number("message"));
        for (input, fault) in [
            ("[]".to_string(), "an input starts with its number"),
            ("[-1]".into(), "an input starts with its number"),
            (
                "[999]".into(),
                "unknown input, or a field of the wrong type",
            ),
            // A field of the wrong type is named before any field too many.
            (
                format!("[{digest},\"1\",[],1]"),
                "unknown input, or a field of the wrong type",
            ),
            (
                format!("[{digest},4294967296,[]]"),
                "unknown input, or a field of the wrong type",
            ),
            (
                format!(r#"[{message},3,"","","",""]"#),
                "unknown input, or a field of the wrong type",
            ),
            (
                format!("[{digest},1,{{}}]"),
                "unknown input, or a field of the wrong type",
            ),
            (
                format!("[{digest},1,[256]]"),
                "unknown input, or a field of the wrong type",
            ),
            (
                format!("[{digest},1,[],1]"),
                "an input has more fields than it declares",
            ),
        ] {
            assert_eq!(decode(&input), Err(fault), "{input}");
        }
        assert_eq!(
            decode(&format!("[{digest},4294967295,[]]")),
            Ok(Input::Digest {
                seq: u32::MAX,
                digest: Vec::new()
            })
        );
    }

    #[test]
    fn commands_are_written_as_numbered_arrays_of_their_declared_fields() {
        let mut out = commands();
        out.emit(Command::Render {
            label: "Log in",
            state: ButtonState::LoggedOut,
            busy: false,
            message: None,
            avatar: None,
        });
        out.emit(Command::Timer { ms: Some(5) });
        out.emit(Command::Close {});
        let text = finish(out);
        let parsed: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(
            parsed,
            serde_json::json!([[0, "Log in", "logged-out", false, null, null], [13, 5], [5]])
        );
        for command in parsed.as_array().unwrap() {
            let command = command.as_array().unwrap();
            let (name, fields) = COMMANDS[command[0].as_u64().unwrap() as usize];
            assert_eq!(command.len(), 1 + fields.len(), "{name}");
        }
        assert_eq!(COMMANDS[13].0, "timer");
        assert_eq!(COMMANDS[5].0, "close");
    }
}
