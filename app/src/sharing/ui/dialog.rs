//! The share dialog: shares one app with users, groups or everyone, and changes or removes them.
use leptos::prelude::*;

use super::{parse_role, role_select};
use crate::components::{load, ActionError, ErrorBox, Loading, PersonPicker};
use crate::sharing::api::*;
use crate::sharing::model::*;
use crate::spaces::rules::{ui_names, SpaceType};

/// Shares one app with users, groups or everyone in the tenant, and changes or removes its
/// shares.
#[component]
pub fn ShareDialog(
    app_id: String,
    on_close: impl Fn() + Send + Sync + Copy + 'static,
) -> impl IntoView {
    let app_id = StoredValue::new(app_id);
    let version = RwSignal::new(0);
    let dialog = load(
        move || version.get(),
        move |_| load_share_dialog(app_id.get_value()),
    );
    view! {
        <div class="dialog" role="dialog" aria-modal="false" aria-labelledby="share-title">
            <Suspense fallback=|| view! { <Loading/> }>
                {move || Suspend::new(async move {
                    match dialog.await {
                        Ok(d) => view! { <ShareForm dialog=d on_change=move || version.update(|v| *v += 1) on_close/> }.into_any(),
                        Err(error) => view! {
                            <h2 id="share-title">"Share"</h2>
                            <ErrorBox error/>
                            <button type="button" class="button" on:click=move |_| on_close()>"Close"</button>
                        }.into_any(),
                    }
                })}
            </Suspense>
        </div>
    }
}

