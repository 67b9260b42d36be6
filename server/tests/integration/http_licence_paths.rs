//! Every path that shows an app's data to a person is licensed. The test lists every server
//! function and every REST route the server has, each classified here: a new one that is not
//! classified fails this test until someone decides whether it shows app data, and every one
//! that does is called by a person whom the licence refuses, and must refuse them.

use crate::common::live::start;
use crate::common::TestDb;
use reqwest::{Method, StatusCode};
use serde_json::json;

/// Server functions that show an app's rows, values, aggregates or model to a signed-in person.
const DATA_FUNCTIONS: &[&str] = &[
    "open_sheet",
    "start_session",
    "join_session",
    "get_data_model",
    "set_load_plan",
    "create_reload",
];

/// Server functions that show app data only to visitors of anonymous links and embeds, who are
/// counted by the tenant's anonymous capacity instead of a person's licence.
const VISITOR_FUNCTIONS: &[&str] = &["anonymous_start", "anonymous_sheet"];

/// Every other server function, with why it shows no app data.
const OTHER_FUNCTIONS: &[(&str, &str)] = &[
    ("accept_invite", "an invited person chooses a password"),
    ("add_group_member", "the directory"),
    ("add_login_group", "licence settings"),
    ("add_pass_rule", "licence settings"),
    ("add_section_access", "the rule its owner typed, not the app's rows"),
    ("add_sheet", "a sheet's title and place, no chart data"),
    ("assign_licence", "licence settings"),
    ("cancel_reload", "stops a reload; returns its record"),
    ("connection_tables", "a data connection's tables, before any app is made of them: the space's roles decide"),
    ("count_unread_notices", "how many of the caller's notices are unread"),
    ("create_connection", "a space's data connection: the space's roles decide"),
    ("delete_connection", "a space's data connection: the space's roles decide"),
    ("get_connection_hosts", "tenant settings: the hosts data connections may reach"),
    ("list_connections", "a space's data connections: the space's roles decide"),
    ("preview_source", "a data connection's first rows, before any app is made of them: the space's roles decide"),
    ("set_connection_hosts", "tenant settings: the hosts data connections may reach"),
    ("test_connection", "a data connection's settings tried: the space's roles decide"),
    ("update_connection", "a space's data connection: the space's roles decide"),
    ("create_identity_provider", "tenant settings: who may sign in"),
    ("delete_identity_provider", "tenant settings: who may sign in"),
    ("list_identity_providers", "tenant settings: who may sign in"),
    ("update_identity_provider", "tenant settings: who may sign in"),
    ("list_oidc_providers", "tenant settings: who may sign in"),
    ("create_oidc_provider", "tenant settings: who may sign in"),
    ("update_oidc_provider", "tenant settings: who may sign in"),
    ("delete_oidc_provider", "tenant settings: who may sign in"),
    ("promote_oidc_provider", "tenant settings: who may sign in"),
    ("get_password_policy", "tenant settings: who may sign in"),
    ("set_password_policy", "tenant settings: who may sign in"),
    ("get_sign_in_options", "the sign-in page's buttons"),
    ("request_password_reset", "emails a link to choose a password"),
    ("reset_user_password", "the directory"),
    ("get_scim_status", "tenant settings: provisioning"),
    ("make_scim_token", "tenant settings: provisioning"),
    ("revoke_scim_token", "tenant settings: provisioning"),
    ("save_allowed_origin", "embedding settings"),
    ("create_reload_task", "a schedule; each run is licensed as create_reload is"),
    ("delete_reload_task", "removes, returns nothing"),
    ("list_notices", "the caller's own notices: app names and errors in words"),
    ("list_reload_tasks", "an app's schedules"),
    ("list_tenant_reload_tasks", "every app's schedules (those who manage the spaces)"),
    ("list_tenant_reloads", "reload records (those who manage the spaces)"),
    ("mark_notices_read", "the caller's own notices"),
    ("update_reload_task", "a schedule"),
    ("collab_settings", "the session switches"),
    ("create_api_key", "the caller's own key"),
    ("create_app", "an empty app"),
    ("create_app_from_uploads", "the new app's name and row count: its maker's own files"),
    ("create_assignment", "space membership"),
    ("create_group", "the directory"),
    ("create_link", "the link's settings"),
    ("create_role", "the directory"),
    ("create_share", "who may open the app"),
    ("create_space", "spaces"),
    ("create_user", "the directory"),
    ("delete_allowed_origin", "embedding settings"),
    ("delete_app", "removes, returns nothing"),
    ("delete_assignment", "space membership"),
    ("delete_chart", "removes, returns nothing"),
    ("delete_group", "the directory"),
    ("delete_link", "removes, returns nothing"),
    ("delete_login_group", "licence settings"),
    ("delete_role", "the directory"),
    ("delete_section_access", "removes, returns nothing"),
    ("delete_share", "removes, returns nothing"),
    ("delete_sheet", "removes, returns nothing"),
    ("delete_space", "removes, returns nothing"),
    ("delete_user", "removes, returns nothing"),
    ("duplicate_app", "the copy's name and place (the copy's data opens through open_sheet)"),
    ("end_my_connection", "ends the caller's licence connection"),
    ("expire_invitation", "the initiator's invitation"),
    ("find_candidates", "people and groups to share with"),
    ("get_anonymous_panel", "the app's links and their settings"),
    ("get_anonymous_usage", "counts of anonymous sessions"),
    ("get_app", "its name, space, roles and row count, as the app list shows them: Qlik needs no licence to list apps"),
    ("get_current_user", "the caller"),
    ("get_directory_counts", "the directory"),
    ("get_group", "the directory"),
    ("get_licence_extras", "licence settings"),
    ("get_licence_overview", "licence settings"),
    ("get_licence_settings", "licence settings"),
    ("get_space", "spaces"),
    ("get_space_page", "spaces and their apps' names"),
    ("get_tenant_collab", "the session switches"),
    ("get_user", "the directory"),
    ("invitation_info", "the app's and the initiator's names, before joining"),
    ("invite", "the initiator's invitation"),
    ("invite_details", "an invitation to the tenant"),
    ("list_allowed_origins", "embedding settings"),
    ("list_api_keys", "the caller's own keys"),
    ("list_app_targets", "spaces"),
    ("list_apps", "app names, as the hub lists them"),
    ("list_audit_events", "the audit log (admins)"),
    ("list_groups", "the directory"),
    ("list_licence_assignments", "licence settings"),
    ("list_members", "space membership"),
    ("list_my_connections", "the caller's licence connections"),
    ("list_publish_targets", "spaces"),
    ("list_reloads", "reload records: times, statuses and rows per table, to those who may open the app"),
    ("list_roles", "the directory"),
    ("list_section_access", "the rules its managers typed, not the app's rows"),
    ("list_sessions", "the caller's own sign-ins"),
    ("list_spaces", "spaces"),
    ("list_users", "the directory"),
    ("load_share_dialog", "who may open the app"),
    ("move_app", "returns the app's name and place"),
    ("move_chart", "returns nothing"),
    ("move_sheet", "returns nothing"),
    ("preview_uploads", "the caller's own uploaded files, before any app is made of them"),
    ("publish_app", "returns the copy's name and place"),
    ("reissue_invite", "the directory"),
    ("remove_app_access", "who may open the app"),
    ("remove_group_member", "the directory"),
    ("remove_licence", "licence settings"),
    ("remove_pass_rule", "licence settings"),
    ("rename_sheet", "a sheet's title"),
    ("republish_app", "returns the copy's name and place"),
    ("reset_link_code", "the link's settings"),
    ("revoke_api_key", "the caller's own key"),
    ("save_allowed_origin", "embedding settings"),
    ("save_chart", "returns the chart's id; its data comes through open_sheet"),
    ("set_anonymous_access", "the link's settings"),
    ("set_anonymous_capacity", "embedding settings"),
    ("set_app_collab", "the session switches"),
    ("set_document_pool", "licence settings"),
    ("set_licence_settings", "licence settings"),
    ("set_standing", "an attendee's standing"),
    ("set_tenant_collab", "the session switches"),
    ("sign_in", "the caller"),
    ("sign_out", "the caller"),
    ("sign_out_everywhere", "the caller"),
    ("stop_session", "ends a session"),
    ("update_app", "the app's name and description"),
    ("update_assignment", "space membership"),
    ("update_group", "the directory"),
    ("update_link", "the link's settings"),
    ("update_role", "the directory"),
    ("update_share", "who may open the app"),
    ("update_space", "spaces"),
    ("update_user", "the directory"),
];

