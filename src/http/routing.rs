//! Resolves a request path to a component, a tenant and the path suffix that
//! component serves, following VictoriaMetrics's URL grammar:
//! `/insert/<tenant>/prometheus/<suffix>`, `/select/<tenant>/prometheus/<suffix>`,
//! the short forms with the tenant in `AccountID`/`ProjectID` headers, and (on
//! the single node) the unprefixed paths as tenant 0:0.

use axum::http::HeaderMap;
use estuary_types::Tenant;

/// Which component serves a path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// Ingestion: the suffix is relative to the Prometheus base.
    Insert {
        /// The tenant written to.
        tenant: Tenant,
        /// Path below `/prometheus`, starting with `/`.
        suffix: String,
    },
    /// Queries: the suffix is relative to the Prometheus base.
    Select {
        /// The tenant read from.
        tenant: Tenant,
        /// Path below `/prometheus`, starting with `/`.
        suffix: String,
    },
    /// Endpoints every component serves (`/health`, `/metrics`, ...).
    Common(String),
}

/// A path that cannot be routed, with the plain-text message for a 400.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteError(pub String);

/// Collapses runs of `/` into one, as VictoriaMetrics does before routing.
pub fn collapse_slashes(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut previous_slash = false;
    for c in path.chars() {
        if c == '/' && previous_slash {
            continue;
        }
        previous_slash = c == '/';
        out.push(c);
    }
    out
}

/// Resolves `path` (already collapsed). `single_node` enables the unprefixed
/// single-node paths.
pub fn resolve(path: &str, headers: &HeaderMap, single_node: bool) -> Result<Target, RouteError> {
    if let Some(rest) = path.strip_prefix("/insert/") {
        let (tenant, suffix) = split_tenant(rest, headers)?;
        return Ok(Target::Insert {
            tenant,
            suffix: strip_prometheus(&suffix),
        });
    }
    if let Some(rest) = path.strip_prefix("/select/") {
        let (tenant, suffix) = split_tenant(rest, headers)?;
        return Ok(Target::Select {
            tenant,
            suffix: strip_prometheus(&suffix),
        });
    }
    if single_node
        && (path.starts_with("/api/") || path.starts_with("/prometheus/") || path == "/federate")
    {
        let suffix = strip_prometheus(path);
        let tenant = Tenant::DEFAULT;
        return Ok(if is_ingest_path(&suffix) {
            Target::Insert { tenant, suffix }
        } else {
            Target::Select { tenant, suffix }
        });
    }
    Ok(Target::Common(path.to_string()))
}

fn is_ingest_path(suffix: &str) -> bool {
    suffix == "/api/v1/write" || suffix.starts_with("/api/v1/import")
}

fn strip_prometheus(suffix: &str) -> String {
    match suffix.strip_prefix("/prometheus") {
        Some(rest) if rest.is_empty() || rest.starts_with('/') => {
            if rest.is_empty() {
                "/".to_string()
            } else {
                rest.to_string()
            }
        }
        _ => suffix.to_string(),
    }
}

/// Splits `<tenant>/<suffix>`; the first segment is a tenant iff it is
/// `multitenant`, a number, or contains `:`. Otherwise the tenant comes from the
/// `AccountID` and `ProjectID` headers (0:0 without them).
fn split_tenant(rest: &str, headers: &HeaderMap) -> Result<(Tenant, String), RouteError> {
    let (first, remainder) = match rest.split_once('/') {
        Some((first, remainder)) => (first, format!("/{remainder}")),
        None => (rest, "/".to_string()),
    };
    if first == "multitenant" {
        return Err(RouteError(
            "auth error: label-based multitenancy (/multitenant/) is not supported yet; use an explicit tenant".into(),
        ));
    }
    // Digits with a sign are a malformed tenant rather than a path segment.
    let looks_like_tenant = first.contains(':')
        || (!first.is_empty() && first.bytes().all(|b| b.is_ascii_digit() || b == b'-'));
    if looks_like_tenant {
        let tenant = first
            .parse::<Tenant>()
            .map_err(|e| RouteError(format!("auth error: {e}")))?;
        return Ok((tenant, remainder));
    }
    Ok((tenant_from_headers(headers)?, format!("/{rest}")))
}

