"""Every workforce read for users, scoped through ``core.scoping.visible_to`` (404 outside
the user's jurisdiction), and the registry → rules loaders. One module per part, as in
``services``; the rotation readers are re-exported here."""

from edugov.workforce.selectors.rotation import (
    eligibility_in,
    largest_county_problem,
    plans_for,
    proposals_for,
    rotation_problem,
)

__all__ = ["eligibility_in", "largest_county_problem", "plans_for", "proposals_for",
           "rotation_problem"]
