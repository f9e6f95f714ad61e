//! Partial answers: a cluster keeps answering when storage nodes are missing
//! and marks the answer `isPartial: true`. `-search.denyPartialResponse` or the
//! `deny_partial_response` argument turn such an answer into a 503 instead.

use crate::config::SelectConfig;
use crate::error::ApiError;
use crate::params::Params;
use estuary_storage_api::{Answer, StorageError};

/// The warning a partial answer carries next to `isPartial: true`.
pub const PARTIAL_WARNING: &str = "some storage nodes did not answer: the result may be \
     incomplete (isPartial=true); pass deny_partial_response=1 to fail instead";

/// Whether one request accepts partial answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PartialPolicy {
    deny: bool,
}

impl PartialPolicy {
    /// The server's flag, which a request can only tighten.
    pub fn of(params: &Params, config: &SelectConfig) -> Self {
        PartialPolicy {
            deny: config.deny_partial_response || params.bool("deny_partial_response"),
        }
    }

    /// The data and its partial flag, or a 503 when the answer is partial and
    /// partial answers are denied. `during` names the work for the error.
    pub fn accept<T>(
        &self,
        answer: Answer<T>,
        during: &'static str,
    ) -> Result<(T, bool), ApiError> {
        if answer.is_partial && self.deny {
            return Err(ApiError::storage(
                during,
                StorageError::Unavailable(
                    "some storage nodes did not answer and partial responses are denied \
                     (-search.denyPartialResponse or deny_partial_response=1)"
                        .to_string(),
                ),
            ));
        }
        Ok((answer.data, answer.is_partial))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(query: &str, deny_flag: bool) -> PartialPolicy {
        let config = SelectConfig {
            deny_partial_response: deny_flag,
            ..SelectConfig::default()
        };
        PartialPolicy::of(&Params::from_sources(Some(query), None), &config)
    }

    fn partial() -> Answer<u8> {
        Answer {
            data: 1,
            is_partial: true,
        }
    }

    #[test]
    fn partial_answers_pass_unless_denied() {
        assert_eq!(
            policy("", false).accept(partial(), "x").ok(),
            Some((1, true))
        );
        let by_flag = policy("", true).accept(partial(), "x");
        assert_eq!(by_flag.map_err(|e| e.status().as_u16()), Err(503));
        let by_arg = policy("deny_partial_response=1", false).accept(partial(), "x");
        assert_eq!(by_arg.map_err(|e| e.status().as_u16()), Err(503));
    }

    #[test]
    fn complete_answers_always_pass() {
        let complete = Answer::complete(2u8);
        assert_eq!(
            policy("", true).accept(complete, "x").ok(),
            Some((2, false))
        );
    }
}
