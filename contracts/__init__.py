"""Contracts shared by Rasa's components, the channels and the staff console; no Rasa import."""
