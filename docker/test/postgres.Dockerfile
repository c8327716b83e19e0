# Test-only stand-in for the official postgres:15-bookworm image, built from Debian's
# postgresql-15 on a local Debian base, for scripts/container-check (machines that cannot pull
# from Docker Hub). It honours what docker-compose.yaml relies on: POSTGRES_USER,
# POSTGRES_PASSWORD, POSTGRES_DB, PGDATA, /docker-entrypoint-initdb.d (*.sh run or sourced, *.sql
# applied) run once on an empty data directory by a server listening on the socket only,
# password (scram-sha-256) authentication over TCP, `postgres -c ...` commands, pg_isready on
# PATH. Never used by the real stack.
ARG BASE_IMAGE=debian:bookworm
FROM ${BASE_IMAGE}
ENV DEBIAN_FRONTEND=noninteractive
RUN apt-get update \
 && apt-get install -y --no-install-recommends postgresql-common \
 && sed -ri 's/^#?\s*(create_main_cluster)\s*=.*$/\1 = false/' /etc/postgresql-common/createcluster.conf \
 && apt-get install -y --no-install-recommends postgresql-15 \
 && rm -rf /var/lib/apt/lists/* \
 && sed -ri "s/^#?(listen_addresses)\s*=\s*\S+.*/\1 = '*'/" /usr/share/postgresql/15/postgresql.conf.sample \
 && install -d -o postgres -g postgres -m 3777 /var/run/postgresql \
 && install -d /docker-entrypoint-initdb.d
ENV PATH=/usr/lib/postgresql/15/bin:$PATH PGDATA=/var/lib/postgresql/data LANG=C.UTF-8
COPY docker/test/postgres-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
VOLUME /var/lib/postgresql/data
ENTRYPOINT ["/usr/local/bin/docker-entrypoint.sh"]
STOPSIGNAL SIGINT
EXPOSE 5432
CMD ["postgres"]
