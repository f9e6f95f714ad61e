//! Reads everything a query needs before it is evaluated: one storage search
//! per selector plan (from `estuary_promql::plan_selectors`), each AND-ed with
//! the request's `extra_label`/`extra_filters[]`, run concurrently, then merged
//! into one in-memory source.
//!
//! A series matched by several plans arrives once per plan, each time with
//! the samples of that plan's range; the source merges them by label set into
//! one sorted list with one sample per timestamp.

use crate::deadline::within;
use crate::error::ApiError;
use crate::filters::{FilterGroups, and_groups};
use crate::params::time::TIME_MS_MIN;
use crate::partial::PartialPolicy;
use estuary_promql::{MemorySource, SelectorPlan, Series};
use estuary_storage_api::{Answer, Deadline, SearchRequest, SeriesData, SeriesRequest, Storage};
use estuary_types::{Tenant, TimeRange};
use futures_util::{StreamExt, TryStreamExt, stream};

/// Storage searches of one query in flight at once. A query may hold many
/// selectors; a few concurrent searches hide the storage's latency without
/// letting one query occupy every storage connection.
pub const SEARCHES_IN_FLIGHT_MAX: usize = 8;

/// What one query may read.
#[derive(Debug, Clone, Copy)]
pub struct FetchLimits {
    /// `-search.maxSeries`: series one search may match.
    pub series_max: usize,
    /// `-search.maxSamplesPerQuery`: samples all searches may read together.
    pub samples_max: u64,
}

/// The data of one query.
#[derive(Debug)]
pub struct Fetched {
    /// Every fetched series, merged by label set.
    pub source: MemorySource,
    /// How many distinct series were fetched (`stats.seriesFetched`).
    pub series_count: usize,
    /// Some storage nodes did not answer (and the policy allowed it).
    pub is_partial: bool,
}

/// Searches the storage for every plan and merges the answers. Plans whose
/// range lies wholly before the epoch read nothing (storage holds no such
/// samples); no plans at all (`1+1`) means no storage call.
pub async fn fetch(
    storage: &dyn Storage,
    tenant: Tenant,
    plans: Vec<SelectorPlan>,
    extras: &FilterGroups,
    limits: FetchLimits,
    partial: PartialPolicy,
    deadline: Deadline,
) -> Result<Fetched, ApiError> {
    let mut requests = Vec::with_capacity(plans.len());
    for plan in plans {
        let range = TimeRange::new(plan.range.start.max(TIME_MS_MIN), plan.range.end);
        if range.is_empty() {
            continue;
        }
        requests.push(SearchRequest {
            series: SeriesRequest {
                tenant,
                filters: and_groups(vec![plan.matchers], extras)?,
                range,
                limit: limits.series_max,
                deadline,
            },
            samples_limit: limits.samples_max,
        });
    }
    let searches = stream::iter(requests)
        .map(|request| storage.search(request))
        .buffer_unordered(SEARCHES_IN_FLIGHT_MAX)
        .try_collect::<Vec<Answer<Vec<SeriesData>>>>();
    let answers = within(deadline, "fetching series for the query", searches).await?;
    let mut is_partial = false;
    let mut datas = Vec::with_capacity(answers.len());
    for answer in answers {
        let (data, partial_answer) = partial.accept(answer, "fetching series for the query")?;
        is_partial |= partial_answer;
        datas.push(data);
    }
    let mut fetched = merge(datas, limits.samples_max)?;
    fetched.is_partial = is_partial;
    Ok(fetched)
}

/// Builds the source; fails when the searches read more samples together than
/// one query may.
fn merge(answers: Vec<Vec<SeriesData>>, samples_max: u64) -> Result<Fetched, ApiError> {
    let samples_read: u64 = answers
        .iter()
        .flatten()
        .map(|series| series.samples.len() as u64)
        .sum();
    if samples_read > samples_max {
        return Err(ApiError::LimitExceeded {
            message: format!(
                "the query's selectors read {samples_read} samples, more than \
                 -search.maxSamplesPerQuery={samples_max}; narrow the selectors or the time \
                 range, or raise -search.maxSamplesPerQuery"
            ),
        });
    }
    let series: Vec<Series> = answers
        .into_iter()
        .flatten()
        .map(|data| Series {
            labels: data.labels,
            samples: data.samples,
        })
        .collect();
    // Storage answers each series sorted, one sample per timestamp.
    let source = MemorySource::from_sorted_series(series);
    let series_count = source.len();
    Ok(Fetched {
        source,
        series_count,
        is_partial: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use estuary_promql::SeriesSource;
    use estuary_types::{Labels, Sample};

    fn data(job: &str, times: &[i64]) -> SeriesData {
        SeriesData {
            labels: Labels::from_pairs(&[("__name__", "up"), ("job", job)]),
            samples: times.iter().map(|&t| Sample::new(t, 1.0)).collect(),
        }
    }

    #[test]
    fn series_from_several_plans_are_merged_by_label_set() {
        let answers = vec![
            vec![data("a", &[10, 20, 30]), data("b", &[10])],
            vec![data("a", &[30, 40])],
        ];
        let fetched = merge(answers, 100).expect("within limits");
        assert_eq!(fetched.series_count, 2);
        let all = fetched
            .source
            .select(&[], TimeRange::ALL)
            .expect("in memory");
        let times: Vec<i64> = all[0].samples.iter().map(|s| s.timestamp).collect();
        assert_eq!(times, [10, 20, 30, 40]);
    }

    #[test]
    fn samples_of_all_searches_count_against_the_limit() {
        let answers = vec![vec![data("a", &[1, 2])], vec![data("b", &[1, 2])]];
        let error = merge(answers, 3).expect_err("four samples read");
        assert_eq!(error.status().as_u16(), 422);
        assert!(error.to_string().contains("-search.maxSamplesPerQuery=3"));
    }
}
