#!/usr/bin/env bash
# First command on a fresh Debian machine (README "Quick start"):
#
#   bash scripts/setup.sh            # install what is missing, migrate, run the service
#   bash scripts/setup.sh --no-start # the same, without starting the service (CI)
#
# Steps, each skipped when already done (safe to run again):
#   1. Node.js >= 20.19 is on PATH (otherwise: says what to install, exits 1);
#   2. npm ci when node_modules is missing or differs from package-lock.json,
#      and src/ compiled to dist/ when it changed since the last build;
#   3. a MySQL/MariaDB answers at DATABASE_URL's host and port
#      (default mysql://root@127.0.0.1:3306/tidings): a local MariaDB that is
#      installed but stopped is started; one that is absent is installed with
#      apt when running as root; otherwise the exact command to run is printed;
#   4. `npx tidings migrate` creates and migrates the database;
#   5. `exec npm start` runs the service in the foreground (HTTP_PORT, default
#      8080: GET /healthz and /readyz), unless --no-start is given.
# Exit codes: 0 ok, 1 something is missing or failed, 2 usage.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

START=1
for arg in "$@"; do
  case "$arg" in
    --no-start) START=0 ;;
    -h | --help)
      sed -n '2,18p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
      exit 0
      ;;
    *)
      echo "setup: unknown argument \"$arg\" (usage: bash scripts/setup.sh [--no-start])" >&2
      exit 2
      ;;
  esac
done

say() { printf 'setup: %s\n' "$*"; }
die() {
  printf 'setup: %s\n' "$@" >&2
  exit 1
}

# --- 1. Node.js -------------------------------------------------------------
NODE_HELP="Install Node.js 22 or 24 LTS (Debian 12's own nodejs package is 18, too old), e.g. from https://nodejs.org/en/download or NodeSource, make sure 'node' and 'npm' are on PATH, then run this again."
command -v node >/dev/null 2>&1 || die "Node.js 20.19 or newer is needed, and there is no 'node' on PATH." "$NODE_HELP"
command -v npm >/dev/null 2>&1 || die "npm is needed, and there is no 'npm' on PATH." "$NODE_HELP"
NODE_VERSION="$(node -p 'process.versions.node')"
IFS=. read -r NODE_MAJOR NODE_MINOR _ <<<"$NODE_VERSION"
if ((NODE_MAJOR < 20 || (NODE_MAJOR == 20 && NODE_MINOR < 19))); then
  die "Node.js 20.19 or newer is needed; $(command -v node) is $NODE_VERSION." "$NODE_HELP"
fi
say "Node.js $NODE_VERSION ($(command -v node)), npm $(npm --version)"

# --- 2. npm dependencies ----------------------------------------------------
# node_modules is up to date when every package in package-lock.json is
# installed at its locked version (npm records what it installed in
# node_modules/.package-lock.json; optional packages for other platforms are
# absent by design). File dates are no guide: a checkout touches them.
deps_up_to_date() {
  node -e '
    const fs = require("fs");
    let lock, installed;
    try {
      lock = JSON.parse(fs.readFileSync("package-lock.json", "utf8"));
      installed = JSON.parse(fs.readFileSync("node_modules/.package-lock.json", "utf8"));
    } catch { process.exit(1); }
    for (const [path, want] of Object.entries(lock.packages ?? {})) {
      if (path === "") continue;
      const have = installed.packages?.[path];
      if (have ? have.version !== want.version : !want.optional) process.exit(1);
    }
  '
}
if ! deps_up_to_date; then
  # Its postinstall generates the Prisma client and compiles src/ to dist/.
  say "installing npm dependencies (npm ci)"
  npm ci --no-audit --no-fund
else
  say "npm dependencies are up to date"
  if [[ ! -f src/generated/prisma/client.ts ]]; then
    say "generating the Prisma client"
    npm run --silent generate
  fi
fi
# `tidings` runs the compiled dist/ only while it is newer than everything
# under src/ (else it compiles at every start, through tsx): compile it now
# if a checkout or an edit changed the sources since.
if ! node --input-type=module -e 'import { distIsFresh } from "./scripts/dist.js"; process.exit(distIsFresh(".") ? 0 : 1)'; then
  say "compiling src/ to dist/ (npm run build)"
  node scripts/build.js --quiet
fi

