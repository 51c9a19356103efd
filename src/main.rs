//! The `sitefind` command: parse arguments, run, map errors to exit codes
//! (0 ok, 1 bad input or infeasible scenario, 2 internal error).
#![allow(clippy::print_stdout)]

mod cli;

use clap::Parser;
use std::process::ExitCode;

/// On SIGINT, SIGTERM or SIGHUP: remove every temporary output file still being written
/// (`sitefind::report::atomic`), then exit with 128 + the signal number, as a shell reports a
/// process killed by it. The registry stays locked, so no new temporary file appears before
/// the exit.
fn remove_temporaries_on_signals() {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP]) else {
        return;
    };
    std::thread::spawn(move || {
        if let Some(sig) = signals.forever().next() {
            let (n, _locked) = sitefind::report::atomic::remove_temporaries();
            if n > 0 {
                eprintln!("interrupted: removed {n} temporary output file(s)");
            }
            std::process::exit(128 + sig);
        }
    });
}

fn main() -> ExitCode {
    remove_temporaries_on_signals();
    // Usage errors exit 1 (user error), not clap's default 2, which is ours for internal errors.
    let args = match cli::Cli::try_parse() {
        Ok(args) => args,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    match cli::run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::from(err.exit_code())
        }
    }
}
