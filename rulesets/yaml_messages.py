"""YAML mistakes said in one line, with the fix: what libyaml reports in several lines of parser terms.

A maintainer writing a ruleset meets a handful of YAML mistakes again and again: a tab in the
indentation, a value holding ``: `` or a half-width comma that ends it early, a quote never
closed, a date that does not exist. Each becomes one sentence naming the mistake and its fix;
anything else keeps libyaml's own words, folded onto the line.
"""

from __future__ import annotations

import calendar
import re

import yaml

QUOTE_THIS = "quote this value (write it in double quotes: \"…\")"
HINTS: tuple[tuple[str, str], ...] = (
    ("tab", "a tab: indent with spaces (YAML does not accept tabs)"),
    ("mapping values are not allowed",
     f"a ': ' inside a value starts a new key: {QUOTE_THIS}, or indent the key like the keys beside it"),
    ("did not find expected ',' or '}'", f"a value inside {{…}} holds ': ' or is not closed with '}}': {QUOTE_THIS}"),
    ("did not find expected ',' or ']'", f"a value inside […] holds ': ' or is not closed with ']': {QUOTE_THIS}"),
    ("block sequence entries are not allowed", f"a '- ' inside a value starts a list: {QUOTE_THIS}"),
    ("cannot start any token", f"a value starts with a character YAML reserves (@, `, %, |, >): {QUOTE_THIS}"),
    ("found unexpected end of stream", "a quotation mark is opened and never closed: close it on the same value"),
    ("could not find expected ':'", f"a key without ': ', or a long value broken over lines: {QUOTE_THIS}"),
)
UNQUOTED_COMMA = (f"is no field: a half-width comma inside {{…}} ends the value before it; {QUOTE_THIS}, "
                  "or write a full-width comma (，) as the text has it")
DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})")


def syntax_message(error: yaml.YAMLError) -> str:
    """One line for a parser error: the known mistake and its fix, else libyaml's problem and where."""
    problem = " ".join(str(getattr(error, "problem", None) or error).split())
    mark = getattr(error, "problem_mark", None)
    column = f" (column {mark.column + 1})" if mark is not None else ""
    context = getattr(error, "context", None) or ""
    for words, hint in HINTS:
        if words in problem or words in context:
            return f"{hint}{column}"
    return f"not valid YAML: {problem}{column}"


def impossible_date(text: str, reason: str) -> str:
    """``2027-02-30`` is not a date: say why in the calendar's terms, and which dates there are."""
    match = DATE.match(text)
    if match is None:
        return f"{text} is not a date ({reason}): write it as YYYY-MM-DD, e.g. 2027-02-28"
    year, month, _day = (int(part) for part in match.groups())
    if not 1 <= month <= 12:
        return f"{text} is not a date: there is no month {month}; write YYYY-MM-DD with a month from 01 to 12"
    last = calendar.monthrange(year, month)[1]
    return (f"{text} is not a date: {calendar.month_name[month]} {year} has {last} days; "
            f"write an existing date, e.g. {year}-{month:02d}-{last:02d}")
