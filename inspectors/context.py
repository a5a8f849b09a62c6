"""What an inspector is given to render: the route gathers it (from the store, the engine,
the registries) so inspectors never touch the database."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class InspectorContext:
    workflow_id: str
    node_id: str
    node_type: Any  # nodes.base.NodeType
    config: dict  # as stored
    clean: dict  # validated, defaults filled in
    field_errors: dict  # field -> message (from the engine's resolve)
    node_errors: list  # every message for this node
    upstream: Any  # nodes.base.Upstream
    warnings: list = field(default_factory=list)
    refused: dict = field(default_factory=dict)  # field -> (raw value, message) not saved
    samples: list = field(default_factory=list)
    uploads: list = field(default_factory=list)
    dataset: dict | None = None  # the selected dataset: info + profile
    previews: list = field(default_factory=list)
    label: str = ""  # the user's name for the node (else the type's label is shown)  # the node type's preview blocks (plain data)
    estimate: dict | None = None
    # the node's own share of the run as Run counts it (executor.estimate.node_share: nothing
    # for what the node cache serves); None when its config cannot be read
    share: dict | None = None
    posted: Any = None  # the form just posted, if any: a panel's UI state (which steps are open)
    # the errors a panel has shown beside their field (`error`): the list at the panel's head leaves them out
    shown: set = field(default_factory=set)

    @property
    def post_url(self) -> str:
        return f"/ui/workflows/{self.workflow_id}/nodes/{self.node_id}/config"

    def error(self, name: str) -> str | None:
        """The error to show beside the field `name`; a panel that asks shows it there, so the
        list at its head (parts.Head, drawn after the fields) does not say it again."""
        message = self.refused[name][1] if name in self.refused else self.field_errors.get(name)
        if message:
            self.shown.add(message)
        return message

    def value(self, name: str, default=None):
        if name in self.refused:
            return self.refused[name][0]
        return self.config.get(name, self.clean.get(name, default))
