//! Presenters: how a run's results are shown (diff, text, JSON).
//! Also the small text helpers they and the commands share.

pub mod assess;
pub mod check;
pub mod config_audit;
pub mod diff;
pub mod json;
pub mod text;

use std::io::IsTerminal;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

impl ColorChoice {
    /// Whether to color stdout.
    pub fn enabled(self) -> bool {
        match self {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                std::env::var_os("NO_COLOR").is_none() && std::io::stdout().is_terminal()
            }
        }
    }
}

/// `code` with its whitespace folded to single spaces, so it fits in one line
/// of a message or table; past `max` characters only the first `keep` are
/// shown, then "…".
pub fn one_line(code: &str, max: usize, keep: usize) -> String {
    let folded = code.split_whitespace().collect::<Vec<_>>().join(" ");
    if folded.chars().count() > max {
        format!("{}…", folded.chars().take(keep).collect::<String>())
    } else {
        folded
    }
}
