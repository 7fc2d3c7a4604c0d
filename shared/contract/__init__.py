"""The public contract's events: one typed model per stored event type and version."""
