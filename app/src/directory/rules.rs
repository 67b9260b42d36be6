//! Directory rules: what a valid name or email is, which permissions exist, what each kind of
//! role grants, and how a user's permissions add up. Pure: no I/O.

use std::collections::BTreeSet;

use crate::error::AppError;
use serde::{Deserialize, Serialize};

pub const MAX_NAME_CHARS: usize = 200;
pub const MAX_EMAIL_CHARS: usize = 254;
pub const MAX_DESCRIPTION_CHARS: usize = 1000;

/// A permission a role can grant. The wire name (`as_str`) is what the REST API and the
/// database use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Permission {
    ShareApps,
    AnonymousAccessLink,
    CreateSharedSpaces,
    CreateManagedSpaces,
    ManageAllowedOrigins,
    CreateApiKeys,
    ManageDirectory,
    ViewAuditLog,
    /// Manage every shared and managed space: members, owner, details, deletion.
    ManageSpaces,
    /// Start collaborative sessions that people without an account join ("Anyone with the
    /// link", "Anyone I admit"): anonymous access, given to nobody by default.
    CollabOutsiders,
}

impl Permission {
    pub const ALL: [Permission; 10] = [
        Permission::ShareApps,
        Permission::AnonymousAccessLink,
        Permission::CreateSharedSpaces,
        Permission::CreateManagedSpaces,
        Permission::ManageAllowedOrigins,
        Permission::CreateApiKeys,
        Permission::ManageDirectory,
        Permission::ViewAuditLog,
        Permission::ManageSpaces,
        Permission::CollabOutsiders,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Permission::ShareApps => "share_apps",
            Permission::AnonymousAccessLink => "anonymous_access_link",
            Permission::CreateSharedSpaces => "create_shared_spaces",
            Permission::CreateManagedSpaces => "create_managed_spaces",
            Permission::ManageAllowedOrigins => "manage_allowed_origins",
            Permission::CreateApiKeys => "create_api_keys",
            Permission::ManageDirectory => "manage_directory",
            Permission::ViewAuditLog => "view_audit_log",
            Permission::ManageSpaces => "manage_spaces",
            Permission::CollabOutsiders => "collab_outsiders",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Permission::ShareApps => "Share apps with people who are not space members",
            Permission::AnonymousAccessLink => "Create anonymous access links and embed codes",
            Permission::CreateSharedSpaces => "Create shared spaces",
            Permission::CreateManagedSpaces => "Create managed spaces",
            Permission::ManageAllowedOrigins => "Manage the sites allowed to embed Sightline",
            Permission::CreateApiKeys => "Create personal API keys",
            Permission::ManageDirectory => "Manage users, groups and roles",
            Permission::ViewAuditLog => "View the audit log",
            Permission::ManageSpaces => "Manage every shared and managed space",
            Permission::CollabOutsiders => {
                "Start collaborative sessions that people without an account can join"
            }
        }
    }

    pub fn parse(name: &str) -> Result<Permission, AppError> {
        Permission::ALL
            .into_iter()
            .find(|p| p.as_str() == name)
            .ok_or_else(|| {
                let known: Vec<_> = Permission::ALL.iter().map(|p| p.as_str()).collect();
                AppError::invalid(
                    "permissions",
                    format!(
                        "Unknown permission \"{name}\". Known permissions: {}.",
                        known.join(", ")
                    ),
                )
            })
    }
}

/// The kinds of role. Tenant admin and Analytics admin are tenant roles with a fixed set of
/// permissions; User Default applies to every user; custom roles are made by admins.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum RoleKind {
    TenantAdmin,
    AnalyticsAdmin,
    UserDefault,
    Custom,
}

