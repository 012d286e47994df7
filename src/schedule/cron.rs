//! Standard 5-field cron expressions (`分 时 日 月 周`) and the search for
//! their next firing times.
//!
//! This is written by hand instead of using a cron crate because we need:
//!
//! * exact Vixie-cron semantics, in particular the day-of-month /
//!   day-of-week rule: when *both* fields are restricted (their text does not
//!   start with `*`) a day matches if *either* field matches, otherwise both
//!   must match. A field starting with `*` — including `*/2` — counts as
//!   unrestricted for this rule, exactly as Vixie cron's `DOM_STAR`/`DOW_STAR`
//!   flags do. Most crates either use Quartz semantics (6/7 fields, `?`) or
//!   always AND the two day fields;
//! * exactly 5 fields (no seconds, no years), plus the usual `@` macros;
//! * error messages in Simplified Chinese that name the field and the
//!   offending token, because they are shown to end users.
//!
//! Supported syntax per field: `*`, `n`, `a-b`, `*/n`, `a-b/n`, `a/n`
//! (= `a-max/n`), comma lists of these, month names `JAN`–`DEC` and weekday
//! names `SUN`–`SAT` (case-insensitive, also inside ranges such as
//! `MON-FRI`), and day-of-week `0`–`7` where `7` is Sunday. As in Vixie cron
//! the day-of-week field internally spans `0`–`7`, so `*/n` and `a/n` are
//! stepped over `0..=7` and a hit on `7` means Sunday.
//!
//! Time zones: firing times are computed on the local wall clock of the
//! zone of the `after` argument. A wall-clock time that does not exist
//! (spring-forward gap) is skipped; an ambiguous one (fall-back overlap)
//! fires only once, at its earliest instant.

use std::fmt;
use std::str::FromStr;

use chrono::{
    DateTime, Datelike, Duration, LocalResult, Months, NaiveDate, NaiveDateTime, TimeZone, Timelike,
};

/// How far ahead [`CronExpr::next_after`] searches before giving up.
const SEARCH_MONTHS: u32 = 10 * 12;

/// Which of the five fields an error refers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CronField {
    Minute,
    Hour,
    DayOfMonth,
    Month,
    DayOfWeek,
}

impl CronField {
    const ALL: [CronField; 5] = [
        CronField::Minute,
        CronField::Hour,
        CronField::DayOfMonth,
        CronField::Month,
        CronField::DayOfWeek,
    ];

    /// Inclusive range of values accepted in the field text.
    fn bounds(self) -> (u32, u32) {
        match self {
            CronField::Minute => (0, 59),
            CronField::Hour => (0, 23),
            CronField::DayOfMonth => (1, 31),
            CronField::Month => (1, 12),
            // 7 is accepted as an alias for Sunday.
            CronField::DayOfWeek => (0, 7),
        }
    }

    fn names(self) -> &'static [&'static str] {
        const MONTHS: [&str; 12] = [
            "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
        ];
        const DAYS: [&str; 7] = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];
        match self {
            CronField::Month => &MONTHS,
            CronField::DayOfWeek => &DAYS,
            _ => &[],
        }
    }

    /// Value of the first name in [`Self::names`].
    fn name_base(self) -> u32 {
        match self {
            CronField::Month => 1,
            _ => 0,
        }
    }
}

impl fmt::Display for CronField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CronField::Minute => "分钟",
            CronField::Hour => "小时",
            CronField::DayOfMonth => "日",
            CronField::Month => "月",
            CronField::DayOfWeek => "星期",
        })
    }
}

/// Error while parsing a cron expression. All messages are user-facing
/// (Simplified Chinese).
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum CronError {
    #[error("定时表达式为空")]
    Empty,
    #[error("定时表达式应有 5 个字段（分 时 日 月 周），实际有 {count} 个：「{expr}」")]
    FieldCount { expr: String, count: usize },
    #[error(
        "不支持「@reboot」：这里的定时任务只能按时间触发，请改用具体时间（例如 @daily 或「0 9 * * *」）"
    )]
    Reboot,
    #[error(
        "无法识别的定时宏「{name}」，可用的有 @yearly、@annually、@monthly、@weekly、@daily、@midnight、@hourly"
    )]
    UnknownMacro { name: String },
    #[error("定时表达式「{expr}」的{field}字段「{token}」无法识别{hint}")]
    InvalidToken {
        expr: String,
        field: CronField,
        token: String,
        hint: &'static str,
    },
    #[error("定时表达式「{expr}」的{field}字段「{token}」超出范围 {min}–{max}")]
    OutOfRange {
        expr: String,
        field: CronField,
        token: String,
        min: u32,
        max: u32,
    },
    #[error("定时表达式「{expr}」的{field}字段「{token}」步长不能为 0")]
    ZeroStep {
        expr: String,
        field: CronField,
        token: String,
    },
    #[error("定时表达式「{expr}」的{field}字段「{token}」范围起点大于终点")]
    ReversedRange {
        expr: String,
        field: CronField,
        token: String,
    },
}

