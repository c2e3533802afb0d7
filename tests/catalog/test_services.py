import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from catalog import services
from catalog.models import Category, Product, ProductImage, ProductVariant
from shop.images import verify_image
from tests.factories import (
    CategoryFactory,
    ProductFactory,
    StoreFactory,
    UserFactory,
    VariantFactory,
    image_file,
)

pytestmark = pytest.mark.django_db


# --- Stores --------------------------------------------------------------------


def test_opening_a_store_makes_the_owner_a_seller():
    # given
    user = UserFactory()
    # when
    store = services.open_store(owner=user, name="Batik Sekar", description="Batik tulis dari Solo")
    # then
    user.refresh_from_db()
    assert store.slug == "batik-sekar"
    assert user.is_staff and not user.is_superuser
    assert user.groups.filter(name=services.SELLERS_GROUP).exists()
    assert user.has_perm("catalog.change_product") and user.has_perm("catalog.view_category")
    assert not user.has_perm("catalog.add_store") and not user.has_perm("catalog.add_category")


def test_a_user_opens_at_most_one_store():
    user = UserFactory()
    services.open_store(owner=user, name="One")
    with pytest.raises(ValidationError, match="already have a store"):
        services.open_store(owner=user, name="Two")


def test_store_slugs_are_made_unique():
    services.open_store(owner=UserFactory(), name="Kopi Kita")
    second = services.open_store(owner=UserFactory(), name="Kopi Kita")
    assert second.slug == "kopi-kita-2"


def test_a_taken_store_address_is_refused_with_a_message():
    services.open_store(owner=UserFactory(), name="Kopi", slug="kopi")
    with pytest.raises(ValidationError) as error:
        services.open_store(owner=UserFactory(), name="Other", slug="kopi")
    assert "slug" in error.value.message_dict


def test_a_bad_whatsapp_number_is_refused():
    with pytest.raises(ValidationError) as error:
        services.open_store(owner=UserFactory(), name="X", whatsapp="call me")
    assert "whatsapp" in error.value.message_dict


# --- Categories ----------------------------------------------------------------


def test_categories_nest_three_levels_and_no_deeper():
    # given
    fashion = services.create_category(name="Fashion")
    batik = services.create_category(name="Batik", parent=fashion)
    shirts = services.create_category(name="Kemeja", parent=batik)
    assert (fashion.depth, batik.depth, shirts.depth) == (1, 2, 3)
    # when / then
    with pytest.raises(ValidationError, match="at most 3 levels"):
        services.create_category(name="Too deep", parent=shirts)


def test_a_category_with_children_cannot_move_below_the_limit():
    root = services.create_category(name="A")
    child = services.create_category(name="B", parent=root)
    services.create_category(name="C", parent=child)
    other = services.create_category(name="D")
    root.parent = other
    with pytest.raises(ValidationError):
        services.save_category(category=root)


def test_a_category_cannot_be_its_own_ancestor():
    root = services.create_category(name="A")
    child = services.create_category(name="B", parent=root)
    root.parent = child
    with pytest.raises(ValidationError, match="under itself"):
        services.save_category(category=root)


def test_moving_a_category_updates_the_depth_below_it():
    a = services.create_category(name="A")
    b = services.create_category(name="B")
    c = services.create_category(name="C", parent=b)
    b.parent = a
    services.save_category(category=b)
    c.refresh_from_db()
    assert c.depth == 3


def test_the_database_refuses_an_inconsistent_depth():
    with pytest.raises(IntegrityError), transaction.atomic():
        Category.objects.create(name="Orphan", slug="orphan", depth=2)


# --- Products and variants ------------------------------------------------------


def test_creating_an_active_product_sets_its_publication_time():
    store = StoreFactory()
    product = services.create_product(store=store, title="Kemeja Parang", status=Product.Status.ACTIVE)
    assert product.published_at is not None
    draft = services.create_product(store=store, title="Kemeja Parang")
    assert draft.slug == "kemeja-parang-2" and draft.published_at is None


