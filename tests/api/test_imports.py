"""CSV imports as a browser's file input and generated clients send them: multipart/form-data
with a `file` field, beside a text/csv body; each import's documented example is accepted."""

import io

from models.users import Role

# Each import, in an order where the examples build on each other (the journeys are the
# imported volunteer's), with who sends it.
IMPORTS = {
    "/api/v1/schools/import": None,  # admins
    "/api/v1/employers/{employer_id}/volunteers/import": Role.EMPLOYER_STAFF,
    "/api/v1/employers/{employer_id}/journeys/import": Role.EMPLOYER_STAFF,
    "/api/v1/schools/{school_id}/pupils/import": Role.SCHOOL_STAFF,
    "/api/v1/schools/{school_id}/destinations/import": Role.SCHOOL_STAFF,
}


def form(text: str | bytes, field: str = "file") -> dict:
    data = text.encode() if isinstance(text, str) else text
    return {
        "data": {field: (io.BytesIO(data), "export.csv")},
        "content_type": "multipart/form-data",
    }


def test_every_import_takes_its_documented_example_as_a_form_file(
    client, world, places, auth_headers
):
    spec = client.get("/api/v1/openapi.json").get_json()
    documented = {
        path: op["post"]["requestBody"]
        for path, op in spec["paths"].items()
        if "text/csv" in op.get("post", {}).get("requestBody", {}).get("content", {})
    }
    assert set(documented) == set(IMPORTS)
    for path, role in IMPORTS.items():
        body = documented[path]
        assert body["description"].startswith("A CSV file") and "Columns: " in body["description"]
        assert body["content"]["multipart/form-data"]["schema"]["required"] == ["file"]
        url = path.format(employer_id=world.a.employer.id, school_id=world.a.school.id)
        user = world.a.users[role] if role else world.platform_admin
        example = body["content"]["text/csv"]["example"]

        response = client.post(url, headers=auth_headers(user), **form(example))

        assert response.status_code == 200, (path, response.get_json())
        assert response.get_json()["rows"] == example.count("\n") - 1


def test_a_form_without_the_file_or_with_a_bad_one_is_422(client, world, auth_headers):
    headers = auth_headers(world.a.users[Role.SCHOOL_STAFF])
    url = f"/api/v1/schools/{world.a.school.id}/pupils/import"

    missing = client.post(url, headers=headers, **form("reference,year_group\nP1,9\n", "upload"))
    nul = client.post(url, headers=headers, **form("reference,year_group\nP\x001,9\n"))
    latin1 = client.post(
        url, headers=headers, **form("reference,year_group\nZo\xeb,9\n".encode("latin-1"))
    )
    as_json = client.post(url, headers=headers, json={"file": "reference,year_group\n"})

    assert missing.status_code == 422
    assert list(missing.get_json()["errors"]) == ["file"]
    assert nul.status_code == 422 and list(nul.get_json()["errors"]) == ["2"]
    assert latin1.status_code == 422 and list(latin1.get_json()["errors"]) == ["2"]
    assert as_json.status_code == 415
