"""The sandbox pages (htmx). Views write rows and enqueue runs through ``sandbox.workspaces`` and take their
page context from ``sandbox.presenting``; they never run user code, and wait on it only in the first status
request of a run, for at most ``STATUS_WAIT_S``. Per-user objects are found by UUID and owner: anyone else
gets 404."""

from __future__ import annotations

import copy
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseClientRedirect, reswap, retarget

from sandbox import event_templates, function_urls, presenting, workspaces
from sandbox import forms as sandbox_forms
from sandbox.catalogue import DEMO_PREFIX, all_challenges, find_challenge, find_preset
from sandbox.endpoint import serve as aws_endpoint
from sandbox.models import Run, Workspace

STOP_POLLING = 286  # htmx stops an `every 1s` poll when the response has this status
# The first status request after a run is accepted (``?wait=1``) waits this long for the run to finish;
# later ones answer at once, so that a long queue never keeps web workers waiting.
STATUS_WAIT_S = 1.5


# --- lookups ----------------------------------------------------------------------------------------------------


def owned_workspace(request, workspace_id: UUID) -> Workspace:
    if not request.user.is_authenticated:
        raise Http404("No such workspace.")
    return get_object_or_404(Workspace, pk=workspace_id, owner=request.user)


def owned_run(request, run_id: UUID) -> Run:
    if not request.user.is_authenticated:
        raise Http404("No such run.")
    return get_object_or_404(Run.objects.select_related("workspace"), pk=run_id, workspace__owner=request.user)


# --- home, presets, challenges ------------------------------------------------------------------------------------


@require_GET
def sandbox_home(request):
    return render(request, "sandbox/sandbox_home.html", presenting.home_context(request.user))


@require_GET
def preset_detail(request, name: str):
    preset = find_preset(name)
    if preset is None:
        raise Http404("No preset with that name.")
    workspace = None
    if request.user.is_authenticated:
        workspace = Workspace.objects.filter(owner=request.user, preset=name).first()
    return render(request, "sandbox/preset_detail.html", {"preset": preset, "workspace": workspace})


@require_GET
def demo_try(request, name: str):
    """A question's "See it run" link: the demo's page, from which the student opens it in a workspace."""
    preset = find_preset(DEMO_PREFIX + name)
    if preset is None:
        raise Http404("No demo with that name.")
    return redirect(preset.get_absolute_url())


@require_POST
def preset_try(request, name: str):
    """Open the student's workspace for this preset, creating it from the preset the first time."""
    preset = find_preset(name)
    if preset is None:
        raise Http404("No preset with that name.")
    return open_workspace(
        request,
        preset.get_absolute_url(),
        name=preset.title[:1].upper() + preset.title[1:],
        world=preset.world,
        preset=name,
    )


@require_GET
def challenge_list(request):
    context = {"challenges": all_challenges(), "passed": presenting.passed_challenges(request.user)}
    return render(request, "sandbox/challenge_list.html", context)


@require_GET
def challenge_detail(request, slug: str):
    challenge = find_challenge(slug)
    if challenge is None:
        raise Http404("No challenge with that name.")
    return render(request, "sandbox/challenge_detail.html", presenting.challenge_context(request.user, challenge))


@require_POST
def challenge_start(request, slug: str):
    challenge = find_challenge(slug)
    if challenge is None:
        raise Http404("No challenge with that name.")
    return open_workspace(
        request, challenge.get_absolute_url(), name=challenge.title, world=challenge.world, challenge=slug
    )


def open_workspace(request, back_url: str, *, name: str, world: dict, **origin: str) -> HttpResponse:
    """Redirect to the student's workspace made from a preset or challenge (``origin``), creating it the
    first time; anonymous visitors go to log in, and a refused creation goes back with the reason."""
    if not request.user.is_authenticated:
        return redirect_to_login(back_url)
    workspace = Workspace.objects.filter(owner=request.user, **origin).first()
    if workspace is None:
        try:
            workspace = workspaces.create_workspace(request.user, name=name, world=world, **origin)
        except (workspaces.SandboxLimitError, workspaces.InvalidWorld) as error:
            messages.error(request, _error_text(error))
            return redirect(back_url)
    return redirect(workspace)


@require_POST
def workspace_grade(request, workspace_id: UUID):
    """Submit the workspace as the answer to its challenge: run the challenge's steps on it and grade them."""
    workspace = owned_workspace(request, workspace_id)
    challenge = find_challenge(workspace.challenge) if workspace.challenge else None
    if challenge is None:
        raise Http404("This workspace is not a challenge.")
    return _start(request, workspace, "challenge", copy.deepcopy(challenge.steps), challenge=challenge.slug)


