"""Response headers the framework does not set itself."""

# Features the portal never uses are switched off; the camera only where invoices are taken.
BASE_PERMISSIONS = "accelerometer=(), geolocation=(), gyroscope=(), magnetometer=(), " \
                   "microphone=(), payment=(), usb=(), interest-cohort=()"
CAMERA_PATHS = ("/claims/new/",)


class PermissionsPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        camera = "camera=(self)" if request.path.startswith(CAMERA_PATHS) else "camera=()"
        response.setdefault("Permissions-Policy", f"{BASE_PERMISSIONS}, {camera}")
        response.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        return response
