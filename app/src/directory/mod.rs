//! The tenant directory: users (active, invited, disabled), groups and their members, the
//! tenant roles (TenantAdmin, AnalyticsAdmin), User Default and custom permission roles.

pub mod api;
pub mod model;
pub mod rules;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub mod store;
pub mod ui;