# --- workspace ----------------------------------------------------------------------------------------------------


@require_GET
def workspace_detail(request, workspace_id: UUID):
    workspace = owned_workspace(request, workspace_id)
    context = presenting.workspace_context(workspace)
    context.update(presenting.function_urls_context(workspace, request.build_absolute_uri))
    context.update(presenting.endpoint_context(workspace, request.build_absolute_uri))
    return render(request, "sandbox/workspace_detail.html", context)


@require_POST
def workspace_replay(request, workspace_id: UUID):
    """Fire the preset's own events again, from a fresh emulator (every environment cold, queues empty)."""
    workspace = owned_workspace(request, workspace_id)
    preset = find_preset(workspace.preset) if workspace.preset else None
    if preset is None:
        raise Http404("This workspace has no preset.")
    return _start(request, workspace, "preset", preset.steps)


@require_http_methods(["GET", "POST"])
def workspace_reset(request, workspace_id: UUID):
    """Put the preset's (or challenge's) world back, undoing the student's changes: GET asks to confirm,
    POST does it and keeps the student's version so that it can be restored."""
    workspace = owned_workspace(request, workspace_id)
    source = find_preset(workspace.preset) if workspace.preset else find_challenge(workspace.challenge)
    if source is None:
        raise Http404("This workspace has nothing to reset to.")
    if request.method == "GET":
        return render(request, "sandbox/workspace_reset.html", {"workspace": workspace, "source": source})
    try:
        workspaces.reset_workspace(workspace, source.world)
    except (workspaces.SandboxLimitError, workspaces.InvalidWorld) as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(
            request,
            "The workspace is back to where it started; every environment is cold again. "
            "Your version is kept: “Restore my last version” brings it back.",
        )
    return redirect(workspace)


@require_POST
def workspace_restore(request, workspace_id: UUID):
    """Put back the student's version that the last "Undo my changes" replaced."""
    workspace = owned_workspace(request, workspace_id)
    if workspace.undone_world is None:
        messages.error(request, "There is no earlier version of this workspace to restore.")
        return redirect(workspace)
    try:
        workspaces.restore_workspace(workspace)
    except (workspaces.SandboxLimitError, workspaces.InvalidWorld) as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, "Your last version is back. The next invocation runs it in a new environment.")
    return redirect(workspace)


@require_http_methods(["GET", "POST"])
def workspace_world(request, workspace_id: UUID):
    """The whole workspace as YAML: the builder for anything the forms don't cover."""
    workspace = owned_workspace(request, workspace_id)
    form = sandbox_forms.YamlSectionForm(request.POST or None, initial={"text": sandbox_forms.to_yaml(workspace.world)})
    if (
        request.method == "POST"
        and form.is_valid()
        and _save_world(request, workspace, form, form.cleaned_data["text"])
    ):
        messages.success(request, "Workspace saved.")
        return redirect(workspace)
    if form.errors:  # the page opens on the text to fix, its problem read out with it
        attrs = form.fields["text"].widget.attrs
        attrs.update({"autofocus": True, "aria-invalid": "true"})
        if form["text"].errors:
            attrs["aria-describedby"] = f"{form['text'].id_for_label}-errors"
    return render(request, "sandbox/workspace_world.html", {"workspace": workspace, "form": form, "tab": "world"})


# --- functions ----------------------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def function_create(request, workspace_id: UUID):
    workspace = owned_workspace(request, workspace_id)
    form = sandbox_forms.NewFunctionForm(request.POST or None, existing=workspace.functions)
    if request.method == "POST" and form.is_valid():
        name = form.cleaned_data["name"]
        world = copy.deepcopy(workspace.world)
        world.setdefault("functions", {})[name] = {"code": sandbox_forms.NEW_HANDLER}
        if _save_world(request, workspace, form, world):
            return redirect("sandbox:function-detail", workspace.pk, name)
    return render(request, "sandbox/function_create.html", {"workspace": workspace, "form": form, "tab": "functions"})


@require_http_methods(["GET", "POST"])
def function_detail(request, workspace_id: UUID, name: str):
    workspace = owned_workspace(request, workspace_id)
    spec = workspace.functions.get(name)
    if spec is None:
        raise Http404("No function with that name in this workspace.")
    form = sandbox_forms.FunctionForm(
        request.POST or None, function_name=name, initial=sandbox_forms.FunctionForm.initial_from(spec)
    )
    saved = False
    if request.method == "POST" and form.is_valid():
        world = copy.deepcopy(workspace.world)
        world["functions"][name] = form.apply(spec)
        saved = _save_world(request, workspace, form, world, quiet=True)
    template = "sandbox/function_detail.html#function-form" if request.htmx else "sandbox/function_detail.html"
    # ``next``: saved on the way to another page (the editor saves unsaved changes before the student leaves)
    next_url = request.POST.get("next", "")
    leaving = saved and url_has_allowed_host_and_scheme(next_url, {request.get_host()}, request.is_secure())
    if leaving or (saved and not request.htmx):
        messages.success(request, f"Function {name} saved. The next invocation runs the new code in a new environment.")
    if leaving:
        return HttpResponseClientRedirect(next_url) if request.htmx else redirect(next_url)
    if saved and not request.htmx:
        return redirect("sandbox:function-detail", workspace.pk, name)
    return render(
        request, template, {"workspace": workspace, "name": name, "form": form, "saved": saved, "tab": "functions"}
    )


