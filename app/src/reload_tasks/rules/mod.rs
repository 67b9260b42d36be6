//! What a reload task may be, decided without a database: its recurrence rules read and put in
//! words, the instants they name in a time zone, and when repeated failures turn it off.

pub mod recurrence;
#[cfg(feature = "ssr")]
pub mod schedule;
