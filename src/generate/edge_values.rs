//! The fixed values edges are made of: text that breaks naive code, unusual but valid
//! values of each format, and the largest integers a format holds.

/// (label, text, characters that make it what the label says): a fitted text that lost
/// all of them no longer probes anything and is not sent.
pub const AWKWARD_TEXT: &[(&str, &str, &str)] = &[
    ("non-ASCII", "Zoë Ångström-Núñez 東京", "ëÅöúñ東京"),
    ("emoji", "🚀 Launch 🦀 day", "🚀🦀"),
    ("quotes", "O'Brien \"Bob\" `b`", "'\"`"),
    ("backslash", "C:\\path\\to \\u0041 \\n", "\\"),
];

/// Values a format allows that naive parsers often do not.
pub fn unusual_formats(format: &str) -> &'static [(&'static str, &'static str)] {
    match format {
        "date-time" => &[
            ("leap day, fractional seconds, +14:00", "2024-02-29T23:59:59.999+14:00"),
            ("negative offset", "1999-12-31T00:00:00-12:00"),
        ],
        "date" => &[("leap day", "2024-02-29"), ("last day of 9999", "9999-12-31")],
        "time" => &[("fractional seconds and offset", "23:59:59.123456+05:45")],
        "email" | "idn-email" => &[
            ("plus and apostrophe", "o'neil+tag@example.com"),
            ("subdomains and hyphen", "first.last@mail.sub-domain.example.co.uk"),
        ],
        "uuid" => {
            &[("upper case", "6FA459EA-EE8A-4CA4-894E-DB77E160355E"), ("nil", "00000000-0000-0000-0000-000000000000")]
        }
        "uri" | "url" | "iri" => {
            &[("port, escapes, query, fragment", "https://example.com:8443/a%20b/%C3%A9?x=1&y=%2F#top")]
        }
        "uri-reference" | "iri-reference" => &[("relative with dots", "../a/./b?x=1#f")],
        "hostname" | "idn-hostname" => &[("punycode", "xn--bcher-kva.example"), ("single label", "localhost")],
        "ipv4" => &[("all zeros", "0.0.0.0"), ("broadcast", "255.255.255.255")],
        "ipv6" => &[("loopback", "::1"), ("IPv4-mapped", "::ffff:192.0.2.1")],
        "byte" => &[("empty", ""), ("padded", "YQ==")],
        "duration" => &[("every unit", "P1Y2M3DT4H5M6S")],
        "int32" => &[("largest", "2147483647"), ("smallest", "-2147483648")],
        "int64" => &[("largest", "9223372036854775807"), ("smallest", "-9223372036854775808")],
        _ => &[],
    }
}

/// The largest value an unbounded number is probed with: what its format holds, else the
/// largest 32-bit integer (every integer type holds it) or the largest exact double.
pub fn large_integer(format: &str, integer: bool) -> f64 {
    match format {
        "int64" => i64::MAX as f64,
        "uint32" => u32::MAX as f64,
        "uint64" => i64::MAX as f64,
        "int32" => i32::MAX as f64,
        _ if integer => i32::MAX as f64,
        _ => 9_007_199_254_740_991.0,
    }
}
