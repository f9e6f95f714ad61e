//! `-retentionPeriod` and `-retentionFilter` in VictoriaMetrics's syntax.

use std::time::Duration;

const DAY_SECS: u64 = 86_400;

/// Parses a retention period: a bare number is months (31 days each); suffixes
/// h, d, w, y. Less than one day is refused.
pub fn parse_retention_period(input: &str) -> Result<Duration, String> {
    let error =
        || format!("invalid retention period {input:?}: expected e.g. 1 (month), 90d, 12w, 1y");
    let (number, unit_secs) = match input.char_indices().last() {
        Some((i, 'h')) => (&input[..i], 3_600),
        Some((i, 'd')) => (&input[..i], DAY_SECS),
        Some((i, 'w')) => (&input[..i], 7 * DAY_SECS),
        Some((i, 'y')) => (&input[..i], 365 * DAY_SECS),
        Some((i, 'M')) => (&input[..i], 31 * DAY_SECS),
        Some(_) => (input, 31 * DAY_SECS),
        None => return Err(error()),
    };
    let number: f64 = number.parse().map_err(|_| error())?;
    if !number.is_finite() || number <= 0.0 {
        return Err(error());
    }
    let secs = number * unit_secs as f64;
    if secs < DAY_SECS as f64 {
        return Err(format!(
            "retention period {input:?} is shorter than the minimum of 1d"
        ));
    }
    Ok(Duration::from_secs_f64(secs))
}

/// One `-retentionFilter`: tenant ids to match (None = any) and the retention.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetentionFilter {
    /// Matching account id.
    pub account_id: Option<u32>,
    /// Matching project id.
    pub project_id: Option<u32>,
    /// Retention of matching tenants.
    pub retention: Duration,
}

/// Parses `{vm_account_id="5",vm_project_id="1"}:1y`. Only the tenant
/// pseudo-labels with `=` are supported.
pub fn parse_retention_filter(input: &str) -> Result<RetentionFilter, String> {
    let error = |why: &str| {
        format!(
            "invalid retention filter {input:?}: {why}; expected e.g. {{vm_account_id=\"5\"}}:1y"
        )
    };
    let (selector, period) = input
        .rsplit_once(':')
        .ok_or_else(|| error("missing :<period>"))?;
    let retention = parse_retention_period(period)?;
    let body = selector
        .trim()
        .strip_prefix('{')
        .and_then(|s| s.strip_suffix('}'))
        .ok_or_else(|| error("the selector must be enclosed in {}"))?;
    let mut filter = RetentionFilter {
        account_id: None,
        project_id: None,
        retention,
    };
    for part in body.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (name, value) = part
            .split_once('=')
            .ok_or_else(|| error("each matcher must be name=\"value\""))?;
        let value = value
            .trim()
            .strip_prefix('"')
            .and_then(|v| v.strip_suffix('"'))
            .ok_or_else(|| error("values must be quoted"))?;
        let id: u32 = value
            .parse()
            .map_err(|_| error("tenant ids must be unsigned 32-bit numbers"))?;
        match name.trim() {
            "vm_account_id" => filter.account_id = Some(id),
            "vm_project_id" => filter.project_id = Some(id),
            other => {
                return Err(error(&format!(
                    "unsupported label {other:?}; only vm_account_id and vm_project_id"
                )));
            }
        }
    }
    if filter.account_id.is_none() && filter.project_id.is_none() {
        return Err(error("empty selector"));
    }
    Ok(filter)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_follow_victoriametrics() {
        assert_eq!(
            parse_retention_period("1"),
            Ok(Duration::from_secs(31 * DAY_SECS))
        );
        assert_eq!(
            parse_retention_period("90d"),
            Ok(Duration::from_secs(90 * DAY_SECS))
        );
        assert_eq!(
            parse_retention_period("1y"),
            Ok(Duration::from_secs(365 * DAY_SECS))
        );
        assert!(parse_retention_period("1h").is_err());
        assert!(parse_retention_period("abc").is_err());
    }

    #[test]
    fn filters_match_tenant_pseudo_labels() {
        let filter = parse_retention_filter(r#"{vm_account_id="3"}:1y"#).expect("valid");
        assert_eq!(filter.account_id, Some(3));
        assert_eq!(filter.project_id, None);
        assert!(parse_retention_filter(r#"{job="x"}:1y"#).is_err());
        assert!(parse_retention_filter(r#"{vm_account_id="3"}"#).is_err());
    }
}
