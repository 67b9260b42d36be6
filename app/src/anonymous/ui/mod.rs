//! Anonymous access in the browser: the visitor's pages, the links panel on an app's page, and
//! the admin center's embedding page.

mod admin;
mod panel;
mod visitor;

pub use admin::EmbeddingPage;
pub use panel::AnonymousAccess;
#[cfg(feature = "ssr")]
pub use visitor::view_html;
pub use visitor::{clock, AnonymousPage, EmbedPage};
