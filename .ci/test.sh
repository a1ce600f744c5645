#!/usr/bin/env bash
# The one command that runs the whole test suite on a fresh machine: starts
# the real Kafka broker for the integration tests (and stops it on exit),
# checks formatting and vet, runs every test and prints a summary.
#
# Integration tests are named TestIntegration* and get their broker from
# kafkatest.Brokers (CHATSQL_KAFKA_BROKERS). Under CI=true a skipped
# integration test fails the run.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

source .ci/lib.sh

# The services this run started (ensure_service), stopped on exit.
started_services=()
cleanup() {
	local script
	for script in "${started_services[@]}"; do
		bash ".ci/$script" stop || true
	done
}
trap cleanup EXIT

if [[ -z "${CHATSQL_KAFKA_BROKERS:-}" ]]; then
	ensure_service kafka.sh || { echo "test.sh: could not start the Kafka broker" >&2; exit 1; }
	export CHATSQL_KAFKA_BROKERS=localhost:${KAFKA_PORT:-9092}
fi
echo "test.sh: integration tests use Kafka at $CHATSQL_KAFKA_BROKERS"

# The apertium translation provider's integration tests need Apertium and
# its English-Spanish pair (Debian packages). Not being able to install them
# is not fatal here: the skipped TestIntegrationApertium* tests fail CI.
if ! command -v apertium >/dev/null 2>&1 || [[ ! -f /usr/share/apertium/modes/eng-spa.mode ]]; then
	if command -v apt-get >/dev/null 2>&1; then
		sudo_cmd=()
		if ((EUID != 0)) && command -v sudo >/dev/null 2>&1; then
			sudo_cmd=(sudo)
		fi
		apertium_install() {
			"${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y apertium apertium-eng-spa
		}
		echo "test.sh: installing Apertium (apertium apertium-eng-spa)"
		if ! apertium_log="$(apertium_install 2>&1)"; then
			"${sudo_cmd[@]}" apt-get update >/dev/null 2>&1 || true
			apertium_log="$(apertium_install 2>&1)" || true
		fi
	fi
	if ! command -v apertium >/dev/null 2>&1 || [[ ! -f /usr/share/apertium/modes/eng-spa.mode ]]; then
		echo "test.sh: WARNING: Apertium is not installed and could not be installed (apt-get install apertium apertium-eng-spa); the TestIntegrationApertium* tests will be skipped" >&2
		if [[ -n "${apertium_log:-}" ]]; then tail -n 5 <<<"$apertium_log" >&2; fi
	fi
fi

# The lakehouse's cross-checks (TestIntegrationPyiceberg*) read and write
# Iceberg tables with pyiceberg, another Iceberg implementation, from PyPI.
# It goes into a venv under .ci/cache; not being able to install it is not
# fatal here: the skipped tests fail CI.
pyiceberg_venv=.ci/cache/pyiceberg
pyiceberg_ok() { "$pyiceberg_venv/bin/python" -c 'import pyiceberg.catalog.sql, pyarrow, sqlalchemy, pyiceberg_core' >/dev/null 2>&1; }
if [[ -z "${CHATSQL_PYTHON:-}" ]]; then
	if ! pyiceberg_ok; then
		echo "test.sh: installing pyiceberg[sql-sqlite,pyarrow,pyiceberg-core] into $pyiceberg_venv"
		mkdir -p .ci/cache
		pyiceberg_log="$( { python3 -m venv "$pyiceberg_venv" && "$pyiceberg_venv/bin/pip" install -q 'pyiceberg[sql-sqlite,pyarrow,pyiceberg-core]'; } 2>&1)" || true
	fi
	if pyiceberg_ok; then
		export CHATSQL_PYTHON="$PWD/$pyiceberg_venv/bin/python"
	else
		echo "test.sh: WARNING: pyiceberg could not be installed (python3 -m venv; pip install 'pyiceberg[sql-sqlite,pyarrow,pyiceberg-core]'); the TestIntegrationPyiceberg* tests will be skipped" >&2
		if [[ -n "${pyiceberg_log:-}" ]]; then tail -n 5 <<<"$pyiceberg_log" >&2; fi
	fi
fi

# The Postgres-backed Iceberg SQL catalog's tests (TestIntegrationPostgresCatalog*)
# need a PostgreSQL server: .ci/postgres.sh installs Debian's when missing and
# runs one on 127.0.0.1:54329 with its cluster under .ci/cache/postgres. Not
# being able to start it is not fatal here: the skipped tests fail CI.
if [[ -z "${CHATSQL_POSTGRES_URL:-}" ]]; then
	if ensure_service postgres.sh; then
		export CHATSQL_POSTGRES_URL="$(bash .ci/postgres.sh url)"
		echo "test.sh: the Postgres catalog tests use $CHATSQL_POSTGRES_URL"
	else
		echo "test.sh: WARNING: PostgreSQL could not be started (bash .ci/postgres.sh start); the TestIntegrationPostgresCatalog* tests will be skipped" >&2
	fi
fi
# pyiceberg on the same Postgres catalog (TestIntegrationPostgresCatalogPyiceberg)
# needs psycopg2 in pyiceberg's interpreter.
if [[ -n "${CHATSQL_PYTHON:-}" ]] && ! "$CHATSQL_PYTHON" -c 'import psycopg2' >/dev/null 2>&1; then
	echo "test.sh: installing psycopg2-binary for pyiceberg's SQL catalog on Postgres"
	"$CHATSQL_PYTHON" -m pip install -q psycopg2-binary >/dev/null 2>&1 ||
		echo "test.sh: WARNING: pip install psycopg2-binary failed; TestIntegrationPostgresCatalogPyiceberg will be skipped" >&2
