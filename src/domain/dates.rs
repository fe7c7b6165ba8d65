//! Dates as people type them: `2026-03-01`, `today`, `tomorrow`, `+3d`, `-1w`, `fri`.
//! "Today" is always passed in, never read from the clock here.

use chrono::format::{Item, Numeric, Pad, Parsed};
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

/// [`DATE_FORMAT`] as chrono reads it, spelled out once. `parse_from_str` and `format`
/// take the format text apart again on every call, which was the largest single cost of
/// reading a million stored dates (reports, "Call them first"); the same items, held here,
/// parse and print the same text (a test compares them with chrono's own reading).
const DATE_ITEMS: &[Item<'static>] = &[
    Item::Numeric(Numeric::Year, Pad::Zero),
    Item::Literal("-"),
    Item::Numeric(Numeric::Month, Pad::Zero),
    Item::Literal("-"),
    Item::Numeric(Numeric::Day, Pad::Zero),
];

/// [`DATETIME_FORMAT`] as chrono reads it (see [`DATE_ITEMS`]).
const DATETIME_ITEMS: &[Item<'static>] = &[
    Item::Numeric(Numeric::Year, Pad::Zero),
    Item::Literal("-"),
    Item::Numeric(Numeric::Month, Pad::Zero),
    Item::Literal("-"),
    Item::Numeric(Numeric::Day, Pad::Zero),
    Item::Literal("T"),
    Item::Numeric(Numeric::Hour, Pad::Zero),
    Item::Literal(":"),
    Item::Numeric(Numeric::Minute, Pad::Zero),
    Item::Literal(":"),
    Item::Numeric(Numeric::Second, Pad::Zero),
];

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
            .or_else(|| parse_stored_date(text)),
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
    let mut text = String::with_capacity(10);
    if !push_date(&mut text, date) {
        return date.format_with_items(DATE_ITEMS.iter()).to_string();
    }
    text
}

/// The number written with exactly `digits` ASCII digits at `text[at..]`.
fn digits_at(text: &[u8], at: usize, digits: usize) -> Option<u32> {
    let part = text.get(at..at + digits)?;
    part.iter().try_fold(0u32, |value, byte| {
        byte.is_ascii_digit()
            .then(|| value * 10 + u32::from(byte - b'0'))
    })
}

/// `YYYY-MM-DD` read by hand (the only form Candor stores); `None` for anything else.
fn stored_date_fast(text: &[u8]) -> Option<NaiveDate> {
    if text.len() < 10 || text[4] != b'-' || text[7] != b'-' {
        return None;
    }
    NaiveDate::from_ymd_opt(
        i32::try_from(digits_at(text, 0, 4)?).ok()?,
        digits_at(text, 5, 2)?,
        digits_at(text, 8, 2)?,
    )
}

/// Formats a local date-time the way Candor stores and exports it.
pub fn format_datetime(datetime: NaiveDateTime) -> String {
    use chrono::Timelike as _;
    // Written digit by digit: an import or `candor generate` formats millions of these,
    // and chrono's general formatter (parsing the pattern each time) was a tenth of it.
    let mut text = String::with_capacity(19);
    if !push_date(&mut text, datetime.date()) {
        return datetime
            .format_with_items(DATETIME_ITEMS.iter())
            .to_string();
    }
    text.push('T');
    for (i, part) in [datetime.hour(), datetime.minute(), datetime.second()]
        .into_iter()
        .enumerate()
    {
        if i > 0 {
            text.push(':');
        }
        push_two_digits(&mut text, part);
    }
    text
}

/// Appends `date` as `2026-03-01` ([`DATE_FORMAT`]); false (nothing appended) for a year
/// that is not written with four digits, left to chrono.
/// `date` as [`format_date`] writes it, shown without a `String` of its own (reports write
/// tens of thousands of dates).
pub struct DateText(pub NaiveDate);

impl std::fmt::Display for DateText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use chrono::Datelike as _;
        match u32::try_from(self.0.year()) {
            Ok(year) if year <= 9999 => {
                let digit = |value: u32| b'0' + (value % 10) as u8;
                let (month, day) = (self.0.month(), self.0.day());
                let text = [
                    digit(year / 1000),
                    digit(year / 100),
                    digit(year / 10),
                    digit(year),
                    b'-',
                    digit(month / 10),
                    digit(month),
                    b'-',
                    digit(day / 10),
                    digit(day),
                ];
                f.write_str(std::str::from_utf8(&text).map_err(|_| std::fmt::Error)?)
            }
            _ => f.write_str(&format_date(self.0)),
        }
    }
}

fn push_date(text: &mut String, date: NaiveDate) -> bool {
    use chrono::Datelike as _;
    let Ok(year) = u32::try_from(date.year()) else {
        return false;
    };
    if year > 9999 {
        return false;
    }
    push_two_digits(text, year / 100);
    push_two_digits(text, year % 100);
    text.push('-');
    push_two_digits(text, date.month());
    text.push('-');
    push_two_digits(text, date.day());
    true
}

fn push_two_digits(text: &mut String, value: u32) {
    text.push(char::from(b'0' + (value / 10 % 10) as u8));
    text.push(char::from(b'0' + (value % 10) as u8));
}

