"""The filter of every error report (Django's debug page, error mails and logs of them)."""

from __future__ import annotations

from django.views.debug import SafeExceptionReporterFilter


class AlwaysSafeExceptionReporterFilter(SafeExceptionReporterFilter):
    """Django's filter, also while DEBUG is on.

    Django switches its filter off with DEBUG, so the debug page of a developer or of a
    server started with DEBUG=1 shows every POSTed personnummer and password. Here the
    views marked with `sensitive_post_parameters` and `sensitive_variables` keep their
    values hidden in every report.
    """

    def is_active(self, request) -> bool:
        return True