fi

# The REST catalog's tests (TestIntegrationRESTCatalog*) need an Iceberg REST
# catalog: .ci/iceberg-rest.sh runs Apache Iceberg's own REST server (its
# test fixture, jars from Maven Central cached under .ci/cache/iceberg-rest)
# on 127.0.0.1:8181. Not being able to start it is not fatal here: the
# skipped tests fail CI.
if [[ -z "${CHATSQL_ICEBERG_REST_URI:-}" ]]; then
	if ensure_service iceberg-rest.sh; then
		eval "$(bash .ci/iceberg-rest.sh env)"
		echo "test.sh: the REST catalog tests use $CHATSQL_ICEBERG_REST_URI"
	else
		echo "test.sh: WARNING: the Iceberg REST catalog could not be started (bash .ci/iceberg-rest.sh start); the TestIntegrationRESTCatalog* tests will be skipped" >&2
	fi
fi

# The S3 warehouse and Glue catalog tests (TestIntegrationS3*,
# TestIntegrationGlue*) need S3 and Glue: .ci/moto.sh runs moto's emulation
# of both (PyPI, venv under .ci/cache/moto) on 127.0.0.1:5055. Not being
# able to start moto is not fatal here: the skipped tests fail CI.
if [[ -z "${CHATSQL_S3_ENDPOINT:-}" ]]; then
	if ensure_service moto.sh; then
		eval "$(bash .ci/moto.sh env)"
		echo "test.sh: the S3 and Glue tests use moto at $CHATSQL_S3_ENDPOINT"
	else
		echo "test.sh: WARNING: moto could not be started (bash .ci/moto.sh start); the TestIntegrationS3* and TestIntegrationGlue* tests will be skipped" >&2
	fi
fi

# The Hive catalog's tests (TestIntegrationHiveCatalog*) need a Hive
# metastore: .ci/hive-metastore.sh runs Apache Hive's standalone metastore
# 3.1.3 (jars from Maven Central cached under .ci/cache/hive-metastore, Derby)
# on 127.0.0.1:9183. Not being able to start it is not fatal here: the skipped
# tests fail CI.
if [[ -z "${CHATSQL_HIVE_METASTORE_URI:-}" ]]; then
	if ensure_service hive-metastore.sh; then
		eval "$(bash .ci/hive-metastore.sh env)"
		echo "test.sh: the Hive catalog tests use $CHATSQL_HIVE_METASTORE_URI"
	else
		echo "test.sh: WARNING: the Hive metastore could not be started (bash .ci/hive-metastore.sh start); the TestIntegrationHiveCatalog* tests will be skipped" >&2
	fi
fi

# pyiceberg's Glue and Hive catalogs need boto3 and thrift for the remote
# catalog tests' cross-checks (left out, with a log line, without them).
if [[ "${CHATSQL_PYTHON:-}" == "$PWD/$pyiceberg_venv/bin/python" ]] && ! "$CHATSQL_PYTHON" -c 'import boto3, thrift' >/dev/null 2>&1; then
	"$pyiceberg_venv/bin/pip" install -q boto3 thrift >/dev/null 2>&1 || echo "test.sh: WARNING: boto3 and thrift could not be installed into $pyiceberg_venv; pyiceberg's Glue and Hive cross-checks are left out" >&2
fi

start=$SECONDS
unformatted="$(find . -name '*.go' -not -path './.ci/cache/*' -not -path './.git/*' -print0 | xargs -0 -r gofmt -l)"
if [[ -n "$unformatted" ]]; then
	echo "test.sh: gofmt -l lists files that are not formatted:" >&2
	echo "$unformatted" >&2
	exit 1
fi

if ! go vet ./...; then
	echo "test.sh: go vet failed" >&2
	exit 1
fi

log="$(mktemp -t chatsql-test.XXXXXX)"
go test ./... -count=1 -timeout 25m -v >"$log" 2>&1
rc=$?

# Package results, failures with their output, and the closing summary.
grep -E '^(ok|FAIL|\?)\s' "$log" | grep -v '^?' || true
if ((rc != 0)); then
	echo
	echo "test.sh: failures (test output without passing tests):"
	grep -v -E '^(=== (RUN|PAUSE|CONT|NAME)|\s*--- PASS|PASS$|ok\s)' "$log" | tail -n 400
fi

passed=$(grep -c -E '^\s*--- PASS' "$log" || true)
failed=$(grep -c -E '^\s*--- FAIL' "$log" || true)
skipped=$(grep -c -E '^\s*--- SKIP' "$log" || true)

if [[ "${CI:-}" == "true" ]]; then
	# A skipped top-level integration test means its service was missing.
	# (Subtests may skip for their own reasons, e.g. a stateless sink.)
	skips="$(grep -E '^--- SKIP: TestIntegration' "$log" || true)"
	if [[ -n "$skips" ]]; then
		echo "test.sh: integration tests were skipped under CI=true (their service is missing):" >&2
		echo "$skips" >&2
		rc=1
	fi
fi
rm -f "$log"
echo "test.sh: took $((SECONDS - start))s"
echo "tests: $passed passed, $failed failed, $skipped skipped"
exit $rc
