"""Writes of segments and campaigns (the seller's pages and the API call these), and the test
send to oneself. Sending itself is ``marketing.campaigns.engine``."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives, get_connection
from django.utils.translation import gettext as _

from catalog.models import Store
from marketing.campaign_models import Campaign, Segment
from marketing.campaigns import content
from marketing.campaigns.segments import validate_rules
from marketing.sending import from_email, new_message_id
from marketing.tokens import absolute
from shop.models import User

EDITABLE = (Campaign.State.DRAFT, Campaign.State.SCHEDULED)


def save_segment(*, store: Store, name: str, rules: object, segment: Segment | None = None) -> Segment:
    rules = validate_rules(store=store, rules=rules)
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Give the segment a name.")})
    if segment is None:
        return Segment.objects.create(store=store, name=name, rules=rules)
    segment.name, segment.rules = name, rules
    segment.save(update_fields=["name", "rules"])
    return segment


def save_campaign(
    *, store: Store, data: dict, campaign: Campaign | None = None, actor: User | AnonymousUser | None = None
) -> Campaign:
    """Create or change a draft (or scheduled) campaign. ``data``: name, subject, preheader,
    blocks, segment (a ``Segment`` of the store or None), subject_b, ab_test_percent,
    ab_wait_minutes. A campaign that started sending can no longer be changed."""
    if campaign is not None and campaign.state not in EDITABLE:
        raise ValidationError(_("A campaign can be changed only before it is sent."))
    segment = data.get("segment")
    if segment is not None and segment.store_id != store.pk:
        raise ValidationError({"segment": _("Choose one of your own segments.")})
    blocks = content.validate_blocks(store=store, blocks=data.get("blocks", []))
    campaign = campaign or Campaign(
        store=store, created_by=actor if isinstance(actor, User) and actor.is_authenticated else None
    )
    for key in ("name", "subject", "preheader", "subject_b", "ab_test_percent", "ab_wait_minutes"):
        if key in data:
            setattr(campaign, key, data[key])
    campaign.segment = segment
    campaign.blocks = blocks
    campaign.name = campaign.name or campaign.subject
    campaign.full_clean(exclude=["store", "created_by"])
    campaign.save()
    return campaign


def preview(*, campaign: Campaign, subject: str | None = None) -> content.Rendered:
    """The campaign as a recipient would get it, personalised for nobody in particular: the
    name is a stand-in, links go to their targets directly (nothing is recorded when they
    are followed). What the composer's preview shows and the test send sends."""
    page = content.render(campaign=campaign, subject=subject or campaign.subject)
    values = {"NAME": _("test"), "UNSUBSCRIBE": absolute("/"), "OPEN": absolute("/static/favicon.ico")}
    for index, key in enumerate(page.links):
        values[f"LINK{index}"] = content.link_target(campaign=campaign, key=key) or absolute("/")
    return content.Rendered(
        subject=page.subject,
        text=content.personalise(page.text, values),
        html=content.personalise(page.html, content.html_values(values)),
        links=page.links,
    )


def send_test(*, campaign: Campaign, to: str) -> None:
    """The campaign as a recipient would get it, sent now to ``to`` (the seller): links go
    to their targets directly, nothing is recorded, no cap counted."""
    page = preview(campaign=campaign, subject=f"[{_('Test')}] {campaign.subject}")
    message = EmailMultiAlternatives(
        subject=page.subject,
        body=page.text,
        from_email=from_email(campaign.store),
        to=[to],
        headers={"Message-ID": new_message_id()},
        connection=get_connection(),
    )
    message.attach_alternative(page.html, "text/html")
    message.send()
