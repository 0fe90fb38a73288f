//! A webhook receiver for the tests: a real HTTP server on an ephemeral port that hands every
//! request it gets to the test, and answers as scripted (a status, or never).
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test or an example: a failure should stop it
#![allow(dead_code)] // shared: tests/webhooks.rs uses less of it than src/tests/webhooks

use std::collections::VecDeque;
use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, Request, Response};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::sync::mpsc;

/// How the receiver answers one delivery.
#[derive(Debug, Clone, Copy)]
pub enum Reply {
    Status(u16),
    /// Keeps the connection open and never answers.
    Hold,
}

/// One request the receiver got.
#[derive(Debug)]
pub struct Delivery {
    pub path: String,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Delivery {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).expect("the delivery's body is JSON")
    }

    pub fn header(&self, name: &str) -> &str {
        self.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_else(|| panic!("no {name} header"))
    }
}

pub struct Receiver {
    pub url: String,
    deliveries: mpsc::UnboundedReceiver<Delivery>,
}

impl Receiver {
    /// Answers the first deliveries as `script` says, then 200.
    pub async fn start(script: Vec<Reply>) -> Receiver {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hooks", listener.local_addr().unwrap());
        let (tx, deliveries) = mpsc::unbounded_channel();
        let script = Arc::new(Mutex::new(VecDeque::from(script)));
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else { return };
                let (tx, script) = (tx.clone(), Arc::clone(&script));
                let service = service_fn(move |request: Request<Incoming>| {
                    let (tx, script) = (tx.clone(), Arc::clone(&script));
                    async move {
                        let (parts, body) = request.into_parts();
                        let body = body.collect().await.map(|b| b.to_bytes()).unwrap_or_default();
                        let reply = script.lock().unwrap().pop_front().unwrap_or(Reply::Status(200));
                        let _ = tx.send(Delivery { path: parts.uri.path().to_string(), headers: parts.headers, body });
                        let status = match reply {
                            Reply::Status(status) => status,
                            Reply::Hold => std::future::pending().await,
                        };
                        let mut response = Response::new(Full::new(Bytes::from_static(b"ok")));
                        *response.status_mut() = http::StatusCode::from_u16(status).unwrap();
                        Ok::<_, Infallible>(response)
                    }
                });
                tokio::spawn(async move {
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Receiver { url, deliveries }
    }

    /// The next delivery; fails the test if none comes within 30 s (a hang guard, not a timing).
    pub async fn next(&mut self) -> Delivery {
        tokio::time::timeout(Duration::from_secs(30), self.deliveries.recv())
            .await
            .expect("a delivery arrives")
            .expect("the receiver is running")
    }

    /// Whether a delivery has arrived that was not taken yet.
    pub fn has_more(&mut self) -> bool {
        !self.deliveries.is_empty()
    }
}
