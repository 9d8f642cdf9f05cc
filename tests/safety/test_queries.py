"""The county's hazard list stays cheap: a budget of queries per page that cannot creep up."""

from __future__ import annotations

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from edugov.safety import services
from tests.conftest import Personas, World
from tests.safety.conftest import T0

#: session, user, memberships (scope and the top bar's "acting as" share one read), the rows.
#: The total is cached (paging.COUNT_TTL), so a repeated page does not count again.
HAZARD_LIST_QUERIES = 4


def test_county_hazard_list_query_budget(personas: Personas, world: World) -> None:
    for title in ("楼梯扶手松动", "灭火器过期"):
        services.report_hazard(actor=personas.school_admin_a, institution=world.school_a,
                               domain="fire", title=title, now=T0)
    client = Client()
    client.force_login(personas.county_a)
    url = reverse("safety:hazard_list") + "?state=open"
    client.get(url)  # the first visit computes and caches the total
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    content = response.content.decode()
    assert response.status_code == 200 and "楼梯扶手松动" in content and "灭火器过期" in content
    assert "县（区）教育局 · 东城区" in content  # the top bar still says who is acting
    shown = "\n".join(q["sql"][:120] for q in queries.captured_queries)
    assert len(queries) <= HAZARD_LIST_QUERIES, shown
