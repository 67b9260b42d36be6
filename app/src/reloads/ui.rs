//! The reloads panel of an app's data page.