impl RoleKind {
    pub fn as_str(self) -> &'static str {
        match self {
            RoleKind::TenantAdmin => "tenant_admin",
            RoleKind::AnalyticsAdmin => "analytics_admin",
            RoleKind::UserDefault => "user_default",
            RoleKind::Custom => "custom",
        }
    }

    pub fn parse(value: &str) -> Option<RoleKind> {
        [
            RoleKind::TenantAdmin,
            RoleKind::AnalyticsAdmin,
            RoleKind::UserDefault,
            RoleKind::Custom,
        ]
        .into_iter()
        .find(|k| k.as_str() == value)
    }

    /// The name the role is created with and that Qlik clients know it by.
    pub fn builtin_name(self) -> &'static str {
        match self {
            RoleKind::TenantAdmin => "TenantAdmin",
            RoleKind::AnalyticsAdmin => "AnalyticsAdmin",
            RoleKind::UserDefault => "User Default",
            RoleKind::Custom => "",
        }
    }

    /// Qlik's `level`: admin roles versus user roles.
    pub fn level(self) -> &'static str {
        match self {
            RoleKind::TenantAdmin | RoleKind::AnalyticsAdmin => "admin",
            RoleKind::UserDefault | RoleKind::Custom => "user",
        }
    }

    /// Qlik's `type`: built in (`default`) or made by an admin (`custom`).
    pub fn qlik_type(self) -> &'static str {
        match self {
            RoleKind::Custom => "custom",
            _ => "default",
        }
    }

    /// Admin roles grant a fixed set; User Default and custom roles grant what admins choose.
    pub fn fixed_permissions(self) -> Option<&'static [Permission]> {
        match self {
            RoleKind::TenantAdmin => Some(&[
                Permission::ManageDirectory,
                Permission::ViewAuditLog,
                Permission::ManageAllowedOrigins,
                Permission::CreateSharedSpaces,
                Permission::CreateManagedSpaces,
                Permission::CreateApiKeys,
                Permission::ManageSpaces,
            ]),
            RoleKind::AnalyticsAdmin => Some(&[
                Permission::ViewAuditLog,
                Permission::ManageSpaces,
                Permission::CreateSharedSpaces,
                Permission::CreateManagedSpaces,
                Permission::CreateApiKeys,
            ]),
            RoleKind::UserDefault | RoleKind::Custom => None,
        }
    }

    /// Roles that can be given to a user or group. User Default applies to everyone already.
    pub fn is_assignable(self) -> bool {
        self != RoleKind::UserDefault
    }

    /// What User Default grants in a new tenant. Anonymous access is allowed to nobody by
    /// default, tenant admins included.
    pub fn initial_user_default() -> &'static [Permission] {
        &[
            Permission::ShareApps,
            Permission::CreateSharedSpaces,
            Permission::CreateApiKeys,
        ]
    }
}

/// The permissions a user holds: User Default, plus every role given to them or to a group
/// they belong to.
pub fn effective_permissions<'a>(
    granted_by_roles: impl IntoIterator<Item = (RoleKind, &'a [Permission])>,
) -> BTreeSet<Permission> {
    granted_by_roles
        .into_iter()
        .flat_map(|(kind, chosen)| kind.fixed_permissions().unwrap_or(chosen).iter().copied())
        .collect()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum UserStatus {
    Active,
    Invited,
    Disabled,
}

impl UserStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            UserStatus::Active => "active",
            UserStatus::Invited => "invited",
            UserStatus::Disabled => "disabled",
        }
    }

    pub fn parse(value: &str) -> Result<UserStatus, AppError> {
        match value {
            "active" => Ok(UserStatus::Active),
            "invited" => Ok(UserStatus::Invited),
            "disabled" => Ok(UserStatus::Disabled),
            other => Err(AppError::invalid(
                "status",
                format!("Unknown status \"{other}\": use active, invited or disabled."),
            )),
        }
    }
}

/// Trims a name and checks it is neither empty nor too long.
pub fn clean_name(field: &str, value: &str, max_chars: usize) -> Result<String, AppError> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Err(AppError::invalid(
            field,
            format!("The {field} must not be empty."),
        ));
    }
    let count = trimmed.chars().count();
    if count > max_chars {
        return Err(AppError::invalid(
            field,
            format!("The {field} has {count} characters; at most {max_chars} are allowed."),
        ));
    }
    if trimmed.chars().any(char::is_control) {
        return Err(AppError::invalid(
            field,
            format!("The {field} must not contain control characters."),
        ));
    }
    Ok(trimmed.to_string())
}

