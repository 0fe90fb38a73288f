//! Logging to stderr, written by a background thread so requests never wait on it: as text
//! for people (coloured only on a terminal, and never with `NO_COLOR` set), or as one JSON
//! object per line for machines.

use std::fmt;

use crate::server::LogFormat;
use tracing::field::{Field, Visit};
use tracing::{Event, Subscriber};
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::registry::LookupSpan;

pub fn init(format: LogFormat) -> tracing_appender::non_blocking::WorkerGuard {
    let (writer, guard) = tracing_appender::non_blocking(std::io::stderr());
    let builder = tracing_subscriber::fmt().with_writer(writer);
    match format {
        LogFormat::Text => builder.with_target(false).with_ansi(colour()).init(),
        LogFormat::Json => builder.event_format(JsonLines).init(),
    }
    guard
}

/// Colour on a terminal, unless `NO_COLOR` (any non-empty value) says otherwise (no-color.org).
pub fn colour() -> bool {
    let refused = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    !refused && std::io::IsTerminal::is_terminal(&std::io::stderr())
}

/// Access lines are JSON already (the journal's fields); other events are wrapped.
struct JsonLines;

#[derive(Default)]
struct Message(String);

impl Visit for Message {
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        if field.name() == "message" {
            self.0 = format!("{value:?}");
        }
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.0 = value.to_string();
        }
    }
}

impl<S, N> FormatEvent<S, N> for JsonLines
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(&self, _ctx: &FmtContext<'_, S, N>, mut writer: Writer<'_>, event: &Event<'_>) -> fmt::Result {
        let mut message = Message::default();
        event.record(&mut message);
        let meta = event.metadata();
        if meta.target() == "specmock::access" {
            return writeln!(writer, "{}", message.0);
        }
        let line = serde_json::json!({
            "time": jiff::Timestamp::now().to_string(),
            "level": meta.level().as_str().to_ascii_lowercase(),
            "target": meta.target(),
            "message": message.0,
        });
        writeln!(writer, "{line}")
    }
}
