//! Faults a handler can ask for by attaching a [`Fault`] to its response: the server, which
//! owns the connection, carries them out. Some need the socket itself (a reset, a close
//! without an answer, bytes that are not HTTP); [`Wire`] wraps every connection's socket so
//! that it can.

use std::io;
use std::pin::Pin;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use http::{Response, header};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

use super::body::{Busy, Dribble, Outgoing};

/// A failing backend, as a client meets it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// The connection is reset (TCP RST): "connection reset by peer".
    Reset,
    /// The connection is closed without an answer: "empty reply from server".
    Close,
    /// The status and headers as chosen, and no body at all (`Content-Length: 0`).
    Empty,
    /// A chunked body whose framing breaks half-way, then the connection closes.
    Malformed,
    /// The headers at once, the body in pieces spread over this long.
    SlowBody(Duration),
}

impl Fault {
    /// The names `Prefer: fault=` and rules use.
    pub const NAMES: [&'static str; 5] = ["reset", "close", "empty", "malformed", "slow-body"];

    /// A fault by name; slow bodies take `over`.
    pub fn named(name: &str, over: Duration) -> Option<Fault> {
        Some(match name.to_ascii_lowercase().as_str() {
            "reset" => Fault::Reset,
            "close" => Fault::Close,
            "empty" => Fault::Empty,
            "malformed" => Fault::Malformed,
            "slow-body" | "slow_body" | "slowbody" => Fault::SlowBody(over),
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            Fault::Reset => "reset",
            Fault::Close => "close",
            Fault::Empty => "empty",
            Fault::Malformed => "malformed",
            Fault::SlowBody(_) => "slow-body",
        }
    }
}

/// The service's way of telling hyper to drop a request without answering it (HTTP/1.1
/// closes the connection; HTTP/2 resets the stream).
#[derive(Debug)]
pub struct Dropped(pub &'static str);

impl std::fmt::Display for Dropped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "fault injected: {}", self.0)
    }
}

impl std::error::Error for Dropped {}

/// What the socket must do instead of what hyper asks of it; shared by a connection's
/// service (which arms it) and its [`Wire`] (which carries it out).
#[derive(Default)]
pub struct Sabotage {
    armed: AtomicBool,
    /// Set linger to zero when the socket is dropped: the close becomes a reset.
    reset: AtomicBool,
    /// Bytes to send instead of the next response, before closing.
    raw: Mutex<Option<Bytes>>,
}

/// Carries out `fault` on `response`: `Err` drops the request (the connection for HTTP/1.1).
pub fn apply(
    fault: Fault,
    response: Response<bytes::Bytes>,
    http2: bool,
    sabotage: &Sabotage,
    busy: Busy,
) -> Result<Response<Outgoing>, Dropped> {
    match fault {
        Fault::Empty => {
            let (mut parts, _) = response.into_parts();
            parts.headers.insert(header::CONTENT_LENGTH, http::HeaderValue::from_static("0"));
            Ok(Response::from_parts(parts, Outgoing::Whole(None)))
        }
        Fault::SlowBody(over) => Ok(response.map(|body| {
            let mut dribble = Dribble::new(body, over);
            dribble.busy = Some(busy);
            Outgoing::Dribble(dribble)
        })),
        // HTTP/2 multiplexes: breaking the connection would break other requests; the
        // stream is reset instead.
        Fault::Reset | Fault::Close | Fault::Malformed if http2 => Err(Dropped(fault.name())),
        Fault::Reset => {
            sabotage.reset.store(true, Ordering::Relaxed);
            Err(Dropped("reset"))
        }
        Fault::Close => Err(Dropped("close")),
        Fault::Malformed => {
            if let Ok(mut raw) = sabotage.raw.lock() {
                *raw = Some(malformed(&response));
            }
            sabotage.armed.store(true, Ordering::Release);
            // hyper writes this answer; the wire sends the malformed bytes in its place.
            Ok(response.map(Outgoing::whole))
        }
    }
}

