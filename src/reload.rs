//! Hot reload: the served model is swapped atomically when a document (or a file it
//! `$ref`s, or the rules file) changes on disk.
//!
//! Requests in flight finish on the model they started with (each holds an `Arc` of it). A
//! document that no longer loads leaves the previous model serving, and the error is logged
//! with its file and pointer. The sandbox's state, the journal and the fault sequence are
//! shared by every model, so a reload loses none of them.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use arc_swap::ArcSwap;
use bytes::Bytes;
use http::{Request, Response};
use notify::{EventKind, RecursiveMode, Watcher};
use tokio::sync::mpsc;

use crate::Error;
use crate::app::ServeConfig;
use crate::mock::Mock;
use crate::store::Store;

/// Editors save in bursts (write, rename, chmod) a few milliseconds apart: changes this close
/// together are one. Short, because the reload budget is 150 ms from the write; a file caught
/// half-written fails to load, keeps the old model serving, and its last write reloads again.
pub const DEBOUNCE: Duration = Duration::from_millis(50);

/// The model being served, swappable while serving.
pub struct Live {
    current: ArcSwap<Mock>,
}

impl Live {
    pub fn new(mock: Mock) -> Live {
        Live { current: ArcSwap::from_pointee(mock) }
    }

    /// The model new requests are answered with.
    pub fn current(&self) -> Arc<Mock> {
        self.current.load_full()
    }

    /// Serves `mock` from the next request on.
    pub fn swap(&self, mock: Mock) {
        self.current.store(Arc::new(mock));
    }
}

impl crate::server::Handler for Live {
    async fn handle(&self, request: Request<Bytes>, peer: std::net::SocketAddr) -> Response<Bytes> {
        // Owned, not a guard: the request may wait (a delay) while a reload swaps models.
        let mock = self.current.load_full();
        mock.respond(&request, peer).await
    }
}

/// Loads the documents again, and builds the model that replaces `previous`: the same
/// options, the same sandbox state. Returns the files it was read from.
pub fn rebuild(config: &ServeConfig, previous: &Mock) -> Result<(Mock, Vec<PathBuf>), Error> {
    let (mounts, mut paths) = crate::mounts::mounts_and_paths(&config.specs, &config.mounts)?;
    crate::app::check_servable(&mounts)?;
    let mut mock = Mock::new(mounts.clone(), previous.options().clone())?;
    if let (Some(options), Some(store)) = (&config.store, previous.store()) {
        mock = mock.with_store(Store::reopen(&mounts, options, store)?);
    }
    // Deliveries under way, their queue and journal carry over (the webhooks themselves are
    // read at start-up: a changed webhook takes a restart).
    if let Some(events) = previous.events() {
        mock = mock.with_events(std::sync::Arc::clone(events));
    }
    paths.extend(config.mock.rules_file.iter().map(|p| p.canonicalize().unwrap_or_else(|_| p.clone())));
    Ok((mock, paths))
}

/// Watches files and reloads on change; stops when dropped.
pub struct Watching {
    task: tokio::task::JoinHandle<()>,
    files: usize,
}

impl Watching {
    /// How many files are watched.
    pub fn files(&self) -> usize {
        self.files
    }
}

impl Drop for Watching {
    fn drop(&mut self) {
        // The task owns the watcher: both stop.
        self.task.abort();
    }
}

/// What the watcher reacts to: the files, and the folders they are in (editors replace a
/// file by renaming another onto it, which a watch on the file itself would miss).
#[derive(Default)]
struct Watched {
    files: HashSet<PathBuf>,
    folders: HashSet<PathBuf>,
}

/// Starts watching `paths` and reloading `live` when they change. Must run in a runtime.
pub fn watch(live: Arc<Live>, config: ServeConfig, paths: Vec<PathBuf>) -> Result<Watching, Error> {
    let watched = Arc::new(Mutex::new(Watched::default()));
    // One pending change is enough: the reload reads everything anew.
    let (changed, mut changes) = mpsc::channel::<()>(1);
    let relevant = Arc::clone(&watched);
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        let Ok(event) = event else { return };
        if matches!(event.kind, EventKind::Access(_)) {
            return;
        }
        let hit = relevant.lock().is_ok_and(|w| event.paths.iter().any(|p| w.files.contains(p)));
        if hit {
            let _ = changed.try_send(());
        }
    })
    .map_err(|e| Error::Runtime(format!("cannot watch the documents for changes: {e}")))?;
    let files = paths.len();
    update(&mut watcher, &watched, paths);
    let task = tokio::spawn(async move {
        while changes.recv().await.is_some() {
            // Quiet for a moment: the save is complete.
            loop {
                tokio::select! {
                    more = changes.recv() => if more.is_none() { return },
                    _ = tokio::time::sleep(DEBOUNCE) => break,
                }
            }
            if let Some(paths) = reload(&live, &config).await {
                // A document may now refer to other files.
                update(&mut watcher, &watched, paths);
            }
        }
    });
    Ok(Watching { task, files })
}

/// One reload, logged with the time it took; the files read, when it succeeded.
async fn reload(live: &Live, config: &ServeConfig) -> Option<Vec<PathBuf>> {
    let started = Instant::now();
    let previous = live.current();
    let config = config.clone();
    // Loading and compiling is CPU work: off the async workers.
    let rebuilt = tokio::task::spawn_blocking(move || rebuild(&config, &previous)).await;
    let took = started.elapsed().as_millis();
    match rebuilt {
        Ok(Ok((mock, paths))) => {
            let documents: Vec<String> = mock.mounts().iter().map(|m| m.api.source.clone()).collect();
            let operations: usize = mock.mounts().iter().map(|m| m.api.operations.len()).sum();
            live.swap(mock);
            tracing::info!(
                target: "specmock::reload",
                "reloaded {} in {took} ms ({operations} operations)",
                documents.join(", ")
            );
            Some(paths)
        }
        Ok(Err(e)) => {
            tracing::error!(target: "specmock::reload", "reload failed after {took} ms, still serving the previous version: {e}");
            None
        }
        Err(e) => {
            tracing::error!(target: "specmock::reload", "reload failed: {e}");
            None
        }
    }
}

/// Watches the folders of `paths` (and stops watching folders no longer needed).
fn update(watcher: &mut notify::RecommendedWatcher, watched: &Mutex<Watched>, paths: Vec<PathBuf>) {
    let Ok(mut w) = watched.lock() else { return };
    let folders: HashSet<PathBuf> = paths.iter().filter_map(|p| p.parent().map(Path::to_path_buf)).collect();
    for gone in w.folders.difference(&folders) {
        let _ = watcher.unwatch(gone);
    }
    for new in folders.difference(&w.folders) {
        if let Err(e) = watcher.watch(new, RecursiveMode::NonRecursive) {
            tracing::warn!(target: "specmock::reload", "cannot watch {}: {e}", new.display());
        }
    }
    w.files = paths.into_iter().collect();
    w.folders = folders;
}