/// Optional free text: trimmed, may be empty, bounded.
pub fn clean_description(value: &str) -> Result<String, AppError> {
    let trimmed = value.trim();
    let count = trimmed.chars().count();
    if count > MAX_DESCRIPTION_CHARS {
        return Err(AppError::invalid(
            "description",
            format!("The description has {count} characters; at most {MAX_DESCRIPTION_CHARS} are allowed."),
        ));
    }
    Ok(trimmed.to_string())
}

/// Checks the shape of an email address and returns it trimmed. Deliverability is not ours to
/// judge; a plausible address is.
pub fn clean_email(value: &str) -> Result<String, AppError> {
    let email = value.trim();
    let bad = |why: &str| {
        AppError::invalid(
            "email",
            format!("\"{email}\" is not a valid email address: {why}."),
        )
    };
    if email.is_empty() {
        return Err(AppError::invalid("email", "The email must not be empty."));
    }
    if email.chars().count() > MAX_EMAIL_CHARS {
        return Err(bad(&format!(
            "it is longer than {MAX_EMAIL_CHARS} characters"
        )));
    }
    if email.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(bad("it contains spaces"));
    }
    let Some((local, domain)) = email.rsplit_once('@') else {
        return Err(bad("it has no @"));
    };
    if local.is_empty() || local.contains('@') {
        return Err(bad("the part before the @ is empty or has another @"));
    }
    let labels: Vec<&str> = domain.split('.').collect();
    if labels.len() < 2 || labels.iter().any(|l| l.is_empty()) {
        return Err(bad("the domain after the @ needs a dot, as in example.com"));
    }
    Ok(email.to_string())
}

/// The key under which names and emails are unique: case does not make a new one.
pub fn unique_key(value: &str) -> String {
    value.trim().to_lowercase()
}

