//! sshdoctor: diagnose why an ssh login fails, and what exactly to do about it.
//!
//! The [`engine`] probes a destination stage by stage and emits typed [`event::Event`]s;
//! front ends (the [`report`] writer, later the console) consume that one stream.

pub mod algorithms;
pub mod cli;
pub mod config;
pub mod config_edit;
pub mod config_verdict;
pub mod console;
pub mod destination;
pub mod engine;
pub mod event;
pub mod exit;
pub mod explain;
pub mod findings;
pub mod fleet;
pub mod fsedit;
pub mod i18n;
pub mod identities;
pub mod keygen;
pub mod known_hosts;
pub mod localfile;
pub mod onboard;
pub mod remote_rules;
pub mod repair;
pub mod report;
pub mod safe_text;
pub mod secret_input;
pub mod server;
pub mod term;

/// The build script's reader and checker of the TOML assets (`build/assets.rs`), compiled into
/// the unit tests to check what it refuses and that the compiled-in tables are the assets.
#[cfg(test)]
#[allow(dead_code)]
#[path = "../build/assets.rs"]
mod build_assets;
