"""People and their roles: grants, invitations, names, reloading config.yaml."""
