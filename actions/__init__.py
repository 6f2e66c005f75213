"""Custom actions run by the Rasa action server (`rasa run actions --actions actions`).

One module per concern: the deploying organisation, the FAQ catalogue, session start,
clarification when unsure, the topic menu.
"""
