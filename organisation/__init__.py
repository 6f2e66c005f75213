"""The organisation's settings (organisation.yml) and the NLG endpoint that fills them into
the replies."""
