//! The request journal: the last N exchanges the mock answered, with the reasons for each
//! answer, for `/__specmock/requests`, the inspector page and the access log.
//!
//! A ring buffer: memory is bounded by `--journal N` whatever the traffic. Entries keep the
//! bytes as they were (cheap: `Bytes` are shared); credentials are redacted whenever an
//! entry is shown, so nothing shown ever carries them.

mod entry;
mod query;
mod routes;
mod show;

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::broadcast;

pub(crate) use entry::Exchange;
pub use entry::{Chosen, Entry, Reasons};
pub use query::Filter;
pub use routes::answer;

/// What live listeners (the inspector's event stream) are told.
#[derive(Debug, Clone)]
pub enum Event {
    Recorded(Arc<Entry>),
    Cleared,
}

/// The last `capacity` exchanges.
pub struct Journal {
    capacity: usize,
    entries: Mutex<VecDeque<Arc<Entry>>>,
    next_id: AtomicU64,
    live: broadcast::Sender<Event>,
}

/// Live listeners that fall this far behind skip ahead (and are told so).
const LIVE_BACKLOG: usize = 256;

impl Journal {
    /// A journal of the last `capacity` exchanges (at least one).
    pub fn new(capacity: usize) -> Journal {
        let capacity = capacity.max(1);
        Journal {
            capacity,
            entries: Mutex::new(VecDeque::with_capacity(capacity.min(1024))),
            next_id: AtomicU64::new(1),
            live: broadcast::channel(LIVE_BACKLOG).0,
        }
    }

    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Keeps an exchange (the oldest goes when the journal is full) and tells live listeners.
    /// A full journal makes the new entry out of the oldest one, reusing its memory (unless
    /// it is being shown right now): recording then allocates and frees nothing, and copies
    /// only the request target and the headers.
    pub fn record(&self, exchange: Exchange<'_>) -> Arc<Entry> {
        let mut entry = match self.retire_oldest() {
            Some(mut oldest) => match Arc::get_mut(&mut oldest) {
                Some(slot) => {
                    slot.refill(exchange);
                    oldest
                }
                None => Arc::new(Entry::of(exchange)),
            },
            None => Arc::new(Entry::of(exchange)),
        };
        if let Some(slot) = Arc::get_mut(&mut entry) {
            slot.id = self.next_id.fetch_add(1, Ordering::Relaxed);
        }
        if let Ok(mut entries) = self.entries.lock() {
            // Another thread may have recorded between the retiring and now.
            while entries.len() >= self.capacity {
                entries.pop_front();
            }
            entries.push_back(Arc::clone(&entry));
        }
        if self.live.receiver_count() > 0 {
            let _ = self.live.send(Event::Recorded(Arc::clone(&entry)));
        }
        entry
    }

    /// The oldest entry, taken out when the journal is full (to be filled outside the lock).
    fn retire_oldest(&self) -> Option<Arc<Entry>> {
        let mut entries = self.entries.lock().ok()?;
        match entries.len() >= self.capacity {
            true => entries.pop_front(),
            false => None,
        }
    }

    /// The entries the filter keeps, newest first.
    pub fn list(&self, filter: &Filter) -> Vec<Arc<Entry>> {
        let Ok(entries) = self.entries.lock() else { return Vec::new() };
        entries.iter().rev().filter(|e| filter.keeps(e)).take(filter.limit).cloned().collect()
    }

    pub fn get(&self, id: u64) -> Option<Arc<Entry>> {
        let entries = self.entries.lock().ok()?;
        entries.iter().find(|e| e.id == id).cloned()
    }

    /// Forgets every entry; returns how many there were.
    pub fn clear(&self) -> usize {
        let count = self.entries.lock().map(|mut e| std::mem::take(&mut *e).len()).unwrap_or(0);
        let _ = self.live.send(Event::Cleared);
        count
    }

    pub fn len(&self) -> usize {
        self.entries.lock().map(|e| e.len()).unwrap_or(0)
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.live.subscribe()
    }
}

impl std::fmt::Debug for Journal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Journal(last {})", self.capacity)
    }
}

/// Milliseconds with microsecond precision, as the journal and the JSON log show latencies.
pub fn millis(d: Duration) -> f64 {
    (d.as_micros() as f64) / 1000.0
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use bytes::Bytes;

    use super::*;

    /// Records one exchange for `path`; the request goes right after (the journal copies).
    fn record(journal: &Journal, path: &str, response: &http::Response<Bytes>) -> Arc<Entry> {
        let request = http::Request::builder().uri(path).header("x-path", path).body(Bytes::new()).unwrap();
        journal.record(Exchange {
            started: Instant::now(),
            request: &request,
            response,
            latency: Duration::ZERO,
            reasons: &mut Reasons::default(),
            secrets: Arc::default(),
        })
    }

    #[test]
    fn a_full_journal_recycles_its_oldest_entry_but_never_one_being_shown() {
        let journal = Journal::new(2);
        let response = http::Response::builder().header("x-answer", "1").body(Bytes::from_static(b"{}")).unwrap();
        record(&journal, "/a?q=1", &response);
        let shown = record(&journal, "/b", &response);
        for path in ["/c", "/d?x=2", "/e"] {
            record(&journal, path, &response);
        }
        let kept: Vec<(u64, String, Option<String>)> = journal
            .list(&Filter::default())
            .iter()
            .map(|e| (e.id, e.path().to_string(), e.query().map(str::to_string)))
            .collect();
        assert_eq!(kept, vec![(5, "/e".into(), None), (4, "/d".into(), Some("x=2".into()))]);
        let newest = journal.get(5).unwrap();
        assert_eq!(newest.request_headers()["x-path"], "/e");
        assert_eq!(newest.response_headers()["x-answer"], "1");
        // Held by a reader while it left the journal: still the exchange it was.
        assert_eq!((shown.id, shown.path()), (2, "/b"));
        assert_eq!(shown.request_headers()["x-path"], "/b");
        assert!(newest.time() <= jiff::Timestamp::now());
    }
}
