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

/// ANSI styles shared by the presenters.
pub mod ansi {
    pub const RED: &str = "\x1b[31m";
    pub const GREEN: &str = "\x1b[32m";
    pub const YELLOW: &str = "\x1b[33m";
    pub const CYAN: &str = "\x1b[36m";
    pub const BOLD: &str = "\x1b[1m";
    pub const RESET: &str = "\x1b[0m";

    /// `text` in `style` when `on`, else as is.
    pub fn paint(style: &str, text: &str, on: bool) -> String {
        if on {
            format!("{style}{text}{RESET}")
        } else {
            text.to_string()
        }
    }
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

/// `phase 2`, `phases 2 and 3`, `phases 2, 3 and 4`: phase numbers in a
/// sentence.
pub fn phase_list(phases: &[u8]) -> String {
    let numbers: Vec<String> = phases.iter().map(u8::to_string).collect();
    match numbers.as_slice() {
        [] => "no phase".to_string(),
        [one] => format!("phase {one}"),
        [init @ .., last] => format!("phases {} and {last}", init.join(", ")),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phase_lists_read_as_english() {
        assert_eq!(phase_list(&[2]), "phase 2");
        assert_eq!(phase_list(&[2, 3]), "phases 2 and 3");
        assert_eq!(phase_list(&[2, 3, 4]), "phases 2, 3 and 4");
    }
}
