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

const FORMAT: u32 = 1;

/// Resources by key (`clerk:/v1/organizations`), each an insertion-ordered map id → item.
/// Items are shared, so answering a read copies a pointer, not the item.
pub type Data = IndexMap<String, IndexMap<String, Arc<Value>>>;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "lowercase")]
pub enum Record {
    Put { resource: String, id: String, value: Arc<Value> },
    Delete { resource: String, id: String },
    Clear,
}

impl Record {
    pub fn apply(self, data: &mut Data) {
        match self {
            Record::Put { resource, id, value } => {
                data.entry(resource).or_default().insert(id, value);
            }
            Record::Delete { resource, id } => {
                if let Some(items) = data.get_mut(&resource) {
                    items.shift_remove(&id);
                }
            }
            Record::Clear => data.clear(),
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
    jobs: mpsc::Sender<Job>,
}

impl Journal {
    /// Loads the file (a missing one starts as `initial`), compacts it, and starts the writer.
    pub fn open(path: &Path, initial: &Data) -> Result<(Journal, Data), StateError> {
        let name = path.display().to_string();
        let fail = |message: String| StateError { file: name.clone(), message };
        let data = match std::fs::read(path) {
            Ok(bytes) => load(&bytes).map_err(fail)?,
            Err(e) if e.kind() == io::ErrorKind::NotFound => initial.clone(),
            Err(e) => return Err(fail(format!("cannot read the state file: {e}"))),
        };
        compact(path, &data).map_err(|e| fail(format!("cannot write the state file: {e}")))?;
        let file =
            OpenOptions::new().append(true).open(path).map_err(|e| fail(format!("cannot open the state file: {e}")))?;
        let (jobs, rx) = mpsc::channel::<Job>();
        std::thread::Builder::new()
            .name("specmock-state".into())
            .spawn(move || writer(file, rx))
            .map_err(|e| fail(format!("cannot start the state writer: {e}")))?;
        Ok((Journal { jobs }, data))
    }

    /// Queues a record; the receiver completes once it is on disk.
    pub fn submit(&self, record: &Record) -> oneshot::Receiver<io::Result<()>> {
        let (tx, rx) = oneshot::channel();
        let mut line = serde_json::to_vec(record).unwrap_or_default();
        line.push(b'\n');
        if let Err(mpsc::SendError((_, tx))) = self.jobs.send((line, tx)) {
            let _ = tx.send(Err(io::Error::other("the state writer has stopped")));
        }
        rx
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

fn load(bytes: &[u8]) -> Result<Data, String> {
    let text = std::str::from_utf8(bytes)
        .map_err(|_| "not a specmock state file (not UTF-8 text); move it away to start fresh".to_string())?;
    let mut data = Data::new();
    if text.is_empty() {
        return Ok(data);
    }
    // Only newline-terminated lines were ever acknowledged; a torn tail is dropped.
    let complete = match text.rfind('\n') {
        Some(end) => &text[..end],
        None => "",
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
        Err(_) if complete.is_empty() => return Ok(data),
        Err(_) => return Err("not a specmock state file (no header line); move it away to start fresh".into()),
    }
    for (n, line) in lines.enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let record: Record = serde_json::from_str(line)
            .map_err(|e| format!("line {}: corrupt record ({e}); move the file away to start fresh", n + 2))?;
        record.apply(&mut data);
    }
    Ok(data)
}

/// Rewrites the state as a header and one put per item, atomically.
pub fn compact(path: &Path, data: &Data) -> io::Result<()> {
    let mut text = serde_json::to_string(&Header { specmock_state: FORMAT }).unwrap_or_default();
    text.push('\n');
    for (resource, items) in data {
        for (id, value) in items {
            let record = Record::Put { resource: resource.clone(), id: id.clone(), value: Arc::clone(value) };
            text.push_str(&serde_json::to_string(&record).unwrap_or_default());
            text.push('\n');
        }
    }
    let partial = path.with_extension("partial");
    {
        let mut file = File::create(&partial)?;
        file.write_all(text.as_bytes())?;
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
