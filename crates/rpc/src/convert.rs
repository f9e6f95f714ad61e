//! Conversions between the storage API's types and their protobuf messages,
//! and between [`StorageError`] and gRPC statuses.

use crate::error::WireError;
use crate::proto;
use estuary_storage_api::{
    Deadline, SeriesRequest, StorageError, TsdbStatus, TsdbStatusEntry, TsdbStatusRequest,
};
use estuary_types::{LabelMatcher, MatchOp, Tenant, TimeRange};
use prost::Message;
use std::time::Duration;
use tonic::{Code, Status};

/// The message of a series request; the deadline travels as time left.
pub fn series_request_to_proto(request: &SeriesRequest) -> proto::SeriesRequest {
    proto::SeriesRequest {
        account_id: request.tenant.account_id,
        project_id: request.tenant.project_id,
        filters: request
            .filters
            .iter()
            .map(|group| proto::MatcherGroup {
                matchers: group.iter().map(matcher_to_proto).collect(),
            })
            .collect(),
        start_ms: request.range.start,
        end_ms: request.range.end,
        limit: request.limit as u64,
        timeout_ms: duration_ms(request.deadline.remaining()),
    }
}

/// The series request of a message; matchers are compiled again.
pub fn series_request_from_proto(
    message: Option<proto::SeriesRequest>,
) -> Result<SeriesRequest, WireError> {
    let message = message.ok_or(WireError::Truncated("series request"))?;
    let filters = message
        .filters
        .into_iter()
        .map(|group| {
            group
                .matchers
                .into_iter()
                .map(matcher_from_proto)
                .collect::<Result<Vec<_>, _>>()
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(SeriesRequest {
        tenant: Tenant::new(message.account_id, message.project_id),
        filters,
        range: TimeRange::new(message.start_ms, message.end_ms),
        limit: usize::try_from(message.limit).unwrap_or(usize::MAX),
        deadline: Deadline::after(Duration::from_millis(message.timeout_ms)),
    })
}

fn matcher_to_proto(matcher: &LabelMatcher) -> proto::Matcher {
    let op = match matcher.op {
        MatchOp::Equal => proto::MatchOp::Equal,
        MatchOp::NotEqual => proto::MatchOp::NotEqual,
        MatchOp::RegexMatch => proto::MatchOp::RegexMatch,
        MatchOp::RegexNoMatch => proto::MatchOp::RegexNoMatch,
    };
    proto::Matcher {
        name: matcher.name.clone(),
        op: op as i32,
        value: matcher.value.clone(),
    }
}

fn matcher_from_proto(message: proto::Matcher) -> Result<LabelMatcher, WireError> {
    let op = match proto::MatchOp::try_from(message.op) {
        Ok(proto::MatchOp::Equal) => MatchOp::Equal,
        Ok(proto::MatchOp::NotEqual) => MatchOp::NotEqual,
        Ok(proto::MatchOp::RegexMatch) => MatchOp::RegexMatch,
        Ok(proto::MatchOp::RegexNoMatch) => MatchOp::RegexNoMatch,
        Err(_) => {
            return Err(WireError::Unknown {
                what: "match operator",
                value: message.op,
            });
        }
    };
    LabelMatcher::new(op, message.name, message.value)
        .map_err(|e| WireError::Matcher(e.to_string()))
}

/// The message of a TSDB-status request.
pub fn tsdb_request_to_proto(request: &TsdbStatusRequest) -> proto::TsdbStatusRequest {
    proto::TsdbStatusRequest {
        series: Some(series_request_to_proto(&request.series)),
        top_n: request.top_n as u64,
        focus_label: request.focus_label.clone().unwrap_or_default(),
    }
}

/// The TSDB-status request of a message.
pub fn tsdb_request_from_proto(
    message: proto::TsdbStatusRequest,
) -> Result<TsdbStatusRequest, WireError> {
    Ok(TsdbStatusRequest {
        series: series_request_from_proto(message.series)?,
        top_n: usize::try_from(message.top_n).unwrap_or(usize::MAX),
        focus_label: Some(message.focus_label).filter(|label| !label.is_empty()),
    })
}

/// The message of TSDB statistics.
pub fn tsdb_status_to_proto(status: TsdbStatus) -> proto::TsdbStatusResponse {
    let entries = |list: Vec<TsdbStatusEntry>| {
        list.into_iter()
            .map(|entry| proto::StatusEntry {
                name: entry.name,
                value: entry.value,
            })
            .collect()
    };
    proto::TsdbStatusResponse {
        total_series: status.total_series,
        total_label_value_pairs: status.total_label_value_pairs,
        series_count_by_metric_name: entries(status.series_count_by_metric_name),
        series_count_by_label_name: entries(status.series_count_by_label_name),
        series_count_by_focus_label_value: entries(status.series_count_by_focus_label_value),
        series_count_by_label_value_pair: entries(status.series_count_by_label_value_pair),
        label_value_count_by_label_name: entries(status.label_value_count_by_label_name),
    }
}

/// The TSDB statistics of a message.
pub fn tsdb_status_from_proto(message: proto::TsdbStatusResponse) -> TsdbStatus {
    let entries = |list: Vec<proto::StatusEntry>| {
        list.into_iter()
            .map(|entry| TsdbStatusEntry {
                name: entry.name,
                value: entry.value,
            })
            .collect()
    };
    TsdbStatus {
        total_series: message.total_series,
        total_label_value_pairs: message.total_label_value_pairs,
        series_count_by_metric_name: entries(message.series_count_by_metric_name),
        series_count_by_label_name: entries(message.series_count_by_label_name),
        series_count_by_focus_label_value: entries(message.series_count_by_focus_label_value),
        series_count_by_label_value_pair: entries(message.series_count_by_label_value_pair),
        label_value_count_by_label_name: entries(message.label_value_count_by_label_name),
    }
}

/// The gRPC status a storage error travels as. Limit errors carry their
/// fields in the status details so the caller can rebuild them.
pub fn error_to_status(error: StorageError) -> Status {
    match error {
        StorageError::LimitExceeded { what, limit, hint } => {
            let detail = proto::LimitDetail {
                what: what.into_owned(),
                limit,
                hint: hint.into_owned(),
            };
            let message = format!("{} exceeds the limit of {limit}", detail.what);
            Status::with_details(
                Code::ResourceExhausted,
                message,
                detail.encode_to_vec().into(),
            )
        }
        StorageError::DeadlineExceeded { during } => Status::deadline_exceeded(during),
        StorageError::InvalidArgument(message) => Status::invalid_argument(message),
        StorageError::Unavailable(message) => Status::unavailable(message),
        StorageError::Internal(message) => Status::internal(message),
        other => Status::internal(other.to_string()),
    }
}

/// The storage error a status stands for; `node` names the storage node in
/// messages. Transport failures become [`StorageError::Unavailable`].
pub fn status_to_error(status: &Status, node: &str) -> StorageError {
    match status.code() {
        Code::ResourceExhausted => match proto::LimitDetail::decode(status.details()) {
            Ok(detail) => StorageError::LimitExceeded {
                what: detail.what.into(),
                limit: detail.limit,
                hint: detail.hint.into(),
            },
            Err(_) => StorageError::Unavailable(format!(
                "storage node {node} is overloaded: {}",
                status.message()
            )),
        },
        Code::DeadlineExceeded => StorageError::DeadlineExceeded {
            during: "waiting for a storage node",
        },
        Code::InvalidArgument => StorageError::InvalidArgument(status.message().to_string()),
        Code::Internal => {
            StorageError::Internal(format!("storage node {node}: {}", status.message()))
        }
        _ => StorageError::Unavailable(format!(
            "storage node {node}: {} ({:?})",
            status.message(),
            status.code()
        )),
    }
}

/// A wire error on the receiving side: the sender sent something malformed.
pub fn wire_error_status(what: &str, error: WireError) -> Status {
    Status::invalid_argument(format!("malformed {what}: {error}"))
}

/// Milliseconds of a duration, saturating.
pub fn duration_ms(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn series_requests_round_trip() {
        let request = SeriesRequest {
            tenant: Tenant::new(3, 4),
            filters: vec![
                vec![
                    LabelMatcher::equal("__name__", "up"),
                    LabelMatcher::new(MatchOp::RegexNoMatch, "job", "a|b").expect("valid"),
                ],
                vec![LabelMatcher::new(MatchOp::NotEqual, "x", "").expect("valid")],
            ],
            range: TimeRange::new(-5, 10),
            limit: 7,
            deadline: Deadline::after(Duration::from_secs(10)),
        };
        let back =
            series_request_from_proto(Some(series_request_to_proto(&request))).expect("decodes");
        assert_eq!(back.tenant, request.tenant);
        assert_eq!(back.range, request.range);
        assert_eq!(back.limit, 7);
        let shape = |r: &SeriesRequest| -> Vec<Vec<(String, MatchOp, String)>> {
            r.filters
                .iter()
                .map(|g| {
                    g.iter()
                        .map(|m| (m.name.clone(), m.op, m.value.clone()))
                        .collect()
                })
                .collect()
        };
        assert_eq!(shape(&back), shape(&request));
        assert!(back.deadline.remaining() > Duration::from_secs(8));
    }

    #[test]
    fn bad_matchers_are_wire_errors() {
        let message = proto::SeriesRequest {
            filters: vec![proto::MatcherGroup {
                matchers: vec![proto::Matcher {
                    name: "a".into(),
                    op: 99,
                    value: "b".into(),
                }],
            }],
            ..Default::default()
        };
        assert!(series_request_from_proto(Some(message)).is_err());
        assert!(series_request_from_proto(None).is_err());
    }

    #[test]
    fn limit_errors_survive_the_wire() {
        let error = StorageError::LimitExceeded {
            what: "the number of samples read".into(),
            limit: 9,
            hint: "raise -search.maxSamplesPerQuery".into(),
        };
        let back = status_to_error(&error_to_status(error.clone()), "n1");
        assert_eq!(back, error);
        let unavailable = status_to_error(&Status::unavailable("connection refused"), "n1");
        assert!(matches!(unavailable, StorageError::Unavailable(m) if m.contains("n1")));
    }
}
