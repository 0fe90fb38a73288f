//! `--state FILE`: the sandbox's resources on disk, crash-safe.
//!
//! The file is a header line and then one JSON record per line (put, delete, clear),
//! appended and fsynced before the request that caused it is answered; writes from
//! concurrent requests share one fsync. A `kill -9` can only cut the last line short,
//! and a line without its newline was never acknowledged, so it is dropped on load.
//! At start-up the file is rewritten compactly (to a temporary file, fsynced, renamed),
//! so it never grows without bound and never exists half-written.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::Path;
use std::sync::{Arc, mpsc};

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tokio::sync::oneshot;

pub use super::idempotency::Remembered;

const FORMAT: u32 = 1;

/// Resources by key (`clerk:/v1/organizations`), each an insertion-ordered map id → item.
/// Items are shared, so answering a read copies a pointer, not the item.
pub type Data = IndexMap<String, IndexMap<String, Arc<Value>>>;

/// Answers remembered for idempotency keys, by scoped key (`straddle:retry-1`).
pub type Keys = IndexMap<String, Remembered>;

/// Everything the state file keeps.
#[derive(Debug, Clone, Default)]
pub struct Loaded {
    pub data: Data,
    pub keys: Keys,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "lowercase")]
pub enum Record {
    Put {
        resource: String,
        id: String,
        value: Arc<Value>,
    },
    Delete {
        resource: String,
        id: String,
    },
    /// An idempotency key's answer.
    Key {
        scope: String,
        answer: Remembered,
    },
    /// Everything goes: resources and idempotency keys.
    Clear,
}

impl Record {
    pub fn apply(self, state: &mut Loaded) {
        match self {
            Record::Put { resource, id, value } => {
                state.data.entry(resource).or_default().insert(id, value);
            }
            Record::Delete { resource, id } => {
                if let Some(items) = state.data.get_mut(&resource) {
                    items.shift_remove(&id);
                }
            }
            Record::Key { scope, answer } => {
                state.keys.insert(scope, answer);
            }
            Record::Clear => *state = Loaded::default(),
        }
    }
}

#[derive(Serialize, Deserialize)]
struct Header {
    specmock_state: u32,
}

#[derive(Debug, thiserror::Error)]
#[error("{file}: {message}")]
pub struct StateError {
    pub file: String,
    pub message: String,
}

type Job = (Vec<u8>, oneshot::Sender<io::Result<()>>);

/// Appends records from a writer thread; `submit` keeps the order records are made in.
pub struct Journal {
    /// `None` once closed.
    jobs: Option<mpsc::Sender<Job>>,
    writer: Option<std::thread::JoinHandle<()>>,
    /// Held while the server runs: a second specmock on the same file would compact it away
    /// from under this one, and this one's writes would go to a deleted file.
    lock: Lock,
}

/// `FILE.lock`, held (an OS lock on it) while the file is in use, removed on a clean stop.
struct Lock {
    _file: File,
    path: std::path::PathBuf,
}

impl Drop for Journal {
    /// A clean stop: every queued record is written, then the lock file goes.
    fn drop(&mut self) {
        drop(self.jobs.take());
        if let Some(writer) = self.writer.take() {
            let _ = writer.join();
        }
        let _ = std::fs::remove_file(&self.lock.path);
    }
}

impl Journal {
    /// Loads the file (a missing one starts as `initial`), compacts it, and starts the writer.
    pub fn open(path: &Path, initial: &Data) -> Result<(Journal, Loaded), StateError> {
        let name = path.display().to_string();
        let fail = |message: String| StateError { file: name.clone(), message };
        // Compaction replaces the file by renaming; a symlink is followed so that the file it
        // names is the one replaced, not the link.
        let resolved = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        let path = resolved.as_path();
        let (lock, lock_path, created) = lock(path).map_err(fail)?;
        if !created {
            // The OS released the lock when its holder died; the file itself was left behind.
            tracing::warn!("{name}: taking over the lock file {} left by a specmock that is gone", lock_path.display());
        }
        let data = match std::fs::read(path) {
            Ok(bytes) => load(&bytes),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(Loaded { data: initial.clone(), keys: Keys::new() }),
            Err(e) => Err(format!("cannot read the state file: {e}")),
        };
        let mut state = data.map_err(|message| {
            // A file that is refused is left exactly as it was found, without a lock beside it.
            if created {
                let _ = std::fs::remove_file(&lock_path);
            }
            fail(message)
        })?;
        let now = jiff::Timestamp::now().as_millisecond();
        state.keys.retain(|_, answer| answer.expires > now);
        compact(path, &state).map_err(|e| fail(format!("cannot write the state file: {e}")))?;
        let file =
            OpenOptions::new().append(true).open(path).map_err(|e| fail(format!("cannot open the state file: {e}")))?;
        let (jobs, rx) = mpsc::channel::<Job>();
        let writer = std::thread::Builder::new()
            .name("specmock-state".into())
            .spawn(move || writer(file, rx))
            .map_err(|e| fail(format!("cannot start the state writer: {e}")))?;
        let lock = Lock { _file: lock, path: lock_path };
        Ok((Journal { jobs: Some(jobs), writer: Some(writer), lock }, state))
    }

