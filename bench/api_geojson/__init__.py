"""GeoJSON list benchmark: geotrack against the SQL floor, pygeoapi and plain DRF-GIS."""
