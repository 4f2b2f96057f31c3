"""Prometheus metrics of one app, on a registry of its own (no global registry)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.callbacks = Counter(
            "wxbot_callbacks_total",
            "Callbacks by account and outcome",
            ["account", "outcome"],
            registry=self.registry,
        )
        self.rejections = Counter(
            "wxbot_callback_rejections_total",
            "Callbacks refused at the edge, by HTTP status",
            ["status"],
            registry=self.registry,
        )
        self.keyword_hits = Counter(
            "wxbot_keyword_hits_total",
            "Keyword rules that fired",
            ["account", "rule"],
            registry=self.registry,
        )
        self.callback_seconds = Histogram(
            "wxbot_callback_seconds",
            "Time from request to answer",
            registry=self.registry,
        )
        self.outbox_jobs = Counter(
            "wxbot_outbox_jobs_total",
            "Outbox job attempts by kind and result",
            ["kind", "result"],
            registry=self.registry,
        )

        self.effects_backlog = Gauge(
            "wxbot_effects_backlog",
            "Events stored and not yet applied by the effects stage",
            registry=self.registry,
        )
        self.effects_lag = Gauge(
            "wxbot_effects_lag_seconds",
            "Age of the oldest event not yet applied by the effects stage",
            registry=self.registry,
        )
        self.effects_events = Counter(
            "wxbot_effects_events_total",
            "Events the effects stage handled, by stream and result",
            ["stream", "result"],
            registry=self.registry,
        )

    def render(self) -> bytes:
        return generate_latest(self.registry)
