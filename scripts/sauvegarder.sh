#!/usr/bin/env bash
# Sauvegarde de la base PostgreSQL du portail (format personnalisé de pg_dump, compressé).
#   DATABASE_URL=postgres://… scripts/sauvegarder.sh [FICHIER]
# Par défaut : sauvegardes/portail-AAAAMMJJ-HHMMSS.dump
set -euo pipefail
: "${DATABASE_URL:?DATABASE_URL doit désigner la base PostgreSQL à sauvegarder}"
fichier=${1:-sauvegardes/portail-$(date -u +%Y%m%d-%H%M%S).dump}
mkdir -p "$(dirname "$fichier")"
pg_dump --format=custom --no-owner --no-privileges --dbname="$DATABASE_URL" --file="$fichier"
echo "$fichier"
