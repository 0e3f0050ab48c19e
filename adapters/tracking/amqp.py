"""The AMQP sink: notifications published to RabbitMQ through aio-pika, a second sink of the same outbox.

A durable topic exchange (``amqp_exchange``), routing key ``<jurisdiction>.<scenario>`` (bind
``CN-JS-NT.#``-style patterns: ``CN-JS-NT.government_procurement``), persistent messages whose
``message_id`` is the notification id, and publisher confirms: a delivery counts only once the broker
confirmed it; a lost connection is opened again on the next publish.
"""

from __future__ import annotations

import aio_pika
from aio_pika.abc import AbstractChannel, AbstractExchange, AbstractRobustConnection

from jrp.adapters.tracking.webhooks import DeliveryFailed


class AmqpSink:
    def __init__(self, url: str, exchange: str, timeout: float = 10.0):
        self.url = url
        self.exchange_name = exchange
        self.timeout = timeout
        self._connection: AbstractRobustConnection | None = None
        self._channel: AbstractChannel | None = None
        self._exchange: AbstractExchange | None = None

    async def _ready(self) -> AbstractExchange:
        if self._exchange is None or self._channel is None or self._channel.is_closed:
            await self.close()
            self._connection = await aio_pika.connect_robust(self.url, timeout=self.timeout)
            self._channel = await self._connection.channel(publisher_confirms=True)
            self._exchange = await self._channel.declare_exchange(self.exchange_name, aio_pika.ExchangeType.TOPIC,
                                                                  durable=True)
        return self._exchange

    async def publish(self, routing_key: str, notification_id: str, body: bytes) -> None:
        try:
            exchange = await self._ready()
            await exchange.publish(aio_pika.Message(body, message_id=notification_id, content_type="application/json",
                                                    delivery_mode=aio_pika.DeliveryMode.PERSISTENT),
                                   routing_key=routing_key, timeout=self.timeout)
        except Exception as error:  # noqa: BLE001 - whatever the broker or the network did, the delivery is retried
            self._exchange = None
            raise DeliveryFailed(f"AMQP: {type(error).__name__}: {error}") from None

    async def close(self) -> None:
        connection, self._connection, self._channel, self._exchange = self._connection, None, None, None
        if connection is not None:
            try:
                await connection.close()
            except Exception:  # noqa: BLE001, S110 - closing a connection already lost
                pass
