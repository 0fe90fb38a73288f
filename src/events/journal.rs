//! Every delivery and every attempt at it, for `GET /__specmock/webhooks`: the latest
//! [`KEPT`] deliveries, and counts over the whole run.

use std::collections::VecDeque;

use serde_json::{Map, Value, json};

/// Deliveries kept for the admin surface; older ones are forgotten (the counts are not).
const KEPT: usize = 500;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    Queued,
    Sending,
    /// Waiting to try again after a failed attempt.
    Retrying,
    Delivered,
    /// Every attempt failed.
    Failed,
    /// Dropped from a full queue before it was sent.
    Dropped,
    /// Its payload or URL could not be made; nothing was sent.
    Skipped,
}

impl State {
    fn as_str(self) -> &'static str {
        match self {
            State::Queued => "queued",
            State::Sending => "sending",
            State::Retrying => "retrying",
            State::Delivered => "delivered",
            State::Failed => "failed",
            State::Dropped => "dropped",
            State::Skipped => "skipped",
        }
    }
}

/// One attempt's result.
pub struct Attempt {
    /// RFC 3339.
    pub at: String,
    pub status: Option<u16>,
    pub latency_ms: u64,
    pub error: Option<String>,
}

struct Record {
    seq: u64,
    summary: Map<String, Value>,
    state: State,
    attempts: Vec<Attempt>,
    reason: Option<String>,
    sent: Option<Value>,
}

#[derive(Default)]
pub struct Journal {
    records: VecDeque<Record>,
    next: u64,
    delivered: u64,
    failed: u64,
    dropped: u64,
    skipped: u64,
    attempts: u64,
}

impl Journal {
    /// Notes a new delivery (`summary`: its document, webhook, URL, event) and returns its number.
    pub fn open(&mut self, summary: Map<String, Value>) -> u64 {
        let seq = self.next;
        self.next += 1;
        if self.records.len() == KEPT {
            self.records.pop_front();
        }
        self.records.push_back(Record {
            seq,
            summary,
            state: State::Queued,
            attempts: Vec::new(),
            reason: None,
            sent: None,
        });
        seq
    }

    fn record(&mut self, seq: u64) -> Option<&mut Record> {
        let first = self.records.front()?.seq;
        let index = usize::try_from(seq.checked_sub(first)?).ok()?;
        self.records.get_mut(index)
    }

    /// What is sent: the URL, headers (without the signature's secret parts) and body.
    pub fn sending(&mut self, seq: u64, sent: Value) {
        if let Some(r) = self.record(seq) {
            r.state = State::Sending;
            r.sent = Some(sent);
        }
    }

    pub fn attempt(&mut self, seq: u64, attempt: Attempt, retrying: bool) {
        self.attempts += 1;
        if let Some(r) = self.record(seq) {
            r.attempts.push(attempt);
            if retrying {
                r.state = State::Retrying;
            }
        }
    }

    pub fn finish(&mut self, seq: u64, state: State, reason: Option<String>) {
        match state {
            State::Delivered => self.delivered += 1,
            State::Failed => self.failed += 1,
            State::Dropped => self.dropped += 1,
            State::Skipped => self.skipped += 1,
            State::Queued | State::Sending | State::Retrying => {}
        }
        if let Some(r) = self.record(seq) {
            r.state = state;
            r.reason = reason;
        }
    }

    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    /// The journal as `GET /__specmock/webhooks` shows it, oldest first.
    pub fn to_json(&self, queued: usize, in_flight: usize) -> Value {
        let deliveries: Vec<Value> = self
            .records
            .iter()
            .map(|r| {
                let mut out = r.summary.clone();
                out.insert("state".into(), Value::from(r.state.as_str()));
                if let Some(reason) = &r.reason {
                    out.insert("reason".into(), Value::from(reason.as_str()));
                }
                let attempts: Vec<Value> = r
                    .attempts
                    .iter()
                    .map(|a| json!({"at": a.at, "status": a.status, "latency_ms": a.latency_ms, "error": a.error}))
                    .collect();
                out.insert("attempts".into(), Value::Array(attempts));
                if let Some(sent) = &r.sent {
                    out.insert("request".into(), sent.clone());
                }
                Value::Object(out)
            })
            .collect();
        json!({
            "summary": {
                "queued": queued,
                "in_flight": in_flight,
                "delivered": self.delivered,
                "failed": self.failed,
                "dropped": self.dropped,
                "skipped": self.skipped,
                "attempts": self.attempts,
            },
            "deliveries": deliveries,
        })
    }
}
