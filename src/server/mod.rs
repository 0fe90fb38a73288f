//! hyper/tokio plumbing: accept connections (HTTP/1.1 and HTTP/2 with prior knowledge),
//! read bodies within limits, hand buffered requests to a [`Handler`], log, carry out the
//! faults a handler asks for, shut down gracefully. It carries bytes; what they mean is
//! decided elsewhere.

mod body;
mod fault;
mod log;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::{Request, Response, StatusCode, header};
use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;

use crate::style::problem;

pub use body::{Outgoing, Streaming};
pub use fault::Fault;
pub use log::{LogFormat, OperationTag};

use fault::{Dropped, Sabotage, Wire};

/// Something that answers buffered requests: the mock, or the validating proxy.
pub trait Handler: Send + Sync + 'static {
    /// `peer` is the client's address (the admin surface answers loopback clients only).
    fn handle(&self, request: Request<Bytes>, peer: SocketAddr) -> impl Future<Output = Response<Bytes>> + Send;
}

#[derive(Debug, Clone)]
pub struct Limits {
    /// Largest request body accepted (413 beyond it).
    pub max_body: usize,
    /// Time a client has to start a request — on a new connection, or on a kept-alive one
    /// after the last answer — and then to send its body.
    pub read_timeout: Duration,
    /// Log one line per request.
    pub access_log: bool,
    /// How those lines look (`--log-format`).
    pub log_format: LogFormat,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_body: 10 * 1024 * 1024,
            read_timeout: Duration::from_secs(30),
            access_log: true,
            log_format: LogFormat::Text,
        }
    }
}

/// How long requests in flight get to finish after a shutdown signal (a delayed answer or a
/// slow client must not keep Ctrl-C from working).
pub const GRACE: Duration = Duration::from_secs(3);

/// Serves until `shutdown` completes, then lets requests in flight finish (for up to [`GRACE`]).
pub async fn serve<H: Handler>(
    listener: TcpListener,
    handler: Arc<H>,
    limits: Limits,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let mut builder = auto::Builder::new(TokioExecutor::new());
    // Slow clients are timed out per connection (see `Watch`), not with hyper's
    // header_read_timeout, which arms a timer for every request and cost 16% of throughput.
    builder.http1().keep_alive(true);
    builder.http2().timer(TokioTimer::new());
    let graceful = GracefulShutdown::new();
    let limits = Arc::new(limits);
    // Streams (server-sent events) end when this turns true, so they never hold up a shutdown.
    let (stopping, stop_watch) = tokio::sync::watch::channel(false);
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(e) => {
                    // Running out of file descriptors is transient; back off instead of spinning.
                    tracing::warn!("accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let handler = Arc::clone(&handler);
        let activity = Arc::new(Activity::default());
        let service = {
            let limits = Arc::clone(&limits);
            let activity = Arc::clone(&activity);
            let stop_watch = stop_watch.clone();
            service_fn(move |request: Request<Incoming>| {
                let busy = Busy::start(&activity);
                let handler = Arc::clone(&handler);
                let limits = Arc::clone(&limits);
                let activity = Arc::clone(&activity);
                let stop_watch = stop_watch.clone();
                async move {
                    let http2 = request.version() == http::Version::HTTP_2;
                    let response = exchange(&*handler, &limits, request, peer).await;
                    // A body still being sent keeps the connection busy.
                    deliver(response, http2, &activity.sabotage, stop_watch, Box::new(busy))
                }
            })
        };
        let wire = Wire::new(stream, Arc::clone(&activity.sabotage));
        let connection = graceful.watch(builder.serve_connection(TokioIo::new(wire), service).into_owned());
        // Errors here are the client's (reset, malformed framing); nothing to answer.
        let task = tokio::spawn(async move {
            let _ = connection.await;
        });
        // The watchdog is a task of its own, so requests never poll its timer.
        let period = limits.read_timeout / 4;
        let timeout = limits.read_timeout;
        tokio::spawn(async move {
            let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
            let mut watch = Watch::default();
            while !task.is_finished() {
                tick.tick().await;
                if watch.idle(&activity, period, timeout) {
                    // Dropping the connection closes the socket.
                    task.abort();
                    break;
                }
            }
        });
    }
    drop(listener);
    let _ = stopping.send(true);
    tokio::select! {
        _ = graceful.shutdown() => {}
        _ = tokio::time::sleep(GRACE) => tracing::warn!("some requests were still in flight after {} s; closing them", GRACE.as_secs()),
    }
    Ok(())
}

async fn exchange<H: Handler>(
    handler: &H,
    limits: &Limits,
    request: Request<Incoming>,
    peer: SocketAddr,
) -> Response<Bytes> {
    // Only what the log line needs is kept, and only when there is a log.
    let logged =
        limits.access_log.then(|| (Instant::now(), request.method().clone(), request.uri().path().to_string()));
    let response = match read_body(request, limits).await {
        Ok(request) => handler.handle(request, peer).await,
        Err(response) => response,
    };
    if let Some((started, method, target)) = logged {
        let line = log::line(limits.log_format, &response, &method, &target, started.elapsed());
        tracing::info!(target: "specmock::access", "{line}");
    }
    response
}

/// The answer as it goes on the wire: whole, or as the fault or stream it carries says.
fn deliver(
    mut response: Response<Bytes>,
    http2: bool,
    sabotage: &Sabotage,
    stop: tokio::sync::watch::Receiver<bool>,
    busy: body::Busy,
) -> Result<Response<Outgoing>, Dropped> {
    if let Some(fault) = response.extensions_mut().remove::<Fault>() {
        return fault::apply(fault, response, http2, sabotage, busy);
    }
    if let Some(items) = response.extensions_mut().remove::<Streaming>().and_then(|s| s.take()) {
        let mut stop = stop;
        let stop = Box::pin(async move {
            let _ = stop.wait_for(|stopping| *stopping).await;
        });
        return Ok(response.map(|_| Outgoing::Stream { items, stop, _busy: Some(busy) }));
    }
    Ok(response.map(Outgoing::whole))
}

async fn read_body(request: Request<Incoming>, limits: &Limits) -> Result<Request<Bytes>, Response<Bytes>> {
    let too_large = || {
        problem(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("the request body is larger than the limit of {} bytes", limits.max_body),
            &[],
        )
    };
    let declared =
        request.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limits.max_body as u64) {
        return Err(close(too_large()));
    }
    let (parts, body) = request.into_parts();
    // Most requests (GET, HEAD, DELETE) carry no body: no timer, no buffer.
    if http_body::Body::is_end_stream(&body) {
        return Ok(Request::from_parts(parts, Bytes::new()));
    }
    let collected = tokio::time::timeout(limits.read_timeout, Limited::new(body, limits.max_body).collect()).await;
    match collected {
        Ok(Ok(body)) => Ok(Request::from_parts(parts, body.to_bytes())),
        Ok(Err(e)) if e.is::<http_body_util::LengthLimitError>() => Err(close(too_large())),
        Ok(Err(e)) => {
            Err(close(problem(StatusCode::BAD_REQUEST, format!("the request body could not be read: {e}"), &[])))
        }
        Err(_) => Err(close(problem(StatusCode::REQUEST_TIMEOUT, "the request body did not arrive in time", &[]))),
    }
}

