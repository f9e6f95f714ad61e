//! The limits of one evaluation: samples held in memory, series selected, and
//! the deadline.

use crate::error::EvalError;
use crate::options::QueryOptions;
use std::time::Instant;

/// Prometheus's name for the evaluation stage in limit and timeout errors.
const STAGE: &str = "query execution";

/// Prometheus's name for the stage in timeout errors during evaluation.
const EVAL_STAGE: &str = "expression evaluation";

/// Deadline checks are cheap but not free: consult the clock once per this
/// many calls of [`Limits::tick`].
const TICKS_PER_CLOCK_READ: u32 = 256;

/// Counters and bounds of one evaluation.
pub(crate) struct Limits {
    samples: usize,
    samples_max: usize,
    series: usize,
    series_max: usize,
    deadline: Option<Instant>,
    ticks: u32,
}

impl Limits {
    /// Fresh counters for `opts`.
    pub fn new(opts: &QueryOptions) -> Self {
        Limits {
            samples: 0,
            samples_max: opts.max_samples,
            series: 0,
            series_max: opts.max_series,
            deadline: opts.deadline,
            ticks: 0,
        }
    }

    /// Samples currently accounted as held in memory.
    pub fn samples(&self) -> usize {
        self.samples
    }

    /// Accounts `count` more samples; fails past the maximum.
    pub fn add_samples(&mut self, count: usize) -> Result<(), EvalError> {
        self.samples = self.samples.saturating_add(count);
        if self.samples > self.samples_max {
            return Err(EvalError::TooManySamples { stage: STAGE });
        }
        Ok(())
    }

    /// Checks that `count` samples could be held on top of the current ones,
    /// without accounting them (transient buffers such as range windows).
    pub fn check_transient(&self, count: usize) -> Result<(), EvalError> {
        if self.samples.saturating_add(count) > self.samples_max {
            return Err(EvalError::TooManySamples { stage: STAGE });
        }
        Ok(())
    }

    /// Resets the accounted samples to `count` (children released, result kept).
    pub fn set_samples(&mut self, count: usize) {
        self.samples = count;
    }

    /// Accounts `count` more selected series; fails past the maximum.
    pub fn add_series(&mut self, count: usize) -> Result<(), EvalError> {
        self.series = self.series.saturating_add(count);
        if self.series > self.series_max {
            return Err(EvalError::TooManySeries {
                max: self.series_max,
            });
        }
        Ok(())
    }

    /// Fails when the deadline has passed.
    pub fn check_deadline(&mut self) -> Result<(), EvalError> {
        self.ticks = 0;
        match self.deadline {
            Some(deadline) if Instant::now() >= deadline => {
                Err(EvalError::Timeout { stage: EVAL_STAGE })
            }
            _ => Ok(()),
        }
    }

    /// Cheap deadline check for tight loops: reads the clock only every few calls.
    pub fn tick(&mut self) -> Result<(), EvalError> {
        self.ticks += 1;
        if self.ticks >= TICKS_PER_CLOCK_READ {
            return self.check_deadline();
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn samples_over_the_maximum_fail() {
        let opts = QueryOptions {
            max_samples: 10,
            ..QueryOptions::default()
        };
        let mut limits = Limits::new(&opts);
        assert!(limits.add_samples(10).is_ok());
        let err = limits.add_samples(1).expect_err("over the limit");
        assert_eq!(
            err.to_string(),
            "query processing would load too many samples into memory in query execution"
        );
    }

    #[test]
    fn passed_deadline_times_out() {
        let opts = QueryOptions {
            deadline: Some(Instant::now() - Duration::from_millis(1)),
            ..QueryOptions::default()
        };
        let mut limits = Limits::new(&opts);
        let err = limits.check_deadline().expect_err("deadline passed");
        assert_eq!(err.to_string(), "query timed out in expression evaluation");
    }
}
