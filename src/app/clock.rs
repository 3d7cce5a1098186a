//! The reader's notion of "now" and of the local time zone: the system's, or a fixed one so
//! that screens render the same on every day (snapshots, scripted runs).

use chrono::{DateTime, Datelike, FixedOffset, Local, TimeZone, Utc};

#[derive(Clone, Copy, Debug)]
pub enum Clock {
    System,
    /// A fixed instant, shown in a fixed offset from UTC.
    Fixed {
        now: i64,
        offset_s: i32,
    },
}

impl Clock {
    /// A fixed clock at `now` (unix seconds), showing times in UTC.
    pub fn fixed_utc(now: i64) -> Clock {
        Clock::Fixed { now, offset_s: 0 }
    }

    /// Parses an RFC 3339 instant for `--clock`.
    pub fn parse_fixed(text: &str) -> Option<Clock> {
        let t = DateTime::parse_from_rfc3339(text).ok()?;
        Some(Clock::Fixed {
            now: t.timestamp(),
            offset_s: t.offset().local_minus_utc(),
        })
    }

    pub fn now(&self) -> i64 {
        match self {
            Clock::System => Utc::now().timestamp(),
            Clock::Fixed { now, .. } => *now,
        }
    }

    fn local(&self, unix: i64) -> Option<DateTime<FixedOffset>> {
        match self {
            Clock::System => Local
                .timestamp_opt(unix, 0)
                .single()
                .map(|t| t.fixed_offset()),
            Clock::Fixed { offset_s, .. } => FixedOffset::east_opt(*offset_s)?
                .timestamp_opt(unix, 0)
                .single(),
        }
    }

    /// A list date: the time for today, month and day for this year, else the full date.
    pub fn short_date(&self, unix: i64) -> String {
        let (Some(t), Some(now)) = (self.local(unix), self.local(self.now())) else {
            return "?".into();
        };
        if t.date_naive() == now.date_naive() {
            t.format("%H:%M").to_string()
        } else if t.year() == now.year() {
            t.format("%b %d").to_string()
        } else {
            t.format("%Y-%m-%d").to_string()
        }
    }

    /// The time of day, to the second, with the date when it is not today (the notice history).
    pub fn time_of_day(&self, unix: i64) -> String {
        let (Some(t), Some(now)) = (self.local(unix), self.local(self.now())) else {
            return "?".into();
        };
        if t.date_naive() == now.date_naive() {
            t.format("%H:%M:%S").to_string()
        } else {
            t.format("%b %d %H:%M").to_string()
        }
    }

    /// A full date for the message headers.
    pub fn long_date(&self, unix: i64) -> String {
        match self.local(unix) {
            Some(t) => t.format("%a, %d %b %Y %H:%M %z").to_string(),
            None => "?".into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_dates_depend_on_distance_from_now() {
        // 2026-11-24T10:00:00Z
        let clock = Clock::fixed_utc(1_795_514_400);
        assert_eq!(clock.short_date(1_795_514_400 - 3600), "09:00");
        assert_eq!(clock.short_date(1_795_514_400 - 86_400 * 3), "Nov 21");
        assert_eq!(clock.short_date(1_700_000_000), "2023-11-14");
        assert_eq!(
            Clock::parse_fixed("2026-11-24T10:00:00Z").unwrap().now(),
            1_795_514_400
        );
    }
}