# --- 3. the database server -------------------------------------------------
DATABASE_URL="${DATABASE_URL:-mysql://root@127.0.0.1:3306/tidings}"
# host, port, user and whether a password is set; the password itself is never printed.
if ! DB_PARTS="$(node -e '
  let u;
  try { u = new URL(process.argv[1]); } catch { process.exit(1); }
  if (u.protocol !== "mysql:" && u.protocol !== "mariadb:") process.exit(1);
  console.log([u.hostname.replace(/^\[|\]$/g, ""), u.port || "3306", decodeURIComponent(u.username) || "root", u.password ? "yes" : "no"].join(" "));
' "$DATABASE_URL")"; then
  echo "setup: DATABASE_URL is not a mysql:// or mariadb:// URL (e.g. mysql://root@127.0.0.1:3306/tidings)" >&2
  exit 2
fi
read -r DB_HOST DB_PORT DB_USER DB_HAS_PASSWORD <<<"$DB_PARTS"
DB_WHERE="$DB_HOST:$DB_PORT"

ADMIN="$(command -v mariadb-admin || command -v mysqladmin || true)"
CLIENT="$(command -v mariadb || command -v mysql || true)"

# Is a MariaDB/MySQL server process running on this machine (any user may ask)?
server_running() {
  if command -v pgrep >/dev/null 2>&1; then
    pgrep -x 'mariadbd|mysqld' >/dev/null
  else
    start-stop-daemon --status --exec "$1" >/dev/null 2>&1
  fi
}

# Does a MySQL server answer at DATABASE_URL's host and port? `ping` succeeds
# even when the login is refused: it only asks whether the server is up.
server_answers() {
  if [[ -n $ADMIN ]]; then
    "$ADMIN" --no-defaults --protocol=tcp --host="$DB_HOST" --port="$DB_PORT" --user="$DB_USER" \
      --connect-timeout=2 ping >/dev/null 2>&1
  else
    timeout 3 bash -c 'exec 3<>"/dev/tcp/$1/$2"' _ "$DB_HOST" "$DB_PORT" >/dev/null 2>&1
  fi
}

wait_for_server() {
  local i
  for ((i = 0; i < 30; i++)); do
    server_answers && return 0
    sleep 1
  done
  return 1
}

# Logs in with DATABASE_URL's credentials: prints "ok", "denied" or "failed <code>".
login_check() {
  node --input-type=module -e '
    import mysql from "mysql2/promise";
    const u = new URL(process.argv[1]);
    try {
      const conn = await mysql.createConnection({
        host: u.hostname.replace(/^\[|\]$/g, ""), port: Number(u.port || 3306),
        user: decodeURIComponent(u.username) || "root", password: decodeURIComponent(u.password),
        connectTimeout: 5000,
      });
      await conn.end();
      console.log("ok");
    } catch (err) {
      // 1045 ER_ACCESS_DENIED_ERROR; 1698 is what MariaDB answers for some refused logins
      console.log(err.errno === 1045 || err.errno === 1698 ? "denied" : `failed ${err.code ?? err.message}`);
    }
  ' "$DATABASE_URL"
}

server_binary() {
  local b
  for b in /usr/sbin/mariadbd /usr/sbin/mysqld; do
    [[ -x $b ]] && { echo "$b"; return 0; }
  done
  return 1
}

start_server() {
  local bin="$1" service=mariadb log="${TMPDIR:-/tmp}/tidings-setup-mariadbd.log"
  [[ $bin == */mysqld && ! -e /usr/sbin/mariadbd ]] && service=mysql
  if [[ -d /run/systemd/system ]] && command -v systemctl >/dev/null 2>&1; then
    say "starting $service (systemctl start $service)"
    systemctl start "$service"
  else
    # No systemd (e.g. a container): start the daemon directly. Debian's stock
    # config does not name the user, and mariadbd refuses to run as root.
    say "starting $bin in the background (start-stop-daemon; output in $log)"
    rm -f "$log"
    install -d -m 755 -o mysql -g root /run/mysqld
    start-stop-daemon --start --oknodo --background --output "$log" --exec "$bin" -- --user=mysql
  fi
  say "waiting for the database server at $DB_WHERE (up to 30s)"
  if ! wait_for_server; then
    [[ -s $log ]] && tail -n 15 "$log" >&2
    [[ -s /var/log/mysql/error.log ]] && tail -n 15 /var/log/mysql/error.log >&2
    die "$bin was started but nothing answers at $DB_WHERE after 30s." \
      "Check that it listens there (port, bind-address, skip-networking in /etc/mysql/) or set DATABASE_URL to where it listens."
  fi
}

