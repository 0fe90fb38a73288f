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

/// A property name as lower-case words: `primaryEmailAddressId` and `primary_email_address_id`
/// are both `[primary, email, address, id]`.
pub fn words_of(name: &str) -> Vec<String> {
    word_slices(name).map(str::to_ascii_lowercase).collect()
}

/// The words of a name as parts of it, in its own case (`createdAt`: `created`, `At`):
/// what [`words_of`] gives, without allocating. Words are runs of ASCII letters and digits,
/// split where a capital follows a small letter or a digit.
pub fn word_slices(name: &str) -> impl Iterator<Item = &str> {
    let bytes = name.as_bytes();
    let mut at = 0;
    std::iter::from_fn(move || {
        while at < bytes.len() && !bytes[at].is_ascii_alphanumeric() {
            at += 1;
        }
        let start = at;
        let mut previous_lower = false;
        while at < bytes.len() && bytes[at].is_ascii_alphanumeric() {
            if bytes[at].is_ascii_uppercase() && previous_lower {
                break;
            }
            previous_lower = bytes[at].is_ascii_lowercase() || bytes[at].is_ascii_digit();
            at += 1;
        }
        // Both ends sit next to ASCII bytes: valid places to cut the text.
        (at > start).then(|| &name[start..at])
    })
}

/// A value suggested by a property's name (`email`, `display_name`, `created_at`, …). The
/// last word decides what the value is (`primary_email_address_id` is an id, not an email;
/// `email_address_verification_strategies` are strategies); earlier words only refine it.
pub fn by_name(rng: &mut Rng64, name: &str) -> Option<String> {
    let words = words_of(name);
    let last = words.last()?.as_str();
    let has = |w: &str| words.iter().any(|x| x == w);
    let whole = words.join("_");
    Some(match last {
        "id" | "uuid" | "guid" => uuid(rng),
        "email" | "emails" => email(rng),
        "address" | "addresses" if has("email") => email(rng),
        "username" | "login" | "handle" => username(rng),
        "name" if has("user") && words.len() == 2 => username(rng),
        "name" if whole == "first_name" || whole == "given_name" => pick(rng, FIRST).to_string(),
        "firstname" => pick(rng, FIRST).to_string(),
        "name" if whole == "last_name" || whole == "family_name" => pick(rng, LAST).to_string(),
        "lastname" => pick(rng, LAST).to_string(),
        "url" | "uri" | "urls" | "uris" | "website" | "link" | "href" => {
            format!("https://{}.example.com", pick(rng, WORDS))
        }
        "domain" | "domains" | "hostname" | "host" => format!("{}.example.com", pick(rng, WORDS)),
        "phone" => phone(rng),
        "number" if has("phone") => phone(rng),
        "at" | "time" | "timestamp" | "date" => date_time(rng),
        "slug" => pick(rng, COMPANIES).to_lowercase().replace(' ', "-"),
        "name" if has("full") || has("person") => format!("{} {}", pick(rng, FIRST), pick(rng, LAST)),
        "name" | "title" | "company" | "organization" => pick(rng, COMPANIES).to_string(),
        "description" | "message" | "detail" | "summary" => {
            format!("The {} {} is ready.", pick(rng, WORDS), pick(rng, WORDS))
        }
        "country" => pick(rng, &["US", "DE", "FR", "GB", "JP", "BR"]).to_string(),
        "currency" => pick(rng, &["USD", "EUR", "GBP"]).to_string(),
        "locale" | "language" => pick(rng, &["en-US", "de-DE", "fr-FR"]).to_string(),
        _ => return None,
    })
}

/// `alan.perlman`: user names have no spaces.
fn username(rng: &mut Rng64) -> String {
    format!("{}.{}", pick(rng, FIRST).to_lowercase(), pick(rng, LAST).to_lowercase())
}

fn phone(rng: &mut Rng64) -> String {
    format!("+1555{:07}", rng.random_range(0..10_000_000))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_split_at_separators_and_where_a_capital_follows_a_small_letter() {
        let cases = [
            ("createdAt", vec!["created", "At"]),
            ("total_items", vec!["total", "items"]),
            ("HTTPServer", vec!["HTTPServer"]),
            ("v2Name--x", vec!["v2", "Name", "x"]),
            ("__a", vec!["a"]),
            ("größeAt", vec!["gr", "e", "At"]),
            ("", vec![]),
        ];
        for (name, words) in cases {
            assert_eq!(word_slices(name).collect::<Vec<_>>(), words, "{name}");
            let lower: Vec<String> = words.iter().map(|w| w.to_ascii_lowercase()).collect();
            assert_eq!(words_of(name), lower, "{name}");
        }
    }
}
