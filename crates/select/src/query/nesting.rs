//! A bound on how deep a query's syntax tree can be, read from its text before
//! it is parsed.
//!
//! The parser, the planner, the evaluator and the tree's destructor all
//! recurse once per tree level, so a short query such as `abs(abs(abs(...)))`
//! or `a or a or a ...` could overflow any thread's stack and abort the
//! process. Every level of the tree comes from an opening bracket or an
//! operator, so their count bounds the depth; [`nesting_tokens`] counts them
//! (over-counting is harmless) and [`check_nesting`] refuses queries above
//! [`QUERY_NESTING_MAX`]. The query thread's stack is sized for that bound.

use crate::error::ApiError;

/// The most opening brackets and operators a query may hold. Real queries
/// hold tens; a generated chain of a few hundred `or` still fits.
pub const QUERY_NESTING_MAX: usize = 1000;

/// Word operators (matched case-insensitively, as PromQL does).
const WORD_OPERATORS: [&str; 4] = ["and", "or", "unless", "atan2"];

/// Refuses a query that may nest deeper than [`QUERY_NESTING_MAX`] with 400.
pub fn check_nesting(text: &str) -> Result<(), ApiError> {
    let count = nesting_tokens(text);
    if count > QUERY_NESTING_MAX {
        return Err(ApiError::BadData {
            message: format!(
                "the query holds {count} brackets and operators, more than the limit of \
                 {QUERY_NESTING_MAX}; split it into smaller queries or recording rules"
            ),
        });
    }
    Ok(())
}

/// Counts `(`, `[`, operator characters and word operators outside strings,
/// comments and label-matcher blocks (`{...}`, which nest nothing).
pub fn nesting_tokens(text: &str) -> usize {
    let mut count = 0;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' | '\'' => skip_string(&mut chars, c, true),
            '`' => skip_string(&mut chars, c, false),
            '#' => skip_comment(&mut chars),
            '{' => skip_matchers(&mut chars),
            '(' | '[' | '+' | '-' | '*' | '/' | '%' | '^' | '=' | '!' | '<' | '>' => count += 1,
            c if is_word_char(c) => {
                let mut word = String::from(c);
                while let Some(&next) = chars.peek().filter(|&&next| is_word_char(next)) {
                    word.push(next);
                    chars.next();
                }
                if WORD_OPERATORS
                    .iter()
                    .any(|operator| operator.eq_ignore_ascii_case(&word))
                {
                    count += 1;
                }
            }
            _ => {}
        }
    }
    count
}

type Chars<'a> = std::iter::Peekable<std::str::Chars<'a>>;

fn is_word_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == ':' || c == '.'
}

/// Advances past the closing `quote` (or to the end of an unclosed string).
fn skip_string(chars: &mut Chars<'_>, quote: char, escapes: bool) {
    while let Some(c) = chars.next() {
        if escapes && c == '\\' {
            chars.next();
        } else if c == quote {
            return;
        }
    }
}

fn skip_comment(chars: &mut Chars<'_>) {
    for c in chars.by_ref() {
        if c == '\n' {
            return;
        }
    }
}

/// Advances past the `}` closing a matcher block, skipping quoted values.
fn skip_matchers(chars: &mut Chars<'_>) {
    while let Some(c) = chars.next() {
        match c {
            '"' | '\'' => skip_string(chars, c, true),
            '`' => skip_string(chars, c, false),
            '}' => return,
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_brackets_and_operators() {
        assert_eq!(nesting_tokens("up"), 0);
        assert_eq!(nesting_tokens("sum(rate(x[5m])) / 2"), 4);
        assert_eq!(nesting_tokens("a or b AND c unless d"), 3);
        assert_eq!(nesting_tokens("-(-x)"), 3);
        assert_eq!(nesting_tokens("a >= bool 1"), 2);
    }

    #[test]
    fn skips_strings_matchers_comments_and_names() {
        assert_eq!(nesting_tokens(r#"x{a=~"(((", b!="or"}"#), 0);
        assert_eq!(
            nesting_tokens(r#"label_replace(x, "a", "((\")", "b", "")"#),
            1
        );
        assert_eq!(nesting_tokens("x # (((\n"), 0);
        assert_eq!(nesting_tokens("node_or_andy:unless"), 0);
        assert_eq!(nesting_tokens("`(((`"), 0);
    }

    #[test]
    fn deep_queries_are_refused() {
        let deep = format!("{}x{}", "abs(".repeat(1001), ")".repeat(1001));
        let error = check_nesting(&deep).expect_err("too deep");
        assert_eq!(error.status().as_u16(), 400);
        let chain = "x or ".repeat(QUERY_NESTING_MAX) + "x";
        assert!(check_nesting(&chain).is_ok());
    }
}
