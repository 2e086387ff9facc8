"""Password hashing tuned for our two-core machines."""

from __future__ import annotations

from django.contrib.auth.hashers import Argon2PasswordHasher


class FinsamArgon2PasswordHasher(Argon2PasswordHasher):
    """Argon2id at OWASP's recommended minimum (19 MiB, 2 passes, 1 lane).

    Django's defaults (100 MiB, 8 lanes) cost ~0.7 s per login here and PBKDF2's 1.5 M
    rounds ~1 s, all of it on the CPU that also serves pages: during a morning rush the
    login POSTs queued and light pages behind them (make load: login p50 17 s). These
    parameters cost ~40–70 ms; argon2-cffi releases the GIL while hashing, so with
    gunicorn's gthread workers the other threads keep serving pages. The algorithm name
    stays "argon2": hashes made with other parameters still verify and are rehashed with
    these at the next login (Django's must_update).
    """

    time_cost = 2
    memory_cost = 19 * 1024
    parallelism = 1
