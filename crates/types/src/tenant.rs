//! The tenant: `(accountID, projectID)`, written `acc` or `acc:proj` in URLs.

use std::fmt;
use std::str::FromStr;
use thiserror::Error;

/// A tenant keyspace. `0` and `0:0` are the same tenant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Tenant {
    /// The account ID.
    pub account_id: u32,
    /// The project ID (0 when the URL omits it).
    pub project_id: u32,
}

/// A tenant string that is not `u32` or `u32:u32`.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
#[error(
    "cannot parse tenant {input:?}: expected accountID or accountID:projectID, each an unsigned 32-bit decimal"
)]
pub struct TenantParseError {
    /// The rejected input.
    pub input: String,
}

impl Tenant {
    /// The tenant of the single-node paths, `0:0`.
    pub const DEFAULT: Tenant = Tenant {
        account_id: 0,
        project_id: 0,
    };

    /// Builds a tenant from its two IDs.
    pub const fn new(account_id: u32, project_id: u32) -> Self {
        Tenant {
            account_id,
            project_id,
        }
    }

    /// The 8-byte big-endian key prefix: account then project. Keys sort by tenant.
    pub fn to_key_bytes(self) -> [u8; 8] {
        let mut out = [0u8; 8];
        out[..4].copy_from_slice(&self.account_id.to_be_bytes());
        out[4..].copy_from_slice(&self.project_id.to_be_bytes());
        out
    }

    /// Inverse of [`Tenant::to_key_bytes`].
    pub fn from_key_bytes(bytes: [u8; 8]) -> Self {
        let [a0, a1, a2, a3, p0, p1, p2, p3] = bytes;
        Tenant {
            account_id: u32::from_be_bytes([a0, a1, a2, a3]),
            project_id: u32::from_be_bytes([p0, p1, p2, p3]),
        }
    }
}

fn parse_id(part: &str) -> Option<u32> {
    if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    part.parse().ok()
}

impl FromStr for Tenant {
    type Err = TenantParseError;

    fn from_str(input: &str) -> Result<Self, Self::Err> {
        let error = || TenantParseError {
            input: input.to_string(),
        };
        let (account, project) = match input.split_once(':') {
            Some((account, project)) => (account, Some(project)),
            None => (input, None),
        };
        let account_id = parse_id(account).ok_or_else(error)?;
        let project_id = match project {
            Some(project) => parse_id(project).ok_or_else(error)?,
            None => 0,
        };
        Ok(Tenant {
            account_id,
            project_id,
        })
    }
}

impl fmt::Display for Tenant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.account_id, self.project_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_account_and_optional_project() {
        assert_eq!("42".parse::<Tenant>(), Ok(Tenant::new(42, 0)));
        assert_eq!("7:9".parse::<Tenant>(), Ok(Tenant::new(7, 9)));
        assert_eq!(
            "4294967295:1".parse::<Tenant>(),
            Ok(Tenant::new(u32::MAX, 1))
        );
    }

    #[test]
    fn rejects_malformed_tenants() {
        for bad in [
            "",
            "-1",
            "1:2:3",
            "abc",
            "4294967296",
            "1:",
            ":1",
            "+1",
            " 1",
        ] {
            assert!(bad.parse::<Tenant>().is_err(), "{bad:?} must be rejected");
        }
    }

    #[test]
    fn key_bytes_round_trip_and_sort_like_tenants() {
        let a = Tenant::new(1, 500);
        let b = Tenant::new(2, 0);
        assert_eq!(Tenant::from_key_bytes(a.to_key_bytes()), a);
        assert!(a.to_key_bytes() < b.to_key_bytes());
    }
}
