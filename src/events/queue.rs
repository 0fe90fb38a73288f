//! The delivery queue: bounded (when full, the oldest waiting delivery is dropped and
//! counted), in order per lane (one resource's events to one receiver go one at a time, in
//! the order they happened), a few lanes at once, and drained within a grace period on
//! shutdown. Adding to it only takes a short lock: a slow or unreachable receiver never
//! slows the request that caused the event.

use std::collections::{HashSet, VecDeque};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio::sync::Notify;

use super::deliver::{self, Job};
use super::journal::{Journal, State};

/// Deliveries under way at once (across lanes).
const MAX_IN_FLIGHT: usize = 32;

/// How deliveries are attempted.
#[derive(Debug, Clone)]
pub struct Policy {
    /// Attempts after the first.
    pub retries: u32,
    /// Wait before the first retry; doubles after each, up to [`MAX_BACKOFF`].
    pub backoff: Duration,
    /// Time one attempt may take, connecting included.
    pub timeout: Duration,
}

pub const MAX_BACKOFF: Duration = Duration::from_secs(60);

struct Pending {
    lane: String,
    job: Job,
}

#[derive(Default)]
struct Queue {
    pending: VecDeque<Pending>,
    /// Lanes with a delivery under way (sending or waiting to retry).
    busy: HashSet<String>,
    in_flight: usize,
}

pub struct Hub {
    queue: Mutex<Queue>,
    capacity: usize,
    wake: Notify,
    settled: Notify,
    journal: Mutex<Journal>,
    pub client: reqwest::Client,
    pub policy: Policy,
    started: AtomicBool,
    /// What has been logged already (each problem once).
    warned: Mutex<HashSet<String>>,
}

fn locked<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic elsewhere while holding the lock leaves data that is still consistent enough
    // to report on; refusing every later delivery would be worse.
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

impl Hub {
    pub fn new(capacity: usize, policy: Policy) -> Result<Hub, String> {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = reqwest::Client::builder()
            .timeout(policy.timeout)
            .connect_timeout(policy.timeout.min(Duration::from_secs(5)))
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("specmock/", env!("CARGO_PKG_VERSION")))
            .no_proxy()
            .build()
            .map_err(|e| format!("cannot build the webhook client: {e}"))?;
        Ok(Hub {
            queue: Mutex::new(Queue::default()),
            capacity: capacity.max(1),
            wake: Notify::new(),
            settled: Notify::new(),
            journal: Mutex::new(Journal::default()),
            client,
            policy,
            started: AtomicBool::new(false),
            warned: Mutex::new(HashSet::new()),
        })
    }

    pub fn journal(&self) -> MutexGuard<'_, Journal> {
        locked(&self.journal)
    }

    /// Queues a delivery behind the earlier ones of its lane.
    pub fn push(self: &Arc<Self>, lane: String, job: Job) {
        let dropped = {
            let mut queue = locked(&self.queue);
            let dropped = (queue.pending.len() >= self.capacity).then(|| queue.pending.pop_front()).flatten();
            queue.pending.push_back(Pending { lane, job });
            dropped
        };
        if let Some(old) = dropped {
            let mut journal = self.journal();
            let reason = format!("the queue held {} deliveries waiting; this was the oldest", self.capacity);
            journal.finish(old.job.seq, State::Dropped, Some(reason));
            let count = journal.dropped();
            // Logged at 1, 2, 4, 8…: a receiver that is down for long must not flood the log.
            if count.is_power_of_two() {
                tracing::warn!(
                    "webhook queue full ({} waiting): dropped the oldest delivery ({count} dropped so far); is the receiver down?",
                    self.capacity
                );
            }
        }
        self.start();
        self.wake.notify_one();
    }

    /// Starts the dispatcher on the current runtime, once.
    fn start(self: &Arc<Self>) {
        if self.started.swap(true, Ordering::AcqRel) {
            return;
        }
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => {
                runtime.spawn(dispatch(Arc::clone(self)));
            }
            Err(_) => self.started.store(false, Ordering::Release),
        }
    }

    /// Logs `message` the first time `key` comes up.
    pub fn warn_once(&self, key: &str, message: &str) {
        if locked(&self.warned).insert(key.to_string()) {
            tracing::warn!("{message}");
        }
    }

    /// (waiting, under way)
    pub fn counts(&self) -> (usize, usize) {
        let queue = locked(&self.queue);
        (queue.pending.len(), queue.in_flight)
    }

    /// Waits until every delivery is done or `within` has passed; returns how many were not.
    pub async fn drain(&self, within: Duration) -> usize {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let notified = self.settled.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            let (waiting, under_way) = self.counts();
            if waiting + under_way == 0 {
                return 0;
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                return waiting + under_way;
            }
        }
    }

    /// The first waiting delivery whose lane is free, if another may start.
    fn next(&self) -> Option<Pending> {
        let mut queue = locked(&self.queue);
        if queue.in_flight >= MAX_IN_FLIGHT {
            return None;
        }
        let index = queue.pending.iter().position(|p| !queue.busy.contains(&p.lane))?;
        let pending = queue.pending.remove(index)?;
        queue.busy.insert(pending.lane.clone());
        queue.in_flight += 1;
        Some(pending)
    }

    fn done(&self, lane: &str) {
        {
            let mut queue = locked(&self.queue);
            queue.busy.remove(lane);
            queue.in_flight = queue.in_flight.saturating_sub(1);
        }
        self.wake.notify_one();
        self.settled.notify_waiters();
    }
}

/// Starts deliveries as lanes free up.
async fn dispatch(hub: Arc<Hub>) {
    loop {
        match hub.next() {
            Some(Pending { lane, job }) => {
                let hub = Arc::clone(&hub);
                tokio::spawn(async move {
                    // Frees the lane even if the delivery is cancelled (runtime shutdown).
                    let finished = Finished { hub: Arc::clone(&hub), lane };
                    deliver::deliver(&finished.hub, job).await;
                });
            }
            None => hub.wake.notified().await,
        }
    }
}

struct Finished {
    hub: Arc<Hub>,
    lane: String,
}

impl Drop for Finished {
    fn drop(&mut self) {
        self.hub.done(&self.lane);
    }
}
