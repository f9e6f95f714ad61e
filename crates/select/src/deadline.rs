//! Request deadlines: a `-search.max*Duration` cap, lowered by the `timeout`
//! argument, handed to the storage and enforced here as well.

use crate::error::ApiError;
use crate::params::Params;
use estuary_storage_api::{Deadline, StorageError};
use std::future::Future;
use std::time::Duration;

/// The deadline of a request: `cap`, or the `timeout` argument when that is
/// shorter (a client can only lower the server's limit).
pub fn request_deadline(params: &Params, cap: Duration) -> Result<Deadline, ApiError> {
    let timeout = match params.duration_ms("timeout")? {
        Some(ms) => Duration::from_millis(ms.unsigned_abs()).min(cap),
        None => cap,
    };
    Ok(Deadline::after(timeout))
}

/// Runs a storage call, abandoning it with a timeout error when `deadline`
/// passes first (so a storage that overlooks its deadline cannot hold the
/// request). Storage errors are wrapped with `during`.
pub async fn within<T>(
    deadline: Deadline,
    during: &'static str,
    call: impl Future<Output = Result<T, StorageError>>,
) -> Result<T, ApiError> {
    match tokio::time::timeout(deadline.remaining(), call).await {
        Ok(result) => result.map_err(|source| ApiError::storage(during, source)),
        Err(_) => Err(ApiError::storage(
            during,
            StorageError::DeadlineExceeded { during },
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(query: &str) -> Params {
        Params::from_sources(Some(query), None)
    }

    #[test]
    fn timeout_only_lowers_the_cap() {
        let cap = Duration::from_secs(30);
        let short = request_deadline(&params("timeout=5s"), cap).expect("valid");
        assert!(short.remaining() <= Duration::from_secs(5));
        let long = request_deadline(&params("timeout=1h"), cap).expect("valid");
        assert!(long.remaining() <= cap);
        assert!(long.remaining() > Duration::from_secs(25));
        assert!(request_deadline(&params("timeout=0"), cap).is_err());
    }

    #[tokio::test]
    async fn a_slow_call_times_out() {
        let deadline = Deadline::after(Duration::from_millis(10));
        let slow = async {
            tokio::time::sleep(Duration::from_secs(5)).await;
            Ok::<_, StorageError>(())
        };
        let error = within(deadline, "waiting", slow)
            .await
            .expect_err("times out");
        assert_eq!(error.error_type(), "timeout");
        assert_eq!(error.status().as_u16(), 503);
    }
}
