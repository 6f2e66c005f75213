"""Custom dialogue policies added in config.yml."""