/// The answer's status line and headers, a chunked body that starts well and then breaks.
fn malformed(response: &Response<Bytes>) -> Bytes {
    let status = response.status();
    let mut out = BytesMut::new();
    out.extend_from_slice(
        format!("HTTP/1.1 {} {}\r\n", status.as_u16(), status.canonical_reason().unwrap_or("")).as_bytes(),
    );
    for (name, value) in response.headers() {
        if name == header::CONTENT_LENGTH || name == header::TRANSFER_ENCODING || name == header::CONNECTION {
            continue;
        }
        out.extend_from_slice(name.as_str().as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"transfer-encoding: chunked\r\nconnection: close\r\n\r\n");
    let body = response.body();
    let half = &body[..body.len() / 2];
    if !half.is_empty() {
        out.extend_from_slice(format!("{:x}\r\n", half.len()).as_bytes());
        out.extend_from_slice(half);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"not-a-chunk-size\r\n\r\n");
    out.freeze()
}

/// A connection's socket, able to carry out what [`Sabotage`] asks.
pub struct Wire {
    inner: TcpStream,
    sabotage: std::sync::Arc<Sabotage>,
    /// Malformed bytes being written, and how many have gone.
    sending: Option<(Bytes, usize)>,
    broken: bool,
}

impl Wire {
    pub fn new(inner: TcpStream, sabotage: std::sync::Arc<Sabotage>) -> Wire {
        Wire { inner, sabotage, sending: None, broken: false }
    }
}

fn aborted() -> io::Error {
    io::Error::new(io::ErrorKind::ConnectionAborted, "fault injected")
}

impl Wire {
    /// Whether this write is the start of the answer to replace (its status line).
    fn takes_over(&mut self, first: &[u8]) -> bool {
        if self.sending.is_some() {
            return true;
        }
        if !self.sabotage.armed.load(Ordering::Acquire) || !first.starts_with(b"HTTP/") {
            return false;
        }
        let raw = self.sabotage.raw.lock().ok().and_then(|mut r| r.take());
        self.sabotage.armed.store(false, Ordering::Release);
        match raw {
            Some(raw) => {
                self.sending = Some((raw, 0));
                true
            }
            None => false,
        }
    }

    /// Writes the replacement bytes, shuts the socket, and fails every write after.
    fn poll_sabotage(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        while let Some((raw, sent)) = &mut self.sending {
            if *sent >= raw.len() {
                let _ = std::task::ready!(Pin::new(&mut self.inner).poll_shutdown(cx));
                self.sending = None;
                self.broken = true;
                break;
            }
            let n = std::task::ready!(Pin::new(&mut self.inner).poll_write(cx, &raw[*sent..]))?;
            if n == 0 {
                self.broken = true;
                break;
            }
            *sent += n;
        }
        Poll::Ready(Err(aborted()))
    }
}

impl AsyncRead for Wire {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_read(cx, buf)
    }
}

impl AsyncWrite for Wire {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if this.broken {
            return Poll::Ready(Err(aborted()));
        }
        if this.takes_over(buf) {
            return this.poll_sabotage(cx);
        }
        Pin::new(&mut this.inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if this.broken {
            return Poll::Ready(Err(aborted()));
        }
        let first = bufs.iter().find(|b| !b.is_empty()).map(|b| &b[..]).unwrap_or(&[]);
        if this.takes_over(first) {
            return this.poll_sabotage(cx);
        }
        Pin::new(&mut this.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if this.broken {
            return Poll::Ready(Err(aborted()));
        }
        Pin::new(&mut this.inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if this.broken {
            return Poll::Ready(Ok(()));
        }
        Pin::new(&mut this.inner).poll_shutdown(cx)
    }
}

impl Drop for Wire {
    fn drop(&mut self) {
        if self.sabotage.reset.load(Ordering::Relaxed) {
            // Linger zero makes the close a RST; it never blocks, unlike a non-zero linger.
            let _ = self.inner.set_zero_linger();
        }
    }
}
