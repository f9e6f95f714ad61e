//! Parser for Prometheus's PromQL test-script language (`promql/testdata/*.test`
//! of Prometheus 2.42): `load`, `clear`, `eval`, `eval_fail`, `eval_ordered`,
//! series descriptions with the expanding notation, and expected results.

use estuary_types::{Label, Labels, stale_nan};

/// One command of a script.
#[derive(Debug)]
pub enum Command {
    /// `load <interval>` followed by series descriptions.
    Load {
        /// The interval between generated samples.
        interval_ms: i64,
        /// The series and their values (`None` = omitted).
        series: Vec<(Labels, Vec<Option<f64>>)>,
    },
    /// `clear`: drop all data.
    Clear,
    /// `eval[_fail|_ordered] instant at <time> <expr>` and expectations.
    Eval(EvalCommand),
}

/// An evaluation and what it must produce.
#[derive(Debug, Clone)]
pub struct EvalCommand {
    /// Line of the command.
    pub line: usize,
    /// The query text.
    pub expr: String,
    /// The evaluation time.
    pub time_ms: i64,
    /// `eval_fail`: evaluation must fail.
    pub fail: bool,
    /// `eval_ordered`: the order of results matters.
    pub ordered: bool,
    /// The expected result.
    pub expected: Expected,
}

/// The expected result of an evaluation.
#[derive(Debug, Clone)]
pub enum Expected {
    /// A scalar.
    Scalar(f64),
    /// A vector (possibly empty), in the written order.
    Vector(Vec<(Labels, f64)>),
}

/// Parses a whole script.
pub fn parse_script(text: &str) -> Result<Vec<Command>, String> {
    // As Prometheus does: trim every line and blank out comments; blank lines
    // end the definition block of a command.
    let lines: Vec<String> = text
        .lines()
        .map(|l| {
            let l = l.trim();
            if l.starts_with('#') {
                String::new()
            } else {
                l.to_string()
            }
        })
        .collect();
    let mut commands = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let line = &lines[i];
        let line_no = i + 1;
        if line.is_empty() {
            i += 1;
            continue;
        }
        let block_end = (i + 1..lines.len())
            .find(|&j| lines[j].is_empty())
            .unwrap_or(lines.len());
        let block = &lines[i + 1..block_end];
        if line == "clear" {
            commands.push(Command::Clear);
            i += 1;
            continue;
        }
        if let Some(rest) = line.strip_prefix("load ") {
            let interval_ms = parse_duration(rest.trim())
                .ok_or_else(|| format!("line {line_no}: bad load interval {rest:?}"))?;
            let mut series = Vec::with_capacity(block.len());
            for (offset, def) in block.iter().enumerate() {
                let (labels, values) =
                    parse_series(def).map_err(|e| format!("line {}: {e}", line_no + offset + 1))?;
                series.push((labels, values));
            }
            commands.push(Command::Load {
                interval_ms,
                series,
            });
            i = block_end;
            continue;
        }
        if line.starts_with("eval") {
            let eval = parse_eval(line, block).map_err(|e| format!("line {line_no}: {e}"))?;
            commands.push(Command::Eval(EvalCommand {
                line: line_no,
                ..eval
            }));
            i = block_end;
            continue;
        }
        return Err(format!("line {line_no}: unknown command {line:?}"));
    }
    Ok(commands)
}

fn parse_eval(line: &str, block: &[String]) -> Result<EvalCommand, String> {
    let (keyword, rest) = line
        .split_once(char::is_whitespace)
        .ok_or("eval without arguments")?;
    let (fail, ordered) = match keyword {
        "eval" => (false, false),
        "eval_fail" => (true, false),
        "eval_ordered" => (false, true),
        other => return Err(format!("unknown eval command {other:?}")),
    };
    let rest = rest
        .trim_start()
        .strip_prefix("instant")
        .ok_or("only instant evaluations are supported")?
        .trim_start();
    let rest = rest.strip_prefix("at").ok_or("missing 'at'")?.trim_start();
    let (time, expr) = rest
        .split_once(char::is_whitespace)
        .ok_or("missing expression")?;
    let time_ms = parse_duration(time).ok_or_else(|| format!("bad time {time:?}"))?;
    let mut series = Vec::new();
    let mut scalar = None;
    for def in block {
        if let Some(v) = parse_number(def) {
            scalar = Some(v);
            break;
        }
        let (labels, values) = parse_series(def)?;
        let value = values
            .first()
            .copied()
            .flatten()
            .ok_or("expected a value")?;
        series.push((labels, value));
    }
    let expected = match scalar {
        Some(v) => Expected::Scalar(v),
        None => Expected::Vector(series),
    };
    Ok(EvalCommand {
        line: 0,
        expr: expr.trim().to_string(),
        time_ms,
        fail,
        ordered,
        expected,
    })
}

/// Parses Prometheus durations such as `5m`, `1h30m`, `100ms`, `0s`.
pub fn parse_duration(text: &str) -> Option<i64> {
    let mut total: i64 = 0;
    let mut rest = text;
    if rest.is_empty() {
        return None;
    }
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        if digits == 0 {
            return None;
        }
        let number: i64 = rest[..digits].parse().ok()?;
        rest = &rest[digits..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(rest.len());
        let unit_ms = match &rest[..unit_len] {
            "ms" => 1,
            "s" => 1000,
            "m" => 60_000,
            "h" => 3_600_000,
            "d" => 86_400_000,
            "w" => 7 * 86_400_000,
            "y" => 365 * 86_400_000,
            _ => return None,
        };
        total = total.checked_add(number.checked_mul(unit_ms)?)?;
        rest = &rest[unit_len..];
    }
    Some(total)
}

