//! The one error type the library's entry points return, and the exit code each kind means
//! on the command line: 2 for what the user gave (flags, documents, files), 1 for what went
//! wrong while running.

use crate::check::CheckError;
use crate::mock::rules::RuleError;
use crate::mounts::MountError;
use crate::route::RouteError;
use crate::spec::SpecError;
use crate::store::StoreError;

/// A cause the library keeps to itself: shown by its message, which says what and where.
type Cause = Box<dyn std::error::Error + Send + Sync>;

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A document that cannot be loaded or served; the message names the file (or URL) and
    /// the JSON pointer.
    #[error(transparent)]
    Document(Cause),
    /// The sandbox cannot be opened, seeded or reached (a state file, a seed file, Redis).
    #[error(transparent)]
    Sandbox(Cause),
    /// A contract check that cannot run (a base URL, a filter, a server out of reach).
    #[error(transparent)]
    Check(Cause),
    /// A rule (`x-specmock-rules`, `--rules FILE`, `x-specmock-delay`) that cannot be used.
    #[error(transparent)]
    Rules(Cause),
    /// A flag, a combination of flags, or a file named by one that cannot be used.
    #[error("{0}")]
    Usage(String),
    #[error("cannot listen on {address}: {source} (choose another with --port)")]
    Bind { address: String, source: std::io::Error },
    /// The server or the runtime failed while running.
    #[error("{0}")]
    Runtime(String),
}

impl From<SpecError> for Error {
    fn from(e: SpecError) -> Self {
        Error::Document(Box::new(e))
    }
}

impl From<RouteError> for Error {
    fn from(e: RouteError) -> Self {
        Error::Document(Box::new(e))
    }
}

impl From<StoreError> for Error {
    fn from(e: StoreError) -> Self {
        Error::Sandbox(Box::new(e))
    }
}

impl From<CheckError> for Error {
    fn from(e: CheckError) -> Self {
        Error::Check(Box::new(e))
    }
}

impl From<RuleError> for Error {
    fn from(e: RuleError) -> Self {
        Error::Rules(Box::new(e))
    }
}

impl From<MountError> for Error {
    fn from(e: MountError) -> Self {
        match e {
            MountError::Spec(e) => e.into(),
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