/// REST routes (method and path, as the OpenAPI document lists them) that show app data. None
/// does yet: Qlik's data APIs (the engine's) are not served.
const DATA_ROUTES: &[(&str, &str)] = &[];

/// Every other REST route, with why it shows no app data.
const OTHER_ROUTES: &[(&str, &str, &str)] = &[
    ("DELETE", "/api/v1/apps/{appId}", "removes the app"),
    ("DELETE", "/api/v1/csp-origins/{id}", "embedding settings"),
    (
        "DELETE",
        "/api/v1/data-connections/{qID}",
        "a space's data connection: its roles decide",
    ),
    (
        "GET",
        "/api/v1/data-connections",
        "a space's data connections: its roles decide",
    ),
    (
        "GET",
        "/api/v1/data-connections/{qID}",
        "a space's data connection: its roles decide",
    ),
    (
        "POST",
        "/api/v1/data-connections",
        "a space's data connection: its roles decide",
    ),
    (
        "PUT",
        "/api/v1/data-connections/{qID}",
        "a space's data connection: its roles decide",
    ),
    (
        "DELETE",
        "/api/v1/identity-providers/{id}",
        "who may sign in",
    ),
    ("DELETE", "/api/v1/groups/{id}", "the directory"),
    ("DELETE", "/api/v1/spaces/{spaceId}", "spaces"),
    (
        "DELETE",
        "/api/v1/spaces/{spaceId}/assignments/{assignmentId}",
        "space membership",
    ),
    (
        "DELETE",
        "/api/v1/spaces/{spaceId}/shares/{shareId}",
        "who may open an app",
    ),
    ("DELETE", "/api/v1/users/{id}", "the directory"),
    (
        "GET",
        "/api/v1/apps/{appId}",
        "the app's name, space and row count, as the app list shows them",
    ),
    ("GET", "/api/v1/csp-origins", "embedding settings"),
    (
        "GET",
        "/api/v1/csp-origins/actions/generate-header",
        "embedding settings",
    ),
    ("GET", "/api/v1/csp-origins/{id}", "embedding settings"),
    ("GET", "/api/v1/identity-providers", "who may sign in"),
    ("GET", "/api/v1/identity-providers/{id}", "who may sign in"),
    (
        "PATCH",
        "/api/v1/identity-providers/{id}",
        "who may sign in",
    ),
    ("GET", "/api/v1/groups", "the directory"),
    ("GET", "/api/v1/groups/{id}", "the directory"),
    ("GET", "/api/v1/licenses/assignments", "licence settings"),
    ("GET", "/api/v1/licenses/consumption", "licence use"),
    ("GET", "/api/v1/licenses/ledger.csv", "licence use"),
    ("GET", "/api/v1/licenses/overview", "licence settings"),
    ("GET", "/api/v1/licenses/settings", "licence settings"),
    (
        "GET",
        "/api/v1/licenses/sightline-settings",
        "licence settings",
    ),
    ("GET", "/api/v1/licenses/status", "licence settings"),
    (
        "GET",
        "/api/v1/reloads",
        "reload records: times, statuses and logs",
    ),
    ("GET", "/api/v1/reloads/{reloadId}", "a reload record"),
    ("GET", "/api/v1/reload-tasks", "reload schedules"),
    ("GET", "/api/v1/reload-tasks/{taskId}", "a reload schedule"),
    ("PUT", "/api/v1/reload-tasks/{taskId}", "a reload schedule"),
    (
        "DELETE",
        "/api/v1/reload-tasks/{taskId}",
        "removes a reload schedule",
    ),
    (
        "POST",
        "/api/v1/reload-tasks",
        "a reload schedule; each run is licensed as create_reload is",
    ),
    ("GET", "/api/v1/roles", "the directory"),
    ("GET", "/api/v1/roles/{id}", "the directory"),
    ("GET", "/api/v1/spaces", "spaces"),
    ("GET", "/api/v1/spaces/types", "spaces"),
    ("GET", "/api/v1/spaces/{spaceId}", "spaces"),
    (
        "GET",
        "/api/v1/spaces/{spaceId}/assignments",
        "space membership",
    ),
    (
        "GET",
        "/api/v1/spaces/{spaceId}/assignments/{assignmentId}",
        "space membership",
    ),
    (
        "GET",
        "/api/v1/spaces/{spaceId}/shares",
        "who may open an app",
    ),
    (
        "GET",
        "/api/v1/spaces/{spaceId}/shares/{shareId}",
        "who may open an app",
    ),
    ("GET", "/api/v1/users", "the directory"),
    ("GET", "/api/v1/users/me", "the caller"),
    ("GET", "/api/v1/users/{id}", "the directory"),
    ("PATCH", "/api/v1/groups/{id}", "the directory"),
    ("PATCH", "/api/v1/spaces/{spaceId}", "spaces"),
    (
        "PATCH",
        "/api/v1/spaces/{spaceId}/shares/{shareId}",
        "who may open an app",
    ),
    ("PATCH", "/api/v1/users/{id}", "the directory"),
    ("POST", "/api/v1/apps", "the new app's name and place"),
    (
        "POST",
        "/api/v1/apps/{appId}/copy",
        "the copy's name and place",
    ),
    (
        "POST",
        "/api/v1/apps/{appId}/publish",
        "the copy's name and place",
    ),
    ("POST", "/api/v1/csp-origins", "embedding settings"),
    ("POST", "/api/v1/identity-providers", "who may sign in"),
    ("POST", "/api/v1/data-files", "the caller's own upload"),
    ("POST", "/api/v1/groups", "the directory"),
    (
        "POST",
        "/api/v1/licenses/assignments/actions/add",
        "licence settings",
    ),
    (
        "POST",
        "/api/v1/licenses/assignments/actions/delete",
        "licence settings",
    ),
    (
        "POST",
        "/api/v1/licenses/assignments/actions/update",
        "licence settings",
    ),
    (
        "POST",
        "/api/v1/reloads",
        "queues a reload, licensed by the service as create_reload is (a data function above)",
    ),
    (
        "POST",
        "/api/v1/reloads/{reloadId}/actions/cancel",
        "stops a reload",
    ),
    ("POST", "/api/v1/spaces", "spaces"),
    (
        "POST",
        "/api/v1/spaces/{spaceId}/assignments",
        "space membership",
    ),
    (
        "POST",
        "/api/v1/spaces/{spaceId}/shares",
        "who may open an app",
    ),
    ("POST", "/api/v1/users", "the directory"),
    (
        "PUT",
        "/api/v1/apps/{appId}",
        "the app's name and description",
    ),
    (
        "PUT",
        "/api/v1/apps/{appId}/publish",
        "the copy's name and place",
    ),
    ("PUT", "/api/v1/apps/{appId}/space", "the app's place"),
    ("PUT", "/api/v1/csp-origins/{id}", "embedding settings"),
    ("PUT", "/api/v1/licenses/settings", "licence settings"),
    (
        "PUT",
        "/api/v1/licenses/sightline-settings",
        "licence settings",
    ),
    ("PUT", "/api/v1/spaces/{spaceId}", "spaces"),
    (
        "PUT",
        "/api/v1/spaces/{spaceId}/assignments/{assignmentId}",
        "space membership",
    ),
];

