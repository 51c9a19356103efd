//! Stage progress on stderr: a spinner with the running stage on a terminal (indicatif), plain
//! lines otherwise. The library reports stages through its progress callback
//! (`pipeline::Progress`: stage, seconds — NaN when the stage starts —, note) and never prints.
//! The solver's own progress comes as stage `"progress"` with the line as note (elapsed time,
//! incumbent, bound, gap): on a terminal it becomes the spinner's message; otherwise a plain
//! line at most every 2 seconds, with phase changes and the final line always shown.

use indicatif::{ProgressBar, ProgressStyle};
use std::cell::RefCell;
use std::io::IsTerminal;
use std::time::{Duration, Instant};

/// Shows stages as they start and finish.
pub struct StageProgress {
    bar: Option<ProgressBar>,
    quiet: bool,
    /// When the last plain solver line was printed, and its phase (first word).
    last_line: RefCell<(Option<Instant>, String)>,
}

impl StageProgress {
    /// A reporter; `quiet` shows nothing.
    pub fn new(quiet: bool) -> Self {
        let bar = (!quiet && std::io::stderr().is_terminal()).then(|| {
            let b = ProgressBar::new_spinner();
            b.set_style(
                ProgressStyle::with_template("  {spinner} {msg} ({elapsed})")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            b.enable_steady_tick(Duration::from_millis(120));
            b
        });
        StageProgress {
            bar,
            quiet,
            last_line: RefCell::new((None, String::new())),
        }
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
