//! Findings located from tree nodes: line, column, end and the quoted
//! source line, each from the node's own points.

use tree_sitter::Node;

use super::suppress::apply_suppressions;
use super::{AuditFinding, FileAudit};
use crate::analysis::subject::Subject;
use crate::rules::Severity;
use crate::source::Position;

/// Where a finding is: its bytes (on one line), its 0-based row and the
/// offset its line starts at (after the last `\n` before it, as
/// tree-sitter counts rows).
#[derive(Debug, Clone, Copy)]
pub(super) struct Span {
    pub start: usize,
    pub end: usize,
    pub row: usize,
    pub line_start: usize,
}

impl Span {
    /// The span of `start..end` on one line of `text`, at `row`.
    pub fn on_row(text: &str, start: usize, end: usize, row: usize) -> Span {
        let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
        Span {
            start,
            end,
            row,
            line_start,
        }
    }
}

pub(super) struct Collector<'a> {
    pub file: &'a str,
    pub text: &'a str,
    pub findings: Vec<AuditFinding>,
}

impl Collector<'_> {
    /// A finding with no reason to allow it.
    pub fn flag(
        &mut self,
        node: Node,
        rule: &'static str,
        severity: Severity,
        message: String,
        subject: Subject,
    ) {
        self.add(node, rule, severity, message, None, subject);
    }

    pub fn add(
        &mut self,
        node: Node,
        rule: &'static str,
        severity: Severity,
        message: String,
        allowed: Option<String>,
        subject: Subject,
    ) {
        // From the node's points, so that each finding costs its own line,
        // not a scan of the file up to it.
        let (start, point) = (node.start_byte(), node.start_position());
        let end = if node.end_position().row == point.row {
            node.end_byte()
        } else {
            self.line_end(start)
        };
        let span = Span {
            start,
            end,
            row: point.row,
            line_start: start - point.column,
        };
        self.add_span(span, rule, severity, message, allowed, subject);
    }

    /// A finding at the bytes `start..end` a node would span (from row
    /// `row`): cut at the end of its first line, as [`Collector::add`] does.
    pub fn add_range(
        &mut self,
        (start, end, row): (usize, usize, usize),
        rule: &'static str,
        severity: Severity,
        message: String,
        subject: Subject,
    ) {
        let end = if self.text[start..end].contains('\n') {
            self.line_end(start)
        } else {
            end
        };
        let span = Span::on_row(self.text, start, end, row);
        self.add_span(span, rule, severity, message, None, subject);
    }

    /// A finding at `span` (which ends on its first line).
    pub fn add_span(
        &mut self,
        span: Span,
        rule: &'static str,
        severity: Severity,
        message: String,
        allowed: Option<String>,
        subject: Subject,
    ) {
        let Span {
            start,
            end,
            row,
            line_start,
        } = span;
        let Position { line, column } =
            Position::of_point(self.text, row, start - line_start, start);
        let Position {
            line: end_line,
            column: end_column,
        } = Position::of_point(self.text, row, end - line_start, end);
        let source_line = self.text[line_start..self.line_end(start)]
            .trim_end_matches('\r')
            .to_string();
        self.findings.push(AuditFinding {
            rule,
            severity,
            file: self.file.to_string(),
            line,
            column,
            end_line,
            end_column,
            message,
            allowed,
            source_line,
            suppressed: false,
            subject,
        });
    }

    /// The file's audit: its findings less the suppressed ones, plus the
    /// unused suppressions, sorted by position.
    pub fn into_audit(self) -> FileAudit {
        let mut findings = self.findings;
        apply_suppressions(self.file, self.text, &mut findings);
        findings.sort_by_key(|f| (f.line, f.column, f.rule));
        FileAudit {
            file: self.file.to_string(),
            findings,
            not_audited: None,
        }
    }

    fn line_end(&self, offset: usize) -> usize {
        self.text[offset..]
            .find('\n')
            .map_or(self.text.len(), |i| offset + i)
    }
}