/// Whether someone may reset another's password: the link they get signs in as that person, so
/// they must already hold everything that person may do (a tenant admin's only by a tenant
/// admin).
pub fn may_reset_password(
    caller: (&BTreeSet<Permission>, bool),
    target: (&BTreeSet<Permission>, bool),
) -> Result<(), AppError> {
    let (caller_permissions, caller_admin) = caller;
    let (target_permissions, target_admin) = target;
    if target_admin && !caller_admin {
        return Err(AppError::forbidden(
            "Only a tenant admin may reset a tenant admin's password.",
        ));
    }
    if let Some(missing) = target_permissions
        .iter()
        .find(|p| !caller_admin && !caller_permissions.contains(p))
    {
        return Err(AppError::forbidden(format!(
            "They may {}, which you may not: a tenant admin resets their password.",
            missing.label().to_lowercase()
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permissions_add_up_across_user_default_custom_and_admin_roles() {
        let user_default = [Permission::ShareApps];
        let custom = [Permission::AnonymousAccessLink];
        let cases: Vec<(&str, Vec<(RoleKind, &[Permission])>, Vec<Permission>)> = vec![
            (
                "User Default alone",
                vec![(RoleKind::UserDefault, &user_default)],
                vec![Permission::ShareApps],
            ),
            (
                "a custom role adds to User Default",
                vec![
                    (RoleKind::UserDefault, &user_default),
                    (RoleKind::Custom, &custom),
                ],
                vec![Permission::ShareApps, Permission::AnonymousAccessLink],
            ),
            (
                "a tenant admin gets the fixed admin set, and no anonymous access by it",
                vec![(RoleKind::TenantAdmin, &custom)],
                RoleKind::TenantAdmin.fixed_permissions().unwrap().to_vec(),
            ),
        ];
        for (case, roles, expected) in cases {
            let got = effective_permissions(roles);
            let expected: BTreeSet<_> = expected.into_iter().collect();
            assert_eq!(got, expected, "{case}");
        }
    }

    #[test]
    fn anonymous_access_is_allowed_to_nobody_by_default() {
        for anonymous in [Permission::AnonymousAccessLink, Permission::CollabOutsiders] {
            assert!(!RoleKind::initial_user_default().contains(&anonymous));
            for admin in [RoleKind::TenantAdmin, RoleKind::AnalyticsAdmin] {
                assert!(!admin.fixed_permissions().unwrap().contains(&anonymous));
            }
        }
        for admin in [RoleKind::TenantAdmin, RoleKind::AnalyticsAdmin] {
            assert!(!admin
                .fixed_permissions()
                .unwrap()
                .contains(&Permission::AnonymousAccessLink));
        }
    }

    #[test]
    fn emails_are_checked_with_a_reason() {
        let cases = [
            ("ada@example.com", Ok("ada@example.com")),
            ("  ada@example.com ", Ok("ada@example.com")),
            ("", Err("must not be empty")),
            ("ada", Err("has no @")),
            ("@example.com", Err("before the @")),
            ("ada@example", Err("needs a dot")),
            ("ada@exa mple.com", Err("contains spaces")),
            ("ada@example..com", Err("needs a dot")),
        ];
        for (input, expected) in cases {
            match (clean_email(input), expected) {
                (Ok(got), Ok(want)) => assert_eq!(got, want, "{input}"),
                (Err(err), Err(fragment)) => {
                    assert!(err.to_string().contains(fragment), "{input}: {err}")
                }
                (got, want) => panic!("{input}: got {got:?}, wanted {want:?}"),
            }
        }
        let long = format!("{}@example.com", "a".repeat(250));
        assert!(clean_email(&long)
            .unwrap_err()
            .to_string()
            .contains("longer than 254"));
    }

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(clean_name("name", "  Finance ", 10).unwrap(), "Finance");
        assert!(clean_name("name", "   ", 10)
            .unwrap_err()
            .to_string()
            .contains("must not be empty"));
        let err = clean_name("name", "abcdefghijk", 10)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("11 characters") && err.contains("at most 10"),
            "{err}"
        );
        assert!(clean_name("name", "a\u{7}b", 10).is_err());
    }

    #[test]
    fn unknown_permissions_and_statuses_are_named() {
        let err = Permission::parse("fly").unwrap_err().to_string();
        assert!(
            err.contains("\"fly\"") && err.contains("share_apps"),
            "{err}"
        );
        assert!(UserStatus::parse("sleeping")
            .unwrap_err()
            .to_string()
            .contains("active, invited or disabled"));
        for p in Permission::ALL {
            assert_eq!(Permission::parse(p.as_str()).unwrap(), p);
        }
    }

    #[test]
    fn case_does_not_make_a_new_name() {
        assert_eq!(
            unique_key(" Ada@Example.COM "),
            unique_key("ada@example.com")
        );
    }

    #[test]
    fn a_password_is_reset_only_by_someone_who_may_do_all_its_owner_may() {
        use Permission::*;
        let set = |ps: &[Permission]| ps.iter().copied().collect::<BTreeSet<_>>();
        let cases: Vec<(&str, (&[Permission], bool), (&[Permission], bool), bool)> = vec![
            (
                "a directory manager resets a viewer",
                (&[ManageDirectory], false),
                (&[], false),
                true,
            ),
            (
                "a tenant admin resets another",
                (&[], true),
                (&[], true),
                true,
            ),
            (
                "a manager does not reset a tenant admin",
                (&[ManageDirectory], false),
                (&[], true),
                false,
            ),
            (
                "a manager does not reset someone with more",
                (&[ManageDirectory], false),
                (&[ManageDirectory, ViewAuditLog], false),
                false,
            ),
            (
                "a tenant admin resets anyone",
                (&[], true),
                (&[ViewAuditLog], false),
                true,
            ),
        ];
        for (case, caller, target, allowed) in cases {
            let (cp, tp) = (set(caller.0), set(target.0));
            assert_eq!(
                may_reset_password((&cp, caller.1), (&tp, target.1)).is_ok(),
                allowed,
                "{case}"
            );
        }
    }
}
