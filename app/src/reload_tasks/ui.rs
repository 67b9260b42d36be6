//! The schedules panel of an app's page: its reload schedules in words with their next runs,
//! turning one off or on, removing one, and a form for a new one (hourly, daily at one or more
//! times, weekly on chosen days, monthly on a day), in a time zone, from a start to an end.

use leptos::prelude::*;

use super::api::*;
use super::model::*;
use super::rules::recurrence::{parse_rule, WEEKDAYS, WEEKDAY_NAMES};
use crate::components::*;
use crate::error::AppError;

/// What the form holds.
#[derive(Debug, Clone, PartialEq)]
pub struct Form {
    /// `hourly`, `daily`, `weekly` or `monthly`.
    pub freq: String,
    pub interval: u32,
    /// `08:00`, or several: `08:00, 12:30` (daily, weekly, monthly).
    pub times: String,
    /// Minutes past the hour (hourly).
    pub minute: u32,
    /// Monday 0 (weekly).
    pub weekdays: Vec<u8>,
    /// `1` to `31`, or `last` (monthly).
    pub month_day: String,
}

/// The RRULE line a form makes, or what is wrong with it.
pub fn rule_of(form: &Form) -> Result<String, String> {
    let freq = match form.freq.as_str() {
        "hourly" => "HOURLY",
        "daily" => "DAILY",
        "weekly" => "WEEKLY",
        "monthly" => "MONTHLY",
        other => return Err(format!("\"{other}\" is not a frequency.")),
    };
    let mut rule = format!("RRULE:FREQ={freq};INTERVAL={}", form.interval.max(1));
    if freq == "HOURLY" {
        if form.minute > 59 {
            return Err("Minutes past the hour are 0 to 59.".into());
        }
        rule.push_str(&format!(";BYMINUTE={};BYSECOND=0", form.minute));
    } else {
        let mut hours = Vec::new();
        let mut minutes = Vec::new();
        for time in form.times.split([',', ' ']).filter(|t| !t.is_empty()) {
            let parsed = time
                .split_once(':')
                .and_then(|(h, m)| Some((h.parse::<u32>().ok()?, m.parse::<u32>().ok()?)))
                .filter(|&(h, m)| h < 24 && m < 60);
            let Some((h, m)) = parsed else {
                return Err(format!("\"{time}\" is not a time such as 08:00."));
            };
            hours.push(h);
            minutes.push(m);
        }
        if hours.is_empty() {
            return Err("Give a time of day, such as 08:00 (or several: 08:00, 14:00).".into());
        }
        minutes.sort_unstable();
        minutes.dedup();
        if minutes.len() > 1 {
            return Err("Several times of day share their minutes (08:00, 14:00; or 08:30, 14:30): make a schedule for each.".into());
        }
        let hours: Vec<String> = hours.iter().map(u32::to_string).collect();
        rule.push_str(&format!(
            ";BYHOUR={};BYMINUTE={};BYSECOND=0",
            hours.join(","),
            minutes[0]
        ));
        if freq == "WEEKLY" {
            if form.weekdays.is_empty() {
                return Err("Choose at least one day of the week.".into());
            }
            let days: Vec<&str> = form
                .weekdays
                .iter()
                .map(|&d| WEEKDAYS[d as usize % 7])
                .collect();
            rule.push_str(&format!(";BYDAY={}", days.join(",")));
        }
        if freq == "MONTHLY" {
            let day = match form.month_day.trim() {
                "last" => "-1".to_string(),
                d => match d.parse::<u32>() {
                    Ok(n) if (1..=31).contains(&n) => n.to_string(),
                    _ => return Err("The day of the month is 1 to 31, or last.".into()),
                },
            };
            rule.push_str(&format!(";BYMONTHDAY={day}"));
        }
    }
    parse_rule(&rule)?;
    Ok(rule)
}

/// Time zones offered first; any IANA name may be typed.
const ZONES: [&str; 12] = [
    "UTC",
    "Europe/London",
    "Europe/Paris",
    "Europe/Berlin",
    "Europe/Stockholm",
    "America/New_York",
    "America/Chicago",
    "America/Los_Angeles",
    "America/Sao_Paulo",
    "Asia/Kolkata",
    "Asia/Tokyo",
    "Australia/Sydney",
];

