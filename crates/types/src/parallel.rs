//! Spreading independent per-item work over a few threads, for the read and
//! evaluation loops long enough to gain from more cores.
//!
//! Items are handed out in small batches from a shared counter rather than
//! in one fixed share per thread: the calling thread starts at once and a
//! helper takes batches from whenever it gets a core. On a busy (or
//! virtualised) machine a helper can wait a millisecond or more to run;
//! with fixed shares the caller would then sit idle waiting for the late
//! share, with batches it simply does more of them itself.
//!
//! Helpers come from one pool of parked threads shared by the process, not
//! from threads started per call. Linux places a new thread by load average,
//! often on the very core its busy parent runs on, where it waits for the
//! parent's time slice: measured on a 2-core VM, a thread started while its
//! parent computed had not run after 3 ms one time in four. A parked thread
//! woken through a condition variable goes to an idle core and ran within
//! 20 µs nine times in ten.

use std::sync::Mutex;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Most threads (the caller included) one call works on; the pool holds one
/// fewer, or the machine's cores less one when it has fewer.
pub const THREADS_MAX: usize = 4;

/// The cores this process may use, as `std::thread::available_parallelism`
/// says, asked once: on Linux each call reads the cgroup files under
/// `/proc` and `/sys`, about 20 µs of system calls, which a small query paid
/// several times over.
pub fn cores() -> usize {
    static CORES: OnceLock<usize> = OnceLock::new();
    *CORES.get_or_init(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

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
    let Some(pool) = helper_pool() else {
        return map_batches(items, 1, batch_len, init, work);
    };
    let batches = Batches {
        items,
        batch_len,
        next: AtomicUsize::new(0),
        first_failed: AtomicUsize::new(usize::MAX),
    };
    let helpers_done = Mutex::new(Vec::new());
    // Helpers that get no batch (the caller took them all before they woke)
    // return at once; a panic in any of them reaches the caller here.
    let mut done = pool.in_place_scope(|scope| {
        for _ in 1..threads.min(pool.current_num_threads() + 1) {
            scope.spawn(|_| {
                let part = batches.run(&init, &work);
                helpers_done
                    .lock()
                    .unwrap_or_else(|poisoned| poisoned.into_inner())
                    .extend(part);
            });
        }
        batches.run(&init, &work)
    });
    done.extend(
        helpers_done
            .into_inner()
            .unwrap_or_else(|poisoned| poisoned.into_inner()),
    );
    done.sort_unstable_by_key(|(index, _)| *index);
    let mut out = Vec::with_capacity(items.len());
    for (_, result) in done {
        out.extend(result?);
    }
    Ok(out)
}

/// The process's helper threads: the machine's cores (at most
/// [`THREADS_MAX`]) less the caller's own. `None` on a single core, or if
/// the threads cannot be started (the work then runs on the caller alone).
fn helper_pool() -> Option<&'static rayon::ThreadPool> {
    static POOL: OnceLock<Option<rayon::ThreadPool>> = OnceLock::new();
    POOL.get_or_init(|| {
        let helpers = cores().min(THREADS_MAX).saturating_sub(1);
        if helpers == 0 {
            return None;
        }
        rayon::ThreadPoolBuilder::new()
            .num_threads(helpers)
            .thread_name(|index| format!("estuary-helper-{index}"))
            .build()
            .ok()
    })
    .as_ref()
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
    fn a_pool_helper_takes_batches_while_the_caller_works() {
        if helper_pool().is_none() {
            return; // A single core has no helpers.
        }
        // The first batch holds the caller until another thread has taken
        // a batch too (or gives up after a while, which the test reports).
        let items: Vec<u32> = (0..64).collect();
        let helper_seen = std::sync::atomic::AtomicBool::new(false);
        let caller = std::thread::current().id();
        let ran_on = map_batches(
            &items,
            2,
            1,
            || (),
            |_, part| {
                let here = std::thread::current().id();
                if here != caller {
                    helper_seen.store(true, Ordering::SeqCst);
                } else if part[0] == 0 {
                    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
                    while !helper_seen.load(Ordering::SeqCst)
                        && std::time::Instant::now() < deadline
                    {
                        std::thread::sleep(std::time::Duration::from_millis(1));
                    }
                }
                Ok::<_, ()>(vec![here != caller])
            },
        )
        .expect("no error");
        assert_eq!(ran_on.len(), 64, "every batch ran once");
        assert!(
            ran_on.iter().any(|&on_helper| on_helper),
            "a helper took a batch"
        );
    }

    #[test]
    fn a_panic_on_any_thread_reaches_the_caller() {
        let items: Vec<u32> = (0..64).collect();
        let result = std::panic::catch_unwind(|| {
            map_batches(
                &items,
                2,
                1,
                || (),
                |_, part| {
                    assert!(part[0] != 40, "batch 40 fails");
                    Ok::<_, ()>(part.to_vec())
                },
            )
        });
        assert!(result.is_err());
    }

    #[test]
    fn batch_len_spreads_items_over_threads() {
        assert_eq!(batch_len(0, 2, 32), 1);
        assert_eq!(batch_len(320, 2, 32), 20);
        assert_eq!(batch_len(100_000, 2, 32), 32);
        assert_eq!(batch_len(10, 4, 32), 1);
    }
}
