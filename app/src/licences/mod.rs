//! Licences: who may open an app under the tenant's scheme (access passes bought with tokens,
//! QlikView's CALs, or Qlik Cloud's user-based entitlements and analyzer capacity), decided by
//! one pure function after sharing and section access have said yes.

pub mod api;
pub mod model;
pub mod rules;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub mod store;
pub mod ui;