# --- events and runs --------------------------------------------------------------------------------------------


@require_GET
@vary_on_headers("HX-Request")
def workspace_events(request, workspace_id: UUID):
    workspace = owned_workspace(request, workspace_id)
    chosen = event_templates.find_template(request.GET.get("template", ""))
    template = chosen or event_templates.all_templates()[0]
    function = request.GET.get("function")
    if function not in workspace.functions:
        function = next(iter(workspace.functions), "")
    initial = {"payload": template.text, "function": function}
    if chosen is None:  # the event the preset or challenge sends this function fits its handler best
        initial["payload"] = presenting.default_payload(workspace, function) or template.text
    form = sandbox_forms.InvokeForm(initial=initial, functions=list(workspace.functions))
    context = presenting.events_context(workspace, form, template)
    if request.htmx and request.GET.get("template"):
        return render(request, "sandbox/workspace_events.html#payload-field", context)
    return render(request, "sandbox/workspace_events.html", context)


@require_POST
def workspace_invoke(request, workspace_id: UUID):
    workspace = owned_workspace(request, workspace_id)
    form = sandbox_forms.InvokeForm(request.POST, functions=list(workspace.functions))
    if not form.is_valid():
        context = presenting.events_context(workspace, form)
        if not request.htmx:
            return render(request, "sandbox/workspace_events.html", context)
        response = render(request, "sandbox/workspace_events.html#invoke-form", context)
        return reswap(retarget(response, "#invoke-form"), "outerHTML")
    return _start(request, workspace, "invoke", [form.step()])


@csrf_exempt
def function_url(request, workspace_id: UUID, url_id: str, path: str = ""):
    """A workspace's function URL: open to anyone, as on AWS; the URL's auth type decides (not the owner)."""
    workspace = Workspace.objects.filter(pk=workspace_id).first()
    return function_urls.answer(request, workspace, url_id, path)


@csrf_exempt
def aws_api(request, workspace_id: UUID, path: str = ""):
    """The workspace's AWS endpoint for boto3 and the AWS CLI: the request's signature decides, not a login."""
    return aws_endpoint.answer(request, workspace_id, path)


@require_GET
@vary_on_headers("HX-Request")
def run_detail(request, run_id: UUID):
    run = owned_run(request, run_id)
    context = {
        "run": run,
        "workspace": run.workspace,
        "tab": "runs",
        **presenting.run_context(run, request.GET.get("step"), request.GET.get("play")),
    }
    if request.htmx and "step" in request.GET:
        return render(request, "sandbox/_timeline.html", context)
    return render(request, "sandbox/run_detail.html", context)


@require_GET
def run_status(request, run_id: UUID):
    """The polling partial: 200 while queued or running, 286 (stop polling) with the results once finished.

    With ``?wait=1`` (the first request, sent as soon as the run is accepted) it is a long poll: it answers
    the moment the worker announces the run finished, or after ``STATUS_WAIT_S``; then the page polls
    every second."""
    run = owned_run(request, run_id)
    wait_s = STATUS_WAIT_S if request.GET.get("wait") == "1" else 0
    status = workspaces.run_status(run, wait_s=wait_s)
    context = {"run": run, "workspace": run.workspace, "status": status, **presenting.run_context(run, None, None)}
    if status.finished:  # the workspace page's "Recent runs" list is refreshed along with the results
        context["recent_runs"] = list(run.workspace.runs.select_related("challenge_attempt")[:10])
    response = render(request, "sandbox/run_detail.html#run-status", context)
    if status.finished:
        response.status_code = STOP_POLLING
    return response


