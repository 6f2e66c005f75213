"""WhatsApp: the shared plumbing (base), one module per provider (meta, twilio), the contact book
of real numbers, the layout of messages and the outgoing sends."""
