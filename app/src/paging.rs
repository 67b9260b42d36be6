//! Cursor paging, as every list of the REST API and the portal pages it: a page of items and
//! the cursor of the next page. The cursor names the last row shown by its sort key and id.

use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use crate::error::AppError;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// The cursor of the next page, if there is one.
    pub next: Option<String>,
}

#[cfg(feature = "ssr")]
pub const DEFAULT_PAGE: u32 = 20;
#[cfg(feature = "ssr")]
pub const MAX_PAGE: u32 = 100;

#[cfg(feature = "ssr")]
pub fn page_size(limit: u32) -> u32 {
    match limit {
        0 => DEFAULT_PAGE,
        n => n.min(MAX_PAGE),
    }
}

#[cfg(feature = "ssr")]
/// Cursors name the last row shown by its sort key and id; hex keeps them URL-safe.
pub fn encode_cursor(sort_key: &str, id: &str) -> String {
    format!("{}.{id}", hex::encode(sort_key))
}

#[cfg(feature = "ssr")]
pub fn decode_cursor(cursor: &str) -> Result<(String, String), AppError> {
    let bad = || {
        AppError::invalid(
            "next",
            "The paging cursor is not valid; start again from the first page.",
        )
    };
    let (key, id) = cursor.split_once('.').ok_or_else(bad)?;
    let key = String::from_utf8(hex::decode(key).map_err(|_| bad())?).map_err(|_| bad())?;
    Ok((key, id.to_string()))
}

/// A cursor whose sort key is a time (Unix ms), as lists ordered by when rows were made use.
#[cfg(feature = "ssr")]
pub fn decode_time_cursor(cursor: &str) -> Result<(i64, String), AppError> {
    let (at, id) = decode_cursor(cursor)?;
    let at = at.parse::<i64>().map_err(|_| {
        AppError::invalid(
            "next",
            "The paging cursor is not valid; start again from the first page.",
        )
    })?;
    Ok((at, id))
}

#[cfg(feature = "ssr")]
pub fn paginate<R, T>(
    mut rows: Vec<R>,
    limit: u32,
    cursor: impl Fn(&R) -> String,
    convert: impl FnOnce(Vec<R>) -> Vec<T>,
) -> Page<T> {
    let next = if rows.len() > limit as usize {
        rows.truncate(limit as usize);
        rows.last().map(&cursor)
    } else {
        None
    };
    Page {
        items: convert(rows),
        next,
    }
}
