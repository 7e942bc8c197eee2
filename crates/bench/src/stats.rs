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

/// An open-loop phase: requests sent on a fixed (Poisson) schedule at `offered_per_second`,
/// each latency measured from the request's *scheduled* send time, so a request that waited for
/// a free client (because earlier ones were slow) counts its wait too (no coordinated omission).
#[derive(Debug, Clone, Default, Serialize)]
pub struct OpenLoop {
    /// The schedule's rate (requests per second over all clients).
    pub offered_per_second: f64,
    /// At most this many requests in flight (a request with no free client waits, and its
    /// wait is part of its latency).
    pub clients: usize,
    /// From the scheduled send time to the last byte of the answer.
    pub latency: Latency,
    /// How late requests actually left against their schedule: timer resolution (about 1 ms)
    /// plus waiting for a free client. Already included in `latency`.
    pub send_lag_p50_ms: f64,
    pub send_lag_p99_ms: f64,
}

impl OpenLoop {
    pub fn new(
        offered_per_second: f64,
        clients: usize,
        latency: Latency,
        mut lags: Vec<Duration>,
    ) -> OpenLoop {
        lags.sort();
        let at = |p: f64| {
            if lags.is_empty() {
                return 0.0;
            }
            let last = lags.len() - 1;
            let index = ((last as f64) * p).round() as usize;
            lags[index.min(last)].as_secs_f64() * 1000.0
        };
        OpenLoop {
            offered_per_second,
            clients,
            send_lag_p50_ms: at(0.50),
            send_lag_p99_ms: at(0.99),
            latency,
        }
    }
}

/// Send offsets from the start of a phase for `count` requests arriving as a Poisson process of
/// `rate` per second (exponential gaps), reproducible from `seed`.
pub fn poisson_schedule(count: usize, rate: f64, seed: u64) -> Vec<Duration> {
    use rand::{Rng, SeedableRng};
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let rate = rate.max(1e-3);
    let mut at = 0.0_f64;
    (0..count)
        .map(|_| {
            let u: f64 = rng.random();
            // 1 - u is in (0, 1], so the logarithm is finite.
            at += -(1.0 - u).ln() / rate;
            Duration::from_secs_f64(at)
        })
        .collect()
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

    #[test]
    fn poisson_schedule_keeps_the_offered_rate_and_order() {
        let schedule = poisson_schedule(20_000, 1_000.0, 7);
        assert_eq!(schedule.len(), 20_000);
        assert!(schedule.windows(2).all(|w| w[0] <= w[1]));
        // 20,000 arrivals at 1,000/s take about 20 s (the standard deviation is 0.14 s).
        let span = schedule.last().map(Duration::as_secs_f64).unwrap_or(0.0);
        assert!((19.0..21.0).contains(&span), "{span}");
        // Exponential gaps: about 1 − 1/e ≈ 63 % are shorter than the mean gap (1 ms).
        let short = schedule
            .windows(2)
            .filter(|w| w[1] - w[0] < Duration::from_millis(1))
            .count() as f64
            / 19_999.0;
        assert!((0.60..0.66).contains(&short), "{short}");
        assert_eq!(schedule, poisson_schedule(20_000, 1_000.0, 7));
    }

    #[test]
    fn send_lags_become_percentiles() {
        let lags = (0..100).map(Duration::from_millis).collect();
        let open = OpenLoop::new(500.0, 200, Latency::default(), lags);
        assert!(
            (open.send_lag_p50_ms - 50.0).abs() < 1e-9,
            "{}",
            open.send_lag_p50_ms
        );
        assert!(
            (open.send_lag_p99_ms - 98.0).abs() < 1e-9,
            "{}",
            open.send_lag_p99_ms
        );
        let none = OpenLoop::new(500.0, 200, Latency::default(), Vec::new());
        assert!(none.send_lag_p99_ms.abs() < 1e-9);
    }
}
