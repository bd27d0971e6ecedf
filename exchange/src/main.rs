//! Command-line entry point: parses flags, loads and checks the configuration (secrets
//! included) and serves [`oauth_prefab_exchange::app`] until SIGINT/SIGTERM.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use oauth_prefab_exchange::log::PREFIX;
use oauth_prefab_exchange::serve::listen;
use oauth_prefab_exchange::{serve, AppState, Config};
use server_kit::flags::{self, Flags};
use server_kit::shutdown_signal;

const DEFAULT_PORT: u16 = 9091;

const USAGE: &str = "usage: oauth-prefab-exchange --config FILE [--port N] [--host H]

  --config FILE   clients JSON file (see exchange/README.md); secrets come from the
                  environment variables it names
  --port N        port to listen on (default 9091; 0 = any free port)
  --host H        address to bind (default 127.0.0.1)";

/// Parsed command line.
#[derive(Debug, PartialEq, Eq)]
struct Args {
    config: PathBuf,
    port: u16,
    host: String,
}

/// Parses flags (`--flag value` or `--flag=value`). `Ok(None)` means `--help`.
fn parse_args(argv: impl Iterator<Item = String>) -> Result<Option<Args>, String> {
    let mut config = None;
    let mut port = DEFAULT_PORT;
    let mut host = "127.0.0.1".to_owned();
    let mut argv = Flags::new(argv);
    while let Some(flag) = argv.next_flag() {
        match flag.name.as_str() {
            "--config" => config = Some(PathBuf::from(argv.value(&flag)?)),
            "--port" => port = flags::port("--port", &argv.value(&flag)?)?,
            "--host" => host = argv.value(&flag)?,
            "-h" | "--help" => return Ok(None),
            _ => return Err(flag.unknown()),
        }
    }
    let config = config.ok_or("--config FILE is required")?;
    let host = flags::host(host)?;
    Ok(Some(Args { config, port, host }))
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = match flags::or_exit(parse_args(std::env::args().skip(1)), PREFIX, USAGE) {
        Ok(args) => args,
        Err(code) => return code,
    };
    let config = match Config::load(&args.config, |name| std::env::var(name)) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("{PREFIX} {e}");
            return ExitCode::from(1);
        }
    };
    let summary: Vec<String> = config
        .clients()
        .iter()
        .map(|c| {
            let revocation = c
                .revocation_endpoint
                .as_ref()
                .map(|url| format!(", revocation at {url}"))
                .unwrap_or_default();
            format!(
                "{} -> {} ({}, secret from ${}{revocation})",
                c.id,
                c.token_endpoint,
                c.auth.as_str(),
                c.secret_env
            )
        })
        .collect();
    let timeout = config.upstream_timeout;
    let state = match AppState::new(config) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{PREFIX} {e}");
            return ExitCode::from(1);
        }
    };
    let listener = match listen(&args.host, args.port).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("{PREFIX} cannot listen on {}:{}: {e}", args.host, args.port);
            return ExitCode::from(1);
        }
    };
    let origin = flags::origin(
        &args.host,
        listener.local_addr().map_or(args.port, |a| a.port()),
    );

    // Armed before the line: a script may send SIGTERM as soon as it reads it.
    let signal = shutdown_signal();
    // Scripts wait for exactly this line; a closed stdout must not kill the server.
    let mut out = std::io::stdout();
    let _ = writeln!(out, "oauth-prefab-exchange listening on {origin}");
    let _ = out.flush();
    eprintln!(
        "{PREFIX} upstream timeout {} ms; clients: {}",
        timeout.as_millis(),
        summary.join("; ")
    );

    // At the signal: no new connections; every request already accepted gets its answer.
    match serve(listener, state, signal).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{PREFIX} server error: {e}");
            ExitCode::from(1)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(argv: &[&str]) -> Result<Option<Args>, String> {
        parse_args(argv.iter().map(|s| (*s).to_owned()))
    }

    #[test]
    fn flags() {
        let a = parse(&["--config", "c.json"]).unwrap().unwrap();
        assert_eq!(
            a,
            Args {
                config: "c.json".into(),
                port: DEFAULT_PORT,
                host: "127.0.0.1".into()
            }
        );
        let a = parse(&["--port=0", "--host", "::1", "--config=x.json"])
            .unwrap()
            .unwrap();
        assert_eq!((a.port, a.host.as_str()), (0, "::1"));
        assert_eq!(a.config, PathBuf::from("x.json"));
        assert_eq!(parse(&["--help"]), Ok(None));
    }

    #[test]
    fn bad_flags() {
        for argv in [
            &[][..],
            &["--config"],
            &["--config", "c", "--port", "x"],
            &["--config", "c", "--port", "70000"],
            &["--config", "c", "--bogus"],
            &["--config", "c", "--host="],
        ] {
            assert!(parse(argv).is_err(), "{argv:?}");
        }
    }
}
