"""What sellers may do with marketing models in the admin, granted to catalog's sellers group
(as chat/sellers.py does). marketing/admin.py keeps a seller to their own store's rows."""

from __future__ import annotations

from django.db.models.signals import post_migrate

SELLER_PERMISSIONS = {
    "contact": ("view", "change"),  # tags and note; contacts come from the sources, the import
    "tag": ("view", "add", "change", "delete"),
    "consentevent": ("view",),  # the proof: read-only
    "suppression": ("view",),
    "contactmerge": ("view",),  # undone with the admin action or the contact's page
    # Campaigns are written and sent on the seller's pages (marketing/campaign_pages.py) or through
    # the API (marketing/campaign_api.py); the admin shows them with their report and pauses,
    # resumes or cancels them.
    "campaign": ("view",),
    "segment": ("view",),
    # Flows: switched on or off, their settings and their emails' words changed in the admin too
    # (marketing/flow_admin.py, through marketing.flows.services); what the engine did, read-only.
    "flow": ("view", "change"),
    "flowstep": ("view", "change"),
    "enrolment": ("view",),
    "flowsend": ("view",),
}


def refresh_sellers_group(**kwargs) -> None:
    from catalog.services import ensure_sellers_group

    ensure_sellers_group()


def connect(app_config) -> None:
    from catalog.services import register_seller_permissions

    register_seller_permissions(app_label=app_config.label, permissions=SELLER_PERMISSIONS)
    post_migrate.connect(refresh_sellers_group, sender=app_config, dispatch_uid="marketing.refresh_sellers_group")
