//! The HTTP client for talking to real servers (contract runner and proxy): HTTP/1.1 and
//! HTTP/2, TLS through rustls, no redirects followed (a redirect is an answer to judge).

use std::time::Duration;

/// A client with the given per-request timeout.
pub fn build(timeout: Duration) -> Result<reqwest::Client, String> {
    // rustls needs one crypto provider per process; a second install is a harmless no-op.
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .timeout(timeout)
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .build()
        .map_err(|e| format!("cannot build an HTTP client: {e}"))
}
