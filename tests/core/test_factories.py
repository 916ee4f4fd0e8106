import pytest

from tests import factories

pytestmark = pytest.mark.django_db

ALL_FACTORIES = [
    obj
    for name, obj in vars(factories).items()
    if name.endswith("Factory") and isinstance(obj, type) and hasattr(obj, "_meta") and obj._meta.model
]


@pytest.mark.parametrize("factory_class", ALL_FACTORIES, ids=lambda f: f.__name__)
def test_every_factory_builds_a_row_the_database_accepts(factory_class):
    instance = factory_class()

    assert type(instance).objects.filter(pk=instance.pk).exists()
