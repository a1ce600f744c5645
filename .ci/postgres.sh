#!/usr/bin/env bash
# Starts, stops and reports a PostgreSQL server for the integration tests of
# the Postgres-backed Iceberg SQL catalog (TestIntegrationPostgresCatalog*).
# The server is Debian's (apt-get install postgresql, when it is missing); its
# cluster lives under .ci/cache/postgres, listens on 127.0.0.1 only, and has a
# role and a database 'chatsql' (password 'chatsql', CREATEDB: each test makes
# a database of its own).
#
#   .ci/postgres.sh start    install (once), initdb (once), start, wait, create the role and database
#   .ci/postgres.sh stop     stop the server started by this script
#   .ci/postgres.sh status   exit 0 when it runs and answers on its port
#   .ci/postgres.sh url      print the URL the tests get as CHATSQL_POSTGRES_URL
#
# PostgreSQL refuses to run as root: as root the server runs as the 'postgres'
# system user (the package creates it), elsewhere as the calling user.
# Environment: POSTGRES_PORT (default 54329), POSTGRES_HOME (.ci/cache/postgres),
# POSTGRES_START_TIMEOUT seconds (60).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
home="${POSTGRES_HOME:-$here/cache/postgres}"
port="${POSTGRES_PORT:-54329}"
timeout="${POSTGRES_START_TIMEOUT:-60}"
superpw=postgres # the superuser's password (local test server, 127.0.0.1 only)

log() { echo "postgres.sh: $*" >&2; }

url() { echo "postgres://chatsql:chatsql@127.0.0.1:$port/chatsql"; }

# bindir finds Debian's server binaries (the newest version installed).
bindir() {
	local d
	for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
		if [[ -x "$d/pg_ctl" && -x "$d/initdb" && -x "$d/postgres" ]]; then
			echo "$d"
			return 0
		fi
	done
	if command -v pg_ctl >/dev/null && command -v initdb >/dev/null && command -v postgres >/dev/null; then
		dirname "$(command -v pg_ctl)"
		return 0
	fi
	return 1
}

install_server() {
	command -v apt-get >/dev/null || { log "PostgreSQL is not installed and there is no apt-get"; exit 1; }
	local sudo_cmd=()
	if ((EUID != 0)); then
		command -v sudo >/dev/null || { log "PostgreSQL is not installed (apt-get install postgresql needs root)"; exit 1; }
		sudo_cmd=(sudo)
	fi
	log "installing PostgreSQL (apt-get install postgresql)"
	# policy-rc.d keeps the package from starting its own cluster on 5432
	local policy=/usr/sbin/policy-rc.d made_policy=0
	if [[ ! -e $policy ]]; then
		printf '#!/bin/sh\nexit 101\n' | "${sudo_cmd[@]}" tee "$policy" >/dev/null && "${sudo_cmd[@]}" chmod +x "$policy" && made_policy=1
	fi
	local rc=0
	"${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postgresql </dev/null >"$home.apt.log" 2>&1 || {
		"${sudo_cmd[@]}" apt-get update </dev/null >>"$home.apt.log" 2>&1 || true
		"${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postgresql </dev/null >>"$home.apt.log" 2>&1 || rc=$?
	}
	if ((made_policy)); then "${sudo_cmd[@]}" rm -f "$policy"; fi
	if ((rc != 0)); then
		log "apt-get install postgresql failed; its output:"
		tail -n 20 "$home.apt.log" >&2
		exit 1
	fi
}

