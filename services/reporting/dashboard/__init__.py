"""The regional dashboard at `GET /`: server-rendered pages over the reports' own queries."""
