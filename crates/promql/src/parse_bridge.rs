//! Parses PromQL with the `promql-parser` crate and maps its tree onto ours
//! ([`crate::ast`]), rejecting what Prometheus 2.42 does not accept (newer
//! functions and aggregators, `or` inside braces, fill modifiers).

use crate::ast::{
    AggregateExpr, AggregateOp, AtModifier, BinaryExpr, BinaryOp, Call, Cardinality, Expr,
    MatrixSelector, Selector, Subquery, ValueType, VectorMatching,
};
use crate::error::EvalError;
use crate::functions::Function;
use estuary_types::{LabelMatcher, METRIC_NAME_LABEL, MatchOp};
use promql_parser::label::{MatchOp as ParserMatchOp, Matcher as ParserMatcher};
use promql_parser::parser as pp;
use std::sync::OnceLock;
use std::time::{Duration, SystemTime};

/// Parses a PromQL query into our syntax tree.
pub fn parse(query: &str) -> Result<Expr, EvalError> {
    register_removed_functions()?;
    let parsed = pp::parse(query).map_err(EvalError::Parse)?;
    convert(&parsed)
}

/// Teaches the parser the 2.42 functions its newer table no longer has
/// (`holt_winters` became `double_exponential_smoothing` in Prometheus 3).
/// The parser's registry is global; this runs once per process.
fn register_removed_functions() -> Result<(), EvalError> {
    static REGISTERED: OnceLock<Result<(), String>> = OnceLock::new();
    REGISTERED
        .get_or_init(|| {
            pp::register_extra_functions(vec![pp::Function::new(
                "holt_winters",
                vec![
                    pp::value::ValueType::Matrix,
                    pp::value::ValueType::Scalar,
                    pp::value::ValueType::Scalar,
                ],
                0,
                pp::value::ValueType::Vector,
                false,
            )])
        })
        .clone()
        .map_err(EvalError::Parse)
}

fn convert(expr: &pp::Expr) -> Result<Expr, EvalError> {
    match expr {
        pp::Expr::NumberLiteral(n) => Ok(Expr::Number(n.val)),
        pp::Expr::StringLiteral(s) => Ok(Expr::String(s.val.clone())),
        pp::Expr::Paren(p) => convert(&p.expr),
        pp::Expr::Unary(u) => Ok(Expr::Negate(Box::new(convert(&u.expr)?))),
        pp::Expr::VectorSelector(vs) => Ok(Expr::Vector(convert_selector(vs)?)),
        pp::Expr::MatrixSelector(ms) => Ok(Expr::Matrix(MatrixSelector {
            selector: convert_selector(&ms.vs)?,
            range_ms: duration_ms(&ms.range),
        })),
        pp::Expr::Subquery(sq) => convert_subquery(sq),
        pp::Expr::Aggregate(agg) => convert_aggregate(agg),
        pp::Expr::Binary(bin) => convert_binary(bin),
        pp::Expr::Call(call) => convert_call(call),
        pp::Expr::Extension(_) => Err(EvalError::Parse(
            "extension expressions are not supported".to_string(),
        )),
    }
}

fn convert_selector(vs: &pp::VectorSelector) -> Result<Selector, EvalError> {
    if !vs.matchers.or_matchers.is_empty() {
        return Err(EvalError::Parse(
            "'or' inside a label matcher list is not supported".to_string(),
        ));
    }
    let mut matchers = Vec::with_capacity(vs.matchers.matchers.len() + 1);
    if let Some(name) = &vs.name {
        matchers.push(LabelMatcher::equal(METRIC_NAME_LABEL, name.clone()));
    }
    for m in &vs.matchers.matchers {
        matchers.push(convert_matcher(m)?);
    }
    Ok(Selector {
        name: vs.name.clone(),
        matchers,
        offset_ms: offset_ms(vs.offset.as_ref()),
        at: vs.at.as_ref().map(convert_at),
    })
}

fn convert_matcher(m: &ParserMatcher) -> Result<LabelMatcher, EvalError> {
    let (op, parsed_regex) = match &m.op {
        ParserMatchOp::Equal => (MatchOp::Equal, None),
        ParserMatchOp::NotEqual => (MatchOp::NotEqual, None),
        ParserMatchOp::Re(re) => (MatchOp::RegexMatch, Some(re.as_str())),
        ParserMatchOp::NotRe(re) => (MatchOp::RegexNoMatch, Some(re.as_str())),
    };
    match LabelMatcher::new(op, m.name.clone(), m.value.clone()) {
        Ok(matcher) => Ok(matcher),
        // Go's regexp accepts a few constructs Rust's does not (a literal `{`);
        // the parser escaped those in its own, already anchored, copy.
        Err(first) => match parsed_regex {
            Some(escaped) => LabelMatcher::new(op, m.name.clone(), escaped)
                .map_err(|e| EvalError::Parse(e.to_string())),
            None => Err(EvalError::Parse(first.to_string())),
        },
    }
}

