from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context
from django.contrib.sites.shortcuts import get_current_site

from shop.emails import queue_email


class AccountAdapter(DefaultAccountAdapter):
    """allauth's adapter, with account emails rendered here and sent by Celery."""

    def send_mail(self, template_prefix: str, email: str, context_data: dict) -> None:
        request = context.request
        ctx = {"request": request, "email": email, "current_site": get_current_site(request)}
        ctx.update(context_data)
        queue_email(self.render_mail(template_prefix, email, ctx))
