//! The members list: space members and app-share users in one list, with every source of their roles.

use super::*;

/// The rows of the members list before filtering: the owner, every assignment and every share
/// assignee, each with every role from every source.
pub(super) fn member_rows(
    space: &SpaceRow,
    tenant_name: &str,
    assignments: &[AssignmentRow],
    shares: &[ShareRow],
    memberships: &[(String, String, String)],
) -> Vec<MemberRow> {
    let space_type = space.kind();
    let group_name: BTreeMap<&str, &str> = memberships
        .iter()
        .map(|(_, g, n)| (g.as_str(), n.as_str()))
        .collect();
    let groups_of = |user: &str| -> BTreeSet<&str> {
        memberships
            .iter()
            .filter(|(u, _, _)| u == user)
            .map(|(_, g, _)| g.as_str())
            .collect()
    };

    // (assignee type, id) -> (name, email)
    let mut people: BTreeMap<(ShareAssignee, String), (String, String)> = BTreeMap::new();
    if let (Some(owner), Some(name)) = (&space.owner_id, &space.owner_name) {
        people.insert(
            (ShareAssignee::User, owner.clone()),
            (name.clone(), String::new()),
        );
    }
    for a in assignments {
        let key = match (&a.user_id, &a.group_id) {
            (Some(u), _) => (ShareAssignee::User, u.clone()),
            (_, Some(g)) => (ShareAssignee::Group, g.clone()),
            _ => continue,
        };
        people.insert(key, (a.assignee_name.clone(), a.assignee_email.clone()));
    }
    for s in shares {
        let share = share_from_row(s.clone(), tenant_name);
        people
            .entry((share.assignee_type, share.assignee_id.clone()))
            .or_insert((share.assignee_name, share.assignee_email));
    }

    let shared_directly = |s: &ShareRow, kind: ShareAssignee, id: &str| match kind {
        ShareAssignee::User => s.user_id.as_deref() == Some(id),
        ShareAssignee::Group => s.group_id.as_deref() == Some(id),
        ShareAssignee::Everyone => s.assignee_type == "everyone",
        // Links are left out of the people (see `members`).
        ShareAssignee::Link => false,
    };

    let mut rows = Vec::new();
    for ((kind, id), (name, email)) in people {
        let mut grants: Vec<(Grant, String)> = Vec::new();
        let owner = kind == ShareAssignee::User && space.owner_id.as_deref() == Some(id.as_str());
        if owner {
            grants.push((
                Grant {
                    source: Source::SpaceOwner,
                    roles: vec![],
                },
                "Space owner".into(),
            ));
        }
        let own_assignment = assignments.iter().find(|a| match kind {
            ShareAssignee::User => a.user_id.as_deref() == Some(id.as_str()),
            ShareAssignee::Group => a.group_id.as_deref() == Some(id.as_str()),
            ShareAssignee::Everyone | ShareAssignee::Link => false,
        });
        if let Some(a) = own_assignment {
            grants.push((
                Grant {
                    source: Source::SpaceMember,
                    roles: roles_from_text(&a.roles),
                },
                "Space member".into(),
            ));
        }
        let user_groups = if kind == ShareAssignee::User {
            groups_of(&id)
        } else {
            BTreeSet::new()
        };
        for a in assignments.iter().filter(|a| {
            a.group_id
                .as_deref()
                .is_some_and(|g| user_groups.contains(g))
        }) {
            let g = a.group_id.clone().unwrap_or_default();
            let label = format!(
                "Space member through group {}",
                group_name.get(g.as_str()).unwrap_or(&"")
            );
            grants.push((
                Grant {
                    source: Source::SpaceGroup { group_id: g },
                    roles: roles_from_text(&a.roles),
                },
                label,
            ));
        }
        let mut shared_apps = Vec::new();
        for s in shares.iter().filter(|s| s.disabled == 0) {
            let direct = shared_directly(s, kind, &id);
            let roles = roles_from_text(&s.roles);
            if direct {
                shared_apps.push(SharedApp {
                    share_id: s.id.clone(),
                    app_id: s.app_id.clone(),
                    app_name: s.app_name.clone(),
                    roles: roles.clone(),
                    disabled: false,
                });
                let source = match kind {
                    ShareAssignee::User => Source::ShareToUser,
                    ShareAssignee::Group => Source::ShareToGroup {
                        group_id: id.clone(),
                    },
                    ShareAssignee::Everyone | ShareAssignee::Link => Source::ShareToEveryone,
                };
                grants.push((
                    Grant { source, roles },
                    format!("App \"{}\", shared directly", s.app_name),
                ));
            } else if kind == ShareAssignee::User {
                if let Some(g) = s.group_id.as_deref().filter(|g| user_groups.contains(g)) {
                    let label = format!(
                        "App \"{}\", shared with group {}",
                        s.app_name,
                        group_name.get(g).unwrap_or(&"")
                    );
                    grants.push((
                        Grant {
                            source: Source::ShareToGroup {
                                group_id: g.to_string(),
                            },
                            roles,
                        },
                        label,
                    ));
                } else if s.assignee_type == "everyone" {
                    grants.push((
                        Grant {
                            source: Source::ShareToEveryone,
                            roles,
                        },
                        format!(
                            "App \"{}\", shared with everyone at {tenant_name}",
                            s.app_name
                        ),
                    ));
                }
            }
        }
        // Disabled shares are listed (they can be turned back on) but give nothing.
        for s in shares.iter().filter(|s| s.disabled != 0) {
            if shared_directly(s, kind, &id) {
                shared_apps.push(SharedApp {
                    share_id: s.id.clone(),
                    app_id: s.app_id.clone(),
                    app_name: s.app_name.clone(),
                    roles: roles_from_text(&s.roles),
                    disabled: true,
                });
            }
        }

        let plain: Vec<Grant> = grants.iter().map(|(g, _)| g.clone()).collect();
        let access = effective_access(space_type, &plain, SharerPermissions::default());
        let mut roles: Vec<HeldRole> = Vec::new();
        if owner {
            roles.push(HeldRole {
                role: "Owner".into(),
                api_name: "owner".into(),
                sources: vec!["Space owner".into()],
            });
        }
        for (role, _) in &access.roles {
            let sources = grants
                .iter()
                .filter(|(g, _)| g.roles.contains(role))
                .map(|(_, label)| label.clone())
                .collect();
            roles.push(HeldRole {
                role: role.ui_name().into(),
                api_name: role.api_name().into(),
                sources,
            });
        }
        let member = owner || own_assignment.is_some();
        let access_kind = match (member, shared_apps.is_empty()) {
            (true, true) => AccessKind::Member,
            (true, false) => AccessKind::Both,
            (false, _) => AccessKind::AppAccess,
        };
        rows.push(MemberRow {
            assignee_type: kind,
            assignee_id: id,
            name,
            email,
            owner,
            access: access_kind,
            assignment_id: own_assignment.map(|a| a.id.clone()),
            assignment_roles: own_assignment
                .map(|a| roles_from_text(&a.roles))
                .unwrap_or_default(),
            shared_apps,
            highest: access.highest().unwrap_or("No access").to_string(),
            roles,
        });
    }
    // Owner first, then by name.
    rows.sort_by_key(|r| {
        (
            !r.owner,
            r.assignee_type == ShareAssignee::Everyone,
            r.name.to_lowercase(),
        )
    });
    rows
}

