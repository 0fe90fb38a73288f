//! The most this machine does: a minimal hyper server answering a fixed JSON body.
//! `bench/run` measures it beside specmock in the same run, so ratios mean something.
//!
//! cargo run --release --example baseline -- 4100 [WORKERS]
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test or an example: a failure should stop it

use std::convert::Infallible;

use bytes::Bytes;
use http::{Request, Response};
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};

const BODY: &[u8] = br#"{"object":"organization","id":"org_21Ufcy98STcA11s3QckIwtwHIES","name":"Acme Inc","created_at":1638000669544,"updated_at":1638000669544}"#;

async fn answer(_: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    let mut response = Response::new(Full::new(Bytes::from_static(BODY)));
    response.headers_mut().insert("content-type", http::HeaderValue::from_static("application/json"));
    Ok(response)
}

fn main() -> std::io::Result<()> {
    let port: u16 = std::env::args().nth(1).and_then(|p| p.parse().ok()).unwrap_or(4100);
    // The same runtimes as specmock's (`app::runtime`): one worker is the single-threaded one.
    let mut runtime = match std::env::args().nth(2).and_then(|w| w.parse::<usize>().ok()) {
        Some(1) => tokio::runtime::Builder::new_current_thread(),
        Some(workers) => {
            let mut runtime = tokio::runtime::Builder::new_multi_thread();
            runtime.worker_threads(workers);
            runtime
        }
        None => tokio::runtime::Builder::new_multi_thread(),
    };
    runtime.enable_all().build()?.block_on(serve(port))
}

async fn serve(port: u16) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    eprintln!("baseline listening on http://127.0.0.1:{port}");
    loop {
        let (stream, _) = listener.accept().await?;
        let _ = stream.set_nodelay(true);
        tokio::spawn(async move {
            let _ = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new())
                .serve_connection(TokioIo::new(stream), service_fn(answer))
                .await;
        });
    }
}
