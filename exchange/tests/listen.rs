//! The listening socket of the real binary: a burst of new connections waits in the
//! kernel's backlog (1024) instead of overflowing it. With tokio's default of 128, a burst
//! (a slowloris opening thousands of connections, or a traffic spike) overflowed it: the
//! kernel dropped the SYNs past 128, and each of those clients waited a second for its
//! retransmission.

mod common;

use std::time::Duration;

use common::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const BURST: usize = 600;

#[tokio::test]
async fn a_burst_of_connections_waits_in_the_backlog_while_the_exchange_is_busy() {
    let config = config_json(
        &[client_entry(
            CLIENT_ID,
            "http://127.0.0.1:9/token",
            SECRET_ENV,
            "client_secret_post",
            &[ORIGIN],
        )],
        1_000,
    );
    let config = temp_file("listen.json", &config);
    let mut running = start_binary(&config, &[(SECRET_ENV, SECRET)]).await;
    let addr = running.addr();

    // Stopped, the exchange accepts nothing: every connection that completes its handshake
    // now is one the kernel holds in the backlog. A dropped SYN is retried after a second,
    // so what has not connected within half a second did not fit.
    running.signal("STOP");
    let attempts: Vec<_> = (0..BURST)
        .map(|_| {
            let addr = addr.clone();
            tokio::spawn(async move {
                tokio::time::timeout(Duration::from_millis(500), TcpStream::connect(addr))
                    .await
                    .ok()
                    .and_then(Result::ok)
            })
        })
        .collect();
    let mut held = Vec::new();
    for attempt in attempts {
        if let Some(stream) = attempt.await.unwrap() {
            held.push(stream);
        }
    }
    running.signal("CONT");
    assert_eq!(
        held.len(),
        BURST,
        "only {} of {BURST} connections fit in the backlog",
        held.len()
    );

    // Once running again, it serves the connections that waited.
    for stream in held.iter_mut().step_by(100) {
        stream
            .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            .await
            .unwrap();
        let mut buf = [0u8; 64];
        let n = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut buf))
            .await
            .expect("no answer on a connection that waited in the backlog")
            .unwrap();
        assert!(buf[..n].starts_with(b"HTTP/1.1 200"), "{:?}", &buf[..n]);
    }
    running.child.kill().await.unwrap();
}
