//! App content in the portal: the sheet page with its charts, the chart editor, making an app
//! from uploaded CSV files, and section access on the app page.

pub mod access;
pub mod charts;
pub mod editor;
pub mod sheet;
pub mod upload;

pub use access::SectionAccess;
pub use sheet::SheetPage;
pub use upload::NewAppFromData;
