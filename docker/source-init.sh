#!/bin/sh
# Service source-init (docker-compose.yaml), in the acme image: creates the ACME source tables
# and fills them with demo data, once. Idempotent: the marker is written only after a complete
# fill, so a later `docker compose up` exits 0 at once, and an interrupted fill is redone from
# scratch (create-schema --drop). `docker compose down -v` removes the marker with the data.
set -eu

marker=/var/lib/acme/state/source-filled
if [ -e "$marker" ]; then
  echo "source-init: the source is already filled ($marker); nothing to do"
  exit 0
fi
acme-datagen create-schema --drop
acme-datagen fill --customers "${DATAGEN_CUSTOMERS:-2000}" --products "${DATAGEN_PRODUCTS:-500}" \
  --orders "${DATAGEN_ORDERS:-5000}" --items-per-order "${DATAGEN_ITEMS_PER_ORDER:-26}" \
  --seed "${DATAGEN_SEED:-42}"
touch "$marker"
echo "source-init: source created and filled"
