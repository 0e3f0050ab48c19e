"""Tracking's storage and delivery (the pure part is ``jrp.tracking``).

- ``tables``: the tables (migration ``0016_subscriptions``); ``subscriptions``: subscriptions and the
  tracker's cursor; ``outbox``: notifications and their deliveries, claimed under leases, retried,
  dead-lettered and redelivered; ``secrets``: each subscriber's webhook signing secrets and their rotation.
- ``event_tail``: the tracker's durable tail of the change feed (``jrp.adapters.facts.change_feed``);
  ``publication_watch``: whether an edition was published since the tracker read its rules.
- ``webhooks`` (Standard Webhooks, ``standardwebhooks``), ``amqp`` (RabbitMQ, ``aio-pika``): the two
  sinks; ``dispatch``: the dispatcher every serving process runs; ``lease``: the tracker's election.
"""
