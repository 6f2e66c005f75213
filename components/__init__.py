"""Custom NLU components added to the Rasa pipeline in config.yml."""
