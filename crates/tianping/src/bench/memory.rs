//! Resident memory of the servers under load, and whether it grows.
//!
//! A server's heap swings with the requests in flight: under 200 people it moved between 107 and
//! 153 MB of anonymous memory within 30 seconds (the mapped search index, ~34 MB, stays put). Two
//! single readings — after the warm-up and at the end — measure where the swing happened to be, not
//! growth. So memory is sampled every few seconds while a node serves, and its growth is the
//! change of the median between the first and the last third of those samples: a leak moves the
//! median, a swing does not. The end-point figure is printed beside it.

use std::collections::BTreeMap;

/// How often memory is sampled.
pub(super) const EVERY: std::time::Duration = std::time::Duration::from_secs(5);

/// One reading: seconds since sampling started, how many nodes were serving (the first `serving`
/// of them), and each node's resident memory in MB.
#[derive(Debug, Clone)]
pub(super) struct Sample {
    pub secs: f64,
    pub serving: usize,
    pub mb: Vec<f64>,
}

/// A node's memory over the samples taken while it served.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Trend {
    pub first_median: f64,
    pub last_median: f64,
    pub min: f64,
    pub max: f64,
    pub samples: usize,
}

impl Trend {
    /// Growth of the median from the first third to the last, in per cent.
    pub fn growth_pct(&self) -> f64 {
        100.0 * (self.last_median - self.first_median) / self.first_median.max(1.0)
    }
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n == 0 {
        0.0
    } else if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// Node `node`'s trend over the samples taken while it served; `None` with fewer than three (or
/// when the process was gone: a reading of 0).
pub(super) fn trend(samples: &[Sample], node: usize) -> Option<Trend> {
    let v: Vec<f64> = samples
        .iter()
        .filter(|s| node < s.serving)
        .filter_map(|s| s.mb.get(node).copied())
        .filter(|mb| *mb > 0.0)
        .collect();
    if v.len() < 3 {
        return None;
    }
    let third = v.len() / 3;
    let (min, max) = v
        .iter()
        .fold((f64::MAX, f64::MIN), |(lo, hi), x| (lo.min(*x), hi.max(*x)));
    Some(Trend {
        first_median: median(&mut v[..third].to_vec()),
        last_median: median(&mut v[v.len() - third..].to_vec()),
        min,
        max,
        samples: v.len(),
    })
}

/// Node `node`'s median memory in each whole minute it served, for the log.
pub(super) fn per_minute(samples: &[Sample], node: usize) -> Vec<f64> {
    let mut minutes: BTreeMap<u64, Vec<f64>> = BTreeMap::new();
    for s in samples.iter().filter(|s| node < s.serving) {
        if let Some(mb) = s.mb.get(node).filter(|mb| **mb > 0.0) {
            minutes.entry((s.secs / 60.0) as u64).or_default().push(*mb);
        }
    }
    minutes.into_values().map(|mut v| median(&mut v)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn samples(node0: &[f64], serving: &[usize]) -> Vec<Sample> {
        node0
            .iter()
            .zip(serving)
            .enumerate()
            .map(|(i, (mb, k))| Sample {
                secs: i as f64 * 5.0,
                serving: *k,
                mb: vec![*mb, 100.0],
            })
            .collect()
    }

    /// A heap that swings around a level has no growth; one whose level climbs does; a node is
    /// judged only on the samples taken while it served.
    #[test]
    fn a_swing_is_not_growth_and_a_climb_is() {
        let swing = [
            100.0, 150.0, 105.0, 148.0, 102.0, 151.0, 100.0, 149.0, 103.0,
        ];
        let t = trend(&samples(&swing, &[2; 9]), 0).expect("enough samples");
        assert!(t.growth_pct().abs() < 5.0, "{t:?}");
        assert_eq!((t.min, t.max, t.samples), (100.0, 151.0, 9));
        let climb = [
            100.0, 110.0, 120.0, 130.0, 140.0, 150.0, 160.0, 170.0, 180.0,
        ];
        let t = trend(&samples(&climb, &[2; 9]), 0).expect("enough samples");
        // Medians 110 (100, 110, 120) and 170 (160, 170, 180).
        assert!((t.growth_pct() - 6000.0 / 110.0).abs() < 0.01, "{t:?}");
        // Node 1 served only in the last four samples (flat at 100 MB).
        let s = samples(&climb, &[1, 1, 1, 1, 1, 2, 2, 2, 2]);
        let t = trend(&s, 1).expect("four samples while serving");
        assert_eq!(t.samples, 4);
        assert_eq!(t.growth_pct(), 0.0);
        assert_eq!(trend(&s[..6], 1), None, "one sample is not a trend");
        // A process that was gone reads 0 and is left out.
        let gone = samples(&[0.0, 0.0, 120.0, 120.0, 120.0], &[2; 5]);
        assert_eq!(trend(&gone, 0).map(|t| t.samples), Some(3));
    }

    #[test]
    fn minutes_are_medians_of_their_samples() {
        let s: Vec<Sample> = (0..24)
            .map(|i| Sample {
                secs: i as f64 * 5.0,
                serving: 1,
                mb: vec![if i < 12 {
                    100.0 + (i % 2) as f64 * 40.0
                } else {
                    200.0
                }],
            })
            .collect();
        assert_eq!(per_minute(&s, 0), vec![120.0, 200.0]);
    }
}
