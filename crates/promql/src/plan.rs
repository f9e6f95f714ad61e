//! Which data a query will read: every selector with the time range that
//! covers all of its evaluations (offsets, `@`, range windows, lookback and
//! nested subqueries included), so the select node can fetch everything
//! before the synchronous evaluation starts.

use crate::ast::{AtModifier, Expr, Selector};
use crate::eval::subquery::align_up;
use crate::options::QueryOptions;
use estuary_types::{LabelMatcher, TimeRange};

/// One selector of the query and the samples it needs.
#[derive(Debug, Clone)]
pub struct SelectorPlan {
    /// The selector's matchers (`__name__` included).
    pub matchers: Vec<LabelMatcher>,
    /// A range (inclusive) that holds every sample the evaluation reads.
    pub range: TimeRange,
}

/// Lists the selectors of `expr` evaluated from `start_ms` to `end_ms`
/// (equal for instant queries) with their time ranges. Selectors with the
/// same matchers and overlapping ranges are merged.
pub fn plan_selectors(
    expr: &Expr,
    start_ms: i64,
    end_ms: i64,
    opts: &QueryOptions,
) -> Vec<SelectorPlan> {
    let mut planner = Planner {
        opts,
        query_start: start_ms,
        query_end: end_ms,
        plans: Vec::new(),
    };
    planner.walk(expr, start_ms, end_ms.max(start_ms));
    merge(planner.plans)
}

struct Planner<'a> {
    opts: &'a QueryOptions,
    query_start: i64,
    query_end: i64,
    plans: Vec<SelectorPlan>,
}

impl Planner<'_> {
    /// Visits `expr` evaluated at times within `[first, last]`.
    fn walk(&mut self, expr: &Expr, first: i64, last: i64) {
        match expr {
            Expr::Number(_) | Expr::String(_) => {}
            Expr::Vector(sel) => {
                let (low, high) = self.references(sel, first, last);
                self.add(sel, low.saturating_sub(self.opts.lookback_delta_ms), high);
            }
            Expr::Matrix(ms) => {
                let (low, high) = self.references(&ms.selector, first, last);
                self.add(&ms.selector, low.saturating_sub(ms.range_ms), high);
            }
            Expr::Subquery(sq) => {
                let (low, high) = self.window_ends(sq.at, sq.offset_ms, first, last);
                let step = sq
                    .step_ms
                    .unwrap_or(self.opts.subquery_step_default_ms)
                    .max(1);
                self.walk(
                    &sq.expr,
                    align_up(low.saturating_sub(sq.range_ms), step),
                    high,
                );
            }
            Expr::Negate(inner) => self.walk(inner, first, last),
            Expr::Binary(bin) => {
                self.walk(&bin.lhs, first, last);
                self.walk(&bin.rhs, first, last);
            }
            Expr::Aggregate(agg) => {
                if let Some(param) = &agg.param {
                    self.walk(param, first, last);
                }
                self.walk(&agg.expr, first, last);
            }
            Expr::Call(call) => {
                for arg in &call.args {
                    self.walk(arg, first, last);
                }
            }
        }
    }

    /// The reference times of a selector. With `@`, the evaluator may also read
    /// at the `@` time without the offset (`timestamp()` does), so both count.
    fn references(&self, sel: &Selector, first: i64, last: i64) -> (i64, i64) {
        let (low, high) = self.window_ends(sel.at, sel.offset_ms, first, last);
        if sel.at.is_some() {
            let (at_low, at_high) = self.window_ends(sel.at, 0, first, last);
            return (low.min(at_low), high.max(at_high));
        }
        (low, high)
    }

    fn window_ends(
        &self,
        at: Option<AtModifier>,
        offset_ms: i64,
        first: i64,
        last: i64,
    ) -> (i64, i64) {
        let at = at.map(|at| match at {
            AtModifier::Time(t) => t,
            AtModifier::Start => self.query_start,
            AtModifier::End => self.query_end,
        });
        match at {
            Some(t) => (t.saturating_sub(offset_ms), t.saturating_sub(offset_ms)),
            None => (
                first.saturating_sub(offset_ms),
                last.saturating_sub(offset_ms),
            ),
        }
    }

    fn add(&mut self, sel: &Selector, start: i64, end: i64) {
        self.plans.push(SelectorPlan {
            matchers: sel.matchers.clone(),
            range: TimeRange::new(start, end),
        });
    }
}

/// Merges plans with the same matchers whose ranges overlap or touch.
fn merge(plans: Vec<SelectorPlan>) -> Vec<SelectorPlan> {
    let key = |p: &SelectorPlan| {
        let mut parts: Vec<String> = p.matchers.iter().map(ToString::to_string).collect();
        parts.sort();
        parts.join(",")
    };
    let mut keyed: Vec<(String, SelectorPlan)> = plans.into_iter().map(|p| (key(&p), p)).collect();
    keyed.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.range.start.cmp(&b.1.range.start)));
    let mut out: Vec<(String, SelectorPlan)> = Vec::with_capacity(keyed.len());
    for (k, plan) in keyed {
        if let Some((last_key, last)) = out.last_mut()
            && *last_key == k
            && plan.range.start <= last.range.end.saturating_add(1)
        {
            last.range.end = last.range.end.max(plan.range.end);
            continue;
        }
        out.push((k, plan));
    }
    out.into_iter().map(|(_, p)| p).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse_bridge::parse;

    fn plan(query: &str, start: i64, end: i64) -> Vec<SelectorPlan> {
        plan_selectors(
            &parse(query).expect("parse"),
            start,
            end,
            &QueryOptions::default(),
        )
    }

    #[test]
    fn instant_selector_reads_the_lookback() {
        let p = plan("foo offset 1m", 600_000, 600_000);
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].range, TimeRange::new(240_000, 540_000));
    }

    #[test]
    fn range_selector_and_at_modifier() {
        let p = plan("rate(foo[5m] @ 1000)", 0, 3_600_000);
        assert_eq!(p[0].range, TimeRange::new(1_000_000 - 300_000, 1_000_000));
    }

    #[test]
    fn nested_subqueries_widen_the_range() {
        // Outer window [t-10m, t] at step 1m; inner rate needs 5m more.
        let p = plan("max_over_time(rate(foo[5m])[10m:1m])", 3_600_000, 3_600_000);
        assert_eq!(
            p[0].range,
            TimeRange::new(3_600_000 - 600_000 - 300_000, 3_600_000)
        );
    }

    #[test]
    fn same_selectors_merge_when_overlapping() {
        let p = plan(
            "foo + foo offset 1m + foo offset 1d",
            86_400_000 * 2,
            86_400_000 * 2,
        );
        assert_eq!(p.len(), 2);
    }
}
