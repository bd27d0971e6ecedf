//! The exchange against providers that fail mid-answer, over loopback sockets, with a raw
//! TCP fake (no HTTP library on the provider's side, so it can misbehave at any byte):
//!
//! - a connection reset (RST) or closed (FIN) before, inside or after the answer's head;
//! - an answer written one byte at a time, in time (relayed byte for byte) and too slowly
//!   (502 at the configured bound, not later, and the connection dropped then);
//! - 10 MB: declared with `Content-Length`, chunked, delimited by closing, and as headers.
//!   Each is a 502 well before the bound, and the exchange stops reading at its limit: the
//!   fake counts what it managed to write before the exchange closed the connection.
//!
//! Every case ends with the exchange still answering a good request.

mod common;

use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use common::*;
use oauth_prefab_exchange::upstream::POOL_IDLE;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

/// A good token answer's body.
const TOKEN_BODY: &str = r#"{"access_token":"slow-token","token_type":"bearer","expires_in":60}"#;
/// The exchange's bound on a whole provider call in these tests.
const BOUND_MS: u64 = 800;

/// The fake provider's socket send buffer (the kernel doubles it).
const SEND_BUFFER: u32 = 16 * 1024;

/// What a fake provider saw and did on its connections.
#[derive(Debug, Default)]
struct Stats {
    /// Connections accepted.
    connections: AtomicUsize,
    /// Bytes of answers written successfully, over all connections.
    written: AtomicUsize,
    /// When a write first failed because the exchange had closed the connection.
    write_failed_at: Mutex<Option<Instant>>,
}

impl Stats {
    fn written(&self) -> usize {
        self.written.load(Ordering::SeqCst)
    }

    /// Whether a write has failed, or fails within 3 s: the exchange let go of the connection.
    async fn write_fails_soon(&self) -> bool {
        let deadline = Instant::now() + Duration::from_secs(3);
        while self.write_failed_at.lock().unwrap().is_none() && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        self.write_failed_at.lock().unwrap().is_some()
    }
}

/// A provider on a raw TCP socket: for each connection it reads one whole request (head
/// and `Content-Length` body), then runs `script`. Returns its origin and its stats.
async fn raw_provider<F, Fut>(script: F) -> (String, Arc<Stats>)
where
    F: Fn(TcpStream, Arc<Stats>) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    // A small send buffer (the kernel's autotuning lets one grow to megabytes on loopback):
    // what the provider has written is then close to what the exchange has taken in.
    let socket = TcpSocket::new_v4().unwrap();
    socket.set_send_buffer_size(SEND_BUFFER).unwrap();
    socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let listener = socket.listen(64).unwrap();
    let origin = format!("http://{}", listener.local_addr().unwrap());
    let stats = Arc::new(Stats::default());
    let seen = stats.clone();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            seen.connections.fetch_add(1, Ordering::SeqCst);
            let stats = seen.clone();
            let run = script(
                {
                    read_request(&mut stream).await;
                    stream
                },
                stats,
            );
            tokio::spawn(run);
        }
    });
    (origin, stats)
}

