"""The website chat widget's channel: socket.io sessions, history, the served assets."""
