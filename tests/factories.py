"""factory-boy factories for every model the tests build."""

import io

import factory
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from catalog.models import Category, Product, ProductImage, ProductVariant, Store
from catalog.services import make_seller
from shop.models import User

PASSWORD = "correct-horse-battery-staple"


def image_file(name="photo.jpg", fmt="JPEG", size=(64, 48), color=(200, 80, 40), exif=None) -> SimpleUploadedFile:
    """A real image file made with Pillow."""
    buffer = io.BytesIO()
    options = {"exif": exif} if exif is not None else {}
    Image.new("RGB", size, color).save(buffer, format=fmt, **options)
    content_type = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}.get(fmt, "application/octet-stream")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=content_type)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def verified_email(obj, create, extracted, **kwargs):
        if create:
            from allauth.account.models import EmailAddress

            obj.save()
            EmailAddress.objects.get_or_create(
                user=obj, email=obj.email, defaults={"verified": extracted is not False, "primary": True}
            )


class SellerFactory(UserFactory):
    @factory.post_generation
    def seller(obj, create, extracted, **kwargs):
        if create:
            make_seller(user=obj)


class StoreFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Store

    owner = factory.SubFactory(SellerFactory)
    name = factory.Sequence(lambda n: f"Toko {n}")
    slug = factory.Sequence(lambda n: f"toko-{n}")
    description = "A small shop."


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category

    name = factory.Sequence(lambda n: f"Category {n}")
    slug = factory.Sequence(lambda n: f"category-{n}")
    parent = None
    depth = factory.LazyAttribute(lambda c: c.parent.depth + 1 if c.parent else 1)


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    store = factory.SubFactory(StoreFactory)
    title = factory.Sequence(lambda n: f"Product {n}")
    slug = factory.Sequence(lambda n: f"product-{n}")
    description = "Handmade in Indonesia."
    status = Product.Status.ACTIVE
    published_at = factory.LazyFunction(lambda: __import__("django.utils.timezone").utils.timezone.now())


class VariantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProductVariant

    product = factory.SubFactory(ProductFactory)
    store = factory.LazyAttribute(lambda v: v.product.store)
    sku = factory.Sequence(lambda n: f"SKU-{n}")
    options = factory.LazyFunction(dict)
    price = 15_000_000
    stock = 10


class ProductImageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProductImage

    product = factory.SubFactory(ProductFactory)
    image = factory.LazyFunction(lambda: image_file())
    alt_text = "A photo"


# --- Social -----------------------------------------------------------------------------


def make_post(author=None, *, profile=None, caption="A new post", products=(), images=1, at=None):
    """A post published through the real service (pictures verified, tags checked).

    ``products`` are tagged on the first picture; ``at`` backdates the post.
    """
    from shop.images import verify_image
    from social import services
    from social.models import FeedEntry, Post, PostHashtag
    from social.services.posts import TagSpec, hot_score_update

    author = author or UserFactory()
    post = services.create_post(
        author=author,
        profile=profile,
        caption=caption,
        images=[verify_image(image_file(f"p{i}.jpg")) for i in range(images)],
        tags=[TagSpec(0, product, 0.2 + 0.1 * n, 0.5) for n, product in enumerate(products)],
    )
    if at is not None:
        Post.objects.filter(pk=post.pk).update(created_at=at)
        FeedEntry.objects.filter(post=post).update(created_at=at)
        PostHashtag.objects.filter(post=post).update(created_at=at)
        post.created_at = at
        Post.objects.filter(pk=post.pk).update(**hot_score_update(post=post))
        post.refresh_from_db()
    return post


# --- Checkout ---------------------------------------------------------------------------


class AddressFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "checkout.Address"

    user = factory.SubFactory(UserFactory)
    label = "Home"
    recipient = "Ani Wijaya"
    phone = "081234567890"
    street = "Jl. Kemang Raya No. 8"
    district = "Mampang Prapatan"
    city = "Jakarta Selatan"
    province = "DKI Jakarta"
    postal_code = "12730"


class CheckoutSettingsFactory(factory.django.DjangoModelFactory):
    """A store that ships for Rp20.000 (free from Rp500.000) and takes transfers and cash."""

    class Meta:
        model = "checkout.StoreCheckoutSettings"
        django_get_or_create = ("store",)

    store = factory.SubFactory(StoreFactory)
    shipping_flat_rate = 2_000_000
    free_shipping_threshold = 50_000_000
    bank_name = "BCA"
    bank_account_number = "1234567890"
    bank_account_holder = "Toko Contoh"
    cod_enabled = True
    cod_fee = 500_000
    cod_max_order = 100_000_000


class DiscountCodeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "checkout.DiscountCode"

    code = factory.Sequence(lambda n: f"HEMAT{n}")
    kind = "percentage"
    value = 10
    starts_at = factory.LazyFunction(lambda: __import__("django.utils.timezone").utils.timezone.now())


def buyable_variant(*, store=None, price=15_000_000, stock=10, **kwargs):
    """An active product's variant in a store that ships and takes transfers and cash."""
    store = store or StoreFactory()
    CheckoutSettingsFactory(store=store)
    product = ProductFactory(store=store, status="active")
    return VariantFactory(product=product, price=price, stock=stock, **kwargs)


def checkout_cart(buyer, *variants_and_quantities):
    """``buyer``'s cart holding ``(variant, quantity)`` pairs (added through the service)."""
    from checkout import services

    cart = services.cart_for_user(user=buyer, create=True)
    for variant, quantity in variants_and_quantities:
        services.add_to_cart(cart=cart, variant_id=variant.pk, quantity=quantity)
    return cart


def place(buyer, *variants_and_quantities, method="bank_transfer", code="", address=None, key=None):
    """Place ``buyer``'s order for ``(variant, quantity)`` pairs through the real service,
    with the digest of the quote a checkout page would have shown."""
    import uuid

    from checkout import services

    cart = checkout_cart(buyer, *variants_and_quantities)
    address = address or AddressFactory(user=buyer)
    quote = services.cart_quote(cart=cart, buyer=buyer, discount_code=code, payment_method=method)
    return services.place_order(
        buyer=buyer,
        cart=cart,
        address=address,
        payment_method=method,
        idempotency_key=key or uuid.uuid4().hex,
        quote_digest=quote.digest,
        discount_code=code,
    )
