//! Solver progress on stderr: a status line redrawn in place (at most 10 times a second) on a
//! terminal, plain lines at most every 2 seconds otherwise; phase changes and the final line
//! are always shown.

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

/// Rate-limited printer of progress lines.
pub struct ProgressPrinter {
    tty: bool,
    last: Option<Instant>,
    last_phase: String,
    open_line: bool,
}

impl ProgressPrinter {
    /// A printer for stderr.
    pub fn new() -> Self {
        ProgressPrinter {
            tty: std::io::stderr().is_terminal(),
            last: None,
            last_phase: String::new(),
            open_line: false,
        }
    }

    /// Shows one progress line (`phase` first word of `line`).
    pub fn line(&mut self, line: &str) {
        let phase = line.split_whitespace().next().unwrap_or("").to_string();
        let now = Instant::now();
        let every = if self.tty {
            Duration::from_millis(100)
        } else {
            Duration::from_secs(2)
        };
        let due = self.last.is_none_or(|t| now.duration_since(t) >= every);
        let changed = phase != self.last_phase;
        if !(due || changed || phase == "done") {
            return;
        }
        self.last = Some(now);
        self.last_phase = phase;
        let mut err = std::io::stderr().lock();
        if self.tty {
            let _ = write!(err, "\r\x1b[2K  {line}");
            self.open_line = true;
            let _ = err.flush();
        } else {
            let _ = writeln!(err, "  {line}");
        }
    }

    /// Ends a redrawn line before other output.
    pub fn finish_line(&mut self) {
        if self.open_line {
            let _ = writeln!(std::io::stderr());
            self.open_line = false;
        }
    }
}