pub(super) fn matches(row: &MemberRow, query: &MemberQuery) -> bool {
    let search = query.search.trim().to_lowercase();
    let found = search.is_empty()
        || row.name.to_lowercase().contains(&search)
        || row.email.to_lowercase().contains(&search);
    let role = query.role.is_empty() || row.roles.iter().any(|r| r.api_name == query.role);
    let access = match query.access {
        None => true,
        Some(AccessKind::Member) => matches!(row.access, AccessKind::Member | AccessKind::Both),
        Some(AccessKind::AppAccess) => {
            matches!(row.access, AccessKind::AppAccess | AccessKind::Both)
        }
        Some(AccessKind::Both) => row.access == AccessKind::Both,
    };
    found && role && access
}

/// "Anonymous access" is app access with Can view, and is found by its name.
pub(super) fn anonymous_row_matches(query: &MemberQuery) -> bool {
    let search = query.search.trim().to_lowercase();
    (search.is_empty() || "anonymous access".contains(&search))
        && (query.role.is_empty() || query.role == SpaceRole::Consumer.api_name())
        && matches!(query.access, None | Some(AccessKind::AppAccess))
}

/// The members list: space members and shared-app users in one list. Shared-app users who are
/// not members never see it.
pub async fn list_members(
    state: &AppState,
    principal: &Principal,
    space_id: &str,
    query: MemberQuery,
) -> Result<MembersPage, AppError> {
    if !query.role.is_empty() && query.role != "owner" {
        SpaceRole::parse(&query.role)?;
    }
    let mut conn = state.db.acquire().await?;
    let (space, access) = load_space(&mut conn, principal, space_id).await?;
    if space.kind() == SpaceType::Personal {
        return Err(AppError::invalid(
            "space",
            "A personal space has no members.",
        ));
    }
    if !access.can(SpaceAction::ViewMembers) {
        return Err(AppError::forbidden(
            "Only space members see the members of a space.",
        ));
    }
    let assignments = space_store::list_assignments(&mut conn, &space.id).await?;
    // Anonymous links are one member of their own ("Anonymous access"), not people.
    let shares: Vec<ShareRow> = store::list_shares(&mut conn, &space.id, &ShareFilter::default())
        .await?
        .into_iter()
        .filter(|s| s.assignee_type != ShareAssignee::Link.api_name())
        .collect();
    let group_ids: Vec<String> = assignments
        .iter()
        .filter_map(|a| a.group_id.clone())
        .chain(shares.iter().filter_map(|s| s.group_id.clone()))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let memberships = store::memberships(&mut conn, &group_ids).await?;
    let all = member_rows(
        &space,
        &principal.tenant_name,
        &assignments,
        &shares,
        &memberships,
    );
    let total = all.len();
    let can_manage = access.can(SpaceAction::ManageMembers);
    let anonymous_apps = if can_manage && anonymous_row_matches(&query) {
        crate::anonymous::service::apps_with_live_links(&mut conn, &space.id, state.now()).await?
    } else {
        Vec::new()
    };
    Ok(MembersPage {
        anonymous_apps,
        space_id: space.id.clone(),
        space_name: space.name.clone(),
        space_type: space.kind(),
        tenant_name: principal.tenant_name.clone(),
        can_manage: access.can(SpaceAction::ManageMembers),
        rows: all.into_iter().filter(|r| matches(r, &query)).collect(),
        total,
    })
}
