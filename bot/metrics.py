"""Prometheus metrics of one app, on a registry of its own (no global registry)."""

from __future__ import annotations

from typing import Generic, TypeVar

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

Labelled = TypeVar("Labelled", Counter, Gauge, Histogram)

# Every label value here comes from a bounded set (config names, job kinds, lead
# states, WeChat's error codes, message types): never an openid or message text.


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
        self.wecom_callbacks = Counter(
            "wxbot_wecom_callbacks_total",
            "WeCom callbacks accepted, by app and type (message type, or event/change type)",
            ["app", "type"],
            registry=self.registry,
        )
        self.leads = Gauge(
            "wxbot_leads",
            "Leads by state and grade (empty for a lead no grade matched)",
            ["state", "grade"],
            registry=self.registry,
        )
        self.outbox_depth = Gauge(
            "wxbot_outbox_depth",
            "Outbox jobs waiting (pending), by kind",
            ["kind"],
            registry=self.registry,
        )
        self.outbox_oldest_seconds = Gauge(
            "wxbot_outbox_oldest_seconds",
            "Age of the oldest pending outbox job, by kind",
            ["kind"],
            registry=self.registry,
        )
        self.api_failures = Counter(
            "wxbot_api_failures_total",
            "Failed API calls of outbox jobs, by job kind and WeChat/WeCom error code",
            ["kind", "errcode"],
            registry=self.registry,
        )
        self.token_refreshes = Counter(
            "wxbot_token_refreshes_total",
            "Access-token fetches from the API, by API and HTTP status",
            ["api", "status"],
            registry=self.registry,
        )

        self.journey_runs = Gauge(
            "wxbot_journey_runs",
            "Journey runs by journey and status (active, or how the run ended)",
            ["journey", "status"],
            registry=self.registry,
        )
        self.journey_sends = Counter(
            "wxbot_journey_sends_total",
            "Journey step channels tried, by journey, channel and outcome (sent, failed); "
            "unreachable when every channel of a step refused",
            ["journey", "channel", "outcome"],
            registry=self.registry,
        )

    def render(self) -> bytes:
        return generate_latest(self.registry)


class LabelledChildren(Generic[Labelled]):
    """A labelled metric's children by label values, each asked of prometheus once.

    `.labels()` takes the metric's lock and rebuilds its key on every call (0.7 µs, twice
    a callback on the request path). Only for a metric nobody `.clear()`s: a cleared
    metric makes new children, and the ones kept here would count unseen.
    """

    def __init__(self, metric: Labelled) -> None:
        self._metric: Labelled = metric
        self._children: dict[tuple[str, ...], Labelled] = {}

    def __call__(self, *values: str) -> Labelled:
        child = self._children.get(values)
        if child is None:
            child = self._children[values] = self._metric.labels(*values)
        return child
