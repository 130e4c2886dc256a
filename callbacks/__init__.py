"""Satisfaction callbacks (回访): after 办结 the citizen is called back and asked to rate the service.

- policy: when to call (first call, quiet hours, rest days, attempts, backoff)
- scheduling: a callback row per closure (poll of closed cases; on_case_closed for immediate scheduling)
- claims / service: the scheduler (conditional-UPDATE claims, dial, outcome), ``install`` for APScheduler
- dialing / sip_dialer / prompts: the Dialer protocol, the DTMF survey over SIP, the recorded prompts
- answers / opt_outs: storing answers (phone, agent, web rating), do-not-call list
- review: the supervisors' audit (list, verdicts, daily sample, rates by department and agent)
"""
