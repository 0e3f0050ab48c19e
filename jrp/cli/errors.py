"""User errors on the command line: one line on stderr and exit status 2, never a traceback.

A mistake of the person at the terminal (an unknown decision, a bad credit code, a date no
ruleset covers, a database that does not exist, a missing file) is told in one line that
names what is wrong and how to fix it. Anything else is a bug and keeps its traceback.
Exit statuses: 0 done, 1 a negative result (log broken, replay differs, diff errors), 2 an
error of the input or the environment.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import click
import typer
from typer.core import TyperGroup

USER_ERROR = 2


def _validation(error: Any) -> str:
    """A pydantic ValidationError: every field at fault with its message, on one line."""
    items = []
    for problem in error.errors(include_url=False):
        field = ".".join(str(part) for part in problem["loc"]) or "input"
        items.append(f"{field}: {str(problem['msg']).removeprefix('Value error, ')}")
    return "; ".join(items)


def _database(error: Any) -> str:
    """A database that cannot be opened or reached (sqlalchemy OperationalError), with its first line of reason."""
    from jrp.settings import Settings

    url = Settings().resolved_database_url()
    reason = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
    return f"cannot use the database {_masked(url)}: {reason}; {_hint(reason)}"


def _hint(reason: str) -> str:
    missing = re.search(r'database "([^"]+)" does not exist', reason)  # PostgreSQL: no such database
    if missing:
        return f"create it (createdb {missing.group(1)}) or correct --database-url / DATABASE_URL"
    if "no such table" in reason or ("relation" in reason and "does not exist" in reason):
        return "the store has no tables yet: `jrp import`, `jrp demo` or `jrp serve` create them"
    if "unable to open database file" in reason:
        return "the data folder cannot be written: choose another with --data-dir"
    return "check that the database server runs and that --database-url / DATABASE_URL names it"


def _masked(url: str) -> str:
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - an unparsable URL is shown as given
        return url


def _file(error: OSError) -> str:
    return f"{error.strerror or error}: {error.filename}" if error.filename else str(error)


def describe(error: BaseException) -> str | None:
    """The one-line message for a user error, or None if ``error`` is a bug (it then keeps its traceback)."""
    kind = type(error)
    names = {f"{cls.__module__}.{cls.__qualname__}" for cls in kind.__mro__}
    if "jrp.service.UnknownDecision" in names:
        return f"no decision {error} in the log; search with GET /v1/decisions or the console"
    if names & {"jrp.rulesets.library.NoRulesInForce", "jrp.adapters.facts.identity.InvalidIdentifier",
                 "jrp.service.RulesUnavailable", "jrp.adapters.log.crypto.personal_data.PersonalDataUnavailable",
                 "jrp.adapters.facts.importers.ProfileRequired", "jrp.adapters.facts.text_files.UnreadableFile",
                 "jrp.adapters.log.results.ResultMismatch"}:
        return str(error)
    if "pydantic_core._pydantic_core.ValidationError" in names:
        return _validation(error)
    if names & {"sqlalchemy.exc.OperationalError", "sqlite3.OperationalError", "psycopg.OperationalError"}:
        # the hot paths read with plain DBAPI (adapters/store/dbapi.py): their errors are the driver's own
        return _database(error)
    if names & {"sqlalchemy.exc.ArgumentError", "sqlalchemy.exc.NoSuchModuleError"}:
        return f"invalid database URL: {error}; write e.g. postgresql+psycopg://user@host/db"
    if "jrp.rulesets.loader.RulesetError" in names:
        problems = getattr(error, "problems", [])
        return "; ".join(str(p) for p in problems[:5]) + (f" (and {len(problems) - 5} more)" if len(problems) > 5 else "")
    if isinstance(error, OSError):
        return _file(error)
    return None


def iso_date(text: str) -> date:
    """An option's YYYY-MM-DD date; a usage error naming the format otherwise."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(f"{text!r} is not a date: write YYYY-MM-DD, e.g. 2025-06-01") from None


def fail(message: str) -> typer.Exit:
    """Print ``message`` as the one line of a user error; raise what this returns."""
    click.echo(f"error: {message}", err=True)
    return typer.Exit(USER_ERROR)


class UserErrorsGroup(TyperGroup):
    """The command group of ``jrp``: a user error raised by any command becomes one line and exit status 2."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except Exception as error:  # noqa: BLE001 - described if it is a user error, re-raised if not
            message = describe(error)
            if message is None:
                raise
            raise fail(message) from None