fn route_classified(method: &str, path: &str) -> bool {
    DATA_ROUTES.iter().any(|(m, p)| *m == method && *p == path)
        || OTHER_ROUTES
            .iter()
            .any(|(m, p, _)| *m == method && *p == path)
}

fn function_name(path: &str) -> String {
    path.trim_start_matches("/api/")
        .trim_end_matches(|c: char| c.is_ascii_digit())
        .to_string()
}

#[test]
fn every_server_function_is_classified() {
    let mut unclassified = Vec::new();
    for (path, _) in leptos::server_fn::axum::server_fn_paths() {
        let name = function_name(path);
        let known = DATA_FUNCTIONS.contains(&name.as_str())
            || VISITOR_FUNCTIONS.contains(&name.as_str())
            || OTHER_FUNCTIONS.iter().any(|(n, _)| *n == name);
        if !known {
            unclassified.push(name);
        }
    }
    unclassified.sort();
    assert!(
        unclassified.is_empty(),
        "Say whether each of these shows app data (DATA_FUNCTIONS: it must then refuse a person without a licence) or why not (OTHER_FUNCTIONS): {unclassified:?}"
    );
}

on_both_databases!(
    every_rest_route_is_classified_and_every_data_path_refuses_a_person_without_a_licence,
);

/// The REST routes as the OpenAPI document lists them: (METHOD, path).
async fn rest_routes(live: &crate::common::live::Live) -> Vec<(String, String)> {
    let (status, document) = live.api(Method::GET, "/api/v1/openapi.json", None).await;
    assert_eq!(status, StatusCode::OK);
    let mut routes = Vec::new();
    for (path, item) in document["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            routes.push((method.to_uppercase(), path.clone()));
        }
    }
    routes.sort();
    routes
}

