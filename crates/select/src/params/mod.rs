//! Request arguments: where they come from (the query string and a form body,
//! read by the `FromRequest` impl of [`Params`]), how each kind is parsed
//! ([`time`], [`calendar`], [`duration`], [`boolean`], [`range`]), and
//! [`Params`], which holds them and hands out typed values with `400 bad_data`
//! errors that name the argument and the value.
//!
//! Parsers return plain `String` reasons; [`Params`] turns them into
//! [`ApiError::InvalidParam`], so every endpoint reports bad input the same way.

pub mod boolean;
pub mod calendar;
pub mod duration;
mod form;
pub mod range;
pub mod time;

pub use form::FORM_BODY_BYTES_MAX;

use crate::error::ApiError;

/// Where an argument was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// The URL query string.
    Query,
    /// An `application/x-www-form-urlencoded` body.
    Body,
}

/// One `name=value` argument.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Param {
    /// The argument name, percent-decoded.
    pub name: String,
    /// The value, percent-decoded.
    pub value: String,
    /// Where it came from.
    pub source: Source,
}

/// The arguments of one request, from its query string and form body.
///
/// Body arguments come first, so a single-valued argument given in both places
/// takes the body's value (as Go's `Request.FormValue` does). An empty value
/// counts as absent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Params {
    params: Vec<Param>,
}

impl Params {
    /// Decodes a query string and an optional form body.
    pub fn from_sources(query: Option<&str>, body: Option<&[u8]>) -> Self {
        let decode = |bytes: &[u8], source: Source| {
            form_urlencoded::parse(bytes)
                .map(|(name, value)| Param {
                    name: name.into_owned(),
                    value: value.into_owned(),
                    source,
                })
                .collect::<Vec<_>>()
        };
        let mut params = body.map_or_else(Vec::new, |body| decode(body, Source::Body));
        params.extend(decode(query.unwrap_or_default().as_bytes(), Source::Query));
        Params { params }
    }

    /// Every argument, body ones first.
    pub fn iter(&self) -> impl Iterator<Item = &Param> {
        self.params.iter()
    }

    /// The first non-empty value of `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|p| p.name == name && !p.value.is_empty())
            .map(|p| p.value.as_str())
    }

    /// Every non-empty value of any of `names` (`["match[]", "match"]`), in order.
    pub fn all(&self, names: &[&str]) -> Vec<&str> {
        self.params
            .iter()
            .filter(|p| !p.value.is_empty() && names.contains(&p.name.as_str()))
            .map(|p| p.value.as_str())
            .collect()
    }

    /// A time argument in Unix milliseconds, `None` when absent.
    pub fn time_ms(&self, name: &str, now_ms: i64) -> Result<Option<i64>, ApiError> {
        self.parse_with(name, |text| time::parse_time_ms(text, now_ms))
    }

    /// A positive duration argument in milliseconds, `None` when absent or
    /// `undefined` (Grafana sends that literal for unset variables).
    pub fn duration_ms(&self, name: &str) -> Result<Option<i64>, ApiError> {
        match self.get(name) {
            Some("undefined") => Ok(None),
            _ => self.parse_with(name, duration::parse_positive_duration_ms),
        }
    }

    /// A boolean argument; absent is false.
    pub fn bool(&self, name: &str) -> bool {
        self.get(name).is_some_and(boolean::parse_bool)
    }

    /// A non-negative integer argument, `None` when absent.
    pub fn count(&self, name: &str) -> Result<Option<usize>, ApiError> {
        self.parse_with(name, |text| {
            text.parse::<usize>()
                .map_err(|_| "expected a non-negative integer".to_string())
        })
    }

    fn parse_with<T>(
        &self,
        name: &str,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> Result<Option<T>, ApiError> {
        match self.get(name) {
            None => Ok(None),
            Some(text) => parse(text)
                .map(Some)
                .map_err(|reason| ApiError::invalid_param(name, text, reason)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_and_body_are_merged_body_first() {
        let params = Params::from_sources(
            Some("start=1&match[]=a&match=b"),
            Some(b"start=2&match%5B%5D=c"),
        );
        assert_eq!(params.get("start"), Some("2"));
        assert_eq!(params.all(&["match[]", "match"]), ["c", "a", "b"]);
    }

    #[test]
    fn empty_values_count_as_absent() {
        let params = Params::from_sources(Some("start=&limit=&x=1"), None);
        assert_eq!(params.get("start"), None);
        assert_eq!(params.time_ms("start", 0), Ok(None));
        assert_eq!(params.count("limit"), Ok(None));
    }

    #[test]
    fn typed_getters_name_the_argument_and_value_on_error() {
        let params = Params::from_sources(Some("start=soon&step=-1&limit=x"), None);
        let error = params.time_ms("start", 0).map_err(|e| e.to_string());
        assert!(error.is_err_and(|e| e.contains("`start`") && e.contains("\"soon\"")));
        assert!(params.duration_ms("step").is_err());
        assert!(params.count("limit").is_err());
    }

    #[test]
    fn undefined_duration_is_absent() {
        let params = Params::from_sources(Some("step=undefined&timeout=5s"), None);
        assert_eq!(params.duration_ms("step"), Ok(None));
        assert_eq!(params.duration_ms("timeout"), Ok(Some(5000)));
    }

    #[test]
    fn booleans() {
        let params = Params::from_sources(Some("nocache=1&trace=false&x="), None);
        assert!(params.bool("nocache"));
        assert!(!params.bool("trace"));
        assert!(!params.bool("x"));
        assert!(!params.bool("absent"));
    }
}
