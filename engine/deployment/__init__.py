"""Deployment: bundles in, validated and versioned process definitions out."""

from .bundle import Bundle
from .compile import CompiledProcess, UserTaskInfo, compile_bundle, user_task_info
from .deploy import DeployedProcess, deploy
from .spec_cache import SpecCache

__all__ = [
    "Bundle",
    "CompiledProcess",
    "DeployedProcess",
    "SpecCache",
    "UserTaskInfo",
    "compile_bundle",
    "deploy",
    "user_task_info",
]
