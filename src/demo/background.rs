//! A demo server on a thread of its own, with its own current-thread Tokio runtime, so that
//! the synchronous demo start works inside or outside a runtime: [`spawn`] waits until the
//! server says it is ready (or why not) within a deadline; dropping the [`Background`] tells
//! it to stop and gives requests in flight a moment. The demo's portal and SMTP server both
//! run this way.

use std::future::Future;
use std::io;
use std::time::Duration;

use tokio::sync::oneshot;

/// How long dropping the handle waits for the thread; then it is left to end.
const STOP_TIMEOUT: Duration = Duration::from_secs(3);

/// A running demo server; stops (gracefully) when dropped.
#[derive(Debug)]
pub struct Background {
    stop: Option<oneshot::Sender<()>>,
    /// Closed (sender dropped) when the server's thread ends.
    done: std::sync::mpsc::Receiver<()>,
}

impl Drop for Background {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let _ = self.done.recv_timeout(STOP_TIMEOUT);
    }
}

/// Where a server reports that it is ready (with what the caller needs of it), or why not.
pub type Ready<T> = std::sync::mpsc::Sender<io::Result<T>>;

/// Runs `serve` on a thread named `name`: it reports on its [`Ready`] and runs until its stop
/// receiver fires. `what` names the server in the error when it is not ready within `start`.
pub fn spawn<T, F, Fut>(
    name: &str,
    what: &str,
    start: Duration,
    serve: F,
) -> io::Result<(Background, T)>
where
    T: Send + 'static,
    F: FnOnce(Ready<T>, oneshot::Receiver<()>) -> Fut + Send + 'static,
    Fut: Future<Output = ()>,
{
    let (ready_tx, ready_rx) = std::sync::mpsc::channel::<io::Result<T>>();
    let (stop_tx, stop_rx) = oneshot::channel::<()>();
    let (done_tx, done) = std::sync::mpsc::channel::<()>();
    std::thread::Builder::new()
        .name(name.into())
        .spawn(move || {
            let _done = done_tx;
            match tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                Ok(runtime) => runtime.block_on(serve(ready_tx, stop_rx)),
                Err(e) => {
                    let _ = ready_tx.send(Err(e));
                }
            }
        })?;
    let handle = Background {
        stop: Some(stop_tx),
        done,
    };
    match ready_rx.recv_timeout(start) {
        Ok(Ok(value)) => Ok((handle, value)),
        Ok(Err(e)) => Err(e),
        Err(_) => Err(io::Error::other(format!("{what} did not start"))),
    }
}
