//! When a growing answer's next render leaves, so that it reaches the window just before the
//! window's next frame.
//!
//! The window applies renders once per animation frame. A render sent on a timer of its own
//! waits up to a frame for the core's timer and then up to a frame for the window's; a render
//! sent a little before each frame waits for neither. The window reports when each frame that
//! applied a render started ([`FramePacer::shown`]); from those reports the pacer knows the
//! frames' period and phase, and [`FramePacer::next_slot`] gives the send times just ahead of
//! the coming frames. Without fresh reports (a CLI, a hidden window, a slow stream) there are
//! no slots, and the chat service falls back to its fixed interval.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

/// How long before a frame starts its render leaves: the trip to the window (about a
/// millisecond) and room for a window still busy painting the frame before (7 to 9 ms under
/// Xvfb). Measured (BENCHMARKS.md, streaming): 4 ms missed the frame too often (p99 49 ms),
/// 7 ms gave p50 / p99 25 / 38 ms, 10 ms 29 / 61 ms.
pub const SEND_AHEAD: Duration = Duration::from_millis(7);

/// Frame reports older than this say nothing about the coming frames.
const STALE: Duration = Duration::from_millis(100);

/// The period assumed until two reports measure one: 60 Hz.
const DEFAULT_PERIOD: Duration = Duration::from_nanos(16_666_667);

/// Intervals between reports outside this range are not one frame (a skipped frame, a pause).
const SHORTEST_PERIOD: Duration = Duration::from_millis(4);
const LONGEST_PERIOD: Duration = Duration::from_millis(40);

/// How many recent intervals the period is the median of.
const INTERVALS: usize = 9;

/// The window's frames as it reported them.
#[derive(Debug, Default)]
pub struct FramePacer {
    state: Mutex<Frames>,
}

#[derive(Debug, Default)]
struct Frames {
    /// When the last reported frame started.
    last: Option<Instant>,
    /// Recent intervals between reported frames that look like one frame.
    intervals: VecDeque<Duration>,
}

impl FramePacer {
    /// A pacer that has heard of no frame yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// The window applied a render in a frame that started `ago` before now.
    pub fn shown(&self, ago: Duration) {
        let now = Instant::now();
        self.shown_at(now.checked_sub(ago).unwrap_or(now));
    }

    /// A frame started at `start`.
    pub fn shown_at(&self, start: Instant) {
        let mut frames = self.lock();
        if let Some(last) = frames.last {
            if start <= last {
                // Reports can arrive out of order; only the newest frame sets the phase.
                return;
            }
            let interval = start - last;
            if (SHORTEST_PERIOD..=LONGEST_PERIOD).contains(&interval) {
                if frames.intervals.len() == INTERVALS {
                    frames.intervals.pop_front();
                }
                frames.intervals.push_back(interval);
            }
        }
        frames.last = Some(start);
    }

    /// The frames' period: the median of the recent one-frame intervals, else 60 Hz.
    pub fn period(&self) -> Duration {
        period_of(&self.lock().intervals)
    }