/// What a connection is up to, as cheaply as the request path allows: two counters
/// touched once per request, no clock, nothing on reads. A watchdog ticking four times per
/// timeout reads them.
#[derive(Default)]
struct Activity {
    /// Requests whose headers have arrived.
    started: AtomicU64,
    /// Requests being answered (HTTP/2 may have several).
    in_flight: AtomicU64,
    /// Faults the connection's socket must carry out.
    sabotage: Arc<Sabotage>,
}

/// A request being answered; it stops counting when dropped, even if the client vanished.
struct Busy(Arc<Activity>);

impl Busy {
    fn start(activity: &Arc<Activity>) -> Busy {
        activity.started.fetch_add(1, Ordering::Relaxed);
        activity.in_flight.fetch_add(1, Ordering::Relaxed);
        Busy(Arc::clone(activity))
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::Relaxed);
    }
}

/// The watchdog's memory between ticks.
#[derive(Default)]
struct Watch {
    started: u64,
    waiting_ticks: u32,
}

impl Watch {
    /// True once no request has been in flight and none has started for `timeout`: a client
    /// that connected and sent nothing, one trickling its headers, or an idle keep-alive
    /// connection. Bodies and answers are timed elsewhere (408, the handler's own limits).
    fn idle(&mut self, activity: &Activity, period: Duration, timeout: Duration) -> bool {
        let started = activity.started.load(Ordering::Relaxed);
        if activity.in_flight.load(Ordering::Relaxed) > 0 || started != self.started {
            (self.started, self.waiting_ticks) = (started, 0);
            return false;
        }
        self.waiting_ticks += 1;
        period * self.waiting_ticks >= timeout
    }
}

/// Ends the connection after this answer: the rest of the request is not worth reading.
fn close(mut response: Response<Bytes>) -> Response<Bytes> {
    response.headers_mut().insert(header::CONNECTION, http::HeaderValue::from_static("close"));
    response
}

/// Completes on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
}
