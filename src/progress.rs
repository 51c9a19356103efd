//! Counted progress of long library steps (supply zones, margins, alternatives, policy
//! re-solves, sweep samples), reported through a small trait so the library never prints: the
//! CLI implements it with a bar (name, count, rate, ETA) on a terminal and nothing otherwise.
//!
//! ```
//! use sitefind::progress::{Counted, NoProgress};
//! let p = NoProgress;
//! p.start("margins", 4);
//! p.inc(1);
//! p.finish();
//! ```

/// A counted step: `start` once with its name and the number of items, `inc` as items finish
/// (from any thread), `finish` once at the end. Implementations must be cheap and never fail.
pub trait Counted: Sync {
    /// A step named `stage` with `total` items starts.
    fn start(&self, stage: &str, total: u64);
    /// `n` more items of the running step are done.
    fn inc(&self, n: u64);
    /// The running step is over.
    fn finish(&self);
}

/// Progress that shows nothing (tests, benches, library callers that do not care).
#[derive(Debug, Clone, Copy, Default)]
pub struct NoProgress;

impl Counted for NoProgress {
    fn start(&self, _stage: &str, _total: u64) {}
    fn inc(&self, _n: u64) {}
    fn finish(&self) {}
}
