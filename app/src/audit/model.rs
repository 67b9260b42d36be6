use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEvent {
    pub id: String,
    pub at: i64,
    pub actor_id: Option<String>,
    pub actor_name: String,
    pub action: String,
    pub target_type: String,
    pub target_id: String,
    pub target_name: String,
    pub detail: String,
}

/// Filters for browsing the log; empty fields do not filter.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditQuery {
    /// An action or the start of one: `user.` matches every user action.
    pub action: String,
    /// Matches the actor's name, case-insensitively.
    pub actor: String,
    /// Matches the target's name or id, case-insensitively.
    pub target: String,
    /// Show events older than this cursor (from `AuditPage::older`), paging back in time.
    pub before: Option<String>,
    pub limit: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditPage {
    pub events: Vec<AuditEvent>,
    /// Pass as `before` to get the next (older) page.
    pub older: Option<String>,
}

/// Every action the audit log records, by the name it is stored and filtered under. Services
/// name one of these when they record; the audit page's filter lists them all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AuditAction {
    AuthSignIn,
    AuthSignInFailed,
    AuthSignInToken,
    AuthSignInSso,
    AuthSignOut,
    AuthSignOutEverywhere,
    AuthPasswordSet,
    AuthPasswordResetRequest,
    ApiKeyCreate,
    ApiKeyRevoke,
    UserCreate,
    UserUpdate,
    UserDelete,
    UserInviteReissued,
    UserPasswordReset,
    GroupCreate,
    GroupUpdate,
    GroupDelete,
    GroupMemberAdd,
    GroupMemberRemove,
    RoleCreate,
    RoleUpdate,
    RoleDelete,
    RoleAssign,
    SpaceCreate,
    SpaceUpdate,
    SpaceDelete,
    SpaceAssignmentCreate,
    SpaceAssignmentUpdate,
    SpaceAssignmentDelete,
    ShareCreate,
    ShareUpdate,
    ShareDelete,
    ShareDeleteAll,
    AppCreate,
    AppLoad,
    AppUpdate,
    AppDelete,
    AppDuplicate,
    AppMove,
    AppPublish,
    AppRepublish,
    AppSectionAccess,
    SheetCreate,
    SheetDelete,
    AnonymousToggle,
    AnonymousLinkCreate,
    AnonymousLinkUpdate,
    AnonymousLinkDelete,
    AnonymousCodeReset,
    AnonymousCapacity,
    OriginSave,
    OriginDelete,
    LicenceSettingsUpdate,
    LicenceAssign,
    LicenceRemove,
    CollabStart,
    CollabJoin,
    CollabRemove,
    CollabEnd,
    CollabSelect,
    CollabSettings,
    ReloadCreate,
    ReloadCancel,
    ReloadTaskCreate,
    ReloadTaskUpdate,
    ReloadTaskDelete,
    ReloadTaskDisable,
    IdpCreate,
    IdpUpdate,
    IdpDelete,
    IdpPasswordPolicy,
    ScimToken,
    ConnectionCreate,
    ConnectionUpdate,
    ConnectionDelete,
    ConnectionHosts,
}

