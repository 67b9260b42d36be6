//! The data-model page.
