//! Sightline's integration tests, linked once: service tests on a fresh SQLite and a fresh
//! PostgreSQL database each, and the real server over HTTP. One binary instead of one per file
//! (the crates.io and zero2prod layout): the server is linked once per test run.

#[macro_use]
mod common;

mod anonymous;
mod auth;
mod collab;
mod connections;
mod content;
mod content_authoring;
mod content_budget;
mod directory;
mod directory_admin;
mod http;
mod http_anonymous;
mod http_apps;
mod http_content;
mod http_directory;
mod http_licence_paths;
mod http_licences;
mod http_reloads;
mod http_sharing;
mod http_site;
mod idps;
mod idps_published;
mod licences;
mod licences_activity;
mod modelling;
mod operations;
mod password_resets;
mod reload_tasks;
mod reloads;
mod reloads_killed;
mod scale_out;
mod scim;
mod security;
mod sharing;
mod sharing_members;
mod sharing_permissions;
mod sso;
