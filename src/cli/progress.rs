//! Stage progress on stderr: a spinner with the running stage on a terminal (indicatif), plain
//! lines otherwise. The library reports stages through its progress callback
//! (`pipeline::Progress`: stage, seconds — NaN when the stage starts —, note) and never prints.

use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::time::Duration;

/// Shows stages as they start and finish.
pub struct StageProgress {
    bar: Option<ProgressBar>,
    quiet: bool,
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
        StageProgress { bar, quiet }
    }

    /// A stage started (`secs` NaN) or finished after `secs` seconds.
    pub fn stage(&self, stage: &str, secs: f64, note: &str) {
        if self.quiet {
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
