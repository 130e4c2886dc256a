"""Nuisance callers (骚扰来电黑名单): flag, confirm, expire, and the check the IVR asks at call start."""
