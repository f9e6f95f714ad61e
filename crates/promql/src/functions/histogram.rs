//! `histogram_quantile` over classic (`le`-labelled) bucket series:
//! Prometheus's `bucketQuantile`.

/// One cumulative bucket: its upper bound and count.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Bucket {
    /// The `le` bound.
    pub upper_bound: f64,
    /// Observations at or below the bound.
    pub count: f64,
}

/// The `q`-quantile of a classic histogram, interpolating linearly within
/// the bucket the rank falls in.
///
/// Rules (as Prometheus 2.42): NaN for a NaN `q`, -Inf below 0, +Inf above 1;
/// NaN without a `+Inf` bucket, with fewer than two buckets or no
/// observations; equal bounds are merged; counts are forced monotonic; a rank
/// in the `+Inf` bucket answers the second highest bound; a rank in the
/// first bucket with a bound at or below zero answers that bound; otherwise
/// the first bucket starts at zero.
pub(crate) fn bucket_quantile(q: f64, buckets: &mut Vec<Bucket>) -> f64 {
    if q.is_nan() {
        return f64::NAN;
    }
    if q < 0.0 {
        return f64::NEG_INFINITY;
    }
    if q > 1.0 {
        return f64::INFINITY;
    }
    buckets.sort_by(|a, b| a.upper_bound.total_cmp(&b.upper_bound));
    match buckets.last() {
        Some(last) if last.upper_bound == f64::INFINITY => {}
        _ => return f64::NAN,
    }
    coalesce(buckets);
    ensure_monotonic(buckets);
    if buckets.len() < 2 {
        return f64::NAN;
    }
    let observations = buckets[buckets.len() - 1].count;
    if observations == 0.0 {
        return f64::NAN;
    }
    let mut rank = q * observations;
    // The first bucket (excluding +Inf) whose count reaches the rank.
    let searchable = buckets.len() - 1;
    let b = go_search(searchable, |i| buckets[i].count >= rank);
    if b == searchable {
        return buckets[buckets.len() - 2].upper_bound;
    }
    if b == 0 && buckets[0].upper_bound <= 0.0 {
        return buckets[0].upper_bound;
    }
    let bucket_end = buckets[b].upper_bound;
    let mut count = buckets[b].count;
    let mut bucket_start = 0.0;
    if b > 0 {
        bucket_start = buckets[b - 1].upper_bound;
        count -= buckets[b - 1].count;
        rank -= buckets[b - 1].count;
    }
    bucket_start + (bucket_end - bucket_start) * (rank / count)
}

/// Go's `sort.Search`: the smallest index in `0..n` for which `f` holds,
/// probing exactly as Go does (so non-monotonic input behaves the same).
fn go_search(n: usize, f: impl Fn(usize) -> bool) -> usize {
    let (mut i, mut j) = (0, n);
    while i < j {
        let h = (i + j) / 2;
        if f(h) {
            j = h;
        } else {
            i = h + 1;
        }
    }
    i
}

/// Merges buckets with equal bounds (e.g. `le="0.2"` and `le="2e-1"`).
fn coalesce(buckets: &mut Vec<Bucket>) {
    let mut out: Vec<Bucket> = Vec::with_capacity(buckets.len());
    for b in buckets.drain(..) {
        match out.last_mut() {
            Some(last) if last.upper_bound == b.upper_bound => last.count += b.count,
            _ => out.push(b),
        }
    }
    *buckets = out;
}

/// Raises counts that are lower than a previous bucket's (scrape races can
/// make cumulative counts dip).
fn ensure_monotonic(buckets: &mut [Bucket]) {
    let mut max = f64::NEG_INFINITY;
    for b in buckets {
        if b.count > max {
            max = b.count;
        } else if b.count < max {
            b.count = max;
        }
    }
}

/// Parses an `le` value as Go's `strconv.ParseFloat` would for the forms
/// exporters use: decimals, exponents, and any case of `Inf`/`Infinity`/`NaN`
/// with an optional sign.
pub(crate) fn parse_bound(text: &str) -> Option<f64> {
    let (sign, body) = match text.as_bytes().first() {
        Some(b'+') => (1.0, &text[1..]),
        Some(b'-') => (-1.0, &text[1..]),
        _ => (1.0, text),
    };
    let lower = body.to_ascii_lowercase();
    if lower == "inf" || lower == "infinity" {
        return Some(sign * f64::INFINITY);
    }
    if lower == "nan" {
        return Some(f64::NAN);
    }
    if body.is_empty()
        || !body
            .bytes()
            .all(|c| c.is_ascii_digit() || matches!(c, b'.' | b'e' | b'E' | b'+' | b'-'))
    {
        return None;
    }
    text.parse::<f64>().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn buckets(pairs: &[(f64, f64)]) -> Vec<Bucket> {
        pairs
            .iter()
            .map(|&(upper_bound, count)| Bucket { upper_bound, count })
            .collect()
    }

    #[test]
    fn interpolates_inside_the_bucket() {
        let mut b = buckets(&[
            (0.0, 0.0),
            (2.0, 1.0),
            (4.0, 2.0),
            (6.0, 3.0),
            (f64::INFINITY, 3.0),
        ]);
        assert!((bucket_quantile(0.5, &mut b) - 3.0).abs() < 1e-12);
    }

    #[test]
    fn needs_an_inf_bucket_and_observations() {
        assert!(bucket_quantile(0.5, &mut buckets(&[(1.0, 1.0), (2.0, 2.0)])).is_nan());
        assert!(bucket_quantile(0.5, &mut buckets(&[(1.0, 0.0), (f64::INFINITY, 0.0)])).is_nan());
        assert!(bucket_quantile(0.5, &mut buckets(&[(f64::INFINITY, 4.0)])).is_nan());
    }

    #[test]
    fn rank_in_the_inf_bucket_answers_the_highest_finite_bound() {
        let mut b = buckets(&[(0.1, 1.0), (0.2, 2.0), (f64::INFINITY, 10.0)]);
        assert_eq!(bucket_quantile(0.99, &mut b), 0.2);
    }

    #[test]
    fn non_monotonic_counts_are_fixed() {
        let mut b = buckets(&[
            (0.1, 20.0),
            (1.0, 10.0),
            (10.0, 50.0),
            (100.0, 40.0),
            (1000.0, 90.0),
            (f64::INFINITY, 80.0),
        ]);
        assert!((bucket_quantile(0.01, &mut b) - 0.0045).abs() < 1e-12);
    }

    #[test]
    fn bounds_parse_like_go() {
        assert_eq!(parse_bound("+Inf"), Some(f64::INFINITY));
        assert_eq!(parse_bound("+inf"), Some(f64::INFINITY));
        assert_eq!(parse_bound("2e-1"), Some(0.2));
        assert_eq!(parse_bound(".2"), Some(0.2));
        assert_eq!(parse_bound("abc"), None);
        assert_eq!(parse_bound(""), None);
    }
}
