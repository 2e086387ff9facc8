# One image for web, worker and beat; they differ by command (see docker-compose.yml).
FROM python:3.13-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
# WeasyPrint needs Pango; fonts for the PDF reports are shipped in static/.
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 postgresql-client \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
# The dependencies only, at the versions of requirements.lock (make lock; their own layer,
# rebuilt when the lock changes). Finsam itself is not pip-installed: it runs from /app,
# once, with its templates, static files and data files (forbund/data) where
# settings.BASE_DIR expects them.
COPY requirements.lock ./
RUN pip install --requirement requirements.lock
COPY . .
# Build-only values: collectstatic needs production settings, never these secrets.
RUN FINSAM_PRODUCTION=1 DEBUG=0 ALLOWED_HOSTS=build.invalid \
    SECRET_KEY=build-only-build-only-build-only-build-only-build-only \
    FINSAM_PNR_KEYS=YnVpbGQtb25seS1idWlsZC1vbmx5LWJ1aWxkLW9ubHk= \
    FINSAM_PNR_HMAC_KEY=build-only-build-only-build-only \
    python manage.py collectstatic --noinput

RUN useradd --create-home finsam && mkdir -p /app/var && chown -R finsam /app/var
USER finsam
EXPOSE 8000
CMD ["gunicorn", "finsam.wsgi", "--bind=0.0.0.0:8000", "--workers=3", "--threads=4", "--worker-class=gthread", "--access-logfile=-"]
