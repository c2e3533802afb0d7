"""Insights in the back office: a link from its front page to the seller's figures (its
answer to ``shop.signals.admin_index_shown``, which ``templates/admin/index.html`` sends). Insights has no model
a seller edits: its tables are figures, read on the insights pages."""

from __future__ import annotations

from django.template.loader import render_to_string

from catalog.admin.scoping import sees_all_stores, seller_store


def insights_link(sender: object, *, request, **_kwargs) -> str:
    """The front page's "Insights" panel, for a seller with a store or staff; nothing else."""
    staff = sees_all_stores(request)
    if not staff and seller_store(request) is None:
        return ""
    return render_to_string("admin/insights/link.html", {"all_stores": staff}, request=request)