/// A parsed 5-field cron expression.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CronExpr {
    /// Bits 0–59.
    minutes: u64,
    /// Bits 0–23.
    hours: u32,
    /// Bits 1–31.
    dom: u32,
    /// Bits 1–12.
    months: u16,
    /// Bits 0–6 (Sunday = 0; a 7 in the source is folded into bit 0).
    dow: u8,
    /// Day-of-month field text starts with `*` (unrestricted for the OR rule).
    dom_star: bool,
    /// Day-of-week field text starts with `*` (unrestricted for the OR rule).
    dow_star: bool,
    /// The source text, trimmed.
    source: String,
}

impl FromStr for CronExpr {
    type Err = CronError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let source = s.trim();
        if source.is_empty() {
            return Err(CronError::Empty);
        }
        let expanded = if source.starts_with('@') {
            expand_macro(source)?
        } else {
            source
        };
        let fields: Vec<&str> = expanded.split_whitespace().collect();
        if fields.len() != 5 {
            return Err(CronError::FieldCount {
                expr: source.to_owned(),
                count: fields.len(),
            });
        }
        let mut bits = [0u64; 5];
        for ((slot, text), field) in bits.iter_mut().zip(&fields).zip(CronField::ALL) {
            *slot = parse_field(source, field, text)?;
        }
        // Fold day-of-week 7 into 0 (both mean Sunday).
        let mut dow = bits[4];
        if dow & (1 << 7) != 0 {
            dow = (dow | 1) & !(1 << 7);
        }
        // Every value was range-checked, so these narrowing casts are lossless.
        Ok(CronExpr {
            minutes: bits[0],
            hours: bits[1] as u32,
            dom: bits[2] as u32,
            months: bits[3] as u16,
            dow: dow as u8,
            dom_star: fields[2].starts_with('*'),
            dow_star: fields[4].starts_with('*'),
            source: source.to_owned(),
        })
    }
}

impl fmt::Display for CronExpr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.source)
    }
}

impl CronExpr {
    /// First firing time strictly after `after` (minute resolution; seconds
    /// are dropped), evaluated on the local wall clock of `after`'s time zone.
    ///
    /// Nonexistent local times (DST gaps) are skipped; ambiguous local times
    /// (DST overlaps) fire once, at the earliest of the two instants.
    /// Returns `None` if the expression does not fire within about 10 years
    /// (e.g. `"0 0 30 2 *"` never fires).
    pub fn next_after<Tz: TimeZone>(&self, after: &DateTime<Tz>) -> Option<DateTime<Tz>> {
        let tz = after.timezone();
        let local = after.naive_local();
        // Truncate to the minute, then move to the next minute.
        let mut candidate = local
            .date()
            .and_hms_opt(local.hour(), local.minute(), 0)?
            .checked_add_signed(Duration::minutes(1))?;
        let limit = candidate
            .date()
            .checked_add_months(Months::new(SEARCH_MONTHS))?;
        loop {
            let naive = self.next_naive(candidate, limit)?;
            let resolved = match tz.from_local_datetime(&naive) {
                LocalResult::Single(dt) => Some(dt),
                LocalResult::Ambiguous(earliest, _) => Some(earliest),
                LocalResult::None => None,
            };
            if let Some(dt) = resolved {
                // With an ambiguous time the earliest instant may lie before
                // `after` (we are in the second pass of a repeated hour): it
                // has already fired then, so keep searching.
                if dt > *after {
                    return Some(dt);
                }
            }
            candidate = naive.checked_add_signed(Duration::minutes(1))?;
        }
    }

