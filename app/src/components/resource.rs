//! Resources that read their values with the JSON reader server functions use.

use std::future::Future;

use leptos::prelude::*;
use leptos::server::codee::{Decoder, Encoder};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::error::AppError;

/// JSON, read from bytes on both of the client's paths.
///
/// Leptos' default resource codec reads a value the server rendered into the page from a
/// `&str` (`serde_json::from_str`), while server functions read their answers from bytes
/// (`from_slice`). serde_json compiles each type's deserializer once per reader, so every type
/// a page loads was in the portal's WASM twice. One reader keeps one copy.
pub struct Json;

impl<T: Serialize> Encoder<T> for Json {
    type Error = serde_json::Error;
    type Encoded = String;

    fn encode(value: &T) -> Result<String, serde_json::Error> {
        serde_json::to_string(value)
    }
}

impl<T: DeserializeOwned> Decoder<T> for Json {
    type Error = serde_json::Error;
    type Encoded = str;

    fn decode(text: &str) -> Result<T, serde_json::Error> {
        serde_json::from_slice(text.as_bytes())
    }
}

/// What a page loads through a server function: the value or the error to show.
pub type Loadable<T> = Resource<Result<T, AppError>, Json>;

/// `Resource::new` with the [`Json`] codec: `fetcher` runs again whenever `source` changes,
/// on the server for the first render, and the client reads the rendered value.
#[track_caller]
pub fn load<S, T, Fut>(
    source: impl Fn() -> S + Send + Sync + 'static,
    fetcher: impl Fn(S) -> Fut + Send + Sync + 'static,
) -> Resource<T, Json>
where
    S: Send + Sync + Clone + PartialEq + 'static,
    T: Serialize + DeserializeOwned + Send + Sync + 'static,
    Fut: Future<Output = T> + Send + 'static,
{
    Resource::new_with_options(source, fetcher, false)
}
