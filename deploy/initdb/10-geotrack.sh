#!/bin/sh
# Runs once, as the superuser, when the PostGIS container initialises its data folder: the application's
# own role (no superuser) owning its database, and the extensions only a superuser may create.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" <<SQL
CREATE ROLE geotrack LOGIN PASSWORD '${GEOTRACK_DB_PASSWORD}' NOSUPERUSER NOCREATEROLE NOREPLICATION;
CREATE DATABASE geotrack OWNER geotrack;
\c geotrack
CREATE EXTENSION IF NOT EXISTS postgis;
CREATE EXTENSION IF NOT EXISTS pg_trgm;
SQL
