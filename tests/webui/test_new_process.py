"""A process owner creates a new process (key, names in both languages, lanes from roles) or
duplicates one from the library; it opens in the editor as their draft and deploys."""

from __future__ import annotations

from engine.drafts import get_draft
from engine.models import User


def draft_files(env, key: str) -> dict[str, str]:
    with env.session() as s:
        owner_id = env.user_id("process_owner")
        draft = get_draft(s, s.get(User, owner_id), key)
        return dict(draft.files) if draft else {}


def test_a_new_process_opens_in_the_editor_and_deploys(app, env, client_for):
    owner = client_for("process_owner")
    made = owner.post("/library/new", {"key": "site_survey", "name": "现场勘查",
                                       "name_en": "Site survey",
                                       "roles": ["clerk", "senior_manager"]})
    assert made.status_code == 302 and made.headers["Location"].endswith("/editor/site_survey")
    page = owner.get("/editor/site_survey")
    assert page.status_code == 200
    files = draft_files(env, "site_survey")
    assert list(files) == ["site_survey.bpmn"]
    bpmn = files["site_survey.bpmn"]
    assert 'name="现场勘查"' in bpmn and "<bpmn:documentation>Site survey<" in bpmn
    # lanes in keyflow's order of roles, whatever order they were ticked in
    assert bpmn.index('name="senior_manager"') < bpmn.index('name="clerk"')
    deployed = owner.post_json("/editor/site_survey/deploy", {"files": files})
    assert deployed.status_code == 201 and deployed.get_json()["version"] == 1
    assert owner.get("/editor/site_survey").status_code == 200  # now the deployed version


def test_a_new_process_needs_a_fresh_key_names_and_roles(app, env, client_for):
    owner = client_for("process_owner")
    for form, field in [({"key": "Bad Key", "name": "x", "name_en": "x", "roles": ["clerk"]},
                         "key"),
                        ({"key": "approval", "name": "x", "name_en": "x", "roles": ["clerk"]},
                         "key"),
                        ({"key": "fine_key", "name": "", "name_en": "x", "roles": ["clerk"]},
                         "name"),
                        ({"key": "fine_key", "name": "x", "name_en": "x", "roles": []},
                         "roles"),
                        ({"key": "fine_key", "name": "x", "name_en": "x",
                          "roles": ["janitor"]}, "roles")]:
        refused = owner.post("/library/new", form)
        assert refused.status_code == 422, form
        assert f'data-field="{field}"' in refused.get_data(as_text=True), form
    assert draft_files(env, "fine_key") == {}
    assert owner.get("/editor/fine_key").status_code == 404  # no draft, not deployed
    assert client_for("senior_manager").post("/library/new", {"key": "x_y"}).status_code == 403


def test_duplicate_copies_the_current_version_under_a_new_key(app, env, client_for):
    owner = client_for("process_owner")
    made = owner.post("/library/approval/duplicate", {"key": "approval_copy",
                                                      "name": "审批副本",
                                                      "name_en": "Approval copy"})
    assert made.status_code == 302
    files = draft_files(env, "approval_copy")
    assert "approval_copy.bpmn" not in files or 'id="approval_copy"' in files[
        "approval_copy.bpmn"]
    bpmn = next(t for n, t in files.items() if n.endswith(".bpmn"))
    assert 'id="approval_copy"' in bpmn and 'name="审批副本"' in bpmn
    assert any(n.startswith("forms/") for n in files)
    deployed = owner.post_json("/editor/approval_copy/deploy", {"files": files})
    assert deployed.status_code == 201
    keys = {p["key"]: p for p in deployed.get_json()["processes"]}
    assert keys["approval_copy"]["version"] == 1
    taken = owner.post("/library/approval/duplicate", {"key": "approval_copy", "name": "x",
                                                       "name_en": "x"})
    assert taken.status_code == 422
    assert owner.post("/library/nothing/duplicate", {"key": "k_new", "name": "x",
                                                     "name_en": "x"}).status_code == 404
