"""Every workforce write: keyword-only, one transaction, an audit row (DESIGN §2).

One module per part of the scenario: ``rotation`` (交流轮岗), ``conduct`` (师德, the barred
list and the pre-hire check, appraisals), ``training`` (the ledger and its imports),
``titles`` (职称 applications, honours), ``points`` (积分制), ``posting`` (竞聘上岗). The
rotation services are re-exported here, where the first part of issue 5 put them.
"""

from edugov.workforce.services.rotation import (
    create_plan,
    execute,
    notify,
    problem_for,
    respond,
    set_excluded,
    set_lock,
    solve_plan,
    visible_plan,
)

__all__ = ["create_plan", "execute", "notify", "problem_for", "respond", "set_excluded",
           "set_lock", "solve_plan", "visible_plan"]
