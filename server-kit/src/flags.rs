//! Command-line flags, `--flag value` or `--flag=value`, read the same way by both servers, with
//! the same messages for the same mistakes.

/// One argument of a command line: a flag's name, and its value when given as `--flag=value`.
#[derive(Debug)]
pub struct Flag {
    /// The flag as written, without an inline value: `--port`, `-h`.
    pub name: String,
    inline: Option<String>,
    arg: String,
}

impl Flag {
    /// A switch (a flag without a value) turned on: refused when a value was given with `=`.
    pub fn switch(&self) -> Result<bool, String> {
        match self.inline {
            Some(_) => Err(format!("{} takes no value", self.name)),
            None => Ok(true),
        }
    }

    /// The error for a flag the program does not know, naming the argument as written.
    pub fn unknown(&self) -> String {
        format!("unknown argument `{}`", self.arg)
    }
}

/// The flags of a command line, each value taken inline or from the argument after its flag.
pub struct Flags<I> {
    argv: I,
}

impl<I: Iterator<Item = String>> Flags<I> {
    /// Reads `argv` (without the program's name).
    pub fn new(argv: I) -> Self {
        Self { argv }
    }

    /// The next flag, or `None` at the end.
    pub fn next_flag(&mut self) -> Option<Flag> {
        let arg = self.argv.next()?;
        let (name, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_owned(), Some(v.to_owned())),
            _ => (arg.clone(), None),
        };
        Some(Flag { name, inline, arg })
    }

    /// `flag`'s value: after its `=`, else the next argument.
    pub fn value(&mut self, flag: &Flag) -> Result<String, String> {
        flag.inline
            .clone()
            .or_else(|| self.argv.next())
            .ok_or_else(|| format!("{} needs a value", flag.name))
    }
}

/// `v` as a port number (0 asks for any free one); `what` names where it came from.
pub fn port(what: &str, v: &str) -> Result<u16, String> {
    v.parse()
        .map_err(|_| format!("{what}: `{v}` is not a port number (0-65535)"))
}

/// `host` as given to `--host`, refused when empty.
pub fn host(host: String) -> Result<String, String> {
    match host.is_empty() {
        true => Err("--host must not be empty".into()),
        false => Ok(host),
    }
}

/// The origin a server bound to `host:port` is reached at: `http://host:port`, an IPv6
/// address in brackets.
pub fn origin(host: &str, port: u16) -> String {
    match host.contains(':') {
        true => format!("http://[{host}]:{port}"),
        false => format!("http://{host}:{port}"),
    }
}

/// What a server's `main` does with its parsed command line (`Ok(None)` for `--help`): the
/// arguments, or the exit code once the usage is written to stdout (0), or the mistake after
/// `prefix` and the usage to stderr (2).
pub fn or_exit<T>(
    parsed: Result<Option<T>, String>,
    prefix: &str,
    usage: &str,
) -> Result<T, std::process::ExitCode> {
    use std::io::Write;
    match parsed {
        Ok(Some(args)) => Ok(args),
        Ok(None) => {
            let _ = writeln!(std::io::stdout(), "{usage}");
            Err(std::process::ExitCode::SUCCESS)
        }
        Err(e) => {
            eprintln!("{prefix} {e}\n{usage}");
            Err(std::process::ExitCode::from(2))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_ipv6_host_is_bracketed_in_the_origin() {
        assert_eq!(origin("127.0.0.1", 8080), "http://127.0.0.1:8080");
        assert_eq!(origin("localhost", 1), "http://localhost:1");
        assert_eq!(origin("::1", 9), "http://[::1]:9");
    }

    fn flags(argv: &[&str]) -> Flags<std::vec::IntoIter<String>> {
        Flags::new(
            argv.iter()
                .map(|a| a.to_string())
                .collect::<Vec<_>>()
                .into_iter(),
        )
    }

    #[test]
    fn a_value_is_taken_inline_or_from_the_next_argument() {
        let mut f = flags(&["--port=1", "--host", "h", "--x=a=b"]);
        let port = f.next_flag().unwrap();
        assert_eq!(
            (port.name.as_str(), f.value(&port)),
            ("--port", Ok("1".into()))
        );
        let host = f.next_flag().unwrap();
        assert_eq!(f.value(&host), Ok("h".into()));
        let x = f.next_flag().unwrap();
        assert_eq!((x.name.as_str(), f.value(&x)), ("--x", Ok("a=b".into())));
        assert!(f.next_flag().is_none());
    }

    #[test]
    fn mistakes_are_named() {
        let mut f = flags(&["--host", "--coop=1", "-x=1"]);
        let first = f.next_flag().unwrap();
        // A value is whatever follows, even what looks like a flag.
        assert_eq!(f.value(&first), Ok("--coop=1".into()));
        let x = f.next_flag().unwrap();
        // Only a `--` flag has an inline value: `-x=1` is a name no one knows.
        assert_eq!(
            (x.name.as_str(), x.unknown()),
            ("-x=1", "unknown argument `-x=1`".into())
        );
        let mut f = flags(&["--coop=1", "--port"]);
        assert_eq!(
            f.next_flag().unwrap().switch(),
            Err("--coop takes no value".into())
        );
        let last = f.next_flag().unwrap();
        assert_eq!(f.value(&last), Err("--port needs a value".into()));
        assert_eq!(last.unknown(), "unknown argument `--port`");
        assert_eq!(
            port("P", "65536"),
            Err("P: `65536` is not a port number (0-65535)".into())
        );
        assert_eq!(host(String::new()), Err("--host must not be empty".into()));
    }
}
