//! The last minute of a measurement, one bucket per second, for sparklines.

use std::collections::VecDeque;
use std::time::Duration;

const SECONDS: u64 = 60;

/// Per-second maxima over the last minute.
#[derive(Clone, Debug, Default)]
pub struct Series {
    /// (second since start, the largest value seen in it)
    buckets: VecDeque<(u64, u64)>,
}

impl Series {
    pub fn record(&mut self, value: u64, now: Duration) {
        let second = now.as_secs();
        match self.buckets.back_mut() {
            Some((s, v)) if *s == second => *v = (*v).max(value),
            _ => self.buckets.push_back((second, value)),
        }
        while self
            .buckets
            .front()
            .is_some_and(|(s, _)| *s + SECONDS <= second)
        {
            self.buckets.pop_front();
        }
    }

    /// Sixty values, oldest first, zero where nothing happened.
    pub fn last_minute(&self, now: Duration) -> Vec<u64> {
        let end = now.as_secs();
        let mut out = vec![0; SECONDS as usize];
        for (s, v) in &self.buckets {
            let age = end.saturating_sub(*s);
            if *s <= end && age < SECONDS {
                out[(SECONDS - 1 - age) as usize] = *v;
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_max_of_each_second_for_one_minute() {
        let mut s = Series::default();
        s.record(5, Duration::from_millis(100));
        s.record(9, Duration::from_millis(900));
        s.record(3, Duration::from_millis(1_500));
        let v = s.last_minute(Duration::from_secs(1));
        assert_eq!(&v[58..], &[9, 3]);
        let later = s.last_minute(Duration::from_secs(120));
        assert!(later.iter().all(|x| *x == 0));
        s.record(1, Duration::from_secs(200));
        assert_eq!(s.buckets.len(), 1);
    }
}
