//! Content negotiation: which documented media type answers a request's `Accept`.

use crate::spec::media::{MediaName, essence};
use crate::spec::{MediaType, is_json_media};

/// The media ranges an Accept header lists (at most a header's worth: it is split on commas).
fn ranges(accept: &str) -> Vec<MediaName> {
    accept.split(',').map(MediaName::parse).filter(|range| range.parts().is_some()).collect()
}

/// How an Accept header rates a media type: (q, specificity), or `None` if not acceptable.
fn rate(ranges: &[MediaName], media: &str) -> Option<(f32, u8)> {
    let essence = essence(media);
    let (kind, sub) = essence.split_once('/')?;
    let mut best: Option<(f32, u8)> = None;
    for r in ranges {
        let Some(parts) = r.parts() else { continue };
        let specificity = match parts {
            (k, s) if k.eq_ignore_ascii_case(kind) && s.eq_ignore_ascii_case(sub) => 3,
            // A documented wildcard (`application/*+json`) is served as its concrete default.
            (k, s) if k.eq_ignore_ascii_case(kind) && (s == "*" || sub == "*" || sub.starts_with('*')) => 2,
            // `application/vnd.pagerduty+json;version=2` asks for JSON in a vendor's dialect:
            // documented `application/json` content is that (and the other way round).
            (k, s) if k.eq_ignore_ascii_case(kind) && suffix(s).is_some() && suffix(s) == suffix(sub) => 2,
            ("*", "*") => 1,
            _ => continue,
        };
        if best.is_none_or(|(_, s)| specificity > s) {
            best = Some((r.quality, specificity));
        }
    }
    best.filter(|(q, _)| *q > 0.0)
}

/// The structured syntax of a subtype: `json` for `json` and `*+json`, `xml` likewise.
fn suffix(sub: &str) -> Option<&'static str> {
    let sub = sub.to_ascii_lowercase();
    let syntax = sub.rsplit('+').next().unwrap_or("");
    match syntax {
        "json" => Some("json"),
        "xml" => Some("xml"),
        _ => None,
    }
}

/// The media type to answer with. `Err` means nothing documented is acceptable (406).
/// Without an Accept header (or with `*/*`), JSON is preferred: it is what clients of
/// these APIs parse, even when a document lists `text/plain` first (Straddle does).
pub fn choose<'m>(accept: Option<&str>, content: &'m [MediaType]) -> Result<&'m MediaType, ()> {
    let fallback = || content.iter().find(|m| is_json_media(&m.name)).or(content.first()).ok_or(());
    let Some(accept) = accept.filter(|a| !a.trim().is_empty()) else { return fallback() };
    let ranges = ranges(accept);
    if ranges.is_empty() {
        return fallback();
    }
    let mut best: Option<((f32, u8, bool), &MediaType)> = None;
    for media in content {
        if let Some((q, specificity)) = rate(&ranges, &media.name) {
            let key = (q, specificity, is_json_media(&media.name));
            if best.as_ref().is_none_or(|(k, _)| key > *k) {
                best = Some((key, media));
            }
        }
    }
    best.map(|(_, m)| m).ok_or(())
}
