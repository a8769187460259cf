"""Deployment: bundles in, validated and versioned process definitions out."""

from .bundle import Bundle
from .compile import CompiledProcess, UserTaskInfo, compile_bundle, user_task_info
from .deploy import DeployedProcess, deploy
from .diff import VersionDiff, diff_versions
from .spec_cache import SpecCache
from .validate import validate_bundle, validate_files

__all__ = [
    "Bundle",
    "CompiledProcess",
    "DeployedProcess",
    "SpecCache",
    "UserTaskInfo",
    "VersionDiff",
    "compile_bundle",
    "deploy",
    "diff_versions",
    "user_task_info",
    "validate_bundle",
    "validate_files",
]
