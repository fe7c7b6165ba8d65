//! Dates as people type them: `2026-03-01`, `today`, `tomorrow`, `+3d`, `-1w`, `fri`.
//! "Today" is always passed in, never read from the clock here.

use chrono::{Datelike, Days, NaiveDate, NaiveDateTime, NaiveTime, Weekday};

use super::ValidationError;

/// The earliest date Candor accepts; anything before is surely a typo.
pub const MIN_DATE: NaiveDate = NaiveDate::from_ymd_opt(1900, 1, 1).expect("valid constant");
/// The latest date Candor accepts.
pub const MAX_DATE: NaiveDate = NaiveDate::from_ymd_opt(2199, 12, 31).expect("valid constant");

/// The ISO format Candor writes dates in.
pub const DATE_FORMAT: &str = "%Y-%m-%d";
/// The ISO format Candor writes local date-times in (seconds precision).
pub const DATETIME_FORMAT: &str = "%Y-%m-%dT%H:%M:%S";

/// Parses a typed date relative to `today`.
pub fn parse_date(text: &str, today: NaiveDate) -> Result<NaiveDate, ValidationError> {
    let text = text.trim();
    let lower = text.to_lowercase();
    let date = match lower.as_str() {
        "" => {
            return Err(ValidationError::new(
                "The date is empty: type a date like 2026-03-01, \"today\", \"tomorrow\" or \"+3d\".",
            ));
        }
        "today" | "now" => Some(today),
        "tomorrow" => today.checked_add_days(Days::new(1)),
        "yesterday" => today.checked_sub_days(Days::new(1)),
        _ => parse_offset(&lower, today)
            .or_else(|| parse_weekday(&lower, today))
            .or_else(|| NaiveDate::parse_from_str(text, DATE_FORMAT).ok()),
    };
    let Some(date) = date else {
        return Err(ValidationError::new(format!(
            "\"{text}\" is not a date Candor understands: type it as YYYY-MM-DD (e.g. 2026-03-01), \"today\", \"tomorrow\" or \"+3d\"."
        )));
    };
    check_range(date)
}

/// Parses a typed date-time: a date as [`parse_date`] takes it, optionally followed by a
/// time `HH:MM` (or `THH:MM:SS`). Without a time, `default_time` is used.
pub fn parse_datetime(
    text: &str,
    today: NaiveDate,
    default_time: NaiveTime,
) -> Result<NaiveDateTime, ValidationError> {
    let text = text.trim();
    for format in [
        DATETIME_FORMAT,
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M",
    ] {
        if let Ok(datetime) = NaiveDateTime::parse_from_str(text, format) {
            check_range(datetime.date())?;
            return Ok(datetime);
        }
    }
    if let Some((date_part, time_part)) = text.rsplit_once(' ')
        && let Ok(time) = NaiveTime::parse_from_str(time_part, "%H:%M")
    {
        return Ok(parse_date(date_part, today)?.and_time(time));
    }
    Ok(parse_date(text, today)?.and_time(default_time))
}

/// Formats a date the way Candor writes it everywhere.
pub fn format_date(date: NaiveDate) -> String {
    date.format(DATE_FORMAT).to_string()
}

/// Formats a local date-time the way Candor stores and exports it.
pub fn format_datetime(datetime: NaiveDateTime) -> String {
    datetime.format(DATETIME_FORMAT).to_string()
}