fn convert_subquery(sq: &pp::SubqueryExpr) -> Result<Expr, EvalError> {
    let expr = convert(&sq.expr)?;
    Ok(Expr::Subquery(Box::new(Subquery {
        expr,
        range_ms: duration_ms(&sq.range),
        step_ms: sq.step.as_ref().map(duration_ms).filter(|step| *step > 0),
        offset_ms: offset_ms(sq.offset.as_ref()),
        at: sq.at.as_ref().map(convert_at),
    })))
}

fn convert_aggregate(agg: &pp::AggregateExpr) -> Result<Expr, EvalError> {
    let name = agg.op.to_string();
    let op = match name.as_str() {
        "sum" => AggregateOp::Sum,
        "avg" => AggregateOp::Avg,
        "count" => AggregateOp::Count,
        "min" => AggregateOp::Min,
        "max" => AggregateOp::Max,
        "group" => AggregateOp::Group,
        "stddev" => AggregateOp::Stddev,
        "stdvar" => AggregateOp::Stdvar,
        "topk" => AggregateOp::Topk,
        "bottomk" => AggregateOp::Bottomk,
        "count_values" => AggregateOp::CountValues,
        "quantile" => AggregateOp::Quantile,
        other => {
            return Err(EvalError::Parse(format!(
                "unknown aggregation operator {other:?}"
            )));
        }
    };
    let (mut grouping, without) = match &agg.modifier {
        None => (Vec::new(), false),
        Some(pp::LabelModifier::Include(labels)) => (labels.labels.clone(), false),
        Some(pp::LabelModifier::Exclude(labels)) => (labels.labels.clone(), true),
    };
    grouping.sort();
    let param = agg.param.as_deref().map(convert).transpose()?;
    Ok(Expr::Aggregate(Box::new(AggregateExpr {
        op,
        expr: convert(&agg.expr)?,
        param,
        grouping,
        without,
    })))
}

fn convert_binary(bin: &pp::BinaryExpr) -> Result<Expr, EvalError> {
    let name = bin.op.to_string();
    let op = match name.as_str() {
        "+" => BinaryOp::Add,
        "-" => BinaryOp::Sub,
        "*" => BinaryOp::Mul,
        "/" => BinaryOp::Div,
        "%" => BinaryOp::Mod,
        "^" => BinaryOp::Pow,
        "atan2" => BinaryOp::Atan2,
        "==" => BinaryOp::Eq,
        "!=" => BinaryOp::Ne,
        ">" => BinaryOp::Gt,
        "<" => BinaryOp::Lt,
        ">=" => BinaryOp::Ge,
        "<=" => BinaryOp::Le,
        "and" => BinaryOp::And,
        "or" => BinaryOp::Or,
        "unless" => BinaryOp::Unless,
        other => {
            return Err(EvalError::Parse(format!(
                "unknown binary operator {other:?}"
            )));
        }
    };
    let lhs = convert(&bin.lhs)?;
    let rhs = convert(&bin.rhs)?;
    let mut matching = VectorMatching {
        card: if op.is_set() {
            Cardinality::ManyToMany
        } else {
            Cardinality::OneToOne
        },
        on: false,
        labels: Vec::new(),
        include: Vec::new(),
    };
    let mut return_bool = false;
    if let Some(modifier) = &bin.modifier {
        if modifier.fill_values.lhs.is_some() || modifier.fill_values.rhs.is_some() {
            return Err(EvalError::Parse(
                "fill modifiers are not supported".to_string(),
            ));
        }
        return_bool = modifier.return_bool;
        match &modifier.matching {
            Some(pp::LabelModifier::Include(labels)) => {
                matching.on = true;
                matching.labels = labels.labels.clone();
            }
            Some(pp::LabelModifier::Exclude(labels)) => {
                matching.labels = labels.labels.clone();
            }
            None => {}
        }
        match &modifier.card {
            pp::VectorMatchCardinality::ManyToOne(labels) => {
                matching.card = Cardinality::ManyToOne;
                matching.include = labels.labels.clone();
            }
            pp::VectorMatchCardinality::OneToMany(labels) => {
                matching.card = Cardinality::OneToMany;
                matching.include = labels.labels.clone();
            }
            pp::VectorMatchCardinality::ManyToMany | pp::VectorMatchCardinality::OneToOne => {}
        }
    }
    let both_vectors =
        lhs.value_type() == ValueType::Vector && rhs.value_type() == ValueType::Vector;
    if op.is_set() && !both_vectors {
        return Err(EvalError::Parse(format!(
            "set operator {name:?} not allowed in binary scalar expression"
        )));
    }
    Ok(Expr::Binary(Box::new(BinaryExpr {
        op,
        lhs,
        rhs,
        return_bool,
        matching,
    })))
}

