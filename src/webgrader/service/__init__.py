"""`webgrader serve`: the course's grading service.

One long-running process (tornado) that accepts learners' notebooks, stores each one durably,
grades it at once in warm worker processes (one browser each, as `webgrader autograde`),
generates that learner's feedback and shows it to her only. It runs standalone (per-learner
tokens, `webgrader tokens`) or as a JupyterHub-managed service (hub OAuth, hub groups).

Modules, one concept each: config (options), db (durable state), storage (files on disk),
tokens (sign-ins without a hub), checks (what an upload must be), worker (the grading
process), queue (who grades what, once), auth (who is calling), web (pages and API), app (the
process).
"""
