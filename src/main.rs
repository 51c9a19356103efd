//! The `sitefind` command: parse arguments, run, map errors to exit codes
//! (0 ok, 1 bad input or infeasible scenario, 2 internal error).
#![allow(clippy::print_stdout)]

mod cli;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
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
