//! The `sitefind` command: parse arguments, run, map errors to exit codes
//! (0 ok, 1 bad input or infeasible scenario, 2 internal error).
#![allow(clippy::print_stdout)]

mod cli;

use clap::Parser;
use std::process::ExitCode;

/// On SIGINT, SIGTERM or SIGHUP: remove every temporary output file still being written
/// (`sitefind::output`), then exit with 128 + the signal number, as a shell reports a
/// process killed by it. The registry stays locked, so no new temporary file appears before
/// the exit.
fn remove_temporaries_on_signals() {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP]) else {
        return;
    };
    std::thread::spawn(move || {
        if let Some(sig) = signals.forever().next() {
            let (n, _locked) = sitefind::output::remove_temporaries();
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
        // A closed stdout pipe (`sitefind … | head`) ends quietly, as Unix tools do.
        Err(sitefind::Error::Io { source, .. }) if is_broken_pipe(&source) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::from(err.exit_code())
        }
    }
}

/// True if the error is (or wraps, as the csv writer does) a write to a closed pipe.
fn is_broken_pipe(e: &std::io::Error) -> bool {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        return true;
    }
    match e.get_ref() {
        Some(inner) => match inner.downcast_ref::<csv::Error>().map(|c| c.kind()) {
            Some(csv::ErrorKind::Io(io)) => is_broken_pipe(io),
            _ => inner
                .downcast_ref::<std::io::Error>()
                .is_some_and(is_broken_pipe),
        },
        None => false,
    }
}
