//! Runs the real binary: startup line, a request over a socket, clean exit on
//! SIGTERM, and the exit codes for bad arguments and bad configuration.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

const BIN: &str = env!("CARGO_BIN_EXE_dev-provider");

fn temp_file(name: &str, contents: &str) -> PathBuf {
    let path = std::env::temp_dir().join(format!("dev-provider-{}-{name}", std::process::id()));
    std::fs::write(&path, contents).unwrap();
    path
}

/// Waits for the child to exit, killing it (by its own handle) after `limit`.
fn wait_with_timeout(child: &mut Child, limit: Duration) -> std::process::ExitStatus {
    let deadline = std::time::Instant::now() + limit;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("dev-provider did not exit within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn http(port: u16, request: &str) -> String {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    stream.write_all(request.as_bytes()).unwrap();
    let mut out = String::new();
    stream.read_to_string(&mut out).unwrap();
    out
}

/// A running binary, killed (by its own handle) if a test fails before [`stop`].
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        if let Ok(None) = self.0.try_wait() {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

/// Starts the binary with `args` plus `--port 0`; returns it and the port read
/// from its startup line, which must have exactly the documented format.
fn start(args: &[&str], clients: &std::path::Path) -> (Server, u16) {
    let mut child = Command::new(BIN)
        .args(["--port", "0"])
        .args(args)
        .arg("--clients")
        .arg(clients)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let child = Server(child);
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(stdout).read_line(&mut line);
        let _ = tx.send(line);
    });
    let line = match rx.recv_timeout(Duration::from_secs(10)) {
        Ok(line) => line,
        Err(_) => panic!("no startup line"),
    };
    let port: u16 = line
        .trim_end()
        .strip_prefix("dev-provider listening on http://127.0.0.1:")
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("unexpected startup line {line:?}"));
    (child, port)
}

