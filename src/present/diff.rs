//! Unified diffs of rewritten files, as `git apply` accepts them.

use similar::TextDiff;

use super::ansi::{BOLD, CYAN, GREEN, RED, RESET};

/// The diff of one file; `display` is its path as shown to the user.
pub fn unified(display: &str, old: &str, new: &str, color: bool) -> String {
    let diff = TextDiff::from_lines(old, new);
    // `a//abs/path` is not a path git understands; `a/abs/path` is.
    let display = display.trim_start_matches('/');
    let text = diff
        .unified_diff()
        .context_radius(3)
        .header(&format!("a/{display}"), &format!("b/{display}"))
        .to_string();
    if color { colorize(&text) } else { text }
}

fn colorize(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 256);
    for line in text.split_inclusive('\n') {
        let color = if line.starts_with("---") || line.starts_with("+++") {
            Some(BOLD)
        } else if line.starts_with("@@") {
            Some(CYAN)
        } else if line.starts_with('-') {
            Some(RED)
        } else if line.starts_with('+') {
            Some(GREEN)
        } else {
            None
        };
        match color {
            Some(color) => {
                let body = line.trim_end_matches(['\n', '\r']);
                out.push_str(color);
                out.push_str(body);
                out.push_str(RESET);
                out.push_str(&line[body.len()..]);
            }
            None => out.push_str(line),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_diff_has_git_style_headers() {
        let diff = unified("u/a.py", "x = cfg.get('a', 1)\n", "x = cfg['a']\n", false);
        assert_eq!(
            diff,
            "--- a/u/a.py\n+++ b/u/a.py\n@@ -1 +1 @@\n-x = cfg.get('a', 1)\n+x = cfg['a']\n"
        );
    }

    #[test]
    fn colored_diff_wraps_changed_lines() {
        let diff = unified("a.py", "a\n", "b\n", true);
        assert!(diff.contains("\x1b[31m-a\x1b[0m\n"));
        assert!(diff.contains("\x1b[32m+b\x1b[0m\n"));
    }
}