/// Parses a stored ISO date-time (seconds precision, as [`format_datetime`] writes); the
/// same as `NaiveDateTime::parse_from_str(text, DATETIME_FORMAT)`.
pub fn parse_stored_datetime(text: &str) -> Option<NaiveDateTime> {
    // The stored form `YYYY-MM-DDTHH:MM:SS` is read by hand (the team ranking reads
    // millions); anything else goes to chrono, which decides as before.
    let bytes = text.as_bytes();
    if bytes.len() == 19 && bytes[10] == b'T' && bytes[13] == b':' && bytes[16] == b':' {
        let time = NaiveTime::from_hms_opt(
            digits_at(bytes, 11, 2)?,
            digits_at(bytes, 14, 2)?,
            digits_at(bytes, 17, 2)?,
        );
        if let (Some(date), Some(time)) = (stored_date_fast(bytes), time) {
            return Some(date.and_time(time));
        }
    }
    let mut parsed = Parsed::new();
    chrono::format::parse(&mut parsed, text, DATETIME_ITEMS.iter()).ok()?;
    parsed.to_naive_datetime_with_offset(0).ok()
}

/// Parses a stored ISO date; the same as `NaiveDate::parse_from_str(text, DATE_FORMAT)`.
pub fn parse_stored_date(text: &str) -> Option<NaiveDate> {
    if text.len() == 10
        && let Some(date) = stored_date_fast(text.as_bytes())
    {
        return Some(date);
    }
    let mut parsed = Parsed::new();
    chrono::format::parse(&mut parsed, text, DATE_ITEMS.iter()).ok()?;
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

    #[test]
    fn dates_and_times_are_written_as_chrono_writes_them() {
        let times = [
            (1900, 1, 1, 0, 0, 0),
            (2026, 3, 1, 9, 30, 5),
            (2199, 12, 31, 23, 59, 59),
            (999, 7, 4, 12, 0, 0),
            (12_345, 6, 7, 8, 9, 10),
            (-44, 3, 15, 11, 1, 2),
        ];
        for (y, mo, d, h, mi, s) in times {
            let date = NaiveDate::from_ymd_opt(y, mo, d).unwrap();
            let time = date.and_hms_opt(h, mi, s).unwrap();
            assert_eq!(format_date(date), date.format(DATE_FORMAT).to_string());
            assert_eq!(
                format_datetime(time),
                time.format(DATETIME_FORMAT).to_string()
            );
        }
    }

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
    fn the_spelled_out_formats_are_chronos_reading_of_the_format_text() {
        use chrono::format::StrftimeItems;
        assert_eq!(
            StrftimeItems::new(DATE_FORMAT).collect::<Vec<_>>(),
            DATE_ITEMS.to_vec()
        );
        assert_eq!(
            StrftimeItems::new(DATETIME_FORMAT).collect::<Vec<_>>(),
            DATETIME_ITEMS.to_vec()
        );
    }

    #[test]
    fn stored_dates_read_and_print_as_with_the_format_text() {
        let at = day(2026, 3, 1).and_hms_opt(9, 5, 7).unwrap();
        assert_eq!(format_datetime(at), "2026-03-01T09:05:07");
        assert_eq!(format_date(at.date()), "2026-03-01");
        for date in [
            at.date(),
            day(1, 1, 1),
            day(999, 12, 31),
            day(9999, 12, 31),
            day(10000, 1, 1),
            day(-44, 3, 15),
        ] {
            assert_eq!(DateText(date).to_string(), format_date(date), "{date:?}");
        }
        for text in [
            "2026-03-01T09:05:07",
            "2026-3-1T9:05:07",
            "2026-03-01 09:05:07",
            "2026-03-01T09:05",
            "2026-02-30T09:05:07",
            "2026-03-01T09:05:07Z",
            "",
        ] {
            assert_eq!(
                parse_stored_datetime(text),
                NaiveDateTime::parse_from_str(text, DATETIME_FORMAT).ok(),
                "{text}"
            );
        }
        for text in [
            "2026-03-01",
            "2026-3-1",
            "2026-02-30",
            "2026-03-01T09:05",
            "x",
        ] {
            assert_eq!(
                parse_stored_date(text),
                NaiveDate::parse_from_str(text, DATE_FORMAT).ok(),
                "{text}"
            );
        }
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

    #[test]
    fn stored_dates_read_and_write_as_chrono_does() {
        for text in [
            "2026-11-20",
            "1900-01-01",
            "2199-12-31",
            "0000-01-01",
            "9999-12-31",
            "2024-02-29",
            "2026-02-29",
            "2026-13-01",
            "2026-00-10",
            "2026-1-05",
            "2026-01-5x",
            "2026/01/05",
            "20260105",
            "",
            "2026-01-05 ",
            "+2026-01-05",
            "２０２６-01-05",
        ] {
            let chrono = NaiveDate::parse_from_str(text, DATE_FORMAT).ok();
            assert_eq!(parse_stored_date(text), chrono, "{text:?}");
            if let Some(date) = chrono {
                assert_eq!(format_date(date), date.format(DATE_FORMAT).to_string());
            }
        }
        for text in [
            "2026-11-20T09:05:00",
            "2026-11-20T23:59:59",
            "2026-11-20T24:00:00",
            "2026-11-20T09:60:00",
            "2026-11-20T09:05:60",
            "2026-11-20 09:05:00",
            "2026-11-20T9:05:00",
            "2026-02-30T09:05:00",
            "2026-11-20T09:05",
            "",
        ] {
            let chrono = NaiveDateTime::parse_from_str(text, DATETIME_FORMAT).ok();
            assert_eq!(parse_stored_datetime(text), chrono, "{text:?}");
        }
        for date in [NaiveDate::MIN, NaiveDate::MAX, MIN_DATE, MAX_DATE] {
            assert_eq!(format_date(date), date.format(DATE_FORMAT).to_string());
        }
    }
}
