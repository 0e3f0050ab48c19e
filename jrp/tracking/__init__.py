"""Tracking and prompting (跟踪监测、自动提示): tell an approval system when an answer it acted on changes.

Pure, no storage: ``answers`` (what a subscriber is told an answer is, and how two answers differ),
``next_change`` (the next date an answer may change by time alone), ``watches`` (what a subscription
watches, as a check request), ``outbound`` (which webhook targets are allowed), ``questions`` (the bulk
path: subscriptions grouped by the question they ask, each distinct question evaluated once). ``tracker`` is the
application layer over them and ``jrp.adapters.tracking`` (storage, the outbox and its dispatchers):
re-evaluation on a trigger — events, rules, dates.
"""
