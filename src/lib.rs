//! absurdctl as a library: the binary's modules, exposed so that integration
//! tests and benchmarks can drive the queue layer directly.

pub mod archive;
pub mod checks;
pub mod cli;
pub mod commands;
pub mod complete;
pub mod config;
pub mod deadline;
pub mod docs;
pub mod error;
pub mod host;
pub mod interact;
pub mod output;
pub mod queue;
pub mod units;
