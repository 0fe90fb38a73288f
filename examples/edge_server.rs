//! The server of tests/edgy: right on typical requests, wrong at eight edges of
//! tests/data/boundaries.yaml. For timing `specmock check` and comparing it with other tools
//! on the same server (bench/check-edges).
//!
//! cargo run --release --example edge_server -- 4200
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test or an example: a failure should stop it

#[path = "../tests/edgy/mod.rs"]
mod edgy;

fn main() -> std::io::Result<()> {
    let port: u16 = std::env::args().nth(1).and_then(|p| p.parse().ok()).unwrap_or(4200);
    tokio::runtime::Builder::new_multi_thread().enable_all().build()?.block_on(async {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
        println!("edge server listening on http://127.0.0.1:{port}");
        edgy::run(listener).await;
        Ok(())
    })
}
