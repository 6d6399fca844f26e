"""hcwatch: a keyboard-driven terminal monitor for long-running Huawei Cloud tasks."""

__version__ = "0.1.0"
