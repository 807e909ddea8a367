#!/bin/sh
# Creates the Secrets of the dev overlay (names and keys: secrets.example.yaml) in a development
# cluster, with fresh random values and a fresh JWT signing key. Values never touch the disk
# outside a temporary directory, and never the repository.
#
#   deploy/k8s/create-dev-secrets.sh [NAMESPACE]        # default supergraph-dev
#
# A Secret that already exists is left as it is: its database password is already inside the
# PostgreSQL volume, its JWT key already signed tokens. Delete one first to make it anew.
# Needs kubectl (KUBECTL=... for another one, e.g. deploy/.venv/bin/kubectl) and openssl.
set -eu

NS=${1:-supergraph-dev}
KUBECTL=${KUBECTL:-kubectl}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# secret KEY: a file holding 32 random bytes in hex, for --from-file (values stay off command lines).
secret() {
	openssl rand -hex 32 | tr -d '\n' >"$TMP/$1"
	echo "$TMP/$1"
}

# create NAME ARGS...: kubectl create secret generic NAME ARGS, unless NAME exists.
create() {
	name=$1
	shift
	if $KUBECTL -n "$NS" get secret "$name" >/dev/null 2>&1; then
		echo "secret/$name exists: kept"
		return
	fi
	$KUBECTL -n "$NS" create secret generic "$name" "$@"
}

$KUBECTL get namespace "$NS" >/dev/null 2>&1 || $KUBECTL create namespace "$NS"

create router-hmac --from-file=ROUTER_HMAC_SECRET="$(secret hmac)"

# One RS256 key, PKCS#8 PEM, named by the time as `manage.py rotate_jwt_key` names them.
KID=$(date -u +%Y%m%dT%H%M%S000000)
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$TMP/$KID.pem" 2>/dev/null
create jwt-signing-keys --from-file="$KID.pem=$TMP/$KID.pem"

# The events broker: the Redis StatefulSet's password, and the URL the relays and workers use.
password=$(secret broker-password)
printf 'redis://:%s@redis:6379/0' "$(cat "$password")" >"$TMP/broker-url"
create events-broker --from-file=REDIS_PASSWORD="$password" --from-file=CELERY_BROKER_URL="$TMP/broker-url"

for service in users orders payments; do
	create "$service-django" --from-file=DJANGO_SECRET_KEY="$(secret "$service-django")"
	password=$(secret "$service-password")
	printf 'postgres://%s:%s@%s-db:5432/%s' "$service" "$(cat "$password")" "$service" "$service" >"$TMP/$service-url"
	create "$service-database" \
		--from-file=POSTGRES_PASSWORD="$password" \
		--from-file=DATABASE_URL="$TMP/$service-url"
done
