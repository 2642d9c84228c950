//! `globals-to-manager` (phase 3): a module's mutable state becomes the
//! attributes of a manager class, injectable through its constructor; the
//! functions that used the state become its methods; the old functions stay,
//! with their exact signatures, forwarding every argument to a lazily created
//! default manager (deprecated per the `deprecate` option). Classes that read
//! the state in `__init__` get a keyword-only parameter defaulting to the
//! default manager's object, so sharing stays as it was.
//!
//! It refuses, with the reason, what it cannot show keeps the meaning:
//! `globals()`/`exec`/`eval`, state used at import time, other modules
//! reaching the state where `callers.rs` cannot rewrite them exactly,
//! decorated, async or generator functions, name collisions (a state's
//! attribute named like a converted function included), shadowed state
//! names, a state whose exact name is a string of the module (code may reach
//! it with `getattr`), and multi-line strings that indenting would change.
//! Public dicts, lists and sets nothing changes stay where they are
//! (`constants.rs`).
//!
//! The logger singleton stays (the plan's exception, `logger.rs`): it gets
//! `reset()` for tests and a re-entrant lock, nothing more.

mod callers;
mod checks;
mod constants;
mod logger;
mod names;
mod plan;
mod render;

use super::summary::UseKind;
use super::{FileInput, OptionSpec, Pending, ProjectIndex, Refusal, Transform, TransformOutput};

pub struct GlobalsToManager;

const OPTIONS: &[OptionSpec] = &[
    OptionSpec {
        name: "deprecate",
        values: &["auto", "always", "never"],
        default: "auto",
        help: "deprecate the old module functions: auto = public ones except those in `keep`; always = every public one; never = none",
    },
    OptionSpec {
        name: "keep",
        values: &[],
        default: "create_rest_api",
        help: "comma-separated functions `auto` keeps as plain backward-compatible functions (the plan keeps create_rest_api)",
    },
];

impl Transform for GlobalsToManager {
    fn name(&self) -> &'static str {
        "globals-to-manager"
    }

    fn summary(&self) -> &'static str {
        "module state becomes a manager class; old functions forward to a lazy default instance"
    }

    fn options(&self) -> &'static [OptionSpec] {
        OPTIONS
    }

    fn may_apply(&self, text: &str) -> bool {
        // Module-level state starts a line with a name and `=` or `:`; a
        // rebinding needs `global`; a bare `@cache` needs neither. Cheap and
        // without false negatives for what `metrics::global_state` and
        // `state::shared_state` find.
        text.contains('=') || text.contains("cache")
    }

    fn prepare(&self, file: &FileInput) -> Vec<Pending> {
        let mut pending = module_state(file);
        let shapes = other_shapes(file);
        if !shapes.is_empty() {
            pending.push(Box::new(move |_: &ProjectIndex| shapes));
        }
        pending
    }
}

fn module_state(file: &FileInput) -> Vec<Pending> {
    let (outcome, constants) = plan::plan(file);
    let mut pending = planned(outcome);
    if !constants.is_empty() {
        let module = super::summary::module_name(file.relative);
        pending.push(Box::new(move |index: &ProjectIndex| {
            constants::report(constants, &module, index)
        }));
    }
    pending
}

fn planned(outcome: plan::Outcome) -> Vec<Pending> {
    match outcome {
        plan::Outcome::Nothing => Vec::new(),
        plan::Outcome::Refused(refusals) => {
            let outputs: Vec<TransformOutput> =
                refusals.into_iter().map(TransformOutput::Refusal).collect();
            vec![Box::new(move |_: &ProjectIndex| outputs)]
        }
        plan::Outcome::Planned(planned) => {
            let planned = *planned;
            vec![Box::new(move |index: &ProjectIndex| finish(planned, index))]
        }
        plan::Outcome::Logger(logger) => {
            let logger = *logger;
            vec![Box::new(move |index: &ProjectIndex| {
                finish_logger(logger, index)
            })]
        }
    }
}

/// The shapes of shared state phase 3 reports but does not rewrite (what
/// `check`'s `no-global-state` also finds): class-level mutable caches,
/// hand-made singletons, `lru_cache` on module functions. Each needs a
/// person's decision (per-instance or meant to be shared?), so `diff`
/// names them and `check` on the migrated code finds nothing else.
fn other_shapes(file: &FileInput) -> Vec<TransformOutput> {
    if !(file.text.contains("class") || file.text.contains("cache")) {
        return Vec::new();
    }
    crate::analysis::state::shared_state(file.tree.root_node(), file.text)
        .into_iter()
        .map(|shape| {
            TransformOutput::Refusal(Refusal::at(
                file.file,
                file.text,
                shape.node.byte_range(),
                shape.message,
                "reported, not rewritten: phase 3 moves module-level state only".into(),
            ))
        })
        .collect()
}

/// A star import without `__all__` would bind the new `reset` in the
/// importing module too, perhaps over its own.
fn finish_logger(plan: logger::LoggerPlan, index: &ProjectIndex) -> Vec<TransformOutput> {
    let module = super::summary::module_name(&plan.relative);
    let exported = index.module(&module).is_some_and(|m| m.all.is_some());
    let star = index.star_imports_of(&module).first();
    match star {
        Some(found) if plan.adds_reset && !exported => {
            let mut refusal = plan.anchor;
            refusal.reason = format!(
                "not rewritten: {}:{} star-imports this module, which would then also bind `reset` there",
                found.relative, found.what.line
            );
            vec![TransformOutput::Refusal(refusal)]
        }
        _ => vec![TransformOutput::Change(plan.change)],
    }
}

/// With the project at hand: other modules that reach the state are
/// rewritten with the module (one change set), or the module is refused.
fn finish(planned: plan::Planned, index: &ProjectIndex) -> Vec<TransformOutput> {
    let module = super::summary::module_name(&planned.relative);
    let callers = callers::rewrite(&planned, &module, index);
    let mut reasons = callers.reasons;
    let public_state: Vec<&String> = planned
        .state_names
        .iter()
        .filter(|n| !n.starts_with('_'))
        .collect();
    for name in &planned.function_names {
        let stores = index.uses_of(&module, name).iter();
        for found in stores.filter(|u| u.what.kind == UseKind::AttributeStore) {
            reasons.push(format!(
                "{}:{} assigns `{module}.{name}`",
                found.relative, found.what.line
            ));
        }
    }
    if !public_state.is_empty() {
        for found in index.star_imports_of(&module) {
            reasons.push(format!(
                "{}:{} star-imports this module, which gives it `{}`",
                found.relative, found.what.line, public_state[0]
            ));
        }
    }
    if reasons.is_empty() {
        let mut change = planned.change;
        change.edits.extend(callers.edits);
        return vec![TransformOutput::Change(change)];
    }
    let mut refusal: Refusal = planned.anchor;
    refusal.reason = format!(
        "not rewritten: other modules reach this module's state in ways the rewrite cannot follow ({}); moving it into `{}` would change what they see",
        reasons.join("; "),
        planned.class_name
    );
    vec![TransformOutput::Refusal(refusal)]
}
