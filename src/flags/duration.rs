//! Go-style durations for flags: `30s`, `1m30s`, `10m`, `1h`, `500ms`, `2d`.

use std::time::Duration;

/// Parses a duration made of `<number><unit>` parts; units ms, s, m, h, d, w.
pub fn parse_duration(input: &str) -> Result<Duration, String> {
    let error = || format!("invalid duration {input:?}: expected e.g. 30s, 1m30s, 10m, 1h, 500ms");
    if input.is_empty() {
        return Err(error());
    }
    let mut total_ms: u128 = 0;
    let mut rest = input;
    while !rest.is_empty() {
        let digits = rest.bytes().take_while(|b| b.is_ascii_digit()).count();
        if digits == 0 {
            return Err(error());
        }
        let number: u128 = rest[..digits].parse().map_err(|_| error())?;
        rest = &rest[digits..];
        let unit_len = rest.bytes().take_while(|b| b.is_ascii_alphabetic()).count();
        let unit_ms: u128 = match &rest[..unit_len] {
            "ms" => 1,
            "s" => 1_000,
            "m" => 60_000,
            "h" => 3_600_000,
            "d" => 86_400_000,
            "w" => 7 * 86_400_000,
            _ => return Err(error()),
        };
        rest = &rest[unit_len..];
        total_ms = total_ms
            .checked_add(number.checked_mul(unit_ms).ok_or_else(error)?)
            .ok_or_else(error)?;
    }
    let total_ms = u64::try_from(total_ms).map_err(|_| error())?;
    Ok(Duration::from_millis(total_ms))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_compound_durations() {
        assert_eq!(parse_duration("1m30s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert!(parse_duration("10").is_err());
        assert!(parse_duration("1x").is_err());
        assert!(parse_duration("").is_err());
    }
}
