//! Our own PromQL syntax tree: what the evaluator and the planner walk.
//!
//! It is the parser's tree with everything resolved that can be resolved
//! before evaluation: durations and offsets in milliseconds, `@` timestamps,
//! label matchers compiled, grouping labels sorted, parentheses dropped and
//! functions looked up.

use crate::functions::Function;
use estuary_types::LabelMatcher;

/// A PromQL expression.
#[derive(Debug, Clone)]
pub enum Expr {
    /// A number literal.
    Number(f64),
    /// A string literal.
    String(String),
    /// An instant vector selector, `foo{a="b"}`.
    Vector(Selector),
    /// A range vector selector, `foo[5m]`.
    Matrix(MatrixSelector),
    /// A subquery, `expr[5m:1m]`.
    Subquery(Box<Subquery>),
    /// Unary minus.
    Negate(Box<Expr>),
    /// A binary operation.
    Binary(Box<BinaryExpr>),
    /// An aggregation.
    Aggregate(Box<AggregateExpr>),
    /// A function call.
    Call(Call),
}

/// The four PromQL value types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueType {
    /// A single number per evaluation time.
    Scalar,
    /// A string.
    String,
    /// An instant vector.
    Vector,
    /// A range vector.
    Matrix,
}

impl ValueType {
    /// The name Prometheus uses in error messages.
    pub fn documented_name(self) -> &'static str {
        match self {
            ValueType::Scalar => "scalar",
            ValueType::String => "string",
            ValueType::Vector => "instant vector",
            ValueType::Matrix => "range vector",
        }
    }
}

impl Expr {
    /// The type of value the expression evaluates to.
    pub fn value_type(&self) -> ValueType {
        match self {
            Expr::Number(_) => ValueType::Scalar,
            Expr::String(_) => ValueType::String,
            Expr::Vector(_) | Expr::Aggregate(_) => ValueType::Vector,
            Expr::Matrix(_) | Expr::Subquery(_) => ValueType::Matrix,
            Expr::Negate(inner) => inner.value_type(),
            Expr::Binary(b) => {
                let scalars = b.lhs.value_type() == ValueType::Scalar
                    && b.rhs.value_type() == ValueType::Scalar;
                if scalars {
                    ValueType::Scalar
                } else {
                    ValueType::Vector
                }
            }
            Expr::Call(call) => call.func.return_type(),
        }
    }
}

/// When a selector or subquery is evaluated, if not at the evaluation time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AtModifier {
    /// `@ <seconds>`, in milliseconds.
    Time(i64),
    /// `@ start()`: the start of the query range.
    Start,
    /// `@ end()`: the end of the query range.
    End,
}

/// An instant vector selector.
#[derive(Debug, Clone)]
pub struct Selector {
    /// The metric name, when written before the braces.
    pub name: Option<String>,
    /// All matchers, the metric name's `__name__="..."` matcher included.
    pub matchers: Vec<LabelMatcher>,
    /// `offset`, in milliseconds (negative for negative offsets).
    pub offset_ms: i64,
    /// The `@` modifier.
    pub at: Option<AtModifier>,
}

/// A range vector selector.
#[derive(Debug, Clone)]
pub struct MatrixSelector {
    /// The selector and its modifiers.
    pub selector: Selector,
    /// The range, in milliseconds.
    pub range_ms: i64,
}

/// A subquery.
#[derive(Debug, Clone)]
pub struct Subquery {
    /// The inner (instant vector) expression.
    pub expr: Expr,
    /// The range, in milliseconds.
    pub range_ms: i64,
    /// The step, in milliseconds; `None` uses the default subquery step.
    pub step_ms: Option<i64>,
    /// `offset`, in milliseconds.
    pub offset_ms: i64,
    /// The `@` modifier.
    pub at: Option<AtModifier>,
}

/// Binary operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinaryOp {
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
    /// `/`
    Div,
    /// `%`
    Mod,
    /// `^`
    Pow,
    /// `atan2`
    Atan2,
    /// `==`
    Eq,
    /// `!=`
    Ne,
    /// `>`
    Gt,
    /// `<`
    Lt,
    /// `>=`
    Ge,
    /// `<=`
    Le,
    /// `and`
    And,
    /// `or`
    Or,
    /// `unless`
    Unless,
}

impl BinaryOp {
    /// Whether the operator compares (and filters unless `bool`).
    pub fn is_comparison(self) -> bool {
        matches!(
            self,
            BinaryOp::Eq | BinaryOp::Ne | BinaryOp::Gt | BinaryOp::Lt | BinaryOp::Ge | BinaryOp::Le
        )
    }

    /// Whether the operator is a set operator (`and`, `or`, `unless`).
    pub fn is_set(self) -> bool {
        matches!(self, BinaryOp::And | BinaryOp::Or | BinaryOp::Unless)
    }

    /// Whether the result drops `__name__` (arithmetic, but not `atan2` in 2.42).
    pub fn drops_metric_name(self) -> bool {
        matches!(
            self,
            BinaryOp::Add
                | BinaryOp::Sub
                | BinaryOp::Mul
                | BinaryOp::Div
                | BinaryOp::Mod
                | BinaryOp::Pow
        )
    }
}

/// How the two sides of a vector operation are matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cardinality {
    /// Plain matching.
    OneToOne,
    /// `group_left`: many series on the left per series on the right.
    ManyToOne,
    /// `group_right`: many series on the right per series on the left.
    OneToMany,
    /// Set operators.
    ManyToMany,
}

/// The matching modifiers of a binary operation.
#[derive(Debug, Clone)]
pub struct VectorMatching {
    /// The cardinality.
    pub card: Cardinality,
    /// `on(...)` when true, `ignoring(...)` (or nothing) when false.
    pub on: bool,
    /// The labels of `on`/`ignoring`.
    pub labels: Vec<String>,
    /// The labels of `group_left(...)`/`group_right(...)`.
    pub include: Vec<String>,
}

/// A binary operation.
#[derive(Debug, Clone)]
pub struct BinaryExpr {
    /// The operator.
    pub op: BinaryOp,
    /// The left operand.
    pub lhs: Expr,
    /// The right operand.
    pub rhs: Expr,
    /// The `bool` modifier of comparisons.
    pub return_bool: bool,
    /// Vector matching (only meaningful between two vectors).
    pub matching: VectorMatching,
}

/// Aggregation operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AggregateOp {
    /// `sum`
    Sum,
    /// `avg`
    Avg,
    /// `count`
    Count,
    /// `min`
    Min,
    /// `max`
    Max,
    /// `group`
    Group,
    /// `stddev`
    Stddev,
    /// `stdvar`
    Stdvar,
    /// `topk`
    Topk,
    /// `bottomk`
    Bottomk,
    /// `count_values`
    CountValues,
    /// `quantile`
    Quantile,
}

/// An aggregation.
#[derive(Debug, Clone)]
pub struct AggregateExpr {
    /// The operator.
    pub op: AggregateOp,
    /// The aggregated expression.
    pub expr: Expr,
    /// The parameter of `topk`, `bottomk`, `quantile`, `count_values`.
    pub param: Option<Expr>,
    /// The `by`/`without` labels, sorted.
    pub grouping: Vec<String>,
    /// `without` when true, `by` (or nothing) when false.
    pub without: bool,
}

/// A function call.
#[derive(Debug, Clone)]
pub struct Call {
    /// The function.
    pub func: Function,
    /// The arguments, parentheses removed.
    pub args: Vec<Expr>,
}
