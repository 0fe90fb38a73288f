//! Realistic leaf values: by format, by property name, or plain words.

use base64::Engine;
use rand::RngExt;
use rand::rngs::Xoshiro256PlusPlus as Rng64;

const COMPANIES: &[&str] = &[
    "Acme Corp",
    "Globex",
    "Initech",
    "Umbrella Labs",
    "Stark Industries",
    "Wayne Enterprises",
    "Hooli",
    "Pied Piper",
    "Soylent",
    "Tyrell Corp",
    "Cyberdyne",
    "Wonka Industries",
    "Vandelay Imports",
    "Massive Dynamic",
];
const FIRST: &[&str] = &["Ada", "Grace", "Alan", "Linus", "Margaret", "Dennis", "Barbara", "Ken", "Radia", "Edsger"];
const LAST: &[&str] =
    &["Lovelace", "Hopper", "Turing", "Torvalds", "Hamilton", "Ritchie", "Liskov", "Thompson", "Perlman", "Dijkstra"];
const WORDS: &[&str] = &[
    "alpha", "bravo", "delta", "orbit", "harbor", "summit", "vertex", "signal", "cobalt", "ember", "quartz", "meadow",
    "atlas", "nimbus", "pixel", "lumen", "granite", "willow", "falcon", "copper",
];

fn pick<'a>(rng: &mut Rng64, items: &[&'a str]) -> &'a str {
    items[rng.random_range(0..items.len())]
}

/// 2020-01-01 .. 2026-01-01, in milliseconds since the epoch.
pub fn epoch_millis(rng: &mut Rng64) -> i64 {
    rng.random_range(1_577_836_800_000i64..1_767_225_600_000i64)
}

pub fn date_time(rng: &mut Rng64) -> String {
    let ms = epoch_millis(rng);
    match jiff::Timestamp::from_millisecond(ms) {
        Ok(ts) => format!("{ts:.3}"),
        Err(_) => "2024-01-05T14:48:00.000Z".to_string(),
    }
}

pub fn uuid(rng: &mut Rng64) -> String {
    let bytes: [u8; 16] = rng.random();
    uuid::Builder::from_random_bytes(bytes).into_uuid().to_string()
}

pub fn alnum(rng: &mut Rng64, len: usize) -> String {
    const CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    (0..len).map(|_| CHARS[rng.random_range(0..CHARS.len())] as char).collect()
}

/// A value for a known `format`, or `None` for formats we do not shape.
pub fn by_format(rng: &mut Rng64, format: &str) -> Option<String> {
    Some(match format {
        "date-time" => date_time(rng),
        "date" => date_time(rng)[..10].to_string(),
        "time" => {
            format!("{:02}:{:02}:{:02}Z", rng.random_range(0..24), rng.random_range(0..60), rng.random_range(0..60))
        }
        "email" | "idn-email" => email(rng),
        "uuid" => uuid(rng),
        "uri" | "url" | "iri" => format!("https://{}.example.com/{}", pick(rng, WORDS), pick(rng, WORDS)),
        "uri-reference" | "iri-reference" => format!("/{}/{}", pick(rng, WORDS), pick(rng, WORDS)),
        "hostname" | "idn-hostname" => format!("{}.example.com", pick(rng, WORDS)),
        "ipv4" => format!(
            "{}.{}.{}.{}",
            rng.random_range(1..=223),
            rng.random::<u8>(),
            rng.random::<u8>(),
            rng.random_range(1..=254)
        ),
        "ipv6" => (0..8).map(|_| format!("{:x}", rng.random::<u16>())).collect::<Vec<_>>().join(":"),
        "int32" => rng.random::<i32>().to_string(),
        "int64" => rng.random_range(0..i64::MAX).to_string(),
        "uint64" | "uint32" => rng.random::<u32>().to_string(),
        "float" | "double" => format!("{:.2}", rng.random_range(0.0..1000.0)),
        "byte" => base64::engine::general_purpose::STANDARD.encode(alnum(rng, 12)),
        "binary" | "password" => alnum(rng, 16),
        "duration" => format!("PT{}M", rng.random_range(1..120)),
        "json-pointer" => format!("/{}", pick(rng, WORDS)),
        "regex" => "^[a-z]+$".to_string(),
        _ => return None,
    })
}

fn email(rng: &mut Rng64) -> String {
    format!("{}.{}@example.com", pick(rng, FIRST).to_lowercase(), pick(rng, LAST).to_lowercase())
}

/// A value suggested by a property's name (`email`, `display_name`, `created_at`, …).
pub fn by_name(rng: &mut Rng64, name: &str) -> Option<String> {
    let n = name.to_ascii_lowercase();
    let ends = |s: &str| n == s || n.ends_with(&format!("_{s}")) || n.ends_with(s);
    Some(if n.contains("email") {
        email(rng)
    } else if n == "first_name" || n == "firstname" || n == "given_name" {
        pick(rng, FIRST).to_string()
    } else if n == "last_name" || n == "lastname" || n == "family_name" {
        pick(rng, LAST).to_string()
    } else if n.contains("url") || n.contains("uri") || n == "website" || n == "link" {
        format!("https://{}.example.com", pick(rng, WORDS))
    } else if n.contains("domain") || n.contains("hostname") {
        format!("{}.example.com", pick(rng, WORDS))
    } else if n.contains("phone") {
        format!("+1555{:07}", rng.random_range(0..10_000_000))
    } else if n.ends_with("_at") || n.ends_with("_time") || n.contains("timestamp") || n.ends_with("date") {
        date_time(rng)
    } else if n == "slug" {
        pick(rng, COMPANIES).to_lowercase().replace(' ', "-")
    } else if ends("name") || n == "title" || n == "company" || n == "organization" {
        if n.contains("user") || n.contains("person") || n.contains("full") {
            format!("{} {}", pick(rng, FIRST), pick(rng, LAST))
        } else {
            pick(rng, COMPANIES).to_string()
        }
    } else if n == "description" || n == "message" || n == "detail" || n == "summary" || n == "long_message" {
        format!("The {} {} is ready.", pick(rng, WORDS), pick(rng, WORDS))
    } else if n == "id" || n.ends_with("_id") || n.ends_with("id") && n.len() > 2 {
        uuid(rng)
    } else if n.contains("country") {
        pick(rng, &["US", "DE", "FR", "GB", "JP", "BR"]).to_string()
    } else if n.contains("currency") {
        pick(rng, &["USD", "EUR", "GBP"]).to_string()
    } else if n == "locale" || n == "language" {
        pick(rng, &["en-US", "de-DE", "fr-FR"]).to_string()
    } else {
        return None;
    })
}

/// A word or two: the fallback for free text.
pub fn words(rng: &mut Rng64) -> String {
    if rng.random_bool(0.5) {
        pick(rng, WORDS).to_string()
    } else {
        format!("{} {}", pick(rng, WORDS), pick(rng, WORDS))
    }
}

/// A map key for `additionalProperties` objects.
pub fn key(rng: &mut Rng64) -> String {
    pick(rng, WORDS).to_string()
}
