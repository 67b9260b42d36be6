//! Effective access: the sources of a person's roles on one app in, their roles (highest first,
//! each with where it comes from) and the actions they may take out. Pure: every page, server
//! function and REST route is to ask this, and nothing else decides access.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::error::AppError;
use crate::spaces::rules::{check_roles_allowed, SpaceRole, SpaceType};

/// Where a role on an app comes from.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Source {
    /// The person owns the space.
    SpaceOwner,
    /// The person is a member of the space.
    SpaceMember,
    /// A group the person belongs to is a member of the space.
    SpaceGroup { group_id: String },
    /// The app is shared with the person.
    ShareToUser,
    /// The app is shared with a group the person belongs to.
    ShareToGroup { group_id: String },
    /// The app is shared with everyone in the tenant.
    ShareToEveryone,
}

impl Source {
    /// Space ownership and space assignments make a member; app shares do not.
    pub fn makes_member(&self) -> bool {
        matches!(
            self,
            Source::SpaceOwner | Source::SpaceMember | Source::SpaceGroup { .. }
        )
    }
}

/// One source and the roles it gives (none for ownership, which is more than any role).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grant {
    pub source: Source,
    pub roles: Vec<SpaceRole>,
}

/// What a person can do with an app.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum AppAction {
    Open,
    /// Make private sheets and bookmarks.
    Contribute,
    /// Change the app itself.
    Edit,
    Publish,
    /// Share the app with people who are not space members.
    Share,
    /// Turn anonymous links and embed codes on and off.
    ManageAnonymous,
    Delete,
    /// See the space's members section.
    ViewMembers,
    /// Load the app's data again, now or on a schedule: its editors, and in a managed space
    /// those who Can manage or Can operate it (Qlik's operator).
    Reload,
}

impl AppAction {
    /// The name in the REST API's `privileges` and `meta.actions`.
    pub fn api_name(self) -> &'static str {
        match self {
            AppAction::Open => "read",
            AppAction::Contribute => "contribute",
            AppAction::Edit => "update",
            AppAction::Publish => "publish",
            AppAction::Share => "share",
            AppAction::ManageAnonymous => "manage_anonymous_access",
            AppAction::Delete => "delete",
            AppAction::ViewMembers => "read_members",
            AppAction::Reload => "reload",
        }
    }
}

/// The tenant permissions that sharing actions need besides a space role.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SharerPermissions {
    pub share_apps: bool,
    pub anonymous_access_link: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Access {
    pub owner: bool,
    pub member: bool,
    /// Every role the person holds, the highest first, with the sources that give it.
    pub roles: Vec<(SpaceRole, Vec<Source>)>,
    pub actions: BTreeSet<AppAction>,
}

impl Access {
    pub fn can(&self, action: AppAction) -> bool {
        self.actions.contains(&action)
    }

    /// What the members list shows for the person: "Owner", or their highest role.
    pub fn highest(&self) -> Option<&'static str> {
        if self.owner {
            return Some("Owner");
        }
        self.roles.first().map(|(role, _)| role.ui_name())
    }
}

/// What a role allows with an app in a space of this type.
fn role_actions(role: SpaceRole, space: SpaceType) -> &'static [AppAction] {
    use AppAction::*;
    match (role, space) {
        (SpaceRole::Facilitator, SpaceType::Managed) => &[Open, Contribute, Delete, Reload],
        (SpaceRole::Facilitator, _) => &[Open, Contribute, Delete],
        (SpaceRole::Producer, SpaceType::Shared) => {
            &[Open, Contribute, Edit, Publish, Delete, Reload]
        }
        (SpaceRole::Publisher, SpaceType::Managed) => &[Open, Contribute, Publish, Delete],
        (SpaceRole::CoDeveloper, SpaceType::Shared) => &[Open, Contribute, Edit, Reload],
        (SpaceRole::Contributor, SpaceType::Managed) => &[Open, Contribute],
        (SpaceRole::Operator, SpaceType::Managed) => &[Open, Reload],
        (SpaceRole::Consumer | SpaceRole::BasicConsumer | SpaceRole::Operator, _) => &[Open],
        // Can consume data concerns data files, not apps; roles outside their space type give nothing.
        _ => &[],
    }
}

