//! Whether a block can become a helper without changing what the function
//! does: its inputs and outputs from the flow facts, and every rule that
//! refuses it.

use std::fmt;

use crate::analysis::names::{self, Hazard, NameSet};

use super::blocks::Block;
use super::facts::HostFacts;
use super::host::{Host, HostKind};

/// Why a block stays where it is. Each has a rule id (`rules test` and the
/// report use it) and a sentence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    Yield,
    Return,
    EscapingJump(&'static str),
    Declaration(String),
    Dynamic(String),
    ClassCell,
    DelOuter(String),
    ClosureWrite(String),
    ClosureCapture(String),
    MaybeUnboundInput(String),
    MaybeUnboundOutput(String),
    LostOnRaise(String),
    TooManyInputs(usize),
    TooManyOutputs(usize),
    UnusedInHelper(String),
    UnusedInHost(String),
    FrameUser(String),
    Unsupported(String),
}

impl Refusal {
    pub fn id(&self) -> &'static str {
        match self {
            Refusal::Yield => "yield",
            Refusal::Return => "return",
            Refusal::EscapingJump(_) => "escaping-jump",
            Refusal::Declaration(_) => "global-nonlocal",
            Refusal::Dynamic(_) | Refusal::FrameUser(_) => "frame-access",
            Refusal::ClassCell => "class-cell",
            Refusal::DelOuter(_) => "del-outer",
            Refusal::ClosureWrite(_) => "closure-write",
            Refusal::ClosureCapture(_) => "closure-capture",
            Refusal::MaybeUnboundInput(_) => "unbound-input",
            Refusal::MaybeUnboundOutput(_) => "partial-output",
            Refusal::LostOnRaise(_) => "lost-on-raise",
            Refusal::TooManyInputs(_) => "too-many-inputs",
            Refusal::TooManyOutputs(_) => "too-many-outputs",
            Refusal::UnusedInHelper(_) | Refusal::UnusedInHost(_) => "dead-store",
            Refusal::Unsupported(_) => "unsupported",
        }
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::Yield => write!(f, "contains `yield`: the helper would be a generator"),
            Refusal::Return => write!(f, "contains `return` but does not end the function"),
            Refusal::EscapingJump(word) => write!(f, "`{word}` targets a loop outside the block"),
            Refusal::Declaration(name) => write!(f, "`{name}` is declared global/nonlocal"),
            Refusal::Dynamic(what) => {
                write!(f, "`{what}` sees the function's own frame or namespace")
            }
            Refusal::ClassCell => write!(f, "zero-argument `super()`/`__class__` outside a method"),
            Refusal::DelOuter(name) => write!(
                f,
                "`del {name}` unbinds a name the function uses outside the block"
            ),
            Refusal::ClosureWrite(name) => write!(
                f,
                "assigns `{name}`, which a nested function of the host reads"
            ),
            Refusal::ClosureCapture(name) => write!(
                f,
                "a function defined in the block captures `{name}`, which the host reassigns later"
            ),
            Refusal::MaybeUnboundInput(name) => write!(
                f,
                "needs `{name}`, which may be unbound where the block starts"
            ),
            Refusal::MaybeUnboundOutput(name) => write!(
                f,
                "`{name}` is read after the block but not assigned on every path through it"
            ),
            Refusal::LostOnRaise(name) => write!(
                f,
                "`{name}` is written before the block may raise, and a handler (or a suppressing `with`) reads it"
            ),
            Refusal::TooManyInputs(count) => write!(f, "needs {count} inputs"),
            Refusal::TooManyOutputs(count) => write!(f, "produces {count} outputs"),
            Refusal::UnusedInHelper(name) => write!(
                f,
                "assigns `{name}` but never reads it: the helper would hold an unused variable (drop the dead store first)"
            ),
            Refusal::UnusedInHost(name) => write!(
                f,
                "every read of `{name}` is in the block, so the function would keep an assignment to it that nothing reads"
            ),
            Refusal::FrameUser(name) => write!(
                f,
                "calls `{name}()`, which reads its caller's frame at a fixed depth"
            ),
            Refusal::Unsupported(why) => write!(f, "{why}"),
        }
    }
}

