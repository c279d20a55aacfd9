"""The bottom floor: helpers every app uses, knowing no app.

Request parsing (params), errors, pagination, SQL pieces (sql), links, caching and
change tokens, task helpers, image handling, the local map widget and admin, HTTP
helpers. Nothing here imports projects, camera_sites, layers or geotrack.site
(the import contract in pyproject.toml checks it).
"""