impl AuditAction {
    /// Every action, grouped by the prefix of its name.
    pub const ALL: [AuditAction; 77] = [
        AuditAction::AuthSignIn,
        AuditAction::AuthSignInFailed,
        AuditAction::AuthSignInToken,
        AuditAction::AuthSignInSso,
        AuditAction::AuthSignOut,
        AuditAction::AuthSignOutEverywhere,
        AuditAction::AuthPasswordSet,
        AuditAction::AuthPasswordResetRequest,
        AuditAction::ApiKeyCreate,
        AuditAction::ApiKeyRevoke,
        AuditAction::UserCreate,
        AuditAction::UserUpdate,
        AuditAction::UserDelete,
        AuditAction::UserInviteReissued,
        AuditAction::UserPasswordReset,
        AuditAction::GroupCreate,
        AuditAction::GroupUpdate,
        AuditAction::GroupDelete,
        AuditAction::GroupMemberAdd,
        AuditAction::GroupMemberRemove,
        AuditAction::RoleCreate,
        AuditAction::RoleUpdate,
        AuditAction::RoleDelete,
        AuditAction::RoleAssign,
        AuditAction::SpaceCreate,
        AuditAction::SpaceUpdate,
        AuditAction::SpaceDelete,
        AuditAction::SpaceAssignmentCreate,
        AuditAction::SpaceAssignmentUpdate,
        AuditAction::SpaceAssignmentDelete,
        AuditAction::ShareCreate,
        AuditAction::ShareUpdate,
        AuditAction::ShareDelete,
        AuditAction::ShareDeleteAll,
        AuditAction::AppCreate,
        AuditAction::AppLoad,
        AuditAction::AppUpdate,
        AuditAction::AppDelete,
        AuditAction::AppDuplicate,
        AuditAction::AppMove,
        AuditAction::AppPublish,
        AuditAction::AppRepublish,
        AuditAction::AppSectionAccess,
        AuditAction::SheetCreate,
        AuditAction::SheetDelete,
        AuditAction::AnonymousToggle,
        AuditAction::AnonymousLinkCreate,
        AuditAction::AnonymousLinkUpdate,
        AuditAction::AnonymousLinkDelete,
        AuditAction::AnonymousCodeReset,
        AuditAction::AnonymousCapacity,
        AuditAction::OriginSave,
        AuditAction::OriginDelete,
        AuditAction::LicenceSettingsUpdate,
        AuditAction::LicenceAssign,
        AuditAction::LicenceRemove,
        AuditAction::CollabStart,
        AuditAction::CollabJoin,
        AuditAction::CollabRemove,
        AuditAction::CollabEnd,
        AuditAction::CollabSelect,
        AuditAction::CollabSettings,
        AuditAction::ReloadCreate,
        AuditAction::ReloadCancel,
        AuditAction::ReloadTaskCreate,
        AuditAction::ReloadTaskUpdate,
        AuditAction::ReloadTaskDelete,
        AuditAction::ReloadTaskDisable,
        AuditAction::IdpCreate,
        AuditAction::IdpUpdate,
        AuditAction::IdpDelete,
        AuditAction::IdpPasswordPolicy,
        AuditAction::ScimToken,
        AuditAction::ConnectionCreate,
        AuditAction::ConnectionUpdate,
        AuditAction::ConnectionDelete,
        AuditAction::ConnectionHosts,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AuditAction::AuthSignIn => "auth.sign_in",
            AuditAction::AuthSignInFailed => "auth.sign_in_failed",
            AuditAction::AuthSignInToken => "auth.sign_in_token",
            AuditAction::AuthSignInSso => "auth.sign_in_sso",
            AuditAction::AuthSignOut => "auth.sign_out",
            AuditAction::AuthSignOutEverywhere => "auth.sign_out_everywhere",
            AuditAction::AuthPasswordSet => "auth.password_set",
            AuditAction::AuthPasswordResetRequest => "auth.password_reset_request",
            AuditAction::ApiKeyCreate => "api_key.create",
            AuditAction::ApiKeyRevoke => "api_key.revoke",
            AuditAction::UserCreate => "user.create",
            AuditAction::UserUpdate => "user.update",
            AuditAction::UserDelete => "user.delete",
            AuditAction::UserInviteReissued => "user.invite_reissued",
            AuditAction::UserPasswordReset => "user.password_reset",
            AuditAction::GroupCreate => "group.create",
            AuditAction::GroupUpdate => "group.update",
            AuditAction::GroupDelete => "group.delete",
            AuditAction::GroupMemberAdd => "group.member_add",
            AuditAction::GroupMemberRemove => "group.member_remove",
            AuditAction::RoleCreate => "role.create",
            AuditAction::RoleUpdate => "role.update",
            AuditAction::RoleDelete => "role.delete",
            AuditAction::RoleAssign => "role.assign",
            AuditAction::SpaceCreate => "space.create",
            AuditAction::SpaceUpdate => "space.update",
            AuditAction::SpaceDelete => "space.delete",
            AuditAction::SpaceAssignmentCreate => "space.assignment.create",
            AuditAction::SpaceAssignmentUpdate => "space.assignment.update",
            AuditAction::SpaceAssignmentDelete => "space.assignment.delete",
            AuditAction::ShareCreate => "share.create",
            AuditAction::ShareUpdate => "share.update",
            AuditAction::ShareDelete => "share.delete",
            AuditAction::ShareDeleteAll => "share.delete_all",
            AuditAction::AppCreate => "app.create",
            AuditAction::AppLoad => "app.load",
            AuditAction::AppUpdate => "app.update",
            AuditAction::AppDelete => "app.delete",
            AuditAction::AppDuplicate => "app.duplicate",
            AuditAction::AppMove => "app.move",
            AuditAction::AppPublish => "app.publish",
            AuditAction::AppRepublish => "app.republish",
            AuditAction::AppSectionAccess => "app.section_access",
            AuditAction::SheetCreate => "sheet.create",
            AuditAction::SheetDelete => "sheet.delete",
            AuditAction::AnonymousToggle => "anonymous.toggle",
            AuditAction::AnonymousLinkCreate => "anonymous.link_create",
            AuditAction::AnonymousLinkUpdate => "anonymous.link_update",
            AuditAction::AnonymousLinkDelete => "anonymous.link_delete",
            AuditAction::AnonymousCodeReset => "anonymous.code_reset",
            AuditAction::AnonymousCapacity => "anonymous.capacity",
            AuditAction::OriginSave => "origin.save",
            AuditAction::OriginDelete => "origin.delete",
            AuditAction::LicenceSettingsUpdate => "licence.settings_update",
            AuditAction::LicenceAssign => "licence.assign",
            AuditAction::LicenceRemove => "licence.remove",
            AuditAction::CollabStart => "collab.start",
            AuditAction::CollabJoin => "collab.join",
            AuditAction::CollabRemove => "collab.remove",
            AuditAction::CollabEnd => "collab.end",
            AuditAction::CollabSelect => "collab.select",
            AuditAction::CollabSettings => "collab.settings",
            AuditAction::ReloadCreate => "reload.create",
            AuditAction::ReloadCancel => "reload.cancel",
            AuditAction::ReloadTaskCreate => "reload_task.create",
            AuditAction::ReloadTaskUpdate => "reload_task.update",
            AuditAction::ReloadTaskDelete => "reload_task.delete",
            AuditAction::ReloadTaskDisable => "reload_task.disable",
            AuditAction::IdpCreate => "identity_provider.create",
            AuditAction::IdpUpdate => "identity_provider.update",
            AuditAction::IdpDelete => "identity_provider.delete",
            AuditAction::IdpPasswordPolicy => "identity_provider.password_policy",
            AuditAction::ScimToken => "identity_provider.scim_token",
            AuditAction::ConnectionCreate => "data_connection.create",
            AuditAction::ConnectionUpdate => "data_connection.update",
            AuditAction::ConnectionDelete => "data_connection.delete",
            AuditAction::ConnectionHosts => "data_connection.hosts",
        }
    }
}

/// The paging cursor names the last event shown: its time and id, since several events can
/// share a millisecond.
pub fn cursor_of(event: &AuditEvent) -> String {
    format!("{}.{}", event.at, event.id)
}

pub fn parse_cursor(cursor: &str) -> Option<(i64, String)> {
    let (at, id) = cursor.split_once('.')?;
    Some((at.parse().ok()?, id.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_has_its_own_name_under_a_prefix() {
        let mut names: Vec<&str> = AuditAction::ALL.iter().map(|a| a.as_str()).collect();
        assert!(names.iter().all(|n| n.contains('.')), "{names:?}");
        names.sort();
        names.dedup();
        assert_eq!(names.len(), AuditAction::ALL.len());
    }
}
