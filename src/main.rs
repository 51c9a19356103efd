//! The `sitefind` command: parse arguments, run, map errors to exit codes
//! (0 ok, 1 bad input or infeasible scenario, 2 internal error).
#![allow(clippy::print_stdout)]

mod cli;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    match cli::run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::from(err.exit_code())
        }
    }
}