/// SIGTERM, then a clean exit within 10 s.
fn stop(mut server: Server) {
    let status = Command::new("kill")
        .args(["-TERM", &server.0.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let status = wait_with_timeout(&mut server.0, Duration::from_secs(10));
    assert!(status.success(), "{status:?}");
}

#[test]
fn serves_prints_the_line_and_exits_on_sigterm() {
    let clients = temp_file(
        "ok.json",
        r#"{"clients":[{"id":"t","secret":"s","name":"T","redirect_uris":["http://localhost:1234/"]}]}"#,
    );
    let (child, port) = start(&["--test-controls"], &clients);

    let res = http(
        port,
        "GET /oauth/authorize?client_id=t&redirect_uri=http%3A%2F%2Flocalhost%3A1234%2F&response_type=token HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    assert!(res.starts_with("HTTP/1.1 200"), "{res}");
    assert!(res.contains(">Allow</button>"));

    let big = "a".repeat(9000);
    let res = http(
        port,
        &format!("GET /v1/users/self?x={big} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"),
    );
    assert!(
        res.starts_with("HTTP/1.1 400"),
        "{}",
        &res[..res.len().min(200)]
    );

    let res = http(
        port,
        "GET /test/last-authorize HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    assert!(res.contains(r#""client_id":"t""#), "{res}");

    stop(child);
    let _ = std::fs::remove_file(clients);
}

/// With `--port 0` the issuer is the origin of the startup line, with the real port.
#[test]
fn issuer_is_the_listening_origin_and_coop_flag_works() {
    let clients = temp_file(
        "iss.json",
        r#"{"clients":[{"id":"t","name":"T","redirect_uris":["http://localhost:1234/"]}]}"#,
    );
    let (child, port) = start(&["--auto-approve", "--coop"], &clients);
    let origin = format!("http://127.0.0.1:{port}");

    let res = http(
        port,
        "GET /.well-known/oauth-authorization-server HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    assert!(res.starts_with("HTTP/1.1 200"), "{res}");
    assert!(res.contains(&format!(r#""issuer":"{origin}""#)), "{res}");

    let res = http(
        port,
        "GET /oauth/authorize?client_id=t&redirect_uri=http%3A%2F%2Flocalhost%3A1234%2F&response_type=token HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    assert!(res.starts_with("HTTP/1.1 303"), "{res}");
    let iss = format!("&iss=http%3A%2F%2F127.0.0.1%3A{port}\r\n");
    assert!(res.contains(&iss), "{res}");

    let res = http(
        port,
        "GET /oauth/authorize?client_id=nope HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    assert!(res.starts_with("HTTP/1.1 400"), "{res}");
    assert!(
        res.to_ascii_lowercase()
            .contains("cross-origin-opener-policy: same-origin\r\n"),
        "{res}"
    );

    stop(child);
    let _ = std::fs::remove_file(clients);
}

#[test]
fn bad_arguments_exit_2_and_bad_config_exits_1() {
    for args in [
        &["--port", "banana"][..],
        &["--frobnicate"],
        &["--token-ttl"],
    ] {
        let out = Command::new(BIN).args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(String::from_utf8_lossy(&out.stderr).contains("dev-provider:"));
    }
    let bad = temp_file("bad.json", r#"{"clients":[{"id":"x"}]}"#);
    for path in [bad.clone(), PathBuf::from("/nonexistent/clients.json")] {
        let out = Command::new(BIN)
            .arg("--port=0")
            .arg("--clients")
            .arg(&path)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{path:?}");
        assert!(String::from_utf8_lossy(&out.stderr).contains("invalid clients file"));
        assert!(out.stdout.is_empty());
    }
    let _ = std::fs::remove_file(bad);
}

/// An edited clients file takes effect at the next request; a broken edit keeps the old
/// clients and says why on stderr. `--refresh-ttl` is accepted.
#[test]
fn the_clients_file_is_reloaded_when_it_changes() {
    let one =
        r#"{"clients":[{"id":"one","name":"One","redirect_uris":["http://localhost:1234/"]}]}"#;
    let clients = temp_file("reload.json", one);
    let mut child = Command::new(BIN)
        .args(["--port", "0", "--refresh-ttl", "30", "--clients"])
        .arg(&clients)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut stderr = child.stderr.take().unwrap();
    let server = Server(child);
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    let port: u16 = line
        .trim_end()
        .rsplit(':')
        .next()
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("unexpected startup line {line:?}"));
    let authorize = |client: &str| {
        http(
            port,
            &format!("GET /oauth/authorize?client_id={client}&redirect_uri=http%3A%2F%2Flocalhost%3A1234%2F&response_type=token HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"),
        )
    };
    assert!(authorize("one").starts_with("HTTP/1.1 200"));
    assert!(authorize("two").starts_with("HTTP/1.1 400"));

    let two =
        r#"{"clients":[{"id":"two","name":"Two","redirect_uris":["http://localhost:1234/"]}]}"#;
    std::fs::write(&clients, two).unwrap();
    assert!(
        authorize("two").starts_with("HTTP/1.1 200"),
        "the new client"
    );
    assert!(
        authorize("one").starts_with("HTTP/1.1 400"),
        "the old one is gone"
    );

    std::fs::write(&clients, r#"{"clients":[{"id":"broken""#).unwrap();
    assert!(
        authorize("two").starts_with("HTTP/1.1 200"),
        "a broken edit keeps the clients"
    );
    assert!(authorize("two").starts_with("HTTP/1.1 200"));

    stop(server);
    let mut log = String::new();
    stderr.read_to_string(&mut log).unwrap();
    assert!(log.contains("reloaded"), "{log}");
    assert_eq!(
        log.matches("was not reloaded, the previous clients stay")
            .count(),
        1,
        "{log}"
    );
    let mut rest = String::new();
    stdout.read_to_string(&mut rest).unwrap();
    assert_eq!(rest, "", "stdout has the startup line only");
    let _ = std::fs::remove_file(clients);
}
