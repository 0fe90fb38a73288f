//! The one error type the library's entry points return, and the exit code each kind means
//! on the command line: 2 for what the user gave (flags, documents, files), 1 for what went
//! wrong while running.

use crate::check::CheckError;
use crate::mock::rules::RuleError;
use crate::mounts::MountError;
use crate::route::RouteError;
use crate::spec::SpecError;
use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A document that cannot be loaded or served.
    #[error(transparent)]
    Spec(#[from] SpecError),
    #[error(transparent)]
    Route(#[from] RouteError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Check(#[from] CheckError),
    /// A rule (`x-specmock-rules`, `--rules FILE`, `x-specmock-delay`) that cannot be used.
    #[error(transparent)]
    Rules(#[from] RuleError),
    /// A flag, a combination of flags, or a file named by one that cannot be used.
    #[error("{0}")]
    Usage(String),
    #[error("cannot listen on {address}: {source} (choose another with --port)")]
    Bind { address: String, source: std::io::Error },
    /// The server or the runtime failed while running.
    #[error("{0}")]
    Runtime(String),
}

impl From<MountError> for Error {
    fn from(e: MountError) -> Self {
        match e {
            MountError::Spec(e) => Error::Spec(e),
            MountError::Usage(message) => Error::Usage(message),
        }
    }
}

impl Error {
    /// 2: the input was wrong (fix the command or the document); 1: running failed.
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Bind { .. } | Error::Runtime(_) => 1,
            _ => 2,
        }
    }
}