#[component]
fn ShareForm(
    dialog: ShareDialog,
    on_change: impl Fn() + Send + Sync + Copy + 'static,
    on_close: impl Fn() + Send + Sync + Copy + 'static,
) -> impl IntoView {
    let space_id = StoredValue::new(dialog.space_id.clone());
    let app_id = StoredValue::new(dialog.app_id.clone());
    let roles = StoredValue::new(dialog.roles.clone());
    let person = RwSignal::new(None::<Candidate>);
    let role = RwSignal::new(
        dialog
            .roles
            .first()
            .map(|r| r.api_name().to_string())
            .unwrap_or_default(),
    );
    let create = Action::new(move |input: &NewShare| {
        let input = input.clone();
        async move { create_share(space_id.get_value(), input).await.map(|_| ()) }
    });
    let change = Action::new(move |(id, changes): &(String, ShareChanges)| {
        let (id, changes) = (id.clone(), changes.clone());
        async move {
            update_share(space_id.get_value(), id, changes)
                .await
                .map(|_| ())
        }
    });
    let remove = Action::new(move |id: &String| {
        let id = id.clone();
        async move { delete_share(space_id.get_value(), id).await }
    });
    Effect::new(move || {
        let created = matches!(create.value().get(), Some(Ok(())));
        let changed = matches!(change.value().get(), Some(Ok(())));
        let removed = matches!(remove.value().get(), Some(Ok(())));
        if created || changed || removed {
            person.set(None);
            on_change();
        }
    });
    let share = move |_| {
        if let Some(p) = person.get() {
            create.dispatch(NewShare {
                app_id: app_id.get_value(),
                assignee_type: p.assignee_type,
                assignee_id: p.id,
                roles: parse_role(&role.get()),
            });
        }
    };
    let everyone = dialog
        .shares
        .iter()
        .find(|s| s.assignee_type == ShareAssignee::Everyone)
        .cloned();
    let people: Vec<Share> = dialog
        .shares
        .iter()
        .filter(|s| s.assignee_type != ShareAssignee::Everyone)
        .cloned()
        .collect();
    let everyone_role = RwSignal::new(
        everyone
            .as_ref()
            .filter(|s| !s.disabled)
            .and_then(|s| s.roles.first())
            .map(|r| r.api_name().to_string())
            .unwrap_or_default(),
    );
    let everyone_id = everyone.as_ref().map(|s| s.id.clone());
    let set_everyone = move |value: String| {
        everyone_role.set(value.clone());
        match (&everyone_id, value.is_empty()) {
            (None, true) => {}
            (None, false) => {
                create.dispatch(NewShare {
                    app_id: app_id.get_value(),
                    assignee_type: ShareAssignee::Everyone,
                    assignee_id: String::new(),
                    roles: parse_role(&value),
                });
            }
            (Some(id), true) => {
                remove.dispatch(id.clone());
            }
            (Some(id), false) => {
                change.dispatch((
                    id.clone(),
                    ShareChanges {
                        roles: Some(parse_role(&value)),
                        disabled: Some(false),
                    },
                ));
            }
        }
    };
    let editable = dialog.roles.len() > 1;
    view! {
        <div class="dialog-head">
            <h2 id="share-title">{format!("Share “{}”", dialog.app_name)}</h2>
            <button type="button" class="button small" on:click=move |_| on_close()>"Done"</button>
        </div>
        <p class="hint">{match dialog.space_type {
            SpaceType::Managed => "People you share with see this app only, not the rest of the space.",
            _ => "People you share with can view this app only, not the rest of the space. Make them members for more.",
        }}</p>
        <div class="share-add">
            <PersonPicker label="Share with" chosen=person/>
            <div class="form-inline">
                {role_select(&dialog.roles, role, "Role for the new share".into())}
                <button type="button" class="button primary" disabled=move || person.get().is_none() || create.pending().get() on:click=share>"Share"</button>
            </div>
        </div>
        <ActionError result=create.value().into()/>
        <ActionError result=change.value().into()/>
        <ActionError result=remove.value().into()/>
        <div class="everyone-row">
            <span class="icon icon-everyone" aria-hidden="true"></span>
            <label for="everyone-role">{format!("Anyone at {}", dialog.tenant_name)}</label>
            <select id="everyone-role" prop:value=everyone_role on:change=move |ev| set_everyone(event_target_value(&ev))>
                <option value="">"No access"</option>
                {dialog.roles.iter().map(|r| view! { <option value=r.api_name()>{r.ui_name()}</option> }).collect_view()}
            </select>
        </div>
        <h3>"Shared with"</h3>
        {if people.is_empty() {
            view! { <p class="muted">"Nobody yet, apart from the space's members."</p> }.into_any()
        } else {
            view! {
                <ul class="share-list">
                    {people.into_iter().map(|s| {
                        let id = s.id.clone();
                        let remove_id = s.id.clone();
                        let current = RwSignal::new(s.roles.first().map(|r| r.api_name().to_string()).unwrap_or_default());
                        let icon = if s.assignee_type == ShareAssignee::Group { "group" } else { "user" };
                        view! {
                            <li data-share=s.assignee_name.clone()>
                                <span class=format!("icon icon-{icon}") aria-hidden="true"></span>
                                <span class="share-name">{s.assignee_name.clone()}<span class="muted">{format!(" {}", s.assignee_email)}</span></span>
                                {if editable {
                                    view! {
                                        <select aria-label=format!("Role of {}", s.assignee_name) prop:value=current
                                            on:change=move |ev| { let v = event_target_value(&ev); current.set(v.clone()); change.dispatch((id.clone(), ShareChanges { roles: Some(parse_role(&v)), disabled: None })); }>
                                            {roles.get_value().iter().map(|r| view! { <option value=r.api_name()>{r.ui_name()}</option> }).collect_view()}
                                        </select>
                                    }.into_any()
                                } else {
                                    view! { <span>{ui_names(&s.roles)}</span> }.into_any()
                                }}
                                <button type="button" class="button small" on:click=move |_| { remove.dispatch(remove_id.clone()); }>"Remove"</button>
                            </li>
                        }
                    }).collect_view()}
                </ul>
            }.into_any()
        }}
    }
}
