//! Serving until a signal, then draining: [`serve`] stops accepting connections at the
//! signal, lets every request already accepted finish, and returns once none is left.
//!
//! A request is accepted once its head has arrived: from then on, how long it can take is
//! bounded by the body's read timeout and the provider's timeout, so the wait is bounded
//! too ([`AppState::drain_bound`]). The listening socket closes at the signal, so new
//! connections are refused (those the kernel had already completed are accepted first: the
//! close would reset them, requests and all); kept-alive connections stay open for
//! [`IDLE_GRACE`] more, each request on them answered with `Connection: close`, and are then
//! closed (hyper's graceful shutdown). Closing an idle one at the signal raced a request a
//! balancer was sending on it as it closed, which the balancer cannot resend (a POST); by the
//! end of the grace, a balancer has found the copy refusing connections and sends it nothing
//! more. A connection that has not sent a whole request head by then (a slow or stalled
//! client) is not waited for once no request is left.

use std::collections::VecDeque;
use std::future::{Future, IntoFuture};
use std::io;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::header::{HeaderValue, CONNECTION};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::serve::Listener;
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::sync::{watch, Notify};
use tokio::time::Instant;

use crate::log::PREFIX;
use crate::{app, AppState};

/// The listening socket's backlog: connections the kernel has completed and holds until the
/// exchange accepts them (Linux caps it at `net.core.somaxconn`, 4096 by default). tokio's
/// own `bind` asks for 128, which a burst of new connections overflows: the kernel then
/// drops their SYNs, and each waits a second for its retransmission.
pub const BACKLOG: u32 = 1024;

/// After the last request in progress has its answer, how long connections get to write
/// it out and close before the process stops waiting for them.
pub const LINGER: Duration = Duration::from_millis(500);

/// After the signal, how long kept-alive connections stay open (each request on them answered
/// with `Connection: close`) before the idle ones are closed: time for a balancer to find the
/// listening socket closed and stop choosing this copy (nginx does at the first refused
/// connection, `max_fails=1`), so that no request is sent on a connection as it closes.
pub const IDLE_GRACE: Duration = Duration::from_millis(500);

/// The stop signal as its receivers see it: `None` until the signal, then the end of the
/// [`IDLE_GRACE`] that started with it, one deadline for every wait that counts from it.
pub type Stop = watch::Receiver<Option<Instant>>;

/// The requests being handled: counted from the moment the router has a request (its head
/// arrived) until its handler has returned the answer; and the stop signal, so that each
/// answer after it closes its connection.
#[derive(Debug, Clone)]
pub struct InFlight {
    inner: Arc<(AtomicUsize, Notify)>,
    stop: Stop,
}

impl InFlight {
    /// None in progress yet; stopping once `stop` says so.
    pub fn new(stop: Stop) -> Self {
        Self {
            inner: Arc::default(),
            stop,
        }
    }

    /// How many requests are in progress.
    pub fn count(&self) -> usize {
        self.inner.0.load(Ordering::SeqCst)
    }

    /// Resolves once no request is in progress.
    pub async fn idle(&self) {
        loop {
            let notified = self.inner.1.notified();
            if self.count() == 0 {
                return;
            }
            notified.await;
        }
    }

    fn enter(&self) -> Guard {
        self.inner.0.fetch_add(1, Ordering::SeqCst);
        Guard(self.clone())
    }
}

/// Counts one request until dropped (also when its task is cancelled).
struct Guard(InFlight);

impl Drop for Guard {
    fn drop(&mut self) {
        if self.0.inner.0.fetch_sub(1, Ordering::SeqCst) == 1 {
            self.0.inner.1.notify_waiters();
        }
    }
}

async fn count_request(
    State(in_flight): State<InFlight>,
    request: Request,
    next: Next,
) -> Response {
    let _guard = in_flight.enter();
    let mut response = next.run(request).await;
    if in_flight.stop.borrow().is_some() {
        // hyper closes the connection once this answer is written.
        response
            .headers_mut()
            .insert(CONNECTION, HeaderValue::from_static("close"));
    }
    response
}

/// The listening socket until the signal, then none: closed at the signal (new connections
/// are refused), while the server keeps its connections until its own, later shutdown.
struct Stoppable {
    listener: Option<TcpListener>,
    /// Connections the kernel had completed when the socket closed, still to be served.
    backlog: VecDeque<(TcpStream, SocketAddr)>,
    stop: Stop,
    addr: SocketAddr,
}

impl Stoppable {
    /// Closes the listening socket, first taking every connection waiting in its backlog:
    /// closing it would reset them, and a client that had already sent its request (a
    /// balancer on a connection the kernel completed) would not send it again. They are
    /// accepted by the system call itself, whatever the runtime has seen of them yet, so the
    /// window for a connection to be reset is the few microseconds before the close.
    fn close(&mut self) {
        let Some(listener) = self.listener.take() else {
            return;
        };
        // Non-blocking already (tokio's), as `into_std` leaves it.
        let Ok(listener) = listener.into_std() else {
            return;
        };
        while let Ok((stream, addr)) = listener.accept() {
            // An accepted socket blocks by default; tokio's must not.
            if let Ok(stream) = stream
                .set_nonblocking(true)
                .and_then(|()| TcpStream::from_std(stream))
            {
                self.backlog.push_back((stream, addr));
            }
        }
    }
}

