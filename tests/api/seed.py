"""A small shop for the API's fuzzing: one of every object, so the ids in its paths exist."""

from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone
from rest_framework.authtoken.models import Token

from chat import services as chat_services
from social.services import engagement, follow, profile_for_store, profile_for_user
from social.services.reviews import write_review
from tests.factories import (
    AddressFactory,
    CategoryFactory,
    ProductImageFactory,
    SellerFactory,
    StoreFactory,
    UserFactory,
    buyable_variant,
    checkout_cart,
    make_post,
    place,
)


@dataclass
class World:
    path_parameters: dict[str, dict[str, object]]  # per path template: ids that exist
    tokens: dict[str, str]  # identity -> API token
    ids_by_prefix: dict[str, int]  # an ``{id}`` under these paths: a profile's, a review's


def seed_world() -> World:
    seller = SellerFactory()
    store = StoreFactory(owner=seller)
    category = CategoryFactory()
    variant = buyable_variant(store=store, price=5_000_000, stock=1000)
    product = variant.product
    product.category = category
    product.save(update_fields=["category"])
    image = ProductImageFactory(product=product)
    shopper = UserFactory()
    friend = UserFactory()
    address = AddressFactory(user=shopper)
    placed = place(shopper, (variant, 1), address=address)
    [order] = placed.orders
    cart = checkout_cart(shopper, (variant, 1))
    line = cart.lines.get()
    post = make_post(seller, profile=profile_for_store(store=store), products=[product])
    post_image = post.images.get()
    tag = post_image.tags.get()
    comment = engagement.add_comment(author=shopper, post=post, body="Bagus!")
    review, _created = write_review(author=shopper, product=product, rating=5, body="Mantap")
    shopper_profile = profile_for_user(user=shopper)
    follow(follower=friend, profile=shopper_profile)
    follow(follower=shopper, profile=profile_for_user(user=friend))
    payment = placed.payment
    conversation = chat_services.open_conversation(shopper=shopper, store=store)
    offer, _created = chat_services.send_offer(
        conversation=conversation,
        sender=seller,
        client_id="seed-offer",
        lines=[chat_services.OfferLineInput(variant_id=variant.pk, quantity=1, unit_price=4_000_000)],
        valid_until=timezone.now() + timedelta(days=7),
    )
    from chat.assistant import services as assistant_services

    assistant_services.update_settings(store=store, actor=seller, greeting="Halo!")
    faq = assistant_services.create_faq(
        store=store, actor=seller, question="Bahannya apa?", answer="Katun.", keywords="bahan"
    )
    from marketing import services as marketing_services

    contact = marketing_services.record_contact(
        store_id=store.pk, seen=marketing_services.user_seen(user=shopper), source="order", name="Ani"
    )
    from marketing.flows import defaults as flow_defaults
    from marketing.flows import services as flow_services

    welcome = flow_defaults.ensure_flows(store=store)[0]
    flow_services.save_tips(store=store, product=product, text="Cuci dengan air dingin.")
    by_path = {
        "/api/v1/addresses/{id}/": {"id": address.pk},
        "/api/v1/addresses/{id}/default/": {"id": address.pk},
        "/api/v1/cart/lines/{id}/": {"id": line.pk},
        "/api/v1/categories/{slug}/": {"slug": category.slug},
        "/api/v1/hashtags/{name}/posts/": {"name": "batik"},
        "/api/v1/payments/{id}/": {"id": payment.pk},
        "/api/v1/payments/{id}/client-secret/": {"id": payment.pk},
        "/api/v1/people-you-may-know/{user_id}/dismiss/": {"user_id": friend.pk},
        "/api/v1/posts/{post_pk}/comments/{id}/": {"post_pk": post.pk, "id": comment.pk},
        "/api/v1/posts/{post_pk}/comments/{id}/hide/": {"post_pk": post.pk, "id": comment.pk},
        "/api/v1/posts/{post_pk}/images/{image_pk}/tags/": {"post_pk": post.pk, "image_pk": post_image.pk},
        "/api/v1/posts/{post_pk}/images/{image_pk}/tags/{id}/": {
            "post_pk": post.pk,
            "image_pk": post_image.pk,
            "id": tag.pk,
        },
        "/api/v1/products/{product_slug}/images/{id}/": {"product_slug": product.slug, "id": image.pk},
        "/api/v1/products/{product_slug}/variants/{id}/": {"product_slug": product.slug, "id": variant.pk},
        "/api/v1/stores/{slug}/": {"slug": store.slug},
        "/api/v1/stores/{slug}/products/": {"slug": store.slug},
        "/api/v1/stores/{slug}/profile/": {"slug": store.slug},
        "/api/v1/users/{username}/": {"username": friend.username},
        "/api/v1/users/{username}/block/": {"username": friend.username},
    }
    defaults = {
        "id": post.pk,
        "post_pk": post.pk,
        "slug": product.slug,
        "product_slug": product.slug,
        "number": order.number,
    }
    return World(
        path_parameters={"*": defaults, **by_path},
        tokens={"shopper": Token.objects.create(user=shopper).key, "seller": Token.objects.create(user=seller).key},
        ids_by_prefix={
            "/api/v1/profiles/": shopper_profile.pk,
            "/api/v1/reviews/": review.pk,
            "/api/v1/chat/conversations/": conversation.pk,
            "/api/v1/chat/offers/": offer.pk,
            "/api/v1/chat/assistant/faq/": faq.pk,
            "/api/v1/marketing/contacts/": contact.pk,
            "/api/v1/marketing/flows/": welcome.pk,
            "/api/v1/marketing/flow-steps/": welcome.steps.order_by("position").last().pk,
            "/api/v1/marketing/product-tips/": product.pk,
        },
    )


def parameters_for(world: World, path: str, names: list[str]) -> dict[str, object]:
    """Ids that exist for the path parameters ``names`` of ``path`` (a template)."""
    chosen = dict(world.path_parameters.get(path, {}))
    for prefix, pk in world.ids_by_prefix.items():
        if path.startswith(prefix) and "id" in names:
            chosen.setdefault("id", pk)
    for name in names:
        chosen.setdefault(name, world.path_parameters["*"].get(name))
    return {name: chosen[name] for name in names if chosen.get(name) is not None}
