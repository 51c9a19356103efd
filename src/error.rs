//! One error type for the library: every variant carries the context a user needs to act
//! (which file, which record, which field, what was expected, what was found) and a hint.
//!
//! The binary maps [`Error::exit_code`] to the process exit status: 1 for user error (bad
//! input, infeasible scenario), 2 for internal error.

use std::fmt;
use std::path::PathBuf;

/// A result with sitefind's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Where in an input a problem was found: file, record and field.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Location {
    /// The file (or a label such as `<embedded>/substations.csv`).
    pub file: String,
    /// The record: e.g. `line 12`, `feature 3`, `demand[2] "Osaka"`. Empty when not known.
    pub record: String,
    /// The field or column name. Empty when not known.
    pub field: String,
}

impl Location {
    /// A location naming only a file.
    pub fn file(file: impl Into<String>) -> Self {
        Location {
            file: file.into(),
            ..Default::default()
        }
    }

    /// This location with a record.
    pub fn record(mut self, record: impl Into<String>) -> Self {
        self.record = record.into();
        self
    }

    /// This location with a field.
    pub fn field(mut self, field: impl Into<String>) -> Self {
        self.field = field.into();
        self
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if !self.record.is_empty() {
            write!(f, ": {}", self.record)?;
        }
        if !self.field.is_empty() {
            write!(f, ": field `{}`", self.field)?;
        }
        Ok(())
    }
}

/// One problem found in one input record.
#[derive(Debug, Clone, PartialEq)]
pub struct Issue {
    /// Where.
    pub at: Location,
    /// What was expected, e.g. `a number > 0`.
    pub expected: String,
    /// What was found, e.g. `-5`.
    pub found: String,
    /// A hint telling the user what to do (may be empty).
    pub hint: String,
}

impl fmt::Display for Issue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: expected {}, found {}",
            self.at, self.expected, self.found
        )?;
        if !self.hint.is_empty() {
            write!(f, "\n  hint: {}", self.hint)?;
        }
        Ok(())
    }
}

/// Every error sitefind's library returns.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file could not be read or written.
    #[error("{path}: {action}: {source}\n  hint: {hint}")]
    Io {
        /// The file.
        path: PathBuf,
        /// What we were doing (`reading`, `writing`, `renaming`).
        action: &'static str,
        /// The OS error.
        #[source]
        source: std::io::Error,
        /// What to do about it.
        hint: String,
    },
    /// A file could not be parsed at all (truncated JSON, broken CSV, bad TOML).
    #[error("{at}: cannot parse: {message}\n  hint: {hint}")]
    Parse {
        /// Where.
        at: Location,
        /// The parser's message.
        message: String,
        /// What to do about it.
        hint: String,
    },
    /// One or more records are invalid; all problems found in the input are listed.
    #[error("{}", format_issues(.0))]
    Invalid(Vec<Issue>),
    /// The scenario cannot be satisfied; the diagnosis names the culprit with numbers.
    #[error("infeasible scenario: {diagnosis}\n  hint: {hint}")]
    Infeasible {
        /// What makes it infeasible, with names and numbers.
        diagnosis: String,
        /// What to relax.
        hint: String,
    },
    /// A user option is wrong (unknown cable id, unknown solver, bad flag value).
    #[error("{message}\n  hint: {hint}")]
    Usage {
        /// What is wrong.
        message: String,
        /// What to do.
        hint: String,
    },
    /// The solver failed in a way that is not the user's fault.
    #[error("solver error: {0}")]
    Solver(String),
    /// A saved answer breaks promises (`sitefind check`): exit 2, every broken one listed.
    #[error("{what}: {} broken promise{}:{}\n  hint: the answer was edited or does not belong to this dataset, demand and scenario; re-run the solve", .promises.len(), if .promises.len() == 1 { "" } else { "s" }, .promises.iter().map(|p| format!("\n- {p}")).collect::<String>())]
    Broken {
        /// The answer checked.
        what: String,
        /// Every broken promise.
        promises: Vec<String>,
    },
    /// A bug: an invariant of sitefind did not hold.
    #[error("internal error: {0}\n  hint: this is a bug in sitefind; please report it with the command line")]
    Internal(String),
}

fn format_issues(issues: &[Issue]) -> String {
    let mut out = format!(
        "{} problem{} in the input:",
        issues.len(),
        if issues.len() == 1 { "" } else { "s" }
    );
    for issue in issues {
        out.push_str("\n- ");
        out.push_str(&issue.to_string().replace('\n', "\n  "));
    }
    out
}

impl Error {
    /// The process exit code for this error: 1 for user error, 2 for internal error or a
    /// saved answer that breaks promises ([`Error::Broken`]).
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Solver(_) | Error::Internal(_) | Error::Broken { .. } => 2,
            _ => 1,
        }
    }

    /// A usage error with a hint.
    pub fn usage(message: impl Into<String>, hint: impl Into<String>) -> Self {
        Error::Usage {
            message: message.into(),
            hint: hint.into(),
        }
    }

    /// An I/O error while reading `path`.
    pub fn read(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        let path = path.into();
        let hint = if source.kind() == std::io::ErrorKind::NotFound {
            "check the path; relative paths in a manifest are relative to the manifest's folder"
                .to_string()
        } else {
            "check that the file is readable".to_string()
        };
        Error::Io {
            path,
            action: "reading",
            source,
            hint,
        }
    }

    /// An I/O error while writing `path`.
    pub fn write(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            action: "writing",
            source,
            hint: "check that the folder exists and is writable".to_string(),
        }
    }
}

/// Collects validation issues so that every problem in a file is reported, not only the first.
#[derive(Debug, Default)]
pub struct Issues(pub Vec<Issue>);

impl Issues {
    /// An empty collection.
    pub fn new() -> Self {
        Issues(Vec::new())
    }

    /// Records one problem.
    pub fn push(
        &mut self,
        at: Location,
        expected: impl Into<String>,
        found: impl Into<String>,
        hint: impl Into<String>,
    ) {
        self.0.push(Issue {
            at,
            expected: expected.into(),
            found: found.into(),
            hint: hint.into(),
        });
    }

    /// True if no problem was recorded.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `Ok(value)` if no problem was recorded, else [`Error::Invalid`] with all of them.
    pub fn into_result<T>(self, value: T) -> Result<T> {
        if self.0.is_empty() {
            Ok(value)
        } else {
            Err(Error::Invalid(self.0))
        }
    }
}
