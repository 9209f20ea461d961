#!/usr/bin/env bash
# Ce que la machine doit fournir au portail, hors Python : appelé par `make install` (mode
# « installation ») et par `make test` et .ci/run (mode « tests »).
#
#   installation : npm (outils des tests de qualité, node_modules/)
#   tests        : Chromium (tests navigateur), Java (Nu Html Checker), polices DejaVu (PDF),
#                  Redis et PostgreSQL locaux (sessions partagées, sauvegarde, deux serveurs)
#
# En root (CI, conteneur), les paquets Debian manquants sont installés et les services arrêtés
# sont démarrés. Sinon, le script dit en français quelle commande lancer, et échoue.
set -euo pipefail

mode="${1:-tests}"
case "$mode" in
  installation | tests) ;;
  *)
    echo "usage : $0 [installation|tests]" >&2
    exit 2
    ;;
esac

root=0
[ "$(id -u)" -eq 0 ] && root=1

echec() {
  echo "" >&2
  echo "✗ $1" >&2
  shift
  for ligne in "$@"; do echo "  $ligne" >&2; done
  exit 1
}

# Paquets Debian : chaque test « est-ce là ? » a son paquet.
manquants=()
if [ "$mode" = installation ]; then
  command -v npm >/dev/null || manquants+=(npm)
else
  [ -x "${CHROMIUM:-/usr/bin/chromium}" ] || manquants+=(chromium)
  command -v java >/dev/null || manquants+=(default-jre-headless)
  [ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || manquants+=(fonts-dejavu-core)
  command -v redis-server >/dev/null || manquants+=(redis-server)
  command -v pg_ctlcluster >/dev/null || manquants+=(postgresql)
fi

if [ ${#manquants[@]} -gt 0 ]; then
  if [ $root -eq 1 ] && command -v apt-get >/dev/null; then
    echo "Installation des paquets Debian : ${manquants[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${manquants[@]}" >/dev/null
  else
    echec "Il manque des paquets pour $([ "$mode" = installation ] && echo "l'installation" || echo "les tests") : ${manquants[*]}." \
      "Installez-les (Debian, Ubuntu) avec :" \
      "    sudo apt-get install ${manquants[*]}" \
      "puis relancez la commande (make $([ "$mode" = installation ] && echo install || echo test))."
  fi
fi

[ "$mode" = installation ] && exit 0

# PostgreSQL : deux tests s'y connectent (PG_SAUVEGARDE_URL, par défaut le serveur local
# 127.0.0.1:5432, utilisateur postgres), et toute la suite quand DATABASE_URL est postgres://.
serveur="${PG_SAUVEGARDE_URL:-postgres://postgres@127.0.0.1:5432}"
if [ -z "${PG_SAUVEGARDE_URL:-}" ] && ! pg_isready -h 127.0.0.1 -p 5432 -q; then
  version="$(ls /etc/postgresql 2>/dev/null | sort -V | tail -1)"
  if [ $root -eq 1 ] && [ -n "$version" ]; then
    pg_ctlcluster --skip-systemctl-redirect "$version" main start
    for _ in $(seq 1 30); do pg_isready -h 127.0.0.1 -p 5432 -q && break; sleep 1; done
  fi
  pg_isready -h 127.0.0.1 -p 5432 -q || echec "PostgreSQL ne répond pas sur 127.0.0.1:5432." \
    "Démarrez-le avec :" \
    "    sudo pg_ctlcluster ${version:-<version>} main start"
fi
if ! psql "$serveur/postgres" -Atqc "SELECT 1" >/dev/null 2>&1; then
  echec "PostgreSQL ne répond pas ou refuse la connexion $serveur/postgres (sans mot de passe)." \
    "Les tests s'y connectent ainsi ; sur une machine de développement, autorisez" \
    "l'utilisateur postgres en local dans pg_hba.conf :" \
    "    host  all  postgres  127.0.0.1/32  trust" \
    "puis rechargez PostgreSQL (sudo pg_ctlcluster <version> main reload), ou indiquez un" \
    "autre serveur dans PG_SAUVEGARDE_URL."
fi

# Redis (sessions dans un cache partagé, test à deux serveurs) : démarré sans rien écrire sur
# disque s'il ne répond pas. Un utilisateur ordinaire peut le lancer lui-même.
if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save '' --appendonly no >/dev/null
  for _ in $(seq 1 30); do redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && break; sleep 1; done
  redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 || echec "Redis ne répond pas sur 127.0.0.1:6379." \
    "Démarrez-le avec :" \
    "    redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save '' --appendonly no"
fi