fn tenant_from_headers(headers: &HeaderMap) -> Result<Tenant, RouteError> {
    let id = |name: &str| -> Result<u32, RouteError> {
        match headers.get(name) {
            None => Ok(0),
            Some(value) => value
                .to_str()
                .ok()
                .and_then(|v| v.trim().parse().ok())
                .ok_or_else(|| {
                    RouteError(format!(
                        "auth error: header {name} must be an unsigned 32-bit number, got {value:?}"
                    ))
                }),
        }
    };
    if headers.get("AccountID").and_then(|v| v.to_str().ok()) == Some("multitenant") {
        return Err(RouteError(
            "auth error: label-based multitenancy is not supported yet".into(),
        ));
    }
    Ok(Tenant::new(id("AccountID")?, id("ProjectID")?))
}

/// The path with the tenant replaced by `{}`, for per-path metrics without one
/// series per tenant.
pub fn metric_path(target: &Target) -> String {
    match target {
        Target::Insert { suffix, .. } => format!("/insert/{{}}/prometheus{suffix}"),
        Target::Select { suffix, .. } => format!("/select/{{}}/prometheus{suffix}"),
        Target::Common(path) => path.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn insert(tenant: Tenant, suffix: &str) -> Target {
        Target::Insert {
            tenant,
            suffix: suffix.into(),
        }
    }

    #[test]
    fn cluster_paths_carry_the_tenant() {
        let headers = HeaderMap::new();
        assert_eq!(
            resolve("/insert/42/prometheus/api/v1/write", &headers, false),
            Ok(insert(Tenant::new(42, 0), "/api/v1/write"))
        );
        assert_eq!(
            resolve("/select/7:9/prometheus/api/v1/query", &headers, false),
            Ok(Target::Select {
                tenant: Tenant::new(7, 9),
                suffix: "/api/v1/query".into()
            })
        );
    }

    #[test]
    fn bad_tenants_are_auth_errors() {
        let headers = HeaderMap::new();
        for path in [
            "/insert/1:2:3/prometheus/api/v1/write",
            "/insert/-1/prometheus/api/v1/write",
            "/select/4294967296/prometheus",
        ] {
            let error = resolve(path, &headers, false).expect_err(path);
            assert!(error.0.starts_with("auth error:"), "{path}: {}", error.0);
        }
    }

    #[test]
    fn short_form_takes_the_tenant_from_headers() {
        let mut headers = HeaderMap::new();
        headers.insert("AccountID", HeaderValue::from_static("5"));
        assert_eq!(
            resolve(
                "/insert/prometheus/api/v1/import/prometheus",
                &headers,
                false
            ),
            Ok(insert(Tenant::new(5, 0), "/api/v1/import/prometheus"))
        );
        headers.insert("AccountID", HeaderValue::from_static("x"));
        assert!(resolve("/insert/prometheus/api/v1/write", &headers, false).is_err());
    }

    #[test]
    fn single_node_paths_are_tenant_zero() {
        let headers = HeaderMap::new();
        assert_eq!(
            resolve("/api/v1/write", &headers, true),
            Ok(insert(Tenant::DEFAULT, "/api/v1/write"))
        );
        assert_eq!(
            resolve("/prometheus/api/v1/export", &headers, true),
            Ok(Target::Select {
                tenant: Tenant::DEFAULT,
                suffix: "/api/v1/export".into()
            })
        );
        assert_eq!(
            resolve("/api/v1/write", &headers, false),
            Ok(Target::Common("/api/v1/write".into()))
        );
    }

    #[test]
    fn double_slashes_collapse() {
        assert_eq!(
            collapse_slashes("//insert//0///prometheus/api"),
            "/insert/0/prometheus/api"
        );
    }
}
