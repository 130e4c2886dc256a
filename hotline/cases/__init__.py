"""Cases (工单): intake, lifecycle, time limits, queries, appointments, tracking.

- intake: create_case (every channel's entry point)
- transitions: the lifecycle as data (RULES) and the role/ownership check
- lifecycle / coordination: one service per action (dispatch, sign, ..., 中转办, 延期)
- working_days / time_limits / calendar_admin: the China working-day clock and the holiday table
- queries: case lists, detail with timeline, work queues, 督办 list
- appointments: window slots and home visits; tracking: the citizen's view
"""
