//! How many threads the evaluator's per-series loops use: a range function
//! over hundreds of series of a day each is the one loop long enough to gain
//! from more cores. The loops themselves run on
//! [`estuary_types::parallel::map_batches`].

/// Most threads one loop uses.
const THREADS_MAX: usize = estuary_types::parallel::THREADS_MAX;

/// Fewest units of work per thread: below it, waking a helper and merging
/// its results costs more than it saves. A unit is a sample read or a window
/// evaluated, each a few nanoseconds, so this is about 0.2 ms; a parked
/// helper wakes in tens of microseconds. The bench's histogram quantile over
/// a day (240 000 units) took 1.0 ms on two threads against 1.4 ms on one.
const WORK_PER_THREAD_MIN: usize = 40_000;

/// Most series in one batch.
const SERIES_PER_BATCH_MAX: usize = 32;

/// Threads to spread `work` units over: one per [`WORK_PER_THREAD_MIN`], at
/// most the machine's cores and [`THREADS_MAX`].
pub(crate) fn threads_for(work: usize) -> usize {
    let cores = estuary_types::parallel::cores();
    (work / WORK_PER_THREAD_MIN).clamp(1, cores.clamp(1, THREADS_MAX))
}

/// Series per batch when `series` series go over `threads` threads.
pub(crate) fn batch_len(series: usize, threads: usize) -> usize {
    estuary_types::parallel::batch_len(series, threads, SERIES_PER_BATCH_MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_work_stays_on_one_thread() {
        assert_eq!(threads_for(10), 1);
        assert!(threads_for(10_000_000) <= THREADS_MAX);
    }
}
