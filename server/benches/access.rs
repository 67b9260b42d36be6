//! Effective-access check for one user and one app, in a tenant with 100,000 app shares,
//! 10,000 groups and 20 groups per user, on the path every page and REST route takes:
//! `sharing::service::access_to_app` (one query for every source of the person's roles, then
//! `sharing::rules::effective_access`). Prints p50, p95 and p99 on SQLite and on PostgreSQL
//! (target: p99 at most 50 µs in process), and the pure decision alone.

mod common;

use common::percentile_us as percentile;

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use app::access::{access_to_app, grants_for_app, sharer};
use app::apps::store::AppRow;
use app::auth::principal::{Credential, Principal};
use app::directory::rules::Permission;
use app::settings::Settings;
use app::sharing::rules::effective_access;
use app::spaces::rules::SpaceType;
use app::state::ManualClock;
use server::config::Config;

const USERS: usize = 20_000;
const GROUPS: usize = 10_000;
const GROUPS_PER_USER: usize = 20;
const SPACES: usize = 250;
const APPS_PER_SPACE: usize = 20;
/// 400 per space (the limit) over 250 spaces: 100,000.
const SHARES_PER_SPACE: usize = 400;
const ASSIGNMENTS_PER_SPACE: usize = 10;
const CHECKS: usize = 20_000;
const TENANT: &str = "t";

/// A small deterministic generator: the same tenant every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn user(i: usize) -> String {
    format!("u{i:05}")
}
fn group(i: usize) -> String {
    format!("g{i:05}")
}
fn space(i: usize) -> String {
    format!("s{i:03}")
}
fn app_id(space: usize, i: usize) -> String {
    format!("a{space:03}{i:02}")
}

/// Inserts rows many at a time: `rows` are already-formatted value tuples.
async fn insert(db: &sqlx::AnyPool, head: &str, rows: Vec<String>) {
    for chunk in rows.chunks(1_000) {
        sqlx::query(&format!("{head} VALUES {}", chunk.join(",")))
            .execute(db)
            .await
            .expect("bulk insert");
    }
}

/// The tenant: users, groups and memberships, spaces with assignments, apps, and shares.
/// Returns, per app, the users an app share reaches (directly or through a group), so that half
/// of the checks are of people who do have access.
async fn load(db: &sqlx::AnyPool) -> Vec<(usize, usize, usize)> {
    let mut rng = Rng(0x5eed_1234_abcd_ef01);
    sqlx::query("INSERT INTO tenants (id, name, created_at) VALUES ('t', 'Bench', 0)")
        .execute(db)
        .await
        .unwrap();
    insert(
        db,
        "INSERT INTO users (id, tenant_id, name, email, email_key, status, created_at, updated_at)",
        (0..USERS)
            .map(|i| {
                format!(
                    "('{0}','t','User {i}','{0}@b.test','{0}@b.test','active',0,0)",
                    user(i)
                )
            })
            .collect(),
    )
    .await;
    insert(
        db,
        "INSERT INTO user_groups (id, tenant_id, name, name_key, created_at, updated_at)",
        (0..GROUPS)
            .map(|i| format!("('{0}','t','Group {i}','group {i}',0,0)", group(i)))
            .collect(),
    )
    .await;
    let mut members_of: Vec<Vec<usize>> = vec![Vec::new(); GROUPS];
    let mut memberships = Vec::with_capacity(USERS * GROUPS_PER_USER);
    for u in 0..USERS {
        let mut mine = std::collections::BTreeSet::new();
        while mine.len() < GROUPS_PER_USER {
            mine.insert(rng.below(GROUPS));
        }
        for g in mine {
            members_of[g].push(u);
            memberships.push(format!("('{}','{}')", group(g), user(u)));
        }
    }
    insert(
        db,
        "INSERT INTO group_members (group_id, user_id)",
        memberships,
    )
    .await;
    insert(db, "INSERT INTO spaces (id, tenant_id, type, name, name_key, description, owner_id, created_at, updated_at)",
        (0..SPACES).map(|s| format!("('{0}','t','{1}','Space {s}','space {s}','','{2}',0,0)", space(s), if s % 2 == 0 { "shared" } else { "managed" }, user(rng.below(USERS)))).collect()).await;
    let mut assignments = Vec::new();
    for s in 0..SPACES {
        let mut taken = std::collections::BTreeSet::new();
        for a in 0..ASSIGNMENTS_PER_SPACE {
            let (column, id) = if a % 2 == 0 {
                ("u", user(rng.below(USERS)))
            } else {
                ("g", group(rng.below(GROUPS)))
            };
            if taken.insert(id.clone()) {
                let (u, g) = if column == "u" {
                    (format!("'{id}'"), "NULL".to_string())
                } else {
                    ("NULL".to_string(), format!("'{id}'"))
                };
                assignments.push(format!(
                    "('as{s:03}{a:02}','t','{}',{u},{g},'consumer',0,'',0)",
                    space(s)
                ));
            }
        }
    }
    insert(db, "INSERT INTO space_assignments (id, tenant_id, space_id, user_id, group_id, roles, created_at, created_by, updated_at)", assignments).await;
    insert(
        db,
        "INSERT INTO apps (id, tenant_id, space_id, name, name_key, created_at, updated_at)",
        (0..SPACES)
            .flat_map(|s| {
                (0..APPS_PER_SPACE).map(move |a| {
                    format!(
                        "('{0}','t','{1}','App {a}','app {a}',0,0)",
                        app_id(s, a),
                        space(s)
                    )
                })
            })
            .collect(),
    )
    .await;
    let mut shares = Vec::with_capacity(SPACES * SHARES_PER_SPACE);
    let mut reached = Vec::new();
    for s in 0..SPACES {
        let mut taken = std::collections::BTreeSet::new();
        while taken.len() < SHARES_PER_SPACE {
            let a = rng.below(APPS_PER_SPACE);
            let to_group = rng.below(2) == 0;
            let who = if to_group {
                rng.below(GROUPS)
            } else {
                rng.below(USERS)
            };
            if !taken.insert((a, to_group, who)) {
                continue;
            }
            let n = taken.len();
            let role = if s % 2 == 0 {
                "consumer"
            } else {
                ["consumer", "contributor", "basicconsumer"][rng.below(3)]
            };
            let (kind, u, g) = if to_group {
                ("group", "NULL".to_string(), format!("'{}'", group(who)))
            } else {
                ("user", format!("'{}'", user(who)), "NULL".to_string())
            };
            shares.push(format!(
                "('sh{s:03}{n:03}','t','{}','{}','{kind}',{u},{g},'{role}',0,0,'',0)",
                space(s),
                app_id(s, a)
            ));
            let person = if to_group {
                members_of[who].first().copied().unwrap_or(0)
            } else {
                who
            };
            reached.push((person, s, a));
        }
    }
    insert(db, "INSERT INTO app_shares (id, tenant_id, space_id, app_id, assignee_type, user_id, group_id, roles, disabled, created_at, created_by, updated_at)", shares).await;
    reached
}

