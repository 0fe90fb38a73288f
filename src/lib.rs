//! specmock: one compiled model of an OpenAPI document, used to mock it, to sandbox it,
//! and to hold a real server to it.

pub mod check;
pub mod generate;
pub mod lint;
pub mod mock;
pub mod mounts;
pub mod route;
pub mod security;
pub mod server;
pub mod spec;
pub mod store;
pub mod style;
pub mod validate;
pub mod yaml;