# A fresh Debian MariaDB lets root in only over the unix socket; the default
# DATABASE_URL logs in as root with an empty password over TCP. Only done for
# a server this script has just installed, and only when that login fails.
allow_local_root_over_tcp() {
  say "allowing root with an empty password from this machine (fresh MariaDB)"
  "$CLIENT" --protocol=socket --user=root -e \
    "ALTER USER root@localhost IDENTIFIED VIA mysql_native_password USING PASSWORD('') OR unix_socket"
  if [[ $(login_check) == denied && $DB_HOST != localhost ]]; then
    # With skip-name-resolve, a TCP client from 127.0.0.1 is not root@localhost.
    "$CLIENT" --protocol=socket --user=root -e \
      "CREATE USER IF NOT EXISTS root@'$DB_HOST' IDENTIFIED BY ''; GRANT ALL PRIVILEGES ON *.* TO root@'$DB_HOST' WITH GRANT OPTION"
  fi
}

IS_LOCAL=0
[[ $DB_HOST == 127.0.0.1 || $DB_HOST == localhost || $DB_HOST == ::1 ]] && IS_LOCAL=1
IS_ROOT=0
[[ $(id -u) == 0 ]] && IS_ROOT=1
INSTALLED_NOW=0

if server_answers; then
  say "database server answers at $DB_WHERE"
elif ((!IS_LOCAL)); then
  die "nothing answers at $DB_WHERE (from DATABASE_URL), and that is not this machine, so this script cannot start it." \
    "Start that server, or set DATABASE_URL to a reachable one (e.g. mysql://root@127.0.0.1:3306/tidings)."
elif BIN="$(server_binary)"; then
  if server_running "$BIN"; then
    die "$BIN is running, but nothing answers at $DB_WHERE (from DATABASE_URL)." \
      "Check where it listens (port, bind-address, skip-networking in /etc/mysql/) or set DATABASE_URL to match."
  elif ((IS_ROOT)); then
    start_server "$BIN"
  else
    die "MariaDB is installed but nothing answers at $DB_WHERE. Start it with:" \
      "  sudo service mariadb start" "then run this again."
  fi
elif ((IS_ROOT)); then
  say "MariaDB is not installed: installing mariadb-server with apt"
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y mariadb-server
  INSTALLED_NOW=1
  CLIENT="$(command -v mariadb || command -v mysql)"
  ADMIN="$(command -v mariadb-admin || command -v mysqladmin || true)"
  BIN="$(server_binary)" || die "mariadb-server was installed but no /usr/sbin/mariadbd was found"
  if server_answers; then
    say "database server answers at $DB_WHERE"
  else
    start_server "$BIN"
  fi
else
  die "No MySQL/MariaDB answers at $DB_WHERE and MariaDB is not installed. Install and start it with:" \
    "  sudo apt-get install -y mariadb-server && sudo service mariadb start" \
    "then run this again."
fi

LOGIN="$(login_check)"
if [[ $LOGIN == denied && $INSTALLED_NOW == 1 && $IS_LOCAL == 1 && $DB_USER == root && $DB_HAS_PASSWORD == no ]]; then
  allow_local_root_over_tcp
  LOGIN="$(login_check)"
fi
case "$LOGIN" in
  ok) say "logged in to $DB_WHERE as $DB_USER" ;;
  denied)
    if ((IS_LOCAL)) && [[ $DB_USER == root && $DB_HAS_PASSWORD == no ]]; then
      die "the database at $DB_WHERE refuses root with an empty password (Debian's MariaDB lets root in only over the unix socket)." \
        "For a local development server, allow it with:" \
        "  sudo mariadb -e \"ALTER USER root@localhost IDENTIFIED VIA mysql_native_password USING PASSWORD('') OR unix_socket\"" \
        "or set DATABASE_URL=mysql://USER:PASSWORD@$DB_WHERE/tidings for an account that may create the database."
    fi
    die "the database at $DB_WHERE refuses the user and password in DATABASE_URL (user $DB_USER); check DATABASE_URL."
    ;;
  *) die "cannot log in to the database at $DB_WHERE: ${LOGIN#failed }" ;;
esac

# --- 4. migrate ---------------------------------------------------------------
say "migrating the database (npx tidings migrate)"
# --no: never fetch a package from the registry; `tidings` is this project's own bin.
npx --no tidings migrate

# --- 5. run -------------------------------------------------------------------
if ((START)); then
  say "starting Tidings on http://${BIND_ADDRESS:-127.0.0.1}:${HTTP_PORT:-8080}/ (GET /healthz, /readyz); Ctrl-C stops it"
  exec npm start
fi
say "done (--no-start: the service was not started; run it with: npm start)"
