//! Spreading independent per-item work over a few threads, for the read and
//! evaluation loops long enough to gain from more cores.
//!
//! Items are handed out in small batches from a shared counter rather than
//! in one fixed share per thread: the calling thread starts at once and a
//! helper takes batches from whenever it gets a core. On a busy (or
//! virtualised) machine a new thread can wait a millisecond or more to run;
//! with fixed shares the caller would then sit idle waiting for the late
//! share, with batches it simply does more of them itself.

use std::sync::atomic::{AtomicUsize, Ordering};

/// Batches each thread should get on average when the work is spread evenly:
/// enough that a thread starting late only delays the end by a small batch.
const BATCHES_PER_THREAD: usize = 8;

/// The batch length that gives each of `threads` threads about
/// [`BATCHES_PER_THREAD`] batches of `items` items, at most `max_len`.
pub fn batch_len(items: usize, threads: usize, max_len: usize) -> usize {
    let batches = threads.max(1).saturating_mul(BATCHES_PER_THREAD);
    items.div_ceil(batches).clamp(1, max_len.max(1))
}

/// Calls `work` on consecutive batches of `batch_len` items of `items`, on
/// up to `threads` threads (this one included), and concatenates the results
/// in item order: the same answer as calling it on every batch in turn.
///
/// Each thread builds its own state with `init` before its first batch (a
/// cursor, say, that is cheaper to reuse than to open per batch) and hands it
/// to every batch it takes. The first error in item order wins; batches after
/// a failed one are not started.
///
/// A panic in `work` is a bug and is passed on to the caller.
pub fn map_batches<T, S, R, E, I, W>(
    items: &[T],
    threads: usize,
    batch_len: usize,
    init: I,
    work: W,
) -> Result<Vec<R>, E>
where
    T: Sync,
    R: Send,
    E: Send,
    I: Fn() -> S + Sync,
    W: Fn(&mut S, &[T]) -> Result<Vec<R>, E> + Sync,
{
    let batch_len = batch_len.max(1);
    let batch_count = items.len().div_ceil(batch_len);
    let threads = threads.clamp(1, batch_count.max(1));
    if threads == 1 {
        let mut state = init();
        let mut out = Vec::new();
        for batch in items.chunks(batch_len) {
            out.extend(work(&mut state, batch)?);
        }
        return Ok(out);
    }
    let batches = Batches {
        items,
        batch_len,
        next: AtomicUsize::new(0),
        first_failed: AtomicUsize::new(usize::MAX),
    };
    let run = || batches.run(&init, &work);
    let mut done = std::thread::scope(|scope| {
        let handles: Vec<_> = (1..threads).map(|_| scope.spawn(run)).collect();
        let mut done = run();
        for handle in handles {
            // A panic is a bug: pass it on as if it happened on this thread.
            let part = handle
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            done.extend(part);
        }
        done
    });
    done.sort_unstable_by_key(|(index, _)| *index);
    let mut out = Vec::with_capacity(items.len());
    for (_, result) in done {
        out.extend(result?);
    }
    Ok(out)
}

/// The batches of one [`map_batches`] call and who takes which next.
struct Batches<'a, T> {
    items: &'a [T],
    batch_len: usize,
    /// Index of the next batch to take.
    next: AtomicUsize,
    /// Lowest index of a batch that failed, `usize::MAX` while none has.
    first_failed: AtomicUsize,
}

impl<T> Batches<'_, T> {
    /// Takes batches until none are left (or one before them failed), and
    /// answers each batch's index and result.
    fn run<S, R, E>(
        &self,
        init: &impl Fn() -> S,
        work: &impl Fn(&mut S, &[T]) -> Result<Vec<R>, E>,
    ) -> Vec<(usize, Result<Vec<R>, E>)> {
        let mut state = None;
        let mut done = Vec::new();
        loop {
            let index = self.next.fetch_add(1, Ordering::Relaxed);
            let start = index.saturating_mul(self.batch_len);
            // Every batch before a failed one still runs, so the error
            // reported is the first in item order whatever the timing.
            if start >= self.items.len() || index > self.first_failed.load(Ordering::Relaxed) {
                return done;
            }
            let end = start.saturating_add(self.batch_len).min(self.items.len());
            let state = state.get_or_insert_with(init);
            let result = work(state, &self.items[start..end]);
            if result.is_err() {
                self.first_failed.fetch_min(index, Ordering::Relaxed);
            }
            done.push((index, result));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batches_keep_item_order_on_any_number_of_threads() {
        let items: Vec<u32> = (0..103).collect();
        for threads in 1..=4 {
            for batch in [1, 7, 200] {
                let doubled = map_batches(
                    &items,
                    threads,
                    batch,
                    || (),
                    |_, part| Ok::<_, ()>(part.iter().map(|i| i * 2).collect()),
                )
                .expect("no error");
                assert_eq!(doubled, items.iter().map(|i| i * 2).collect::<Vec<_>>());
            }
        }
    }

    #[test]
    fn the_first_error_in_item_order_wins() {
        let items: Vec<u32> = (0..103).collect();
        for threads in 1..=4 {
            let failed = map_batches(
                &items,
                threads,
                5,
                || (),
                |_, part| {
                    if part.contains(&30) {
                        Err(30)
                    } else if part.contains(&90) {
                        Err(90)
                    } else {
                        Ok(part.to_vec())
                    }
                },
            );
            assert_eq!(failed, Err(30));
        }
    }

    #[test]
    fn each_thread_reuses_its_state() {
        let items: Vec<u32> = (0..64).collect();
        let inits = AtomicUsize::new(0);
        let counts = map_batches(
            &items,
            2,
            4,
            || {
                inits.fetch_add(1, Ordering::Relaxed);
                0usize
            },
            |seen, part| {
                *seen += part.len();
                Ok::<_, ()>(vec![*seen])
            },
        )
        .expect("no error");
        assert_eq!(counts.len(), 16);
        assert!(inits.load(Ordering::Relaxed) <= 2);
    }

    #[test]
    fn batch_len_spreads_items_over_threads() {
        assert_eq!(batch_len(0, 2, 32), 1);
        assert_eq!(batch_len(320, 2, 32), 20);
        assert_eq!(batch_len(100_000, 2, 32), 32);
        assert_eq!(batch_len(10, 4, 32), 1);
    }
}
