//! Sightline's associative data engine.
//!
//! Pure Rust: no web, no database, no knowledge of users or tenants. Tables, fields with their
//! distinct values, selection state and hypercubes arrive with the engine issue; the crate
//! exists now so that the dependency direction `server -> app -> engine` is fixed from day one.
