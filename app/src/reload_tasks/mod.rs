//! Reload tasks: an app's reload on a schedule (RFC 5545 recurrence rules in a time zone, from a
//! start to an end), in Qlik Cloud's `/api/v1/reload-tasks` shapes.

pub mod rules;
