//! [`eval_error`]: a failed parse, plan or evaluation as an [`ApiError`] with
//! Prometheus's classes: bad data 400, execution and limits 422 (limits name
//! their flag), timeout 503.

use crate::config::SelectConfig;
use crate::error::ApiError;
use estuary_promql::{ErrorKind, EvalError};
use estuary_storage_api::StorageError;

/// The answer to a failed parse, plan or evaluation.
pub fn eval_error(error: EvalError, config: &SelectConfig, samples_max: usize) -> ApiError {
    match error {
        EvalError::Parse(reason) => ApiError::BadData {
            message: format!("cannot parse the query: {reason}"),
        },
        EvalError::TooManySeries { max } => ApiError::LimitExceeded {
            message: format!(
                "the query's selectors match more than -search.maxSeries={max} series \
                 together; narrow the selectors or raise -search.maxSeries"
            ),
        },
        EvalError::TooManySamples { .. } => ApiError::LimitExceeded {
            message: format!(
                "{error}: more than {samples_max} samples at once (-search.maxSamplesPerQuery={}, \
                 capped at {}); narrow the selectors or the time range",
                config.max_samples_per_query,
                super::SAMPLES_IN_MEMORY_MAX
            ),
        },
        error => match error.kind() {
            ErrorKind::BadData => ApiError::BadData {
                message: error.to_string(),
            },
            ErrorKind::Execution | ErrorKind::LimitExceeded => ApiError::Execution {
                message: error.to_string(),
            },
            ErrorKind::Timeout => ApiError::Timeout {
                message: format!(
                    "{error}: the deadline is -search.maxQueryDuration={:?}, or the `timeout` \
                     arg when that is shorter",
                    config.max_query_duration
                ),
            },
            ErrorKind::Source => {
                ApiError::storage("reading series", StorageError::Internal(error.to_string()))
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(error: EvalError) -> (u16, &'static str, String) {
        let error = eval_error(error, &SelectConfig::default(), 1000);
        (
            error.status().as_u16(),
            error.error_type(),
            error.to_string(),
        )
    }

    #[test]
    fn classes_map_to_prometheus_statuses() {
        let parse = estuary_promql::parse("sum(").expect_err("incomplete");
        assert_eq!(answer(parse).0, 400);
        let (status, kind, _) = answer(EvalError::BadData("range vector".into()));
        assert_eq!((status, kind), (400, "bad_data"));
        let (status, kind, _) = answer(EvalError::Execution("many-to-many".into()));
        assert_eq!((status, kind), (422, "execution"));
        let (status, kind, _) = answer(EvalError::Timeout { stage: "x" });
        assert_eq!((status, kind), (503, "timeout"));
    }

    #[test]
    fn limits_name_their_flags() {
        let (status, _, message) = answer(EvalError::TooManySeries { max: 7 });
        assert_eq!(status, 422);
        assert!(message.contains("-search.maxSeries=7"), "{message}");
        let (status, _, message) = answer(EvalError::TooManySamples { stage: "x" });
        assert_eq!(status, 422);
        assert!(message.contains("-search.maxSamplesPerQuery"), "{message}");
    }
}
