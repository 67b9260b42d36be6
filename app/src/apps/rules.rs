//! Where an app may go: publish, republish, move and duplicate, as one table of pure checks over
//! the caller's access to the app and to the spaces involved.

use crate::error::AppError;
use crate::sharing::rules::{Access, AppAction, SpaceAccess, SpaceAction};
use crate::spaces::rules::SpaceType;

/// Publishing copies an app from a personal or shared space into a managed space.
pub fn check_publish(
    source: SpaceType,
    app: &Access,
    target: SpaceType,
    into: &SpaceAccess,
    reduced: bool,
) -> Result<(), AppError> {
    if source == SpaceType::Managed {
        return Err(AppError::invalid("spaceId", "This app is already published. Publish from the app it was made from, in a personal or shared space."));
    }
    if !app.can(AppAction::Publish) {
        return Err(AppError::forbidden(
            "Publishing needs the owner of the space or Can edit on this app.",
        ));
    }
    refuse_when_reduced(reduced, "the published copy")?;
    if target != SpaceType::Managed {
        return Err(AppError::invalid("spaceId", "Apps are published to managed spaces. Choose a managed space, or move the app instead."));
    }
    if !into.can(SpaceAction::PublishInto) {
        return Err(AppError::forbidden("You cannot publish to that space: it needs Can publish, Can manage or ownership there."));
    }
    Ok(())
}

/// Section access limits the rows the caller sees of this app: `reduced`. A copy or a move out of
/// the space would hand them every row (as the owner of their copy, or an editor where it
/// lands), so it is refused; Sightline never makes a copy with rows its maker may not see.
fn refuse_when_reduced(reduced: bool, what: &str) -> Result<(), AppError> {
    if reduced {
        return Err(AppError::forbidden(format!(
            "Section access limits the rows you see of this app, and {what} would hold all of them. Ask one of the app's editors, who see every row, to do it."
        )));
    }
    Ok(())
}

/// Moving puts an app in another personal or shared space, or another managed space for a
/// published app; its shares stay behind (they are removed).
pub fn check_move(
    source: SpaceType,
    app: &Access,
    target: SpaceType,
    into: &SpaceAccess,
    same_space: bool,
    reduced: bool,
) -> Result<(), AppError> {
    if same_space {
        return Err(AppError::invalid(
            "spaceId",
            "The app is already in that space.",
        ));
    }
    if !app.can(AppAction::Delete) {
        return Err(AppError::forbidden("Moving an app needs the right to delete it where it is: ownership of the space, Can manage, Can edit or Can publish."));
    }
    if target != SpaceType::Managed {
        refuse_when_reduced(reduced, "the app where you move it")?;
    }
    match (source == SpaceType::Managed, target == SpaceType::Managed) {
        (false, true) => Err(AppError::invalid("spaceId", "An app reaches a managed space by publishing. Publish it instead.")),
        (true, false) => Err(AppError::invalid("spaceId", "A published app stays in managed spaces. Duplicate it to work on a copy.")),
        (true, true) if !into.can(SpaceAction::PublishInto) => Err(AppError::forbidden("You cannot publish to that space: it needs Can publish, Can manage or ownership there.")),
        (false, false) if !into.can(SpaceAction::CreateApp) => Err(AppError::forbidden("You cannot add apps to that space: it needs ownership or Can edit there.")),
        _ => Ok(()),
    }
}

/// Duplicating makes a new app, with no shares, in a personal or shared space.
pub fn check_duplicate(
    app: &Access,
    target: SpaceType,
    into: &SpaceAccess,
    reduced: bool,
) -> Result<(), AppError> {
    if !app.can(AppAction::Contribute) {
        return Err(AppError::forbidden(
            "Duplicating an app needs Can contribute or more on it.",
        ));
    }
    refuse_when_reduced(reduced, "a copy")?;
    if target == SpaceType::Managed {
        return Err(AppError::invalid("spaceId", "A copy cannot go straight to a managed space. Duplicate it to a personal or shared space, then publish."));
    }
    if !into.can(SpaceAction::CreateApp) {
        return Err(AppError::forbidden(
            "You cannot add apps to that space: it needs ownership or Can edit there.",
        ));
    }
    Ok(())
}