/// [`DATE_FORMAT`] and [`DATETIME_FORMAT`] read once into chrono's parse items: what
/// `parse_from_str` does on every call, which was most of the time spent reading the
/// hundreds of thousands of stored dates the Insights read.
static STORED_FORMATS: std::sync::LazyLock<[Vec<chrono::format::Item<'static>>; 2]> =
    std::sync::LazyLock::new(|| {
        use chrono::format::StrftimeItems;
        [DATE_FORMAT, DATETIME_FORMAT].map(|format| {
            StrftimeItems::new(format)
                .parse_to_owned()
                .unwrap_or_default()
        })
    });

/// Parses a stored ISO date-time (seconds precision, as [`format_datetime`] writes); the
/// same as `NaiveDateTime::parse_from_str(text, DATETIME_FORMAT)`.
pub fn parse_stored_datetime(text: &str) -> Option<NaiveDateTime> {
    let mut parsed = chrono::format::Parsed::new();
    chrono::format::parse(&mut parsed, text, STORED_FORMATS[1].iter()).ok()?;
    parsed.to_naive_datetime_with_offset(0).ok()
}

/// Parses a stored ISO date; the same as `NaiveDate::parse_from_str(text, DATE_FORMAT)`.
pub fn parse_stored_date(text: &str) -> Option<NaiveDate> {
    let mut parsed = chrono::format::Parsed::new();
    chrono::format::parse(&mut parsed, text, STORED_FORMATS[0].iter()).ok()?;
    parsed.to_naive_date().ok()
}

/// Whole days from `earlier` to `later` (negative when `later` is before `earlier`).
pub fn days_between(earlier: NaiveDate, later: NaiveDate) -> i64 {
    (later - earlier).num_days()
}

/// Refuses dates outside [`MIN_DATE`]..=[`MAX_DATE`] with a sentence.
pub fn check_range(date: NaiveDate) -> Result<NaiveDate, ValidationError> {
    if date < MIN_DATE || date > MAX_DATE {
        return Err(ValidationError::new(format!(
            "{} is out of range: Candor keeps dates between {} and {}.",
            format_date(date),
            MIN_DATE.year(),
            MAX_DATE.year()
        )));
    }
    Ok(date)
}

/// `+3d`, `-2w`, `+1m` (30 days), `3d`.
fn parse_offset(text: &str, today: NaiveDate) -> Option<NaiveDate> {
    let (sign, rest) = match text.strip_prefix('-') {
        Some(rest) => (-1, rest),
        None => (1, text.strip_prefix('+').unwrap_or(text)),
    };
    let unit = rest.chars().last()?;
    let days_per_unit: i64 = match unit {
        'd' => 1,
        'w' => 7,
        'm' => 30,
        _ => return None,
    };
    let count: i64 = rest[..rest.len() - unit.len_utf8()].parse().ok()?;
    let days = count.checked_mul(days_per_unit)?.checked_mul(sign)?;
    today.checked_add_signed(chrono::Duration::try_days(days)?)
}

/// The next given weekday after today ("fri" on a Friday means next Friday).
fn parse_weekday(text: &str, today: NaiveDate) -> Option<NaiveDate> {
    let weekday: Weekday = text.parse().ok()?;
    let ahead = (7 + weekday.num_days_from_monday() as i64
        - today.weekday().num_days_from_monday() as i64)
        % 7;
    let ahead = if ahead == 0 { 7 } else { ahead };
    today.checked_add_days(Days::new(ahead as u64))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn stored_dates_read_exactly_as_chrono_reads_their_format() {
        let texts = [
            "2026-03-01",
            "2026-03-01T09:30:00",
            "2026-02-30",
            "2026-02-30T09:30:00",
            "2026-03-01T24:00:00",
            "2026-3-1",
            " 2026-03-01",
            "2026-03-01 09:30:00",
            "2026-03-01T09:30",
            "2026-03-01T09:30:00.5",
            "20260301",
            "",
            "tomorrow",
        ];
        for text in texts {
            assert_eq!(
                parse_stored_date(text),
                NaiveDate::parse_from_str(text, DATE_FORMAT).ok(),
                "{text}"
            );
            assert_eq!(
                parse_stored_datetime(text),
                NaiveDateTime::parse_from_str(text, DATETIME_FORMAT).ok(),
                "{text}"
            );
        }
        assert_eq!(parse_stored_date("2026-03-01"), Some(day(2026, 3, 1)));
    }

    #[test]
    fn words_and_offsets_are_relative_to_today() {
        let today = day(2026, 11, 20); // a Friday
        assert_eq!(parse_date("today", today), Ok(today));
        assert_eq!(parse_date("Tomorrow", today), Ok(day(2026, 11, 21)));
        assert_eq!(parse_date("+3d", today), Ok(day(2026, 11, 23)));
        assert_eq!(parse_date("3d", today), Ok(day(2026, 11, 23)));
        assert_eq!(parse_date("-1w", today), Ok(day(2026, 11, 13)));
        assert_eq!(parse_date("tue", today), Ok(day(2026, 11, 24)));
        assert_eq!(parse_date("friday", today), Ok(day(2026, 11, 27)));
        assert_eq!(parse_date(" 2026-03-01 ", today), Ok(day(2026, 3, 1)));
    }

    #[test]
    fn malformed_and_out_of_range_dates_say_what_to_type() {
        let today = day(2026, 11, 20);
        for bad in [
            "2026-13-01",
            "2026-02-30",
            "next week",
            "01/03/2026",
            "+d",
            "",
        ] {
            let err = parse_date(bad, today).unwrap_err();
            assert!(
                err.0.contains("YYYY-MM-DD") || err.0.contains("empty"),
                "{bad}: {err}"
            );
        }
        let err = parse_date("1850-01-01", today).unwrap_err();
        assert!(err.0.contains("out of range"), "{err}");
        assert!(parse_date("+99999999999d", today).is_err());
    }

    #[test]
    fn datetimes_take_an_optional_time() {
        let today = day(2026, 11, 20);
        let nine = NaiveTime::from_hms_opt(9, 0, 0).unwrap();
        assert_eq!(
            parse_datetime("2026-11-19 14:30", today, nine).unwrap(),
            day(2026, 11, 19).and_hms_opt(14, 30, 0).unwrap()
        );
        assert_eq!(
            parse_datetime("yesterday 08:15", today, nine).unwrap(),
            day(2026, 11, 19).and_hms_opt(8, 15, 0).unwrap()
        );
        assert_eq!(
            parse_datetime("today", today, nine).unwrap(),
            today.and_time(nine)
        );
        assert!(parse_datetime("2026-11-19 25:00", today, nine).is_err());
    }
}
