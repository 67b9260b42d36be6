//! The form that makes or changes a connection: what it reaches, tried with "Test" before it is
//! kept (and again as it is saved). A kept password is never shown: leaving the field empty
//! keeps it.

use leptos::prelude::*;

use super::super::api::*;
use super::super::model::*;
use crate::components::{ErrorBox, Notice};
use crate::error::AppError;

#[component]
pub fn ConnectionForm(
    space_id: String,
    folders: Vec<String>,
    existing: Option<Connection>,
    on_saved: impl Fn() + Send + Sync + Copy + 'static,
) -> impl IntoView {
    let id = existing.as_ref().map(|c| c.id.clone());
    let start = existing.clone();
    let text =
        |f: fn(&Connection) -> String| RwSignal::new(start.as_ref().map(f).unwrap_or_default());
    let name = text(|c| c.name.clone());
    let kind = RwSignal::new(
        start
            .as_ref()
            .map(|c| c.kind)
            .unwrap_or(ConnectionKind::Postgres),
    );
    let host = text(|c| c.host.clone());
    let port = text(|c| {
        if c.port == 0 {
            String::new()
        } else {
            c.port.to_string()
        }
    });
    let database = text(|c| c.database.clone());
    let username = text(|c| c.username.clone());
    let password = RwSignal::new(String::new());
    let folder = RwSignal::new(
        start
            .as_ref()
            .map(|c| c.folder.clone())
            .or_else(|| folders.first().cloned())
            .unwrap_or_default(),
    );
    let path = text(|c| c.path.clone());
    let has_password = existing.as_ref().is_some_and(|c| c.has_password);
    let space_id = StoredValue::new(space_id);
    let id = StoredValue::new(id);
    let input = move || -> Result<ConnectionInput, AppError> {
        let port =
            match port.get_untracked().trim() {
                "" => None,
                text => Some(text.parse::<u16>().map_err(|_| {
                    AppError::invalid("port", "The port is a number from 1 to 65535.")
                })?),
            };
        let password = password.get_untracked();
        Ok(ConnectionInput {
            space_id: space_id.get_value(),
            name: name.get_untracked(),
            kind: kind.get_untracked().as_str().to_string(),
            host: host.get_untracked(),
            port,
            database: database.get_untracked(),
            username: username.get_untracked(),
            // Empty on a change: the kept password stays.
            password: match (password.is_empty(), id.get_value().is_some()) {
                (true, true) => None,
                _ => Some(password),
            },
            folder: folder.get_untracked(),
            path: path.get_untracked(),
        })
    };
    let test = Action::new(move |input: &ConnectionInput| {
        let input = input.clone();
        async move { test_connection(id.get_value(), input).await }
    });
    let save = Action::new(move |input: &ConnectionInput| {
        let input = input.clone();
        async move {
            match id.get_value() {
                Some(id) => update_connection(id, input).await,
                None => create_connection(input).await,
            }
        }
    });
    let problem = RwSignal::new(None::<AppError>);
    Effect::new(move || {
        if let Some(Ok(_)) = save.value().get() {
            password.set(String::new());
            if id.get_value().is_none() {
                name.set(String::new());
            }
            on_saved();
        }
    });
    let run_test = move || match input() {
        Ok(input) => {
            problem.set(None);
            test.dispatch(input);
        }
        Err(error) => problem.set(Some(error)),
    };
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        match input() {
            Ok(input) => {
                problem.set(None);
                save.dispatch(input);
            }
            Err(error) => problem.set(Some(error)),
        }
    };
    let network = move || kind.get().is_network();
    let title = if existing.is_some() {
        "Change the connection"
    } else {
        "New data connection"
    };
    let folders = StoredValue::new(folders);
    view! {
        <form class="card form connection-form" on:submit=on_submit aria-label=title>
            <h3>{title}</h3>
            <label for="connection-kind">"Reaches"</label>
            <select id="connection-kind" on:change=move |ev| if let Some(k) = ConnectionKind::parse(&event_target_value(&ev)) { kind.set(k) }>
                {ConnectionKind::ALL.into_iter().map(|k| view! {
                    <option value=k.as_str() selected=move || kind.get() == k>{k.label()}</option>
                }).collect_view()}
            </select>
            <label for="connection-name">"Name"</label>
            <input id="connection-name" type="text" required maxlength="100" bind:value=name/>
            <Show when=network fallback=move || view! {
                <label for="connection-folder">"Server folder"</label>
                {move || if folders.with_value(Vec::is_empty) {
                    view! { <p class="hint" id="connection-folder">"The operator allows no server folders yet (the data_folders setting)."</p> }.into_any()
                } else {
                    view! {
                        <select id="connection-folder" on:change=move |ev| folder.set(event_target_value(&ev))>
                            {folders.get_value().into_iter().map(|f| { let shown = f.clone(); let value = f.clone(); view! { <option value=value selected=move || folder.get() == f>{shown}</option> } }).collect_view()}
                        </select>
                    }.into_any()
                }}
                <label for="connection-path">{move || if kind.get() == ConnectionKind::Sqlite { "SQLite file in the folder" } else { "Subfolder (empty: the whole folder)" }}</label>
                <input id="connection-path" type="text" maxlength="1024" placeholder="sales/2026" bind:value=path/>
            }>
                <label for="connection-host">"Host"</label>
                <input id="connection-host" type="text" required maxlength="253" placeholder="db.example.com" autocomplete="off" bind:value=host/>
                <label for="connection-port">"Port"</label>
                <input id="connection-port" type="text" inputmode="numeric" maxlength="5" placeholder=move || kind.get().default_port().to_string() bind:value=port/>
                <label for="connection-database">"Database"</label>
                <input id="connection-database" type="text" required maxlength="128" bind:value=database/>
                <label for="connection-user">"User"</label>
                <input id="connection-user" type="text" required maxlength="128" autocomplete="off" bind:value=username/>
                <label for="connection-password">"Password"</label>
                <input id="connection-password" type="password" maxlength="1024" autocomplete="new-password"
                    placeholder=if has_password { "Kept: type a new one to change it" } else { "" } bind:value=password/>
                <p class="hint">"Give a user that may only read. The password is sealed on the server and never shown again."</p>
            </Show>
            <div class="form-actions">
                <button type="button" class="button" disabled=move || test.pending().get() on:click=move |_| run_test()>
                    {move || if test.pending().get() { "Testing…" } else { "Test" }}
                </button>
                " " <button type="submit" class="button primary" disabled=move || save.pending().get()>
                    {move || if save.pending().get() { "Connecting…" } else { "Test and save" }}
                </button>
            </div>
            {move || match test.value().get() {
                Some(Ok(said)) => Some(view! { <Notice>{said}</Notice> }.into_any()),
                Some(Err(error)) => Some(view! { <ErrorBox error/> }.into_any()),
                None => None,
            }}
            {move || match save.value().get() {
                Some(Err(error)) => Some(view! { <ErrorBox error/> }),
                _ => None,
            }}
            {move || problem.get().map(|error| view! { <ErrorBox error/> })}
        </form>
    }
}
