//! Sizes and durations as people write them on command lines and in headers.

use std::time::Duration;

/// The longest delay anything may ask for: a mock that sleeps longer is a hung mock.
pub const MAX_DELAY: Duration = Duration::from_secs(600);

/// `10MiB`, `512KiB`, `1MB`, `1000`.
pub fn parse_size(text: &str) -> Result<usize, String> {
    let t = text.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (digits, unit) = t.split_at(split);
    let n: usize = digits.parse().map_err(|_| format!("'{text}' is not a size (e.g. 10MiB, 512KiB, 1000)"))?;
    let factor = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" => 1_000,
        "kib" => 1 << 10,
        "m" | "mb" => 1_000_000,
        "mib" => 1 << 20,
        "g" | "gb" => 1_000_000_000,
        "gib" => 1 << 30,
        other => return Err(format!("unknown size unit '{other}' (use B, KiB, MiB, GiB, KB, MB, GB)")),
    };
    n.checked_mul(factor).ok_or_else(|| format!("'{text}' is too large"))
}

/// `300` (milliseconds), `300ms`, `1.5s`, `2m`; at most [`MAX_DELAY`].
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let t = text.trim();
    let split = t.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let n: f64 = number.parse().map_err(|_| format!("'{text}' is not a duration (e.g. 300, 300ms, 1.5s)"))?;
    let seconds = match unit.trim() {
        "" | "ms" => n / 1000.0,
        "s" => n,
        "m" | "min" => n * 60.0,
        other => return Err(format!("unknown duration unit '{other}' in '{text}' (use ms, s, m)")),
    };
    if !seconds.is_finite() || seconds > MAX_DELAY.as_secs_f64() {
        return Err(format!("'{text}' is longer than the longest delay allowed ({} s)", MAX_DELAY.as_secs()));
    }
    Ok(Duration::from_secs_f64(seconds))
}

/// A delay, or a range to draw one from uniformly: `200ms`, `100ms..400ms`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DelayRange {
    pub min: Duration,
    pub max: Duration,
}

impl DelayRange {
    pub fn fixed(delay: Duration) -> DelayRange {
        DelayRange { min: delay, max: delay }
    }

    /// A delay in the range; `unit` is a number in `[0, 1)`.
    pub fn at(&self, unit: f64) -> Duration {
        if self.max <= self.min {
            return self.min;
        }
        self.min + (self.max - self.min).mul_f64(unit.clamp(0.0, 1.0))
    }
}

impl std::str::FromStr for DelayRange {
    type Err = String;

    fn from_str(text: &str) -> Result<DelayRange, String> {
        parse_delay_range(text)
    }
}

/// `200ms` or `100ms..400ms` (each end as [`parse_duration`] reads it).
pub fn parse_delay_range(text: &str) -> Result<DelayRange, String> {
    match text.split_once("..") {
        None => parse_duration(text).map(DelayRange::fixed),
        Some((low, high)) => {
            let (min, max) = (parse_duration(low)?, parse_duration(high)?);
            if min > max {
                return Err(format!("'{text}': the range runs backwards (the first delay is longer than the second)"));
            }
            Ok(DelayRange { min, max })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        let table = [("10MiB", Ok(10 << 20)), ("512KiB", Ok(512 << 10)), ("1MB", Ok(1_000_000)), ("1000", Ok(1000))];
        for (text, expected) in table {
            assert_eq!(parse_size(text), expected, "{text}");
        }
        for bad in ["", "ten", "5 parsecs", "99999999999999999999GiB"] {
            assert!(parse_size(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn durations() {
        let ms = Duration::from_millis;
        let table = [("300", ms(300)), ("300ms", ms(300)), ("1.5s", ms(1500)), ("2m", ms(120_000)), (" 0 ", ms(0))];
        for (text, expected) in table {
            assert_eq!(parse_duration(text), Ok(expected), "{text}");
        }
        for bad in ["", "soon", "5h", "601s", "-1", "1e9"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn delay_ranges() {
        let ms = Duration::from_millis;
        assert_eq!(parse_delay_range("200ms"), Ok(DelayRange::fixed(ms(200))));
        let range = parse_delay_range("100ms..400ms").unwrap();
        assert_eq!((range.min, range.max), (ms(100), ms(400)));
        assert_eq!(range.at(0.0), ms(100));
        assert_eq!(range.at(0.5), ms(250));
        assert!(range.at(0.999) < ms(400) && range.at(0.999) > ms(399));
        assert_eq!(range.at(7.0), ms(400), "a unit past 1 is held to the range");
        for bad in ["", "100ms..", "..1s", "400ms..100ms", "1s..20m"] {
            assert!(parse_delay_range(bad).is_err(), "{bad}");
        }
    }
}
