"""Mail from templates: every mail is plain text with an HTML alternative."""

from __future__ import annotations

from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string


def send_templated_mail(*, to: str, subject: str, template: str, context: dict) -> None:
    """Render `<template>.txt` and `<template>.html` and send them through Django's mail
    framework (SMTP, settings from the environment). Raises on a mail server error."""
    text = render_to_string(f"{template}.txt", context)
    html = render_to_string(f"{template}.html", context)
    message = EmailMultiAlternatives(subject=subject, body=text, to=[to])
    message.attach_alternative(html, "text/html")
    message.send()
