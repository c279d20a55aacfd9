from django.conf import settings


def site(request):
    return {"demo_banner": settings.GEOTRACK["DEMO_BANNER"]}
