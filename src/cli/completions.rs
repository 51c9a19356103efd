//! `sitefind completions SHELL` (clap_complete) and `sitefind man` (clap_mangen): both
//! generated from the clap definitions in [`super::Cli`], so they list exactly the options
//! `--help` shows.

use clap::CommandFactory;
use sitefind::{Error, Result};
use std::io::Write;

/// Writes the completion script for `shell` to `out`.
pub fn completions(shell: clap_complete::Shell, out: &mut dyn Write) -> Result<()> {
    let mut cmd = super::Cli::command();
    let mut buf = Vec::new();
    clap_complete::generate(shell, &mut cmd, "sitefind", &mut buf);
    out.write_all(&buf).map_err(|e| Error::write("<stdout>", e))
}

/// Writes the manual page (roff) to `out`: the command, then one section per subcommand.
pub fn man(out: &mut dyn Write) -> Result<()> {
    let cmd = super::Cli::command();
    let mut buf = Vec::new();
    let w = |e| Error::Internal(format!("rendering the manual page: {e}"));
    clap_mangen::Man::new(cmd.clone())
        .render(&mut buf)
        .map_err(w)?;
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        let name = format!("sitefind {}", sub.get_name());
        let page = clap_mangen::Man::new(sub.clone().name(name.clone()));
        writeln!(buf, ".SH \"{}\"", name.to_uppercase()).map_err(w)?;
        page.render_description_section(&mut buf).map_err(w)?;
        page.render_synopsis_section(&mut buf).map_err(w)?;
        page.render_options_section(&mut buf).map_err(w)?;
    }
    out.write_all(title_first(&String::from_utf8_lossy(&buf)).as_bytes())
        .map_err(|e| Error::write("<stdout>", e))
}

/// The page with its `.TH` title line first (clap_mangen puts the quote-string definitions
/// before it; they may follow the title), so the page starts as `man` pages do.
fn title_first(page: &str) -> String {
    let Some(th) = page.lines().find(|l| l.starts_with(".TH ")) else {
        return page.to_string();
    };
    let mut out = format!("{th}\n");
    let mut moved = false;
    for line in page.lines() {
        if !moved && line == th {
            moved = true;
            continue;
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn bash_completions_name_the_subcommands() {
        let mut out = Vec::new();
        completions(clap_complete::Shell::Bash, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        for sub in [
            "solve",
            "supply",
            "latency",
            "sweep",
            "schema",
            "completions",
            "man",
        ] {
            assert!(text.contains(sub), "{sub}");
        }
    }

    #[test]
    fn man_is_roff_with_a_section_per_subcommand() {
        let mut out = Vec::new();
        man(&mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.starts_with(".TH sitefind"), "{}", &text[..80]);
        assert_eq!(text.matches(".TH ").count(), 1);
        assert!(text.contains("SITEFIND LATENCY"));
    }
}
