#!/usr/bin/env bash
# Restaure une sauvegarde dans une base PostgreSQL VIDE (créée au préalable avec createdb).
#   DATABASE_URL=postgres://…/portail_restauree scripts/restaurer.sh FICHIER.dump
set -euo pipefail
: "${DATABASE_URL:?DATABASE_URL doit désigner la base (vide) où restaurer}"
fichier=${1:?usage: scripts/restaurer.sh FICHIER.dump}
pg_restore --no-owner --no-privileges --exit-on-error --single-transaction \
  --dbname="$DATABASE_URL" "$fichier"
echo "restauré : $fichier"
# Les versions des données reviennent à celles de la sauvegarde : une entrée du cache par famille
# (Redis) écrite après la sauvegarde pourrait porter la même version que des données
# différentes. Toutes les versions sautent d'un grand pas aléatoire : aucune clé déjà écrite
# n'est plus jamais lue (commun.cache_famille).
pas=$(( (RANDOM << 30) + (RANDOM << 15) + RANDOM + 1000000 ))
psql --no-psqlrc --quiet --dbname="$DATABASE_URL" \
  -c "UPDATE commun_version SET valeur = valeur + $pas WHERE cle >= 0" 2>/dev/null \
  || echo "(pas de table commun_version dans cette sauvegarde : rien à faire)"
