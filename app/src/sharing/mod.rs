//! Fine-grained sharing and effective access. `rules::effective_access` is the one function that
//! decides what a person may do with an app; storage, services, the members list and the share
//! dialog come with the rest of the sharing issue.

pub mod rules;