fn principal(u: usize) -> Principal {
    Principal {
        user_id: user(u),
        tenant_id: TENANT.into(),
        tenant_name: "Bench".into(),
        name: String::new(),
        email: String::new(),
        permissions: [Permission::ShareApps].into_iter().collect(),
        is_tenant_admin: false,
        credential: Credential::Console,
        narrowing: Vec::new(),
    }
}

fn app_row(s: usize, a: usize) -> AppRow {
    AppRow {
        id: app_id(s, a),
        tenant_id: TENANT.into(),
        space_id: space(s),
        name: String::new(),
        description: String::new(),
        owner_id: None,
        owner_name: None,
        source_app_id: None,
        published_at: None,
        content_version: 1,
        data_version: 0,
        data_rows: 0,
        data_loaded_at: 0,
        created_at: 0,
        updated_at: 0,
    }
}

fn report(label: &str, mut times: Vec<Duration>) {
    times.sort();
    println!(
        "{label:<44} p50 {:>7.2} µs   p95 {:>7.2} µs   p99 {:>7.2} µs   ({} checks)",
        percentile(&times, 0.50),
        percentile(&times, 0.95),
        percentile(&times, 0.99),
        times.len()
    );
}

/// `access::open_app`'s check of one person and one app, its grants from the cache.
async fn cached_check(
    grants: &app::access::Grants,
    conn: &mut sqlx::AnyConnection,
    (u, s, a): (usize, usize, usize),
) -> app::sharing::rules::Access {
    let rows = grants
        .app_grants(conn, &user(u), &space(s), &app_id(s, a))
        .await
        .unwrap();
    let space_type = if s % 2 == 0 {
        SpaceType::Shared
    } else {
        SpaceType::Managed
    };
    effective_access(
        space_type,
        &grants_for_app(&rows, &app_id(s, a)),
        sharer(&principal(u)),
    )
}