    /// Iterator over the firing times after `after`, in order (see
    /// [`Self::next_after`]); take the next `n` with `.take(n)`. It ends when
    /// no further firing time is found within the search horizon.
    pub fn upcoming<Tz: TimeZone>(
        &self,
        after: &DateTime<Tz>,
    ) -> impl Iterator<Item = DateTime<Tz>> + use<'_, Tz> {
        std::iter::successors(self.next_after(after), move |prev| self.next_after(prev))
    }

    /// The source text of the expression (trimmed).
    pub fn as_str(&self) -> &str {
        &self.source
    }

    /// Whether the calendar day `date` matches, applying Vixie cron's
    /// day-of-month / day-of-week rule.
    fn day_matches(&self, date: NaiveDate) -> bool {
        let dom_ok = self.dom & (1 << date.day()) != 0;
        let dow_ok = self.dow & (1 << date.weekday().num_days_from_sunday()) != 0;
        if self.dom_star || self.dow_star {
            dom_ok && dow_ok
        } else {
            dom_ok || dow_ok
        }
    }

    /// First matching (hour, minute) at or after `hour:minute` on one day.
    fn first_time_from(&self, hour: u32, minute: u32) -> Option<(u32, u32)> {
        let hours = self.hours & (u32::MAX << hour);
        for h in (hour..24).filter(|h| hours & (1 << h) != 0) {
            let from = if h == hour { minute } else { 0 };
            let mins = self.minutes & (u64::MAX << from);
            if mins != 0 {
                return Some((h, mins.trailing_zeros()));
            }
        }
        None
    }

    /// First matching naive local time at or after `start` (which must be a
    /// whole minute), not later than the day `limit`. Whole months and days
    /// that cannot match are skipped, so the cost is bounded by the number
    /// of days in matching months within the horizon.
    fn next_naive(&self, start: NaiveDateTime, limit: NaiveDate) -> Option<NaiveDateTime> {
        let mut date = start.date();
        let (mut hour, mut minute) = (start.hour(), start.minute());
        while date <= limit {
            if self.months & (1 << date.month()) == 0 {
                // Jump to the first day of the next month.
                date = date.with_day(1)?.checked_add_months(Months::new(1))?;
                (hour, minute) = (0, 0);
                continue;
            }
            if self.day_matches(date)
                && let Some((h, m)) = self.first_time_from(hour, minute)
            {
                return date.and_hms_opt(h, m, 0);
            }
            date = date.succ_opt()?;
            (hour, minute) = (0, 0);
        }
        None
    }
}

/// Expands an `@` macro into its 5-field form.
fn expand_macro(source: &str) -> Result<&'static str, CronError> {
    match source.to_ascii_lowercase().as_str() {
        "@yearly" | "@annually" => Ok("0 0 1 1 *"),
        "@monthly" => Ok("0 0 1 * *"),
        "@weekly" => Ok("0 0 * * 0"),
        "@daily" | "@midnight" => Ok("0 0 * * *"),
        "@hourly" => Ok("0 * * * *"),
        "@reboot" => Err(CronError::Reboot),
        _ => Err(CronError::UnknownMacro {
            name: source.to_owned(),
        }),
    }
}

const HINT_GENERIC: &str = "（应为 *、数字、a-b、*/n、a-b/n 或 a/n，多个值用逗号分隔）";
const HINT_MONTH: &str = "（应为 1–12 或 JAN–DEC，可用 *、a-b、*/n、a-b/n、a/n 及逗号列表）";
const HINT_DOW: &str = "（应为 0–7 或 SUN–SAT，可用 *、a-b、*/n、a-b/n、a/n 及逗号列表）";

/// Parses one field into a bitset (bit `v` set for every selected value `v`).
fn parse_field(expr: &str, field: CronField, text: &str) -> Result<u64, CronError> {
    let (min, max) = field.bounds();
    let invalid = |token: &str| CronError::InvalidToken {
        expr: expr.to_owned(),
        field,
        token: token.to_owned(),
        hint: match field {
            CronField::Month => HINT_MONTH,
            CronField::DayOfWeek => HINT_DOW,
            _ => HINT_GENERIC,
        },
    };
    let mut bits = 0u64;
    for item in text.split(',') {
        if item.is_empty() {
            return Err(invalid(text));
        }
        let (range, step_text) = match item.split_once('/') {
            Some((range, step)) => (range, Some(step)),
            None => (item, None),
        };
        let step = match step_text {
            None => 1,
            Some(s) => {
                let n: u32 = parse_number(s).ok_or_else(|| invalid(item))?;
                if n == 0 {
                    return Err(CronError::ZeroStep {
                        expr: expr.to_owned(),
                        field,
                        token: item.to_owned(),
                    });
                }
                n
            }
        };
        let (lo, hi) = if range == "*" {
            (min, max)
        } else if let Some((a, b)) = range.split_once('-') {
            let lo = parse_value(expr, field, a).ok_or_else(|| invalid(item))??;
            let hi = parse_value(expr, field, b).ok_or_else(|| invalid(item))??;
            if lo > hi {
                return Err(CronError::ReversedRange {
                    expr: expr.to_owned(),
                    field,
                    token: item.to_owned(),
                });
            }
            (lo, hi)
        } else {
            let v = parse_value(expr, field, range).ok_or_else(|| invalid(item))??;
            // `a/n` means `a-max/n`; a plain `a` is just `a`.
            if step_text.is_some() {
                (v, max)
            } else {
                (v, v)
            }
        };
        // `step` may exceed the range; `step_by` then yields only `lo`.
        for v in (lo..=hi).step_by(usize::try_from(step).unwrap_or(usize::MAX)) {
            bits |= 1 << v;
        }
    }
    Ok(bits)
}