# as runs a command as the server's user.
as() {
	if ((EUID == 0)); then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

# datadir is where the cluster lives: $home/data, or, when the server's user
# cannot reach $home (a checkout under a private home directory), a folder
# under /tmp recorded in $home/datadir.
datadir() {
	if [[ -f "$home/datadir" ]]; then
		cat "$home/datadir"
	else
		echo "$home/data"
	fi
}

pgctl() { as "$(bindir)/pg_ctl" -D "$(datadir)" "$@"; }

running() { [[ -n "$(bindir 2>/dev/null)" && -f "$(datadir)/PG_VERSION" ]] && pgctl status >/dev/null 2>&1; }

answers() { PGPASSWORD=chatsql PGCONNECT_TIMEOUT=3 psql "$(url)" -Atqc 'SELECT 1' >/dev/null 2>&1; }

superpsql() { PGPASSWORD=$superpw psql -h 127.0.0.1 -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1 -Atq "$@"; }

init_cluster() {
	local dir
	dir="$home/data"
	mkdir -p "$dir"
	chmod 700 "$dir"
	if ((EUID == 0)); then
		id postgres >/dev/null 2>&1 || { log "as root the server runs as the 'postgres' user, which does not exist"; exit 1; }
		chown postgres "$dir"
		if ! runuser -u postgres -- test -w "$dir" 2>/dev/null; then
			rmdir "$dir"
			dir="$(mktemp -d /tmp/chatsql-postgres.XXXXXX)"
			chown postgres "$dir"
			echo "$dir" >"$home/datadir"
			log "the 'postgres' user cannot reach $home; the cluster goes to $dir"
		fi
	fi
	local pwfile
	pwfile="$(mktemp)"
	echo "$superpw" >"$pwfile"
	((EUID == 0)) && chown postgres "$pwfile"
	log "initdb into $dir"
	as "$(bindir)/initdb" -D "$dir" -U postgres --pwfile="$pwfile" -E UTF8 --locale=C \
		--auth-local=trust --auth-host=scram-sha-256 >"$home/initdb.log" 2>&1 || {
		rm -f "$pwfile"
		log "initdb failed; its output:"
		tail -n 20 "$home/initdb.log" >&2
		exit 1
	}
	rm -f "$pwfile"
}

start() {
	mkdir -p "$home"
	if running && answers; then
		log "already running on 127.0.0.1:$port"
		return 0
	fi
	bindir >/dev/null || install_server
	bindir >/dev/null || { log "no PostgreSQL server binaries (pg_ctl, initdb, postgres) after installing"; exit 1; }
	[[ -f "$(datadir)/PG_VERSION" ]] || init_cluster
	local logfile
	logfile="$(datadir)/server.log"
	if ! running; then
		log "starting PostgreSQL on 127.0.0.1:$port ($(datadir))"
		# TCP on 127.0.0.1 only; no Unix socket (its default folder may not be writable)
		pgctl start -w -t "$timeout" -l "$logfile" \
			-o "-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories='' -c fsync=off -c max_connections=100" >/dev/null || {
			log "the server did not start; its log:"
			tail -n 30 "$logfile" >&2 || true
			exit 1
		}
	fi
	local i
	for ((i = 0; i < timeout; i++)); do
		superpsql -c 'SELECT 1' >/dev/null 2>&1 && break
		sleep 1
	done
	superpsql -c 'SELECT 1' >/dev/null || { log "the server does not answer on 127.0.0.1:$port"; exit 1; }
	if [[ "$(superpsql -c "SELECT 1 FROM pg_roles WHERE rolname = 'chatsql'")" != 1 ]]; then
		superpsql -c "CREATE ROLE chatsql LOGIN CREATEDB PASSWORD 'chatsql'"
	fi
	if [[ "$(superpsql -c "SELECT 1 FROM pg_database WHERE datname = 'chatsql'")" != 1 ]]; then
		superpsql -c "CREATE DATABASE chatsql OWNER chatsql"
	fi
	answers || { log "the server runs but does not accept $(url)"; exit 1; }
	log "ready: $(url)"
}

stop() {
	if running; then
		pgctl stop -m fast -w >/dev/null
		log "stopped"
	fi
}

case "${1:-}" in
start) start ;;
stop) stop ;;
status) running && answers ;;
url) url ;;
*)
	echo "usage: $0 start|stop|status|url" >&2
	exit 2
	;;
esac
