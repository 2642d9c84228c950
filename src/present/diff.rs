//! Unified diffs of rewritten files, as `git apply` accepts them: lines end
//! at `\n` only (a bare `\r` is part of a line, as git sees it), a missing
//! final newline is marked, a BOM is part of line 1, and names git would
//! quote are quoted as git quotes them.

use std::fmt::Write;

use similar::{Algorithm, DiffOp, DiffTag, TextDiff};

use crate::source::SourceText;

use super::ansi::{BOLD, CYAN, GREEN, RED, RESET};

/// The diff of a rewritten file, with its BOM (if any) on both sides.
pub fn file_diff(display: &str, source: &SourceText, new_text: &str, color: bool) -> String {
    if source.has_bom {
        let bom = '\u{feff}';
        unified(
            display,
            &format!("{bom}{}", source.text),
            &format!("{bom}{new_text}"),
            color,
        )
    } else {
        unified(display, &source.text, new_text, color)
    }
}

/// The diff of one file; `display` is its path as shown to the user.
pub fn unified(display: &str, old: &str, new: &str, color: bool) -> String {
    let old_lines: Vec<&str> = old.split_inclusive('\n').collect();
    let new_lines: Vec<&str> = new.split_inclusive('\n').collect();
    let diff = TextDiff::configure()
        .algorithm(Algorithm::Myers)
        .diff_slices(&old_lines, &new_lines);
    // `a//abs/path` is not a path git understands; `a/abs/path` is.
    let display = display.trim_start_matches('/');
    let mut text = format!(
        "--- {}\n+++ {}\n",
        git_quoted(&format!("a/{display}")),
        git_quoted(&format!("b/{display}"))
    );
    for group in diff.grouped_ops(3) {
        write_hunk(&mut text, &group, &old_lines, &new_lines);
    }
    if color { colorize(&text) } else { text }
}

/// One hunk: its header, then each line with its marker.
fn write_hunk(out: &mut String, ops: &[DiffOp], old: &[&str], new: &[&str]) {
    let (Some(first), Some(last)) = (ops.first(), ops.last()) else {
        return;
    };
    let old_range = first.old_range().start..last.old_range().end;
    let new_range = first.new_range().start..last.new_range().end;
    let _ = writeln!(
        out,
        "@@ -{} +{} @@",
        hunk_range(&old_range),
        hunk_range(&new_range)
    );
    for op in ops {
        let (tag, old_lines, new_lines) = op.as_tag_tuple();
        let lines = match tag {
            DiffTag::Equal => vec![(' ', &old[old_lines])],
            DiffTag::Delete => vec![('-', &old[old_lines])],
            DiffTag::Insert => vec![('+', &new[new_lines])],
            DiffTag::Replace => vec![('-', &old[old_lines]), ('+', &new[new_lines])],
        };
        for (marker, lines) in lines {
            for line in lines {
                out.push(marker);
                out.push_str(line);
                if !line.ends_with('\n') {
                    out.push_str("\n\\ No newline at end of file\n");
                }
            }
        }
    }
}

/// `start,count` of a hunk side as unified diffs number it (`start` alone
/// for one line; an empty side names the line before it).
fn hunk_range(range: &std::ops::Range<usize>) -> String {
    match range.len() {
        0 => format!("{},0", range.start),
        1 => format!("{}", range.start + 1),
        count => format!("{},{count}", range.start + 1),
    }
}

/// A path as git writes it in a patch: quoted, with C escapes, when it has a
/// control character, a quote or a backslash (non-ASCII is left as it is,
/// which `git apply` reads).
pub fn git_quoted(path: &str) -> String {
    if !path
        .chars()
        .any(|c| c.is_ascii_control() || c == '"' || c == '\\')
    {
        return path.to_string();
    }
    let mut quoted = String::from("\"");
    for c in path.chars() {
        match c {
            '"' => quoted.push_str("\\\""),
            '\\' => quoted.push_str("\\\\"),
            '\n' => quoted.push_str("\\n"),
            '\t' => quoted.push_str("\\t"),
            '\r' => quoted.push_str("\\r"),
            c if c.is_ascii_control() => {
                let _ = write!(quoted, "\\{:03o}", c as u32);
            }
            c => quoted.push(c),
        }
    }
    quoted.push('"');
    quoted
}

/// The diff of a file to create: from `/dev/null`, as `git apply` creates
/// files (`new file mode` tells git it is new).
pub fn created(display: &str, text: &str, color: bool) -> String {
    let display = display.trim_start_matches('/');
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let (a, b) = (
        git_quoted(&format!("a/{display}")),
        git_quoted(&format!("b/{display}")),
    );
    let mut out = format!(
        "diff --git {a} {b}\nnew file mode 100644\n--- /dev/null\n+++ {b}\n@@ -0,0 +1,{} @@\n",
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
    fn names_are_quoted_as_git_quotes_them() {
        assert_eq!(git_quoted("a/ünï code.py"), "a/ünï code.py");
        assert_eq!(
            git_quoted("a/t\tn\nq\"b\\c\x07.py"),
            "\"a/t\\tn\\nq\\\"b\\\\c\\007.py\""
        );
    }

    #[test]
    fn lines_end_at_newlines_only_and_a_missing_one_is_marked() {
        let diff = unified("a.py", "a\rb\nc\r", "a\rb\nd\r", false);
        assert_eq!(
            diff,
            "--- a/a.py\n+++ b/a.py\n@@ -1,2 +1,2 @@\n a\rb\n-c\r\n\\ No newline at end of file\n+d\r\n\\ No newline at end of file\n"
        );
        let inserted = unified("a.py", "", "x\n", false);
        assert!(inserted.contains("@@ -0,0 +1 @@\n+x\n"), "{inserted}");
    }

    #[test]
    fn colored_diff_wraps_changed_lines() {
        let diff = unified("a.py", "a\n", "b\n", true);
        assert!(diff.contains("\x1b[31m-a\x1b[0m\n"));
        assert!(diff.contains("\x1b[32m+b\x1b[0m\n"));
    }
}
