//! Shutdown on SIGINT or SIGTERM, the two ways a terminal or a process manager stops a server.

use std::future::Future;

/// Resolves on SIGINT (Ctrl-C) or SIGTERM. The handlers are installed by this call, not
/// when the future is first polled: call it before printing the line that scripts wait
/// for, so that a signal sent as soon as they read it is a graceful shutdown instead of the
/// default action (the process killed). Where a handler cannot be installed, that signal is
/// simply not waited for. Must be called within a tokio runtime.
pub fn shutdown_signal() -> impl Future<Output = ()> + Send + 'static {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, Signal, SignalKind};
        let interrupt = signal(SignalKind::interrupt()).ok();
        let terminate = signal(SignalKind::terminate()).ok();
        let received = |armed: Option<Signal>| async move {
            match armed {
                Some(mut s) => {
                    s.recv().await;
                }
                None => std::future::pending().await,
            }
        };
        async move {
            tokio::select! {
                () = received(interrupt) => {},
                () = received(terminate) => {},
            }
        }
    }
    // Elsewhere only Ctrl-C, whose handler is installed when first polled.
    #[cfg(not(unix))]
    async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    }
}
