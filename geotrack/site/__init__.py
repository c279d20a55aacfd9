"""The top floor: the site people use, built on the domain, cameras and layers.

Pages (dashboard, maps, projects, roadmap, cameras, imagery comparison), the
dashboard's figures, alerts, roadmap reports, the demo, operator commands and the
site's URLs. It may import anything below it; nothing imports it.
"""
