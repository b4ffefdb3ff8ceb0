FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md constraints.txt ./
COPY src ./src
COPY migrations ./migrations
# the collector: the server extra, at the versions of constraints.txt (`make constraints`)
RUN pip install --no-cache-dir --constraint constraints.txt '.[server]'
ENV LINEAGE_HOST=0.0.0.0 \
    LINEAGE_PORT=5000 \
    LINEAGE_DATABASE_URL=sqlite:////data/lineage.db
VOLUME /data
EXPOSE 5000
HEALTHCHECK CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:5000/readyz')"
CMD ["lineage", "serve"]
