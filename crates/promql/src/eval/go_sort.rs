//! Orderings that must match Go's: `topk`/`bottomk` keep their candidates in
//! a binary heap managed as Go's `container/heap` does, and results are
//! sorted as Go's `sort.Sort` sorts short slices (insertion sort), so that
//! ties and NaNs come out in the order Prometheus produces.

/// Go's `sort.Sort` sorts slices up to this length by insertion sort.
const INSERTION_SORT_LEN_MAX: usize = 12;

/// Sorts `items` so that `less(a, b)` elements come first. Up to 12 elements
/// this is exactly Go's insertion sort; longer slices use a stable merge
/// sort, which agrees with Go except in the order of ties. `less` need not be
/// a strict order (Prometheus's NaN orders are not): neither path can fail.
pub(crate) fn sort_by_less<T>(items: &mut [T], less: impl Fn(&T, &T) -> bool) {
    if items.len() <= INSERTION_SORT_LEN_MAX {
        for i in 1..items.len() {
            let mut j = i;
            while j > 0 && less(&items[j], &items[j - 1]) {
                items.swap(j, j - 1);
                j -= 1;
            }
        }
        return;
    }
    let mut order: Vec<usize> = (0..items.len()).collect();
    merge_sort(&mut order, |a, b| less(&items[a], &items[b]));
    permute(items, &order);
}

/// Stable bottom-up merge sort of indexes; only ever asks `less(right, left)`.
fn merge_sort(order: &mut [usize], less: impl Fn(usize, usize) -> bool) {
    let n = order.len();
    let mut buffer = vec![0usize; n];
    let mut width = 1;
    while width < n {
        let mut start = 0;
        while start < n {
            let middle = (start + width).min(n);
            let end = (start + 2 * width).min(n);
            let (mut left, mut right) = (start, middle);
            for slot in &mut buffer[start..end] {
                let take_right = right < end && (left >= middle || less(order[right], order[left]));
                if take_right {
                    *slot = order[right];
                    right += 1;
                } else {
                    *slot = order[left];
                    left += 1;
                }
            }
            start = end;
        }
        order.copy_from_slice(&buffer);
        width *= 2;
    }
}

/// Rearranges `items` so that position `i` holds the element that was at
/// `order[i]`, following each cycle of the permutation once.
fn permute<T>(items: &mut [T], order: &[usize]) {
    let mut done = vec![false; items.len()];
    for start in 0..items.len() {
        if done[start] {
            continue;
        }
        let mut current = start;
        loop {
            done[current] = true;
            let next = order[current];
            if next == start {
                break;
            }
            items.swap(current, next);
            current = next;
        }
    }
}

/// Go's `heap.Push`: appends and sifts up.
pub(crate) fn heap_push<T>(heap: &mut Vec<T>, item: T, less: impl Fn(&T, &T) -> bool) {
    heap.push(item);
    let mut j = heap.len() - 1;
    while j > 0 {
        let parent = (j - 1) / 2;
        if !less(&heap[j], &heap[parent]) {
            break;
        }
        heap.swap(parent, j);
        j = parent;
    }
}

/// Go's `heap.Pop`: moves the top to the end, sifts the new top down, and
/// removes the old top.
pub(crate) fn heap_pop<T>(heap: &mut Vec<T>, less: impl Fn(&T, &T) -> bool) -> Option<T> {
    let n = heap.len().checked_sub(1)?;
    heap.swap(0, n);
    let mut i = 0;
    loop {
        let left = 2 * i + 1;
        if left >= n {
            break;
        }
        let mut child = left;
        let right = left + 1;
        if right < n && less(&heap[right], &heap[left]) {
            child = right;
        }
        if !less(&heap[child], &heap[i]) {
            break;
        }
        heap.swap(i, child);
        i = child;
    }
    heap.pop()
}

/// Prometheus's `vectorByValueHeap` order: NaN before everything, then ascending.
pub(crate) fn nan_first_ascending(a: f64, b: f64) -> bool {
    a.is_nan() || a < b
}

/// Prometheus's `vectorByReverseValueHeap` order: NaN first, then descending.
pub(crate) fn nan_first_descending(a: f64, b: f64) -> bool {
    a.is_nan() || a > b
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heap_keeps_the_smallest_on_top() {
        let mut heap = Vec::new();
        for v in [5.0, 1.0, 4.0, f64::NAN, 2.0] {
            heap_push(&mut heap, v, |a: &f64, b: &f64| nan_first_ascending(*a, *b));
        }
        let top = heap_pop(&mut heap, |a: &f64, b: &f64| nan_first_ascending(*a, *b));
        assert!(top.is_some_and(f64::is_nan));
        let next = heap_pop(&mut heap, |a: &f64, b: &f64| nan_first_ascending(*a, *b));
        assert_eq!(next, Some(1.0));
    }

    #[test]
    fn long_slices_sort_stably_even_with_many_nans() {
        let mut values: Vec<(f64, usize)> = (0..40)
            .map(|i| (if i % 3 == 0 { f64::NAN } else { (i % 5) as f64 }, i))
            .collect();
        sort_by_less(&mut values, |a, b| nan_first_ascending(b.0, a.0));
        let finite: Vec<&(f64, usize)> = values.iter().filter(|v| !v.0.is_nan()).collect();
        assert!(
            finite
                .windows(2)
                .all(|w| w[0].0 > w[1].0 || (w[0].0 == w[1].0 && w[0].1 < w[1].1))
        );
        assert!(
            values[finite.len()..].iter().all(|v| v.0.is_nan()),
            "NaN last"
        );
        let mut sorted: Vec<usize> = values.iter().map(|v| v.1).collect();
        sorted.sort_unstable();
        assert_eq!(sorted, (0..40).collect::<Vec<_>>(), "a permutation");
    }

    #[test]
    fn reversed_nan_first_order_puts_nan_last() {
        let mut values = vec![3.0, f64::NAN, 1.0, 2.0];
        sort_by_less(&mut values, |a, b| nan_first_ascending(*b, *a));
        assert_eq!(values[..3], [3.0, 2.0, 1.0]);
        assert!(values[3].is_nan());
    }
}