/// What a safe (or refused) block needs and gives.
#[derive(Debug, Clone, Default)]
pub struct Signature<'s> {
    /// Values passed in, in order (the receiver excluded).
    pub inputs: Vec<&'s str>,
    /// Values returned, in order.
    pub outputs: Vec<&'s str>,
    /// A tail block with `return`: the call is returned.
    pub returns: bool,
    pub is_async: bool,
}

pub struct Limits<'a> {
    pub max_inputs: usize,
    pub max_outputs: usize,
    /// Functions of the file that read their caller's frame.
    pub frame_users: &'a std::collections::BTreeSet<String>,
}

/// The block's signature, and the first rule that refuses it. The host is
/// one [`super::host::unsupported`] has nothing against.
pub fn analyse<'s>(
    host: &Host<'_, 's>,
    facts: &HostFacts<'s>,
    block: &Block,
    text: &'s str,
    limits: &Limits,
) -> (Signature<'s>, Option<Refusal>) {
    let mut signature = Signature::default();
    let refusal = check(host, facts, block, text, limits, &mut signature).err();
    (signature, refusal)
}

fn check<'s>(
    host: &Host<'_, 's>,
    facts: &HostFacts<'s>,
    block: &Block,
    text: &'s str,
    limits: &Limits,
    signature: &mut Signature<'s>,
) -> Result<(), Refusal> {
    let names = facts.names_of(&block.statements, text);
    let range = block.start_byte()..block.end_byte();
    let inside = |at: &usize| range.contains(at);
    let written = names.written();
    let (Some(first), Some(last)) = (block.statements.first(), block.statements.last()) else {
        return Err(Refusal::Unsupported("empty block".into()));
    };
    let first_facts = host.flow.facts(*first);
    let live_after: NameSet = host
        .flow
        .facts(*last)
        .map(|f| f.live_out.clone())
        .unwrap_or_default();
    let defined: NameSet = first_facts
        .and_then(|f| f.def_in.clone())
        .unwrap_or_default();
    // Written outside the block or live after it (for `del`).
    let used_outside = |name: &str| {
        live_after.contains(name)
            || host
                .names
                .writes
                .iter()
                .any(|(n, at)| *n == name && !inside(at))
    };

    // Outputs: written here, possibly read after (flow, not text order).
    let mut outputs: Vec<&str> = Vec::new();
    let mut by_position = names.writes.clone();
    by_position.sort_by_key(|(_, at)| *at);
    for (name, _) in by_position {
        if live_after.contains(name) && host.locals.contains(name) && !outputs.contains(&name) {
            outputs.push(name);
        }
    }
    if block.is_tail {
        outputs.clear();
    }
    let every_path = facts.assigned_on_every_path(&block.statements, text);
    let partial: Vec<&str> = outputs
        .iter()
        .filter(|o| {
            every_path
                .as_ref()
                .is_some_and(|assigned| !assigned.contains(*o))
        })
        .copied()
        .collect();
    let mut inputs: NameSet = facts
        .upward_reads(&block.statements, text)
        .into_iter()
        .filter(|n| host.locals.contains(n))
        .collect();
    // Assigned on some paths only: the old value goes in and comes back.
    inputs.extend(partial.iter().copied());
    signature.inputs = order_inputs(host, &inputs, text, block);
    signature.outputs = outputs;

    hazards(host, block, &names.hazards, used_outside, signature)?;
    if !limits.frame_users.is_empty() {
        let called = super::frames::called_names(&block.statements, text);
        if let Some(name) = called.iter().find(|n| limits.frame_users.contains(*n)) {
            return Err(Refusal::FrameUser(name.clone()));
        }
    }
    if let Some(name) = host
        .declared
        .iter()
        .find(|n| names.reads.contains(*n) || written.contains(*n))
    {
        return Err(Refusal::Declaration(name.to_string()));
    }
    if first_facts.and_then(|f| f.def_in.as_ref()).is_none() {
        return Err(Refusal::Unsupported("the block is unreachable".into()));
    }
    if let Some(name) = partial.iter().find(|n| !defined.contains(*n)) {
        return Err(Refusal::MaybeUnboundOutput(name.to_string()));
    }
    if let Some(name) = inputs.iter().find(|n| !defined.contains(*n)) {
        return Err(Refusal::MaybeUnboundInput(name.to_string()));
    }
    unused_after_split(host, facts, &names, signature, &inside)?;
    closures(host, block, &names, &written, &inside)?;
    lost_on_raise(host, facts, block, &written, text)?;
    if signature.inputs.len() > limits.max_inputs {
        return Err(Refusal::TooManyInputs(signature.inputs.len()));
    }
    if signature.outputs.len() > limits.max_outputs {
        return Err(Refusal::TooManyOutputs(signature.outputs.len()));
    }
    Ok(())
}

