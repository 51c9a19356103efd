//! Stage progress on stderr: a spinner with the running stage on a terminal (indicatif), plain
//! lines otherwise. The library reports stages through its progress callback
//! (`pipeline::Progress`: stage, seconds — NaN when the stage starts —, note) and never prints.
//! The solver's own progress comes as stage `"progress"` with the line as note (elapsed time,
//! incumbent, bound, gap): on a terminal it becomes the spinner's message; otherwise a plain
//! line at most every 2 seconds, with phase changes and the final line always shown.
//!
//! Counted steps (supply zones, margins, alternatives, policy re-solves, sweep samples) report
//! through the library's [`Counted`] trait; [`Bars`] draws each as a bar under the spinner with
//! the step's name, count, rate and ETA, and draws nothing with `-q` or when stderr is not a
//! terminal.

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle};
use sitefind::progress::Counted;
use std::cell::RefCell;
use std::io::IsTerminal;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Shows stages as they start and finish.
pub struct StageProgress {
    /// The terminal's bars (the spinner and any counted bar); `None` off a terminal or quiet.
    multi: Option<MultiProgress>,
    bar: Option<ProgressBar>,
    quiet: bool,
    /// When the last plain solver line was printed, and its phase (first word).
    last_line: RefCell<(Option<Instant>, String)>,
}

