from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from sandbox.presets import all_presets, find_preset


@require_GET
def sandbox_home(request):
    return render(request, "sandbox/sandbox_home.html", {"presets": all_presets()})


@require_GET
def preset_detail(request, name: str):
    preset = find_preset(name)
    if preset is None:
        raise Http404("No preset with that name.")
    return render(request, "sandbox/preset_detail.html", {"preset": preset})
