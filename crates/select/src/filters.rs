//! The series filter of a read request, built from `match[]`, `extra_label` and
//! `extra_filters[]`:
//!
//! ```text
//! filter = (match[]₁ ∨ match[]₂ ∨ …) ∧ extras
//! extras = (extra_filters[]₁ ∨ extra_filters[]₂ ∨ …) ∧ extra_label₁ ∧ extra_label₂ ∧ …
//! ```
//!
//! Expanded into the storage's form, OR-ed groups of AND-ed matchers, by a cross
//! product. The PromQL evaluator uses [`extra_filters`] and [`and_groups`] to
//! apply the extras to each selector of a query.

use crate::error::ApiError;
use crate::params::{Params, Source};
use crate::selectors::parse_series_selector;
use estuary_types::LabelMatcher;
use std::collections::HashSet;

/// The most OR-ed groups one request may expand to. Each group is one index
/// lookup per day, so the product of many `match[]` and `extra_filters[]`
/// values must stay bounded.
pub const FILTER_GROUPS_MAX: usize = 10_000;

/// OR-ed groups of AND-ed matchers. No group at all selects every series.
pub type FilterGroups = Vec<Vec<LabelMatcher>>;

/// Whether a request must carry `match[]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatchArg {
    /// `match[]` is required (series, export): absent is 400.
    Required,
    /// `match[]` is optional (labels, label values, status/tsdb).
    Optional,
}

/// The filter of a series-reading request: `match[]` (or `match`) AND-ed with
/// the extras.
pub fn series_filters(params: &Params, match_arg: MatchArg) -> Result<FilterGroups, ApiError> {
    let selectors = params.all(&["match[]", "match"]);
    if selectors.is_empty() && match_arg == MatchArg::Required {
        return Err(ApiError::MissingParam { name: "match[]" });
    }
    let base = parse_selectors("match[]", &selectors)?;
    let extras = extra_filters(params)?;
    and_groups(base, &extras)
}

/// `extra_filters[]` (or `extra_filters`) as OR-ed groups, each AND-ed with every
/// `extra_label`. Empty when neither is given.
pub fn extra_filters(params: &Params) -> Result<FilterGroups, ApiError> {
    let labels = extra_labels(params)?;
    let filters = parse_selectors(
        "extra_filters[]",
        &params.all(&["extra_filters[]", "extra_filters"]),
    )?;
    if labels.is_empty() {
        return Ok(filters);
    }
    and_groups(filters, &[labels])
}

/// AND-s every group of `base` with every group of `extra`. An empty side
/// stands for "every series", so the other side is returned unchanged.
pub fn and_groups(
    base: FilterGroups,
    extra: &[Vec<LabelMatcher>],
) -> Result<FilterGroups, ApiError> {
    if extra.is_empty() {
        return Ok(base);
    }
    if base.is_empty() {
        return Ok(extra.to_vec());
    }
    let count = base.len().saturating_mul(extra.len());
    if count > FILTER_GROUPS_MAX {
        return Err(ApiError::LimitExceeded {
            message: format!(
                "match[] and extra_filters[] expand to {count} filter groups, more than \
                 the limit of {FILTER_GROUPS_MAX}; pass fewer selectors"
            ),
        });
    }
    let mut out = Vec::with_capacity(count);
    for group in &base {
        for added in extra {
            out.push(group.iter().chain(added).cloned().collect());
        }
    }
    Ok(out)
}

/// Parses each selector and concatenates their groups.
fn parse_selectors(name: &str, selectors: &[&str]) -> Result<FilterGroups, ApiError> {
    let mut groups = Vec::new();
    for selector in selectors {
        let parsed = parse_series_selector(selector)
            .map_err(|reason| ApiError::invalid_param(name, selector, reason))?;
        groups.extend(parsed);
        if groups.len() > FILTER_GROUPS_MAX {
            return Err(ApiError::LimitExceeded {
                message: format!(
                    "{name} holds more than {FILTER_GROUPS_MAX} selectors; pass fewer"
                ),
            });
        }
    }
    Ok(groups)
}

