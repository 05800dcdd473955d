from django.shortcuts import render


def not_found(request, exception=None):
    return render(request, "404.html", status=404)


def server_error(request):
    return render(request, "500.html", status=500)


# Placeholders until the public pages land (issue 2); each renders the shell page.
def _placeholder(request, *args, **kwargs):
    from django.http import HttpResponse

    return HttpResponse("citykpi")


home = kpi_detail = kpi_print = agency_detail = project_detail = _placeholder
strategy_tree = city_indicator_list = city_indicator_detail = _placeholder
