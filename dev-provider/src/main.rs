//! Command-line entry point: parses flags, loads the clients (watching their file) and
//! serves [`dev_provider::app`] until SIGINT/SIGTERM.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use dev_provider::{app, AppState, ClientRegistry, Config};
use server_kit::flags::{self, Flags};
use server_kit::shutdown_signal;

/// `dev-provider/clients.json`, found from any working directory.
const DEFAULT_CLIENTS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/clients.json");

const USAGE: &str = "usage: dev-provider [--port N] [--host H] [--clients FILE] [--token-ttl SECS] [--refresh-ttl SECS] [--auto-approve] [--coop] [--test-controls]

  --port N          port to listen on (env DEV_PROVIDER_PORT, default 9090; 0 = any free port)
  --host H          address to bind (default 127.0.0.1)
  --clients FILE    clients JSON file (env DEV_PROVIDER_CLIENTS, default dev-provider/clients.json);
                    read again whenever it changes
  --token-ttl SECS  access token lifetime (env DEV_PROVIDER_TOKEN_TTL, default 3600, at most 100 years)
  --refresh-ttl SECS  refresh token lifetime (env DEV_PROVIDER_REFRESH_TTL, default 86400,
                    at most 100 years)
  --auto-approve    skip the consent page, as if Allow was clicked
  --coop            send Cross-Origin-Opener-Policy: same-origin with every HTML page
  --test-controls   enable /test/* endpoints and the deny_in parameter";

/// The longest token lifetime taken, 100 years: a lifetime past what the clock can add to
/// `now` would panic at every token issued.
const MAX_TTL_SECS: u64 = 100 * 365 * 24 * 3600;

/// Parsed command line.
#[derive(Debug, PartialEq, Eq)]
struct Args {
    port: u16,
    host: String,
    clients: PathBuf,
    token_ttl: u64,
    refresh_ttl: u64,
    auto_approve: bool,
    coop: bool,
    test_controls: bool,
}

/// Parses flags (`--flag value` or `--flag=value`) over environment fallbacks.
/// `Ok(None)` means `--help`.
fn parse_args(
    argv: impl Iterator<Item = String>,
    env: impl Fn(&str) -> Option<String>,
) -> Result<Option<Args>, String> {
    let lifetime = |what: &str, v: &str| -> Result<u64, String> {
        match v.parse::<u64>() {
            Ok(secs) if secs <= MAX_TTL_SECS => Ok(secs),
            Ok(_) => Err(format!(
                "{what}: `{v}` is more than 100 years: at most {MAX_TTL_SECS}"
            )),
            Err(_) => Err(format!("{what}: `{v}` is not a non-negative integer")),
        }
    };
    let mut args = Args {
        port: match env("DEV_PROVIDER_PORT") {
            Some(v) => flags::port("DEV_PROVIDER_PORT", &v)?,
            None => 9090,
        },
        host: "127.0.0.1".into(),
        clients: env("DEV_PROVIDER_CLIENTS").map_or_else(|| DEFAULT_CLIENTS.into(), PathBuf::from),
        token_ttl: match env("DEV_PROVIDER_TOKEN_TTL") {
            Some(v) => lifetime("DEV_PROVIDER_TOKEN_TTL", &v)?,
            None => 3600,
        },
        refresh_ttl: match env("DEV_PROVIDER_REFRESH_TTL") {
            Some(v) => lifetime("DEV_PROVIDER_REFRESH_TTL", &v)?,
            None => 86400,
        },
        auto_approve: false,
        coop: false,
        test_controls: false,
    };
    let mut argv = Flags::new(argv);
    while let Some(flag) = argv.next_flag() {
        match flag.name.as_str() {
            "--port" => args.port = flags::port("--port", &argv.value(&flag)?)?,
            "--host" => args.host = argv.value(&flag)?,
            "--clients" => args.clients = PathBuf::from(argv.value(&flag)?),
            "--token-ttl" => args.token_ttl = lifetime("--token-ttl", &argv.value(&flag)?)?,
            "--refresh-ttl" => args.refresh_ttl = lifetime("--refresh-ttl", &argv.value(&flag)?)?,
            "--auto-approve" => args.auto_approve = flag.switch()?,
            "--coop" => args.coop = flag.switch()?,
            "--test-controls" => args.test_controls = flag.switch()?,
            "-h" | "--help" => return Ok(None),
            _ => return Err(flag.unknown()),
        }
    }
    args.host = flags::host(args.host)?;
    Ok(Some(args))
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let args = match flags::or_exit(
        parse_args(std::env::args().skip(1), |k| std::env::var(k).ok()),
        "dev-provider:",
        USAGE,
    ) {
        Ok(args) => args,
        Err(code) => return code,
    };
    let clients = match ClientRegistry::load(&args.clients) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("dev-provider: invalid clients file: {e}");
            return ExitCode::from(1);
        }
    };
    let listener = match tokio::net::TcpListener::bind((args.host.as_str(), args.port)).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!(
                "dev-provider: cannot listen on {}:{}: {e}",
                args.host, args.port
            );
            return ExitCode::from(1);
        }
    };
    let origin = flags::origin(
        &args.host,
        listener.local_addr().map_or(args.port, |a| a.port()),
    );

    let config = Config {
        token_ttl: Duration::from_secs(args.token_ttl),
        refresh_ttl: Duration::from_secs(args.refresh_ttl),
        auto_approve: args.auto_approve,
        test_controls: args.test_controls,
        coop: args.coop,
        public_origin: origin.clone(),
    };
    let router = app(AppState::watching(clients, args.clients, config));

    // Armed before the line: a test may send SIGTERM as soon as it reads it.
    let (signal, signal_again) = (shutdown_signal(), shutdown_signal());
    // Tests wait for exactly this line, and its origin is the issuer (RFC 9207); a
    // closed stdout must not kill the server.
    let mut out = std::io::stdout();
    let _ = writeln!(out, "dev-provider listening on {origin}");
    let _ = out.flush();

    let server = axum::serve(listener, router).with_graceful_shutdown(signal);
    // Graceful shutdown waits for open connections; browsers may hold keep-alive
    // connections, so give up waiting two seconds after the signal.
    let result = tokio::select! {
        r = async { server.await } => r,
        () = async {
            signal_again.await;
            tokio::time::sleep(Duration::from_secs(2)).await;
        } => Ok(()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("dev-provider: server error: {e}");
            ExitCode::from(1)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(argv: &[&str], env: &[(&str, &str)]) -> Result<Option<Args>, String> {
        let env: Vec<(String, String)> = env
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        parse_args(argv.iter().map(|s| (*s).to_owned()), move |k| {
            env.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone())
        })
    }

    #[test]
    fn defaults_flags_and_env() {
        let a = parse(&[], &[]).unwrap().unwrap();
        assert_eq!(
            (a.port, a.host.as_str(), a.token_ttl),
            (9090, "127.0.0.1", 3600)
        );
        assert_eq!(a.clients, PathBuf::from(DEFAULT_CLIENTS));
        assert_eq!(a.refresh_ttl, 86400);
        assert!(!a.coop);
        let a = parse(
            &[],
            &[
                ("DEV_PROVIDER_PORT", "7000"),
                ("DEV_PROVIDER_TOKEN_TTL", "5"),
                ("DEV_PROVIDER_REFRESH_TTL", "50"),
            ],
        )
        .unwrap()
        .unwrap();
        assert_eq!((a.port, a.token_ttl, a.refresh_ttl), (7000, 5, 50));
        let a = parse(
            &[
                "--port",
                "9091",
                "--token-ttl=0",
                "--refresh-ttl",
                "30",
                "--auto-approve",
                "--test-controls",
                "--coop",
                "--clients",
                "x.json",
            ],
            &[("DEV_PROVIDER_PORT", "7000")],
        )
        .unwrap()
        .unwrap();
        assert_eq!(
            (a.port, a.token_ttl, a.auto_approve, a.test_controls),
            (9091, 0, true, true)
        );
        assert_eq!(a.clients, PathBuf::from("x.json"));
        assert_eq!(a.refresh_ttl, 30);
        assert!(a.coop);
        assert_eq!(parse(&["--help"], &[]), Ok(None));
    }

    #[test]
    fn bad_args_are_errors() {
        for argv in [
            &["--port"][..],
            &["--port", "x"],
            &["--port", "70000"],
            &["--bogus"],
            &["--auto-approve=1"],
            &["--coop=yes"],
            &["--refresh-ttl", "-5"],
            &["--refresh-ttl"],
            &["--token-ttl", "10000000000000000000"],
            &["--refresh-ttl=3153600001"],
        ] {
            assert!(parse(argv, &[]).is_err(), "{argv:?}");
        }
        assert!(parse(&[], &[("DEV_PROVIDER_TOKEN_TTL", "-1")]).is_err());
        let a = parse(&["--token-ttl=3153600000"], &[]).unwrap().unwrap();
        assert_eq!(a.token_ttl, MAX_TTL_SECS);
        assert!(parse(&[], &[("DEV_PROVIDER_TOKEN_TTL", "3153600001")])
            .unwrap_err()
            .contains("at most 3153600000"));
    }
}
