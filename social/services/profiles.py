"""Profiles, follows and blocks."""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils.translation import gettext as _

from catalog.models import Store
from shop import events
from shop.models import User
from social import signals
from social.models import HAS_BLOCKS_ATTRIBUTE, Block, FeedEntry, Follow, Profile
from social.services.recommendations import forget_friend_reads

log = logging.getLogger(__name__)


def profile_for_user(*, user: User) -> Profile:
    """The user's profile, created on first use."""
    try:
        return user.profile
    except Profile.DoesNotExist:
        pass
    try:
        with transaction.atomic():
            profile = Profile.objects.create(user=user)
    except IntegrityError:
        profile = Profile.objects.get(user=user)
    user.profile = profile
    return profile


def profile_for_store(*, store: Store) -> Profile:
    """The store's profile, created on first use."""
    try:
        return store.profile
    except Profile.DoesNotExist:
        pass
    try:
        with transaction.atomic():
            profile = Profile.objects.create(store=store)
    except IntegrityError:
        profile = Profile.objects.get(store=store)
    store.profile = profile
    return profile


def can_post_as(*, user: User, profile: Profile) -> bool:
    """A user speaks for their own profile and for their store's."""
    if profile.user_id is not None:
        return profile.user_id == user.pk
    assert profile.store_id is not None  # a profile is a person's or a store's
    return Store.objects.filter(pk=profile.store_id, owner=user).exists()


def profile_owner_id(*, profile: Profile) -> int:
    if profile.user_id is not None:
        return profile.user_id
    assert profile.store_id is not None  # a profile is a person's or a store's
    return Store.objects.values_list("owner_id", flat=True).get(pk=profile.store_id)


def is_blocked_between(*, user_a_id: int | None, user_b_id: int | None) -> bool:
    if not user_a_id or not user_b_id:
        return False
    return Block.objects.filter(
        Q(blocker_id=user_a_id, blocked_id=user_b_id) | Q(blocker_id=user_b_id, blocked_id=user_a_id)
    ).exists()


@transaction.atomic
def follow(*, follower: User, profile: Profile) -> bool:
    """``follower`` follows ``profile``. Returns False if they already did.

    Their Following feed (if built) gets the profile's recent posts at once.
    """
    owner_id = profile_owner_id(profile=profile)
    if profile.user_id == follower.pk:
        raise ValidationError(_("You cannot follow yourself."), code="follow_self")
    if profile.store_id is not None and owner_id == follower.pk:
        raise ValidationError(_("You cannot follow your own store."), code="follow_self")
    if is_blocked_between(user_a_id=follower.pk, user_b_id=owner_id):
        raise PermissionDenied(_("You cannot follow this account."))
    try:
        with transaction.atomic():
            Follow.objects.create(follower=follower, followee=profile)
    except IntegrityError:
        return False
    follower_profile = profile_for_user(user=follower)
    forget_friend_reads(follower.pk, profile.user_id)  # their suggestions and shelves change
    Profile.objects.filter(pk=profile.pk).update(follower_count=F("follower_count") + 1)
    Profile.objects.filter(pk=follower_profile.pk).update(following_count=F("following_count") + 1)
    from social.services.feeds import backfill_feed

    backfill_feed(owner=follower, profile=profile)
    from social import notifications

    owner = profile.user if profile.user is not None else User.objects.get(pk=owner_id)
    notifications.followed(follower=follower, owner=owner, profile=profile)
    if profile.store_id is not None:
        store_id = profile.store_id

        def announce() -> None:
            events.record(events.EventName.FOLLOW, store_id=store_id, user_id=follower.pk)
            for receiver, result in signals.store_followed.send_robust(
                sender=Follow, follower=follower, store_id=store_id
            ):
                if isinstance(result, Exception):
                    log.error("store_followed handler %r failed", receiver, exc_info=result)

        transaction.on_commit(announce)
    return True


@transaction.atomic
def unfollow(*, follower: User, profile: Profile) -> bool:
    """Stop following. Returns False if there was nothing to undo."""
    deleted, _detail = Follow.objects.filter(follower=follower, followee=profile).delete()
    if not deleted:
        return False
    follower_profile = profile_for_user(user=follower)
    forget_friend_reads(follower.pk, profile.user_id)
    Profile.objects.filter(pk=profile.pk).update(follower_count=F("follower_count") - 1)
    Profile.objects.filter(pk=follower_profile.pk).update(following_count=F("following_count") - 1)
    FeedEntry.objects.filter(owner=follower, profile=profile).delete()
    return True


def _profiles_spoken_for_by(user: User) -> list[Profile]:
    profiles = [profile_for_user(user=user)]
    store = Store.objects.filter(owner=user).first()
    if store is not None:
        profiles.append(profile_for_store(store=store))
    return profiles


@transaction.atomic
def block(*, blocker: User, blocked: User) -> bool:
    """``blocked`` can no longer follow ``blocker`` or see their posts, and the other way round.

    Follows in both directions end (with their counters and feed entries).
    """
    if blocker.pk == blocked.pk:
        raise ValidationError(_("You cannot block yourself."), code="block_self")
    try:
        with transaction.atomic():
            Block.objects.create(blocker=blocker, blocked=blocked)
    except IntegrityError:
        return False
    # Both were maybe read as having no block as this request began (``may_have_blocks``):
    # what the request shows from now on must leave each other's posts out.
    for person in (blocker, blocked):
        setattr(person, HAS_BLOCKS_ATTRIBUTE, True)
    forget_friend_reads(blocker.pk, blocked.pk)
    for profile in _profiles_spoken_for_by(blocker):
        unfollow(follower=blocked, profile=profile)
    for profile in _profiles_spoken_for_by(blocked):
        unfollow(follower=blocker, profile=profile)
    return True


def unblock(*, blocker: User, blocked: User) -> bool:
    deleted, _detail = Block.objects.filter(blocker=blocker, blocked=blocked).delete()
    return bool(deleted)