/// A plain number as Prometheus's test scripts write them (`Inf`, `NaN`, ...).
pub fn parse_number(text: &str) -> Option<f64> {
    let (sign, body) = match text.as_bytes().first() {
        Some(b'+') => (1.0, &text[1..]),
        Some(b'-') => (-1.0, &text[1..]),
        _ => (1.0, text),
    };
    match body.to_ascii_lowercase().as_str() {
        "inf" => return Some(sign * f64::INFINITY),
        "nan" => return Some(f64::NAN),
        _ => {}
    }
    if body.is_empty()
        || !body
            .bytes()
            .all(|c| c.is_ascii_digit() || matches!(c, b'.' | b'e' | b'E' | b'+' | b'-'))
    {
        return None;
    }
    text.parse().ok()
}

/// Parses `name{a="b", ...} v1 v2 ...` into labels and expanded values.
pub fn parse_series(text: &str) -> Result<(Labels, Vec<Option<f64>>), String> {
    let text = text.trim();
    let name_end = text
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':'))
        .unwrap_or(text.len());
    let mut labels = Vec::new();
    if name_end > 0 {
        labels.push(Label::new("__name__", &text[..name_end]));
    }
    let mut rest = &text[name_end..];
    if let Some(inner) = rest.strip_prefix('{') {
        let (pairs, after) = parse_label_pairs(inner)?;
        labels.extend(pairs);
        rest = after;
    }
    let labels = Labels::new(labels).map_err(|e| e.to_string())?;
    let mut values = Vec::new();
    for token in rest.split_whitespace() {
        values.extend(expand_token(token)?);
    }
    Ok((labels, values))
}

/// Parses `a="b", c="d"}`; returns the labels and the text after the brace.
fn parse_label_pairs(mut text: &str) -> Result<(Vec<Label>, &str), String> {
    let mut labels = Vec::new();
    loop {
        text = text.trim_start();
        if let Some(after) = text.strip_prefix('}') {
            return Ok((labels, after));
        }
        let name_end = text
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .ok_or("unterminated label set")?;
        let name = &text[..name_end];
        text = text[name_end..].trim_start();
        text = text.strip_prefix('=').ok_or("expected '='")?.trim_start();
        let quote = text.chars().next().ok_or("expected a quoted value")?;
        if quote != '"' && quote != '\'' {
            return Err(format!("expected a quoted value at {text:?}"));
        }
        let mut value = String::new();
        let mut chars = text[1..].char_indices();
        let mut end = None;
        while let Some((i, c)) = chars.next() {
            match c {
                '\\' => match chars.next() {
                    Some((_, 'n')) => value.push('\n'),
                    Some((_, 't')) => value.push('\t'),
                    Some((_, other)) => value.push(other),
                    None => return Err("dangling escape".to_string()),
                },
                c if c == quote => {
                    end = Some(i + 2);
                    break;
                }
                c => value.push(c),
            }
        }
        let end = end.ok_or("unterminated label value")?;
        labels.push(Label::new(name, value));
        text = text[end..].trim_start();
        if let Some(after) = text.strip_prefix(',') {
            text = after;
        }
    }
}

/// Expands one value token: `_`, `_xN`, `stale`, `v`, `vxN`, `a+bxN`, `a-bxN`.
fn expand_token(token: &str) -> Result<Vec<Option<f64>>, String> {
    if token == "_" {
        return Ok(vec![None]);
    }
    if let Some(count) = token.strip_prefix("_x") {
        let n: usize = count.parse().map_err(|_| format!("bad token {token:?}"))?;
        return Ok(vec![None; n]);
    }
    if token == "stale" {
        return Ok(vec![Some(stale_nan())]);
    }
    let (body, times) = match token.rfind('x') {
        Some(pos)
            if pos + 1 < token.len() && token[pos + 1..].bytes().all(|c| c.is_ascii_digit()) =>
        {
            let n: usize = token[pos + 1..]
                .parse()
                .map_err(|_| format!("bad token {token:?}"))?;
            (&token[..pos], Some(n))
        }
        _ => (token, None),
    };
    let split = increment_split(body);
    let (start, increment) = match split {
        Some(pos) => (&body[..pos], Some(&body[pos..])),
        None => (body, None),
    };
    let start = parse_number(start).ok_or_else(|| format!("bad number in {token:?}"))?;
    let increment = match increment {
        Some(text) => parse_number(text).ok_or_else(|| format!("bad increment in {token:?}"))?,
        None => 0.0,
    };
    let Some(n) = times else {
        if split.is_some() {
            return Err(format!("increment without repetition in {token:?}"));
        }
        return Ok(vec![Some(start)]);
    };
    let mut values = Vec::with_capacity(n + 1);
    let mut current = start;
    for _ in 0..=n {
        values.push(Some(current));
        current += increment;
    }
    Ok(values)
}

/// Where the increment of `a+b` / `a-b` starts: a sign that is neither the
/// leading sign nor part of an exponent.
fn increment_split(body: &str) -> Option<usize> {
    let bytes = body.as_bytes();
    (1..bytes.len())
        .find(|&i| matches!(bytes[i], b'+' | b'-') && !matches!(bytes[i - 1], b'e' | b'E'))
}
