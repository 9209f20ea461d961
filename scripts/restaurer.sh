#!/usr/bin/env bash
# Restaure une sauvegarde dans une base PostgreSQL VIDE (créée au préalable avec createdb).
#   DATABASE_URL=postgres://…/portail_restauree scripts/restaurer.sh FICHIER.dump
set -euo pipefail
: "${DATABASE_URL:?DATABASE_URL doit désigner la base (vide) où restaurer}"
fichier=${1:?usage: scripts/restaurer.sh FICHIER.dump}
pg_restore --no-owner --no-privileges --exit-on-error --single-transaction \
  --dbname="$DATABASE_URL" "$fichier"
echo "restauré : $fichier"