async fn measure(name: &str, url: &str, dir: &std::path::Path) {
    let mut config = Config::load_with(std::path::Path::new("/nonexistent/Leptos.toml"), |_| None)
        .expect("default config");
    config.database_url = url.to_string();
    config.data_dir = dir.to_path_buf();
    config.settings = Settings::default();
    let state = server::build_state(&config, Arc::new(ManualClock::new(0)))
        .await
        .expect("database");
    let started = Instant::now();
    let reached = load(&state.db).await;
    println!("{name}: loaded {USERS} users, {GROUPS} groups ({GROUPS_PER_USER} per user), {SPACES} spaces, {} apps, {} shares in {:.1} s",
        SPACES * APPS_PER_SPACE, reached.len(), started.elapsed().as_secs_f64());

    let mut rng = Rng(42);
    let mut conn = state.db.acquire().await.unwrap();
    // Warm the caches and the prepared statements.
    for _ in 0..500 {
        let (u, s, a) = reached[rng.below(reached.len())];
        let space_type = if s % 2 == 0 {
            SpaceType::Shared
        } else {
            SpaceType::Managed
        };
        access_to_app(&mut conn, &principal(u), &app_row(s, a), space_type)
            .await
            .unwrap();
    }
    let mut times = Vec::with_capacity(CHECKS);
    let mut granted = 0;
    for i in 0..CHECKS {
        // Half the checks are of people an app is shared with, half of anyone at all.
        let (u, s, a) = if i % 2 == 0 {
            reached[rng.below(reached.len())]
        } else {
            (
                rng.below(USERS),
                rng.below(SPACES),
                rng.below(APPS_PER_SPACE),
            )
        };
        let (who, app) = (principal(u), app_row(s, a));
        let space_type = if s % 2 == 0 {
            SpaceType::Shared
        } else {
            SpaceType::Managed
        };
        let start = Instant::now();
        let access = black_box(
            access_to_app(&mut conn, &who, &app, space_type)
                .await
                .unwrap(),
        );
        times.push(start.elapsed());
        granted += usize::from(!access.actions.is_empty());
    }
    report(&format!("{name}: access_to_app (query + rule)"), times);
    println!("{name}: {granted} of {CHECKS} checks found access");

    // The same check as an app open makes it (`access::open_app`): the grants from the cache
    // that every change empties on every process, for people who opened the app before (each of
    // 1,000 people and apps opened once first). SQLite reads the change counter on each check on
    // a connection of its own (`sql::Counter`), in place; PostgreSQL asks nothing while its
    // listener is connected.
    if !url.starts_with("sqlite") {
        server::spawn_listener(state.clone(), url);
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let opened: Vec<(usize, usize, usize)> = (0..1_000)
        .map(|i| {
            if i % 2 == 0 {
                reached[rng.below(reached.len())]
            } else {
                (
                    rng.below(USERS),
                    rng.below(SPACES),
                    rng.below(APPS_PER_SPACE),
                )
            }
        })
        .collect();
    for &opening in &opened {
        cached_check(&state.grants, &mut conn, opening).await;
    }
    let mut times = Vec::with_capacity(CHECKS);
    for i in 0..CHECKS {
        let start = Instant::now();
        black_box(cached_check(&state.grants, &mut conn, opened[i % opened.len()]).await);
        times.push(start.elapsed());
    }
    report(&format!("{name}: open_app's check, grants cached"), times);

    // The floor: the smallest query the driver can make on the same connection.
    let mut times = Vec::with_capacity(CHECKS);
    for _ in 0..CHECKS {
        let start = Instant::now();
        black_box(
            sqlx::query_scalar::<_, i64>("SELECT 1")
                .fetch_one(&mut *conn)
                .await
                .unwrap(),
        );
        times.push(start.elapsed());
    }
    report(
        &format!("{name}: SELECT 1 (driver round trip, for scale)"),
        times,
    );

    // The decision alone, over grants already loaded.
    let mut loaded = Vec::new();
    for _ in 0..1_000 {
        let (u, s, a) = reached[rng.below(reached.len())];
        let rows = app::sharing::store::app_grants(&mut conn, &user(u), &space(s), &app_id(s, a))
            .await
            .unwrap();
        loaded.push((
            grants_for_app(&rows, &app_id(s, a)),
            if s % 2 == 0 {
                SpaceType::Shared
            } else {
                SpaceType::Managed
            },
            principal(u),
        ));
    }
    let mut times = Vec::with_capacity(CHECKS);
    for i in 0..CHECKS {
        let (grants, space_type, who) = &loaded[i % loaded.len()];
        let start = Instant::now();
        black_box(effective_access(*space_type, grants, sharer(who)));
        times.push(start.elapsed());
    }
    report(&format!("{name}: effective_access (rule alone)"), times);
}

fn main() {
    common::on_both_databases("access", |label, url, dir| async move {
        measure(label, &url, &dir).await
    });
}
