//! Latency samples → percentiles.

use serde::Serialize;
use std::time::Duration;

/// A latency distribution in milliseconds.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Latency {
    pub count: usize,
    pub errors: usize,
    pub p50_ms: f64,
    pub p90_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
    /// Requests per second over the phase's wall time.
    pub per_second: f64,
}

impl Latency {
    pub fn from_samples(mut samples: Vec<Duration>, errors: usize, wall: Duration) -> Latency {
        if samples.is_empty() {
            return Latency {
                errors,
                ..Default::default()
            };
        }
        samples.sort();
        let last = samples.len() - 1;
        let at = |p: f64| {
            let index = ((last as f64) * p).round() as usize;
            samples[index.min(last)].as_secs_f64() * 1000.0
        };
        Latency {
            count: samples.len(),
            errors,
            p50_ms: at(0.50),
            p90_ms: at(0.90),
            p99_ms: at(0.99),
            max_ms: at(1.0),
            per_second: samples.len() as f64 / wall.as_secs_f64().max(1e-9),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_pick_the_nearest_rank() {
        let samples = (1..=100).map(Duration::from_millis).collect();
        let latency = Latency::from_samples(samples, 2, Duration::from_secs(1));
        assert_eq!(latency.count, 100);
        assert_eq!(latency.errors, 2);
        assert!((latency.p50_ms - 51.0).abs() < 1e-9, "{}", latency.p50_ms);
        assert!((latency.p99_ms - 99.0).abs() < 1e-9, "{}", latency.p99_ms);
        assert!((latency.max_ms - 100.0).abs() < 1e-9);
        let empty = Latency::from_samples(Vec::new(), 0, Duration::from_secs(1));
        assert_eq!(empty.count, 0);
    }
}
