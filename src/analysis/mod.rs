//! Python-aware analysis shared by rules: where a value comes from
//! (configuration, argparse), computed once per file on demand.

pub mod exits;
pub mod flow;
pub mod imports;
pub mod metrics;
pub mod names;
pub mod provenance;
pub mod state;

pub use provenance::{FileFacts, NameMatcher, Provenance};
