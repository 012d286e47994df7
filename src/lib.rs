//! caibian (采编): collect, store, score and publish the information-reporting and publicity
//! work of a People's Congress standing-committee office.
//!
//! The modules follow the data: [`collect`] → [`store`] → [`index`] and [`score`] → [`compile`]
//! → [`site`], driven by [`pipeline`]s that [`schedule`] runs on cron schedules. See
//! ARCHITECTURE.md for the map and the invariants between modules.

pub mod cli;
pub mod collect;
pub mod compile;
pub mod config;
pub mod diag;
pub mod failpoint;
pub mod fsio;
pub mod index;
pub mod pipeline;
pub mod project;
pub mod scaffold;
pub mod schedule;
pub mod schema;
pub mod score;
pub mod site;
pub mod store;
pub mod text;
pub mod web;