impl StageProgress {
    /// A reporter; `quiet` shows nothing.
    pub fn new(quiet: bool) -> Self {
        let multi = terminal(quiet);
        let bar = multi.as_ref().map(|m| {
            let b = m.add(ProgressBar::new_spinner());
            b.set_style(
                ProgressStyle::with_template("  {spinner} {msg} ({elapsed})")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            b.enable_steady_tick(Duration::from_millis(120));
            b
        });
        StageProgress {
            multi,
            bar,
            quiet,
            last_line: RefCell::new((None, String::new())),
        }
    }

    /// Counted bars drawn under this spinner (nothing when it draws nothing).
    pub fn counted(&self) -> Bars {
        Bars::on(self.multi.clone())
    }

    /// A stage started (`secs` NaN) or finished after `secs` seconds.
    pub fn stage(&self, stage: &str, secs: f64, note: &str) {
        if self.quiet {
            return;
        }
        if stage == "progress" {
            self.solver_line(note);
            return;
        }
        if secs.is_nan() {
            match &self.bar {
                Some(b) => {
                    b.reset_elapsed();
                    b.set_message(format!("{stage}: {note}"));
                }
                None => eprintln!("  {stage:<14}      …    {note}"),
            }
        } else {
            let line = format!("  {stage:<14} {secs:>8.3} s  {note}");
            match &self.bar {
                Some(b) => {
                    b.println(line);
                    b.set_message("…".to_string());
                }
                None => eprintln!("{line}"),
            }
        }
    }

    /// One solver progress line (rate-limited when not on a terminal).
    fn solver_line(&self, line: &str) {
        if let Some(b) = &self.bar {
            b.set_message(format!("solve: {line}"));
            return;
        }
        if self.due(line.split_whitespace().next().unwrap_or("")) {
            eprintln!("  {line}");
        }
    }

    /// One solver progress event, as [`StageProgress::stage`] with stage `"progress"` and the
    /// event's line, but the line is only formatted when it is shown (a solve sends one event
    /// per subgradient iteration; formatting each was a few per cent of a small instance's run).
    pub fn solver(&self, ev: &sitefind::engine::SolveProgress) {
        if self.quiet {
            return;
        }
        if self.bar.is_some() {
            self.solver_line(&ev.line());
        } else if self.due(ev.phase) {
            eprintln!("  {}", ev.line());
        }
    }

    /// Whether a plain solver line of `phase` is shown now (2 s after the last one, a new
    /// phase, or the final line); if so, it is recorded as shown.
    fn due(&self, phase: &str) -> bool {
        let now = Instant::now();
        let mut last = self.last_line.borrow_mut();
        let due = last
            .0
            .is_none_or(|t| now.duration_since(t) >= Duration::from_secs(2));
        if due || phase != last.1 || phase == "done" {
            *last = (Some(now), phase.to_string());
            true
        } else {
            false
        }
    }

    /// Removes the spinner.
    pub fn finish(&self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}

impl Drop for StageProgress {
    fn drop(&mut self) {
        self.finish();
    }
}

/// The terminal's bar area on stderr, or `None` when quiet or stderr is not a terminal.
fn terminal(quiet: bool) -> Option<MultiProgress> {
    (!quiet && std::io::stderr().is_terminal())
        .then(|| MultiProgress::with_draw_target(ProgressDrawTarget::stderr()))
}

/// Counted steps as indicatif bars: `  supply zones   [=====>     ] 12/47 · 3.1/s · ETA 11s`.
/// One bar at a time (a new step replaces a running one); safe to advance from any thread.
pub struct Bars {
    multi: Option<MultiProgress>,
    current: Mutex<Option<ProgressBar>>,
}

impl Bars {
    /// Bars on stderr of their own (commands without a stage spinner); draw nothing when
    /// `quiet` or stderr is not a terminal.
    pub fn new(quiet: bool) -> Self {
        Bars::on(terminal(quiet))
    }

    fn on(multi: Option<MultiProgress>) -> Self {
        Bars {
            multi,
            current: Mutex::new(None),
        }
    }

    /// The bar's style: name, bar, count, rate (1 decimal) and ETA.
    fn style() -> ProgressStyle {
        ProgressStyle::with_template(
            "  {prefix:<16} [{bar:28}] {pos}/{len} · {rate} · ETA {eta} ({elapsed})",
        )
        .map(|s| {
            s.progress_chars("=> ").with_key(
                "rate",
                |st: &ProgressState, w: &mut dyn std::fmt::Write| {
                    let _ = write!(w, "{}", rate_text(st.per_sec()));
                },
            )
        })
        .unwrap_or_else(|_| ProgressStyle::default_bar())
    }

    /// Ends the running bar, if any, and removes it from the screen.
    fn clear(&self, bar: Option<ProgressBar>) {
        if let (Some(b), Some(m)) = (bar, &self.multi) {
            b.finish_and_clear();
            m.remove(&b);
        }
    }
}

/// A rate as people read it: `3.1/s` from one per second up, `12.4 s/item` below.
fn rate_text(per_sec: f64) -> String {
    if !per_sec.is_finite() || per_sec <= 0.0 {
        "–/s".to_string()
    } else if per_sec >= 1.0 {
        format!("{per_sec:.1}/s")
    } else {
        format!("{:.1} s each", 1.0 / per_sec)
    }
}

impl Counted for Bars {
    fn start(&self, stage: &str, total: u64) {
        let Some(m) = &self.multi else {
            return;
        };
        let b = m.add(ProgressBar::new(total));
        b.set_style(Bars::style());
        b.set_prefix(stage.to_string());
        b.enable_steady_tick(Duration::from_millis(250));
        let old = self.current.lock().ok().and_then(|mut c| c.replace(b));
        self.clear(old);
    }

    fn inc(&self, n: u64) {
        if let Ok(c) = self.current.lock() {
            if let Some(b) = c.as_ref() {
                b.inc(n);
            }
        }
    }

    fn finish(&self) {
        let old = self.current.lock().ok().and_then(|mut c| c.take());
        self.clear(old);
    }
}

impl Drop for Bars {
    fn drop(&mut self) {
        self.finish();
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn rates_read_as_people_say_them() {
        assert_eq!(rate_text(3.125), "3.1/s");
        assert_eq!(rate_text(0.25), "4.0 s each");
        assert_eq!(rate_text(0.0), "–/s");
        assert_eq!(rate_text(f64::NAN), "–/s");
    }

    #[test]
    fn quiet_bars_draw_nothing_and_accept_every_call() {
        let b = Bars::new(true);
        b.start("supply zones", 3);
        b.inc(2);
        b.finish();
        b.inc(1);
        assert!(b.current.lock().unwrap().is_none());
    }
}
