"""The access helper: navigation by role and the per-request agency scope."""


def test_the_navigation_offers_each_role_only_the_sections_it_can_use(reporter_a, evaluator, executive):
    from citykpi.accounts.access import staff_navigation

    assert staff_navigation(reporter_a) == {"work": True, "setup": True, "exchange": True, "quality": False}
    assert staff_navigation(evaluator) == {"work": True, "setup": True, "exchange": True, "quality": True}
    assert staff_navigation(executive) == {"work": True, "setup": False, "exchange": False, "quality": True}


def test_agency_scope_is_read_once_per_request_and_forgotten_on_demand(
    reporter_a, agency_a, django_assert_num_queries
):
    from citykpi.accounts import access

    access.agency_ids(reporter_a)
    access.agency_ids(reporter_a, "reporter")
    with django_assert_num_queries(0):
        assert access.agency_ids(reporter_a) == {agency_a.pk}
        assert access.agency_ids(reporter_a, "reporter") == {agency_a.pk}
    access.forget(reporter_a)
    assert not hasattr(reporter_a, "_citykpi_agency_ids")
