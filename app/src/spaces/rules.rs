//! Space types and space roles, with the UI and API names of Qlik Cloud's public REST reference,
//! and which roles each space type allows. Pure.

use serde::{Deserialize, Serialize};

use crate::error::AppError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum SpaceType {
    Personal,
    Shared,
    Managed,
}

impl SpaceType {
    pub fn api_name(self) -> &'static str {
        match self {
            SpaceType::Personal => "personal",
            SpaceType::Shared => "shared",
            SpaceType::Managed => "managed",
        }
    }

    pub fn parse(name: &str) -> Result<SpaceType, AppError> {
        match name {
            "personal" => Ok(SpaceType::Personal),
            "shared" => Ok(SpaceType::Shared),
            "managed" => Ok(SpaceType::Managed),
            other => Err(AppError::invalid(
                "type",
                format!("Unknown space type \"{other}\": use shared or managed."),
            )),
        }
    }

    /// The roles a member of a space of this type can hold. A personal space has no members.
    pub fn allowed_roles(self) -> &'static [SpaceRole] {
        use SpaceRole::*;
        match self {
            SpaceType::Personal => &[],
            SpaceType::Shared => &[CoDeveloper, Consumer, DataConsumer, Facilitator, Producer],
            SpaceType::Managed => &[
                Consumer,
                Contributor,
                DataConsumer,
                Facilitator,
                Publisher,
                BasicConsumer,
            ],
        }
    }

    /// The roles an app of a space of this type can be shared with (fine-grained sharing).
    pub fn share_roles(self) -> &'static [SpaceRole] {
        use SpaceRole::*;
        match self {
            SpaceType::Personal => &[],
            SpaceType::Shared => &[Consumer],
            SpaceType::Managed => &[Consumer, Contributor, BasicConsumer],
        }
    }
}

/// A space role. Declared from the most to the least capable, which is the order in which a
/// person's roles are shown ("the highest first").
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum SpaceRole {
    Facilitator,
    Producer,
    Publisher,
    CoDeveloper,
    Contributor,
    Operator,
    Consumer,
    BasicConsumer,
    DataConsumer,
}

impl SpaceRole {
    pub const ALL: [SpaceRole; 9] = [
        SpaceRole::Facilitator,
        SpaceRole::Producer,
        SpaceRole::Publisher,
        SpaceRole::CoDeveloper,
        SpaceRole::Contributor,
        SpaceRole::Operator,
        SpaceRole::Consumer,
        SpaceRole::BasicConsumer,
        SpaceRole::DataConsumer,
    ];

    /// The name in Qlik Cloud's REST API.
    pub fn api_name(self) -> &'static str {
        match self {
            SpaceRole::Consumer => "consumer",
            SpaceRole::Contributor => "contributor",
            SpaceRole::BasicConsumer => "basicconsumer",
            SpaceRole::Facilitator => "facilitator",
            SpaceRole::Producer => "producer",
            SpaceRole::Publisher => "publisher",
            SpaceRole::Operator => "operator",
            SpaceRole::DataConsumer => "dataconsumer",
            SpaceRole::CoDeveloper => "codeveloper",
        }
    }

    /// The name people see.
    pub fn ui_name(self) -> &'static str {
        match self {
            SpaceRole::Consumer => "Can view",
            SpaceRole::Contributor => "Can contribute",
            SpaceRole::BasicConsumer => "Has restricted view",
            SpaceRole::Facilitator => "Can manage",
            SpaceRole::Producer => "Can edit",
            SpaceRole::Publisher => "Can publish",
            SpaceRole::Operator => "Can operate",
            SpaceRole::DataConsumer => "Can consume data",
            SpaceRole::CoDeveloper => "Can edit data in apps",
        }
    }

    pub fn parse(api_name: &str) -> Result<SpaceRole, AppError> {
        SpaceRole::ALL
            .into_iter()
            .find(|r| r.api_name() == api_name)
            .ok_or_else(|| {
                let known: Vec<&str> = SpaceRole::ALL.iter().map(|r| r.api_name()).collect();
                AppError::invalid(
                    "roles",
                    format!(
                        "Unknown space role \"{api_name}\". Space roles: {}.",
                        known.join(", ")
                    ),
                )
            })
    }
}