/// Reads an HTTP/1.1 request's head and its `Content-Length` body; `false` if the connection
/// ended first.
async fn read_request(stream: &mut TcpStream) -> bool {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        let n = stream.read(&mut chunk).await.unwrap_or(0);
        if n == 0 {
            return false;
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(at) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_ascii_lowercase();
    let length: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .map_or(0, |v| v.trim().parse().unwrap());
    while buf.len() < head_end + length {
        let n = stream.read(&mut chunk).await.unwrap_or(0);
        if n == 0 {
            return false;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    true
}

/// Writes `bytes` and counts them; `false` once the exchange has closed the connection.
async fn write_counted(stream: &mut TcpStream, bytes: &[u8], stats: &Stats) -> bool {
    match stream.write_all(bytes).await {
        Ok(()) => {
            stats.written.fetch_add(bytes.len(), Ordering::SeqCst);
            true
        }
        Err(_) => {
            stats
                .write_failed_at
                .lock()
                .unwrap()
                .get_or_insert(Instant::now());
            false
        }
    }
}

/// A complete, good answer with `Content-Length`.
fn good_answer() -> Vec<u8> {
    format!(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{TOKEN_BODY}",
        TOKEN_BODY.len()
    )
    .into_bytes()
}

/// The exchange with one client whose token endpoint is `{origin}/token`, bounded by
/// `bound_ms`.
async fn exchange_for(origin: &str, bound_ms: u64) -> String {
    let config = config_json(
        &[client_entry(
            CLIENT_ID,
            &format!("{origin}/token"),
            SECRET_ENV,
            "client_secret_post",
            &[ORIGIN],
        )],
        bound_ms,
    );
    start_exchange(&config, &[(SECRET_ENV, SECRET)]).await
}

/// One token request through `exchange`; its answer and how long it took.
async fn timed_token_request(exchange: &str) -> (Answer, Duration) {
    let started = Instant::now();
    let answer = post_token(exchange, Some(ORIGIN), request_with_code("a-code")).await;
    (answer, started.elapsed())
}

/// The 502 a failing provider gets the page: OAuth-shaped, readable by the page, and with
/// nothing of the provider's bytes in it.
fn assert_bad_gateway(answer: &Answer, case: &str) {
    assert_eq!(answer.status, StatusCode::BAD_GATEWAY, "{case}: {answer:?}");
    assert_eq!(answer.error(), "server_error", "{case}");
    assert_eq!(
        answer.header("access-control-allow-origin"),
        Some(ORIGIN),
        "{case}"
    );
    assert!(
        !answer.body.contains("slow-token"),
        "{case}: {}",
        answer.body
    );
    assert!(!answer.body.contains("xxxxxxxx"), "{case}: {}", answer.body);
}

/// After a fault, the same exchange still serves: a good provider's answer comes through.
async fn assert_still_serves() {
    let (origin, _) = raw_provider(|mut stream, stats| async move {
        write_counted(&mut stream, &good_answer(), &stats).await;
    })
    .await;
    let exchange = exchange_for(&origin, BOUND_MS).await;
    let (answer, _) = timed_token_request(&exchange).await;
    assert_eq!(answer.status, StatusCode::OK, "{answer:?}");
    assert_eq!(answer.body, TOKEN_BODY);
}

// ---- A pooled connection the provider may be closing ------------------------------------------

/// A provider connection idle in the pool for [`POOL_IDLE`] is dropped, not reused: a server
/// closes idle keep-alive connections (Node's and Apache's after 5 s), and a token request written
/// to one as it closes is a 502 that may not be retried. The fake answers keep-alive, as Node
/// does, and keeps each connection open for more requests.
#[tokio::test]
async fn a_provider_connection_idle_past_the_pool_limit_is_not_reused() {
    let reused = Arc::new(AtomicUsize::new(0));
    let counted = reused.clone();
    let (origin, stats) = raw_provider(move |mut stream, stats| {
        let reused = counted.clone();
        async move {
            if !write_counted(&mut stream, &good_answer(), &stats).await {
                return;
            }
            while read_request(&mut stream).await {
                reused.fetch_add(1, Ordering::SeqCst);
                if !write_counted(&mut stream, &good_answer(), &stats).await {
                    return;
                }
            }
        }
    })
    .await;
    let exchange = exchange_for(&origin, BOUND_MS).await;
    for _ in 0..2 {
        let (answer, _) = timed_token_request(&exchange).await;
        assert_eq!(answer.status, StatusCode::OK, "{answer:?}");
    }
    // At once, the pooled connection serves again: what the pool is for.
    assert_eq!(stats.connections.load(Ordering::SeqCst), 1);
    assert_eq!(reused.load(Ordering::SeqCst), 1);
    tokio::time::sleep(POOL_IDLE + Duration::from_millis(500)).await;
    let (answer, _) = timed_token_request(&exchange).await;
    assert_eq!(answer.status, StatusCode::OK, "{answer:?}");
    assert_eq!(
        stats.connections.load(Ordering::SeqCst),
        2,
        "after {POOL_IDLE:?} idle, a new connection"
    );
    assert_eq!(
        reused.load(Ordering::SeqCst),
        1,
        "the idle one is not reused"
    );
}

// ---- A connection reset or closed mid-answer -----------------------------------------------

#[tokio::test]
async fn a_provider_that_resets_or_closes_the_connection_mid_answer_is_502_at_once() {
    let answer = good_answer();
    let head_len = answer.len() - TOKEN_BODY.len();
    let chunked_start =
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n10\r\n{\"access_token\":"
            .to_vec();
    // (case, bytes written before the connection ends, reset (RST) or closed (FIN))
    let cases: Vec<(&str, Vec<u8>, bool)> = vec![
        ("reset before any byte", vec![], true),
        ("reset inside the status line", b"HTTP/1.1 2".to_vec(), true),
        (
            "reset inside the headers",
            answer[..head_len - 10].to_vec(),
            true,
        ),
        ("reset after the head", answer[..head_len].to_vec(), true),
        ("reset in the body", answer[..head_len + 20].to_vec(), true),
        ("reset inside a chunked body", chunked_start.clone(), true),
        ("closed before any byte", vec![], false),
        (
            "closed inside the headers",
            answer[..head_len - 10].to_vec(),
            false,
        ),
        (
            "closed in the body",
            answer[..head_len + 20].to_vec(),
            false,
        ),
        ("closed inside a chunked body", chunked_start, false),
    ];
    for (case, bytes, reset) in cases {
        let bytes = Arc::new(bytes);
        let (origin, stats) = raw_provider(move |mut stream, stats| {
            let bytes = bytes.clone();
            async move {
                write_counted(&mut stream, &bytes, &stats).await;
                // Let the bytes leave before the connection ends, as a crashing server's would.
                let _ = stream.flush().await;
                tokio::time::sleep(Duration::from_millis(20)).await;
                if reset {
                    stream.set_zero_linger().unwrap();
                }
                drop(stream);
            }
        })
        .await;
        // A bound far away: the 502 must come from the broken connection, not the clock.
        let exchange = exchange_for(&origin, 10_000).await;
        let (answer, took) = timed_token_request(&exchange).await;
        assert_bad_gateway(&answer, case);
        assert!(took < Duration::from_secs(2), "{case}: took {took:?}");
        assert_eq!(
            stats.connections.load(Ordering::SeqCst),
            1,
            "{case}: a token request is not sent twice"
        );
    }
    assert_still_serves().await;
}

// ---- An answer one byte at a time ------------------------------------------------------------

/// A provider that writes `answer` one byte every `gap`.
async fn trickling_provider(answer: Vec<u8>, gap: Duration) -> (String, Arc<Stats>) {
    let answer = Arc::new(answer);
    raw_provider(move |mut stream, stats| {
        let answer = answer.clone();
        async move {
            for byte in answer.iter() {
                if !write_counted(&mut stream, &[*byte], &stats).await {
                    return;
                }
                tokio::time::sleep(gap).await;
            }
        }
    })
    .await
}

#[tokio::test]
async fn an_answer_trickled_byte_by_byte_within_the_bound_is_relayed_byte_for_byte() {
    // About 150 bytes, 3 ms apart: under half a second, against a bound of 5 s.
    let (origin, stats) = trickling_provider(good_answer(), Duration::from_millis(3)).await;
    let exchange = exchange_for(&origin, 5_000).await;
    let (answer, _) = timed_token_request(&exchange).await;
    assert_eq!(answer.status, StatusCode::OK, "{answer:?}");
    assert_eq!(answer.body, TOKEN_BODY);
    assert_eq!(stats.written(), good_answer().len());
}

#[tokio::test]
async fn an_answer_trickled_past_the_bound_is_502_at_the_bound_and_dropped() {
    // Each byte comes well within any per-read timeout (40 ms apart), but the whole answer
    // would take about 6 s: the bound is on the whole call.
    let head_then_body = good_answer();
    let header_only: Vec<u8> = {
        // The head alone, stretched: a provider that never gets past its headers.
        let mut head = b"HTTP/1.1 200 OK\r\n".to_vec();
        for i in 0..40 {
            head.extend_from_slice(format!("X-Slow-{i}: y\r\n").as_bytes());
        }
        head
    };
    for (case, bytes) in [
        ("a whole answer", head_then_body),
        ("a head that never ends", header_only),
    ] {
        let (origin, stats) = trickling_provider(bytes.clone(), Duration::from_millis(40)).await;
        let exchange = exchange_for(&origin, BOUND_MS).await;
        let (answer, took) = timed_token_request(&exchange).await;
        assert_bad_gateway(&answer, case);
        assert!(
            answer.json()["error_description"]
                .as_str()
                .unwrap()
                .contains(&format!("{BOUND_MS} ms")),
            "{case}: {}",
            answer.body
        );
        let bound = Duration::from_millis(BOUND_MS);
        assert!(took >= bound, "{case}: answered before the bound: {took:?}");
        assert!(
            took < bound + Duration::from_millis(700),
            "{case}: answered {took:?} after the request, for a bound of {bound:?}"
        );
        // The exchange let go of the connection at the bound: the provider's next writes
        // fail soon after, long before its answer would have been complete.
        assert!(
            stats.write_fails_soon().await,
            "{case}: the exchange still holds the provider's connection"
        );
        assert!(stats.written() < bytes.len(), "{case}");
    }
    assert_still_serves().await;
}

// ---- 10 MB -------------------------------------------------------------------------------------

const TEN_MB: usize = 10 * 1000 * 1000;
/// The most the exchange reads of an answer's body (`upstream::MAX_ANSWER_BYTES`).
const LIMIT: usize = oauth_prefab_exchange::upstream::MAX_ANSWER_BYTES;
/// What may sit between the provider and the exchange's reader beyond that limit: the
/// exchange's socket receive buffer (128 KiB to start with on Linux), the provider's small
/// send buffer, and hyper's read buffer (at most about 400 KiB, its limit on an answer's
/// head). Measured: about 128 KiB for a body, 450 KiB for a head.
const IN_FLIGHT_ALLOWANCE: usize = 1024 * 1024;

/// How a 10 MB answer is framed.
#[derive(Debug, Clone, Copy)]
enum Framing {
    ContentLength,
    Chunked,
    UntilClose,
    Headers,
}

/// A provider that answers 10 MB framed as `framing`, in 16 KiB writes, as fast as the
/// exchange takes them.
async fn flooding_provider(framing: Framing) -> (String, Arc<Stats>) {
    raw_provider(move |mut stream, stats| async move {
        let head: String = match framing {
            Framing::ContentLength => format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {TEN_MB}\r\n\r\n"
            ),
            Framing::Chunked => {
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n".into()
            }
            Framing::UntilClose => {
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n".into()
            }
            Framing::Headers => "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n".into(),
        };
        if !write_counted(&mut stream, head.as_bytes(), &stats).await {
            return;
        }
        let piece: Vec<u8> = match framing {
            // A JSON string's worth of x's: the start of a body that would be valid.
            Framing::ContentLength | Framing::UntilClose => vec![b'x'; 16 * 1024],
            Framing::Chunked => {
                let mut chunk = format!("{:x}\r\n", 16 * 1024).into_bytes();
                chunk.extend(std::iter::repeat_n(b'x', 16 * 1024));
                chunk.extend_from_slice(b"\r\n");
                chunk
            }
            // 16 KiB of header lines.
            Framing::Headers => {
                let line = format!("X-Pad: {}\r\n", "x".repeat(1015));
                line.repeat(16).into_bytes()
            }
        };
        let mut sent = 0;
        while sent < TEN_MB {
            if !write_counted(&mut stream, &piece, &stats).await {
                return;
            }
            sent += piece.len();
        }
        let tail: &[u8] = match framing {
            Framing::Chunked => b"0\r\n\r\n",
            Framing::Headers => b"\r\n{}",
            _ => b"",
        };
        write_counted(&mut stream, tail, &stats).await;
    })
    .await
}

#[tokio::test]
async fn ten_megabytes_from_a_provider_are_502_and_not_read_past_the_limit() {
    for framing in [
        Framing::ContentLength,
        Framing::Chunked,
        Framing::UntilClose,
        Framing::Headers,
    ] {
        let case = format!("{framing:?}");
        let (origin, stats) = flooding_provider(framing).await;
        let exchange = exchange_for(&origin, 10_000).await;
        let (answer, took) = timed_token_request(&exchange).await;
        assert_bad_gateway(&answer, &case);
        // Refused when the limit is crossed, not when the clock runs out.
        assert!(took < Duration::from_secs(2), "{case}: took {took:?}");
        // The exchange closes the connection once over its limit: the provider cannot
        // write the rest. What it did write is the limit and what the sockets hold.
        assert!(
            stats.write_fails_soon().await,
            "{case}: the exchange kept the connection open"
        );
        let written = stats.written();
        assert!(
            written < LIMIT + IN_FLIGHT_ALLOWANCE,
            "{case}: the provider got {written} bytes written (limit {LIMIT})"
        );
        eprintln!("{case}: 502 in {took:?}; the provider wrote {written} bytes before the exchange closed");
        assert_eq!(stats.connections.load(Ordering::SeqCst), 1, "{case}");
    }
    assert_still_serves().await;
}

#[tokio::test]
async fn many_ten_megabyte_answers_at_once_are_each_502() {
    // 20 at once: each read stops at its limit, so they do not add up to 200 MB.
    let (origin, stats) = flooding_provider(Framing::Chunked).await;
    let exchange = exchange_for(&origin, 10_000).await;
    let started = Instant::now();
    let requests: Vec<_> = (0..20)
        .map(|_| {
            let exchange = exchange.clone();
            tokio::spawn(async move {
                post_token(&exchange, Some(ORIGIN), request_with_code("a-code")).await
            })
        })
        .collect();
    let mut answers = Vec::new();
    for request in requests {
        answers.push(request.await.unwrap());
    }
    let took = started.elapsed();
    for answer in &answers {
        assert_bad_gateway(answer, "chunked, 20 at once");
    }
    assert!(took < Duration::from_secs(5), "took {took:?}");
    let deadline = Instant::now() + Duration::from_secs(3);
    while stats.connections.load(Ordering::SeqCst) < 20 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let written = stats.written();
    assert!(
        written < 20 * (LIMIT + IN_FLIGHT_ALLOWANCE),
        "the provider got {written} bytes written for 20 answers"
    );
}
