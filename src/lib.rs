//! specmock: one compiled model of an OpenAPI document, used to mock it, to sandbox it,
//! and to hold a real server to it.

pub mod route;
pub mod spec;
pub mod validate;