#[component]
pub fn SchedulePanel(app_id: String) -> impl IntoView {
    let app_id = StoredValue::new(app_id);
    // Asked for in the browser once the page is live (as the reloads panel's history is).
    let tasks = RwSignal::new(None::<TaskPage>);
    let error = RwSignal::new(None::<AppError>);
    let refresh = Action::new(move |_: &()| list_reload_tasks(app_id.get_value()));
    Effect::new(move || {
        refresh.dispatch(());
    });
    Effect::new(move || match refresh.value().get() {
        Some(Ok(page)) => tasks.set(Some(page)),
        Some(Err(e)) => error.set(Some(e)),
        None => {}
    });
    let done = move |result: Result<(), AppError>| match result {
        Ok(()) => {
            error.set(None);
            refresh.dispatch(());
        }
        Err(e) => error.set(Some(e)),
    };
    let create = Action::new(move |input: &TaskInput| {
        let input = input.clone();
        async move {
            create_reload_task(app_id.get_value(), input)
                .await
                .map(|_| ())
        }
    });
    let toggle = Action::new(move |task: &ReloadTask| {
        let task = task.clone();
        async move {
            let input = TaskInput {
                recurrence: task.recurrence,
                time_zone: task.time_zone,
                start: task.start,
                end: task.end,
                enabled: task.state != TaskState::Enabled,
            };
            update_reload_task(task.id, input).await.map(|_| ())
        }
    });
    let remove = Action::new(move |id: &String| {
        let id = id.clone();
        async move { delete_reload_task(id).await }
    });
    Effect::new(move || {
        if let Some(result) = create.value().get() {
            done(result);
        }
    });
    Effect::new(move || {
        if let Some(result) = toggle.value().get() {
            done(result);
        }
    });
    Effect::new(move || {
        if let Some(result) = remove.value().get() {
            done(result);
        }
    });

    let freq = RwSignal::new("daily".to_string());
    let interval = RwSignal::new("1".to_string());
    let times = RwSignal::new("06:00".to_string());
    let minute = RwSignal::new("0".to_string());
    let weekdays = RwSignal::new(vec![0u8]);
    let month_day = RwSignal::new("1".to_string());
    let zone = RwSignal::new("UTC".to_string());
    let start = RwSignal::new(String::new());
    let end = RwSignal::new(String::new());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let form = Form {
            freq: freq.get_untracked(),
            interval: interval.get_untracked().trim().parse().unwrap_or(1),
            times: times.get_untracked(),
            minute: minute.get_untracked().trim().parse().unwrap_or(60),
            weekdays: weekdays.get_untracked(),
            month_day: month_day.get_untracked(),
        };
        match rule_of(&form) {
            Ok(rule) => {
                let day = |d: String| {
                    if d.is_empty() {
                        d
                    } else {
                        format!("{d}T00:00:00")
                    }
                };
                create.dispatch(TaskInput {
                    recurrence: vec![rule],
                    time_zone: zone.get_untracked(),
                    start: day(start.get_untracked()),
                    end: day(end.get_untracked()),
                    enabled: true,
                });
            }
            Err(message) => error.set(Some(AppError::invalid("schedule", message))),
        }
    };
    view! {
        <section class="card schedule-panel" aria-labelledby="schedule-heading">
            <h3 id="schedule-heading">"Reload schedules"</h3>
            {move || tasks.get().map(|page| {
                let can_edit = page.can_edit;
                view! {
                    {page.tasks.is_empty().then(|| view! { <p class="muted small">"No schedule: the app reloads when someone reloads it."</p> })}
                    <ul class="schedule-list">
                        {page.tasks.into_iter().map(|task| {
                            let (label, tone) = match task.state {
                                TaskState::Enabled => ("On", "success"),
                                TaskState::Disabled => ("Off", "warning"),
                                TaskState::Completed => ("Ended", "neutral"),
                            };
                            let next = task.next_run_at.map(|at| {
                                let then: Vec<String> = task.then.iter().map(|&t| crate::timefmt::short(t)).collect();
                                format!("Next run {}{}", crate::timefmt::short(at),
                                    if then.is_empty() { String::new() } else { format!(", then {}", then.join(", ")) })
                            });
                            let (t1, t2, id) = (task.clone(), task.clone(), task.id.clone());
                            view! {
                                <li class="schedule">
                                    <Badge text=label.to_string() tone/>
                                    <span class="schedule-words">{task.words.clone()}</span>
                                    {next.map(|n| view! { <div class="small muted">{n}</div> })}
                                    {(!task.note.is_empty()).then(|| view! { <div class="small reload-error" role="note">{task.note.clone()}</div> })}
                                    {(!task.user_name.is_empty()).then(|| view! { <div class="small muted">{format!("Runs as {}", task.user_name)}</div> })}
                                    {can_edit.then(|| view! {
                                        <div class="schedule-actions">
                                            {(t1.state != TaskState::Completed).then(|| view! {
                                                <button type="button" class="button small" on:click=move |_| { toggle.dispatch(t2.clone()); }>
                                                    {if t1.state == TaskState::Enabled { "Turn off" } else { "Turn on" }}</button>
                                            })}
                                            <button type="button" class="button small danger" on:click=move |_| { remove.dispatch(id.clone()); }>"Remove"</button>
                                        </div>
                                    })}
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                    {can_edit.then(|| view! {
                        <form class="schedule-form" on:submit=submit>
                            <fieldset>
                                <legend>"New schedule"</legend>
                                <label>"Repeat"
                                    <select name="freq" prop:value=move || freq.get() on:change=move |ev| freq.set(event_target_value(&ev))>
                                        <option value="hourly">"Hourly"</option>
                                        <option value="daily">"Daily"</option>
                                        <option value="weekly">"Weekly"</option>
                                        <option value="monthly">"Monthly"</option>
                                    </select></label>
                                <label>"Every"
                                    <input type="number" name="interval" min="1" max="1000" inputmode="numeric" prop:value=move || interval.get() on:input=move |ev| interval.set(event_target_value(&ev))/></label>
                                {move || (freq.get() == "hourly").then(|| view! {
                                    <label>"Minutes past the hour"
                                        <input type="number" name="minute" min="0" max="59" prop:value=move || minute.get() on:input=move |ev| minute.set(event_target_value(&ev))/></label>
                                })}
                                {move || (freq.get() != "hourly").then(|| view! {
                                    <label>"At (several: 06:00, 18:00)"
                                        <input type="text" name="times" inputmode="numeric" prop:value=move || times.get() on:input=move |ev| times.set(event_target_value(&ev))/></label>
                                })}
                                {move || (freq.get() == "weekly").then(|| view! {
                                    <fieldset class="weekdays"><legend>"On"</legend>
                                        {(0..7u8).map(|d| view! {
                                            <label class="check"><input type="checkbox" name="weekday"
                                                prop:checked=move || weekdays.with(|w| w.contains(&d))
                                                on:change=move |ev| { let on = event_target_checked(&ev); weekdays.update(|w| { w.retain(|x| *x != d); if on { w.push(d); w.sort_unstable(); } }); }/>
                                                {WEEKDAY_NAMES[d as usize]}</label>
                                        }).collect_view()}
                                    </fieldset>
                                })}
                                {move || (freq.get() == "monthly").then(|| view! {
                                    <label>"On day (1 to 31, or last)"
                                        <input type="text" name="month_day" prop:value=move || month_day.get() on:input=move |ev| month_day.set(event_target_value(&ev))/></label>
                                })}
                                <label>"Time zone"
                                    <input type="text" name="time_zone" list="time-zones" prop:value=move || zone.get() on:input=move |ev| zone.set(event_target_value(&ev))/></label>
                                <datalist id="time-zones">{ZONES.iter().map(|z| view! { <option value=*z></option> }).collect_view()}</datalist>
                                <label>"Starts (empty: now)"
                                    <input type="date" name="start" prop:value=move || start.get() on:input=move |ev| start.set(event_target_value(&ev))/></label>
                                <label>"Ends (empty: never)"
                                    <input type="date" name="end" prop:value=move || end.get() on:input=move |ev| end.set(event_target_value(&ev))/></label>
                            </fieldset>
                            <button type="submit" class="button primary" disabled=move || create.pending().get()>"Add the schedule"</button>
                        </form>
                    })}
                }
            })}
            {move || error.get().map(|error| view! { <ErrorBox error/> })}
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(freq: &str, times: &str) -> Form {
        Form {
            freq: freq.into(),
            interval: 1,
            times: times.into(),
            minute: 15,
            weekdays: vec![0, 4],
            month_day: "last".into(),
        }
    }

    #[test]
    fn the_form_makes_the_rule_a_person_means() {
        let cases = [
            (
                form("hourly", ""),
                Ok("RRULE:FREQ=HOURLY;INTERVAL=1;BYMINUTE=15;BYSECOND=0"),
            ),
            (
                form("daily", "06:00"),
                Ok("RRULE:FREQ=DAILY;INTERVAL=1;BYHOUR=6;BYMINUTE=0;BYSECOND=0"),
            ),
            (
                form("daily", "06:30, 18:30"),
                Ok("RRULE:FREQ=DAILY;INTERVAL=1;BYHOUR=6,18;BYMINUTE=30;BYSECOND=0"),
            ),
            (
                form("weekly", "09:00"),
                Ok("RRULE:FREQ=WEEKLY;INTERVAL=1;BYHOUR=9;BYMINUTE=0;BYSECOND=0;BYDAY=MO,FR"),
            ),
            (
                form("monthly", "07:00"),
                Ok("RRULE:FREQ=MONTHLY;INTERVAL=1;BYHOUR=7;BYMINUTE=0;BYSECOND=0;BYMONTHDAY=-1"),
            ),
            (form("daily", "6 o'clock"), Err("is not a time")),
            (form("daily", ""), Err("Give a time of day")),
            (form("daily", "06:00, 18:30"), Err("share their minutes")),
            (
                Form {
                    weekdays: vec![],
                    ..form("weekly", "09:00")
                },
                Err("at least one day"),
            ),
            (
                Form {
                    month_day: "32".into(),
                    ..form("monthly", "09:00")
                },
                Err("1 to 31"),
            ),
            (
                Form {
                    minute: 60,
                    ..form("hourly", "")
                },
                Err("0 to 59"),
            ),
        ];
        for (form, expected) in cases {
            match (rule_of(&form), expected) {
                (Ok(rule), Ok(want)) => assert_eq!(rule, want),
                (Err(error), Err(words)) => assert!(error.contains(words), "{error}"),
                (got, want) => panic!("{form:?}: {got:?}, expected {want:?}"),
            }
        }
    }
}
