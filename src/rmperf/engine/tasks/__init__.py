"""RM reminders and tasks (DOMAIN §3): what each RM should do today, from a lake."""

from rmperf.engine.tasks.generate import TASK_SCHEMA, TaskRun, generate_tasks
from rmperf.engine.tasks.policy import (
    WINDOWED_KINDS,
    TaskKind,
    TasksPolicy,
    load_tasks_policy,
)

__all__ = [
    "TASK_SCHEMA",
    "WINDOWED_KINDS",
    "TaskKind",
    "TaskRun",
    "TasksPolicy",
    "generate_tasks",
    "load_tasks_policy",
]
