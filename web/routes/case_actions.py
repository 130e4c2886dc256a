"""Every case transition as a plain form POST (or fetch with the X-CSRF-Token header): one route per action,
one service call per route, one unit of work per request. On success the browser goes back to the case
page (JSON clients get ``{ok, case_id, status}``); errors are rendered by web.errors.

The routes live by actor: ``case_actions_agent`` (confirm, answer, dispatch, merge, close),
``case_actions_handler`` (sign … reply, return, extension request), ``case_actions_supervisor``
(coordinator close, reopen, archive, extension decision) and ``case_appointments`` (bookings); the shared
plumbing is ``case_action_kit``. This module only gathers them. Add new routes to those modules, not here.
"""

from __future__ import annotations

from fastapi import APIRouter

from web.routes import case_actions_agent, case_actions_handler, case_actions_supervisor, case_appointments
from web.routes.case_action_kit import Perform

router = APIRouter()
for _module in (case_actions_agent, case_actions_handler, case_actions_supervisor, case_appointments):
    router.include_router(_module.router)

# Every ``POST /cases/{id}/{action}`` transition, whoever performs it.
CASE_ACTIONS: dict[str, Perform] = {
    **case_actions_agent.AGENT_ACTIONS,
    **case_actions_handler.HANDLER_ACTIONS,
    **case_actions_supervisor.SUPERVISOR_ACTIONS,
}
