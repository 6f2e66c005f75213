"""Input channels. Every channel in credentials.yml comes from this package, so every
message, whatever its entry point, goes through channels/user_text.py first."""
