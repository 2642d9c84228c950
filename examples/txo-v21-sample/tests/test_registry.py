"""Registries, the connection settings singleton and cached names: shared
by design in v2.1, and phase 3 leaves them so (it reports them)."""

from utils.registry import ConnectionSettings, EndpointRegistry, normalise_entity


def test_handlers_are_shared_by_every_registry():
    EndpointRegistry().register("customers", len)

    assert EndpointRegistry().handler("customers") is len


def test_connection_settings_are_one_instance():
    assert ConnectionSettings() is ConnectionSettings()
    assert ConnectionSettings().max_connections == 10


def test_entity_names_are_normalised_once():
    normalise_entity.cache_clear()

    assert normalise_entity("  Sales Order ") == "sales-order"
    assert normalise_entity("  Sales Order ") == "sales-order"
    assert normalise_entity.cache_info().hits == 1
