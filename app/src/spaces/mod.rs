//! Spaces: personal (one per user), shared and managed, with their space roles. The rules are in
//! place; storage, services, REST routes and pages come with the rest of the sharing issue.

pub mod rules;
