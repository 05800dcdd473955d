from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "citykpi.api"
    label = "api"

    def ready(self) -> None:
        # The KPI documents (citykpi.publicdata, below the API) store each public record as
        # the bytes this API answers; they cannot import the API, so it tells them how.
        # Imported here: apps.py is loaded before the models these modules use.
        from citykpi.api.opendata.kpis import record_format_name, stored_record
        from citykpi.publicdata import documents

        documents.set_record_encoder(record_format_name(), stored_record)
