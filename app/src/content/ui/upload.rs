//! A new app from CSV files: each file uploads with a progress bar (`POST /api/v1/data-files`),
//! then the server loads them all and makes the app with a first sheet, or says which file,
//! line and column is wrong and makes nothing.

use leptos::html::Input;
use leptos::prelude::*;
use leptos_router::hooks::use_navigate;

use crate::apps::model::NewApp;
use crate::components::upload::{percent, Phase};
use crate::components::ErrorBox;
use crate::content::api::create_app_from_uploads;
use crate::error::AppError;
use crate::modelling::api::preview_uploads;
use crate::modelling::model::{DataModelPage, Plan};

#[component]
pub fn NewAppFromData(space_id: String) -> impl IntoView {
    let name = RwSignal::new(String::new());
    let files = NodeRef::<Input>::new();
    let phase = RwSignal::new(Phase::Idle);
    let error = RwSignal::new(None::<AppError>);
    let space_id = StoredValue::new(space_id);
    let navigate = StoredValue::new(use_navigate());
    // With "review" on, the uploads stop at the data-model step: the model they make is shown,
    // the plan edited and checked again, and the app made with that plan.
    let review = RwSignal::new(false);
    let staged = RwSignal::new(Vec::<String>::new());
    let model = RwSignal::new(None::<DataModelPage>);
    let plan = RwSignal::new(Plan::default());
    let create = Action::new(move |(ids, plan): &(Vec<String>, Option<Plan>)| {
        let input = NewApp {
            name: name.get_untracked(),
            description: String::new(),
            space_id: space_id.get_value(),
        };
        let (ids, plan) = (ids.clone(), plan.clone());
        async move { create_app_from_uploads(input, ids, plan).await }
    });
    let preview = Action::new(move |(ids, plan): &(Vec<String>, Option<Plan>)| {
        let (ids, plan) = (ids.clone(), plan.clone());
        async move { preview_uploads(ids, plan).await }
    });
    Effect::new(move || match preview.value().get() {
        Some(Ok(page)) => {
            phase.set(Phase::Idle);
            plan.set(page.plan.clone());
            model.set(Some(page));
        }
        Some(Err(e)) => {
            phase.set(Phase::Idle);
            error.set(Some(e));
        }
        None => {}
    });
    Effect::new(move || match create.value().get() {
        Some(Ok(app)) => {
            navigate.with_value(|go| go(&format!("/apps/{}/sheets", app.id), Default::default()))
        }
        Some(Err(e)) => {
            phase.set(Phase::Idle);
            error.set(Some(e));
        }
        None => {}
    });
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        error.set(None);
        if name.get_untracked().trim().is_empty() {
            error.set(Some(AppError::invalid("name", "Give the app a name.")));
        } else {
            #[cfg(feature = "hydrate")]
            {
                let Some(input) = files.get_untracked() else {
                    return;
                };
                let chosen: Vec<web_sys::File> = match input.files() {
                    Some(list) => (0..list.length()).filter_map(|i| list.get(i)).collect(),
                    None => Vec::new(),
                };
                if chosen.is_empty() {
                    error.set(Some(AppError::invalid(
                        "files",
                        "Choose one or more CSV files.",
                    )));
                    return;
                }
                let done =
                    Callback::new(move |result: Result<Vec<String>, AppError>| match result {
                        Ok(ids) => {
                            phase.set(Phase::Loading { files: ids.len() });
                            staged.set(ids.clone());
                            if review.get_untracked() {
                                preview.dispatch((ids, None));
                            } else {
                                create.dispatch((ids, None));
                            }
                        }
                        Err(e) => {
                            phase.set(Phase::Idle);
                            error.set(Some(e));
                        }
                    });
                crate::components::upload::upload_all(
                    std::rc::Rc::new(chosen),
                    0,
                    Vec::new(),
                    phase,
                    done,
                );
            }
        }
    };
    let busy = move || phase.with(|p| *p != Phase::Idle);
    view! {
        <form class="card upload-form" on:submit=on_submit>
            <h3>"New app from data"</h3>
            <p class="muted small">"Upload one or more CSV files or Excel workbooks: each file (each sheet of a workbook) becomes a table, and columns of the same name link the tables. The first sheet is laid out for you."</p>
            <label>"App name" <input type="text" name="app-name" prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev))/></label>
            <label>"CSV or Excel files" <input type="file" name="files" node_ref=files multiple accept=".csv,.tsv,.txt,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"/></label>
            <label class="choice"><input type="checkbox" prop:checked=move || review.get() on:change=move |ev| review.set(event_target_checked(&ev))/>
                <span>"Review the data model before making the app (how the files link, their types, warnings)"</span></label>
            {move || match phase.get() {
                Phase::Idle => None,
                Phase::Uploading { index, count, name, fraction } => Some(view! {
                    <div class="progress" role="status">
                        <progress max="1" value=fraction></progress>
                        <span>{format!("Uploading {name} ({} of {count}): {}%", index + 1, percent(fraction))}</span>
                    </div>
                }.into_any()),
                Phase::Loading { files } => Some(view! {
                    <div class="progress" role="status">
                        <progress></progress>
                        <span><span class="spinner" aria-hidden="true"></span>{format!("Loading {files} file{}: reading, checking and typing every row…", if files == 1 { "" } else { "s" })}</span>
                    </div>
                }.into_any()),
            }}
            {move || error.get().map(|error| view! { <ErrorBox error/> })}
            <button type="submit" class="button primary" disabled=move || busy() || model.with(Option::is_some)>
                {move || if review.get() { "Upload and review" } else { "Upload and create app" }}
            </button>
        </form>
        {move || model.get().map(|page| view! {
            // Made anew with each model the server sends back.
            <crate::modelling::ui::ModelStep page plan what="the files"
                checking=preview.pending() making=create.pending()
                on_check=Callback::new(move |plan| { preview.dispatch((staged.get_untracked(), Some(plan))); })
                on_make=Callback::new(move |plan| {
                    error.set(None);
                    phase.set(Phase::Loading { files: staged.with_untracked(Vec::len) });
                    create.dispatch((staged.get_untracked(), Some(plan)));
                })/>
        })}
    }
}