    /// The first send time strictly after `after` ([`SEND_AHEAD`] before a frame's start), or
    /// `None` when the last report is older than 100 ms at `now`.
    pub fn next_slot(&self, after: Instant, now: Instant) -> Option<Instant> {
        let frames = self.lock();
        let last = frames.last?;
        if now.saturating_duration_since(last) > STALE {
            return None;
        }
        let period = period_of(&frames.intervals);
        // Slots are `last + k·period − SEND_AHEAD` for whole k; the ahead is at most half a
        // period (at 240 Hz a frame is 4.2 ms).
        let ahead = SEND_AHEAD.min(period / 2);
        let period_ns = period.as_nanos() as i128;
        let first = (period - ahead).as_nanos() as i128;
        let k = (signed_ns(last, after) - first).div_euclid(period_ns) + 1;
        Some(at(last, first + k * period_ns))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Frames> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

fn period_of(intervals: &VecDeque<Duration>) -> Duration {
    if intervals.is_empty() {
        return DEFAULT_PERIOD;
    }
    let mut sorted: Vec<Duration> = intervals.iter().copied().collect();
    sorted.sort_unstable();
    sorted[sorted.len() / 2]
}

/// `t - origin` in nanoseconds, negative when `t` is earlier.
fn signed_ns(origin: Instant, t: Instant) -> i128 {
    if t >= origin {
        (t - origin).as_nanos() as i128
    } else {
        -((origin - t).as_nanos() as i128)
    }
}

/// `origin + ns` (ns may be negative).
fn at(origin: Instant, ns: i128) -> Instant {
    let magnitude = Duration::from_nanos(ns.unsigned_abs().min(u64::MAX as u128) as u64);
    if ns >= 0 {
        origin + magnitude
    } else {
        origin.checked_sub(magnitude).unwrap_or(origin)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[tokio::test(start_paused = true)]
    async fn without_a_frame_report_there_is_no_slot() {
        let pacer = FramePacer::new();
        let now = Instant::now();
        assert_eq!(
            pacer.next_slot(now, now),
            None,
            "a window that reported no frame gives no phase to aim at"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn slots_lie_just_ahead_of_the_frames_the_reports_foretell() {
        let pacer = FramePacer::new();
        let t0 = Instant::now();
        for k in 0..4 {
            pacer.shown_at(t0 + ms(16) * k);
        }
        assert_eq!(
            pacer.period(),
            ms(16),
            "the period is what the reports measured"
        );
        let last = t0 + ms(48);
        // The next frames start at 64 and 80 ms; their renders leave SEND_AHEAD before.
        let slot = |frame: u64| t0 + ms(frame) - SEND_AHEAD;
        assert_eq!(pacer.next_slot(last, last), Some(slot(64)));
        assert_eq!(
            pacer.next_slot(slot(64) - ms(1), last),
            Some(slot(64)),
            "text just before a slot leaves with it"
        );
        assert_eq!(
            pacer.next_slot(slot(64), last),
            Some(slot(80)),
            "a render sent at a slot makes the next slot one frame later"
        );
        assert_eq!(
            pacer.next_slot(t0 + ms(30), last),
            Some(slot(48)),
            "slots continue backwards too: a render long ago makes an earlier slot due now"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn reports_older_than_100_ms_give_no_slot() {
        let pacer = FramePacer::new();
        let t0 = Instant::now();
        pacer.shown_at(t0);
        assert!(pacer.next_slot(t0, t0 + ms(100)).is_some());
        assert_eq!(
            pacer.next_slot(t0, t0 + ms(101)),
            None,
            "a window that stopped reporting (hidden, idle) is not paced by old frames"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn the_period_is_the_median_of_one_frame_intervals_and_ignores_gaps() {
        let pacer = FramePacer::new();
        let t0 = Instant::now();
        assert_eq!(pacer.period(), DEFAULT_PERIOD, "60 Hz until measured");
        // 120 Hz, with a skipped frame and a pause in between.
        let starts = [0, 8, 16, 33, 41, 200, 208, 216];
        for s in starts {
            pacer.shown_at(t0 + ms(s));
        }
        assert_eq!(
            pacer.period(),
            ms(8),
            "a skipped frame (17 ms) is an outlier and a pause (159 ms) is no interval at all"
        );
        let last = t0 + ms(216);
        assert_eq!(
            pacer.next_slot(last, last),
            Some(t0 + ms(224) - SEND_AHEAD.min(ms(4))),
            "at 8 ms frames a render leaves at most half a period ahead"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn an_older_report_arriving_late_does_not_move_the_phase() {
        let pacer = FramePacer::new();
        let t0 = Instant::now();
        pacer.shown_at(t0 + ms(16));
        pacer.shown_at(t0 + ms(32));
        pacer.shown_at(t0 + ms(20));
        assert_eq!(
            pacer.next_slot(t0 + ms(32), t0 + ms(32)),
            Some(t0 + ms(48) - SEND_AHEAD),
            "the frame after the newest report, not after the late one"
        );
    }
}
