"""Agents answering calls: presence (置闲/示忙/振铃/通话中/话后整理), the per-language call queue with
distribution to the longest-idle ready agent, ring-back requests (回拨请求) and the queue figures.

Queue state lives in database rows (agent_profiles, queue_entries), changed only with conditional UPDATEs
(``... WHERE state = 'ready'``), so several SIP worker processes on one or more machines share one queue
without a coordinator; every change is also stored as an event row (agent_state_changes, queue_events),
from which the wallboard computes its figures. Services take the session first, never commit.
"""