/// Roles as people read them: "Can manage, Can view".
pub fn ui_names(roles: &[SpaceRole]) -> String {
    roles
        .iter()
        .map(|r| r.ui_name())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Roles as stored: API names joined by commas, the highest first, each once.
pub fn roles_to_text(roles: &[SpaceRole]) -> String {
    let mut sorted = roles.to_vec();
    sorted.sort();
    sorted.dedup();
    sorted
        .iter()
        .map(|r| r.api_name())
        .collect::<Vec<_>>()
        .join(",")
}

/// Roles as stored, read back; a name this version does not know is skipped.
pub fn roles_from_text(text: &str) -> Vec<SpaceRole> {
    text.split(',')
        .filter_map(|name| SpaceRole::parse(name).ok())
        .collect()
}

/// Parses API role names, naming the first unknown one.
pub fn parse_roles(names: &[String]) -> Result<Vec<SpaceRole>, AppError> {
    let mut roles = names
        .iter()
        .map(|n| SpaceRole::parse(n.trim()))
        .collect::<Result<Vec<_>, _>>()?;
    roles.sort();
    roles.dedup();
    Ok(roles)
}

/// Checks the roles of a space assignment: at least one, each allowed in this type of space.
pub fn check_assignment_roles(space: SpaceType, roles: &[SpaceRole]) -> Result<(), AppError> {
    if space == SpaceType::Personal {
        return Err(AppError::invalid("roles", "A personal space has no members; move the app to a shared or managed space to work with others."));
    }
    if roles.is_empty() {
        return Err(AppError::invalid(
            "roles",
            "A space member needs at least one role.",
        ));
    }
    check_roles_allowed(
        roles,
        space.allowed_roles(),
        &format!("a {} space", space.api_name()),
    )
}

/// Checks that every role is among `allowed`, naming the first that is not.
pub fn check_roles_allowed(
    roles: &[SpaceRole],
    allowed: &[SpaceRole],
    place: &str,
) -> Result<(), AppError> {
    match roles.iter().find(|r| !allowed.contains(r)) {
        None => Ok(()),
        Some(role) => {
            let names: Vec<&str> = allowed.iter().map(|r| r.ui_name()).collect();
            Err(AppError::invalid(
                "roles",
                format!(
                    "{} ({}) is not available in {place}. Choose from: {}.",
                    role.ui_name(),
                    role.api_name(),
                    names.join(", ")
                ),
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::SpaceRole::*;
    use super::*;

    #[test]
    fn each_space_type_allows_the_roles_qlik_cloud_allows() {
        let cases = [
            (
                SpaceType::Shared,
                vec![CoDeveloper, Consumer, DataConsumer, Facilitator, Producer],
                vec![Contributor, Publisher, BasicConsumer, Operator],
            ),
            (
                SpaceType::Managed,
                vec![
                    Consumer,
                    Contributor,
                    DataConsumer,
                    Facilitator,
                    Publisher,
                    BasicConsumer,
                ],
                vec![Producer, CoDeveloper, Operator],
            ),
        ];
        for (space, allowed, refused) in cases {
            for role in allowed {
                assert!(
                    check_assignment_roles(space, &[role]).is_ok(),
                    "{role:?} in {space:?}"
                );
            }
            for role in refused {
                let err = check_assignment_roles(space, &[role])
                    .unwrap_err()
                    .to_string();
                assert!(
                    err.contains(role.ui_name()) && err.contains("not available"),
                    "{err}"
                );
            }
        }
    }

    #[test]
    fn an_assignment_needs_a_role_and_a_personal_space_has_no_members() {
        assert!(check_assignment_roles(SpaceType::Managed, &[])
            .unwrap_err()
            .to_string()
            .contains("at least one role"));
        assert!(check_assignment_roles(SpaceType::Personal, &[Consumer])
            .unwrap_err()
            .to_string()
            .contains("personal space has no members"));
    }

    #[test]
    fn apps_are_shared_as_can_view_from_shared_spaces_and_with_three_roles_from_managed_ones() {
        assert_eq!(SpaceType::Shared.share_roles(), &[Consumer]);
        assert_eq!(
            SpaceType::Managed.share_roles(),
            &[Consumer, Contributor, BasicConsumer]
        );
        assert!(SpaceType::Personal.share_roles().is_empty());
    }

    #[test]
    fn stored_roles_round_trip_highest_first() {
        assert_eq!(
            roles_to_text(&[Consumer, Facilitator, Consumer]),
            "facilitator,consumer"
        );
        assert_eq!(
            roles_from_text("facilitator,consumer"),
            vec![Facilitator, Consumer]
        );
        assert_eq!(roles_from_text(""), vec![]);
        assert!(parse_roles(&["consumer".into(), "owner".into()])
            .unwrap_err()
            .to_string()
            .contains("\"owner\""));
    }

    #[test]
    fn role_names_round_trip() {
        for role in SpaceRole::ALL {
            assert_eq!(SpaceRole::parse(role.api_name()).unwrap(), role);
        }
        assert_eq!(Facilitator.ui_name(), "Can manage");
        assert!(SpaceRole::parse("admin")
            .unwrap_err()
            .to_string()
            .contains("consumer"));
    }
}
