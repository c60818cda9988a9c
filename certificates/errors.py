"""Typed failures of the certificate library.

Callers (the service, the CLI) decide what to do by the type; the message is written for the operator or
clerk who has to fix the cause. Every class takes only a message so that instances survive pickling across
the process pool unchanged.
"""

from __future__ import annotations

__all__ = [
    "CertificateError",
    "DocumentError",
    "FontMissingError",
    "IdentifierError",
    "KeyMaterialError",
    "TemplateError",
]


class CertificateError(Exception):
    """Base of everything this library raises on purpose."""


class TemplateError(CertificateError):
    """A certificate type template is broken; the message names the file and the problem."""


class IdentifierError(CertificateError, ValueError):
    """A licence identifier is malformed or its check character does not match."""


class DocumentError(CertificateError, ValueError):
    """A certificate's data does not fit its type (missing required field, unknown field, naive time)."""


class FontMissingError(CertificateError):
    """No usable CJK TrueType font: the message says which package to install and which key to set."""


class KeyMaterialError(CertificateError):
    """Signing keys or certificates cannot be created, read or matched to each other."""
