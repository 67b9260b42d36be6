//! Effective-access check for one user and one app, in a tenant with 100,000 app shares,
//! 10,000 groups and 20 groups per user. Prints p50, p95 and p99 (target: p99 at most 50 µs in
//! process). The tenant lives in an in-memory index, as a cache in front of the database
//! would hold it; each check gathers the person's grants from it and calls
//! `sharing::rules::effective_access`, the one function that decides access.

use std::collections::HashMap;
use std::hint::black_box;
use std::time::Instant;

use app::sharing::rules::{effective_access, Grant, SharerPermissions, Source};
use app::spaces::rules::{SpaceRole, SpaceType};

const USERS: u32 = 50_000;
const GROUPS: u32 = 10_000;
const GROUPS_PER_USER: usize = 20;
const SPACES: u32 = 500;
const APPS: u32 = 5_000;
const SHARES: usize = 100_000;
const ASSIGNMENTS_PER_SPACE: usize = 20;
const CHECKS: usize = 200_000;

/// A small deterministic generator: the same tenant every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: u32) -> u32 {
        (self.next() % u64::from(n)) as u32
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Assignee {
    User(u32),
    Group(u32),
    Everyone,
}

struct Space {
    kind: SpaceType,
    owner: u32,
    assignments: Vec<(Assignee, Vec<SpaceRole>)>,
}

struct Tenant {
    groups_of_user: Vec<Vec<u32>>,
    spaces: Vec<Space>,
    space_of_app: Vec<u32>,
    shares_of_app: HashMap<u32, Vec<(Assignee, Vec<SpaceRole>)>>,
}

fn build() -> Tenant {
    let mut rng = Rng(0x5eed_1234_abcd_0001);
    let groups_of_user = (0..USERS)
        .map(|_| {
            let mut groups: Vec<u32> = (0..GROUPS_PER_USER).map(|_| rng.below(GROUPS)).collect();
            groups.sort_unstable();
            groups.dedup();
            groups
        })
        .collect();
    let spaces = (0..SPACES)
        .map(|i| {
            let kind = if i % 2 == 0 { SpaceType::Managed } else { SpaceType::Shared };
            let assignments = (0..ASSIGNMENTS_PER_SPACE)
                .map(|j| {
                    let who = if j % 2 == 0 { Assignee::User(rng.below(USERS)) } else { Assignee::Group(rng.below(GROUPS)) };
                    let role = kind.allowed_roles()[rng.below(kind.allowed_roles().len() as u32) as usize];
                    (who, vec![role])
                })
                .collect();
            Space { kind, owner: rng.below(USERS), assignments }
        })
        .collect::<Vec<_>>();
    let space_of_app: Vec<u32> = (0..APPS).map(|_| rng.below(SPACES)).collect();
    let mut shares_of_app: HashMap<u32, Vec<(Assignee, Vec<SpaceRole>)>> = HashMap::new();
    let mut placed = 0;
    while placed < SHARES {
        let app = rng.below(APPS);
        let list = shares_of_app.entry(app).or_default();
        if list.len() >= 400 {
            continue;
        }
        let kind = spaces[space_of_app[app as usize] as usize].kind;
        let who = match rng.below(100) {
            0 => Assignee::Everyone,
            1..=60 => Assignee::User(rng.below(USERS)),
            _ => Assignee::Group(rng.below(GROUPS)),
        };
        let role = kind.share_roles()[rng.below(kind.share_roles().len() as u32) as usize];
        list.push((who, vec![role]));
        placed += 1;
    }
    // One app at the limit: 400 shares, the worst case for a single check.
    let hot = shares_of_app.entry(0).or_default();
    while hot.len() < 400 {
        hot.push((Assignee::Group(rng.below(GROUPS)), vec![SpaceRole::Consumer]));
    }
    Tenant { groups_of_user, spaces, space_of_app, shares_of_app }
}

/// Everything that gives `user` a role on `app`.
fn grants(tenant: &Tenant, user: u32, app: u32) -> (SpaceType, Vec<Grant>) {
    let groups = &tenant.groups_of_user[user as usize];
    let space = &tenant.spaces[tenant.space_of_app[app as usize] as usize];
    let mut grants = Vec::new();
    if space.owner == user {
        grants.push(Grant { source: Source::SpaceOwner, roles: Vec::new() });
    }
    for (who, roles) in &space.assignments {
        match who {
            Assignee::User(u) if *u == user => grants.push(Grant { source: Source::SpaceMember, roles: roles.clone() }),
            Assignee::Group(g) if groups.binary_search(g).is_ok() => {
                grants.push(Grant { source: Source::SpaceGroup { group_id: g.to_string() }, roles: roles.clone() })
            }
            _ => {}
        }
    }
    for (who, roles) in tenant.shares_of_app.get(&app).map(Vec::as_slice).unwrap_or_default() {
        let source = match who {
            Assignee::User(u) if *u == user => Source::ShareToUser,
            Assignee::Group(g) if groups.binary_search(g).is_ok() => Source::ShareToGroup { group_id: g.to_string() },
            Assignee::Everyone => Source::ShareToEveryone,
            _ => continue,
        };
        grants.push(Grant { source, roles: roles.clone() });
    }
    (space.kind, grants)
}

fn percentile(sorted: &[u64], p: f64) -> f64 {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index] as f64 / 1000.0
}

fn measure(label: &str, tenant: &Tenant, pick: impl Fn(&mut Rng) -> (u32, u32)) {
    let permissions = SharerPermissions { share_apps: true, anonymous_access_link: false };
    let mut rng = Rng(0x00c0_ffee_0000_0042);
    let mut times = Vec::with_capacity(CHECKS);
    let mut allowed = 0usize;
    for _ in 0..CHECKS {
        let (user, app) = pick(&mut rng);
        let start = Instant::now();
        let (kind, grants) = grants(tenant, user, app);
        let access = black_box(effective_access(kind, &grants, permissions));
        times.push(start.elapsed().as_nanos() as u64);
        allowed += usize::from(!access.actions.is_empty());
    }
    times.sort_unstable();
    println!(
        "{label}: {CHECKS} checks, p50 {:.2} µs, p95 {:.2} µs, p99 {:.2} µs, max {:.2} µs ({allowed} with access)",
        percentile(&times, 0.50),
        percentile(&times, 0.95),
        percentile(&times, 0.99),
        *times.last().unwrap() as f64 / 1000.0,
    );
}

fn main() {
    let started = Instant::now();
    let tenant = build();
    let share_count: usize = tenant.shares_of_app.values().map(Vec::len).sum();
    println!(
        "tenant: {USERS} users, {GROUPS} groups, {GROUPS_PER_USER} groups per user, {SPACES} spaces, {APPS} apps, {share_count} shares (built in {:.1} s)",
        started.elapsed().as_secs_f64()
    );
    measure("effective access, random user and app", &tenant, |rng| (rng.below(USERS), rng.below(APPS)));
    measure("effective access, the app with 400 shares", &tenant, |rng| (rng.below(USERS), 0));
}
