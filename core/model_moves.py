"""For migrations that move a model to another app without touching its table.

Django names a model's permissions and content type after its app and model; once the model
has moved, those rows are carried over so that groups and users keep what they were granted.
"""

from __future__ import annotations

from typing import Any


def move_content_type(apps: Any, old: tuple[str, str], new: tuple[str, str]) -> None:
    """Re-label the content type ``old`` (app label, model name) as ``new``, with its
    permissions (``view_old`` → ``view_new``…). Idempotent; a ``new`` one that already exists
    (created by a later ``migrate``) takes over the grants of the old one."""
    content_type_model = apps.get_model("contenttypes", "ContentType")
    permission_model = apps.get_model("auth", "Permission")
    moving = content_type_model.objects.filter(app_label=old[0], model=old[1]).first()
    if moving is None:
        return
    target = content_type_model.objects.filter(app_label=new[0], model=new[1]).first()
    if target is None:
        moving.app_label, moving.model = new
        moving.save(update_fields=["app_label", "model"])
        target = moving
    for permission in permission_model.objects.filter(content_type=moving):
        codename = permission.codename.replace(f"_{old[1]}", f"_{new[1]}")
        existing = permission_model.objects.filter(content_type=target,
                                                   codename=codename).first()
        if existing is None:
            permission.codename, permission.content_type = codename, target
            permission.save(update_fields=["codename", "content_type"])
            continue
        for group in permission.group_set.all():
            group.permissions.add(existing)
        for user in permission.user_set.all():
            user.user_permissions.add(existing)
        permission.delete()
    if target.pk != moving.pk:
        moving.delete()
