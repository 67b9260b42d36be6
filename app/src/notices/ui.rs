//! The notices page: what the portal has told the person (a reload that failed, a schedule that
//! turned itself off), newest first, each with a link to its app; opening it marks them read.

use leptos::prelude::*;

use super::api::*;
use super::model::*;
use crate::components::*;

#[component]
pub fn NoticesPage() -> impl IntoView {
    let notices = load(|| (), |_| list_notices());
    let mark = Action::new(|_: &()| mark_notices_read());
    // Seen once shown: marked read in the browser, after the page has drawn them as new.
    Effect::new(move || {
        if notices.get().is_some_and(|l| l.is_ok_and(|l| l.unread > 0)) {
            mark.dispatch(());
        }
    });
    view! {
        <PageHeader title="Notices".to_string() subtitle="Reloads that failed and schedules that turned themselves off, for the apps you own or reload.".to_string()/>
        <Loaded resource=notices view=move |list: NoticeList| {
            if list.notices.is_empty() {
                return view! {
                    <EmptyState title="No notices" hint="When a reload of one of your apps fails, or a schedule turns itself off, you are told here (and by email when the server sends email).".to_string()/>
                }.into_any();
            }
            view! {
                <ul class="notice-list" aria-label="Notices, newest first">
                    {list.notices.into_iter().map(|n| {
                        let tone = match n.kind { NoticeKind::ScheduleOff => "warning", NoticeKind::ReloadFailed => "danger" };
                        let link = (!n.app_id.is_empty()).then(|| format!("/apps/{}", n.app_id));
                        view! {
                            <li class="card notice" class:unread=!n.read>
                                <div class="notice-head">
                                    <Badge text=if n.read { "Read".to_string() } else { "New".to_string() } tone=if n.read { "neutral" } else { tone }/>
                                    <h2 class="notice-title">{n.title.clone()}</h2>
                                    <Time ms=n.created_at/>
                                </div>
                                <p>{n.body.clone()}</p>
                                {link.map(|href| view! { <a href=href>"Open the app"</a> })}
                            </li>
                        }
                    }).collect_view()}
                </ul>
            }.into_any()
        }/>
    }
}

/// The header's link to the notices, with the count of unread ones: asked for in the browser
/// once the page is live, so the server's page and the hydrated one agree.
#[component]
pub fn NoticesLink() -> impl IntoView {
    let unread = RwSignal::new(0i64);
    let count = Action::new(|_: &()| count_unread_notices());
    Effect::new(move || {
        count.dispatch(());
    });
    Effect::new(move || {
        if let Some(Ok(n)) = count.value().get() {
            unread.set(n);
        }
    });
    let label = move || match unread.get() {
        0 => "Notices".to_string(),
        n => format!("Notices, {n} unread"),
    };
    view! {
        <a href="/notices" aria-label=label>"Notices"
            {move || (unread.get() > 0).then(|| view! { <span class="count-badge" aria-hidden="true">{unread.get()}</span> })}
        </a>
    }
}
