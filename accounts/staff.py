"""The staff's roles, by the names of their Django groups (the permissions each holds are set
at the top of the project, in ``kptportal.roles``, which knows every app)."""

ADVISORS = "Conseillers"
ADMINISTRATORS = "Administrateurs"
