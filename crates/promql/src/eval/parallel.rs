//! Spreading independent per-series work over threads: a range function over
//! hundreds of series of a day each is the evaluator's one loop long enough
//! to gain from more cores.

use crate::error::EvalError;

/// Most threads one loop uses.
const THREADS_MAX: usize = 4;

/// Fewest units of work per thread: below it, starting and joining a thread
/// costs more than it saves. A unit is a sample read or a window evaluated,
/// each a few nanoseconds, so this is about a millisecond; on a busy machine
/// a thread can also wait a scheduler tick to run, and at 50 000 the bench's
/// histogram query over a day (240 000 units) settled at 8 ms on two
/// threads against 4 ms on one.
const WORK_PER_THREAD_MIN: usize = 150_000;

/// Threads to spread `work` units over: one per [`WORK_PER_THREAD_MIN`], at
/// most the machine's cores and [`THREADS_MAX`].
pub(crate) fn threads_for(work: usize) -> usize {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    (work / WORK_PER_THREAD_MIN).clamp(1, cores.clamp(1, THREADS_MAX))
}

/// Calls `work` on `threads` contiguous shares of `items` (the first on this
/// thread) and concatenates the results in order: the same answer as
/// `work(items)`. The first error in item order wins.
pub(crate) fn map_shares<T, R, F>(items: &[T], threads: usize, work: F) -> Result<Vec<R>, EvalError>
where
    T: Sync,
    R: Send,
    F: Fn(&[T]) -> Result<Vec<R>, EvalError> + Sync,
{
    if threads <= 1 || items.len() < 2 {
        return work(items);
    }
    let share = items.len().div_ceil(threads);
    let mut shares = items.chunks(share);
    let Some(first) = shares.next() else {
        return work(items);
    };
    let work = &work;
    std::thread::scope(|scope| {
        let handles: Vec<_> = shares.map(|part| scope.spawn(move || work(part))).collect();
        let mut out = work(first)?;
        for handle in handles {
            // A panic is a bug: pass it on as if it happened on this thread.
            let part = handle
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic))?;
            out.extend(part);
        }
        Ok(out)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_keep_order_and_the_first_error() {
        let items: Vec<u32> = (0..103).collect();
        let doubled = map_shares(&items, 4, |part| Ok(part.iter().map(|i| i * 2).collect()))
            .expect("no error");
        assert_eq!(doubled, items.iter().map(|i| i * 2).collect::<Vec<_>>());
        let failed = map_shares(&items, 4, |part| {
            if part.contains(&30) {
                Err(EvalError::BadData("30".into()))
            } else if part.contains(&90) {
                Err(EvalError::BadData("90".into()))
            } else {
                Ok(part.to_vec())
            }
        });
        assert!(matches!(failed, Err(EvalError::BadData(text)) if text == "30"));
    }

    #[test]
    fn small_work_stays_on_one_thread() {
        assert_eq!(threads_for(10), 1);
        assert!(threads_for(10_000_000) <= THREADS_MAX);
    }
}
