"""The one django-ninja API, mounted at /api/v1/. Each module adds its router here."""

from ninja import NinjaAPI

from citykpi.api import auth, errors, opendata, planning, workflow

api = NinjaAPI(
    title="citykpi API",
    version="1",
    description=(
        "ระบบติดตามและประเมินผลตัวชี้วัด: ข้อมูลเปิดและการรายงานผลรายไตรมาส / "
        "KPI monitoring and evaluation: open data and the quarterly reporting workflow."
    ),
    urls_namespace="api",
)
# Errors as bilingual JSON {"message", "message_th", "message_en", "field"} everywhere.
errors.install_error_handlers(api)
api.add_router("/auth", auth.router)
api.add_router("/", opendata.router)
api.add_router("/", workflow.router)
api.add_router("/", planning.router)
