//! App content: uploads, loading data into apps, sheets and charts, each viewer's selections,
//! and section access. Access to the app comes from `sharing` (one decision for everything);
//! what may be changed by whom comes from `rules`.

mod authoring;
mod models;
mod section_access;
mod uploads;
mod viewing;

pub use authoring::*;
use models::*;
pub use section_access::*;
pub use uploads::*;
pub use viewing::*;

use std::sync::Arc;

use engine::{reduce, DataModel, Reduction};
use sqlx::AnyConnection;

use super::compute::{chart_data, chips, fields_info, on_model, tables_info};
use super::data::{abandon, forget_app, promote};
use super::engines::{Engines, ModelKey, SavedViewer};
use super::model::*;
use super::rules::{self, DataAccess};
use super::store::{self, RuleRow, SheetRow};
use crate::access::{
    caller_data_access, editable_app, editable_chart, editable_sheet, load_app, open_app,
};
use crate::apps::model::{App, NewApp};
use crate::apps::store::AppRow;
use crate::audit::service::{record, Target};
use crate::auth::principal::Principal;
use crate::error::AppError;
use crate::ids::new_id;
use crate::sharing::rules::Access;
use crate::sql::{lock_row, Parent};
use crate::state::AppState;

async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, AppError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(AppError::internal)
}
