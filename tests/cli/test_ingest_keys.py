"""``jrp keys create --role ingester``: a scope of authorities, lists and regions, checked and stored with the key."""

from __future__ import annotations

from tests.cli.conftest import Run


def test_an_ingester_key_names_what_it_writes_for(jrp: Run) -> None:
    unscoped = jrp("keys", "create", "court", "--role", "ingester")
    assert unscoped.exit_code == 2 and "--authority" in unscoped.stderr
    unknown_list = jrp("keys", "create", "court", "--role", "ingester", "--list", "no-such-list")
    assert unknown_list.exit_code == 2 and "no-such-list" in unknown_list.stderr
    unknown_region = jrp("keys", "create", "court", "--role", "ingester", "--authority", "某法院", "--region", "CN-XX")
    assert unknown_region.exit_code == 2 and "CN-JS-NT" in unknown_region.stderr
    checker = jrp("keys", "create", "c", "--role", "checker", "--authority", "某法院")
    assert checker.exit_code == 2 and "ingester keys only" in checker.stderr
    made = jrp("keys", "create", "court", "--role", "ingester", "--authority", "苏州市姑苏区人民法院",
               "--authority", "苏州市中级人民法院", "--list", "dishonest-judgment-debtors", "--region", "CN-JS-SZ")
    assert made.exit_code == 0, made.stderr
    listing = jrp("keys", "list").stdout
    assert ("authorities 苏州市姑苏区人民法院, 苏州市中级人民法院; lists dishonest-judgment-debtors; regions CN-JS-SZ"
            in listing)