    /// Queues a record; the receiver completes once it is on disk.
    pub fn submit(&self, record: &Record) -> oneshot::Receiver<io::Result<()>> {
        let (tx, rx) = oneshot::channel();
        let mut line = serde_json::to_vec(record).unwrap_or_default();
        line.push(b'\n');
        let sent = match &self.jobs {
            Some(jobs) => jobs.send((line, tx)).map_err(|mpsc::SendError((_, tx))| tx),
            None => Err(tx),
        };
        if let Err(tx) = sent {
            let _ = tx.send(Err(io::Error::other("the state writer has stopped")));
        }
        rx
    }
}

/// Takes `FILE.lock`, so that two servers never share one state file; says whether it made it.
fn lock(path: &Path) -> Result<(File, std::path::PathBuf, bool), String> {
    let mut name = path.as_os_str().to_owned();
    name.push(".lock");
    let lock_path = std::path::PathBuf::from(name);
    let created = !lock_path.exists();
    let mut file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(|e| format!("cannot create the lock file {}: {e}", lock_path.display()))?;
    match file.try_lock() {
        Ok(()) => {
            // Who holds it, for a human wondering; the OS lock is what counts.
            let _ = file.set_len(0).and_then(|_| writeln!(file, "{}", std::process::id()));
            Ok((file, lock_path, created))
        }
        Err(std::fs::TryLockError::WouldBlock) => {
            Err("another specmock is using this state file; stop it, or give this one another --state file".into())
        }
        Err(std::fs::TryLockError::Error(e)) => Err(format!("cannot lock {}: {e}", lock_path.display())),
    }
}

/// Waits for a submitted record to be durable.
pub async fn durable(ack: oneshot::Receiver<io::Result<()>>) -> io::Result<()> {
    ack.await.unwrap_or_else(|_| Err(io::Error::other("the state writer has stopped")))
}

fn writer(mut file: File, jobs: mpsc::Receiver<Job>) {
    while let Ok(first) = jobs.recv() {
        let mut batch = vec![first];
        while let Ok(more) = jobs.try_recv() {
            batch.push(more);
        }
        let bytes: Vec<u8> = batch.iter().flat_map(|(line, _)| line.iter().copied()).collect();
        let result = file.write_all(&bytes).and_then(|_| file.sync_data());
        for (_, ack) in batch {
            let _ = ack.send(match &result {
                Ok(()) => Ok(()),
                Err(e) => Err(io::Error::new(e.kind(), e.to_string())),
            });
        }
    }
}

fn load(bytes: &[u8]) -> Result<Loaded, String> {
    let text = std::str::from_utf8(bytes)
        .map_err(|_| "not a specmock state file (not UTF-8 text); move it away to start fresh".to_string())?;
    let mut state = Loaded::default();
    if text.is_empty() {
        return Ok(state);
    }
    // Only newline-terminated lines were ever acknowledged; a torn tail is dropped.
    // The header is written atomically (see `compact`), so a file without a newline at all
    // was not written by specmock: read it whole, and let the header check refuse it.
    let complete = match text.rfind('\n') {
        Some(end) => &text[..end],
        None => text,
    };
    let mut lines = complete.split('\n');
    let header = lines.next().unwrap_or("");
    match serde_json::from_str::<Header>(header) {
        Ok(h) if h.specmock_state == FORMAT => {}
        Ok(h) => {
            return Err(format!(
                "state format {} is not supported by this specmock (it writes format {FORMAT}); move the file away to start fresh",
                h.specmock_state
            ));
        }
        Err(_) => {
            return Err("not a specmock state file (no header line); move it away to start fresh \
                        (resources to start with go in --state-seed FILE)"
                .into());
        }
    }
    for (n, line) in lines.enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let record: Record = serde_json::from_str(line)
            .map_err(|e| format!("line {}: corrupt record ({e}); move the file away to start fresh", n + 2))?;
        record.apply(&mut state);
    }
    Ok(state)
}

/// Rewrites the state as a header, one put per item and one record per key, atomically.
pub fn compact(path: &Path, state: &Loaded) -> io::Result<()> {
    let mut text = serde_json::to_string(&Header { specmock_state: FORMAT }).unwrap_or_default();
    text.push('\n');
    let mut push = |record: &Record| {
        text.push_str(&serde_json::to_string(record).unwrap_or_default());
        text.push('\n');
    };
    for (resource, items) in &state.data {
        for (id, value) in items {
            push(&Record::Put { resource: resource.clone(), id: id.clone(), value: Arc::clone(value) });
        }
    }
    for (scope, answer) in &state.keys {
        push(&Record::Key { scope: scope.clone(), answer: answer.clone() });
    }
    let partial = path.with_extension("partial");
    {
        let mut file = File::create(&partial)?;
        file.write_all(text.as_bytes())?;
        // The replacement keeps the permissions the user gave the file.
        if let Ok(meta) = std::fs::metadata(path) {
            file.set_permissions(meta.permissions())?;
        }
        file.sync_all()?;
    }
    std::fs::rename(&partial, path)?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
        && let Ok(dir) = File::open(dir)
    {
        let _ = dir.sync_all();
    }
    Ok(())
}
