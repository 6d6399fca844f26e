"""Credentials for the three APIs: static token, IAM password token, AK/SK signing; discovery and redaction."""

from .aksk import AkSkAuth
from .base import Credentials, Prompt, TokenAuth, mask_key, redact
from .discovery import NOTHING_FOUND, credentials_file, credentials_for, read_credentials_file
from .password import REFRESH_AHEAD, PasswordAuth

__all__ = [
    "AkSkAuth",
    "Credentials",
    "NOTHING_FOUND",
    "PasswordAuth",
    "Prompt",
    "REFRESH_AHEAD",
    "TokenAuth",
    "credentials_file",
    "credentials_for",
    "mask_key",
    "read_credentials_file",
    "redact",
]