/// The `extra_label=name=value` matchers. A proxy that enforces a label puts
/// it in the URL query, so a label named there overrides the same label from
/// the form body.
fn extra_labels(params: &Params) -> Result<Vec<LabelMatcher>, ApiError> {
    let mut parsed = Vec::new();
    for param in params
        .iter()
        .filter(|p| p.name == "extra_label" && !p.value.is_empty())
    {
        let Some((name, value)) = param.value.split_once('=') else {
            return Err(ApiError::invalid_param(
                "extra_label",
                &param.value,
                "expected name=value",
            ));
        };
        if name.is_empty() {
            return Err(ApiError::invalid_param(
                "extra_label",
                &param.value,
                "the label name is empty",
            ));
        }
        parsed.push((param.source, LabelMatcher::equal(name, value)));
    }
    let from_query: HashSet<String> = parsed
        .iter()
        .filter(|(source, _)| *source == Source::Query)
        .map(|(_, matcher)| matcher.name.clone())
        .collect();
    Ok(parsed
        .into_iter()
        .filter(|(source, matcher)| *source == Source::Query || !from_query.contains(&matcher.name))
        .map(|(_, matcher)| matcher)
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn describe(groups: &FilterGroups) -> Vec<Vec<String>> {
        groups
            .iter()
            .map(|group| group.iter().map(ToString::to_string).collect())
            .collect()
    }

    fn filters(
        query: &str,
        body: Option<&str>,
        match_arg: MatchArg,
    ) -> Result<Vec<Vec<String>>, ApiError> {
        let params = Params::from_sources(Some(query), body.map(str::as_bytes));
        series_filters(&params, match_arg).map(|groups| describe(&groups))
    }

    #[test]
    fn match_is_required_where_asked() {
        assert_eq!(
            filters("", None, MatchArg::Required),
            Err(ApiError::MissingParam { name: "match[]" })
        );
        assert_eq!(filters("", None, MatchArg::Optional), Ok(vec![]));
    }

    #[test]
    fn repeated_match_args_are_ored() {
        assert_eq!(
            filters("match[]=up&match=down", None, MatchArg::Required),
            Ok(vec![
                vec!["__name__=\"up\"".to_string()],
                vec!["__name__=\"down\"".to_string()]
            ])
        );
    }

    #[test]
    fn extra_label_is_anded_into_every_group() {
        assert_eq!(
            filters(
                "match[]=a&match[]=b&extra_label=env=prod&extra_label=team=x",
                None,
                MatchArg::Required
            ),
            Ok(vec![
                vec![
                    "__name__=\"a\"".to_string(),
                    "env=\"prod\"".to_string(),
                    "team=\"x\"".to_string()
                ],
                vec![
                    "__name__=\"b\"".to_string(),
                    "env=\"prod\"".to_string(),
                    "team=\"x\"".to_string()
                ],
            ])
        );
    }

    #[test]
    fn extra_filters_form_a_cross_product() {
        let groups = filters(
            "match[]=a&match[]=b&extra_filters[]={env=\"1\"}&extra_filters={env=\"2\"}&extra_label=t=x",
            None,
            MatchArg::Required,
        )
        .expect("valid");
        let expected: Vec<Vec<&str>> = vec![
            vec!["__name__=\"a\"", "env=\"1\"", "t=\"x\""],
            vec!["__name__=\"a\"", "env=\"2\"", "t=\"x\""],
            vec!["__name__=\"b\"", "env=\"1\"", "t=\"x\""],
            vec!["__name__=\"b\"", "env=\"2\"", "t=\"x\""],
        ];
        assert_eq!(groups, expected);
    }

    #[test]
    fn extras_alone_filter_optional_match_endpoints() {
        assert_eq!(
            filters("extra_label=env=prod", None, MatchArg::Optional),
            Ok(vec![vec!["env=\"prod\"".to_string()]])
        );
    }

    #[test]
    fn query_extra_label_overrides_the_body_one_of_the_same_name() {
        let groups = filters(
            "match[]=up&extra_label=tenant=a",
            Some("extra_label=tenant=b&extra_label=env=prod"),
            MatchArg::Required,
        )
        .expect("valid");
        assert_eq!(
            groups,
            vec![vec!["__name__=\"up\"", "env=\"prod\"", "tenant=\"a\""]]
        );
    }

    #[test]
    fn bad_arguments_are_400_naming_the_argument() {
        for (query, name) in [
            ("match[]=rate(x[5m])", "match[]"),
            ("match[]={a=\"\"}", "match[]"),
            ("match[]=up&extra_filters[]=1+1", "extra_filters[]"),
            ("match[]=up&extra_label=novalue", "extra_label"),
            ("match[]=up&extra_label==v", "extra_label"),
        ] {
            let error = filters(query, None, MatchArg::Required).expect_err(query);
            assert_eq!(error.status().as_u16(), 400, "{query}");
            assert!(error.to_string().contains(name), "{query}: {error}");
        }
    }

    #[test]
    fn the_cross_product_is_bounded() {
        let base = vec![vec![]; 200];
        let extra = vec![vec![]; 100];
        assert!(matches!(
            and_groups(base, &extra),
            Err(ApiError::LimitExceeded { .. })
        ));
    }
}
