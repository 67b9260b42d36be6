//! Uploading files with a progress bar (`POST /api/v1/data-files`), one after another, for the
//! pages that take data: a new app from files, and new files for an app's reload.

/// Where an upload of several files is.
#[derive(Debug, Clone, PartialEq)]
pub enum Phase {
    Idle,
    /// Uploading file `index` of `count`: its name and how far the whole upload is (0 to 1).
    Uploading {
        index: usize,
        count: usize,
        name: String,
        fraction: f64,
    },
    Loading {
        files: usize,
    },
}

#[cfg(feature = "hydrate")]
pub use browser::upload_all;

#[cfg(feature = "hydrate")]
mod browser {
    use std::rc::Rc;

    use leptos::prelude::*;
    use wasm_bindgen::closure::Closure;
    use wasm_bindgen::JsCast;

    use super::Phase;
    use crate::error::AppError;

    /// The message of a REST error body, or the status when there is none.
    fn rest_error(status: u16, body: &str) -> AppError {
        let detail = serde_json::from_str::<serde_json::Value>(body)
            .ok()
            .and_then(|v| v["errors"][0]["detail"].as_str().map(str::to_string));
        let message = detail.unwrap_or_else(|| format!("The upload failed (HTTP {status})."));
        match status {
            413 => AppError::TooLarge(message),
            401 => AppError::Unauthenticated,
            _ => AppError::invalid("files", message),
        }
    }

    /// Uploads files one after another, reporting progress, then hands over their ids.
    pub fn upload_all(
        files: Rc<Vec<web_sys::File>>,
        index: usize,
        mut ids: Vec<String>,
        phase: RwSignal<Phase>,
        done: Callback<Result<Vec<String>, AppError>>,
    ) {
        let Some(file) = files.get(index).cloned() else {
            done.run(Ok(ids));
            return;
        };
        let total: f64 = files.iter().map(|f| f.size()).sum::<f64>().max(1.0);
        let before: f64 = files.iter().take(index).map(|f| f.size()).sum();
        let (count, name) = (files.len(), file.name());
        phase.set(Phase::Uploading {
            index,
            count,
            name: name.clone(),
            fraction: before / total,
        });
        let Ok(xhr) = web_sys::XmlHttpRequest::new() else {
            done.run(Err(AppError::Transport(
                "this browser cannot upload files".into(),
            )));
            return;
        };
        let url = format!(
            "/api/v1/data-files?name={}",
            crate::url::percent_encode(&name)
        );
        if xhr.open("POST", &url).is_err() {
            done.run(Err(AppError::Transport(
                "the upload could not start".into(),
            )));
            return;
        }
        let progress_name = name.clone();
        let on_progress = Closure::<dyn FnMut(web_sys::ProgressEvent)>::new(
            move |event: web_sys::ProgressEvent| {
                phase.set(Phase::Uploading {
                    index,
                    count,
                    name: progress_name.clone(),
                    fraction: (before + event.loaded()) / total,
                });
            },
        );
        if let Ok(upload) = xhr.upload() {
            upload.set_onprogress(Some(on_progress.as_ref().unchecked_ref()));
        }
        on_progress.forget();
        let answered = xhr.clone();
        let on_load = Closure::<dyn FnMut()>::new(move || {
            let status = answered.status().unwrap_or(0);
            let body = answered.response_text().ok().flatten().unwrap_or_default();
            if status == 201 {
                match serde_json::from_str::<serde_json::Value>(&body)
                    .ok()
                    .and_then(|v| v["id"].as_str().map(str::to_string))
                {
                    Some(id) => {
                        ids.push(id);
                        upload_all(
                            files.clone(),
                            index + 1,
                            std::mem::take(&mut ids),
                            phase,
                            done,
                        );
                    }
                    None => done.run(Err(AppError::Transport(
                        "the server's answer to an upload was unreadable".into(),
                    ))),
                }
            } else {
                done.run(Err(rest_error(status, &body)));
            }
        });
        xhr.set_onload(Some(on_load.as_ref().unchecked_ref()));
        on_load.forget();
        let on_error = Closure::<dyn FnMut()>::new(move || {
            done.run(Err(AppError::Transport(
                "the connection broke during the upload; try again".into(),
            )))
        });
        xhr.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        on_error.forget();
        let _ = xhr.send_with_opt_blob(Some(&file));
    }
}

/// A fraction done as a whole percent from 0 to 100: never "-0" (nothing sent yet, when the
/// browser reports a size of zero) nor "NaN".
pub fn percent(fraction: f64) -> u32 {
    (fraction.clamp(0.0, 1.0) * 100.0).round() as u32
}

#[cfg(test)]
mod tests {
    #[test]
    fn upload_progress_reads_from_0_to_100_percent() {
        // (fraction, shown)
        let cases = [
            (-0.0, 0),
            (0.0, 0),
            (f64::NAN, 0),
            (0.004, 0),
            (0.5, 50),
            (1.2, 100),
        ];
        for (fraction, shown) in cases {
            assert_eq!(super::percent(fraction), shown, "{fraction}");
        }
    }
}
