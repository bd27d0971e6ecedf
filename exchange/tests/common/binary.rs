//! The exchange's real binary, started on a free port: its startup line, its signals, and its
//! output once it exits. Also how a test starts any server process ([`spawn_piped`]).

use std::path::Path;
use std::process::{ExitStatus, Stdio};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};
use tokio::process::{Child, ChildStdout, Command};
use tokio::task::JoinHandle;

use super::SECRET_ENV;

pub const BINARY: &str = env!("CARGO_BIN_EXE_oauth-prefab-exchange");
/// How long the binary may take to start, or to exit after SIGTERM.
pub const WAIT: Duration = Duration::from_secs(20);

/// A running exchange binary: its origin, its startup line, and the rest of its stdout and all
/// of its stderr, read to the end once it exits.
pub struct Running {
    pub child: Child,
    pub origin: String,
    pub startup_line: String,
    stdout: JoinHandle<String>,
    stderr: JoinHandle<String>,
}

/// Spawns `command` with stdin closed and stdout and stderr piped, killed when dropped: the
/// child, and its stdout ready to be read line by line.
pub fn spawn_piped(command: &mut Command) -> (Child, BufReader<ChildStdout>) {
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let stdout = BufReader::new(child.stdout.take().unwrap());
    (child, stdout)
}

/// Starts the binary on a free port with `config`, the test secret's variable cleared and
/// `env` set; returns once it printed its startup line.
pub async fn start_binary(config: &Path, env: &[(&str, &str)]) -> Running {
    let (mut child, mut stdout) = spawn_piped(
        Command::new(BINARY)
            .args(["--port", "0", "--config"])
            .arg(config)
            .env_remove(SECRET_ENV)
            .envs(env.iter().copied()),
    );
    let stderr = read_to_end(child.stderr.take().unwrap());
    let mut startup_line = String::new();
    tokio::time::timeout(WAIT, stdout.read_line(&mut startup_line))
        .await
        .expect("no startup line")
        .unwrap();
    let origin = startup_line
        .trim_end()
        .strip_prefix("oauth-prefab-exchange listening on ")
        .unwrap_or_else(|| panic!("unexpected startup line {startup_line:?}"))
        .to_owned();
    Running {
        child,
        origin,
        startup_line,
        stdout: read_to_end(stdout),
        stderr,
    }
}

/// All that `stream` still gives, read on a task of its own so that a full pipe never blocks
/// the binary.
fn read_to_end(
    mut stream: impl tokio::io::AsyncRead + Unpin + Send + 'static,
) -> JoinHandle<String> {
    tokio::spawn(async move {
        let mut text = String::new();
        let _ = stream.read_to_string(&mut text).await;
        text
    })
}

impl Running {
    /// `host:port`, for raw TCP connections.
    pub fn addr(&self) -> String {
        self.origin.trim_start_matches("http://").to_owned()
    }

    /// Sends the signal `name` (`TERM`, `STOP`, `CONT`...).
    pub fn signal(&self, name: &str) {
        let pid = self.child.id().unwrap().to_string();
        let sent = std::process::Command::new("kill")
            .args([&format!("-{name}"), &pid])
            .status()
            .unwrap();
        assert!(sent.success(), "kill -{name}");
    }

    /// Waits for the exit (at most `within`): its status, the rest of stdout and all of stderr.
    pub async fn exit(mut self, within: Duration) -> (ExitStatus, String, String) {
        let status = tokio::time::timeout(within, self.child.wait())
            .await
            .unwrap_or_else(|_| panic!("the exchange did not exit within {within:?}"))
            .unwrap();
        (
            status,
            self.stdout.await.unwrap(),
            self.stderr.await.unwrap(),
        )
    }

    /// SIGTERM, then [`exit`](Self::exit) within [`WAIT`].
    pub async fn stop(self) -> (ExitStatus, String, String) {
        self.signal("TERM");
        self.exit(WAIT).await
    }
}
