"""Console accounts: passwords, login with lockout, user management, web sessions, CSRF, audit log."""
