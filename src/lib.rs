//! specmock: one compiled model of an OpenAPI document, used to mock it, to sandbox it,
//! and to hold a real server to it.

pub mod app;
pub mod check;
mod contract;
mod error;
pub mod events;
pub mod gate;
pub mod generate;
pub mod journal;
pub mod lint;
pub mod mock;
mod mock_server;
pub mod mounts;
pub mod redact;
pub mod reload;
pub mod reply;
pub mod route;
pub mod security;
pub mod server;
pub mod spec;
pub mod store;
pub mod style;
pub mod units;
pub mod validate;
pub mod yaml;

pub use contract::Contract;
pub use error::Error;
pub use mock_server::{Document, MockServer, MockServerBuilder};
