//! txo-codemod: migrates TXO v2.1 Python projects to v3.0.
//!
//! Data flows one way: files → parse → match → edits → verify → present/apply.

pub mod analysis;
pub mod audit;
pub mod cli;
pub mod commands;
pub mod config_audit;
pub mod engine;
pub mod pattern;
pub mod present;
pub mod project;
pub mod rules;
pub mod run;
pub mod safety;
pub mod source;
pub mod syntax;
pub mod tokenize;
pub mod transforms;
pub mod walk;
pub mod write;
