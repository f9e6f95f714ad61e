//! The PromQL functions of Prometheus 2.42: the table of names, and the pure
//! computations behind them (one file per family). How arguments are
//! evaluated and stepped through time lives in `eval/call.rs`.

pub(crate) mod go_math;
pub(crate) mod histogram;
pub(crate) mod labels;
pub(crate) mod math;
pub(crate) mod over_time;
pub(crate) mod rate;
pub(crate) mod time;

use crate::ast::ValueType;

macro_rules! functions {
    ($($variant:ident => $name:literal,)*) => {
        /// A PromQL function of Prometheus 2.42.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Function {
            $(
                #[doc = concat!("`", $name, "`")]
                $variant,
            )*
        }

        impl Function {
            /// Looks a function up by its PromQL name.
            pub fn from_name(name: &str) -> Option<Function> {
                match name {
                    $($name => Some(Function::$variant),)*
                    _ => None,
                }
            }

            /// The PromQL name.
            pub fn name(self) -> &'static str {
                match self {
                    $(Function::$variant => $name,)*
                }
            }
        }
    };
}

functions! {
    Abs => "abs",
    Absent => "absent",
    AbsentOverTime => "absent_over_time",
    Acos => "acos",
    Acosh => "acosh",
    Asin => "asin",
    Asinh => "asinh",
    Atan => "atan",
    Atanh => "atanh",
    AvgOverTime => "avg_over_time",
    Ceil => "ceil",
    Changes => "changes",
    Clamp => "clamp",
    ClampMax => "clamp_max",
    ClampMin => "clamp_min",
    Cos => "cos",
    Cosh => "cosh",
    CountOverTime => "count_over_time",
    DayOfMonth => "day_of_month",
    DayOfWeek => "day_of_week",
    DayOfYear => "day_of_year",
    DaysInMonth => "days_in_month",
    Deg => "deg",
    Delta => "delta",
    Deriv => "deriv",
    Exp => "exp",
    Floor => "floor",
    HistogramCount => "histogram_count",
    HistogramFraction => "histogram_fraction",
    HistogramQuantile => "histogram_quantile",
    HistogramSum => "histogram_sum",
    HoltWinters => "holt_winters",
    Hour => "hour",
    Idelta => "idelta",
    Increase => "increase",
    Irate => "irate",
    LabelJoin => "label_join",
    LabelReplace => "label_replace",
    LastOverTime => "last_over_time",
    Ln => "ln",
    Log10 => "log10",
    Log2 => "log2",
    MaxOverTime => "max_over_time",
    MinOverTime => "min_over_time",
    Minute => "minute",
    Month => "month",
    Pi => "pi",
    PredictLinear => "predict_linear",
    PresentOverTime => "present_over_time",
    QuantileOverTime => "quantile_over_time",
    Rad => "rad",
    Rate => "rate",
    Resets => "resets",
    Round => "round",
    Scalar => "scalar",
    Sgn => "sgn",
    Sin => "sin",
    Sinh => "sinh",
    Sort => "sort",
    SortDesc => "sort_desc",
    Sqrt => "sqrt",
    StddevOverTime => "stddev_over_time",
    StdvarOverTime => "stdvar_over_time",
    SumOverTime => "sum_over_time",
    Tan => "tan",
    Tanh => "tanh",
    Time => "time",
    Timestamp => "timestamp",
    Vector => "vector",
    Year => "year",
}

impl Function {
    /// The type of the function's result.
    pub fn return_type(self) -> ValueType {
        match self {
            Function::Pi | Function::Scalar | Function::Time => ValueType::Scalar,
            _ => ValueType::Vector,
        }
    }
}