/// What the owner of a space can do with its apps. Apps in a managed space are published: they
/// change by republishing, never by editing in place.
fn owner_actions(space: SpaceType) -> &'static [AppAction] {
    use AppAction::*;
    match space {
        SpaceType::Managed => &[Open, Contribute, Publish, Delete, Reload],
        SpaceType::Personal | SpaceType::Shared => {
            &[Open, Contribute, Edit, Publish, Delete, Reload]
        }
    }
}

/// The highest permission applies: a person's actions are the union over every source, so a
/// share never lowers what someone already has.
pub fn effective_access(
    space: SpaceType,
    grants: &[Grant],
    permissions: SharerPermissions,
) -> Access {
    let owner = grants.iter().any(|g| g.source == Source::SpaceOwner);
    let member = grants.iter().any(|g| g.source.makes_member());
    let mut roles: Vec<(SpaceRole, Vec<Source>)> = Vec::new();
    for grant in grants {
        for role in &grant.roles {
            match roles.iter_mut().find(|(r, _)| r == role) {
                Some((_, sources)) => sources.push(grant.source.clone()),
                None => roles.push((*role, vec![grant.source.clone()])),
            }
        }
    }
    roles.sort_by_key(|(role, _)| *role);

    let mut actions: BTreeSet<AppAction> = roles
        .iter()
        .flat_map(|(role, _)| role_actions(*role, space).iter().copied())
        .collect();
    if owner {
        actions.extend(owner_actions(space));
    }
    let manager = owner
        || roles
            .iter()
            .any(|(role, _)| *role == SpaceRole::Facilitator);
    if manager && permissions.share_apps && space != SpaceType::Personal {
        actions.insert(AppAction::Share);
    }
    if manager && permissions.anonymous_access_link && space == SpaceType::Managed {
        actions.insert(AppAction::ManageAnonymous);
    }
    if member && !actions.is_empty() {
        actions.insert(AppAction::ViewMembers);
    }
    Access {
        owner,
        member,
        roles,
        actions,
    }
}

/// What a person can do with a space itself (its apps are decided app by app).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum SpaceAction {
    /// See the space and its details.
    View,
    /// See every app in the space (a shared-app user sees only the apps shared with them).
    ViewAllApps,
    /// See the members section.
    ViewMembers,
    /// Add, change and remove members, and manage app shares' assignees.
    ManageMembers,
    /// Rename and describe the space.
    EditDetails,
    ChangeOwner,
    Delete,
    /// Make new apps in the space (personal and shared spaces).
    CreateApp,
    /// Publish apps into the space (managed spaces).
    PublishInto,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpaceAccess {
    pub owner: bool,
    pub member: bool,
    /// Every space role the person holds through assignments, highest first, with its sources.
    pub roles: Vec<(SpaceRole, Vec<Source>)>,
    pub actions: BTreeSet<SpaceAction>,
}

impl SpaceAction {
    /// The name in the REST API's `meta.actions`.
    pub fn api_name(self) -> &'static str {
        match self {
            SpaceAction::View => "read",
            SpaceAction::ViewAllApps => "read_all_apps",
            SpaceAction::ViewMembers => "read_members",
            SpaceAction::ManageMembers => "manage_members",
            SpaceAction::EditDetails => "update",
            SpaceAction::ChangeOwner => "change_owner",
            SpaceAction::Delete => "delete",
            SpaceAction::CreateApp => "create_app",
            SpaceAction::PublishInto => "publish",
        }
    }
}

impl SpaceAccess {
    pub fn can(&self, action: SpaceAction) -> bool {
        self.actions.contains(&action)
    }
}

