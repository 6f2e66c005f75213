"""Developer scripts: local stack, terminal chat, evaluation gate."""
