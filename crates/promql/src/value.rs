//! Series read from storage and the values a query answers with.

use estuary_types::{Labels, Sample};

/// One series: its labels and samples sorted by timestamp with unique
/// timestamps. Samples read from storage may hold staleness markers; series
/// in query results never do.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// The label set, `__name__` included when present.
    pub labels: Labels,
    /// Samples in ascending timestamp order.
    pub samples: Vec<Sample>,
}

/// One element of an instant vector.
#[derive(Debug, Clone, PartialEq)]
pub struct InstantSample {
    /// The label set.
    pub labels: Labels,
    /// The evaluation time in milliseconds.
    pub timestamp: i64,
    /// The value.
    pub value: f64,
}

/// The result of a query, shaped as Prometheus's `resultType`.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// `resultType: scalar`.
    Scalar {
        /// The evaluation time in milliseconds.
        timestamp: i64,
        /// The value.
        value: f64,
    },
    /// `resultType: string`.
    String {
        /// The evaluation time in milliseconds.
        timestamp: i64,
        /// The string.
        value: String,
    },
    /// `resultType: vector` (instant queries only).
    Vector(Vec<InstantSample>),
    /// `resultType: matrix`: every range query, and instant queries of a range
    /// selector or subquery (raw samples).
    Matrix(Vec<Series>),
}

impl Value {
    /// Prometheus's name for the result type.
    pub fn result_type(&self) -> &'static str {
        match self {
            Value::Scalar { .. } => "scalar",
            Value::String { .. } => "string",
            Value::Vector(_) => "vector",
            Value::Matrix(_) => "matrix",
        }
    }
}
