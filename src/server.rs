//! hyper/tokio plumbing: accept connections (HTTP/1.1 and HTTP/2 with prior knowledge),
//! read bodies within limits, hand buffered requests to a [`Handler`], log, shut down
//! gracefully. It carries bytes; what they mean is decided elsewhere.

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::{Request, Response, header};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;

use crate::mock::OperationTag;
use crate::style::problem;

/// Something that answers buffered requests: the mock, or the validating proxy.
pub trait Handler: Send + Sync + 'static {
    fn handle(&self, request: Request<Bytes>) -> impl Future<Output = Response<Bytes>> + Send;
}

#[derive(Debug, Clone)]
pub struct Limits {
    /// Largest request body accepted (413 beyond it).
    pub max_body: usize,
    /// Time a client has to send its request headers, then its body.
    pub read_timeout: Duration,
    /// Log one line per request.
    pub access_log: bool,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { max_body: 10 * 1024 * 1024, read_timeout: Duration::from_secs(30), access_log: true }
    }
}

/// Serves until `shutdown` completes, then lets requests in flight finish (for up to 10 s).
pub async fn serve<H: Handler>(
    listener: TcpListener,
    handler: Arc<H>,
    limits: Limits,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder.http1().timer(TokioTimer::new()).header_read_timeout(limits.read_timeout).keep_alive(true);
    builder.http2().timer(TokioTimer::new());
    let graceful = GracefulShutdown::new();
    let limits = Arc::new(limits);
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
        let limits = Arc::clone(&limits);
        let service = service_fn(move |request: Request<Incoming>| {
            let handler = Arc::clone(&handler);
            let limits = Arc::clone(&limits);
            async move { Ok::<_, Infallible>(exchange(&*handler, &limits, request, peer).await) }
        });
        let connection = builder.serve_connection(TokioIo::new(stream), service).into_owned();
        let watched = graceful.watch(connection);
        tokio::spawn(async move {
            // Errors here are the client's (reset, malformed framing); nothing to answer.
            let _ = watched.await;
        });
    }
    drop(listener);
    tokio::select! {
        _ = graceful.shutdown() => {}
        _ = tokio::time::sleep(Duration::from_secs(10)) => tracing::warn!("some connections did not close in time"),
    }
    Ok(())
}

async fn exchange<H: Handler>(
    handler: &H,
    limits: &Limits,
    request: Request<Incoming>,
    peer: SocketAddr,
) -> Response<Full<Bytes>> {
    let started = Instant::now();
    let method = request.method().clone();
    let target = request.uri().path().to_string();
    let response = match read_body(request, limits).await {
        Ok(request) => {
            let mut request = request;
            request.extensions_mut().insert(Peer(peer));
            handler.handle(request).await
        }
        Err(response) => response,
    };
    if limits.access_log {
        let operation = response.extensions().get::<OperationTag>().map(|t| t.0.as_ref()).unwrap_or("-");
        tracing::info!(
            target: "specmock::access",
            "{method} {target} {} {operation} {}µs",
            response.status().as_u16(),
            started.elapsed().as_micros()
        );
    }
    response.map(Full::new)
}

/// The client's address, for handlers that care (the admin surface answers loopback only).
#[derive(Debug, Clone, Copy)]
pub struct Peer(pub SocketAddr);

async fn read_body(request: Request<Incoming>, limits: &Limits) -> Result<Request<Bytes>, Response<Bytes>> {
    let too_large =
        || problem(413, format!("the request body is larger than the limit of {} bytes", limits.max_body), &[]);
    let declared =
        request.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limits.max_body as u64) {
        return Err(close(too_large()));
    }
    let (parts, body) = request.into_parts();
    let collected = tokio::time::timeout(limits.read_timeout, Limited::new(body, limits.max_body).collect()).await;
    match collected {
        Ok(Ok(body)) => Ok(Request::from_parts(parts, body.to_bytes())),
        Ok(Err(e)) if e.is::<http_body_util::LengthLimitError>() => Err(close(too_large())),
        Ok(Err(e)) => Err(close(problem(400, format!("the request body could not be read: {e}"), &[]))),
        Err(_) => Err(close(problem(408, "the request body did not arrive in time", &[]))),
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
