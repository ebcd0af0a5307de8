FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md babel.cfg ./
COPY innovation_hub ./innovation_hub
COPY templates ./templates
COPY static ./static
COPY piccolo_migrations ./piccolo_migrations
RUN pip install --no-cache-dir -e . \
    && pybabel compile --domain=messages --directory=innovation_hub/locale
ENV HUB_VAR_DIR=/app/var
EXPOSE 8000
CMD ["innovation-hub", "serve", "--host", "0.0.0.0", "--port", "8000"]
