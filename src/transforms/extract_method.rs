//! `extract-method` (phase 4): splits functions over the length limit into
//! helpers where `crate::extract` proves the split keeps behaviour; each
//! function still over the limit becomes a finding with its remaining size
//! and, per refused block, the rule, the reason and the helper signature.

use crate::extract::{self, FunctionReport};

use super::{
    ChangeSet, FileChange, FileInput, OptionSpec, Options, Pending, Refusal, Transform,
    TransformOutput,
};

pub struct ExtractMethod;

const OPTIONS: &[OptionSpec] = &[
    OptionSpec {
        name: "max-lines",
        values: &[],
        default: "50",
        help: "functions longer than this (`end_lineno - lineno`) are split",
    },
    OptionSpec {
        name: "min-lines",
        values: &[],
        default: "3",
        help: "a helper has at least this many lines",
    },
    OptionSpec {
        name: "max-inputs",
        values: &[],
        default: "5",
        help: "at most this many parameters per helper (`self`/`cls` aside)",
    },
    OptionSpec {
        name: "max-outputs",
        values: &[],
        default: "3",
        help: "at most this many values returned per helper",
    },
    OptionSpec {
        name: "max-depth",
        values: &[],
        default: "2",
        help: "how deep inside if/for/while/with/try bodies blocks are looked for",
    },
];

impl Transform for ExtractMethod {
    fn name(&self) -> &'static str {
        "extract-method"
    }

    fn summary(&self) -> &'static str {
        "splits functions over the length limit into helpers where the flow analysis proves it safe; reports the rest with the helper each refused block would need"
    }

    fn options(&self) -> &'static [OptionSpec] {
        OPTIONS
    }

    fn may_apply(&self, text: &str) -> bool {
        text.contains("def ")
    }

    /// Only a function over `max-lines` is split or reported: the
    /// tokenizer's extents are `ast`'s, as the tree's are (the audit
    /// relies on the same equality), except where it doubts the text.
    fn may_apply_with(&self, text: &str, options: &Options) -> bool {
        let Ok(options) = parse_options(options) else {
            return true; // every file gets the refusal
        };
        if !self.may_apply(text) {
            return false;
        }
        let tokens = crate::tokenize::scan(text);
        tokens.suspect
            || tokens
                .functions
                .iter()
                .any(|f| f.lines() > options.max_lines)
    }

    /// Each function is split on its own file's facts.
    fn needs_index(&self) -> bool {
        false
    }

    fn prepare(&self, file: &FileInput) -> Vec<Pending> {
        let outputs = match parse_options(file.options) {
            Ok(options) => {
                let plan = extract::plan(file.text, file.tree, &options);
                plan.functions
                    .iter()
                    .flat_map(|function| outputs_of(function, file, options.max_lines))
                    .collect()
            }
            Err(message) => vec![TransformOutput::Refusal(Refusal::at(
                file.file,
                file.text,
                0..0,
                "extract-method was not run".into(),
                message,
            ))],
        };
        if outputs.is_empty() {
            return Vec::new();
        }
        vec![Box::new(move |_| outputs)]
    }
}

/// Options are numbers written as strings.
fn parse_options(options: &Options) -> Result<extract::Options, String> {
    let number = |name: &str| -> Result<usize, String> {
        let value = options.get(name).map_or("", String::as_str);
        value
            .parse()
            .map_err(|_| format!("option `{name}` must be a whole number, not `{value}`"))
    };
    Ok(extract::Options {
        max_lines: number("max-lines")?,
        min_lines: number("min-lines")?.max(1),
        max_inputs: number("max-inputs")?,
        max_outputs: number("max-outputs")?,
        max_depth: number("max-depth")?,
    })
}

fn outputs_of(function: &FunctionReport, file: &FileInput, limit: usize) -> Vec<TransformOutput> {
    let mut out = Vec::new();
    if !function.edits.is_empty() {
        let helpers: Vec<String> = function
            .extracted
            .iter()
            .map(|e| format!("`{}`", e.helper))
            .collect();
        out.push(TransformOutput::Change(ChangeSet {
            message: format!(
                "`{}` ({} lines, {} of code) is split: {} ({} lines, {} of code)",
                function.qualname,
                function.length,
                function.code_lines,
                helpers.join(", "),
                function.length_after,
                function.code_lines_after
            ),
            edits: function
                .edits
                .iter()
                .map(|e| FileChange {
                    file: file.file,
                    start: e.start,
                    end: e.end,
                    replacement: e.replacement.clone(),
                })
                .collect(),
            new_files: Vec::new(),
        }));
    }
    if function.length_after > limit {
        out.push(TransformOutput::Refusal(Refusal::at(
            file.file,
            file.text,
            function.name_range.clone(),
            format!(
                "`{}` stays {} lines long ({} of code), over the limit of {limit}",
                function.qualname, function.length_after, function.code_lines_after
            ),
            remaining_reason(function),
        )));
    }
    out
}

/// What a person can act on: why each remaining block stayed.
fn remaining_reason(function: &FunctionReport) -> String {
    if let Some(why) = &function.unsupported {
        return why.clone();
    }
    if function.refused.is_empty() {
        return "no block between blank lines or comments is small enough to move; add such cuts, then split".into();
    }
    let blocks: Vec<String> = function
        .refused
        .iter()
        .map(|p| {
            format!(
                "line {} ({} lines) [{}] {}; it would need `{}`",
                p.line, p.lines, p.rule, p.reason, p.signature
            )
        })
        .collect();
    format!("refused blocks: {}", blocks.join(" | "))
}
