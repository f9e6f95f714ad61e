//! Boolean arguments (`nocache`, `deny_partial_response`, `reduce_mem_usage`,
//! `trace`): a short list of spellings means false, anything else true.

/// Empty, `0`, `f`, `false` and `no` (any case) are false; every other value is
/// true, so `nocache=1`, `nocache=yes` and `nocache=on` all switch it on.
pub fn parse_bool(text: &str) -> bool {
    !matches!(
        text.to_ascii_lowercase().as_str(),
        "" | "0" | "f" | "false" | "no"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn false_spellings() {
        for text in ["", "0", "f", "false", "no", "FALSE", "No", "F"] {
            assert!(!parse_bool(text), "{text:?} must be false");
        }
    }

    #[test]
    fn everything_else_is_true() {
        for text in ["1", "t", "true", "yes", "on", "2", "anything"] {
            assert!(parse_bool(text), "{text:?} must be true");
        }
    }
}