def test_publishing_and_archiving_in_bulk():
    # given
    store = StoreFactory()
    drafts = [ProductFactory(store=store, status=Product.Status.DRAFT, published_at=None) for _ in range(3)]
    # when
    changed = services.publish_products(ids=[p.pk for p in drafts])
    # then
    assert changed == 3
    assert all(p.published_at for p in Product.objects.filter(pk__in=[p.pk for p in drafts]))
    assert services.archive_products(ids=[drafts[0].pk]) == 1
    assert services.archive_products(ids=[drafts[0].pk]) == 0, "already archived: nothing changes"


def test_sku_is_unique_within_a_store_but_not_across_stores():
    # given
    first = ProductFactory()
    services.create_variant(product=first, sku="BTK-01", price=100)
    same_store = ProductFactory(store=first.store)
    # when / then
    with pytest.raises(ValidationError) as error:
        services.create_variant(product=same_store, sku="BTK-01", price=100)
    assert "sku" in error.value.message_dict
    other = services.create_variant(product=ProductFactory(), sku="BTK-01", price=100)
    assert other.store_id != first.store_id


def test_a_variant_takes_its_store_from_its_product():
    product = ProductFactory()
    variant = services.create_variant(product=product, sku="A", price=5, options={"Size": "M"})
    assert variant.store_id == product.store_id
    assert variant.label == "M"


@pytest.mark.parametrize(
    "changes,field",
    [
        ({"price": -1}, "price"),
        ({"stock": -5}, "stock"),
        ({"compare_at_price": 100}, "compare_at_price"),
        ({"options": ["M"]}, "options"),
        ({"sku": "  "}, "sku"),
    ],
)
def test_variant_rules_give_field_errors(changes, field):
    variant = VariantFactory(price=100)
    with pytest.raises(ValidationError) as error:
        services.update_variant(variant=variant, **changes)
    assert field in error.value.message_dict


@pytest.mark.parametrize(
    "update",
    [{"stock": -1}, {"price": -1}, {"compare_at_price": 10}],
    ids=["negative-stock", "negative-price", "compare-at-below-price"],
)
def test_the_database_enforces_variant_rules_even_past_the_services(update):
    variant = VariantFactory(price=100, stock=3)
    with pytest.raises(IntegrityError), transaction.atomic():
        ProductVariant.objects.filter(pk=variant.pk).update(**update)


def test_the_database_refuses_a_duplicate_sku_in_one_store():
    variant = VariantFactory(sku="DUP")
    with pytest.raises(IntegrityError), transaction.atomic():
        ProductVariant.objects.create(product=variant.product, store=variant.store, sku="DUP", price=1)


# --- Images ---------------------------------------------------------------------


def test_a_product_image_gets_its_renditions_once(django_capture_on_commit_callbacks):
    # given
    product = ProductFactory()
    # when
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        image = services.add_product_image(
            product=product, image=verify_image(image_file(size=(1600, 1200))), alt_text="Front"
        )
    # then (the other callbacks turn the catalog pages' version: shop.stencil.changed)
    assert len([callback for callback in callbacks if "stencil" not in callback.__module__]) == 1
    image.refresh_from_db()
    assert image.renditions_ready
    assert image.display_url != image.image.url and image.webp_url.endswith(".webp")
    assert (image.width, image.height) == (1600, 1200)
    assert services.make_renditions_for(image_id=image.pk) is False, "second run does nothing"


def test_until_renditions_exist_the_original_is_shown(django_capture_on_commit_callbacks):
    product = ProductFactory()
    with django_capture_on_commit_callbacks(execute=False):
        image = services.add_product_image(product=product, image=verify_image(image_file()))
    image = ProductImage.objects.get(pk=image.pk)
    assert not image.renditions_ready
    assert image.display_url == image.image.url == image.thumbnail_url
    assert image.webp_url == ""


def test_visible_to_hides_drafts_from_others_but_not_their_seller():
    draft = ProductFactory(status=Product.Status.DRAFT)
    active = ProductFactory()
    stranger = UserFactory()
    assert set(Product.objects.visible_to(stranger)) == {active}
    assert draft in Product.objects.visible_to(draft.store.owner)


def test_categories_factory_depth():
    root = CategoryFactory()
    assert CategoryFactory(parent=root).depth == 2
