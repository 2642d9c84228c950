//! Python-aware analysis shared by rules: where a value comes from
//! (configuration, argparse), computed once per file on demand.

pub mod exits;
pub mod flow;
pub mod imports;
pub mod keypaths;
pub mod mapping;
pub mod metrics;
pub mod names;
pub mod provenance;
mod shapes;
pub mod state;
pub mod subject;

pub use provenance::{FileFacts, NameMatcher, Provenance};