/// Who reaches a space, and how: `grants` are the space-level sources (ownership and
/// assignments), `has_app_shares` says whether an app of the space is shared with the person,
/// and `space_admin` whether they hold the tenant's `manage_spaces` permission. Admins manage a
/// shared or managed space (members, owner, details, deletion) without seeing its apps: to open
/// them they assign themselves a role, as the seed document says.
pub fn space_access(
    space: SpaceType,
    grants: &[Grant],
    has_app_shares: bool,
    space_admin: bool,
) -> SpaceAccess {
    use SpaceAction::*;
    let space_grants: Vec<Grant> = grants
        .iter()
        .filter(|g| g.source.makes_member())
        .cloned()
        .collect();
    let app_view = effective_access(space, &space_grants, SharerPermissions::default());
    let mut actions = BTreeSet::new();
    let holds = |role: SpaceRole| app_view.roles.iter().any(|(r, _)| *r == role);
    if app_view.owner {
        actions.extend([View, ViewAllApps, EditDetails, ChangeOwner, Delete]);
        if space != SpaceType::Personal {
            actions.extend([ViewMembers, ManageMembers]);
        }
        actions.insert(if space == SpaceType::Managed {
            PublishInto
        } else {
            CreateApp
        });
    }
    if app_view.member && !app_view.roles.is_empty() {
        actions.insert(View);
        if app_view.can(AppAction::Open) {
            actions.extend([ViewAllApps, ViewMembers]);
        }
    }
    if holds(SpaceRole::Facilitator) {
        actions.extend([ViewMembers, ManageMembers, EditDetails]);
    }
    if space == SpaceType::Shared && holds(SpaceRole::Producer) {
        actions.insert(CreateApp);
    }
    if space == SpaceType::Managed && (holds(SpaceRole::Publisher) || holds(SpaceRole::Facilitator))
    {
        actions.insert(PublishInto);
    }
    if has_app_shares {
        actions.insert(View);
    }
    if space_admin && space != SpaceType::Personal {
        actions.extend([
            View,
            ViewMembers,
            ManageMembers,
            EditDetails,
            ChangeOwner,
            Delete,
        ]);
    }
    SpaceAccess {
        owner: app_view.owner,
        member: app_view.member,
        roles: app_view.roles,
        actions,
    }
}

/// Explains why someone may not share an app, or says they may.
pub fn check_can_share(
    space: SpaceType,
    access: &Access,
    permissions: SharerPermissions,
) -> Result<(), AppError> {
    if space == SpaceType::Personal {
        return Err(AppError::forbidden("Apps in a personal space cannot be shared. Move the app to a shared or managed space first."));
    }
    if !(access.owner
        || access
            .roles
            .iter()
            .any(|(r, _)| *r == SpaceRole::Facilitator))
    {
        return Err(AppError::forbidden(
            "Only the space owner and members who can manage the space share its apps.",
        ));
    }
    if !permissions.share_apps {
        return Err(AppError::forbidden("You need the permission \"Share apps with people who are not space members\". A tenant admin can grant it."));
    }
    Ok(())
}

/// Checks the roles of a share: at least one, each allowed for shares from this type of space.
pub fn check_share_roles(space: SpaceType, roles: &[SpaceRole]) -> Result<(), AppError> {
    if roles.is_empty() {
        return Err(AppError::invalid(
            "roles",
            "A share needs at least one role.",
        ));
    }
    check_roles_allowed(
        roles,
        space.share_roles(),
        &format!("a share from a {} space", space.api_name()),
    )
}

pub const MAX_SHARES_PER_APP: usize = 400;
pub const MAX_SHARES_PER_ASSIGNEE: usize = 200;
pub const MAX_SHARES_PER_SPACE: usize = 400;

/// How many shares exist now, before the new one.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ShareCounts {
    pub app: usize,
    pub assignee: usize,
    pub space: usize,
}

/// Refuses the share past a limit, naming the limit and what to do instead.
pub fn check_share_limits(counts: ShareCounts) -> Result<(), AppError> {
    if counts.app >= MAX_SHARES_PER_APP {
        return Err(AppError::conflict(format!("This app is shared {MAX_SHARES_PER_APP} times, the most an app can be. Share it with a group, or make people space members.")));
    }
    if counts.assignee >= MAX_SHARES_PER_ASSIGNEE {
        return Err(AppError::conflict(format!("This user or group already has {MAX_SHARES_PER_ASSIGNEE} app shares in this space, the most allowed. Make them a space member instead.")));
    }
    if counts.space >= MAX_SHARES_PER_SPACE {
        return Err(AppError::conflict(format!("This space has {MAX_SHARES_PER_SPACE} app shares, the most a space can have. Make people space members, or share with groups.")));
    }
    Ok(())
}

#[cfg(test)]
mod tests;
