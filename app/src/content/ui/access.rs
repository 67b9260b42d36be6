//! Section access on the app page: who may see which values of which field.

use leptos::prelude::*;

use crate::components::PersonPicker;
use crate::components::{ErrorBox, Loading};
use crate::content::api::*;
use crate::content::model::*;
use crate::sharing::model::{Candidate, ShareAssignee};

#[component]
pub fn SectionAccess(app_id: String) -> impl IntoView {
    let app_id = StoredValue::new(app_id);
    let version = RwSignal::new(0);
    // Loaded in the browser once the page is live (effects run only there): a resource nested
    // in the app page's own would not hydrate.
    let rules = RwSignal::new(None::<Result<Vec<AccessRule>, crate::error::AppError>>);
    Effect::new(move || {
        version.track();
        leptos::task::spawn_local(async move {
            rules.set(Some(list_section_access(app_id.get_value()).await))
        });
    });
    let chosen = RwSignal::new(None::<Candidate>);
    let field = RwSignal::new(String::new());
    let allowed = RwSignal::new(String::new());
    let add = Action::new(move |input: &NewAccessRule| {
        let input = input.clone();
        async move { add_section_access(app_id.get_value(), input).await }
    });
    let remove = Action::new(move |id: &String| {
        let id = id.clone();
        async move { delete_section_access(id).await }
    });
    Effect::new(move || {
        let added = matches!(add.value().get(), Some(Ok(_)));
        let removed = matches!(remove.value().get(), Some(Ok(())));
        if added || removed {
            version.update(|v| *v += 1);
        }
        if added {
            chosen.set(None);
            allowed.set(String::new());
        }
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let who = chosen.get_untracked();
        let input = NewAccessRule {
            assignee_type: match who.as_ref().map(|c| c.assignee_type) {
                Some(ShareAssignee::Group) => "group".into(),
                _ => "user".into(),
            },
            assignee_id: who.map(|c| c.id).unwrap_or_default(),
            field: field.get_untracked(),
            allowed: allowed.get_untracked(),
        };
        add.dispatch(input);
    };
    view! {
        <section class="card section-access">
            <h2>"Section access"</h2>
            <p class="muted small">"With no rules, everyone who opens the app sees all of its data. Once there is a rule, each viewer sees only the values their rules and their groups' rules allow, in every chart, list, count and search; a viewer no rule names sees no data. Editors of a draft see everything; once published to a managed space, the rules bind everyone, owners included: allow * to let someone see every value."</p>
            {move || {
                    match rules.get() {
                        None => view! { <Loading/> }.into_any(),
                        Some(Ok(rules)) if rules.is_empty() => view! { <p class="muted">"No rules: everyone sees everything."</p> }.into_any(),
                        Some(Ok(rules)) => {
                            let gone: Vec<String> = rules.iter().filter(|r| r.names_nobody).map(|r| r.assignee_name.clone()).collect();
                            view! {
                            {(!gone.is_empty()).then(|| view! {
                                <p class="notice warn" role="status">{format!(
                                    "{} rule{} name{} a {} that was deleted: {}. They match nobody and still deny what they denied. Remove them, or add rules for whoever should see those rows now.",
                                    gone.len(), if gone.len() == 1 { "" } else { "s" }, if gone.len() == 1 { "s" } else { "" }, if gone.len() == 1 { "user or group" } else { "users or groups" }, gone.join(", ")
                                )}</p>
                            })}
                            <table class="data-table rules">
                                <thead><tr><th>"Who"</th><th>"Field"</th><th>"May see"</th><th></th></tr></thead>
                                <tbody>
                                    {rules.into_iter().map(|rule| {
                                        let id = rule.id.clone();
                                        view! {
                                            <tr>
                                                <td>
                                                    <span class=format!("icon icon-{}", rule.assignee_type) aria-hidden="true"></span>{rule.assignee_name.clone()}
                                                    {rule.names_nobody.then(|| view! { " " <span class="badge badge-warn">"deleted"</span> })}
                                                </td>
                                                <td>{rule.field.clone()}</td>
                                                <td>{rule.allowed.join(", ")}</td>
                                                <td><button type="button" class="button tiny danger" on:click=move |_| { remove.dispatch(id.clone()); }>"Remove"</button></td>
                                            </tr>
                                        }
                                    }).collect_view()}
                                </tbody>
                            </table>
                            }.into_any()
                        }
                        Some(Err(error)) => view! { <ErrorBox error/> }.into_any(),
                    }
            }}
            <form class="stack" on:submit=submit>
                <h3>"Add a rule"</h3>
                <PersonPicker label="User or group" chosen/>
                <label>"Field" <input type="text" name="field" placeholder="Region" prop:value=move || field.get() on:input=move |ev| field.set(event_target_value(&ev))/></label>
                <label>"Values they may see" <input type="text" name="allowed" placeholder="North, South" prop:value=move || allowed.get() on:input=move |ev| allowed.set(event_target_value(&ev))/></label>
                {move || [add.value().get().and_then(|r| r.err()), remove.value().get().and_then(|r| r.err())].into_iter().flatten().next().map(|error| view! { <ErrorBox error/> })}
                <button type="submit" class="button primary" disabled=move || chosen.with(|c| c.is_none())>"Add rule"</button>
            </form>
        </section>
    }
}