/// Republishing replaces a published app's content with its source's: same id, shares kept.
pub fn check_republish(
    app: &Access,
    target_source: Option<&str>,
    source_id: &str,
    into: &SpaceAccess,
    reduced: bool,
) -> Result<(), AppError> {
    if !app.can(AppAction::Publish) {
        return Err(AppError::forbidden(
            "Republishing needs the owner of the space or Can edit on this app.",
        ));
    }
    refuse_when_reduced(reduced, "the published copy")?;
    if target_source != Some(source_id) {
        return Err(AppError::invalid("targetId", "That app was not published from this one. Republish replaces only the app's own published copy."));
    }
    if !into.can(SpaceAction::PublishInto) {
        return Err(AppError::forbidden("You cannot publish to that space: it needs Can publish, Can manage or ownership there."));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sharing::rules::{effective_access, space_access, Grant, SharerPermissions, Source};
    use crate::spaces::rules::SpaceRole::{self, *};

    fn app_as(space: SpaceType, role: Option<SpaceRole>) -> Access {
        let grant = match role {
            None => Grant {
                source: Source::SpaceOwner,
                roles: vec![],
            },
            Some(r) => Grant {
                source: Source::SpaceMember,
                roles: vec![r],
            },
        };
        effective_access(space, &[grant], SharerPermissions::default())
    }

    fn space_as(space: SpaceType, role: Option<SpaceRole>) -> SpaceAccess {
        let grant = match role {
            None => Grant {
                source: Source::SpaceOwner,
                roles: vec![],
            },
            Some(r) => Grant {
                source: Source::SpaceMember,
                roles: vec![r],
            },
        };
        space_access(space, &[grant], false, false)
    }

    #[test]
    fn publishing_goes_from_a_personal_or_shared_space_to_a_managed_one() {
        use SpaceType::*;
        let cases: Vec<(
            &str,
            SpaceType,
            Option<SpaceRole>,
            SpaceType,
            Option<SpaceRole>,
            Option<&str>,
        )> = vec![
            (
                "an owner publishes from their personal space",
                Personal,
                None,
                Managed,
                Some(Publisher),
                None,
            ),
            (
                "Can edit publishes from a shared space",
                Shared,
                Some(Producer),
                Managed,
                None,
                None,
            ),
            (
                "Can manage in the managed space may publish into it",
                Shared,
                Some(Producer),
                Managed,
                Some(Facilitator),
                None,
            ),
            (
                "Can view does not publish",
                Shared,
                Some(Consumer),
                Managed,
                Some(Publisher),
                Some("Publishing needs"),
            ),
            (
                "Can view in the target is not enough",
                Personal,
                None,
                Managed,
                Some(Consumer),
                Some("cannot publish to that space"),
            ),
            (
                "a shared space is not a publishing target",
                Personal,
                None,
                Shared,
                None,
                Some("managed spaces"),
            ),
            (
                "a published app is not published again",
                Managed,
                None,
                Managed,
                None,
                Some("already published"),
            ),
        ];
        for (case, source, app_role, target, target_role, error) in cases {
            let result = check_publish(
                source,
                &app_as(source, app_role),
                target,
                &space_as(target, target_role),
                false,
            );
            match (result, error) {
                (Ok(()), None) => {}
                (Err(e), Some(fragment)) => {
                    assert!(e.to_string().contains(fragment), "{case}: {e}")
                }
                (got, want) => panic!("{case}: got {got:?}, wanted {want:?}"),
            }
        }
    }

    #[test]
    fn moving_needs_delete_here_and_create_there_and_never_crosses_into_managed() {
        use SpaceType::*;
        let cases: Vec<(
            &str,
            SpaceType,
            Option<SpaceRole>,
            SpaceType,
            Option<SpaceRole>,
            bool,
            Option<&str>,
        )> = vec![
            (
                "from personal to a shared space where one can edit",
                Personal,
                None,
                Shared,
                Some(Producer),
                false,
                None,
            ),
            (
                "into a shared space with only Can view",
                Personal,
                None,
                Shared,
                Some(Consumer),
                false,
                Some("cannot add apps"),
            ),
            (
                "Can edit data in apps cannot delete, so cannot move",
                Shared,
                Some(CoDeveloper),
                Personal,
                None,
                false,
                Some("right to delete"),
            ),
            (
                "from shared to managed is publishing",
                Shared,
                None,
                Managed,
                None,
                false,
                Some("Publish it instead"),
            ),
            (
                "from managed to shared is refused",
                Managed,
                None,
                Shared,
                None,
                false,
                Some("stays in managed"),
            ),
            (
                "between managed spaces with Can publish",
                Managed,
                Some(Publisher),
                Managed,
                Some(Publisher),
                false,
                None,
            ),
            (
                "to the same space",
                Shared,
                None,
                Shared,
                None,
                true,
                Some("already in that space"),
            ),
        ];
        for (case, source, app_role, target, target_role, same, error) in cases {
            let result = check_move(
                source,
                &app_as(source, app_role),
                target,
                &space_as(target, target_role),
                same,
                false,
            );
            match (result, error) {
                (Ok(()), None) => {}
                (Err(e), Some(fragment)) => {
                    assert!(e.to_string().contains(fragment), "{case}: {e}")
                }
                (got, want) => panic!("{case}: got {got:?}, wanted {want:?}"),
            }
        }
    }

    #[test]
    fn a_caller_whom_section_access_reduces_copies_and_moves_nothing_out_of_its_space() {
        use SpaceType::*;
        let refused = |r: Result<(), AppError>| {
            r.unwrap_err()
                .to_string()
                .contains("Section access limits the rows you see")
        };
        assert!(
            refused(check_duplicate(
                &app_as(Managed, Some(Contributor)),
                Personal,
                &space_as(Personal, None),
                true
            )),
            "Ali's copy of a dashboard limited to the North"
        );
        assert!(refused(check_duplicate(
            &app_as(Managed, Some(Facilitator)),
            Shared,
            &space_as(Shared, None),
            true
        )));
        assert!(
            refused(check_move(
                Shared,
                &app_as(Shared, Some(Facilitator)),
                Personal,
                &space_as(Personal, None),
                false,
                true
            )),
            "Can manage moving a draft into their personal space"
        );
        assert!(refused(check_publish(
            Shared,
            &app_as(Shared, Some(Producer)),
            Managed,
            &space_as(Managed, Some(Publisher)),
            true
        )));
        assert!(
            check_move(
                Managed,
                &app_as(Managed, Some(Publisher)),
                Managed,
                &space_as(Managed, Some(Publisher)),
                false,
                true
            )
            .is_ok(),
            "between managed spaces the rules still bind everyone"
        );
        assert!(
            check_duplicate(
                &app_as(Managed, Some(Contributor)),
                Personal,
                &space_as(Personal, None),
                false
            )
            .is_ok(),
            "no rules bind the caller: the copy holds what they see"
        );
    }

    #[test]
    fn duplicating_needs_contribute_and_a_personal_or_shared_target() {
        use SpaceType::*;
        assert!(check_duplicate(
            &app_as(Managed, Some(Contributor)),
            Personal,
            &space_as(Personal, None),
            false
        )
        .is_ok());
        assert!(check_duplicate(
            &app_as(Managed, Some(Consumer)),
            Personal,
            &space_as(Personal, None),
            false
        )
        .unwrap_err()
        .to_string()
        .contains("Can contribute"));
        assert!(check_duplicate(
            &app_as(Shared, None),
            Managed,
            &space_as(Managed, None),
            false
        )
        .unwrap_err()
        .to_string()
        .contains("then publish"));
    }

    #[test]
    fn republishing_replaces_only_the_apps_own_published_copy() {
        use SpaceType::*;
        let owner = app_as(Shared, None);
        let target = space_as(Managed, Some(Publisher));
        assert!(check_republish(&owner, Some("src"), "src", &target, false).is_ok());
        assert!(
            check_republish(&owner, Some("other"), "src", &target, false)
                .unwrap_err()
                .to_string()
                .contains("not published from this one")
        );
        assert!(check_republish(
            &owner,
            Some("src"),
            "src",
            &space_as(Managed, Some(Consumer)),
            false
        )
        .is_err());
    }
}
