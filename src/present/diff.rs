//! Unified diffs of rewritten files, as `git apply` accepts them.

use similar::TextDiff;

const RED: &str = "\x1b[31m";
const GREEN: &str = "\x1b[32m";
const CYAN: &str = "\x1b[36m";
const BOLD: &str = "\x1b[1m";
const RESET: &str = "\x1b[0m";

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

/// The diff of a file to create: from `/dev/null`, as `git apply` creates
/// files (`new file mode` tells git it is new).
pub fn created(display: &str, text: &str, color: bool) -> String {
    let display = display.trim_start_matches('/');
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let mut out = format!(
        "diff --git a/{display} b/{display}\nnew file mode 100644\n--- /dev/null\n+++ b/{display}\n@@ -0,0 +1,{} @@\n",
        lines.len()
    );
    for line in lines {
        out.push('+');
        out.push_str(line);
    }
    if !text.is_empty() && !text.ends_with('\n') {
        out.push_str("\n\\ No newline at end of file\n");
    }
    if color { colorize(&out) } else { out }
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
    fn a_created_file_comes_from_dev_null() {
        assert_eq!(
            created("u/new.py", "a = 1\nb = 2\n", false),
            "diff --git a/u/new.py b/u/new.py\nnew file mode 100644\n--- /dev/null\n+++ b/u/new.py\n@@ -0,0 +1,2 @@\n+a = 1\n+b = 2\n"
        );
    }

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
