"""UK GDPR duties: keep records no longer than needed (retention) and answer subject access requests."""
