//! Code patterns with metavariables: compiled once, matched structurally.

pub mod compile;
pub mod matcher;

pub use compile::{Pattern, PatternError, TokenPlace, TokenSpec, compile};
pub use matcher::{Bindings, Captured, Matcher};
