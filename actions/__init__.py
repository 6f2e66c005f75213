"""Custom actions run by the Rasa action server (`rasa run actions --actions actions`).

One module per concern: the FAQ catalogue, clarification when unsure, the topic menu. Nothing
on the safety path is here: emergencies and handoffs are domain responses and a policy inside
Rasa (policies/handed_off.py), so they work when this server is down.
"""
