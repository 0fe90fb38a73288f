//! What the server sends as a response body: the whole answer at once (almost always), the
//! same bytes dribbled over a delay (`Prefer: fault=slow-body`), or a stream that lasts as
//! long as the client listens (server-sent events).

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use futures_util::Stream;
use futures_util::future::BoxFuture;
use futures_util::stream::BoxStream;
use http_body::{Body, Frame, SizeHint};

/// A body that is produced while it is sent: attach it to a response as an extension and
/// the server sends its items after the headers, until it ends or the server shuts down.
#[derive(Clone)]
pub struct Streaming(Arc<Mutex<Option<BoxStream<'static, Bytes>>>>);

impl Streaming {
    pub fn new(stream: impl Stream<Item = Bytes> + Send + 'static) -> Streaming {
        Streaming(Arc::new(Mutex::new(Some(Box::pin(stream)))))
    }

    pub(super) fn take(&self) -> Option<BoxStream<'static, Bytes>> {
        self.0.lock().ok()?.take()
    }
}

impl std::fmt::Debug for Streaming {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Streaming")
    }
}

/// The body of every answer the server sends.
pub enum Outgoing {
    Whole(Option<Bytes>),
    Dribble(Dribble),
    /// `_busy` is held, not read: dropping it when the body ends marks the connection idle.
    Stream {
        items: BoxStream<'static, Bytes>,
        stop: BoxFuture<'static, ()>,
        _busy: Option<Busy>,
    },
}

/// Held while a body is being sent: the connection is busy, not idle, until it is dropped.
pub type Busy = Box<dyn std::any::Any + Send>;

impl Outgoing {
    pub fn whole(bytes: Bytes) -> Outgoing {
        Outgoing::Whole((!bytes.is_empty()).then_some(bytes))
    }
}

/// The body in small pieces, one every `interval`: a server that is slow to write.
pub struct Dribble {
    pub(super) busy: Option<Busy>,
    rest: Bytes,
    piece: usize,
    interval: Duration,
    wait: Option<Pin<Box<tokio::time::Sleep>>>,
}

/// At most this many pieces: enough to look slow, few enough timers.
const PIECES: usize = 20;

impl Dribble {
    pub fn new(body: Bytes, over: Duration) -> Dribble {
        let piece = body.len().div_ceil(PIECES).max(1);
        let pieces = body.len().div_ceil(piece).max(1);
        let interval = over / pieces as u32;
        Dribble { busy: None, rest: body, piece, interval, wait: None }
    }
}

impl Body for Outgoing {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        match self.get_mut() {
            Outgoing::Whole(bytes) => Poll::Ready(bytes.take().map(|b| Ok(Frame::data(b)))),
            Outgoing::Dribble(d) => {
                if d.rest.is_empty() {
                    d.busy = None;
                    return Poll::Ready(None);
                }
                // Each piece waits its turn, the first one too: the headers go out at once.
                let wait = d.wait.get_or_insert_with(|| Box::pin(tokio::time::sleep(d.interval)));
                if wait.as_mut().poll(cx).is_pending() {
                    return Poll::Pending;
                }
                d.wait = None;
                let piece = d.rest.split_to(d.piece.min(d.rest.len()));
                Poll::Ready(Some(Ok(Frame::data(piece))))
            }
            Outgoing::Stream { items, stop, .. } => {
                if stop.as_mut().poll(cx).is_ready() {
                    return Poll::Ready(None);
                }
                items.as_mut().poll_next(cx).map(|item| item.map(|b| Ok(Frame::data(b))))
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        match self {
            Outgoing::Whole(bytes) => bytes.is_none(),
            Outgoing::Dribble(d) => d.rest.is_empty(),
            Outgoing::Stream { .. } => false,
        }
    }

    fn size_hint(&self) -> SizeHint {
        match self {
            Outgoing::Whole(bytes) => SizeHint::with_exact(bytes.as_ref().map_or(0, |b| b.len() as u64)),
            Outgoing::Dribble(d) => SizeHint::with_exact(d.rest.len() as u64),
            Outgoing::Stream { .. } => SizeHint::default(),
        }
    }
}
