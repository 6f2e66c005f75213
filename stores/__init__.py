"""Production storage for several Rasa instances: endpoints.prod.yml names these classes."""
