//! A hybrid logical clock: the order in which team changes are judged "later".
//!
//! Laptops disagree about the time by minutes, so raw wall time cannot decide which of two
//! edits of a phone number wins. A hybrid logical clock keeps close to wall time but never
//! goes backwards on a device and always moves past every stamp it has seen, so a change
//! made after seeing another one is always ordered after it. Ties are broken by the device
//! id, so every copy of the journal picks the same winner.
//!
//! A stamp is written as text that sorts in clock order: `WWWWWWWWWWWWWWW-CCCCCC-DEVICE`
//! (wall milliseconds, counter, device id), compared byte by byte.

use std::cmp::Ordering;

/// One point of a hybrid logical clock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HlcStamp {
    /// Milliseconds since 1970 (UTC), as far as the clock knows.
    pub wall_ms: i64,
    /// Orders stamps of the same millisecond.
    pub counter: u32,
    /// The device that made the stamp; breaks ties between devices.
    pub device: String,
}

impl HlcStamp {
    /// The stamp as sortable text.
    pub fn encode(&self) -> String {
        format!(
            "{:015}-{:06}-{}",
            self.wall_ms.max(0),
            self.counter,
            self.device
        )
    }

    /// Reads a stamp written by [`Self::encode`]; `None` for anything else.
    pub fn parse(text: &str) -> Option<Self> {
        let mut parts = text.splitn(3, '-');
        let wall_ms = parts.next()?.parse().ok()?;
        let counter = parts.next()?.parse().ok()?;
        let device = parts.next()?.to_owned();
        Some(Self {
            wall_ms,
            counter,
            device,
        })
    }

    fn logical(&self) -> (i64, u32) {
        (self.wall_ms, self.counter)
    }
}

impl PartialOrd for HlcStamp {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for HlcStamp {
    fn cmp(&self, other: &Self) -> Ordering {
        self.logical()
            .cmp(&other.logical())
            .then_with(|| self.device.cmp(&other.device))
    }
}

/// A device's clock: the last stamp it issued or saw.
#[derive(Debug, Clone)]
pub struct HybridClock {
    device: String,
    last: (i64, u32),
}

impl HybridClock {
    /// A clock for `device` that resumes after `last` (the stamp text saved last time; empty
    /// or unreadable text starts from zero).
    pub fn resume(device: &str, last: &str) -> Self {
        let last = HlcStamp::parse(last).map_or((0, 0), |stamp| stamp.logical());
        Self {
            device: device.to_owned(),
            last,
        }
    }

    /// A new stamp for a change made at `now_ms`: later than every stamp issued or seen.
    pub fn tick(&mut self, now_ms: i64) -> HlcStamp {
        self.last = if now_ms > self.last.0 {
            (now_ms, 0)
        } else {
            (self.last.0, self.last.1.saturating_add(1))
        };
        HlcStamp {
            wall_ms: self.last.0,
            counter: self.last.1,
            device: self.device.clone(),
        }
    }

    /// Moves the clock past a stamp received from another device, so that the next change
    /// made here is ordered after it even if this device's wall clock is behind.
    pub fn observe(&mut self, seen: &str) {
        if let Some(stamp) = HlcStamp::parse(seen)
            && stamp.logical() > self.last
        {
            self.last = stamp.logical();
        }
    }

    /// The clock's state as text, to save and [`Self::resume`] from.
    pub fn save(&self) -> String {
        HlcStamp {
            wall_ms: self.last.0,
            counter: self.last.1,
            device: self.device.clone(),
        }
        .encode()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_clock_never_goes_backwards_when_the_wall_clock_does() {
        let mut clock = HybridClock::resume("a", "");
        let first = clock.tick(10_000);
        let second = clock.tick(5_000);
        assert!(second > first);
        assert_eq!((second.wall_ms, second.counter), (10_000, 1));
    }

    #[test]
    fn a_change_made_after_seeing_a_faster_clock_is_ordered_after_it() {
        let mut slow = HybridClock::resume("slow", "");
        let fast_stamp = HlcStamp {
            wall_ms: 99_000,
            counter: 3,
            device: "fast".to_owned(),
        };
        slow.observe(&fast_stamp.encode());
        let mine = slow.tick(1_000);
        assert!(mine > fast_stamp);
        assert!(
            mine.encode() > fast_stamp.encode(),
            "text order is clock order"
        );
    }

    #[test]
    fn ties_are_broken_by_device_and_text_order_matches() {
        let a = HlcStamp {
            wall_ms: 7,
            counter: 0,
            device: "aaa".to_owned(),
        };
        let b = HlcStamp {
            device: "bbb".to_owned(),
            ..a.clone()
        };
        assert!(a < b);
        assert!(a.encode() < b.encode());
        assert_eq!(HlcStamp::parse(&b.encode()), Some(b));
    }

    #[test]
    fn a_resumed_clock_continues_after_its_saved_state() {
        let mut clock = HybridClock::resume("d", "");
        clock.tick(500);
        let saved = clock.save();
        let mut again = HybridClock::resume("d", &saved);
        let next = again.tick(100);
        assert_eq!((next.wall_ms, next.counter), (500, 1));
    }
}