fn convert_call(call: &pp::Call) -> Result<Expr, EvalError> {
    let func = Function::from_name(call.func.name).ok_or_else(|| {
        EvalError::Parse(format!("unknown function with name {:?}", call.func.name))
    })?;
    let args = call
        .args
        .args
        .iter()
        .map(|a| convert(a))
        .collect::<Result<Vec<_>, _>>()?;
    check_arity(func, args.len())?;
    Ok(Expr::Call(Call { func, args }))
}

/// Argument counts as Prometheus 2.42 declares them (the parser's table is
/// newer and more lenient in places).
fn check_arity(func: Function, count: usize) -> Result<(), EvalError> {
    let (min, max) = match func {
        Function::Time | Function::Pi => (0, 0),
        Function::DayOfMonth
        | Function::DayOfWeek
        | Function::DayOfYear
        | Function::DaysInMonth
        | Function::Hour
        | Function::Minute
        | Function::Month
        | Function::Year => (0, 1),
        Function::Round => (1, 2),
        Function::ClampMax
        | Function::ClampMin
        | Function::HistogramQuantile
        | Function::PredictLinear
        | Function::QuantileOverTime => (2, 2),
        Function::Clamp | Function::HoltWinters | Function::HistogramFraction => (3, 3),
        Function::LabelReplace => (5, 5),
        Function::LabelJoin => (3, usize::MAX),
        _ => (1, 1),
    };
    if count < min || count > max {
        return Err(EvalError::Parse(format!(
            "wrong number of arguments ({count}) in call to {:?}",
            func.name()
        )));
    }
    Ok(())
}

fn convert_at(at: &pp::AtModifier) -> AtModifier {
    match at {
        pp::AtModifier::Start => AtModifier::Start,
        pp::AtModifier::End => AtModifier::End,
        pp::AtModifier::At(time) => AtModifier::Time(system_time_ms(*time)),
    }
}

fn system_time_ms(time: SystemTime) -> i64 {
    match time.duration_since(SystemTime::UNIX_EPOCH) {
        Ok(after) => duration_ms(&after),
        Err(before) => -duration_ms(&before.duration()),
    }
}

fn offset_ms(offset: Option<&pp::Offset>) -> i64 {
    match offset {
        None => 0,
        Some(pp::Offset::Pos(d)) => duration_ms(d),
        Some(pp::Offset::Neg(d)) => -duration_ms(d),
    }
}

fn duration_ms(d: &Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selector_gets_a_name_matcher_and_modifiers() {
        let expr = parse("foo{a=\"b\"} offset -5m @ 100").expect("parse");
        let Expr::Vector(sel) = expr else {
            panic!("expected a vector selector");
        };
        assert_eq!(sel.matchers.len(), 2);
        assert_eq!(sel.matchers[0].name, "__name__");
        assert_eq!(sel.offset_ms, -300_000);
        assert_eq!(sel.at, Some(AtModifier::Time(100_000)));
    }

    #[test]
    fn parentheses_disappear_and_types_follow() {
        let expr = parse("((rate((foo[5m]))))").expect("parse");
        assert_eq!(expr.value_type(), ValueType::Vector);
        let Expr::Call(call) = expr else {
            panic!("expected a call");
        };
        assert!(matches!(call.args[0], Expr::Matrix(_)));
    }

    #[test]
    fn newer_functions_are_rejected() {
        assert!(parse("first_over_time(foo[5m])").is_err());
        assert!(parse("limitk(1, foo)").is_err());
    }

    #[test]
    fn grouping_is_sorted_and_set_operators_match_many_to_many() {
        let Expr::Aggregate(agg) = parse("sum by (b, a) (x)").expect("parse") else {
            panic!("expected an aggregation");
        };
        assert_eq!(agg.grouping, vec!["a".to_string(), "b".to_string()]);
        let Expr::Binary(bin) = parse("x and on(a) y").expect("parse") else {
            panic!("expected a binary expression");
        };
        assert_eq!(bin.matching.card, Cardinality::ManyToMany);
        assert!(bin.matching.on);
    }
}
