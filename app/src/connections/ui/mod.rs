//! A space's data connections page (`/spaces/{id}/connections`): its connections with where
//! each reaches, the form that makes one (tested before it is kept), and, for a connection the
//! caller may use, the tables to pick, queries to write and rows to preview on the way to a new
//! app through the data-model step.

mod form;
mod hosts;
mod picker;

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use super::api::*;
use super::model::*;
use crate::components::{
    load, ConfirmDelete, EmptyState, ErrorBox, Loading, PageHeader, SpaceTabs,
};
use crate::spaces::api::get_space;

/// Where a connection reaches, in words.
pub fn place(c: &Connection) -> String {
    match c.kind {
        ConnectionKind::Postgres | ConnectionKind::Mysql => {
            format!("{}@{}:{}/{}", c.username, c.host, c.port, c.database)
        }
        _ if c.path.is_empty() => format!("{}/", c.folder),
        _ => format!("{}/{}", c.folder, c.path),
    }
}

#[component]
pub fn ConnectionsPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").unwrap_or_default();
    let version = RwSignal::new(0);
    // Two resources side by side, read in one `Suspend` (one nested in the other would not
    // hydrate). Not one resource awaiting both server functions in turn: on the server, the
    // second then ran without the request's context and logged an internal error.
    let space = load(move || (id(), version.get()), |(id, _)| get_space(id));
    let list = load(
        move || (id(), version.get()),
        |(id, _)| list_connections(Some(id)),
    );
    let changed = move || version.update(|v| *v += 1);
    view! {
        <Suspense fallback=|| view! { <Loading/> }>
            {move || Suspend::new(async move {
                match (space.await, list.await) {
                    (Ok(space), Ok(page)) => view! { <Connections space page on_change=changed/> }.into_any(),
                    (Err(error), _) | (_, Err(error)) => view! { <PageHeader title="Data connections".to_string()/><ErrorBox error/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Connections(
    space: crate::spaces::model::Space,
    page: ConnectionsPage,
    on_change: impl Fn() + Send + Sync + Copy + 'static,
) -> impl IntoView {
    let picking = RwSignal::new(None::<Connection>);
    let editing = RwSignal::new(None::<Connection>);
    let folders: Vec<String> = page.folders.iter().map(|f| f.name.clone()).collect();
    let folders = StoredValue::new(folders);
    let space_id = StoredValue::new(space.id.clone());
    let may_make_apps = space.can(crate::sharing::rules::SpaceAction::CreateApp);
    let hint = if page.can_create {
        "Make the first one with the form: a database or a server folder, tested before it is kept."
            .to_string()
    } else {
        "Connections of this space are shown to its owner and to those who Can manage, Can edit or Can consume data.".to_string()
    };
    view! {
        <PageHeader title=space.name.clone() subtitle="Data connections".to_string()/>
        <SpaceTabs space=space.clone() current="Data connections"/>
        <div class="columns">
            <section aria-labelledby="connections-heading">
                <h2 id="connections-heading">"Data connections"</h2>
                {if page.connections.is_empty() {
                    view! { <EmptyState title="No data connections" hint/> }.into_any()
                } else {
                    view! {
                        <ul class="app-list connection-list">
                            {page.connections.into_iter().map(|c| {
                                let (pick, edit) = (c.clone(), c.clone());
                                view! {
                                    <li class="app-row" data-connection=c.name.clone()>
                                        <div class="app-main">
                                            <span class="app-name">{c.name.clone()}</span>
                                            " " <span class="badge badge-neutral">{c.kind.label()}</span>
                                            <div class="hint">{place(&c)}{(!c.created_by.is_empty()).then(|| format!(" · made by {}", c.created_by))}</div>
                                        </div>
                                        <div class="app-side">
                                            <button type="button" class="button small primary" on:click=move |_| { editing.set(None); picking.set(Some(pick.clone())); }>"Load tables"</button>
                                            {c.can_manage.then(|| view! {
                                                <button type="button" class="button small" on:click=move |_| { picking.set(None); editing.set(Some(edit.clone())); }>"Edit"</button>
                                            })}
                                        </div>
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    }.into_any()
                }}
                {move || picking.get().map(|connection| view! {
                    <picker::TablePicker connection space_id=if may_make_apps { space_id.get_value() } else { String::new() }
                        on_close=move || picking.set(None)/>
                })}
            </section>
            {move || match editing.get() {
                Some(existing) => {
                    let id = StoredValue::new(existing.id.clone());
                    let remove = Action::new(move |_: &()| async move { delete_connection(id.get_value()).await });
                    Effect::new(move || if let Some(Ok(())) = remove.value().get() { editing.set(None); on_change() });
                    Some(view! {
                        <div>
                            <form::ConnectionForm space_id=space_id.get_value() folders=folders.get_value() existing=Some(existing)
                                on_saved=move || { editing.set(None); on_change(); }/>
                            <section class="card">
                                <ConfirmDelete what="connection" consequence="Apps loaded from it keep their data; their next reload fails until their tables come from elsewhere." action=remove/>
                            </section>
                        </div>
                    }.into_any())
                }
                None => page.can_create.then(|| view! {
                    <div>
                        <form::ConnectionForm space_id=space_id.get_value() folders=folders.get_value() existing=None on_saved=on_change/>
                        <hosts::HostsCard/>
                    </div>
                }.into_any()),
            }}
        </div>
    }
}
