//! Dates at the precision the report gives: `2023.8`, `2023年8月`, `2023-08-31`, `2023年`.

use super::{normalise, ValueError};
use chrono::NaiveDate;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DatePrecision {
    Year,
    Month,
    Day,
}

impl DatePrecision {
    pub fn as_str(self) -> &'static str {
        match self {
            DatePrecision::Year => "year",
            DatePrecision::Month => "month",
            DatePrecision::Day => "day",
        }
    }
}

/// A date and how much of it the text gave. `date` is the first day of the period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParsedDate {
    pub date: NaiveDate,
    pub precision: DatePrecision,
}

/// Parses a date; `None` for a missing cell is the caller's business (see `is_missing`).
pub fn parse_date(text: &str) -> Result<ParsedDate, ValueError> {
    let norm = normalise(text);
    let bad = || ValueError::new("date", format!("`{text}` is not a date such as 2023.8, 2023年8月 or 2023-08-31"));
    // 2023年8月31日, 2023.8, 2023/8/31, 2023-08-31: up to three numbers between separators.
    let sep = |c: char| matches!(c, '年' | '月' | '.' | '/' | '-' | '日' | '号');
    let mut found = [""; 16];
    let mut n = 0;
    for part in norm.trim_end_matches(sep).split(sep) {
        if n == found.len() {
            return Err(bad());
        }
        found[n] = part;
        n += 1;
    }
    let parts = &found[..n];
    if parts.iter().any(|p| p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()) || p.len() > 4) {
        return Err(bad());
    }
    let num = |s: &str| s.parse::<u32>().map_err(|_| bad());
    let year = num(parts[0])?;
    if parts[0].len() != 4 || !(1900..=2100).contains(&year) {
        return Err(ValueError::new("date", format!("`{text}`: the year must have four digits between 1900 and 2100")));
    }
    let (month, day, precision) = match parts.len() {
        1 => (1, 1, DatePrecision::Year),
        2 => (num(parts[1])?, 1, DatePrecision::Month),
        3 => (num(parts[1])?, num(parts[2])?, DatePrecision::Day),
        _ => return Err(bad()),
    };
    let date = NaiveDate::from_ymd_opt(year as i32, month, day)
        .ok_or_else(|| ValueError::new("date", format!("`{text}` is not a calendar date")))?;
    Ok(ParsedDate { date, precision })
}