def _start(request, workspace: Workspace, kind: str, steps: list, challenge: str = "") -> HttpResponse:
    """Accept a run and answer with its polling status partial (htmx) or its page."""
    try:
        run = workspaces.start_run(workspace, kind, steps, challenge=challenge)
    except (workspaces.SandboxLimitError, workspaces.InvalidWorld) as error:
        if request.htmx:
            return render(request, "sandbox/_run_refused.html", {"message": _error_text(error)})
        messages.error(request, _error_text(error))
        return redirect(workspace.get_absolute_url())  # a known page, never where the Referer points
    if request.htmx:
        status = workspaces.queued_status(run)
        return render(
            request,
            "sandbox/run_detail.html#run-status",
            {"run": run, "workspace": workspace, "status": status, "long_poll": True},
        )
    return redirect(run)


# --- resources ------------------------------------------------------------------------------------------------


@require_GET
def workspace_resources(request, workspace_id: UUID):
    workspace = owned_workspace(request, workspace_id)
    return render(request, "sandbox/workspace_resources.html", presenting.resources_context(workspace))


@require_POST
def resource_action(request, workspace_id: UUID, action: str):
    """Data-plane actions (send, purge, publish, put...) start a run; control-plane ones change the world."""
    workspace = owned_workspace(request, workspace_id)
    world = workspace.world
    if action in sandbox_forms.RESOURCE_FORMS:
        form_class, section, kind = sandbox_forms.RESOURCE_FORMS[action]
        form = form_class(request.POST, names=list(world.get(section) or {}))
        if form.is_valid():
            return _start(request, workspace, kind, [form.step()])
    elif action in ("add-queue", "add-topic", "add-mapping", "toggle-mapping"):
        form = _control_form(action, request.POST, world)
        if form.is_valid() and _save_world(request, workspace, form, form.apply(world)):
            messages.success(request, "Saved.")
            return redirect("sandbox:workspace-resources", workspace.pk)
    else:
        raise Http404("No such action.")
    context = presenting.resources_context(workspace)
    context["forms"][action.replace("-", "_")] = form
    return render(request, "sandbox/workspace_resources.html", context)


def _control_form(action: str, data, world: dict):
    if action == "add-queue":
        return sandbox_forms.QueueForm(data)
    if action == "add-topic":
        return sandbox_forms.TopicForm(data)
    if action == "add-mapping":
        return sandbox_forms.MappingForm(
            data, functions=list(world.get("functions") or {}), sources=sandbox_forms.mapping_sources(world)
        )
    return sandbox_forms.MappingToggleForm(data)


# --- network ------------------------------------------------------------------------------------------------------


@require_GET
def workspace_network(request, workspace_id: UUID):
    workspace = owned_workspace(request, workspace_id)
    return render(request, "sandbox/workspace_network.html", presenting.network_context(workspace))


@require_POST
def network_action(request, workspace_id: UUID, action: str):
    workspace = owned_workspace(request, workspace_id)
    network = workspace.world.get("network") or {}
    if action == "add-nat":
        form = sandbox_forms.NatGatewayForm(
            request.POST,
            subnets=list(network.get("subnets") or {}),
            route_tables=list(network.get("route_tables") or {}),
            existing=list(network.get("nat_gateways") or {}),
        )
    elif action == "set-route":
        form = sandbox_forms.RouteForm(request.POST, route_tables=list(network.get("route_tables") or {}))
    elif action == "edit":
        form = sandbox_forms.YamlSectionForm(request.POST)
    else:
        raise Http404("No such action.")
    if form.is_valid():
        if action == "edit":
            world = {**copy.deepcopy(workspace.world), "network": form.cleaned_data["text"]}
        else:
            world = form.apply(workspace.world)
        if world == workspace.world:
            messages.info(request, "Nothing changed: the network is as it was.")
            return redirect("sandbox:workspace-network", workspace.pk)
        if _save_world(request, workspace, form, world):
            messages.success(request, "Network saved. Invoke the function again to see the new verdicts.")
            return redirect("sandbox:workspace-network", workspace.pk)
    context = presenting.network_context(workspace)
    context["forms"][action.replace("-", "_")] = form
    return render(request, "sandbox/workspace_network.html", context)


# --- helpers --------------------------------------------------------------------------------------------------


def _save_world(request, workspace: Workspace, form, world: dict, quiet: bool = False) -> bool:
    """Save a changed world; problems go next to the form's fields (or above the form)."""
    try:
        workspaces.update_world(workspace, world)
    except workspaces.SandboxLimitError as error:
        form.add_error(None, error.message)
        return False
    except workspaces.InvalidWorld as error:
        if hasattr(form, "add_problems"):
            form.add_problems(error.problems)
        else:
            for problem in error.problems:
                form.add_error(None, f"{problem.field}: {problem.message}")
        return False
    return True


def _error_text(error: Exception) -> str:
    if isinstance(error, workspaces.SandboxLimitError):
        return error.message
    problems = getattr(error, "problems", None) or []
    return " ".join(f"{problem.field}: {problem.message}" for problem in problems) or str(error)
