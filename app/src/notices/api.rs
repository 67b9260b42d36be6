//! Server functions of notices: the portal's list and its unread count.

use leptos::prelude::*;
use server_fn::codec::Json;

use super::model::*;
use crate::error::AppError;

#[server(input = Json)]
pub async fn list_notices() -> Result<NoticeList, AppError> {
    use crate::server_support::*;
    let (state, principal) = context()?;
    respond(super::service::list_notices(&state, &principal).await)
}

#[server(input = Json)]
pub async fn mark_notices_read() -> Result<(), AppError> {
    use crate::server_support::*;
    let (state, principal) = context()?;
    respond(super::service::mark_notices_read(&state, &principal).await)
}

/// The header's count: no notices are read for it.
#[server(input = Json)]
pub async fn count_unread_notices() -> Result<i64, AppError> {
    use crate::server_support::*;
    let (state, principal) = context()?;
    respond(super::service::count_unread_notices(&state, &principal).await)
}