/// Parses a plain decimal number (ASCII digits only, no sign).
fn parse_number(s: &str) -> Option<u32> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    // Too many digits: saturate so that it is reported as out of range.
    Some(s.parse().unwrap_or(u32::MAX))
}

/// Parses a number or (for month / day-of-week) a 3-letter English name.
/// `None` means the token is not recognised at all; `Some(Err)` means it is a
/// number outside the field's range.
fn parse_value(expr: &str, field: CronField, token: &str) -> Option<Result<u32, CronError>> {
    let (min, max) = field.bounds();
    if let Some(n) = parse_number(token) {
        if n < min || n > max {
            return Some(Err(CronError::OutOfRange {
                expr: expr.to_owned(),
                field,
                token: token.to_owned(),
                min,
                max,
            }));
        }
        return Some(Ok(n));
    }
    let idx = field
        .names()
        .iter()
        .position(|name| name.eq_ignore_ascii_case(token))?;
    // At most 12 names, so the index fits in u32.
    Some(Ok(field.name_base() + idx as u32))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;
    use chrono_tz::Tz;

    fn parse(s: &str) -> CronExpr {
        match s.parse() {
            Ok(e) => e,
            Err(e) => panic!("{s}: {e}"),
        }
    }

    /// (expression, zone, from, expected next firing times).
    ///
    /// The expected values came from an independent oracle, Python's croniter
    /// 7.0.0: `croniter(expr, from, day_or=True, implement_cron_bug=True)
    /// .get_next(datetime)` with `zoneinfo` zones, pasted here verbatim —
    /// except for the one DST-gap entry marked below. `implement_cron_bug`
    /// makes croniter treat a `*`-prefixed day field such as `*/2` as
    /// unrestricted, like Vixie cron; without it croniter ORs
    /// `"0 0 */2 * MON"` instead of ANDing.
    #[rustfmt::skip]
    const CASES: &[(&str, &str, &str, &[&str])] = &[
        // steps; seconds in `from` are dropped
        ("*/15 * * * *", "UTC", "2026-01-01T00:07:30+00:00", &[
            "2026-01-01T00:15:00+00:00", "2026-01-01T00:30:00+00:00", "2026-01-01T00:45:00+00:00",
            "2026-01-01T01:00:00+00:00", "2026-01-01T01:15:00+00:00"]),
        // ranges (2026-01-02 is a Friday)
        ("0 9-17 * * 1-5", "UTC", "2026-01-02T16:00:00+00:00", &[
            "2026-01-02T17:00:00+00:00", "2026-01-05T09:00:00+00:00", "2026-01-05T10:00:00+00:00",
            "2026-01-05T11:00:00+00:00"]),
        // lists
        ("5,10,50 8,20 * * *", "UTC", "2026-01-01T08:20:00+00:00", &[
            "2026-01-01T08:50:00+00:00", "2026-01-01T20:05:00+00:00", "2026-01-01T20:10:00+00:00",
            "2026-01-01T20:50:00+00:00", "2026-01-02T08:05:00+00:00"]),
        // names, mixed case
        ("0 12 * jan,Jul Mon", "UTC", "2026-01-20T00:00:00+00:00", &[
            "2026-01-26T12:00:00+00:00", "2026-07-06T12:00:00+00:00", "2026-07-13T12:00:00+00:00",
            "2026-07-20T12:00:00+00:00", "2026-07-27T12:00:00+00:00"]),
        ("0 12 1 JUN-aug *", "UTC", "2026-01-01T00:00:00+00:00", &[
            "2026-06-01T12:00:00+00:00", "2026-07-01T12:00:00+00:00", "2026-08-01T12:00:00+00:00",
            "2027-06-01T12:00:00+00:00"]),
        ("0 0 * * mon-FRI", "UTC", "2026-01-01T00:00:00+00:00", &[
            "2026-01-02T00:00:00+00:00", "2026-01-05T00:00:00+00:00", "2026-01-06T00:00:00+00:00",
            "2026-01-07T00:00:00+00:00", "2026-01-08T00:00:00+00:00"]),
        // day-of-week 7 = Sunday, also in ranges
        ("0 0 * * 7", "UTC", "2026-01-01T00:00:00+00:00", &[
            "2026-01-04T00:00:00+00:00", "2026-01-11T00:00:00+00:00", "2026-01-18T00:00:00+00:00"]),
        ("0 0 * * 5-7", "UTC", "2026-01-01T00:00:00+00:00", &[
            "2026-01-02T00:00:00+00:00", "2026-01-03T00:00:00+00:00", "2026-01-04T00:00:00+00:00",
            "2026-01-09T00:00:00+00:00"]),
        // OR rule: both day fields restricted
        ("0 0 13 * FRI", "UTC", "2026-01-01T00:00:00+00:00", &[
            "2026-01-02T00:00:00+00:00", "2026-01-09T00:00:00+00:00", "2026-01-13T00:00:00+00:00",
            "2026-01-16T00:00:00+00:00", "2026-01-23T00:00:00+00:00"]),
        ("0 0 1,15 * 1", "UTC", "2026-01-01T00:00:00+00:00", &[
            "2026-01-05T00:00:00+00:00", "2026-01-12T00:00:00+00:00", "2026-01-15T00:00:00+00:00",
            "2026-01-19T00:00:00+00:00", "2026-01-26T00:00:00+00:00"]),
        // AND rule: one day field starts with `*` (also `*/n`)
        ("0 0 * * MON", "UTC", "2026-01-01T00:00:00+00:00", &[
            "2026-01-05T00:00:00+00:00", "2026-01-12T00:00:00+00:00", "2026-01-19T00:00:00+00:00"]),
        ("0 0 */2 * MON", "UTC", "2026-01-01T00:00:00+00:00", &[
            "2026-01-05T00:00:00+00:00", "2026-01-19T00:00:00+00:00", "2026-02-09T00:00:00+00:00",
            "2026-02-23T00:00:00+00:00"]),
        // Feb 29
        ("0 0 29 2 *", "UTC", "2026-01-01T00:00:00+00:00", &[
            "2028-02-29T00:00:00+00:00", "2032-02-29T00:00:00+00:00", "2036-02-29T00:00:00+00:00"]),
        ("0 0 29 2 1", "UTC", "2026-01-01T00:00:00+00:00", &[
            "2026-02-02T00:00:00+00:00", "2026-02-09T00:00:00+00:00", "2026-02-16T00:00:00+00:00",
            "2026-02-23T00:00:00+00:00", "2027-02-01T00:00:00+00:00"]),
        ("0 0 29 2 */7", "UTC", "2026-01-01T00:00:00+00:00", &[
            "2032-02-29T00:00:00+00:00"]),
        ("0 0 */10 * 1", "UTC", "2026-01-01T00:00:00+00:00", &[
            "2026-05-11T00:00:00+00:00", "2026-06-01T00:00:00+00:00", "2026-08-31T00:00:00+00:00",
            "2026-09-21T00:00:00+00:00"]),
        ("0 0 10-20 * */3", "UTC", "2026-01-01T00:00:00+00:00", &[
            "2026-01-10T00:00:00+00:00", "2026-01-11T00:00:00+00:00", "2026-01-14T00:00:00+00:00",
            "2026-01-17T00:00:00+00:00"]),
        ("0 0 1-7 * 1", "UTC", "2026-01-01T00:00:00+00:00", &[
            "2026-01-02T00:00:00+00:00", "2026-01-03T00:00:00+00:00", "2026-01-04T00:00:00+00:00",
            "2026-01-05T00:00:00+00:00", "2026-01-06T00:00:00+00:00"]),
        // month ends
        ("0 0 31 * *", "UTC", "2026-01-01T00:00:00+00:00", &[
            "2026-01-31T00:00:00+00:00", "2026-03-31T00:00:00+00:00", "2026-05-31T00:00:00+00:00",
            "2026-07-31T00:00:00+00:00", "2026-08-31T00:00:00+00:00"]),
        // steps over ranges, `a/n`
        ("0-30/10 9-17/4 * * *", "UTC", "2026-01-01T00:00:00+00:00", &[
            "2026-01-01T09:00:00+00:00", "2026-01-01T09:10:00+00:00", "2026-01-01T09:20:00+00:00",
            "2026-01-01T09:30:00+00:00", "2026-01-01T13:00:00+00:00"]),
        ("5/20 * * * *", "UTC", "2026-01-01T00:00:00+00:00", &[
            "2026-01-01T00:05:00+00:00", "2026-01-01T00:25:00+00:00", "2026-01-01T00:45:00+00:00",
            "2026-01-01T01:05:00+00:00"]),
        // macros
        ("@yearly", "UTC", "2026-06-15T12:00:00+00:00", &[
            "2027-01-01T00:00:00+00:00", "2028-01-01T00:00:00+00:00", "2029-01-01T00:00:00+00:00"]),
        ("@annually", "UTC", "2026-06-15T12:00:00+00:00", &[
            "2027-01-01T00:00:00+00:00", "2028-01-01T00:00:00+00:00", "2029-01-01T00:00:00+00:00"]),
        ("@monthly", "UTC", "2026-06-15T12:00:00+00:00", &[
            "2026-07-01T00:00:00+00:00", "2026-08-01T00:00:00+00:00", "2026-09-01T00:00:00+00:00"]),
        ("@weekly", "UTC", "2026-06-15T12:00:00+00:00", &[
            "2026-06-21T00:00:00+00:00", "2026-06-28T00:00:00+00:00", "2026-07-05T00:00:00+00:00"]),
        ("@daily", "UTC", "2026-06-15T12:00:00+00:00", &[
            "2026-06-16T00:00:00+00:00", "2026-06-17T00:00:00+00:00", "2026-06-18T00:00:00+00:00"]),
        ("@midnight", "UTC", "2026-06-15T12:00:00+00:00", &[
            "2026-06-16T00:00:00+00:00", "2026-06-17T00:00:00+00:00", "2026-06-18T00:00:00+00:00"]),
        ("@hourly", "UTC", "2026-06-15T12:00:00+00:00", &[
            "2026-06-15T13:00:00+00:00", "2026-06-15T14:00:00+00:00", "2026-06-15T15:00:00+00:00"]),
        // year rollover
        ("*/20 * * * *", "UTC", "2026-12-31T23:50:00+00:00", &[
            "2027-01-01T00:00:00+00:00", "2027-01-01T00:20:00+00:00", "2027-01-01T00:40:00+00:00"]),
        ("30 23 31 12 *", "UTC", "2026-12-31T23:30:00+00:00", &[
            "2027-12-31T23:30:00+00:00", "2028-12-31T23:30:00+00:00", "2029-12-31T23:30:00+00:00"]),
        // Asia/Shanghai (2026-05-01 is a Friday)
        ("0 9 * * 1-5", "Asia/Shanghai", "2026-05-01T08:00:00+08:00", &[
            "2026-05-01T09:00:00+08:00", "2026-05-04T09:00:00+08:00", "2026-05-05T09:00:00+08:00",
            "2026-05-06T09:00:00+08:00"]),
        ("30 8 * * *", "Asia/Shanghai", "2026-01-01T09:00:00+08:00", &[
            "2026-01-02T08:30:00+08:00", "2026-01-03T08:30:00+08:00", "2026-01-04T08:30:00+08:00"]),
        // DST spring-forward: 02:30 does not exist on 2026-03-08 in New York.
        // croniter returns "2026-03-08T03:00:00-04:00" as its first value here;
        // our documented semantics skip the nonexistent minute instead, so that
        // value is deliberately left out. The remaining values are croniter's.
        ("30 2 * * *", "America/New_York", "2026-03-07T03:00:00-05:00", &[
            "2026-03-09T02:30:00-04:00", "2026-03-10T02:30:00-04:00"]),
        ("0 0 1 * *", "UTC", "2026-01-31T12:00:00+00:00", &[
            "2026-02-01T00:00:00+00:00", "2026-03-01T00:00:00+00:00", "2026-04-01T00:00:00+00:00"]),
    ];

    #[test]
    fn table_matches_croniter() {
        for (expr, zone, from, expected) in CASES {
            let cron = parse(expr);
            let tz: Tz = zone.parse().expect("zone name in test table");
            let from = DateTime::parse_from_rfc3339(from)
                .expect("timestamp in test table")
                .with_timezone(&tz);
            let got: Vec<String> = cron
                .upcoming(&from)
                .take(expected.len())
                .map(|t| t.to_rfc3339())
                .collect();
            assert_eq!(&got, expected, "expression {expr:?} from {from}");
        }
    }

    #[test]
    fn dst_fall_back_fires_once_at_earliest() {
        // 01:30 happens twice on 2026-11-01 in New York; fire only at the
        // first (EDT) instant. (croniter fires at both.)
        let tz: Tz = "America/New_York".parse().expect("zone");
        let cron = parse("30 1 * * *");
        let from = tz
            .with_ymd_and_hms(2026, 11, 1, 0, 0, 0)
            .single()
            .expect("time");
        let got: Vec<String> = cron
            .upcoming(&from)
            .take(2)
            .map(|t| t.to_rfc3339())
            .collect();
        assert_eq!(
            got,
            ["2026-11-01T01:30:00-04:00", "2026-11-02T01:30:00-05:00"]
        );
        // Starting during the second (EST) pass, the earlier instant is in
        // the past, so the next firing is the next day.
        let from = DateTime::parse_from_rfc3339("2026-11-01T01:10:00-05:00")
            .expect("time")
            .with_timezone(&tz);
        let next = cron.next_after(&from).map(|t| t.to_rfc3339());
        assert_eq!(next.as_deref(), Some("2026-11-02T01:30:00-05:00"));
    }

    #[test]
    fn never_fires_returns_none_quickly() {
        let from = Utc
            .with_ymd_and_hms(2026, 1, 1, 0, 0, 0)
            .single()
            .expect("time");
        for expr in ["0 0 30 2 *", "0 0 31 4,6,9,11 *", "0 0 31 2 *"] {
            assert_eq!(parse(expr).next_after(&from), None, "{expr}");
            assert_eq!(parse(expr).upcoming(&from).count(), 0, "{expr}");
        }
        // Feb 29 that is also a Sunday (AND rule, `*`-prefixed day-of-week):
        // 2032, then 2060 — beyond the ~10-year search horizon.
        let cron = parse("0 0 29 2 */7");
        let next = cron.next_after(&from).map(|t| t.to_rfc3339());
        assert_eq!(next.as_deref(), Some("2032-02-29T00:00:00+00:00"));
        let from = Utc
            .with_ymd_and_hms(2032, 3, 1, 0, 0, 0)
            .single()
            .expect("time");
        assert_eq!(cron.next_after(&from), None);
    }

    #[test]
    fn rare_and_impossible_dates_terminate() {
        // The search skips whole months and days, so these finish (speed is measured in
        // benchmarks, not asserted here).
        let from = Utc
            .with_ymd_and_hms(2026, 1, 1, 0, 0, 0)
            .single()
            .expect("time");
        assert_eq!(parse("0 0 30 2 *").upcoming(&from).count(), 0);
        let leap: Vec<String> = parse("59 23 29 2 *")
            .upcoming(&from)
            .take(2)
            .map(|t| t.to_rfc3339())
            .collect();
        assert_eq!(
            leap,
            ["2028-02-29T23:59:00+00:00", "2032-02-29T23:59:00+00:00"]
        );
    }

    #[test]
    fn seconds_dropped_and_strictly_after() {
        let cron = parse("* * * * *");
        let from = Utc
            .with_ymd_and_hms(2026, 1, 1, 10, 0, 0)
            .single()
            .expect("time");
        let next = cron.next_after(&from).map(|t| t.to_rfc3339());
        assert_eq!(next.as_deref(), Some("2026-01-01T10:01:00+00:00"));
        let from = Utc
            .with_ymd_and_hms(2026, 1, 1, 10, 0, 59)
            .single()
            .expect("time");
        let next = cron.next_after(&from).map(|t| t.to_rfc3339());
        assert_eq!(next.as_deref(), Some("2026-01-01T10:01:00+00:00"));
    }

    #[test]
    fn day_of_week_steps_span_zero_to_seven() {
        // Vixie cron steps day-of-week over 0..=7, so "1/2" selects 1,3,5,7
        // and 7 is Sunday. (croniter steps over 0..=6 and omits Sunday.)
        let cron = parse("0 0 * * 1/2");
        let from = Utc
            .with_ymd_and_hms(2026, 1, 1, 0, 0, 0)
            .single()
            .expect("time");
        let got: Vec<String> = cron
            .upcoming(&from)
            .take(4)
            .map(|t| t.to_rfc3339())
            .collect();
        assert_eq!(
            got,
            [
                "2026-01-02T00:00:00+00:00", // Fri
                "2026-01-04T00:00:00+00:00", // Sun (7)
                "2026-01-05T00:00:00+00:00", // Mon
                "2026-01-07T00:00:00+00:00", // Wed
            ]
        );
        // `*/7` over 0..=7 is {0, 7}: Sundays only.
        assert_eq!(parse("0 0 * * */7").dow, 1);
        assert_eq!(parse("0 0 * * 0").dow, parse("0 0 * * 7").dow);
        assert_eq!(parse("0 0 * * SUN").dow, 1);
    }

    #[test]
    fn star_flags() {
        let e = parse("0 0 */2 * MON");
        assert!(e.dom_star && !e.dow_star);
        let e = parse("0 0 1 * *");
        assert!(!e.dom_star && e.dow_star);
        let e = parse("0 0 1-31 * 0-7");
        // Restricted textually even though every day is selected: OR rule.
        assert!(!e.dom_star && !e.dow_star);
    }

    #[test]
    fn whitespace_display_and_as_str() {
        let e = parse("  0\t9 \t * *    1-5 ");
        assert_eq!(e.as_str(), "0\t9 \t * *    1-5");
        assert_eq!(e.to_string(), e.as_str());
        assert_eq!(
            e,
            parse("0 9 * * 1-5").clone_with_source("0\t9 \t * *    1-5")
        );
        let m = parse("@Daily");
        assert_eq!(m.as_str(), "@Daily");
        assert_eq!(m.minutes, 1);
        assert_eq!(m.hours, 1);
    }

    impl CronExpr {
        fn clone_with_source(&self, s: &str) -> CronExpr {
            CronExpr {
                source: s.to_owned(),
                ..self.clone()
            }
        }
    }

    #[test]
    fn iterator_does_not_borrow_start() {
        let cron = parse("@hourly");
        let iter = {
            let from = Utc
                .with_ymd_and_hms(2026, 1, 1, 0, 0, 0)
                .single()
                .expect("time");
            cron.upcoming(&from)
        };
        assert_eq!(iter.take(3).count(), 3);
    }

    fn err(s: &str) -> CronError {
        match s.parse::<CronExpr>() {
            Ok(e) => panic!("{s:?} parsed unexpectedly: {e:?}"),
            Err(e) => e,
        }
    }

    #[test]
    fn error_messages() {
        assert_eq!(err("   "), CronError::Empty);
        assert_eq!(err("").to_string(), "定时表达式为空");

        let e = err("61 * * * *");
        assert_eq!(
            e,
            CronError::OutOfRange {
                expr: "61 * * * *".into(),
                field: CronField::Minute,
                token: "61".into(),
                min: 0,
                max: 59
            }
        );
        assert_eq!(
            e.to_string(),
            "定时表达式「61 * * * *」的分钟字段「61」超出范围 0–59"
        );
        assert_eq!(
            err("0 24 * * *").to_string(),
            "定时表达式「0 24 * * *」的小时字段「24」超出范围 0–23"
        );
        assert_eq!(
            err("0 0 0 * *").to_string(),
            "定时表达式「0 0 0 * *」的日字段「0」超出范围 1–31"
        );
        assert_eq!(
            err("0 0 1 1-13 *").to_string(),
            "定时表达式「0 0 1 1-13 *」的月字段「13」超出范围 1–12"
        );
        assert_eq!(
            err("0 0 * * 8").to_string(),
            "定时表达式「0 0 * * 8」的星期字段「8」超出范围 0–7"
        );
        assert!(matches!(
            err("99999999999999999999 * * * *"),
            CronError::OutOfRange { .. }
        ));

        let e = err("* * * * * *");
        assert_eq!(
            e,
            CronError::FieldCount {
                expr: "* * * * * *".into(),
                count: 6
            }
        );
        assert_eq!(
            e.to_string(),
            "定时表达式应有 5 个字段（分 时 日 月 周），实际有 6 个：「* * * * * *」"
        );
        assert!(matches!(
            err("* * *"),
            CronError::FieldCount { count: 3, .. }
        ));

        let e = err("*/0 * * * *");
        assert_eq!(
            e,
            CronError::ZeroStep {
                expr: "*/0 * * * *".into(),
                field: CronField::Minute,
                token: "*/0".into()
            }
        );
        assert_eq!(
            e.to_string(),
            "定时表达式「*/0 * * * *」的分钟字段「*/0」步长不能为 0"
        );

        let e = err("5-3 * * * *");
        assert_eq!(
            e.to_string(),
            "定时表达式「5-3 * * * *」的分钟字段「5-3」范围起点大于终点"
        );
        assert!(matches!(
            err("0 0 * * FRI-MON"),
            CronError::ReversedRange {
                field: CronField::DayOfWeek,
                ..
            }
        ));

        for (bad, field, token) in [
            ("abc * * * *", CronField::Minute, "abc"),
            ("* * * FOO *", CronField::Month, "FOO"),
            ("* * * * MONDAY", CronField::DayOfWeek, "MONDAY"),
            ("* * MON * *", CronField::DayOfMonth, "MON"),
            ("* * * * JAN", CronField::DayOfWeek, "JAN"),
            ("1,,2 * * * *", CronField::Minute, "1,,2"),
            ("1, * * * *", CronField::Minute, "1,"),
            ("-5 * * * *", CronField::Minute, "-5"),
            ("1-2-3 * * * *", CronField::Minute, "1-2-3"),
            ("*/x * * * *", CronField::Minute, "*/x"),
            ("*/2/3 * * * *", CronField::Minute, "*/2/3"),
            ("*/-1 * * * *", CronField::Minute, "*/-1"),
            ("+5 * * * *", CronField::Minute, "+5"),
            ("0 0 * * */", CronField::DayOfWeek, "*/"),
            ("** * * * *", CronField::Minute, "**"),
        ] {
            match err(bad) {
                CronError::InvalidToken {
                    field: f, token: t, ..
                } => {
                    assert_eq!((f, t.as_str()), (field, token), "{bad}");
                }
                other => panic!("{bad}: unexpected {other:?}"),
            }
        }
        assert_eq!(
            err("* * * FOO *").to_string(),
            "定时表达式「* * * FOO *」的月字段「FOO」无法识别\
             （应为 1–12 或 JAN–DEC，可用 *、a-b、*/n、a-b/n、a/n 及逗号列表）"
        );

        assert_eq!(err("@reboot"), CronError::Reboot);
        assert!(err("@reboot").to_string().contains("@reboot"));
        assert_eq!(
            err("@fortnightly"),
            CronError::UnknownMacro {
                name: "@fortnightly".into()
            }
        );
        assert!(
            err("@fortnightly")
                .to_string()
                .starts_with("无法识别的定时宏「@fortnightly」")
        );
    }
}