impl Listener for Stoppable {
    type Io = TcpStream;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (TcpStream, SocketAddr) {
        if let Some(listener) = &mut self.listener {
            tokio::select! {
                accepted = Listener::accept(listener) => return accepted,
                // An error means the sender is gone, which happens only after it sent.
                _ = self.stop.wait_for(Option::is_some) => {}
            }
            self.close();
        }
        match self.backlog.pop_front() {
            Some(accepted) => accepted,
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> io::Result<SocketAddr> {
        Ok(self.addr)
    }
}

/// Resolves at the signal, with the end of its grace. (An error means the sender is gone,
/// which happens only after it sent.)
async fn stopped(mut stop: Stop) -> Instant {
    let _ = stop.wait_for(Option::is_some).await;
    let grace_over = *stop.borrow();
    grace_over.unwrap_or_else(Instant::now)
}

/// Binds `host:port` (the first of its addresses that binds, as `TcpListener::bind` does)
/// with a backlog of [`BACKLOG`] connections.
pub async fn listen(host: &str, port: u16) -> io::Result<TcpListener> {
    let mut last_error = None;
    for addr in tokio::net::lookup_host((host, port)).await? {
        let socket = if addr.is_ipv4() {
            TcpSocket::new_v4()?
        } else {
            TcpSocket::new_v6()?
        };
        // As tokio does: a restarted exchange can bind at once while old connections linger.
        #[cfg(unix)]
        socket.set_reuseaddr(true)?;
        match socket.bind(addr).and_then(|()| socket.listen(BACKLOG)) {
            Ok(listener) => return Ok(listener),
            Err(e) => last_error = Some(e),
        }
    }
    Err(last_error
        .unwrap_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "no address to bind")))
}

/// Serves [`app`] on `listener` until `signal` resolves, then drains: no new connection is
/// accepted, idle connections are closed, every request in progress gets its answer, and
/// this returns once none is left (after [`LINGER`] at most for their answers to be
/// written), or at [`AppState::drain_bound`] after the signal, whichever comes first.
/// Writes one line to stderr at the signal and one when done.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    signal: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    let bound = state.drain_bound();
    let (stop_tx, stop_rx) = watch::channel(None);
    let in_flight = InFlight::new(stop_rx.clone());
    let router = app(state).layer(middleware::from_fn_with_state(
        in_flight.clone(),
        count_request,
    ));

    tokio::spawn(async move {
        signal.await;
        let _ = stop_tx.send(Some(Instant::now() + IDLE_GRACE));
    });

    // A task of its own: its accept loop must run (and drop the listener) at the signal,
    // while this one waits for the requests in progress. Its connections are shut down
    // (the idle ones closed) only after the grace.
    let listener = Stoppable {
        addr: listener.local_addr()?,
        listener: Some(listener),
        backlog: VecDeque::new(),
        stop: stop_rx.clone(),
    };
    let after_grace = {
        let stop = stopped(stop_rx.clone());
        async move { tokio::time::sleep_until(stop.await).await }
    };
    let mut server = tokio::spawn(
        axum::serve(listener, router)
            .with_graceful_shutdown(after_grace)
            .into_future(),
    );
    let finished = |joined: Result<io::Result<()>, tokio::task::JoinError>| {
        joined.unwrap_or_else(|e| Err(io::Error::other(e)))
    };
    // The signal first: with no connection open, the server's task ends as soon as it sees
    // the signal too, and the two lines below must still be written.
    let grace_over = tokio::select! {
        biased;
        grace_over = stopped(stop_rx) => grace_over,
        joined = &mut server => return finished(joined),
    };

    eprintln!(
        "{PREFIX} stopping: {} requests in progress; no new connections (waiting at most {} s)",
        in_flight.count(),
        bound.as_secs()
    );
    let drained = async {
        loop {
            in_flight.idle().await;
            // Answers just returned are being written, and kept-alive connections stay open
            // until the grace is over; connections that close (all but those still sending a
            // request head) end the server's task.
            let until = grace_over.max(Instant::now()) + LINGER;
            if tokio::time::timeout_at(until, &mut server).await.is_ok() || in_flight.count() == 0 {
                return;
            }
        }
    };
    let outcome = match tokio::time::timeout(bound, drained).await {
        Ok(()) => "every request answered".to_owned(),
        Err(_) => format!(
            "{} requests still in progress after {} s",
            in_flight.count(),
            bound.as_secs()
        ),
    };
    // What is left are connections that never sent a whole request.
    server.abort();
    eprintln!("{PREFIX} stopped: {outcome}");
    Ok(())
}
