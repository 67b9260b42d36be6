//! App content: the data an app is loaded from, its sheets and charts, each viewer's
//! selections and section access. The engine crate does the computing; this feature decides who
//! sees and changes what, keeps the data on disk and in memory, and draws the charts.

pub mod api;
pub mod model;
pub mod rules;
pub mod ui;

#[cfg(feature = "ssr")]
pub mod compute;
#[cfg(feature = "ssr")]
pub mod data;
#[cfg(feature = "ssr")]
pub mod engines;
#[cfg(feature = "ssr")]
pub mod results;
#[cfg(feature = "ssr")]
pub mod runtime;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub mod storage;
#[cfg(feature = "ssr")]
pub mod store;