async fn every_rest_route_is_classified_and_every_data_path_refuses_a_person_without_a_licence(
    t: TestDb,
) {
    let live = start(t).await;
    let root = live.t.principal("root@acme.test").await;
    let w = crate::common::world::world_with(&live.t, root).await;

    let unclassified: Vec<_> = rest_routes(&live)
        .await
        .into_iter()
        .filter(|(method, path)| !route_classified(method, path))
        .collect();
    assert!(
        unclassified.is_empty(),
        "Say whether each of these REST routes shows app data (DATA_ROUTES) or why not (OTHER_ROUTES): {unclassified:#?}"
    );

    // Ali starts a session signed in before any licence scheme; then the tenant chooses
    // user-based licences with no entitlement and no capacity: nobody may open an app.
    let (ali, _) = app::auth::service::sign_in(
        &live.t.state,
        &app::auth::principal::RequestInfo::default(),
        "ali@acme.test",
        crate::common::PASSWORD,
    )
    .await
    .unwrap();
    let started = app::collab::service::start_session(
        &live.t.state,
        &ali,
        &w.app.id,
        None,
        app::collab::model::Mode::SignedIn,
    )
    .await
    .unwrap();
    let token = started.invitation.rsplit('/').next().unwrap().to_string();
    let (status, _) = live
        .api(
            Method::PUT,
            "/api/v1/licenses/sightline-settings",
            Some(json!({"scheme": "user_based", "professional": 0, "analyzer": 0, "capacityMinutes": 0})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);

    let pat = live.client();
    let signed_in = live
        .sign_in(&pat, "pat@acme.test", crate::common::live::PASSWORD)
        .await;
    assert_eq!(signed_in.status(), StatusCode::OK);
    // An app's model is its editors': Anna's draft, in her shared space, before she published it.
    let anna = live.client();
    let signed_in = live
        .sign_in(&anna, "anna@acme.test", crate::common::live::PASSWORD)
        .await;
    assert_eq!(signed_in.status(), StatusCode::OK);
    let draft: String = sqlx::query_scalar(
        "SELECT a.id FROM apps a JOIN spaces s ON s.id = a.space_id WHERE s.name = 'Work'",
    )
    .fetch_one(&live.t.state.db)
    .await
    .unwrap();
    let paths: Vec<&'static str> = leptos::server_fn::axum::server_fn_paths()
        .map(|(path, _)| path)
        .collect();
    for name in DATA_FUNCTIONS {
        let body = match *name {
            "open_sheet" => json!({"app_id": w.app.id, "sheet_id": null, "change": null}),
            "start_session" => json!({"app_id": w.app.id, "sheet_id": null, "mode": "SignedIn"}),
            "join_session" => json!({"token": token, "email": ""}),
            "get_data_model" => json!({"app_id": draft}),
            "set_load_plan" => json!({"app_id": draft, "plan": {"tables": [], "missing": []}}),
            "create_reload" => json!({"app_id": draft, "changes": []}),
            other => panic!("{other}: say how to call it"),
        };
        let path = paths.iter().find(|p| function_name(p) == *name).unwrap();
        let caller = if name.contains("model") || name.contains("plan") || name.contains("reload") {
            &anna
        } else {
            &pat
        };
        let response = caller
            .post(live.url(path))
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = response.status();
        let text = response.text().await.unwrap();
        assert_eq!(status, StatusCode::FORBIDDEN, "{name}: {text}");
        assert!(text.contains("No licence is free"), "{name}: {text}");
    }
    for (method, path) in DATA_ROUTES {
        let (status, body) = live
            .api(Method::from_bytes(method.as_bytes()).unwrap(), path, None)
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{method} {path}: {body}");
    }
    // A host site's embed for Pat (a token its backend signed, exchanged for a header session):
    // the same licence decides, and refuses.
    let (private, public) = crate::idps::key_pair("RS256");
    app::idps::service::create_identity_provider(
        &live.t.state,
        &w.admin,
        crate::idps::provider(&public),
    )
    .await
    .unwrap();
    let mut claims = crate::idps::ann(live.t.state.now(), "pat-1", &[]);
    claims["sub"] = json!("pat");
    claims["email"] = json!("pat@acme.test");
    let signed = crate::idps::sign("RS256", &private, "portal-2026", &claims);
    let embed = crate::idps::json_of(
        reqwest::Client::new()
            .post(live.url("/login/embed-session"))
            .header(app::idps::HOST_ORIGIN_HEADER, crate::idps::ISSUER)
            .bearer_auth(&signed),
    )
    .await;
    let response = reqwest::Client::new()
        .post(live.url(app::idps::HOST_SHEET_HTML_PATH))
        .bearer_auth(embed["token"].as_str().unwrap())
        .json(&json!({"app_id": w.app.id, "page": app::anonymous::model::EmbedOptions::default(), "change": null}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let text = response.text().await.unwrap();
    assert!(
        text.contains("No licence is free"),
        "the host embed: {text}"
    );

    let sessions = live.t.count("SELECT COUNT(*) FROM collab_sessions").await;
    assert_eq!(sessions, 1, "the refused start made no session");
    let joined = live
        .t
        .count("SELECT COUNT(*) FROM collab_participants WHERE initiator = 0")
        .await;
    assert_eq!(joined, 0, "the refused join let nobody in");
}