fn hazards<'s>(
    host: &Host,
    block: &Block,
    hazards: &[(Hazard<'s>, usize)],
    used_outside: impl Fn(&str) -> bool,
    signature: &mut Signature,
) -> Result<(), Refusal> {
    for (hazard, _) in hazards {
        match hazard {
            Hazard::Yield => return Err(Refusal::Yield),
            Hazard::Await if host.is_async => signature.is_async = true,
            Hazard::Await => {
                return Err(Refusal::Unsupported(
                    "`await` outside an async function".into(),
                ));
            }
            Hazard::Return if block.is_tail => signature.returns = true,
            Hazard::Return => return Err(Refusal::Return),
            Hazard::EscapingJump(word) => return Err(Refusal::EscapingJump(word)),
            Hazard::Global(name) | Hazard::Nonlocal(name) => {
                return Err(Refusal::Declaration(name.to_string()));
            }
            Hazard::Dynamic(what) => return Err(Refusal::Dynamic(what.to_string())),
            Hazard::ClassCell if matches!(host.kind, HostKind::Method | HostKind::ClassMethod) => {}
            Hazard::ClassCell => return Err(Refusal::ClassCell),
            Hazard::Del(name) if used_outside(name) => {
                return Err(Refusal::DelOuter(name.to_string()));
            }
            Hazard::Del(_) => {}
            Hazard::StarImport => {
                return Err(Refusal::Unsupported("`import *` in a function".into()));
            }
            Hazard::Match => {
                return Err(Refusal::Unsupported(
                    "`match` statements are not analysed".into(),
                ));
            }
            Hazard::TooDeep => {
                return Err(Refusal::Unsupported("nested too deeply to analyse".into()));
            }
        }
    }
    Ok(())
}

/// pyflakes reports a name bound whole (`x = …`) and never read in its
/// function. Neither side of the split may get one the original did not
/// have: a dead store in the block, or a host binding whose reads all move.
fn unused_after_split(
    host: &Host,
    facts: &HostFacts,
    names: &names::Names,
    signature: &Signature,
    inside: &impl Fn(&usize) -> bool,
) -> Result<(), Refusal> {
    let in_helper = names.plain_binds.iter().find(|(n, _)| {
        !names.reads.contains(n) && !signature.outputs.contains(n) && host.locals.contains(n)
    });
    if let Some((name, _)) = in_helper {
        return Err(Refusal::UnusedInHelper(name.to_string()));
    }
    let in_host = host.names.plain_binds.iter().find(|(n, at)| {
        !inside(at)
            && names.reads.contains(n)
            && !signature.inputs.contains(n)
            && !facts.read_outside(n, |at| inside(&at))
    });
    match in_host {
        Some((name, _)) => Err(Refusal::UnusedInHost(name.to_string())),
        None => Ok(()),
    }
}

/// Whether, with all `blocks` moved out, every host binding (`x = …`) whose
/// name the blocks read is still read by the host (the calls' inputs count).
/// Each block comes with its signature and the names it reads
/// ([`HostFacts::names_of`]).
pub fn leaves_reads_outside<'s>(
    host: &Host<'_, 's>,
    facts: &HostFacts<'s>,
    blocks: &[(&Block, &Signature, &NameSet<'s>)],
) -> bool {
    let inside = |at: usize| {
        blocks
            .iter()
            .any(|(b, _, _)| (b.start_byte()..b.end_byte()).contains(&at))
    };
    let read_inside = |name: &str| blocks.iter().any(|(_, _, reads)| reads.contains(name));
    let passed_in = |name: &str| {
        blocks
            .iter()
            .any(|(_, signature, _)| signature.inputs.contains(&name))
    };
    !host.names.plain_binds.iter().any(|(n, at)| {
        !inside(*at) && read_inside(n) && !passed_in(n) && !facts.read_outside(n, inside)
    })
}

/// A nested function keeps reading its enclosing variables: the host's
/// nested functions must not miss the block's writes, and the block's
/// nested functions must not miss the host's later writes.
fn closures(
    host: &Host,
    block: &Block,
    names: &names::Names,
    written: &NameSet,
    inside: &impl Fn(&usize) -> bool,
) -> Result<(), Refusal> {
    let captured_outside: NameSet = host
        .names
        .captures
        .iter()
        .filter(|(_, at)| !inside(at))
        .map(|(n, _)| *n)
        .collect();
    if let Some(name) = written.iter().find(|n| captured_outside.contains(*n)) {
        return Err(Refusal::ClosureWrite(name.to_string()));
    }
    if names.captures.is_empty() {
        return Ok(());
    }
    let in_loop = block
        .statements
        .first()
        .is_some_and(|s| inside_loop(*s, host.function));
    let written_later: NameSet = host
        .names
        .writes
        .iter()
        .filter(|(_, at)| !inside(at) && (in_loop || *at >= block.end_byte()))
        .map(|(n, _)| *n)
        .collect();
    match names
        .captured()
        .into_iter()
        .find(|n| written_later.contains(n))
    {
        Some(name) => Err(Refusal::ClosureCapture(name.to_string())),
        None => Ok(()),
    }
}

fn inside_loop(node: tree_sitter::Node, function: tree_sitter::Node) -> bool {
    let mut current = node.parent();
    while let Some(parent) = current {
        if parent.id() == function.id() {
            return false;
        }
        if matches!(parent.kind(), "for_statement" | "while_statement") {
            return true;
        }
        current = parent.parent();
    }
    false
}

/// If the block raises half-way, the original has already made its earlier
/// writes; the helper's are lost. That matters where something catches it
/// inside the function and reads them.
fn lost_on_raise<'s>(
    host: &Host<'_, 's>,
    facts: &HostFacts<'s>,
    block: &Block,
    written: &NameSet<'s>,
    text: &'s str,
) -> Result<(), Refusal> {
    let exc_live: NameSet = block
        .statements
        .iter()
        .filter_map(|s| host.flow.facts(*s))
        .flat_map(|f| f.exc_live.iter().copied())
        .collect();
    let at_risk: Vec<&str> = written
        .iter()
        .filter(|n| exc_live.contains(*n))
        .copied()
        .collect();
    let Some((last, before)) = block.statements.split_last() else {
        return Ok(());
    };
    if at_risk.is_empty() {
        return Ok(());
    }
    // Written only by a final plain assignment: nothing is written before a raise.
    let earlier = facts.names_of(before, text).written();
    let last_is_simple = last.kind() == "expression_statement";
    match at_risk
        .into_iter()
        .find(|n| earlier.contains(n) || !last_is_simple)
    {
        Some(name) => Err(Refusal::LostOnRaise(name.to_string())),
        None => Ok(()),
    }
}

/// Parameters first, in the function's order, then by first use.
fn order_inputs<'s>(
    host: &Host<'_, 's>,
    inputs: &NameSet<'s>,
    text: &str,
    block: &Block,
) -> Vec<&'s str> {
    let mut ordered: Vec<&'s str> = host
        .parameters
        .iter()
        .map(|p| p.name)
        .filter(|n| inputs.contains(n) && Some(*n) != host.receiver)
        .collect();
    let body = &text[block.start_byte()..block.end_byte()];
    let mut rest: Vec<&'s str> = inputs
        .iter()
        .copied()
        .filter(|n| !ordered.contains(n) && Some(*n) != host.receiver)
        .collect();
    rest.sort_by_key(|n| {
        crate::syntax::word_positions(body.as_bytes(), n)
            .next()
            .unwrap_or(usize::MAX)
    });
    ordered.extend(rest);
    ordered
}
