//! How late, and how broken, an answer is: `Prefer: delay=, fault=` (per request), a rule's
//! answer, `x-specmock-delay` (per operation), `--delay` and `--faults` (every answer).
//! The most specific wins: Prefer, then the rule, then the operation, then the flags.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use rand::rngs::Xoshiro256PlusPlus;
use rand::{RngExt, SeedableRng};

use crate::server::Fault;
use crate::units::DelayRange;

/// A slow body with no delay named is dribbled over this long.
pub const SLOW_BODY: Duration = Duration::from_secs(2);

/// `--faults RATE`: a fault in that share of answers, drawn from a seeded sequence so that
/// the same seed breaks the same requests (counted in arrival order).
#[derive(Debug, Clone)]
pub struct FaultRate {
    pub rate: f64,
    pub seed: u64,
    /// Answers drawn for so far; shared by the models a hot reload swaps in.
    drawn: Arc<AtomicU64>,
}

impl FaultRate {
    pub fn new(rate: f64, seed: u64) -> FaultRate {
        FaultRate { rate, seed, drawn: Arc::new(AtomicU64::new(0)) }
    }

    /// The fault for the next answer, if it gets one.
    pub fn draw(&self) -> Option<&'static str> {
        let n = self.drawn.fetch_add(1, Ordering::Relaxed);
        // One small generator per draw: no lock, and draw n depends only on (seed, n).
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(self.seed ^ n.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        if rng.random::<f64>() >= self.rate {
            return None;
        }
        Some(Fault::NAMES[rng.random_range(0..Fault::NAMES.len())])
    }
}

/// `--faults 0.05`: a share of answers between 0 and 1 (or a percentage, `5%`).
pub fn parse_rate(text: &str) -> Result<f64, String> {
    let t = text.trim();
    let (number, scale) = match t.strip_suffix('%') {
        Some(n) => (n, 100.0),
        None => (t, 1.0),
    };
    match number.trim().parse::<f64>() {
        Ok(r) if (0.0..=scale).contains(&r) => Ok(r / scale),
        _ => Err(format!("'{text}' is not a share of answers between 0 and 1 (e.g. 0.05, or 5%)")),
    }
}

/// The delay and fault one answer gets, and where they came from.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Timing {
    pub delay: Option<Duration>,
    pub fault: Option<Fault>,
    pub why: Vec<std::borrow::Cow<'static, str>>,
}

/// Where delays and faults may come from, most specific first.
pub struct Sources<'a> {
    pub prefer_delay: Option<Duration>,
    pub prefer_fault: Option<&'a str>,
    pub rule: Option<(&'a str, Option<DelayRange>, Option<&'a str>)>,
    pub operation_delay: Option<DelayRange>,
    pub flag_delay: Option<DelayRange>,
    pub flag_faults: Option<&'a FaultRate>,
}

impl Sources<'_> {
    /// Decides; `unit` draws a delay from a range.
    pub fn decide(&self, unit: impl Fn() -> f64) -> Timing {
        let mut timing = Timing::default();
        let (rule_label, rule_delay, rule_fault) = match self.rule {
            Some((label, delay, fault)) => (label, delay, fault),
            None => ("", None, None),
        };
        if let Some(delay) = self.prefer_delay {
            timing.delay = Some(delay);
            timing.why.push(format!("delay {} from Prefer", shown(delay)).into());
        } else if let Some(range) = rule_delay {
            timing.delay = Some(range.at(unit()));
            timing.why.push(format!("delay from {rule_label}").into());
        } else if let Some(range) = self.operation_delay {
            timing.delay = Some(range.at(unit()));
            timing.why.push("delay from x-specmock-delay".into());
        } else if let Some(range) = self.flag_delay {
            timing.delay = Some(range.at(unit()));
            timing.why.push("delay from --delay".into());
        }
        let fault = if let Some(name) = self.prefer_fault {
            Some((name, "Prefer".to_string()))
        } else if let Some(name) = rule_fault {
            Some((name, rule_label.to_string()))
        } else {
            self.flag_faults.and_then(FaultRate::draw).map(|name| (name, "--faults".to_string()))
        };
        if let Some((name, from)) = fault {
            timing.fault = Fault::named(name, timing.delay.unwrap_or(SLOW_BODY));
            timing.why.push(format!("fault {name} from {from}").into());
        }
        timing
    }
}

fn shown(d: Duration) -> String {
    format!("{}ms", d.as_millis())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates() {
        assert_eq!(parse_rate("0.05"), Ok(0.05));
        assert_eq!(parse_rate("5%"), Ok(0.05));
        assert_eq!(parse_rate("1"), Ok(1.0));
        for bad in ["", "-0.1", "1.5", "150%", "often"] {
            assert!(parse_rate(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_same_seed_breaks_the_same_answers() {
        let draws = |seed| {
            let rate = FaultRate::new(0.3, seed);
            (0..200).map(|_| rate.draw()).collect::<Vec<_>>()
        };
        assert_eq!(draws(7), draws(7));
        assert_ne!(draws(7), draws(8));
        let broken = draws(7).iter().filter(|f| f.is_some()).count();
        assert!((30..=90).contains(&broken), "about 30% of 200 answers break, not {broken}");
        assert!(FaultRate::new(0.0, 1).draw().is_none());
    }

    #[test]
    fn prefer_wins_over_rules_over_operations_over_flags() {
        let ms = Duration::from_millis;
        let all = Sources {
            prefer_delay: Some(ms(1)),
            prefer_fault: Some("close"),
            rule: Some(("rule 1", Some(DelayRange::fixed(ms(2))), Some("reset"))),
            operation_delay: Some(DelayRange::fixed(ms(3))),
            flag_delay: Some(DelayRange::fixed(ms(4))),
            flag_faults: None,
        };
        let t = all.decide(|| 0.5);
        assert_eq!((t.delay, t.fault), (Some(ms(1)), Some(Fault::Close)));
        let t = Sources { prefer_delay: None, prefer_fault: None, ..all }.decide(|| 0.5);
        assert_eq!((t.delay, t.fault), (Some(ms(2)), Some(Fault::Reset)));
        let slow = Sources {
            prefer_delay: None,
            prefer_fault: Some("slow-body"),
            rule: None,
            operation_delay: Some(DelayRange::fixed(ms(3))),
            flag_delay: None,
            flag_faults: None,
        };
        assert_eq!(slow.decide(|| 0.5).fault, Some(Fault::SlowBody(ms(3))), "the body is dribbled over the delay");
    }
}
